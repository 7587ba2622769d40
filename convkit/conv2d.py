"""The 2-D convolution layer as two functions, forward and backward, with a choice of method."""
from __future__ import annotations

from . import methods
from .errors import ConvArgumentError
from .geometry import as_float, prepare_conv2d
from .memory import check_conv

__all__ = ["conv2d", "conv2d_backward", "METHODS"]

METHODS = methods.METHODS


def conv2d(x, w, b=None, stride=1, padding=0, method="im2col"):
    """Forward pass of a 2-D convolution layer (cross-correlation, as in every DL library).

    ``out[n, k, i, j] = b[k] + sum_{c,a,b} w[k, c, a, b] * x_pad[n, c, i*SH + a, j*SW + b]``

    Derived in Chapters 1-2 (loops), 3 (matrix) and 5 (im2col); every method
    computes the same thing and they are tested against each other and PyTorch.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    w : array_like, shape (K, C, FH, FW)
    b : array_like, shape (K,), optional
    stride, padding : int or (int, int)
        Same for height and width, or (height, width).
    method : {"loops", "matrix", "im2col", "fast"}
        See :data:`METHODS`.

    Returns
    -------
    ndarray, shape (N, K, Hout, Wout)
        ``Hout = (H - FH + 2*PH)/SH + 1`` (must be whole), likewise Wout.
        float32 if every input is float32, else float64.

    Raises
    ------
    ConvArgumentError
        For bad arguments (the message names them), and when the method would
        need more memory than :func:`convkit.memory_limit` allows: checked from
        the shapes before anything is allocated, the message gives the size in
        GiB and the fastest method that fits (``"matrix"`` builds a
        (K*Hout*Wout, C*H*W) matrix and is the first to hit the limit).
    """
    impl = methods.get(method)
    x, w, b, g = prepare_conv2d(x, w, b, stride, padding)
    check_conv(g, x.dtype, method)
    out, _ = impl.forward(x, w, b, g)
    return out


def conv2d_backward(dout, x, w, stride=1, padding=0, method="im2col"):
    """Backward pass of :func:`conv2d`: the gradients of the loss with respect to x, w and b.

    Derived in Chapter 4 (1-D, then 2-D) and Chapter 5 (as matrix products).

    Parameters
    ----------
    dout : array_like, shape (N, K, Hout, Wout)
        Upstream gradient dL/dout.
    x, w, stride, padding, method
        As given to :func:`conv2d`.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
    dw : ndarray, shape (K, C, FH, FW)
    db : ndarray, shape (K,)

    Raises
    ------
    ConvArgumentError
        As :func:`conv2d`, including the memory guard (for the backward pass).
    """
    impl = methods.get(method)
    dout = as_float(dout, "dout")
    x, w, _, g = prepare_conv2d(x, w, None, stride, padding)
    if dout.shape != g.out_shape:
        raise ConvArgumentError(
            f"dout must have the output's shape (N, K, Hout, Wout) = {g.out_shape} for "
            f"x.shape={g.x_shape}, w.shape={g.w_shape}, stride=({g.sh}, {g.sw}), "
            f"padding=({g.ph}, {g.pw}); got dout.shape={dout.shape}"
        )
    check_conv(g, x.dtype, method, backward=True, caller="conv2d_backward")
    dout = dout.astype(x.dtype, copy=False)
    return impl.backward(dout, impl.cache_for(x, w, g))

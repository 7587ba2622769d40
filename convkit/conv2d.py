"""The 2-D convolution layer as two functions, forward and backward, with a choice of method."""
from __future__ import annotations

from . import methods
from .errors import ConvArgumentError
from .geometry import as_float, prepare_conv2d, resolve_padding
from .memory import check_conv

__all__ = ["conv2d", "conv2d_backward", "METHODS"]

METHODS = methods.METHODS


def conv2d(x, w, b=None, stride=1, padding=0, method=methods.DEFAULT, *, dilation=1, drop_last=False, pad=None):
    """Forward pass of a 2-D convolution layer (cross-correlation, as in every DL library).

    ``out[n, k, i, j] = b[k] + sum_{c,u,v} w[k, c, u, v] * x_pad[n, c, i*SH + u*DH, j*SW + v*DW]``

    Derived in Chapters 1-2 (loops), 3 (matrix) and 5 (im2col), dilation in
    Chapter 8; every method computes the same thing and they are tested against
    each other and PyTorch (``torch.nn.functional.conv2d`` with the same
    ``stride``, ``padding`` and ``dilation``).

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    w : array_like, shape (K, C, FH, FW)
    b : array_like, shape (K,), optional
    stride, padding : int or (int, int)
        Same for height and width, or (height, width). ``pad`` is an alias of
        ``padding`` (Deep Learning from Scratch's and cs231n's name), so
        ``conv2d(x, w, b, **conv_param)`` takes cs231n's ``conv_param`` dict.
    method : {"fast", "loops", "matrix", "im2col", "winograd"}, default "fast"
        See :data:`METHODS`. The default, ``convkit.methods.DEFAULT``, is the
        fastest method that computes every geometry, here and in
        :class:`Conv2D` alike. "winograd" (Chapter 10) computes only 3x3
        kernels with stride 1 and dilation 1, and raises ConvArgumentError
        otherwise.
    dilation : int or (int, int), default 1
        Distance between the kernel's taps (keyword only): with D > 1 the
        kernel reads every D-th cell of a window D(F - 1) + 1 cells wide.
    drop_last : bool, default False
        Floor a non-whole output size, dropping the last rows and columns that
        no window reaches, as PyTorch and Deep Learning from Scratch do
        (keyword only). By default such a size is a :class:`ConvArgumentError`.

    Returns
    -------
    ndarray, shape (N, K, Hout, Wout)
        ``Hout = (H + 2*PH - DH*(FH - 1) - 1)/SH + 1`` (must be whole unless
        ``drop_last``), likewise Wout. float32 if every input is float32, else float64.

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
    x, w, b, g = prepare_conv2d(x, w, b, stride, resolve_padding(padding, pad), dilation, drop_last)
    methods.check(method, g)
    check_conv(g, x.dtype, method)
    out, _ = impl.forward(x, w, b, g)
    return out


def conv2d_backward(dout, x, w, stride=1, padding=0, method=methods.DEFAULT, *, dilation=1, drop_last=False, pad=None):
    """Backward pass of :func:`conv2d`: the gradients of the loss with respect to x, w and b.

    Derived in Chapter 4 (1-D, then 2-D) and Chapter 5 (as matrix products).
    ``dx`` is the transposed convolution of ``dout`` (Chapter 8):
    ``conv_transpose2d(dout, w, stride=..., padding=..., dilation=...)``, with
    ``output_padding`` for the rows that ``drop_last`` dropped.

    Parameters
    ----------
    dout : array_like, shape (N, K, Hout, Wout)
        Upstream gradient dL/dout.
    x, w, stride, padding, method, dilation, drop_last, pad
        As given to :func:`conv2d`.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
        Zero in the rows and columns that ``drop_last`` dropped.
    dw : ndarray, shape (K, C, FH, FW)
    db : ndarray, shape (K,)

    Raises
    ------
    ConvArgumentError
        As :func:`conv2d`, including the memory guard (for the backward pass).
    """
    impl = methods.get(method)
    dout = as_float(dout, "dout")
    x, w, _, g = prepare_conv2d(x, w, None, stride, resolve_padding(padding, pad), dilation, drop_last)
    if dout.shape != g.out_shape:
        dil = f", dilation=({g.dil_h}, {g.dil_w})" if (g.dil_h, g.dil_w) != (1, 1) else ""
        raise ConvArgumentError(
            f"dout must have the output's shape (N, K, Hout, Wout) = {g.out_shape} for "
            f"x.shape={g.x_shape}, w.shape={g.w_shape}, stride=({g.sh}, {g.sw}), "
            f"padding=({g.ph}, {g.pw}){dil}; got dout.shape={dout.shape}"
        )
    methods.check(method, g)
    check_conv(g, x.dtype, method, backward=True, caller="conv2d_backward")
    dout = dout.astype(x.dtype, copy=False)
    return impl.backward(dout, impl.cache_for(x, w, g))

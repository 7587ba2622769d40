"""The 1-D convolution layer and its backward pass, as derived in Chapter 4."""
from __future__ import annotations

import numpy as np

from .errors import ConvArgumentError
from .arguments import as_float, as_int, float_dtype
from .corr import spread_by_stride
from .geometry import checked_size

__all__ = ["conv1d", "conv1d_backward"]


def _check_1d(x, w, stride, padding, b=None):
    x, w = as_float(x, "x"), as_float(w, "w")
    if x.ndim != 1 or w.ndim != 1 or x.size == 0 or w.size == 0:
        raise ConvArgumentError(
            f"conv1d takes a non-empty 1-D signal x (L,) and 1-D weights w (F,); got "
            f"x.shape={x.shape}, w.shape={w.shape}"
        )
    stride, padding = as_int(stride, "stride", 1), as_int(padding, "padding", 0)
    n_out = checked_size(x.size, w.size, stride, padding, "length", ("L", "F"))
    extra = []
    if b is not None:
        b = as_float(b, "b")
        if b.ndim != 0:
            raise ConvArgumentError(f"b must be a scalar for one filter; got b.shape={b.shape}")
        extra = [b]
    dt = float_dtype(x, w, *extra)
    return x.astype(dt, copy=False), w.astype(dt, copy=False), n_out, dt


def _correlate(signal, kernel, stride=1):
    """Valid cross-correlation: out[i] = sum_a kernel[a] * signal[i*stride + a]."""
    f = kernel.size
    n_out = (signal.size - f) // stride + 1
    return np.array([signal[i * stride : i * stride + f] @ kernel for i in range(n_out)], dtype=signal.dtype)


def conv1d(x, w, b=None, stride=1, padding=0):
    """1-D convolution layer (cross-correlation): ``y[i] = sum_a w[a] x_pad[i*S + a] + b``.

    Derived in Chapter 4 (``notebooks/04_backprop.ipynb``).

    Parameters
    ----------
    x : array_like, shape (L,)
        Input signal.
    w : array_like, shape (F,)
        Weights.
    b : float, optional
        Bias, added to every output.
    stride : int, default 1
    padding : int, default 0
        Zeros added at each end.

    Returns
    -------
    ndarray, shape (Lout,)
        ``Lout = (L - F + 2P)/S + 1``, which must be whole.
    """
    x, w, _, dt = _check_1d(x, w, stride, padding, b)
    y = _correlate(np.pad(x, padding), w, stride)
    return y + (dt.type(0) if b is None else dt.type(b))


def conv1d_backward(dout, x, w, stride=1, padding=0):
    """Gradients of a 1-D convolution layer, written the way Chapter 4 derives them.

    With every dout entry spread ``stride`` apart (zeros between, a no-op for stride 1):

    * ``dx`` is dout, zero-padded by F - 1 at each end, correlated with the
      *flipped* w (then the input padding is cut off again);
    * ``dw`` is the padded x correlated with dout;
    * ``db`` is the sum of dout.

    Parameters
    ----------
    dout : array_like, shape (Lout,)
        Upstream gradient dL/dy.
    x : array_like, shape (L,)
    w : array_like, shape (F,)
    stride, padding : int
        As in the forward pass.

    Returns
    -------
    dx : ndarray, shape (L,)
    dw : ndarray, shape (F,)
    db : float
    """
    x, w, n_out, dt = _check_1d(x, w, stride, padding)
    dout = as_float(dout, "dout")
    if dout.shape != (n_out,):
        raise ConvArgumentError(
            f"dout must have the output's shape ({n_out},) for x.shape={x.shape}, w.shape={w.shape}, "
            f"stride={stride}, padding={padding}; got dout.shape={dout.shape}"
        )
    dout = spread_by_stride(dout.astype(dt, copy=False), stride)
    f = w.size
    dx_padded = _correlate(np.pad(dout, f - 1), w[::-1])
    dx = dx_padded[padding : padding + x.size]
    dw = _correlate(np.pad(x, padding), dout)
    return dx, dw, dout.sum()

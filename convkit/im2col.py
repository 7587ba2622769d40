"""im2col and its adjoint col2im (Chapter 5)."""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .errors import ConvArgumentError
from .geometry import Geometry, as_float, as_pair, conv_geometry

__all__ = ["im2col", "col2im", "windows"]


def _geometry(x_shape, fh, fw, stride, padding) -> Geometry:
    fh, fw = as_pair((fh, fw), "(fh, fw)", 1)
    return conv_geometry(x_shape, (1, x_shape[1] if len(x_shape) == 4 else 1, fh, fw), stride, padding)


def windows(x, fh, fw, stride=1, padding=0):
    """A read-only view of every window: shape (N, C, Hout, Wout, fh, fw), no copy.

    ``windows(x, ...)[n, c, i, j]`` is the (fh, fw) patch of the zero-padded
    ``x[n, c]`` that output position (i, j) sees.
    """
    x = as_float(x, "x")
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    return _windows(x, _geometry(x.shape, fh, fw, stride, padding))


def _windows(x, g: Geometry):
    """:func:`windows` for checked arguments: (N, C, Hout, Wout, FH, FW) view of a padded copy."""
    xp = np.pad(x, ((0, 0), (0, 0), (g.ph, g.ph), (g.pw, g.pw)))
    return sliding_window_view(xp, (g.fh, g.fw), axis=(2, 3))[:, :, :: g.sh, :: g.sw]


def im2col(x, fh, fw, stride=1, padding=0):
    """Stack every window of ``x`` as one column of a matrix.

    Derived in Chapter 5 (``notebooks/05_im2col.ipynb``). With the filters as
    rows, ``w.reshape(K, -1) @ im2col(x, FH, FW)`` is the whole forward pass.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    fh, fw : int
        Window height and width.
    stride, padding : int or (int, int)

    Returns
    -------
    ndarray, shape (C*fh*fw, N*Hout*Wout)
        Row ``(c*fh + a)*fw + b`` holds entry (a, b) of channel c of each
        window; column ``(n*Hout + i)*Wout + j`` is the window of output
        (i, j) of image n. The matrix is ``fh*fw/(stride_h*stride_w)`` times
        the size of ``x`` (about 9x for a 3x3 stride-1 "same" convolution),
        which is the price of turning a convolution into one matrix product.
    """
    v = windows(x, fh, fw, stride, padding)  # (N, C, Ho, Wo, fh, fw)
    n, c, ho, wo, fh_, fw_ = v.shape
    return v.transpose(1, 4, 5, 0, 2, 3).reshape(c * fh_ * fw_, n * ho * wo)


def col2im(cols, x_shape, fh, fw, stride=1, padding=0):
    """The adjoint of :func:`im2col`: add every column back onto the window it came from.

    Derived in Chapter 5 (``notebooks/05_im2col.ipynb``). Where windows
    overlap their contributions add up, so ``col2im(im2col(x))`` is *not* ``x``
    (each pixel comes back multiplied by the number of windows that cover it).
    What holds instead is ``<im2col(x), c> == <x, col2im(c)>`` for every x and
    c, which is exactly what the backward pass needs: ``dx = col2im(W_row.T @ dout)``.

    Parameters
    ----------
    cols : array_like, shape (C*fh*fw, N*Hout*Wout)
    x_shape : (N, C, H, W)
        Shape of the input that im2col was (or would be) applied to.
    fh, fw : int
    stride, padding : int or (int, int)

    Returns
    -------
    ndarray, shape (N, C, H, W)
        Same dtype as ``cols`` (float64 for integer input).
    """
    cols = as_float(cols, "cols")
    if len(tuple(x_shape)) != 4:
        raise ConvArgumentError(f"x_shape must be (N, C, H, W); got x_shape={tuple(x_shape)}")
    g = _geometry(tuple(x_shape), fh, fw, stride, padding)
    expect = (g.c * g.fh * g.fw, g.n * g.ho * g.wo)
    if cols.shape != expect:
        raise ConvArgumentError(
            f"cols must have shape (C*fh*fw, N*Hout*Wout) = {expect} for x_shape={tuple(x_shape)}, "
            f"window ({g.fh}, {g.fw}), stride ({g.sh}, {g.sw}), padding ({g.ph}, {g.pw}); "
            f"got cols.shape={cols.shape}"
        )
    if cols.dtype.kind != "f":
        cols = cols.astype(np.float64)
    c6 = cols.reshape(g.c, g.fh, g.fw, g.n, g.ho, g.wo).transpose(3, 0, 1, 2, 4, 5)
    return _col2im(c6, g).copy()


def _col2im(c6, g: Geometry):
    """:func:`col2im` for checked arguments, any layout of the columns.

    c6 : (N, C, FH, FW, Hout, Wout), a view in whatever memory order.
    Returns a (N, C, H, W) view into a zero-padded array.
    """
    hp, wp = g.padded_hw
    xp = np.zeros((g.n, g.c, hp, wp), dtype=c6.dtype)
    # One strided slice per kernel offset (a, b): each adds the (a, b) entry of
    # every window at once. fh*fw vectorised adds instead of np.add.at's scatter.
    for a in range(g.fh):
        for b in range(g.fw):
            xp[:, :, a : a + g.sh * g.ho : g.sh, b : b + g.sw * g.wo : g.sw] += c6[:, :, a, b]
    return xp[:, :, g.ph : g.ph + g.h, g.pw : g.pw + g.w]

"""im2col and its adjoint col2im (Chapter 5)."""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .arguments import as_float, as_pair, resolve_padding
from .errors import ConvArgumentError
from .geometry import Geometry, conv_geometry, symmetric
from .memory import guard

__all__ = ["im2col", "col2im", "windows", "im2col_bytes", "col2im_bytes", "window_view", "im2col_unchecked",
           "col2im_unchecked", "add_windows"]

# The public functions check their arguments and guard the memory; the *_unchecked ones, window_view and
# add_windows take a checked Geometry and do neither: the engines (convkit.methods) call them after the
# call pipeline has checked everything once.


def _geometry(x_shape, fh, fw, stride, padding, dilation=1, drop_last=False) -> Geometry:
    fh, fw = as_pair((fh, fw), "(fh, fw)", 1)
    return symmetric(conv_geometry(x_shape, (1, x_shape[1] if len(x_shape) == 4 else 1, fh, fw), stride, padding,
                                   dilation, drop_last), "im2col")


def windows(x, fh, fw, stride=1, padding=0, dilation=1, *, drop_last=False, pad=None):
    """A read-only view of every window: shape (N, C, Hout, Wout, fh, fw), no copy.

    ``windows(x, ...)[n, c, i, j]`` is the (fh, fw) patch of the zero-padded
    ``x[n, c]`` that output position (i, j) sees (every ``dilation``-th cell
    of a dilated window). Arguments as for :func:`im2col`.
    """
    x = as_float(x, "x")
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    return window_view(x, _geometry(x.shape, fh, fw, stride, resolve_padding(padding, pad), dilation, drop_last))


def window_view(x, g: Geometry):
    """:func:`windows` for checked arguments: (N, C, Hout, Wout, FH, FW) view of a padded copy."""
    xp = np.pad(x, ((0, 0), (0, 0), (g.ph, g.ph), (g.pw, g.pw)))
    # Windows of the dilated span, every dil-th tap of each; [:ho] drops what drop_last floors away.
    v = sliding_window_view(xp, (g.span_h, g.span_w), axis=(2, 3))
    return v[:, :, : g.sh * (g.ho - 1) + 1 : g.sh, : g.sw * (g.wo - 1) + 1 : g.sw, :: g.dil_h, :: g.dil_w]


def im2col(x, fh, fw, stride=1, padding=0, dilation=1, *, drop_last=False, pad=None):
    """Stack every window of ``x`` as one column of a matrix.

    Derived in Chapter 5 (``notebooks/05_im2col.ipynb``). With the filters as
    rows, ``w.reshape(K, -1) @ im2col(x, FH, FW)`` is the whole forward pass.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    fh, fw : int
        Window height and width (its taps; dilated, it spans ``dilation*(fh - 1) + 1`` rows).
    stride, padding, dilation : int or (int, int)
        As for :func:`convkit.conv2d`; ``pad`` is an alias of ``padding`` (Deep
        Learning from Scratch's name for it in its own ``im2col``).
    drop_last : bool, default False
        Floor a non-whole output size (see :func:`convkit.output_size`).

    Returns
    -------
    ndarray, shape (C*fh*fw, N*Hout*Wout)
        Row ``(c*fh + a)*fw + b`` holds entry (a, b) of channel c of each
        window; column ``(n*Hout + i)*Wout + j`` is the window of output
        (i, j) of image n. The matrix is ``fh*fw/(stride_h*stride_w)`` times
        the size of ``x`` (about 9x for a 3x3 stride-1 "same" convolution),
        which is the price of turning a convolution into one matrix product.

    Raises
    ------
    ConvArgumentError
        For bad arguments, and when the padded input and the column matrix
        would take more memory than :func:`convkit.memory_limit` allows (the
        message gives the size in GiB); checked before anything is allocated.
    """
    x = as_float(x, "x")
    g = _geometry(x.shape, fh, fw, stride, resolve_padding(padding, pad), dilation, drop_last)
    cast = x.dtype.kind != "f"  # integers are computed in float64
    item = 8 if cast else x.itemsize
    guard(im2col_bytes(g, item) + (x.size * item if cast else 0), _call("im2col", g, item),
          f"Its column matrix (C*fh*fw, N*Hout*Wout) = {(g.c * g.fh * g.fw, g.n * g.ho * g.wo)} holds every "
          f"window; conv2d(..., method='fast') convolves without building it whole.")
    return im2col_unchecked(x.astype(np.float64) if cast else x, g)


def im2col_unchecked(x, g: Geometry):
    """:func:`im2col` for checked arguments: x (N, C, H, W) float -> (C*FH*FW, N*Hout*Wout)."""
    v = window_view(x, g)  # (N, C, Ho, Wo, fh, fw)
    return v.transpose(1, 4, 5, 0, 2, 3).reshape(g.c * g.fh * g.fw, g.n * g.ho * g.wo)


def _call(name, g: Geometry, item: int) -> str:
    """How a memory message names the call."""
    dil = f"dilation ({g.dil_h}, {g.dil_w}), " if (g.dil_h, g.dil_w) != (1, 1) else ""
    return (f"{name} for x.shape={g.x_shape}, window ({g.fh}, {g.fw}), stride ({g.sh}, {g.sw}), "
            f"padding ({g.ph}, {g.pw}), {dil}float{8 * item}")


def im2col_bytes(g: Geometry, itemsize: int) -> int:
    """Peak bytes of :func:`im2col`: the padded copy of x, then the column matrix."""
    hp, wp = g.padded_hw
    return (g.n * g.c * hp * wp + g.c * g.fh * g.fw * g.n * g.ho * g.wo) * itemsize


def col2im_bytes(g: Geometry, itemsize: int) -> int:
    """Peak bytes of :func:`col2im` (from its columns): a zero-padded image, then the cropped copy."""
    hp, wp = g.padded_hw
    return (g.n * g.c * hp * wp + g.n * g.c * g.h * g.w) * itemsize


def col2im(cols, x_shape, fh, fw, stride=1, padding=0, dilation=1, *, drop_last=False, pad=None):
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
    stride, padding, dilation : int or (int, int)
    drop_last : bool, default False
        As for :func:`im2col` (``pad`` is an alias of ``padding``).

    Returns
    -------
    ndarray, shape (N, C, H, W)
        Same dtype as ``cols`` (float64 for integer input).

    Raises
    ------
    ConvArgumentError
        For bad arguments, and when the result and its zero-padded working
        copy would take more memory than :func:`convkit.memory_limit` allows.
    """
    cols = as_float(cols, "cols")
    if len(tuple(x_shape)) != 4:
        raise ConvArgumentError(f"x_shape must be (N, C, H, W); got x_shape={tuple(x_shape)}")
    g = _geometry(tuple(x_shape), fh, fw, stride, resolve_padding(padding, pad), dilation, drop_last)
    expect = (g.c * g.fh * g.fw, g.n * g.ho * g.wo)
    if cols.shape != expect:
        dil = f", dilation ({g.dil_h}, {g.dil_w})" if (g.dil_h, g.dil_w) != (1, 1) else ""
        raise ConvArgumentError(
            f"cols must have shape (C*fh*fw, N*Hout*Wout) = {expect} for x_shape={tuple(x_shape)}, "
            f"window ({g.fh}, {g.fw}), stride ({g.sh}, {g.sw}), padding ({g.ph}, {g.pw}){dil}; "
            f"got cols.shape={cols.shape}"
        )
    cast = cols.dtype.kind != "f"  # integers are computed in float64
    item = 8 if cast else cols.itemsize
    guard(col2im_bytes(g, item) + (cols.size * item if cast else 0), _call("col2im", g, item))
    return col2im_unchecked(cols.astype(np.float64) if cast else cols, g)


def col2im_unchecked(cols, g: Geometry):
    """:func:`col2im` for checked arguments: cols (C*FH*FW, N*Hout*Wout) float -> a new (N, C, H, W) array."""
    c6 = cols.reshape(g.c, g.fh, g.fw, g.n, g.ho, g.wo).transpose(3, 0, 1, 2, 4, 5)
    return add_windows(c6, g).copy()


def add_windows(c6, g: Geometry):
    """Every window's entries added onto the pixels they came from, for any layout of the columns.

    c6 : (N, C, FH, FW, Hout, Wout), a view in whatever memory order.
    Returns a (N, C, H, W) view into a zero-padded array.
    """
    hp, wp = g.padded_hw
    xp = np.zeros((g.n, g.c, hp, wp), dtype=c6.dtype)
    # One strided slice per kernel offset (a, b): each adds the (a, b) entry of
    # every window at once. fh*fw vectorised adds instead of np.add.at's scatter.
    for a in range(g.fh):
        r = a * g.dil_h  # padded row of tap a in the first window
        for b in range(g.fw):
            c = b * g.dil_w
            xp[:, :, r : r + g.sh * g.ho : g.sh, c : c + g.sw * g.wo : g.sw] += c6[:, :, a, b]
    return xp[:, :, g.ph : g.ph + g.h, g.pw : g.pw + g.w]

"""im2col + one matrix product forward, col2im backward (Chapter 5).

Uses Chapter 5's readable im2col and col2im (:mod:`convkit.im2col`), on arguments already checked.
The column matrix is built whole and kept in the cache: about FH*FW/(SH*SW)
times the input (see :func:`bytes_needed`).
"""
import numpy as np

from ..im2col import col2im_bytes, col2im_unchecked, im2col_bytes, im2col_unchecked


def forward(x, w, b, g, ws=None):
    cols = cache_for(x, w, g)[0]  # (C*FH*FW, N*Hout*Wout)
    y = w.reshape(g.k, -1) @ cols + b[:, None]  # (K, N*Hout*Wout)
    out = y.reshape(g.k, g.n, g.ho, g.wo).transpose(1, 0, 2, 3)
    return out, (cols, w, g)


def cache_for(x, w, g, ws=None):
    return (im2col_unchecked(x, g), w, g)


def backward(dout, cache, ws=None):
    cols, w, g = cache
    dy = dout.transpose(1, 0, 2, 3).reshape(g.k, -1)  # (K, N*Hout*Wout), columns as in cols
    dw = (dy @ cols.T).reshape(g.w_shape)
    dcols = w.reshape(g.k, -1).T @ dy
    dx = col2im_unchecked(dcols, g)
    return dx, dw, dout.sum(axis=(0, 2, 3))


def bytes_needed(g, dtype, backward=False):
    """Peak bytes: the column matrix (kept in the cache) and, around it, the output or the gradients."""
    item = np.dtype(dtype).itemsize
    cols = g.c * g.fh * g.fw * g.n * g.ho * g.wo * item
    out = g.n * g.k * g.ho * g.wo * item
    if not backward:
        # im2col (padded x, then cols), then the product and product + b.
        return max(im2col_bytes(g, item), cols + 2 * out)
    # cols from cache_for, dy (a transposed copy of dout), dcols (as large as cols), then col2im.
    return max(im2col_bytes(g, item), 2 * cols + out + col2im_bytes(g, item))

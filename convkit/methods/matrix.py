"""The layer as one big matrix W*, built from Chapter 3's single-channel conv_matrix.

Y* = W* X* for every image at once; dX* = (W*)^T dY*. The weight gradient is
the gradient of the dense matrix, dW* = dY* X*^T, summed over the positions
that share each weight: W* is not a free matrix, it holds copies of w.

W* has K*Hout*Wout x C*H*W entries, so this method outgrows memory long before
the others: 3.5 TiB for 64 3x3 filters on a (3, 224, 224) image. The memory
guard refuses such a call before it allocates (see :func:`bytes_needed`).
"""
import numpy as np

from ..conv_matrix import pattern, pattern_bytes


def _big_matrix(w, g):
    """W* of shape (K*Hout*Wout, C*H*W) and the pattern that places w in it."""
    rows, cols, taps = pattern(g)
    L, HW = g.ho * g.wo, g.h * g.w
    # Built in its final layout (K, L, C, HW), so that the reshape below is a view, not a second W*.
    m = np.zeros((g.k, L, g.c, HW), dtype=w.dtype)
    m[:, rows, :, cols] = w.reshape(g.k, g.c, -1)[:, :, taps].transpose(2, 0, 1)  # (nnz, K, C)
    return m.reshape(g.k * L, g.c * HW), (rows, cols, taps)


def forward(x, w, b, g, ws=None):
    m, _ = _big_matrix(w, g)
    y = x.reshape(g.n, -1) @ m.T  # (N, K*Hout*Wout): one row of Y* per image
    out = y.reshape(g.out_shape) + b[None, :, None, None]
    return out, (x, w, g)


def cache_for(x, w, g, ws=None):
    return (x, w, g)


def backward(dout, cache, ws=None):
    x, w, g = cache
    m, (rows, cols, taps) = _big_matrix(w, g)
    dy = dout.reshape(g.n, -1)
    dx = (dy @ m).reshape(g.x_shape)
    # Gradient of W* as if every entry were free, then gathered back onto w.
    dm = (dy.T @ x.reshape(g.n, -1)).reshape(g.k, g.ho * g.wo, g.c, g.h * g.w)
    tied = dm[:, rows, :, cols]  # (nnz, K, C): one slice per non-zero of W*
    dw = np.zeros((g.fh * g.fw, g.k, g.c), dtype=w.dtype)
    np.add.at(dw, taps, tied)  # sum the copies of each weight
    return dx, dw.transpose(1, 2, 0).reshape(g.w_shape), dout.sum(axis=(0, 2, 3))


def bytes_needed(g, dtype, backward=False):
    """Peak bytes: W* (and dW* in the backward, as large), the pattern, the outputs."""
    item = np.dtype(dtype).itemsize
    big = g.k * g.ho * g.wo * g.c * g.h * g.w * item  # W*
    nnz = g.ho * g.wo * g.fh * g.fw  # at most: window entries on padding have none
    placed = 3 * 8 * nnz + g.k * g.c * nnz * item  # rows, cols, taps and the values put into W*
    first = max(pattern_bytes(g), placed)  # building W*: the pattern's grids are gone by the time it is filled
    if not backward:
        return big + first + 2 * g.n * g.k * g.ho * g.wo * item  # y, then y + b
    # W*, dX*, dW*, then the gathered (nnz, K, C) copies of dW and their sum.
    return 2 * big + first + g.n * g.c * g.h * g.w * item + 2 * g.k * g.c * nnz * item

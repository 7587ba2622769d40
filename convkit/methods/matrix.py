"""The layer as one big matrix W*, built from Chapter 3's single-channel conv_matrix.

Y* = W* X* for every image at once; dX* = (W*)^T dY*. The weight gradient is
the gradient of the dense matrix, dW* = dY* X*^T, summed over the positions
that share each weight: W* is not a free matrix, it holds copies of w.
"""
import numpy as np

from ..sparse_matrix import conv_matrix_pattern


def _big_matrix(w, g):
    """W* of shape (K*Hout*Wout, C*H*W) and the pattern that places w in it."""
    rows, cols, taps, _ = conv_matrix_pattern((g.fh, g.fw), (g.h, g.w), (g.sh, g.sw), (g.ph, g.pw))
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

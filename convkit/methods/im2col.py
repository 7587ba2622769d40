"""im2col + one matrix product forward, col2im backward (Chapter 5).

Uses the public, readable :func:`convkit.im2col` and :func:`convkit.col2im`.
The column matrix is built whole and kept in the cache: about FH*FW/(SH*SW)
times the input (see :func:`bytes_needed`).
"""
import numpy as np

from ..im2col import col2im, col2im_bytes, im2col, im2col_bytes


def forward(x, w, b, g, ws=None):
    cols = cache_for(x, w, g)[0]  # (C*FH*FW, N*Hout*Wout)
    y = w.reshape(g.k, -1) @ cols + b[:, None]  # (K, N*Hout*Wout)
    out = y.reshape(g.k, g.n, g.ho, g.wo).transpose(1, 0, 2, 3)
    return out, (cols, w, g)


def _args(g):
    """im2col/col2im's arguments for a checked geometry.

    drop_last=True: g's output size is already settled (rounded down only if the
    caller asked for it), and rounding a whole size down changes nothing.
    """
    return dict(fh=g.fh, fw=g.fw, stride=(g.sh, g.sw), padding=(g.ph, g.pw), dilation=(g.dil_h, g.dil_w),
                drop_last=True)


def cache_for(x, w, g, ws=None):
    return (im2col(x, **_args(g)), w, g)


def backward(dout, cache, ws=None):
    cols, w, g = cache
    dy = dout.transpose(1, 0, 2, 3).reshape(g.k, -1)  # (K, N*Hout*Wout), columns as in cols
    dw = (dy @ cols.T).reshape(g.w_shape)
    dcols = w.reshape(g.k, -1).T @ dy
    dx = col2im(dcols, g.x_shape, **_args(g))
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

"""im2col + one matrix product forward, col2im backward (Chapter 5).

Uses the public, readable :func:`convkit.im2col` and :func:`convkit.col2im`.
"""
from ..im2col import col2im, im2col


def forward(x, w, b, g, ws=None):
    cols = cache_for(x, w, g)[0]  # (C*FH*FW, N*Hout*Wout)
    y = w.reshape(g.k, -1) @ cols + b[:, None]  # (K, N*Hout*Wout)
    out = y.reshape(g.k, g.n, g.ho, g.wo).transpose(1, 0, 2, 3)
    return out, (cols, w, g)


def cache_for(x, w, g, ws=None):
    return (im2col(x, g.fh, g.fw, (g.sh, g.sw), (g.ph, g.pw)), w, g)


def backward(dout, cache, ws=None):
    cols, w, g = cache
    dy = dout.transpose(1, 0, 2, 3).reshape(g.k, -1)  # (K, N*Hout*Wout), columns as in cols
    dw = (dy @ cols.T).reshape(g.w_shape)
    dcols = w.reshape(g.k, -1).T @ dy
    dx = col2im(dcols, g.x_shape, g.fh, g.fw, (g.sh, g.sw), (g.ph, g.pw))
    return dx, dw, dout.sum(axis=(0, 2, 3))

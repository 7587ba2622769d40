"""Plain loops over images, filters and output positions: the reference (Chapters 1-2).

Slow and obvious on purpose: every other method is tested against this one.
A dilated window (Chapter 8) is a strided slice: every ``dil``-th cell of the
``span = dil*(f - 1) + 1`` cells from its corner.
"""
import numpy as np

from ._pad import crop, pad


def forward(x, w, b, g, ws=None):
    xp = pad(x, g)
    out = np.empty(g.out_shape, dtype=x.dtype)
    for n in range(g.n):
        for k in range(g.k):
            for i in range(g.ho):
                for j in range(g.wo):
                    r, c = i * g.sh, j * g.sw  # top-left corner of the window
                    window = xp[n, :, r : r + g.span_h : g.dil_h, c : c + g.span_w : g.dil_w]  # (C, FH, FW)
                    out[n, k, i, j] = np.sum(window * w[k]) + b[k]
    return out, (x, w, g)


def cache_for(x, w, g, ws=None):
    return (x, w, g)


def backward(dout, cache, ws=None):
    x, w, g = cache
    xp = pad(x, g)
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    # Each output was window . w[k] + b[k]; send its gradient back to both factors.
    for n in range(g.n):
        for k in range(g.k):
            for i in range(g.ho):
                for j in range(g.wo):
                    r, c = i * g.sh, j * g.sw
                    rows, cols = slice(r, r + g.span_h, g.dil_h), slice(c, c + g.span_w, g.dil_w)
                    dw[k] += dout[n, k, i, j] * xp[n, :, rows, cols]
                    dxp[n, :, rows, cols] += dout[n, k, i, j] * w[k]
    return crop(dxp, g).copy(), dw, dout.sum(axis=(0, 2, 3))


def bytes_needed(g, dtype, backward=False):
    """Peak bytes: the padded input and the output; backward, the padded input, its gradient and dx."""
    item = np.dtype(dtype).itemsize
    hp, wp = g.padded_hw
    padded = g.n * g.c * hp * wp * item
    if not backward:
        return padded + g.n * g.k * g.ho * g.wo * item
    return 2 * padded + (g.n * g.c * g.h * g.w + g.k * g.c * g.fh * g.fw) * item  # xp, dxp, dx, dw

"""im2col and col2im on a block of images, for the fast path (:mod:`convkit.methods.fast`).

Two interchangeable implementations of the same two functions:

``im2col(x, g, cols)``
    x (m, C, H, W) -> cols (m, C*FH*FW, Hout*Wout), every entry written (zeros
    where a window sees padding).
``col2im(cols, g, dx)``
    cols (m, C*FH*FW, Hout*Wout) -> dx (m, C, H, W), overwritten with the sum
    of every column entry over the pixel it came from (the adjoint).

g is the block's :class:`~convkit.geometry.Geometry` (``g.n == m``); all arrays
are C-contiguous and of one float dtype. The layout is image-major, unlike the
chapter's (C*FH*FW, N*Hout*Wout): one image's columns are then one contiguous
(C*FH*FW, Hout*Wout) matrix whose product with the filters *is* that image's
output, with no transpose.

* ``NUMPY`` reuses Chapter 5's strided-slice code (:mod:`convkit.im2col`).
  Each of its FH*FW slice operations walks rows of only Wout numbers, and
  numpy's per-row overhead, not arithmetic, sets its speed.
* :func:`numba_kernels` are the same loops compiled by numba (if it is installed): one pass
  over the block, contiguous inner loops the compiler vectorises. On 16 images
  of (16, 32, 32) with a 3x3 window, its col2im took 0.31 ms against 0.9-1.0 ms
  for the numpy one (float32, one core).

:func:`for_macs` picks one for a problem, by :func:`._numba.wants`: numba's from
:data:`._numba.NUMBA_MIN_MACS` multiply-adds up (when it imports), numpy's below.
"""
from __future__ import annotations

import threading
from typing import Callable, NamedTuple

import numpy as np

from ..im2col import add_windows, window_view
from . import _numba


class Kernels(NamedTuple):
    name: str
    im2col: Callable
    col2im: Callable


def _np_im2col(x, g, cols):
    v = window_view(x, g)  # (m, C, Hout, Wout, FH, FW) view
    np.copyto(cols.reshape(g.n, g.c, g.fh, g.fw, g.ho, g.wo), v.transpose(0, 1, 4, 5, 2, 3))


def _np_col2im(cols, g, dx):
    np.copyto(dx, add_windows(cols.reshape(g.n, g.c, g.fh, g.fw, g.ho, g.wo), g))


NUMPY = Kernels("numpy", _np_im2col, _np_col2im)

_NOT_TRIED = object()
_numba_kernels = _NOT_TRIED  # numba's Kernels once loaded (None if numba is missing or disabled)
_loading = threading.Lock()


def _valid(n_out, s, off, n):
    """Outputs q in [q0, q1) whose input q*s + off lies inside [0, n)."""
    q0 = 0 if off >= 0 else (-off + s - 1) // s
    q1 = (n - 1 - off) // s + 1 if n - 1 - off >= 0 else 0
    q1 = min(q1, n_out)
    return q0, max(q0, q1)


# In the two loops below every array is indexed through np.uintp: numba checks
# a signed index for wrap-around (a negative index counts from the end), and
# that check keeps LLVM from vectorising the inner loop (6x slower here).
# Tap (a, b) of the window at output (i, j) reads input (i*sh + a*dh - ph, j*sw + b*dw - pw):
# dilation (dh, dw) only moves each tap's offset, the loops are the same.
def _nb_im2col(x, fh, fw, sh, sw, ph, pw, dh, dw, ho, wo, cols):
    m, C, H, W = x.shape
    xf, cf = x.reshape(-1), cols.reshape(-1)
    L = ho * wo
    for i in range(m):
        for c in range(C):
            for a in range(fh):
                r0, r1 = _valid(ho, sh, a * dh - ph, H)
                for b in range(fw):
                    q0, q1 = _valid(wo, sw, b * dw - pw, W)
                    row0 = ((i * C + c) * fh * fw + a * fw + b) * L  # row (c, a, b) of image i
                    # Output rows whose window row lies in the padding: zeros, one run each side.
                    for j in range(row0, row0 + r0 * wo):
                        cf[np.uintp(j)] = 0
                    for j in range(row0 + r1 * wo, row0 + L):
                        cf[np.uintp(j)] = 0
                    s0 = ((i * C + c) * H + r0 * sh + a * dh - ph) * W + b * dw - pw
                    if sw == 1 and q0 == 0 and q1 == wo and sh * W == wo:
                        # Whole rows, and the input rows follow each other: one run.
                        d0 = row0 + r0 * wo
                        for j in range((r1 - r0) * wo):
                            cf[np.uintp(d0 + j)] = xf[np.uintp(s0 + j)]
                        continue
                    for r in range(r0, r1):
                        d = row0 + r * wo
                        s = s0 + (r - r0) * sh * W
                        for q in range(q0):
                            cf[np.uintp(d + q)] = 0
                        if sw == 1:
                            for q in range(q0, q1):
                                cf[np.uintp(d + q)] = xf[np.uintp(s + q)]
                        else:
                            for q in range(q0, q1):
                                cf[np.uintp(d + q)] = xf[np.uintp(s + q * sw)]
                        for q in range(q1, wo):
                            cf[np.uintp(d + q)] = 0


# col2im walks the very loops of im2col and adds where im2col copies: its adjoint, line for line.
def _nb_col2im(cols, fh, fw, sh, sw, ph, pw, dh, dw, ho, wo, dx):
    m, C, H, W = dx.shape
    cf, df = cols.reshape(-1), dx.reshape(-1)
    L = ho * wo
    for j in range(df.size):
        df[np.uintp(j)] = 0
    for i in range(m):
        for c in range(C):
            for a in range(fh):
                r0, r1 = _valid(ho, sh, a * dh - ph, H)
                for b in range(fw):
                    q0, q1 = _valid(wo, sw, b * dw - pw, W)
                    row0 = ((i * C + c) * fh * fw + a * fw + b) * L
                    d0 = ((i * C + c) * H + r0 * sh + a * dh - ph) * W + b * dw - pw
                    if sw == 1 and q0 == 0 and q1 == wo and sh * W == wo:  # one run, as in im2col
                        s0 = row0 + r0 * wo
                        for j in range((r1 - r0) * wo):
                            df[np.uintp(d0 + j)] += cf[np.uintp(s0 + j)]
                        continue
                    for r in range(r0, r1):
                        s = row0 + r * wo
                        d = d0 + (r - r0) * sh * W
                        if sw == 1:
                            for q in range(q0, q1):
                                df[np.uintp(d + q)] += cf[np.uintp(s + q)]
                        else:
                            for q in range(q0, q1):
                                df[np.uintp(d + q * sw)] += cf[np.uintp(s + q)]


def numba_kernels():
    """numba's kernels: loaded from numba's cache or compiled on the first call; None without numba."""
    global _numba_kernels
    with _loading:  # two threads asking at once load them once
        if _numba_kernels is _NOT_TRIED:
            _numba_kernels = _load() if _numba.module() is not None else None
    return _numba_kernels


def _load():
    global _valid
    _valid = _numba.module().njit(inline="always")(_valid)
    im2col, col2im = _numba.compile(_nb_im2col), _numba.compile(_nb_col2im)

    def _numba_im2col(x, g, cols):
        im2col(x, g.fh, g.fw, g.sh, g.sw, g.ph, g.pw, g.dil_h, g.dil_w, g.ho, g.wo, cols)

    def _numba_col2im(cols, g, dx):
        col2im(cols, g.fh, g.fw, g.sh, g.sw, g.ph, g.pw, g.dil_h, g.dil_w, g.ho, g.wo, dx)

    return Kernels("numba", _numba_im2col, _numba_col2im)


def for_macs(macs):
    """The kernels for a problem of ``macs`` multiply-adds: numba's when :func:`._numba.wants` them
    and they load, else numpy's."""
    return (numba_kernels() or NUMPY) if _numba.wants(macs) else NUMPY

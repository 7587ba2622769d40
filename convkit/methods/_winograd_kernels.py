"""Winograd's tile transforms compiled by numba, for :mod:`convkit.methods.winograd`.

The transforms are only additions, so memory traffic and loop overhead set
their speed. numpy's version (in :mod:`.winograd`) makes about 20 passes over
strided slices of a block; each kernel below makes one, and its innermost loops
run with unit stride over all of an image's tiles at once (tile rows are only
16-28 tiles long, and loops that short leave most of the work to the compiler's
scalar remainder loop). The input transform applies B along each padded row of
x once (each row belongs to two rows of tiles) and then B^T down the columns,
with x's rows copied into a zero-bordered row first, so that no loop tests for
the padding. Measured on one core of an AMD EPYC (AVX-512), float32: on a band
of 7 of the 28 tile rows of a (64, 56, 56) image the input transform takes about
55 us, the output transform 15 us and dw's adjoint 90 us (16 products: about
240 us); on two whole such images the input transform took 0.4 ms here and 3.3 ms
in numpy.

``transform_filters(w, u)``
    w (K, C, 3, 3) -> u (16, K, C): ``G w G^T`` of every filter (numpy's einsum took
    0.3-0.7 ms for 64 x 64 filters, a few percent of a large layer's forward).
``transform_input(x, ph, pw, th, tw, vf, vs)``
    x (m, C, H, W) -> V (16, C, m*th*tw): ``B^T d B`` of every 4x4 tile ``d`` of x
    padded by (ph, pw) (zeros past its edge), entry (a, b) at 4*a + b.
``transform_output(mf, ms, bias, out)``
    M (16, K, m*th*tw) -> out (m, K, Hout, Wout) = ``A^T M A`` of every tile plus
    ``bias[k]``; the tiles' cells past an odd Hout or Wout are not written.
``output_adjoint(dout, th, tw, mf, ms)``
    dout (m, K, Hout, Wout) -> dMt (16, m*th*tw, K) = ``A dY A^T`` of every 2x2
    tile dY of dout (zeros past its edge), tiles first: the adjoint of
    ``transform_output``.
``transform_filters_adjoint(dut, dw)``
    dut (16, C, K) -> dw (K, C, 3, 3) = ``G^T dU G`` of every filter (dU stored
    transposed): the adjoint of ``transform_filters``.

V, M and dMt are stacks of 16 C-contiguous matrices, passed flat (``vf``, ``mf``) with the
elements from one matrix to the next (``vs``, ``ms``): :mod:`.winograd` spaces them an odd number
of cache lines apart, as the kernels read or write all 16 at once. x, out and dout may be slices
of rows (a band of tile rows of a large image). All are of one float dtype. :func:`compiled` gives
the kernels, or None when numba is missing or disabled (``NUMBA_DISABLE_JIT=1``): Winograd then
uses numpy.
"""
import numpy as np

from . import _numba

# As in _fast_kernels, the inner loops index through np.uintp: numba then has no negative index to wrap,
# and LLVM can vectorise them.


def _nb_transform_input(x, ph, pw, th, tw, vf, vs):
    m, C, H, W = x.shape
    P, nt = m * th * tw, th * tw  # tiles in the block, in one image
    cp4 = np.uintp(4 * vs)  # entry ab + 4 lies 4*vs further on
    prow = np.zeros(2 * tw + 2, x.dtype)  # one row of padded x: its padding columns stay zero
    nx = min(W, 2 * tw + 2 - pw)  # x's columns that the tiles reach
    # s[b, r % 2, (r // 2) * tw + j] = B^T[b] . (padded row r, columns 2j..2j+3): d B row by row, the
    # even rows and the odd rows each one flat run, so that B^T down the columns is four loops over
    # all of an image's tiles (rows 2ti..2ti+3 of tile row ti are even[ti], odd[ti], even[ti + 1],
    # odd[ti + 1]). Loops over one row of tiles (TW = 16-28 steps) left most of the work to the
    # compiler's scalar remainder loop.
    s = np.zeros((4, 2, (th + 1) * tw), x.dtype)
    for i in range(m):
        for c in range(C):
            for r in range(2 * th + 2):
                row, at = r - ph, (r // 2) * tw
                par = r % 2
                if row < 0 or row >= H:
                    for b in range(4):
                        s[b, par, at : at + tw] = 0
                    continue
                xr = x[i, c, row]  # x may be a band of rows of a larger array
                for q in range(nx):
                    prow[np.uintp(q + pw)] = xr[np.uintp(q)]
                s0, s1, s2, s3 = s[0, par, at:], s[1, par, at:], s[2, par, at:], s[3, par, at:]
                for j in range(tw):
                    j = np.uintp(j)
                    d0, d1, d2, d3 = prow[j + j], prow[j + j + 1], prow[j + j + 2], prow[j + j + 3]
                    s0[j] = d0 - d2
                    s1[j] = d1 + d2
                    s2[j] = d2 - d1
                    s3[j] = d1 - d3
            for b in range(4):
                ev, od = s[b, 0], s[b, 1]
                o0 = np.uintp(b * vs + c * P + i * nt)  # v[b, c, tile (i, 0, 0)]
                o1, o2, o3 = o0 + cp4, o0 + cp4 + cp4, o0 + cp4 + cp4 + cp4  # v[4 + b, ...], ...
                for q in range(nt):
                    q, q2 = np.uintp(q), np.uintp(q + tw)
                    vf[o0 + q] = ev[q] - ev[q2]
                    vf[o1 + q] = od[q] + ev[q2]
                    vf[o2 + q] = ev[q2] - od[q]
                    vf[o3 + q] = od[q] - od[q2]


def _nb_transform_output(mf, ms, bias, out):
    m, K, Ho, Wo = out.shape
    th, tw = (Ho + 1) // 2, (Wo + 1) // 2
    kp = np.uintp(ms)  # the stride between entries ab of M
    kp2, kp3, kp4 = kp + kp, kp + kp + kp, kp + kp + kp + kp
    one, nt = np.uintp(1), th * tw
    # y[r, 2*(ti*tw + j) + s]: cell (2ti + r, 2j + s) of the image. A^T M A over all of an image's
    # tiles in one loop (over a row of tiles, TW = 16-28 steps, most of the work fell to the compiler's
    # scalar remainder loop), then each row of cells into out's as a plain copy.
    y = np.empty((2, 2 * nt), out.dtype)
    ya, yb = y[0], y[1]
    for i in range(m):
        for k in range(K):
            bk = bias[k]
            # Where entry ab of tile (i, 0, 0) lies in M, for the 16 ab (all np.uintp: see above).
            p0 = np.uintp((k * m + i) * nt)
            p1, p2, p3, p4 = p0 + kp, p0 + kp2, p0 + kp3, p0 + kp4
            p5, p6, p7, p8 = p4 + kp, p4 + kp2, p4 + kp3, p4 + kp4
            p9, p10, p11, p12 = p8 + kp, p8 + kp2, p8 + kp3, p8 + kp4
            p13, p14, p15 = p12 + kp, p12 + kp2, p12 + kp3
            for j in range(nt):
                j = np.uintp(j)
                q0, q1, q2, q3 = mf[p0 + j], mf[p1 + j], mf[p2 + j], mf[p3 + j]
                q4, q5, q6, q7 = mf[p4 + j], mf[p5 + j], mf[p6 + j], mf[p7 + j]
                q8, q9, q10, q11 = mf[p8 + j], mf[p9 + j], mf[p10 + j], mf[p11 + j]
                q12, q13, q14, q15 = mf[p12 + j], mf[p13 + j], mf[p14 + j], mf[p15 + j]
                # A^T down the rows (z), then along them (y): z[r, b] = A^T[r] . M[:, b].
                z00, z01, z02, z03 = q0 + q4 + q8, q1 + q5 + q9, q2 + q6 + q10, q3 + q7 + q11
                z10, z11, z12, z13 = q4 - q8 - q12, q5 - q9 - q13, q6 - q10 - q14, q7 - q11 - q15
                ya[j + j] = z00 + z01 + z02 + bk
                ya[j + j + one] = z01 - z02 - z03 + bk
                yb[j + j] = z10 + z11 + z12 + bk
                yb[j + j + one] = z11 - z12 - z13 + bk
            for ti in range(th):
                for r in range(min(2, Ho - 2 * ti)):
                    yr = y[r, 2 * ti * tw :]
                    orow = out[i, k, 2 * ti + r]  # out may be a slice of rows of a larger array
                    for q in range(Wo):
                        orow[np.uintp(q)] = yr[np.uintp(q)]


def _nb_output_adjoint(dout, th, tw, mf, ms):
    m, K, Ho, Wo = dout.shape
    kk, pk = np.uintp(K), np.uintp(ms)  # pk: the stride between entries ab of dMt
    zero = np.zeros(1, dout.dtype)[0]  # of dout's dtype: a Python 0.0 would make the sums below float64
    for i in range(m):
        for ti in range(th):
            r0, r1 = 2 * ti, min(2 * ti + 1, Ho - 1)  # row 1 of the last tile is past an odd Hout: zeros
            has_r1 = 2 * ti + 1 < Ho
            for j in range(tw):
                c0, c1 = 2 * j, min(2 * j + 1, Wo - 1)
                has_c1 = 2 * j + 1 < Wo
                # Entry ab of this tile over every k: dMt[ab, p, :], one contiguous row of K. The loop
                # over k reads dout K channels apart (4 loads) and writes 16 rows with unit stride;
                # the other way round, 16 stores K apart per tile, it took twice as long, and copying
                # a tile row of dout into a (TW, 4, K) scratch first, 1.2-1.6x as long.
                o = np.uintp((i * th + ti) * tw + j) * kk
                for k in range(K):
                    y00 = dout[i, k, r0, c0]
                    y01 = dout[i, k, r0, c1] if has_c1 else zero
                    y10 = dout[i, k, r1, c0] if has_r1 else zero
                    y11 = dout[i, k, r1, c1] if has_r1 and has_c1 else zero
                    # dM = A dY A^T: e = dY A^T along the tile's two rows, then A down them.
                    e00, e01, e02, e03 = y00, y00 + y01, y00 - y01, -y01
                    e10, e11, e12, e13 = y10, y10 + y11, y10 - y11, -y11
                    q = o + np.uintp(k)
                    mf[q] = e00
                    mf[q + pk] = e01
                    mf[q + 2 * pk] = e02
                    mf[q + 3 * pk] = e03
                    mf[q + 4 * pk] = e00 + e10
                    mf[q + 5 * pk] = e01 + e11
                    mf[q + 6 * pk] = e02 + e12
                    mf[q + 7 * pk] = e03 + e13
                    mf[q + 8 * pk] = e00 - e10
                    mf[q + 9 * pk] = e01 - e11
                    mf[q + 10 * pk] = e02 - e12
                    mf[q + 11 * pk] = e03 - e13
                    mf[q + 12 * pk] = -e10
                    mf[q + 13 * pk] = -e11
                    mf[q + 14 * pk] = -e12
                    mf[q + 15 * pk] = -e13


def _nb_transform_filters(w, u):
    K, C = w.shape[:2]
    t = np.empty((4, 3), w.dtype)
    for k in range(K):
        for c in range(C):
            g = w[k, c]
            for j in range(3):  # t = G g, down the columns
                t[0, j] = g[0, j]
                t[1, j] = 0.5 * (g[0, j] + g[1, j] + g[2, j])
                t[2, j] = 0.5 * (g[0, j] - g[1, j] + g[2, j])
                t[3, j] = g[2, j]
            for a in range(4):  # then (G g) G^T, along the rows
                u[4 * a, k, c] = t[a, 0]
                u[4 * a + 1, k, c] = 0.5 * (t[a, 0] + t[a, 1] + t[a, 2])
                u[4 * a + 2, k, c] = 0.5 * (t[a, 0] - t[a, 1] + t[a, 2])
                u[4 * a + 3, k, c] = t[a, 2]


def _nb_transform_filters_adjoint(dut, dw):
    K, C = dw.shape[:2]
    t = np.empty((3, 4), dw.dtype)
    for k in range(K):
        for c in range(C):
            for b in range(4):  # t = G^T dU, down the columns (G^T's rows: (1, 1/2, 1/2, 0), ...)
                d0, d1, d2, d3 = dut[b, c, k], dut[4 + b, c, k], dut[8 + b, c, k], dut[12 + b, c, k]
                t[0, b] = d0 + 0.5 * (d1 + d2)
                t[1, b] = 0.5 * (d1 - d2)
                t[2, b] = 0.5 * (d1 + d2) + d3
            for i in range(3):  # then (G^T dU) G, along the rows
                dw[k, c, i, 0] = t[i, 0] + 0.5 * (t[i, 1] + t[i, 2])
                dw[k, c, i, 1] = 0.5 * (t[i, 1] - t[i, 2])
                dw[k, c, i, 2] = 0.5 * (t[i, 1] + t[i, 2]) + t[i, 3]


class _Compiled:
    """The kernels, compiled (or loaded from the cache) by numba."""

    def __init__(self):
        self.transform_filters = _numba.compile(_nb_transform_filters)
        self.transform_input = _numba.compile(_nb_transform_input)
        self.transform_output = _numba.compile(_nb_transform_output)
        self.output_adjoint = _numba.compile(_nb_output_adjoint)
        self.transform_filters_adjoint = _numba.compile(_nb_transform_filters_adjoint)


_compiled = None


def compiled():
    """The compiled kernels, made on the first call; None without numba (or with NUMBA_DISABLE_JIT=1)."""
    global _compiled
    if _compiled is None and _numba.module() is not None:
        _compiled = _Compiled()
    return _compiled

"""Winograd's minimal filtering F(2x2, 3x3): 16 multiplications for 36 (Chapter 10).

Only for 3x3 kernels, stride 1 and dilation 1 (any padding, any N, C, K, H, W);
:func:`check_geometry` refuses anything else with a :class:`ConvArgumentError`
that names the condition.

The output is cut into 2x2 tiles; tile (ti, tj) needs the 4x4 patch ``d`` of
the padded input whose corner is (2*ti, 2*tj). With the transform matrices

    B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]
    G   = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]]
    A^T = [[1, 1, 1, 0], [0, 1, -1, -1]]

one tile of one channel is ``A^T [(G w G^T) * (B^T d B)] A`` (``*`` entrywise):
16 products where direct correlation needs 2*2*3*3 = 36. Summed over the input
channels, the 16 entrywise products become 16 matrix products, one per entry
(a, b) of the 4x4 transformed tile:

    M[ab] (K, P) = U[ab] (K, C) @ V[ab] (C, P),  P = N * tiles per image,

``U = G w G^T`` (the filters, transformed once) and ``V = B^T d B`` (every input
tile). They hold 4/9 of the multiply-adds of im2col's product; the transforms
around them are only additions and halvings. An output with an odd height or
width gets a last row or column of tiles that hangs one cell past it: the input
is padded with one more zero row or column for it, and the extra outputs are
never written.

Backward:

* ``dx`` is itself a 3x3, stride-1 correlation: of ``dout`` padded by 2 - P
  with the kernel rotated by 180 degrees and its C and K swapped (Chapter 7),
  so it runs through the same Winograd forward (for P > 2: padding 0, then the
  middle H x W cropped).
* ``dw`` is Winograd too: the adjoint of the forward with respect to U. Each
  tile's ``dM = A dY A^T`` (dY the tile's 2x2 of ``dout``, zero past its
  edge), ``dU[ab]^T = V[ab] @ dM[ab]^T`` (16 matrix products again, over P;
  dM is stored tiles first, so neither operand is transposed) and
  ``dw = G^T dU G``.
* ``db`` is ``dout`` summed.

Speed: the transforms are only additions, but they read and write 4x the input (and the
output) once more; at the benchmark's shapes they took as long as the products when written
with numpy slices. With numba installed they run as compiled loops
(:mod:`._winograd_kernels`), which leave the 16 products most of the time (about 60% of the
forward's CPU time and 55% of the backward's at (8, 64, 56, 56) K64 in float32,
``benchmarks/winograd_profile.py``); :func:`convkit.methods._numba.using`
switches both this and the fast path to the numpy version.

Accuracy: the transforms add and subtract up to 4 inputs (and halve 3 weights)
before each product, so rounding errors grow a little over direct
correlation's: :data:`RTOL` is the bound the tests hold it to, and
``benchmarks/conv_speed.py`` prints the measured factor over the direct methods.
"""
import numpy as np

from ..errors import ConvArgumentError
from . import _numba, _threads, _winograd_kernels

#: Target bytes of one block's V and M (its transformed tiles and their products), small enough to
#: stay in cache between the transforms and the 16 products: several whole images, or a band of tile
#: rows of one large image. On one thread, bands of 7 of the 28 tile rows of a (64, 56, 56) image (64
#: filters, 1.6 MiB) took 20% less time than whole images; with two threads, 1 to 4 MiB were within
#: the run-to-run noise (+-20%) of each other at the benchmark's shapes.
BLOCK_BYTES = 2**21

#: Tolerance the tests hold Winograd to: the largest error, relative to the largest |entry|
#: of the exact result, is below 32 units of rounding of the dtype (about 3.8e-6 in float32,
#: 7.1e-15 in float64). Measured in float32 on the tests' shapes: 1.6e-7 to 6.2e-7; as an RMS
#: error at the benchmark's shapes, 0.76-0.86x the direct (fast path's) error for the forward,
#: 1.64-1.65x for dx and 0.98-1.18x for dw (2026-12-08; ``benchmarks/conv_speed.py`` prints the ratio).
RTOL = {np.dtype(np.float32): 32 * float(np.finfo(np.float32).eps), np.dtype(np.float64): 32 * float(np.finfo(np.float64).eps)}

#: Tiles summed in one of dw's 16 products, ``V[ab] @ dMt[ab]``, before the next chunk's are added.
#: OpenBLAS (SkylakeX) multiplied a (32, 16, 32, 32) block's (16, 512) @ (512, 32) with 3.5x the
#: float32 error of the same product with a transposed operand, and dw's error came to 2.0x the
#: direct path's (RMS, ``make bench``); in chunks of 128 tiles, 1.2x, for 4-9% more time in the
#: products (chunks of 64: a little more exact, 1.3-1.4x slower).
DW_TILES = 128

#: The transform matrices of F(2, 3) (Lavin and Gray 2016), as in the module docstring: the 2-D
#: form nests them, Y = AT @ ((G @ w @ G.T) * (BT @ d @ BT.T)) @ AT.T. The code below applies
#: them as the additions they stand for.
BT = np.array([[1.0, 0.0, -1.0, 0.0], [0.0, 1.0, 1.0, 0.0], [0.0, -1.0, 1.0, 0.0], [0.0, 1.0, 0.0, -1.0]])
G = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0.0, 0.0, 1.0]])
AT = np.array([[1.0, 1.0, 1.0, 0.0], [0.0, 1.0, -1.0, -1.0]])
_G = G


def check_geometry(g):
    """Raise ConvArgumentError unless ``g`` is a 3x3, stride-1, undilated convolution."""
    wrong = []
    if (g.fh, g.fw) != (3, 3):
        wrong.append(f"a 3x3 kernel (got {g.fh}x{g.fw})")
    if (g.sh, g.sw) != (1, 1):
        wrong.append(f"stride 1 (got stride=({g.sh}, {g.sw}))")
    if (g.dil_h, g.dil_w) != (1, 1):
        wrong.append(f"dilation 1 (got dilation=({g.dil_h}, {g.dil_w}))")
    if wrong:
        raise ConvArgumentError(
            "method='winograd' computes F(2x2, 3x3) only: it needs " + " and ".join(wrong)
            + "; use method='fast' for this geometry"
        )


def supports(g) -> bool:
    """Whether :func:`check_geometry` accepts ``g``."""
    return (g.fh, g.fw, g.sh, g.sw, g.dil_h, g.dil_w) == (3, 3, 1, 1, 1, 1)


def _tiles(ho, wo):
    return (ho + 1) // 2, (wo + 1) // 2


def _spacing(size, item):
    """Elements from one matrix of a stack of 16 (V, M, dMt) to the next, for matrices of ``size``
    elements: ``size`` rounded up to an odd number of 64-byte cache lines.

    The transforms read or write all 16 matrices at once. Stored back to back, 16 streams a multiple
    of 4 KiB apart (C*P*itemsize is one whenever C*P is a multiple of 1024) all fall into one set of
    the L1 cache, which holds 8, and evict each other: at (32, 16, 32, 32) K32, dw's adjoint took 4x
    as long. An odd number of lines apart, the 16 fall into 16 different sets.
    """
    line = max(1, 64 // item)
    lines = -(-size // line)
    return (lines + 1 - lines % 2) * line


def _stack(buf, rows, cols):
    """A (16, rows, cols) stack of C-contiguous matrices in the flat buffer ``buf``, :func:`_spacing`
    apart; ``buf`` must hold ``16 * _spacing(rows * cols, buf.itemsize)`` elements. (A view made by
    ``np.ndarray``: ``np.lib.stride_tricks.as_strided`` took about 20 us a call, a few calls a band.)"""
    item = buf.itemsize
    return np.ndarray((16, rows, cols), buf.dtype, buf, 0, (_spacing(rows * cols, item) * item, cols * item, item))


def _new_stack(rows, cols, dtype):
    return _stack(np.empty(16 * _spacing(rows * cols, np.dtype(dtype).itemsize), dtype), rows, cols)


def _flat(stack):
    """A stack from :func:`_stack` as numba's kernels take it: its flat buffer, and the elements from
    one matrix to the next."""
    return stack.base, stack.strides[0] // stack.itemsize


def transform_filters(w, nb=None):
    """U = G w G^T of every filter: w (K, C, 3, 3) -> U (16, K, C), entry (a, b) at 4*a + b.

    ``nb``: numba's transforms (:func:`_transforms`) to use instead of numpy's einsum.
    """
    k, c = w.shape[:2]
    if nb is not None:
        u = np.empty((16, k, c), w.dtype)
        nb.transform_filters(np.ascontiguousarray(w), u)
        return u
    G = _G.astype(w.dtype)
    u = np.einsum("ai,kcij,bj->abkc", G, w, G, optimize=True)
    return np.ascontiguousarray(u).reshape(16, k, c)


def _bt(x0, x1, x2, x3, outs):
    """The four rows of B^T applied to (x0, x1, x2, x3), written into outs."""
    np.subtract(x0, x2, out=outs[0])
    np.add(x1, x2, out=outs[1])
    np.subtract(x2, x1, out=outs[2])
    np.subtract(x1, x3, out=outs[3])


def _direct_macs(n, c, k, ho, wo):
    """Multiply-adds of the direct 3x3 correlation (``Geometry.macs``), for correlations that have
    no geometry of their own (dx's): the problem's size, as the fast path counts it."""
    return 9 * n * c * k * ho * wo


def _transforms(macs):
    """numba's transforms for a problem of ``macs`` (direct) multiply-adds when :func:`._numba.wants`
    them (the fast path's switch too) and numba loads, else None: numpy's."""
    return _winograd_kernels.compiled() if _numba.wants(macs) else None


def transform_input(x, ph, pw, ho, wo, v=None, nb=None):
    """V = B^T d B of every 4x4 input tile: x (N, C, H, W) -> V (16, C, N*TH*TW), written into ``v`` if
    given (with numba's transforms, a :func:`_stack`).

    The tiles of image n come in row-major order at n*TH*TW; (TH, TW) = ceil((Hout, Wout)/2).
    ``nb``: numba's transforms (:func:`_transforms`) to use instead of numpy's slices.
    """
    n, c, h, w = x.shape
    th, tw = _tiles(ho, wo)
    if nb is not None:
        v = _new_stack(c, n * th * tw, x.dtype) if v is None else v
        nb.transform_input(x, ph, pw, th, tw, *_flat(v))
        return v
    hp, wp = 2 * th + 2, 2 * tw + 2  # the tiles' span: one row/column past the padded input if Hout/Wout is odd
    xp = np.zeros((n, c, hp, wp), x.dtype)
    xp[:, :, ph : ph + h, pw : pw + w] = x
    v = np.empty((16, c, n, th, tw), x.dtype) if v is None else v.reshape(16, c, n, th, tw)
    rows = [xp[:, :, r : r + 2 * th : 2, :] for r in range(4)]  # row r of every tile, (N, C, TH, Wp)
    t = [np.empty((n, c, th, wp), x.dtype) for _ in range(4)]
    _bt(*rows, t)
    for a in range(4):
        cols = [t[a][..., s : s + 2 * tw : 2] for s in range(4)]  # (N, C, TH, TW)
        _bt(*cols, [v[4 * a + b].transpose(1, 0, 2, 3) for b in range(4)])
    return v.reshape(16, c, n * th * tw)


def _at(m0, m1, m2, m3, out0, out1, tmp):
    """out0 = m0 + m1 + m2, out1 = m1 - m2 - m3 (the two rows of A^T)."""
    np.add(m0, m1, out=out0)
    out0 += m2
    np.subtract(m1, m2, out=tmp)
    np.subtract(tmp, m3, out=out1)


def transform_output(m, bias, out, nb=None):
    """out (N, K, Hout, Wout) = A^T M A of every tile, plus ``bias`` (K,); m (16, K, N*TH*TW) (with
    numba's transforms, a :func:`_stack`)."""
    if nb is not None:
        nb.transform_output(*_flat(m), bias, out)
        return
    n, k, ho, wo = out.shape
    th, tw = _tiles(ho, wo)
    m = m.reshape(4, 4, k, n, th, tw)
    z = np.empty((2, 4, k, n, th, tw), m.dtype)
    tmp = np.empty((k, n, th, tw), m.dtype)
    for b in range(4):  # over a: rows of A^T
        _at(m[0, b], m[1, b], m[2, b], m[3, b], z[0, b], z[1, b], tmp)
    y = np.empty((2, k, n, th, tw), m.dtype)
    for r in range(2):  # over b, then into the output's rows r::2 and columns s::2
        _at(z[r, 0], z[r, 1], z[r, 2], z[r, 3], y[0], y[1], tmp)
        for s in range(2):
            dst = out[:, :, r::2, s::2]
            dst[...] = y[s, :, :, : dst.shape[2], : dst.shape[3]].transpose(1, 0, 2, 3)
    out += bias[:, None, None]


def _gemms(u, v, out):
    """out[ab] = u[ab] @ v[ab] for the 16 entries, in one stacked matmul (a BLAS call each inside).

    One Python call rather than 16: with two threads each running blocks, every return from a
    call must take the GIL back, and 16 calls per block were 10-30% slower here.
    """
    return np.matmul(u, v, out=out)


def _blocks(n0, n1, th, per_row):
    """Blocks (i0, i1, t0, t1) of images [i0, i1) and tile rows [t0, t1) whose scratch takes about
    BLOCK_BYTES, from images [n0, n1); ``per_row`` is the scratch bytes of one image's row of tiles.

    Whole images make a block when they fit; else each image is cut into bands of tile rows, so
    that a large image's V and M still fit in cache together.
    """
    fit = max(1, BLOCK_BYTES // max(per_row, 1))  # tile rows that fit
    if fit >= th:
        m = max(1, fit // th)
        return [(i, min(n1, i + m), 0, th) for i in range(n0, n1, m)]
    rows = -(-th // -(-th // fit))  # as many bands as needed, of even height (28 rows, 9 fit: 7, 7, 7, 7)
    return [(i, i + 1, t, min(th, t + rows)) for i in range(n0, n1) for t in range(0, th, rows)]


def _blocks_per_part(n, th, macs, per_row):
    """For each thread (:func:`._threads.split_batch`), its :func:`_blocks`."""
    return [_blocks(p.start, p.stop, th, per_row) for p in _threads.split_batch(n, macs)]


def _band(h, ph, ho, t0, t1):
    """Tile rows [t0, t1) read padded rows [2*t0, 2*t1 + 2): the rows [r0, r1) of x among them, the
    padding left above those (its top padding), and the band's output rows [2*t0, 2*t0 + hob)."""
    r0, r1 = max(0, 2 * t0 - ph), min(h, 2 * t1 + 2 - ph)
    return r0, r1, ph - 2 * t0 + r0, min(ho, 2 * t1) - 2 * t0


def _correlate_block(x, u, b, ph, pw, ho, wo, t0, t1, out, v, m, nb):
    """Tile rows [t0, t1) of out (m, K, Hout, Wout), from x (m, C, H, W) and the bias b; v and m are
    scratch for the band's V and M."""
    r0, r1, top, hob = _band(x.shape[2], ph, ho, t0, t1)
    v = transform_input(x[:, :, r0:r1], top, pw, hob, wo, v, nb)
    transform_output(_gemms(u, v, m), b, out[:, :, 2 * t0 : 2 * t0 + hob], nb)


def correlate(x, u, ph, pw, ho, wo, b=None):
    """Stride-1 correlation with 3x3 filters already transformed, plus the bias b (K,) if given:
    x (N, C, H, W), u (16, K, C) -> (N, K, Hout, Wout).

    A block at a time (:func:`_blocks`: a few images, or a band of tile rows of one, whose V and M
    take about :data:`BLOCK_BYTES`, so that they are still in cache between the transforms and the
    products), the batch split over :func:`._threads.parallel`'s threads.
    """
    n, c = x.shape[:2]
    k = u.shape[1]
    th, tw = _tiles(ho, wo)
    out = np.empty((n, k, ho, wo), x.dtype)
    parts = _blocks_per_part(n, th, 16 * n * k * c * th * tw, 16 * (c + k) * tw * x.itemsize)
    nb = _transforms(_direct_macs(n, c, k, ho, wo))
    b = np.zeros(k, x.dtype) if b is None else b
    x = np.ascontiguousarray(x)

    def run(i):
        most = max((i1 - i0) * (t1 - t0) for i0, i1, t0, t1 in parts[i]) * tw  # tiles of the largest block
        v, m = (np.empty(16 * _spacing(r * most, x.itemsize), x.dtype) for r in (c, k))
        for i0, i1, t0, t1 in parts[i]:
            p = (i1 - i0) * (t1 - t0) * tw
            vb, mb = _stack(v, c, p), _stack(m, k, p)
            _correlate_block(x[i0:i1], u, b, ph, pw, ho, wo, t0, t1, out[i0:i1], vb, mb, nb)

    _threads.parallel(run, parts)
    return out


def forward(x, w, b, g, ws=None):
    u = transform_filters(w, _transforms(g.macs))
    out = correlate(x, u, g.ph, g.pw, g.ho, g.wo, b.astype(x.dtype, copy=False))
    return out, (x, w, g)


def cache_for(x, w, g, ws=None):
    return (x, w, g)


def _output_tiles_adjoint(dout, th, tw, nb=None, dmt=None):
    """dM = A dY A^T of every 2x2 tile dY of dout (zero past its edge), tiles first: dout (N, K, Hout, Wout)
    -> dMt (16, N*TH*TW, K), dMt[ab, p, k] = dM[ab] of tile p of channel k; written into ``dmt`` if
    given (numba's transforms only; a :func:`_stack`).

    Tiles first, so that dw's products ``V[ab] @ dMt[ab]`` read both operands as stored (a row-major
    product with no transposed operand): with dM as (16, K, tiles), ``dM[ab] @ V[ab].T`` took 1.5-1.8x
    as long in OpenBLAS here (64 x 64 x 196 products, float32).
    """
    n, k, ho, wo = dout.shape
    if nb is not None:
        dmt = _new_stack(n * th * tw, k, dout.dtype) if dmt is None else dmt
        nb.output_adjoint(dout, th, tw, *_flat(dmt))
        return dmt
    dy = np.zeros((n, k, 2 * th, 2 * tw), dout.dtype)
    dy[:, :, :ho, :wo] = dout
    dm = np.empty((4, 4, n, th, tw, k), dout.dtype)
    e = np.empty((2, 4, n, th, tw, k), dout.dtype)
    for r in range(2):  # over s: columns of A (a row r of the tile at a time)
        y0 = dy[:, :, r::2, 0::2].transpose(0, 2, 3, 1)  # (N, TH, TW, K)
        y1 = dy[:, :, r::2, 1::2].transpose(0, 2, 3, 1)
        e[r, 0] = y0
        np.add(y0, y1, out=e[r, 1])
        np.subtract(y0, y1, out=e[r, 2])
        np.negative(y1, out=e[r, 3])
    for b in range(4):  # over r
        z0, z1 = e[0, b], e[1, b]
        dm[0, b] = z0
        np.add(z0, z1, out=dm[1, b])
        np.subtract(z0, z1, out=dm[2, b])
        np.negative(z1, out=dm[3, b])
    return dm.reshape(16, n * th * tw, k)


def transform_filters_adjoint(dut, nb=None):
    """dw = G^T dU G of every filter, the adjoint of :func:`transform_filters`: dut (16, C, K), dU's
    entry (a, b) at 4*a + b and transposed (dw's products give dU^T) -> dw (K, C, 3, 3).

    ``nb``: numba's transforms instead of numpy's einsum. They also keep BLAS out of the gap between
    the backward's two threaded phases: a multi-threaded BLAS call there wakes OpenBLAS's threads,
    which then spin for a while on the cores the next phase needs.
    """
    c, k = dut.shape[1:]
    if nb is not None:
        dw = np.empty((k, c, 3, 3), dut.dtype)
        nb.transform_filters_adjoint(dut, dw)
        return dw
    G = _G.astype(dut.dtype)
    return np.ascontiguousarray(np.einsum("ai,abck,bj->kcij", G, dut.reshape(4, 4, c, k), G, optimize=True))


def _dw_block(x, dout, g, t0, t1, nb, v, dmt, dub, dut):
    """Add dU^T (16, C, K) of tile rows [t0, t1) of a block of images to dut, :data:`DW_TILES` tiles
    at a time; v, dmt and dub are scratch for the band's V, dMt and one product."""
    r0, r1, top, hob = _band(g.h, g.ph, g.ho, t0, t1)
    v = transform_input(x[:, :, r0:r1], top, g.pw, hob, g.wo, v, nb)
    dmt = _output_tiles_adjoint(dout[:, :, 2 * t0 : 2 * t0 + hob], t1 - t0, (g.wo + 1) // 2, nb, dmt)
    for p in range(0, v.shape[2], DW_TILES):
        dut += _gemms(v[:, :, p : p + DW_TILES], dmt[:, p : p + DW_TILES], dub)


def backward(dout, cache, ws=None):
    """dx by Winograd (a correlation of dout with the rotated kernel), dw by Winograd's adjoint, db summed."""
    x, w, g = cache
    th, tw = _tiles(g.ho, g.wo)
    # dw: dU[ab]^T = sum over the tiles of V[ab] @ dMt[ab], then dw = G^T dU G.
    parts = _blocks_per_part(g.n, th, 16 * g.n * g.k * g.c * th * tw, 16 * (g.c + g.k) * tw * x.itemsize)
    nb = _transforms(g.macs)

    def run(i):
        dut, dub = np.zeros((16, g.c, g.k), x.dtype), np.empty((16, g.c, g.k), x.dtype)
        most = max((i1 - i0) * (t1 - t0) for i0, i1, t0, t1 in parts[i]) * tw  # tiles of the largest block
        v = np.empty(16 * _spacing(g.c * most, x.itemsize), x.dtype)
        # numpy's adjoint makes its own dMt
        dmt = np.empty(16 * _spacing(g.k * most, x.itemsize), x.dtype) if nb is not None else None
        for i0, i1, t0, t1 in parts[i]:
            p = (i1 - i0) * (t1 - t0) * tw
            vb = _stack(v, g.c, p)
            dmb = _stack(dmt, p, g.k) if dmt is not None else None
            _dw_block(x[i0:i1], dout[i0:i1], g, t0, t1, nb, vb, dmb, dub, dut)
        return dut

    dw = transform_filters_adjoint(sum(_threads.parallel(run, parts)), nb)
    # dx: the full correlation of dout with w rotated, then the H x W that x had (crop P - 2 when P > 2).
    w_rot = np.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))  # (C, K, 3, 3)
    qh, qw = max(2 - g.ph, 0), max(2 - g.pw, 0)
    fh, fw = g.ho + 2 * qh - 2, g.wo + 2 * qw - 2
    full = correlate(dout, transform_filters(w_rot, nb), qh, qw, fh, fw)
    oh, ow = max(g.ph - 2, 0), max(g.pw - 2, 0)
    dx = full if (oh, ow) == (0, 0) else np.ascontiguousarray(full[:, :, oh : oh + g.h, ow : ow + g.w])
    return dx, dw, dout.sum(axis=(0, 2, 3))


def _correlate_bytes(n, c, k, ho, wo, item):
    """Peak bytes of :func:`correlate` and the filters' transform beyond its input: U (and as much
    again inside einsum), the output, and in each thread its largest block's V and M, and with
    numpy's transforms the block's padded input, B^T's four row sums, then A^T's temporaries."""
    th, tw = _tiles(ho, wo)
    numpy = not _numba.wants(_direct_macs(n, c, k, ho, wo))  # decided without importing numba
    total = 2 * 16 * k * c + n * k * ho * wo
    for blocks in _blocks_per_part(n, th, 16 * n * k * c * th * tw, 16 * (c + k) * tw * item):
        m, tb = max((i1 - i0, t1 - t0) for i0, i1, t0, t1 in blocks)
        xp, t = m * c * (2 * tb + 2) * (2 * tw + 2), 4 * m * c * tb * (2 * tw + 2)
        v, mm, at = 16 * c * m * tb * tw, 16 * k * m * tb * tw, 11 * k * m * tb * tw
        total += v + mm + numpy * max(xp + t, at)
    return total * item


def bytes_needed(g, dtype, backward=False):
    """Peak bytes, from the shapes: V is ~4x a block's input, M ~4x its output (16 numbers per 2x2 tile)."""
    item = np.dtype(dtype).itemsize
    if not backward:
        return _correlate_bytes(g.n, g.c, g.k, g.ho, g.wo, item)
    th, tw = _tiles(g.ho, g.wo)
    # dw: per thread, a block's V and dM; with numpy's transforms first the padded input and B^T's
    # rows beside V, then V and the adjoint's dY, E and dM.
    dw_phase, numpy = 0, not _numba.wants(g.macs)
    for blocks in _blocks_per_part(g.n, th, 16 * g.n * g.k * g.c * th * tw, 16 * (g.c + g.k) * tw * item):
        m, tb = max((i1 - i0, t1 - t0) for i0, i1, t0, t1 in blocks)
        xp, t = m * g.c * (2 * tb + 2) * (2 * tw + 2), 4 * m * g.c * tb * (2 * tw + 2)
        v = 16 * g.c * m * tb * tw
        dw_phase += max(xp + t + v, v + 28 * g.k * m * tb * tw) if numpy else v + 16 * g.k * m * tb * tw
        dw_phase += 2 * 16 * g.k * g.c  # the part's dU and the block's
    # dx: the correlation of dout (K channels in, C out), and the crop's copy when P > 2.
    qh, qw = max(2 - g.ph, 0), max(2 - g.pw, 0)
    fh, fw = g.ho + 2 * qh - 2, g.wo + 2 * qw - 2
    crop = g.n * g.c * g.h * g.w * item if (g.ph > 2 or g.pw > 2) else 0
    dx_phase = _correlate_bytes(g.n, g.k, g.c, fh, fw, item) + crop + (16 + 9) * g.k * g.c * item  # dU and dw live on
    return max(dw_phase * item, dx_phase)

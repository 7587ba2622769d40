"""The fast path: im2col a few images at a time, into cache, and compiled copy loops.

Same arithmetic as :mod:`convkit.methods.im2col`: the three matrix products
``W_row @ cols``, ``dout @ cols.T`` and ``W_row.T @ dout``. What differs is
memory traffic, which is what costs time around products that BLAS already
does well (``benchmarks/conv_speed.py`` measures it):

* **The column matrix is never built whole.** Both passes walk the batch in
  blocks of images with about :data:`BLOCK_BYTES` of columns: im2col the
  block, multiply, move on, while the columns are still in cache. The backward
  builds the block's columns again for ``dW`` rather than keeping them: that
  is cheaper than writing ``C*FH*FW`` times the image to memory in the forward
  and reading it back, and the layer's cache is then just ``x``. The backward
  multiplies ``W_row.T`` with the block's ``dout`` and col2im's the result at
  once, while it is still in cache.
* **Image-major blocks.** A block's columns are (m, C*FH*FW, Hout*Wout), so
  ``W_row @ cols[i]`` is output image i exactly as (K, Hout*Wout) wants it, and
  ``W_row.T @ dout[i]`` reads dout as it is: no transposes of the output.
* **Compiled im2col/col2im** when numba is installed and the problem is large
  enough to repay loading it (:func:`._fast_kernels.for_macs`), else Chapter 5's
  strided-slice code. numpy's slices walk rows of only Wout numbers, and their
  per-row overhead dominates at the benchmark's sizes.
* **One thread per core** (:mod:`._threads`) for a large enough batch, each with
  a single-threaded BLAS: the copies then run in parallel too.

col2im adds each column entry onto its pixel in plain loops (or strided
slices), never ``np.add.at``. The scratch buffers live in the workspace ``ws``
that :class:`convkit.Conv2D` keeps between calls; the cache shares none of them,
so a later forward cannot spoil an earlier cache.
"""
import dataclasses

import numpy as np

from . import _fast_kernels, _numba, _threads

#: Target size in bytes of one block of columns (at least one image). Small enough to
#: stay in cache, large enough that Python's per-block overhead stays small: of
#: 0.5, 2, 4 and 8 MiB, 2 MiB was fastest on the benchmark's shapes here.
BLOCK_BYTES = 2**21


def kernels(g=None):
    """The im2col/col2im implementation for geometry ``g`` (default: a large problem): ``"numba"`` or ``"numpy"``."""
    return _fast_kernels.for_macs(g.macs if g is not None else _numba.NUMBA_MIN_MACS).name


def _parts(g):
    return _threads.split_batch(g.n, g.macs)


def _split(g, ws):
    """Batch ranges and a workspace for each thread."""
    parts = _parts(g)
    if ws is None:
        spaces = [None] * len(parts)
    else:
        spaces = ws.setdefault("parts", [])
        spaces.extend({} for _ in range(len(parts) - len(spaces)))
    return parts, spaces


def _buffer(ws, name, shape, dtype):
    """A buffer from the workspace if one of this shape and dtype is there, else a new one (then kept)."""
    key = (tuple(shape), np.dtype(dtype))
    if ws is not None and name in ws and ws[name][0] == key:
        return ws[name][1]
    arr = np.empty(shape, dtype)
    if ws is not None:
        ws[name] = (key, arr)
    return arr


def _block_images(g, itemsize):
    """Images per block: at most BLOCK_BYTES of columns, at least one image."""
    per_image = g.c * g.fh * g.fw * g.ho * g.wo * itemsize
    return int(max(1, min(g.n, BLOCK_BYTES // per_image)))


def _blocks(g, itemsize):
    """Image ranges [n0, n1) of :func:`_block_images` images each, with their geometries."""
    m = _block_images(g, itemsize)
    for n0 in range(0, g.n, m):
        n1 = min(g.n, n0 + m)
        yield n0, n1, dataclasses.replace(g, n=n1 - n0)


def _forward_part(x, w, b, g, ws, out, kern):
    """out (n, K, Hout, Wout) of a slice x (n, C, H, W) of the batch, with the im2col kernels ``kern``."""
    cff, L = g.c * g.fh * g.fw, g.ho * g.wo
    w_row, o3 = w.reshape(g.k, cff), out.reshape(g.n, g.k, L)
    blocks = list(_blocks(g, x.itemsize))
    cols = _buffer(ws, "cols", (blocks[0][2].n, cff, L), x.dtype)
    for n0, n1, gb in blocks:
        c = cols[: gb.n]
        kern.im2col(x[n0:n1], gb, c)
        o = np.matmul(w_row, c, out=o3[n0:n1])  # (K, CFF) @ (m, CFF, L) -> (m, K, L)
        o += b[:, None]  # while the block is in cache


def _backward_part(x, dout, w, g, ws, dx, kern):
    """(dx, dW, db) of a slice of the batch: dx written into ``dx``; ``kern``: the im2col/col2im kernels."""
    cff, L = g.c * g.fh * g.fw, g.ho * g.wo
    w_row, d3 = w.reshape(g.k, cff), dout.reshape(g.n, g.k, L)
    blocks = list(_blocks(g, x.itemsize))
    m = blocks[0][2].n
    cols = _buffer(ws, "cols", (m, cff, L), x.dtype)
    dcols = _buffer(ws, "dcols", (m, cff, L), x.dtype)
    dw_each = _buffer(ws, "dw", (m, g.k, cff), x.dtype)
    dw = np.zeros((g.k, cff), x.dtype)
    for n0, n1, gb in blocks:
        c, dc, dwb = cols[: gb.n], dcols[: gb.n], dw_each[: gb.n]
        kern.im2col(x[n0:n1], gb, c)  # again: cheaper than keeping it from the forward
        np.matmul(d3[n0:n1], c.transpose(0, 2, 1), out=dwb)  # (m, K, L) @ (m, L, CFF)
        dw += dwb.sum(axis=0) if gb.n > 1 else dwb[0]
        np.matmul(w_row.T, d3[n0:n1], out=dc)  # (CFF, K) @ (m, K, L) -> (m, CFF, L)
        kern.col2im(dc, gb, dx[n0:n1])
    return dw, d3.sum(axis=2).sum(axis=0)  # faster than sum(axis=(0, 2)) here


def cache_for(x, w, g, ws=None):
    return (np.ascontiguousarray(x), w, g)


def _each_part(g, ws, work):
    """``work(p, gp, space, kern)`` for each batch range p (its geometry gp, its workspace, the kernels),
    side by side in :func:`._threads.parallel`; their results."""
    parts, spaces = _split(g, ws)
    kern = _fast_kernels.for_macs(g.macs)

    def run(i):
        p = parts[i]
        return work(p, dataclasses.replace(g, n=p.stop - p.start), spaces[i], kern)

    return _threads.parallel(run, parts)


def forward(x, w, b, g, ws=None):
    x = np.ascontiguousarray(x)
    out = np.empty(g.out_shape, dtype=x.dtype)
    _each_part(g, ws, lambda p, gp, space, kern: _forward_part(x[p], w, b, gp, space, out[p], kern))
    return out, (x, w, g)


def backward(dout, cache, ws=None):
    x, w, g = cache
    dout = np.ascontiguousarray(dout)
    dx = np.empty(g.x_shape, dtype=dout.dtype)
    grads = _each_part(g, ws, lambda p, gp, space, kern: _backward_part(x[p], dout[p], w, gp, space, dx[p], kern))
    dw = sum(d for d, _ in grads).reshape(g.w_shape)
    return dx, dw, sum(d for _, d in grads)


def bytes_needed(g, dtype, backward=False):
    """Peak bytes: out (or dx) plus, for each thread at once, its block buffers.

    A block's columns are about :data:`BLOCK_BYTES`, or one image's columns
    when those are larger: a single huge image is what can make this method too
    big. The numpy kernels also pad a block of x; numba's pad nothing.
    """
    item = np.dtype(dtype).itemsize
    cff, hp, wp = g.c * g.fh * g.fw, *g.padded_hw
    pads = not _numba.wants(g.macs)  # numpy's kernels pad a block (decided without importing numba)
    total = (g.n * g.c * g.h * g.w if backward else g.n * g.k * g.ho * g.wo) * item  # dx or out
    for p in _parts(g):
        m = _block_images(dataclasses.replace(g, n=p.stop - p.start), item)
        cols, padded = m * cff * g.ho * g.wo * item, m * g.c * hp * wp * item * pads
        if backward:  # cols and dcols, dW of each image, then the part's dW and a sum of it
            total += 2 * cols + padded + (m + 2) * g.k * cff * item
        else:
            total += cols + padded
    return total

"""The fast path: strided-slice im2col into kept buffers, one GEMM, and a blocked col2im.

Same arithmetic as :mod:`convkit.methods.im2col`; what differs is memory traffic,
which is what costs time around a matrix product that BLAS already does well:

* no ``np.pad`` and no padded copies: each kernel offset (a, b) is one
  strided-slice copy from ``x`` into the block of the column matrix that sees
  real pixels; the entries that see padding are zeros written once, when the
  buffer is made, and never touched again. col2im likewise adds straight into
  ``dx``, and assigns (instead of zero-filling and adding) for an offset whose
  pixels cover all of ``dx``;
* buffers (column matrix, GEMM outputs) live in a workspace that
  :class:`convkit.Conv2D` keeps between calls, so no large array is allocated
  and page-faulted in on every call;
* the backward computes ``dcols = W_row.T @ dout`` a few images at a time and
  adds each block into dx at once, while it is still in cache, instead of
  writing the whole (C*FH*FW, N*Hout*Wout) matrix to memory and reading it back.
  No ``np.add.at``;
* with two or more cores the batch is split in two halves that run side by side
  in two threads, each with a single-threaded BLAS (threadpoolctl, if
  installed): the copies then run in parallel too, and BLAS worker threads do
  not spin against them. The BLAS limit is process-wide while a call runs.

Measured in ``benchmarks/conv_speed.py``.
"""
import dataclasses
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

try:
    from threadpoolctl import ThreadpoolController
except ImportError:  # runs sequentially without it
    ThreadpoolController = None

#: Target size in bytes of one block of dcols in the backward pass (cache-sized).
BLOCK_BYTES = 4 * 2**20
#: Threads the batch is split over (1 = no splitting).
WORKERS = 2 if (os.cpu_count() or 1) >= 2 and ThreadpoolController is not None else 1

_pool = None
_blas = None


def _parallel(fn, parts):
    """Run ``fn(i)`` for each part, side by side with single-threaded BLAS when possible."""
    global _pool, _blas
    if len(parts) == 1:
        return [fn(0)]
    if _pool is None:
        _pool, _blas = ThreadPoolExecutor(WORKERS), ThreadpoolController()
    with _blas.limit(limits=1, user_api="blas"):
        return list(_pool.map(fn, range(len(parts))))


def _split(g, ws):
    """Batch ranges, their geometries and their workspaces."""
    k = min(WORKERS, g.n)
    bounds = [g.n * i // k for i in range(k + 1)]
    ranges = list(zip(bounds[:-1], bounds[1:]))
    geoms = [dataclasses.replace(g, n=n1 - n0) for n0, n1 in ranges]
    if ws is None:
        spaces = [None] * k
    else:
        spaces = ws.setdefault("parts", [])
        spaces.extend({} for _ in range(k - len(spaces)))
    return ranges, geoms, spaces


def _buffer(ws, name, shape, dtype, g, zero=False):
    """A buffer from the workspace if it was made for this geometry, else a new one (then kept)."""
    key = (tuple(shape), np.dtype(dtype), g)  # g: where the zeros of a zeroed buffer must be
    if ws is not None and name in ws and ws[name][0] == key:
        return ws[name][1]
    arr = np.zeros(shape, dtype) if zero else np.empty(shape, dtype)
    if ws is not None:
        ws[name] = (key, arr)
    return arr


def _span(a, s, p, n, n_out):
    """Outputs i whose window entry a lands on a real pixel (0 <= i*s + a - p < n), and those pixels.

    Returns (slice of outputs, slice of input positions), or None if there are none.
    """
    i0 = max(0, -((a - p) // s))  # ceil((p - a) / s)
    i1 = min(n_out, (n - 1 - a + p) // s + 1)
    if i1 <= i0:
        return None
    r0 = i0 * s + a - p
    return slice(i0, i1), slice(r0, r0 + (i1 - i0 - 1) * s + 1, s)


def _offsets(g):
    """For each kernel offset (a, b): the output block and the input block it pairs up."""
    found = []
    for a in range(g.fh):
        for b in range(g.fw):
            rows, cols = _span(a, g.sh, g.ph, g.h, g.ho), _span(b, g.sw, g.pw, g.w, g.wo)
            if rows and cols:
                found.append((a, b, rows[0], cols[0], rows[1], cols[1]))
    return found


def _im2col(x, g, ws):
    """Column matrix (C*FH*FW, n*Hout*Wout) of a slice of the batch, in a workspace buffer."""
    cols = _buffer(ws, "cols", (g.c, g.fh, g.fw, g.n, g.ho, g.wo), x.dtype, g, zero=True)
    xt = x.transpose(1, 0, 2, 3)  # (C, n, H, W) view, no copy
    for a, b, out_r, out_c, in_r, in_c in _offsets(g):
        cols[:, a, b, :, out_r, out_c] = xt[:, :, in_r, in_c]
    return cols.reshape(g.c * g.fh * g.fw, -1)


def _forward_part(x, w, b, g, ws, out):
    cols = _im2col(x, g, ws)
    y = _buffer(ws, "y", (g.k, g.n * g.ho * g.wo), x.dtype, g)
    np.matmul(w.reshape(g.k, -1), cols, out=y)
    # The transpose (K, n, L) -> (n, K, L) and the bias in one pass.
    np.add(y.reshape(g.k, g.n, g.ho, g.wo).transpose(1, 0, 2, 3), b[None, :, None, None], out=out)
    return cols


def _backward_part(dout, cols, w, g, ws, dx):
    L = g.ho * g.wo
    dy = _buffer(ws, "dy", (g.k, g.n, L), dout.dtype, g)
    dy[...] = dout.reshape(g.n, g.k, L).transpose(1, 0, 2)
    dy = dy.reshape(g.k, -1)
    dw = dy @ cols.T

    rows_cff = g.c * g.fh * g.fw
    nb = int(max(1, min(g.n, BLOCK_BYTES // (rows_cff * L * dout.itemsize))))
    block = _buffer(ws, "dcols", (rows_cff, nb * L), dout.dtype, g)
    w_t = w.reshape(g.k, -1).T
    offsets = _offsets(g)
    whole = ((0, g.h, 1), (0, g.w, 1))
    first = next((o for o in offsets if (o[4].indices(g.h), o[5].indices(g.w)) == whole), None)
    dxt = dx.transpose(1, 0, 2, 3)  # (C, n, H, W) view of this part's dx
    for n0 in range(0, g.n, nb):
        m = min(nb, g.n - n0)
        dcols = np.matmul(w_t, dy[:, n0 * L : (n0 + m) * L], out=block[:, : m * L])
        d6 = dcols.reshape(g.c, g.fh, g.fw, m, g.ho, g.wo)
        target = dxt[:, n0 : n0 + m]
        if first is None:
            target.fill(0)
        else:  # this offset touches every pixel exactly once: assign, no zero fill
            target[...] = d6[:, first[0], first[1], :, first[2], first[3]]
        for o in offsets:
            if o is not first:
                a, b, out_r, out_c, in_r, in_c = o
                target[:, :, in_r, in_c] += d6[:, a, b, :, out_r, out_c]
    return dw, dy.sum(axis=1)


def _stamp(ws):
    if ws is None:
        return None
    ws["generation"] = ws.get("generation", 0) + 1
    return ws["generation"]


def cache_for(x, w, g, ws=None):
    ranges, geoms, spaces = _split(g, ws)
    cols = _parallel(lambda i: _im2col(x[slice(*ranges[i])], geoms[i], spaces[i]), ranges)
    return (cols, _stamp(ws), w, g)


def forward(x, w, b, g, ws=None):
    ranges, geoms, spaces = _split(g, ws)
    out = np.empty(g.out_shape, dtype=x.dtype)

    def run(i):
        part = slice(*ranges[i])
        return _forward_part(x[part], w, b, geoms[i], spaces[i], out[part])

    return out, (_parallel(run, ranges), _stamp(ws), w, g)


def backward(dout, cache, ws=None):
    cols, generation, w, g = cache
    if ws is not None and generation != ws.get("generation"):
        raise RuntimeError(
            "this cache's buffers were overwritten by a later forward pass; call backward "
            "after the forward whose output it differentiates"
        )
    ranges, geoms, spaces = _split(g, ws)
    dx = np.empty(g.x_shape, dtype=dout.dtype)

    def run(i):
        part = slice(*ranges[i])
        return _backward_part(dout[part], cols[i], w, geoms[i], spaces[i], dx[part])

    grads = _parallel(run, ranges)
    dw = sum(d for d, _ in grads).reshape(g.w_shape)
    return dx, dw, sum(d for _, d in grads)

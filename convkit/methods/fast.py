"""The fast path: strided-slice im2col into kept buffers, one GEMM, and a blocked col2im.

Same arithmetic as :mod:`convkit.methods.im2col`; what differs is memory traffic,
which is what costs time around a matrix product that BLAS already does well:

* no ``np.pad``: the input is copied into the interior of a zeroed buffer whose
  border stays zero, already transposed to (C, N, Hp, Wp) so that each kernel
  offset (a, b) is one strided-slice copy straight into the column matrix;
* buffers (padded input, column matrix, GEMM output, padded dx) live in a
  workspace that :class:`convkit.Conv2D` keeps between calls, so no large
  array is allocated and page-faulted in on every call;
* the backward computes ``dcols = W_row.T @ dout`` a few images at a time and
  adds each block into dx at once, while it is still in cache, instead of
  writing the whole (C*FH*FW, N*Hout*Wout) matrix to memory and reading it back.
  No ``np.add.at``.

Measured in ``benchmarks/conv_speed.py``.
"""
import numpy as np

#: Target size in bytes of one block of dcols in the backward pass (cache-sized).
BLOCK_BYTES = 6 * 2**20


def _buffer(ws, name, shape, dtype, zero=False):
    """A buffer from the workspace when its shape fits, else a new one (kept for next time)."""
    key = (tuple(shape), np.dtype(dtype))
    if ws is not None and name in ws and ws[name][0] == key:
        return ws[name][1]
    arr = np.zeros(shape, dtype) if zero else np.empty(shape, dtype)
    if ws is not None:
        ws[name] = (key, arr)
    return arr


def _offsets(g):
    """Slices of the padded grid read by kernel offset (a, b): rows a, a+S, ..., likewise columns."""
    return [
        (a, b, slice(a, a + g.sh * g.ho, g.sh), slice(b, b + g.sw * g.wo, g.sw))
        for a in range(g.fh)
        for b in range(g.fw)
    ]


def cache_for(x, w, g, ws=None):
    hp, wp = g.padded_hw
    # Keyed on the padding too: the zero border must match the geometry.
    xp = _buffer(ws, f"xp{g.ph},{g.pw}", (g.c, g.n, hp, wp), x.dtype, zero=True)
    xp[:, :, g.ph : g.ph + g.h, g.pw : g.pw + g.w] = x.transpose(1, 0, 2, 3)
    cols = _buffer(ws, "cols", (g.c, g.fh, g.fw, g.n, g.ho, g.wo), x.dtype)
    for a, b, rows, columns in _offsets(g):
        cols[:, a, b] = xp[:, :, rows, columns]
    generation = None
    if ws is not None:
        generation = ws["generation"] = ws.get("generation", 0) + 1
    return (cols.reshape(g.c * g.fh * g.fw, -1), generation, w, g)


def forward(x, w, b, g, ws=None):
    cache = cache_for(x, w, g, ws)
    cols = cache[0]
    y = _buffer(ws, "y", (g.k, g.n * g.ho * g.wo), x.dtype)
    np.matmul(w.reshape(g.k, -1), cols, out=y)
    out = np.empty(g.out_shape, dtype=x.dtype)
    # The transpose (K, N, L) -> (N, K, L) and the bias in one pass.
    np.add(y.reshape(g.k, g.n, g.ho, g.wo).transpose(1, 0, 2, 3), b[None, :, None, None], out=out)
    return out, cache


def backward(dout, cache, ws=None):
    cols, generation, w, g = cache
    if ws is not None and generation != ws.get("generation"):
        raise RuntimeError(
            "this cache's buffers were overwritten by a later forward pass; call backward "
            "after the forward whose output it differentiates"
        )
    L = g.ho * g.wo
    dy = _buffer(ws, "dy", (g.k, g.n, L), dout.dtype)
    dy[...] = dout.reshape(g.n, g.k, L).transpose(1, 0, 2)
    dy = dy.reshape(g.k, -1)
    db = dy.sum(axis=1)
    dw = (dy @ cols.T).reshape(g.w_shape)

    rows_cff = g.c * g.fh * g.fw
    per_image = rows_cff * L * dout.itemsize
    nb = int(max(1, min(g.n, BLOCK_BYTES // per_image)))
    hp, wp = g.padded_hw
    dxp = _buffer(ws, "dxp", (g.c, g.n, hp, wp), dout.dtype)
    block = _buffer(ws, "dcols", (rows_cff, nb * L), dout.dtype)
    w_t = w.reshape(g.k, -1).T
    offsets = _offsets(g)
    for n0 in range(0, g.n, nb):
        m = min(nb, g.n - n0)
        dcols = np.matmul(w_t, dy[:, n0 * L : (n0 + m) * L], out=block[:, : m * L])
        d6 = dcols.reshape(g.c, g.fh, g.fw, m, g.ho, g.wo)
        target = dxp[:, n0 : n0 + m]
        target.fill(0)
        for a, b, rows, columns in offsets:
            target[:, :, rows, columns] += d6[:, a, b]
    dx = np.empty(g.x_shape, dtype=dout.dtype)
    dx[...] = dxp[:, :, g.ph : g.ph + g.h, g.pw : g.pw + g.w].transpose(1, 0, 2, 3)
    return dx, dw, db

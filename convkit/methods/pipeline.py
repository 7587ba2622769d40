"""The one call pipeline every 2-D convolution goes through.

:func:`convkit.conv2d`, :func:`convkit.conv2d_backward`, :class:`convkit.Conv2D`
and :func:`convkit.conv_transpose2d_backward` all run the same steps, here, once:

1. check the arguments and cast them to one float dtype (:func:`prepare`, :func:`check_dout`);
2. resolve the method's name to its module, once (:func:`convkit.methods.get`);
3. check that the method computes the geometry (Winograd: 3x3, stride 1 only);
4. guard the memory: refuse, before allocating, a pass that would need more than
   :func:`convkit.memory_limit`, naming the fastest method that fits (:func:`guard`);
5. run the method: a grouped convolution (``groups > 1``, Chapter 11) as ``groups``
   independent convolutions on its channel slices, concatenated (:class:`Engine`), so that no
   engine knows about groups; uneven padding (``padding="same"`` with an even kernel, or
   ((top, bottom), (left, right))) by padding x with the uneven part here, running the
   symmetric rest (:attr:`Geometry.inner`) and cropping dx back, so that the engines
   keep their one (PH, PW) padding; the NHWC layout by transposing x (and dout) to NCHW
   copies and the result back, so that the engines keep NCHW.

Steps 2-5 are :class:`Engine`: ``Engine(method)`` resolves the name, and its
:meth:`~Engine.forward`, :meth:`~Engine.backward` and :meth:`~Engine.gradients`
check, guard and run.
"""
from __future__ import annotations

import numpy as np

from ..arguments import as_bias, as_float, float_dtype
from ..errors import ConvArgumentError
from ..geometry import Geometry, conv_geometry
from ..memory import gib, memory_limit
from ..memory import guard as guard_bytes
from . import by_speed, check, get, supports

__all__ = ["Engine", "prepare", "check_dout", "describe_call", "guard", "bytes_needed"]


def prepare(x, w, b=None, stride=1, padding=0, dilation=1, drop_last=False, groups=1, layout="NCHW"):
    """Validate the arguments of a 2-D convolution and cast them to one float dtype.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W), or (N, H, W, C) with ``layout="NHWC"``
    w : array_like, shape (K, C/groups, FH, FW)
    b : array_like, shape (K,), optional
    stride, dilation : int or (int, int)
    padding : int, (int, int), ((int, int), (int, int)) or "same"
    drop_last : bool
    groups : int
    layout : {"NCHW", "NHWC"}

    Returns
    -------
    x : ndarray (N, C, H, W), or (N, H, W, C)
    w : ndarray (K, C/groups, FH, FW)
    b : ndarray (K,)
        Zeros when ``b`` is None.
    g : Geometry
    """
    x = as_float(x, "x")
    w = as_float(w, "w")
    g = conv_geometry(x.shape, w.shape, stride, padding, dilation, drop_last, groups, layout)
    extra = [as_float(b, "b")] if b is not None else []
    dt = float_dtype(x, w, *extra)
    return x.astype(dt, copy=False), w.astype(dt, copy=False), as_bias(b, g.k, dt), g


def check_dout(dout, shape, what: str):
    """``dout`` as an array, checked to have ``shape``; ``what`` is the message's "the ... shape (...) = ..." part."""
    dout = as_float(dout, "dout")
    if dout.shape != tuple(shape):
        raise ConvArgumentError(f"dout must have {what}; got dout.shape={dout.shape}")
    return dout


def describe_call(g: Geometry) -> str:
    """The shapes and options of a convolution, as a message names them."""
    dil = f", dilation=({g.dil_h}, {g.dil_w})" if (g.dil_h, g.dil_w) != (1, 1) else ""
    groups = f", groups={g.groups}" if g.groups > 1 else ""
    padding = g.paddings if any(g.extra) else (g.ph, g.pw)
    x_shape = g.x_shape if g.layout == "NCHW" else (g.n, g.h, g.w, g.c)
    layout = ", layout='NHWC'" if g.layout == "NHWC" else ""
    return (f"x.shape={x_shape}, w.shape={g.w_shape}, stride=({g.sh}, {g.sw}), "
            f"padding={padding}{dil}{groups}{layout}")


def bytes_needed(impl, g: Geometry, dtype, backward: bool = False) -> int:
    """The peak bytes of a pass of the method module ``impl`` on ``g``, groups included.

    With ``groups = G > 1`` the pass runs G times on :attr:`Geometry.per_group`, one group after
    another: each group's own peak (``impl.bytes_needed``) on top of the results of the groups
    before it, then their concatenation (the results twice). The forward keeps only the outputs
    (a grouped cache is x and w: the backward rebuilds each group's cache, as ``cache_for`` does);
    the backward keeps dx, dw and db. Each group's pass also holds contiguous copies of its slice
    of x (and of dout). Uneven padding adds x padded by its uneven part (and dx cropped back);
    the NHWC layout, the NCHW copies of x (and dout) and the result's copy back.
    """
    item = np.dtype(dtype).itemsize
    if g.layout == "NHWC":  # x (and dout) transposed to NCHW copies, the result transposed back
        x, y = g.n * g.c * g.h * g.w * item, g.n * g.k * g.ho * g.wo * item
        result = x if backward else y
        return x + backward * y + max(bytes_needed(impl, g.nchw, dtype, backward), 2 * result)
    if any(g.extra):  # x padded by the uneven part, held through the pass; in the backward, dx cropped back
        padded = g.n * g.c * (g.h + g.extra[0] + g.extra[1]) * (g.w + g.extra[2] + g.extra[3]) * item
        return padded + bytes_needed(impl, g.inner, dtype, backward) + backward * g.n * g.c * g.h * g.w * item
    if g.groups == 1:
        return impl.bytes_needed(g, dtype, backward)
    g1 = g.per_group
    slices = (g.n * g1.c * g.h * g.w + backward * g.n * g1.k * g.ho * g.wo) * item
    one = impl.bytes_needed(g1, dtype, backward) + slices
    kept = g.n * g.k * g.ho * g.wo * item  # the outputs of all groups
    if backward:
        kept = (g.n * g.c * g.h * g.w + g.k * (g.c // g.groups) * g.fh * g.fw + g.k) * item  # dx, dw, db
    return max((g.groups - 1) * kept // g.groups + one, 2 * kept)


def guard(impl, method: str, g: Geometry, dtype, backward: bool = False, caller: str = "conv2d") -> None:
    """Refuse a pass of ``method`` that would need more memory than the limit, naming one that fits.

    Parameters
    ----------
    impl : module
        The method's module (``convkit.methods.get(method)``).
    method : str
        Its name, as the message gives it.
    g : Geometry
    dtype : numpy dtype the method computes in
    backward : bool
        The backward pass (including what the forward cached) rather than the forward.
    caller : str
        The public function, as the message names it.
    """
    dtype = np.dtype(dtype)
    need = bytes_needed(impl, g, dtype, backward)
    limit = memory_limit()
    if need <= limit:
        return
    others = [(m, bytes_needed(get(m), g, dtype, backward)) for m in by_speed()
              if m != method and supports(get(m), g.inner.per_group)]
    fits = [(m, n) for m, n in others if n <= limit]
    if fits:
        m, n = fits[0]
        advice = f"method={m!r} needs {gib(n)} and computes the same result."
    else:
        m, n = min([(method, need)] + others, key=lambda mn: mn[1])
        advice = (f"No method fits (the smallest, method={m!r}, needs {gib(n)}): split the batch "
                  f"(the memory grows with N){', or use float32' if dtype.itemsize > 4 else ''}.")
    guard_bytes(need, f"{caller}(method={method!r}) on {describe_call(g)}, {dtype}", advice)


def _each_group(g: Geometry, x, w, per_filter):
    """Each group's (x, w, per-filter array) of a grouped convolution, one group at a time.

    x (N, C, H, W) is cut along C, w (K, C/groups, FH, FW) and ``per_filter`` (b (K,), or dout
    (N, K, Hout, Wout)) along K. The slices along C or K of an (N, ...) array are copied to
    contiguous arrays (what the engines would otherwise copy themselves, each in its own way), so
    each group's pass sees arrays like an ungrouped call's; :func:`bytes_needed` counts the copies.
    """
    ci, ki = g.c // g.groups, g.k // g.groups
    axis = 1 if per_filter.ndim == 4 else 0
    for i in range(g.groups):
        cut = (slice(None),) * axis + (slice(i * ki, (i + 1) * ki),)
        yield (np.ascontiguousarray(x[:, i * ci:(i + 1) * ci]), w[i * ki:(i + 1) * ki],
               np.ascontiguousarray(per_filter[cut]))


def _nchw(a):
    """An (N, H, W, C) array as a contiguous (N, C, H, W) copy."""
    return np.ascontiguousarray(a.transpose(0, 3, 1, 2))


def _nhwc(a):
    """An (N, C, H, W) array as a contiguous (N, H, W, C) copy."""
    return np.ascontiguousarray(a.transpose(0, 2, 3, 1))


def _pad_extra(x, g: Geometry):
    """x padded with the zeros of ``g.extra``: the uneven part of its padding (top, bottom, left, right)."""
    et, eb, el, er = g.extra
    return np.pad(x, ((0, 0), (0, 0), (et, eb), (el, er)))


def _crop_extra(dx, g: Geometry):
    """The gradient of x from that of x padded by ``g.extra``: its middle, copied."""
    return dx[:, :, g.extra[0]:g.extra[0] + g.h, g.extra[2]:g.extra[2] + g.w].copy()


class Engine:
    """A method, resolved once, whose passes are checked and guarded before they run.

    Parameters
    ----------
    method : str
        One of :data:`convkit.METHODS` or :data:`convkit.methods.SPECIALISED`; any other name is a
        :class:`ConvArgumentError` that lists them.
    """

    def __init__(self, method: str):
        self.impl = get(method)
        self.method = method

    def _ready(self, g, dtype, backward, caller):
        check(self.impl, g.inner.per_group)
        guard(self.impl, self.method, g, dtype, backward, caller)

    def forward(self, x, w, b, g, ws=None, caller="conv2d"):
        """out (N, K, Hout, Wout) and the cache of a forward pass on checked arguments (:func:`prepare`).

        With groups, one forward per group on its slices of x, w and b, the outputs concatenated;
        the cache is (x, w, g), from which :meth:`backward` rebuilds each group's. With uneven
        padding, the forward of x padded by its uneven part; the cache is (that cache, w, g).
        """
        self._ready(g, x.dtype, False, caller)
        return self._forward(x, w, b, g, ws)

    def _forward(self, x, w, b, g, ws):
        if g.layout == "NHWC":
            out, cache = self._forward(_nchw(x), w, b, g.nchw, ws)
            return _nhwc(out), (cache, w, g)
        if any(g.extra):
            out, cache = self._forward(_pad_extra(x, g), w, b, g.inner, ws)
            return out, (cache, w, g)
        if g.groups == 1:
            return self.impl.forward(x, w, b, g, ws)
        outs = [self.impl.forward(xi, wi, bi, g.per_group, ws)[0] for xi, wi, bi in _each_group(g, x, w, b)]
        return np.concatenate(outs, axis=1), (x, w, g)

    def backward(self, dout, cache, ws=None, caller="Conv2D.backward"):
        """(dx, dw, db) from a forward's cache; ``dout`` checked to have the output's shape."""
        g = cache[-1]
        dtype = cache[-2].dtype  # every method caches (..., w, g): w has the forward's dtype
        self._ready(g, dtype, True, caller)
        return self._backward(dout.astype(dtype, copy=False), cache, ws)

    def _backward(self, dout, cache, ws):
        g = cache[-1]
        if g.layout == "NHWC":
            dx, dw, db = self._backward(_nchw(dout), cache[0], ws)
            return _nhwc(dx), dw, db
        if any(g.extra):
            dx, dw, db = self._backward(dout, cache[0], ws)
            return _crop_extra(dx, g), dw, db
        if g.groups > 1:
            return self._gradients(dout, cache[0], cache[1], g)
        return self.impl.backward(dout, cache, ws)

    def gradients(self, dout, x, w, g, caller="conv2d_backward"):
        """(dx, dw, db) of a convolution of x with w, with no forward pass kept: the cache is rebuilt.

        With groups, one backward per group on its slices, dx concatenated along C, dw and db along K.
        """
        self._ready(g, x.dtype, True, caller)
        return self._gradients(dout.astype(x.dtype, copy=False), x, w, g)

    def _gradients(self, dout, x, w, g):
        if g.layout == "NHWC":
            dx, dw, db = self._gradients(_nchw(dout), _nchw(x), w, g.nchw)
            return _nhwc(dx), dw, db
        if any(g.extra):
            dx, dw, db = self._gradients(dout, _pad_extra(x, g), w, g.inner)
            return _crop_extra(dx, g), dw, db
        if g.groups == 1:
            return self.impl.backward(dout, self.impl.cache_for(x, w, g))
        parts = [self.impl.backward(di, self.impl.cache_for(xi, wi, g.per_group))
                 for xi, wi, di in _each_group(g, x, w, dout)]
        dx, dw, db = zip(*parts)
        return np.concatenate(dx, axis=1), np.concatenate(dw), np.concatenate(db)

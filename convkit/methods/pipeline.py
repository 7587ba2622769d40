"""The one call pipeline every 2-D convolution goes through.

:func:`convkit.conv2d`, :func:`convkit.conv2d_backward`, :class:`convkit.Conv2D`
and :func:`convkit.conv_transpose2d_backward` all run the same steps, here, once:

1. check the arguments and cast them to one float dtype (:func:`prepare`, :func:`check_dout`);
2. resolve the method's name to its module, once (:func:`convkit.methods.get`);
3. check that the method computes the geometry (Winograd: 3x3, stride 1 only);
4. guard the memory: refuse, before allocating, a pass that would need more than
   :func:`convkit.memory_limit`, naming the fastest method that fits (:func:`guard`);
5. run the method.

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

__all__ = ["Engine", "prepare", "check_dout", "describe_call", "guard"]


def prepare(x, w, b=None, stride=1, padding=0, dilation=1, drop_last=False):
    """Validate the arguments of a 2-D convolution and cast them to one float dtype.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    w : array_like, shape (K, C, FH, FW)
    b : array_like, shape (K,), optional
    stride, padding, dilation : int or (int, int)
    drop_last : bool

    Returns
    -------
    x : ndarray (N, C, H, W)
    w : ndarray (K, C, FH, FW)
    b : ndarray (K,)
        Zeros when ``b`` is None.
    g : Geometry
    """
    x = as_float(x, "x")
    w = as_float(w, "w")
    g = conv_geometry(x.shape, w.shape, stride, padding, dilation, drop_last)
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
    return (f"x.shape={g.x_shape}, w.shape={g.w_shape}, stride=({g.sh}, {g.sw}), "
            f"padding=({g.ph}, {g.pw}){dil}")


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
    need = impl.bytes_needed(g, dtype, backward)
    limit = memory_limit()
    if need <= limit:
        return
    others = [(m, get(m).bytes_needed(g, dtype, backward)) for m in by_speed()
              if m != method and supports(get(m), g)]
    fits = [(m, n) for m, n in others if n <= limit]
    if fits:
        m, n = fits[0]
        advice = f"method={m!r} needs {gib(n)} and computes the same result."
    else:
        m, n = min([(method, need)] + others, key=lambda mn: mn[1])
        advice = (f"No method fits (the smallest, method={m!r}, needs {gib(n)}): split the batch "
                  f"(the memory grows with N){', or use float32' if dtype.itemsize > 4 else ''}.")
    guard_bytes(need, f"{caller}(method={method!r}) on {describe_call(g)}, {dtype}", advice)


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
        check(self.impl, g)
        guard(self.impl, self.method, g, dtype, backward, caller)

    def forward(self, x, w, b, g, ws=None, caller="conv2d"):
        """out (N, K, Hout, Wout) and the cache of a forward pass on checked arguments (:func:`prepare`)."""
        self._ready(g, x.dtype, False, caller)
        return self.impl.forward(x, w, b, g, ws)

    def backward(self, dout, cache, ws=None, caller="Conv2D.backward"):
        """(dx, dw, db) from a forward's cache; ``dout`` checked to have the output's shape."""
        g = cache[-1]
        dtype = cache[-2].dtype  # every method caches (..., w, g): w has the forward's dtype
        self._ready(g, dtype, True, caller)
        return self.impl.backward(dout.astype(dtype, copy=False), cache, ws)

    def gradients(self, dout, x, w, g, caller="conv2d_backward"):
        """(dx, dw, db) of a convolution of x with w, with no forward pass kept: the cache is rebuilt."""
        self._ready(g, x.dtype, True, caller)
        return self.impl.backward(dout.astype(x.dtype, copy=False), self.impl.cache_for(x, w, g))

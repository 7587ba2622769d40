"""Every way convkit computes a 2-D convolution layer, behind one interface.

Each method module defines

``forward(x, w, b, g, ws=None) -> (out, cache)``
    x (N, C, H, W), w (K, C, FH, FW), b (K,), g a checked :class:`~convkit.geometry.Geometry`;
    out (N, K, Hout, Wout) and whatever ``backward`` needs.
``backward(dout, cache, ws=None) -> (dx, dw, db)``
    dout (N, K, Hout, Wout) -> dx (N, C, H, W), dw (K, C, FH, FW), db (K,).
``cache_for(x, w, g, ws=None) -> cache``
    What ``forward`` would have cached, without computing the output.
``bytes_needed(g, dtype, backward=False) -> int``
    The bytes of the arrays the pass will hold at its peak, from the shapes
    alone, beyond its inputs x, w, b (and dout): for the forward, the output
    and the cache; for the backward, ``cache_for`` plus ``backward``. The
    memory guard (:mod:`convkit.memory`) calls it before any allocation and
    ``tests/test_memory_guard.py`` checks it against tracemalloc's peak.

``ws`` is an optional workspace that a method may keep its buffers in between
calls (only the fast path uses one). Arguments reaching a method are already
validated and share one float dtype, so methods hold no checks of their own;
:func:`convkit.conv2d`, :func:`convkit.conv2d_backward` and
:class:`convkit.Conv2D` run the checks and the memory guard first.

A new method is a module here with these four functions, its name in
:data:`METHODS`, and in :data:`BY_SPEED` where it ranks.
"""
from importlib import import_module

from ..errors import ConvArgumentError

#: The chapter that derives each method.
METHODS = ("loops", "matrix", "im2col", "fast")

#: Fastest first on large inputs: the order in which the memory guard suggests another method.
BY_SPEED = ("fast", "im2col", "matrix", "loops")


def get(method: str):
    """The module implementing ``method`` (one of :data:`METHODS`)."""
    if method not in METHODS:
        raise ConvArgumentError(
            f"unknown method {method!r}; choose one of " + ", ".join(repr(m) for m in METHODS)
        )
    return import_module(f"{__name__}.{method}")


def by_speed():
    """Every method, fastest first (one missing from :data:`BY_SPEED` comes last)."""
    return [m for m in BY_SPEED if m in METHODS] + [m for m in METHODS if m not in BY_SPEED]

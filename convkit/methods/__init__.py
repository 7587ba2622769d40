"""Every way convkit computes a 2-D convolution layer, behind one interface.

Each method module defines

``forward(x, w, b, g, ws=None) -> (out, cache)``
    x (N, C, H, W), w (K, C, FH, FW), b (K,), g a checked :class:`~convkit.geometry.Geometry`;
    out (N, K, Hout, Wout) and whatever ``backward`` needs.
``backward(dout, cache, ws=None) -> (dx, dw, db)``
    dout (N, K, Hout, Wout) -> dx (N, C, H, W), dw (K, C, FH, FW), db (K,).
``cache_for(x, w, g, ws=None) -> cache``
    What ``forward`` would have cached, without computing the output.

``ws`` is an optional workspace that a method may keep its buffers in between
calls (only the fast path uses one). Arguments reaching a method are already
validated and share one float dtype, so methods hold no checks of their own.
"""
from importlib import import_module

from ..errors import ConvArgumentError

#: The chapter that derives each method.
METHODS = ("loops", "matrix", "im2col", "fast")


def get(method: str):
    """The module implementing ``method`` (one of :data:`METHODS`)."""
    if method not in METHODS:
        raise ConvArgumentError(
            f"unknown method {method!r}; choose one of " + ", ".join(repr(m) for m in METHODS)
        )
    return import_module(f"{__name__}.{method}")

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

A method that computes only some geometries (Winograd: 3x3, stride 1) also
defines ``check_geometry(g)``, which raises :class:`ConvArgumentError` naming
the condition, and ``supports(g) -> bool``; :func:`check` calls it.

``ws`` is an optional workspace that a method may keep its buffers in between
calls (only the fast path uses one). Arguments reaching a method are already
validated and share one float dtype, so methods hold no checks of their own:
every public function and :class:`convkit.Conv2D` reach them through the one
call pipeline, :mod:`convkit.methods.pipeline` (check the arguments, resolve the
method once, check the geometry, guard the memory, run).

The methods are peers: none imports another. What two share lives in a private
module here: :mod:`._threads` (the batch over the cores), :mod:`._numba` (loading
numba, the switch between compiled and numpy loops), :mod:`._pad`. The kernels of
one method are its own private module (:mod:`._fast_kernels`,
:mod:`._winograd_kernels`). ``pyproject.toml``'s import contracts hold this.

A new method is a module here with these four functions, its name in
:data:`METHODS` (or :data:`SPECIALISED`), and in :data:`BY_SPEED` where it ranks
(the memory guard suggests only methods from there); CONTRIBUTING.md has the steps.
"""
from importlib import import_module

from ..errors import ConvArgumentError

#: The methods that compute every geometry, in the order of the chapters that derive them.
METHODS = ("loops", "matrix", "im2col", "fast")

#: Methods for some geometries or some uses only: ``winograd`` (Chapter 10), 3x3 kernels with stride 1;
#: ``fft`` (Chapter 11), every geometry, but it pays off only for large kernels at stride 1 and is less
#: accurate than the direct methods (``convkit.methods.fft.RTOL``), so the memory guard never suggests it.
SPECIALISED = ("winograd", "fft")

#: The method every function and layer uses unless told otherwise: the fastest that computes every
#: geometry (``make bench`` and Chapter 10 measure it against the others; ``winograd`` is faster on
#: large 3x3 stride-1 layers, the benchmark's, but computes only those and rounds differently).
DEFAULT = "fast"

#: Fastest first on large inputs: the order in which the memory guard suggests another method.
BY_SPEED = ("fast", "im2col", "matrix", "loops")


def get(method: str):
    """The module implementing ``method`` (one of :data:`METHODS` or :data:`SPECIALISED`)."""
    if method not in METHODS + SPECIALISED:
        raise ConvArgumentError(
            f"unknown method {method!r}; choose one of " + ", ".join(repr(m) for m in METHODS + SPECIALISED)
        )
    return import_module(f"{__name__}.{method}")


def by_speed():
    """Every method that computes every geometry, fastest first (one missing from :data:`BY_SPEED` comes last)."""
    return [m for m in BY_SPEED if m in METHODS] + [m for m in METHODS if m not in BY_SPEED]


def check(impl, g) -> None:
    """Raise ConvArgumentError if the method module ``impl`` cannot compute geometry ``g`` (e.g. Winograd on 5x5)."""
    if hasattr(impl, "check_geometry"):
        impl.check_geometry(g)


def supports(impl, g) -> bool:
    """Whether the method module ``impl`` computes geometry ``g``: every method but Winograd computes every one."""
    return impl.supports(g) if hasattr(impl, "supports") else True


def runtime() -> dict:
    """How the engines run on this machine, for a reader to print (Chapter 10).

    Returns
    -------
    dict
        ``cores``: the cores this process may use; ``threads``: the threads a large batch is split
        over; ``split_from``: the multiply-adds from which a batch is split; ``loops``: the fast
        path's im2col/col2im for a large problem, "numba" (compiled) or "numpy". Asking never
        imports numba.
    """
    from . import _numba, _threads

    return {"cores": _threads.cores(), "threads": _threads.WORKERS, "split_from": _threads.MIN_SPLIT_MACS,
            "loops": _numba.default()}

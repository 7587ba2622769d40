"""numba for the engines' compiled loops: loaded only when a problem large enough comes.

The fast path's im2col/col2im (:mod:`._fast_kernels`) and Winograd's transforms
(:mod:`._winograd_kernels`) each have a numpy version and a numba version of the
same loops. :func:`wants` is the one switch between them: numba's from
:data:`NUMBA_MIN_MACS` multiply-adds up (when numba imports), numpy's below, or
what :func:`using` imposes. numba is imported, and the kernels loaded from its
cache (or compiled), only when a problem that large first comes: that costs
about 0.5 s, and on a small problem it would save under a millisecond.

Deciding, and estimating memory, never imports numba (:func:`installed` looks
for it without importing it): a refused call is answered in milliseconds.
"""
from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
import threading
from pathlib import Path

#: Problems (multiply-adds of the forward) from this size up use numba's kernels, smaller ones numpy's.
#: One forward+backward of that size takes a few ms, of which numba's kernels save 20-30%; below it they
#: save under a millisecond a call, while importing numba and loading its kernels costs ~0.5 s once per
#: process. So a reader's small examples (and a process that only runs them) never wait for numba.
NUMBA_MIN_MACS = 2**23

_forced = None  # "numpy" or "numba" inside :func:`using`, else None
_NOT_TRIED = object()
_module = _NOT_TRIED  # the numba module once tried (None if missing or disabled)
_loading = threading.Lock()


def cache_dir() -> Path:
    """Where numba keeps the compiled kernels: the user's cache directory, never inside the package.

    An install may be read-only or shared by several users, so numba's default (``__pycache__`` beside
    the source) would fail or litter it. ``NUMBA_CACHE_DIR``, when set, wins, as numba documents.
    """
    if os.environ.get("NUMBA_CACHE_DIR"):
        return Path(os.environ["NUMBA_CACHE_DIR"])
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "convkit" / "numba"


def installed() -> bool:
    """Whether numba's kernels can be had, decided without importing numba (if not imported yet)."""
    if _module is not _NOT_TRIED:
        return _module is not None
    if os.environ.get("NUMBA_DISABLE_JIT", "0") not in ("", "0"):
        return False
    return importlib.util.find_spec("numba") is not None


def module():
    """The numba module, imported on the first call; None when numba is missing or disabled
    (``NUMBA_DISABLE_JIT=1``: the loops would run as Python)."""
    global _module
    with _loading:  # two threads asking at once import it once
        if _module is _NOT_TRIED:
            try:
                import numba
            except ImportError:  # the engines still work, with numpy
                numba = None
            _module = None if numba is None or numba.config.DISABLE_JIT else numba
    return _module


def compile(fn, **options):
    """``fn`` compiled by numba (:func:`module` must have loaded it), nogil, cached in :func:`cache_dir`."""
    numba = module()
    # nogil: the engines run two blocks side by side in threads.
    # cache: compiled once per dtype, then loaded by later processes from cache_dir(). numba picks the
    # cache's place when the function is decorated, from its global CACHE_DIR: set it for our kernels
    # only, and put back what was there for everybody else's.
    saved, numba.config.CACHE_DIR = numba.config.CACHE_DIR, str(cache_dir())
    try:
        return numba.njit(nogil=True, cache=True, **options)(fn)
    finally:
        numba.config.CACHE_DIR = saved


def wants(macs) -> bool:
    """Whether a problem of ``macs`` multiply-adds gets the numba kernels: :func:`using`'s choice inside
    one, else from :data:`NUMBA_MIN_MACS` up when numba is :func:`installed`. Imports nothing."""
    if _forced is not None:
        return _forced == "numba"
    return macs >= NUMBA_MIN_MACS and installed()


@contextlib.contextmanager
def using(kind):
    """Make every engine use ``"numpy"`` or ``"numba"`` kernels, whatever the problem's size, inside a
    ``with`` block: for tests and benchmarks."""
    global _forced
    if kind not in ("numpy", "numba"):
        raise ValueError(f"kind must be 'numpy' or 'numba'; got {kind!r}")
    saved, _forced = _forced, kind
    try:
        yield
    finally:
        _forced = saved


def kinds() -> list[str]:
    """The kernel kinds this machine has, for tests and benchmarks: "numpy", and "numba" when it loads."""
    return ["numpy"] + (["numba"] if module() is not None else [])


def default() -> str:
    """The kind a large problem gets: "numba" when it is installed, else "numpy"."""
    return "numba" if installed() else "numpy"

"""The memory guard: refuse, before allocating, a call that would exhaust the machine.

``conv2d(x, w, method="matrix")`` on a (2, 3, 224, 224) batch with 64 3x3
filters asks numpy for a 3.5 TiB W*; a column matrix or a dense ``conv_matrix``
can outgrow a laptop as easily. So every convkit function that builds a large
array first estimates the bytes its arrays will hold at their peak, from the
shapes alone: each method's ``bytes_needed(g, dtype, backward)`` in
:mod:`convkit.methods`, and ``*_bytes`` next to :func:`convkit.im2col`,
:func:`convkit.col2im` and :func:`convkit.conv_matrix`. Above the limit
:func:`guard` raises :class:`~convkit.errors.ConvArgumentError` with the size in
GiB and the caller's advice (for a convolution, the method that fits:
:func:`convkit.methods.pipeline.guard`).

This module is a leaf: it imports nothing of convkit but the error type, so
that everything may use it.

The limit, first found wins:

1. :func:`set_memory_limit` (e.g. ``set_memory_limit("16 GiB")``);
2. the environment variable ``CONVKIT_MEMORY_LIMIT``, read at each call;
3. :data:`DEFAULT_FRACTION` of the machine's memory: the physical memory
   (``os.sysconf`` on Linux and macOS), or a container's cgroup limit if lower,
   or :data:`FALLBACK_BYTES` where neither can be read (e.g. Windows).

A limit is a number of bytes, a string with a unit (``"512 MiB"``, ``"8GiB"``,
``"2.5 GB"``), a percentage of the machine's memory (``"80%"``) or ``"off"``.
"""
from __future__ import annotations

import functools
import math
import numbers
import os
import re

from .errors import ConvArgumentError

__all__ = ["memory_limit", "set_memory_limit", "machine_memory", "guard", "gib"]

#: Share of the machine's memory one call may take by default: a call that needs more
#: either fails or pushes everything else into swap.
DEFAULT_FRACTION = 0.5
#: Machine memory assumed when it cannot be read: a small laptop's.
FALLBACK_BYTES = 8 * 2**30
#: The environment variable that sets the limit.
ENV_VAR = "CONVKIT_MEMORY_LIMIT"

_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}
_OFF = ("off", "inf")
#: cgroup v2, then v1: a container's memory limit.
_CGROUP_FILES = ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")
_override = None  # (bytes, the value as the user gave it), set by set_memory_limit


@functools.lru_cache(maxsize=None)
def machine_memory() -> int | None:
    """Bytes of memory this process can have: physical memory, or the cgroup limit if lower.

    None when neither can be read (the default limit then assumes :data:`FALLBACK_BYTES`).
    """
    sizes = []
    try:  # Linux, macOS, the BSDs
        sizes.append(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        pass
    # A container (Docker, many notebook services) may allow less than the host has.
    for path in _CGROUP_FILES:
        try:
            with open(path) as f:
                text = f.read().strip()
        except OSError:
            continue
        if text.isdigit():  # cgroup v2 writes "max" when there is no limit
            sizes.append(int(text))
    sizes = [s for s in sizes if s > 0]
    return min(sizes) if sizes else None


def _parse(value, name: str) -> float:
    """A limit as given by the user -> bytes (math.inf for "off")."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        size = float(value)
    elif isinstance(value, str):
        text = value.strip().lower()
        if text in _OFF:
            return math.inf
        m = re.fullmatch(r"(\d+(?:\.\d*)?(?:e[+-]?\d+)?)\s*(%|[kmgt]i?b|b)?", text)
        if m is None:
            raise ConvArgumentError(
                f"{name} must be a number of bytes, a size such as '8 GiB' or '512MB', a percentage of "
                f"the machine's memory such as '80%', or 'off'; got {name}={value!r}"
            )
        number, unit = float(m[1]), m[2] or ""
        size = number / 100 * (machine_memory() or FALLBACK_BYTES) if unit == "%" else number * _UNITS[unit]
    else:
        raise ConvArgumentError(f"{name} must be a number of bytes or a string such as '8 GiB'; got {name}={value!r}")
    if not size > 0:
        raise ConvArgumentError(f"{name} must be positive; got {name}={value!r}")
    return size


def gib(nbytes: float) -> str:
    """``nbytes`` in GiB, as a message shows it: '3,534 GiB', '71.5 GiB', '0.0703 GiB'."""
    v = nbytes / 2**30
    if v >= 1000:
        return f"{v:,.0f} GiB"
    return f"{v:.3g} GiB" if v >= 0.001 else "< 0.001 GiB"


def _limit() -> tuple[float, str]:
    """The limit in force, in bytes, and where it comes from (for messages)."""
    if _override is not None:
        size, given = _override
        return size, f"set by convkit.set_memory_limit({given!r})"
    env = os.environ.get(ENV_VAR)
    if env is not None and env.strip():
        return _parse(env, ENV_VAR), f"from {ENV_VAR}={env!r}"
    machine = machine_memory()
    if machine is None:
        return DEFAULT_FRACTION * FALLBACK_BYTES, (
            f"{DEFAULT_FRACTION:.0%} of {gib(FALLBACK_BYTES)}, assumed because this machine's memory cannot be read"
        )
    return DEFAULT_FRACTION * machine, f"{DEFAULT_FRACTION:.0%} of this machine's {gib(machine)}"


def memory_limit() -> float:
    """Bytes one convkit call may allocate (``math.inf`` when the guard is off). See :mod:`convkit.memory`."""
    return _limit()[0]


def set_memory_limit(limit):
    """Set the memory one convkit call may allocate; ``None`` returns to the default.

    Parameters
    ----------
    limit : int, float, str or None
        Bytes (``16 * 2**30``), a size with a unit (``"16 GiB"``, ``"500 MB"``), a
        percentage of the machine's memory (``"80%"``), ``"off"`` to remove the
        guard, or None to go back to ``CONVKIT_MEMORY_LIMIT`` if it is set, else
        :data:`DEFAULT_FRACTION` of the machine's memory.

    Returns
    -------
    The previous setting (None if there was none), so that it can be restored.

    Examples
    --------
    >>> previous = set_memory_limit("64 GiB")
    >>> memory_limit() == 64 * 2**30
    True
    >>> _ = set_memory_limit(previous)
    """
    global _override
    previous = None if _override is None else _override[1]
    _override = None if limit is None else (_parse(limit, "limit"), limit)
    return previous


def guard(need: int, what: str, advice: str = "") -> None:
    """Raise :class:`ConvArgumentError` if ``need`` bytes are more than the limit.

    Parameters
    ----------
    need : int
        The estimate of the call's peak, in bytes.
    what : str
        The call, as the message should name it ("conv2d(method='matrix') on x.shape=...").
    advice : str
        What to do instead (a method that fits, a smaller function), a sentence or "".
    """
    limit, source = _limit()
    if need <= limit:
        return
    machine = machine_memory()
    if machine is not None and need > machine:
        allow = f"This machine has only {gib(machine)}, so raising the limit would not help."
    else:
        allow = (f"To allow it anyway: convkit.set_memory_limit('{math.ceil(need / 2**30)} GiB'), or the "
                 f"environment variable {ENV_VAR}; 'off' removes the guard.")
    raise ConvArgumentError(
        f"{what} would need about {gib(need)} of memory, more than convkit's limit of {gib(limit)} "
        f"({source}). {advice + ' ' if advice else ''}{allow}"
    )

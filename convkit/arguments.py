"""Reading and checking the arguments every convkit function takes.

Each reader takes a value as the user gave it and returns it in one form (an int, an
``(h, w)`` pair, a float array), or raises :class:`~convkit.errors.ConvArgumentError`
with a message that names the argument and shows its value, never a whole array
(:func:`describe`). They hold no convolution arithmetic: that is :mod:`convkit.geometry`.
"""
from __future__ import annotations

import numbers

import numpy as np

from .errors import ConvArgumentError

__all__ = ["is_int", "describe", "as_int", "as_pair", "as_flag", "as_shape4", "as_float", "float_dtype",
           "as_bias", "resolve_padding", "as_padding", "as_layout"]


def is_int(v) -> bool:
    """Whether ``v`` is an integer (a Python or numpy int; never a bool)."""
    return isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_))


def describe(value, limit: int = 60) -> str:
    """``value`` as an error message shows it: short, never a whole array.

    Arrays (anything with a shape and more than one entry) are named by their
    shape and dtype; anything else by its repr, cut to ``limit`` characters.
    """
    shape = getattr(value, "shape", None)
    if shape is not None and np.ndim(value) > 0:
        return f"an array of shape {tuple(shape)} ({getattr(value, 'dtype', '?')})"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def as_int(value, name: str, minimum: int) -> int:
    """``value`` as an int, checked to be at least ``minimum`` (a size, a stride, a channel count)."""
    if not is_int(value) or value < minimum:
        raise ConvArgumentError(f"{name} must be an int >= {minimum}; got {name}={describe(value)}")
    return int(value)


def as_pair(value, name: str, minimum: int) -> tuple[int, int]:
    """Read an int or an ``(h, w)`` pair of ints, each at least ``minimum``.

    Parameters
    ----------
    value : int or (int, int)
        ``stride``, ``padding`` or ``dilation`` (or a kernel size) as the user gave it.
    name : str
        The argument's name, used in the error message.
    minimum : int
        Smallest allowed value (1 for strides and kernel sizes, 0 for padding).

    Returns
    -------
    (int, int)
        The value for the height and for the width.
    """
    if is_int(value):
        pair = (int(value), int(value))
    elif isinstance(value, (tuple, list)) and len(value) == 2 and all(map(is_int, value)):
        pair = (int(value[0]), int(value[1]))
    else:
        raise ConvArgumentError(
            f"{name} must be an int or a pair of ints (height, width); got {name}={describe(value)}"
        )
    if min(pair) < minimum:
        raise ConvArgumentError(f"{name} must be >= {minimum}; got {name}={describe(value)}")
    return pair


def as_flag(value, name: str) -> bool:
    """A True/False option, checked (a stray positional argument must not pass as one)."""
    if not isinstance(value, (bool, np.bool_)):
        raise ConvArgumentError(f"{name} must be True or False; got {name}={describe(value)}")
    return bool(value)


def as_shape4(shape, name: str, layout: str) -> tuple[int, int, int, int]:
    """A 4-D shape with no empty dimension; ``layout`` (e.g. "(N, C, H, W)") names its axes in the message."""
    shape = tuple(shape)
    if len(shape) != 4:
        raise ConvArgumentError(f"{name} must be 4-D {layout}; got {name}.shape={shape}")
    if min(shape) < 1:
        raise ConvArgumentError(f"{name} has an empty dimension: {name}.shape={shape} {layout}")
    return shape


def as_float(a, name: str) -> np.ndarray:
    """``np.asarray`` with a clear error for things that are not arrays of real numbers."""
    try:
        arr = np.asarray(a)
    except Exception as exc:  # ragged lists and the like
        raise ConvArgumentError(f"{name} is not an array: {exc}") from None
    if arr.dtype.kind not in "biuf":
        raise ConvArgumentError(f"{name} must hold real numbers; got dtype {arr.dtype}")
    return arr


def float_dtype(*arrays) -> np.dtype:
    """The dtype convkit computes in: float32 if every input is float32, else float64.

    Integers and bools are promoted to float64; complex and object arrays are refused.
    """
    for a in arrays:
        if a.dtype.kind not in "biuf":
            raise ConvArgumentError(f"expected real numbers; got an array of dtype {a.dtype}")
    dt = np.result_type(*arrays)
    if dt == np.float32:
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def as_bias(b, n: int, dtype, what: str = "(K,)", per: str = "one per filter") -> np.ndarray:
    """The bias as an ``(n,)`` array of ``dtype`` (zeros if ``b`` is None).

    ``what`` and ``per`` name its shape and meaning in the message: ``(K,)``, one per filter, for a
    convolution; ``(C,)``, one per output channel, for a transposed one.
    """
    if b is None:
        return np.zeros(n, dtype=dtype)
    b = as_float(b, "b")
    if b.shape != (n,):
        raise ConvArgumentError(f"b must have shape {what} = ({n},), {per}; got b.shape={b.shape}")
    return b.astype(dtype, copy=False)


def resolve_padding(padding, pad):
    """``padding``, or its alias ``pad`` (Deep Learning from Scratch's and cs231n's name) when given.

    Giving both with different values is refused: one of them would be ignored.
    """
    if pad is None:
        return padding
    given = not (is_int(padding) and padding == 0)  # 0 is every function's default
    if given and padding != pad:
        raise ConvArgumentError(
            f"padding and its alias pad are both given, with different values (padding={describe(padding)}, "
            f"pad={describe(pad)}): give one"
        )
    return pad


def as_padding(value):
    """A convolution's ``padding``: ``"same"``, or ((top, bottom), (left, right)), each at least 0.

    An int P or a pair (PH, PW) pads both sides alike and becomes ((P, P), (P, P)) or
    ((PH, PH), (PW, PW)); ((top, bottom), (left, right)) pads each side its own amount;
    ``"same"`` is resolved against the kernel by :func:`convkit.geometry.conv_geometry`.
    """
    forms = "an int or a pair of ints (height, width), ((top, bottom), (left, right)) or 'same'"
    if isinstance(value, str):
        if value != "same":
            raise ConvArgumentError(f"padding must be {forms}; got padding={value!r}")
        return value
    nested = isinstance(value, (tuple, list)) and len(value) == 2 and all(isinstance(v, (tuple, list)) for v in value)
    if nested:
        if not all(len(v) == 2 and all(map(is_int, v)) for v in value):
            raise ConvArgumentError(f"padding must be {forms}; got padding={describe(value)}")
        sides = tuple((int(v[0]), int(v[1])) for v in value)
        if min(v for side in sides for v in side) < 0:
            raise ConvArgumentError(f"padding must be >= 0 on every side; got padding={describe(value)}")
        return sides
    if not (is_int(value) or isinstance(value, (tuple, list)) and len(value) == 2 and all(map(is_int, value))):
        raise ConvArgumentError(f"padding must be {forms}; got padding={describe(value)}")
    ph, pw = as_pair(value, "padding", 0)
    return ((ph, ph), (pw, pw))


def as_layout(value) -> str:
    """``layout``: "NCHW" (channels before the image's rows and columns) or "NHWC" (channels last)."""
    if not isinstance(value, str) or value not in ("NCHW", "NHWC"):
        raise ConvArgumentError(f"layout must be 'NCHW' or 'NHWC'; got layout={describe(value)}")
    return value

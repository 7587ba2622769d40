"""Argument checks and output-size arithmetic shared by every convkit function.

Derived in Chapter 2 (``notebooks/02_shapes.ipynb``): an input of size ``n``,
a window of size ``f``, stride ``s`` and zero padding ``p`` give

    n_out = (n - f + 2p) / s + 1

windows, and that number must be whole. Many texts floor it silently, which
drops the last rows or columns of the input without a word; convkit refuses
and says which paddings would work instead, unless the caller asks for the
flooring by name (``drop_last=True``, as PyTorch and Deep Learning from Scratch
always do).

With dilation ``d`` (Chapter 8, ``notebooks/08_dilation_transposed.ipynb``) the
kernel's taps are ``d`` apart, so the window spans ``d(f - 1) + 1`` cells and

    n_out = (n + 2p - d(f - 1) - 1) / s + 1,

PyTorch's formula; with ``d = 1`` it is the one above.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from .errors import ConvArgumentError

__all__ = ["output_size", "Geometry", "conv_geometry", "as_pair", "describe", "resolve_padding"]


def _is_int(v) -> bool:
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


def resolve_padding(padding, pad):
    """``padding``, or its alias ``pad`` (Deep Learning from Scratch's and cs231n's name) when given.

    Giving both with different values is refused: one of them would be ignored.
    """
    if pad is None:
        return padding
    given = not (_is_int(padding) and padding == 0)  # 0 is every function's default
    if given and padding != pad:
        raise ConvArgumentError(
            f"padding and its alias pad are both given, with different values (padding={describe(padding)}, "
            f"pad={describe(pad)}): give one"
        )
    return pad


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
    if _is_int(value):
        pair = (int(value), int(value))
    elif isinstance(value, (tuple, list)) and len(value) == 2 and all(map(_is_int, value)):
        pair = (int(value[0]), int(value[1]))
    else:
        raise ConvArgumentError(
            f"{name} must be an int or a pair of ints (height, width); got {name}={describe(value)}"
        )
    if min(pair) < minimum:
        raise ConvArgumentError(f"{name} must be >= {minimum}; got {name}={describe(value)}")
    return pair


def _paddings_that_work(n: int, e: int, s: int, p: int, count: int = 2) -> list[int]:
    """The ``count`` paddings nearest to ``p`` for which the output size is whole (``e``: the window's extent)."""
    found = [q for q in range(0, p + e + 2 * s + 1) if n + 2 * q >= e and (n - e + 2 * q) % s == 0]
    return sorted(found, key=lambda q: (abs(q - p), q))[:count]


def _checked_size(n: int, f: int, s: int, p: int, dim: str, symbols: tuple[str, str], d: int = 1,
                  drop_last: bool | None = None) -> int:
    """Output size along one dimension, or a ConvArgumentError that explains why not.

    ``d`` is the dilation: the window spans ``e = d(f - 1) + 1`` cells. With
    ``drop_last=True`` a non-whole size is floored (the windows stop before the
    far edge); ``None`` means the caller has no such option, so the message does
    not offer it.
    """
    N, F = symbols
    e = d * (f - 1) + 1
    extent = f"{F}={f}" if d == 1 else f"D({F} - 1) + 1 = {d}*({f} - 1) + 1 = {e}"
    if n + 2 * p < e:
        raise ConvArgumentError(
            f"the {'dilated ' if d > 1 else ''}window is larger than the padded input along the {dim}: "
            f"{extent} > {N} + 2P = {n} + 2*{p} = {n + 2 * p}"
        )
    span = n - e + 2 * p
    if span % s == 0 or drop_last:
        return span // s + 1
    if d == 1:
        formula = f"({N} - {F} + 2P)/S + 1 = ({n} - {f} + 2*{p})/{s} + 1 = {span / s + 1:g}"
    else:
        formula = (f"({N} + 2P - D({F} - 1) - 1)/S + 1 = ({n} + 2*{p} - {d}*({f} - 1) - 1)/{s} + 1 = "
                   f"{span / s + 1:g}")
    fixes = _paddings_that_work(n, e, s, p)
    if fixes:
        advice = "padding that works here: " + ", ".join(
            f"P={q} (gives {(n - e + 2 * q) // s + 1})" for q in fixes
        )
    else:
        # 2P is even, so with an even stride and an odd n - e no symmetric padding helps.
        what = f"{N} - {F}" if d == 1 else f"{N} - D({F} - 1) - 1"
        advice = (
            f"no symmetric padding works: {what} = {n - e} is odd and the stride {s} is even; "
            f"crop the input to {n - 1} or pad one side only"
        )
    leftover = span % s  # padded rows after the last window
    lost = leftover - p  # of which real input rows (the rest is the far padding)
    floor = (
        f"flooring, as PyTorch does, would give {span // s + 1} and drop {lost} row(s)/column(s) of the input"
        if lost > 0
        else f"flooring, as PyTorch does, would give {span // s + 1} and drop {leftover} of the {p} zero "
        f"padding row(s)/column(s) at the far end (no input lost, but the padding is then lopsided)"
    )
    opt_in = " To floor on purpose, pass drop_last=True." if drop_last is False else ""
    raise ConvArgumentError(
        f"the output {dim if dim != 'dimension' else 'size'} is not a whole number: {formula}. "
        f"The windows do not reach the far edge exactly; {floor}. {advice[0].upper() + advice[1:]}.{opt_in}"
    )


def output_size(n, f, stride=1, padding=0, dilation=1, *, drop_last=False, pad=None) -> int:
    """Number of window positions along one dimension: ``(n + 2*padding - dilation*(f - 1) - 1)/stride + 1``.

    Derived in Chapter 2 (``notebooks/02_shapes.ipynb``) without dilation, where
    it reads ``(n - f + 2*padding)/stride + 1``; dilation in Chapter 8.

    Parameters
    ----------
    n : int
        Input size along the dimension (H or W), before padding.
    f : int
        Window (kernel) size along the same dimension: its number of taps.
    stride : int, default 1
        Step between windows, at least 1.
    padding : int, default 0
        Zeros added on *each* side, at least 0. ``pad`` is an alias.
    dilation : int, default 1
        Distance between the kernel's taps, at least 1: the window then spans
        ``dilation*(f - 1) + 1`` cells.
    drop_last : bool, default False
        Floor a non-whole size, as PyTorch and Deep Learning from Scratch do:
        the last rows (or columns) that no window reaches are dropped. By
        default such a size is an error.

    Returns
    -------
    int
        The output size.

    Raises
    ------
    ConvArgumentError
        If the window does not fit the padded input, or if the division is not
        exact (and ``drop_last`` is False); the message gives the formula with
        the numbers and the nearest paddings that would work.

    Examples
    --------
    >>> output_size(3, 2)
    2
    >>> output_size(4, 2, stride=1, padding=1)
    5
    >>> output_size(7, 3, dilation=2)
    3
    >>> output_size(8, 3, stride=2, padding=1, drop_last=True)
    4
    """
    padding = resolve_padding(padding, pad)
    for name, v, lo in (("n", n, 1), ("f", f, 1), ("stride", stride, 1), ("padding", padding, 0),
                        ("dilation", dilation, 1)):
        if not _is_int(v) or v < lo:
            raise ConvArgumentError(f"{name} must be an int >= {lo}; got {name}={describe(v)}")
    return _checked_size(int(n), int(f), int(stride), int(padding), "dimension", ("n", "f"), int(dilation),
                         _flag(drop_last, "drop_last"))


def _flag(value, name: str) -> bool:
    """A True/False option, checked (a stray positional argument must not pass as one)."""
    if not isinstance(value, (bool, np.bool_)):
        raise ConvArgumentError(f"{name} must be True or False; got {name}={describe(value)}")
    return bool(value)


@dataclass(frozen=True)
class Geometry:
    """Every size of one 2-D convolution, checked once and passed around.

    Attributes
    ----------
    n, c, h, w : int
        Input shape (N, C, H, W).
    k, fh, fw : int
        Filter shape (K, C, FH, FW).
    sh, sw, ph, pw : int
        Stride and padding along height and width.
    ho, wo : int
        Output height and width.
    dil_h, dil_w : int
        Dilation along height and width: kernel entry (u, v) of the window at
        output (i, j) sits on padded input (i*sh + u*dil_h, j*sw + v*dil_w).
    """

    n: int
    c: int
    h: int
    w: int
    k: int
    fh: int
    fw: int
    sh: int
    sw: int
    ph: int
    pw: int
    ho: int
    wo: int
    dil_h: int = 1
    dil_w: int = 1

    @property
    def span_h(self) -> int:
        """Rows the dilated window spans: ``dil_h*(fh - 1) + 1``."""
        return self.dil_h * (self.fh - 1) + 1

    @property
    def span_w(self) -> int:
        """Columns the dilated window spans: ``dil_w*(fw - 1) + 1``."""
        return self.dil_w * (self.fw - 1) + 1

    @property
    def x_shape(self) -> tuple[int, int, int, int]:
        return (self.n, self.c, self.h, self.w)

    @property
    def w_shape(self) -> tuple[int, int, int, int]:
        return (self.k, self.c, self.fh, self.fw)

    @property
    def out_shape(self) -> tuple[int, int, int, int]:
        return (self.n, self.k, self.ho, self.wo)

    @property
    def padded_hw(self) -> tuple[int, int]:
        return (self.h + 2 * self.ph, self.w + 2 * self.pw)

    @property
    def macs(self) -> int:
        """Multiply-adds of the forward pass: N*K*C*FH*FW*Hout*Wout."""
        return self.n * self.k * self.c * self.fh * self.fw * self.ho * self.wo


def _shape4(shape, name: str, layout: str) -> tuple[int, int, int, int]:
    shape = tuple(shape)
    if len(shape) != 4:
        raise ConvArgumentError(f"{name} must be 4-D {layout}; got {name}.shape={shape}")
    if min(shape) < 1:
        raise ConvArgumentError(f"{name} has an empty dimension: {name}.shape={shape} {layout}")
    return shape


def conv_geometry(x_shape, w_shape, stride=1, padding=0, dilation=1, drop_last=False) -> Geometry:
    """Check the shapes, stride, padding and dilation of a 2-D convolution and size its output.

    Parameters
    ----------
    x_shape : tuple
        Input shape (N, C, H, W).
    w_shape : tuple
        Filter shape (K, C, FH, FW).
    stride, padding, dilation : int or (int, int)
        Same for both dimensions, or (height, width).
    drop_last : bool
        Floor a non-whole output size instead of refusing it (see :func:`output_size`).

    Returns
    -------
    Geometry
    """
    n, c, h, w = _shape4(x_shape, "x", "(N, C, H, W)")
    k, cw, fh, fw = _shape4(w_shape, "w", "(K, C, FH, FW)")
    if c != cw:
        raise ConvArgumentError(
            f"channel mismatch: x has C={c} channels (x.shape={tuple(x_shape)}) but w expects "
            f"C={cw} (w.shape={tuple(w_shape)})"
        )
    sh, sw = as_pair(stride, "stride", 1)
    ph, pw = as_pair(padding, "padding", 0)
    dh, dw = as_pair(dilation, "dilation", 1)
    drop_last = _flag(drop_last, "drop_last")
    ho = _checked_size(h, fh, sh, ph, "height", ("H", "FH"), dh, drop_last)
    wo = _checked_size(w, fw, sw, pw, "width", ("W", "FW"), dw, drop_last)
    return Geometry(n, c, h, w, k, fh, fw, sh, sw, ph, pw, ho, wo, dh, dw)


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


def as_float(a, name: str) -> np.ndarray:
    """``np.asarray`` with a clear error for things that are not arrays of real numbers."""
    try:
        arr = np.asarray(a)
    except Exception as exc:  # ragged lists and the like
        raise ConvArgumentError(f"{name} is not an array: {exc}") from None
    if arr.dtype.kind not in "biuf":
        raise ConvArgumentError(f"{name} must hold real numbers; got dtype {arr.dtype}")
    return arr


def check_bias(b, k: int, dtype) -> np.ndarray:
    """Return the bias as a (K,) array of ``dtype`` (zeros if ``b`` is None)."""
    if b is None:
        return np.zeros(k, dtype=dtype)
    b = as_float(b, "b")
    if b.shape != (k,):
        raise ConvArgumentError(f"b must have shape (K,) = ({k},), one per filter; got b.shape={b.shape}")
    return b.astype(dtype, copy=False)


def prepare_conv2d(x, w, b=None, stride=1, padding=0, dilation=1, drop_last=False):
    """Validate the arguments of a 2-D convolution and cast them to one float dtype.

    Returns
    -------
    x : ndarray (N, C, H, W)
    w : ndarray (K, C, FH, FW)
    b : ndarray (K,)
    g : Geometry
    """
    x = as_float(x, "x")
    w = as_float(w, "w")
    g = conv_geometry(x.shape, w.shape, stride, padding, dilation, drop_last)
    extra = [as_float(b, "b")] if b is not None else []
    dt = float_dtype(x, w, *extra)
    return x.astype(dt, copy=False), w.astype(dt, copy=False), check_bias(b, g.k, dt), g

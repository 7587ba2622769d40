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

from dataclasses import dataclass, replace

from .arguments import as_flag, as_int, as_layout, as_padding, as_pair, as_shape4, resolve_padding
from .errors import ConvArgumentError

__all__ = ["output_size", "transposed_output_size", "Geometry", "conv_geometry", "transposed_geometry", "checked_size",
           "checked_groups", "symmetric"]


def _paddings_that_work(n: int, e: int, s: int, p: int, count: int = 2) -> list[int]:
    """The ``count`` paddings nearest to ``p`` for which the output size is whole (``e``: the window's extent)."""
    found = [q for q in range(0, p + e + 2 * s + 1) if n + 2 * q >= e and (n - e + 2 * q) % s == 0]
    return sorted(found, key=lambda q: (abs(q - p), q))[:count]


def checked_size(n: int, f: int, s: int, p: int, dim: str, symbols: tuple[str, str], d: int = 1,
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
    padding : int, (int, int) or "same", default 0
        Zeros added on *each* side, at least 0; or (before, after), zeros on
        each side (Chapter 11); or "same" (stride 1 only): ``dilation*(f - 1)``
        in all, so the size is ``n``. ``pad`` is an alias.
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
    >>> output_size(7, 4, padding="same")
    7
    >>> output_size(7, 4, padding=(1, 2))
    7
    """
    padding = resolve_padding(padding, pad)
    n, f, stride = as_int(n, "n", 1), as_int(f, "f", 1), as_int(stride, "stride", 1)
    if padding == "same" or isinstance(padding, (tuple, list)):  # a dummy width of 1, unpadded
        sides = padding if padding == "same" else (padding, (0, 0))
        g = conv_geometry((1, 1, n, 1), (1, 1, f, 1), (stride, 1), sides, (as_int(dilation, "dilation", 1), 1),
                          drop_last)
        return g.ho
    padding, dilation = as_int(padding, "padding", 0), as_int(dilation, "dilation", 1)
    return checked_size(n, f, stride, padding, "dimension", ("n", "f"), dilation, as_flag(drop_last, "drop_last"))


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
    groups : int
        Channel groups (Chapter 11): the C input channels and K filters are cut
        into ``groups`` blocks, and filter block g sees only input block g, so
        w has shape (K, C/groups, FH, FW). The engines never see groups > 1: the
        pipeline runs one convolution of :attr:`per_group` per block.
    extra : (int, int, int, int)
        Padding beyond ``ph``/``pw`` on the top, bottom, left and right
        (Chapter 11): ``padding="same"`` with an even kernel, or
        ((top, bottom), (left, right)). The row padding is ``ph + extra[0]`` on
        top and ``ph + extra[1]`` below, at least one of the two extras being
        0, likewise the columns. The engines never see it: the pipeline pads x
        by ``extra`` itself and runs the symmetric geometry :attr:`inner`.
    layout : {"NCHW", "NHWC"}
        How the caller's x and output hold their axes (Chapter 11). The sizes
        above are always named as in NCHW; the engines never see "NHWC": the
        pipeline transposes at the edge (:attr:`nchw`).
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
    groups: int = 1
    extra: tuple = (0, 0, 0, 0)
    layout: str = "NCHW"

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
        return (self.k, self.c // self.groups, self.fh, self.fw)

    @property
    def out_shape(self) -> tuple[int, int, int, int]:
        return (self.n, self.k, self.ho, self.wo)

    @property
    def padded_hw(self) -> tuple[int, int]:
        return (self.h + 2 * self.ph + self.extra[0] + self.extra[1], self.w + 2 * self.pw + self.extra[2] + self.extra[3])

    @property
    def paddings(self) -> tuple[tuple[int, int], tuple[int, int]]:
        """((top, bottom), (left, right)): the zeros on each side."""
        et, eb, el, er = self.extra
        return ((self.ph + et, self.ph + eb), (self.pw + el, self.pw + er))

    @property
    def out_shape_as_given(self) -> tuple[int, int, int, int]:
        """The output's shape in the caller's layout: (N, K, Hout, Wout), or (N, Hout, Wout, K) for NHWC."""
        return self.out_shape if self.layout == "NCHW" else (self.n, self.ho, self.wo, self.k)

    @property
    def nchw(self) -> "Geometry":
        """The same convolution on NCHW arrays: what the pipeline runs after transposing x."""
        return replace(self, layout="NCHW")

    @property
    def inner(self) -> "Geometry":
        """The symmetric convolution the engines run: the input padded by ``extra``, then by ph, pw."""
        et, eb, el, er = self.extra
        return replace(self, h=self.h + et + eb, w=self.w + el + er, extra=(0, 0, 0, 0))

    @property
    def macs(self) -> int:
        """Multiply-adds of the forward pass: N*K*(C/groups)*FH*FW*Hout*Wout."""
        return self.n * self.k * (self.c // self.groups) * self.fh * self.fw * self.ho * self.wo

    @property
    def per_group(self) -> "Geometry":
        """The convolution of one channel group: C/groups channels, K/groups filters, groups 1."""
        return replace(self, c=self.c // self.groups, k=self.k // self.groups, groups=1)


def checked_groups(groups, c: int, k: int) -> int:
    """``groups``, checked to be an int >= 1 that divides both C and K."""
    groups = as_int(groups, "groups", 1)
    if c % groups or k % groups:
        raise ConvArgumentError(
            f"groups={groups} must divide C={c} and K={k}: each of the {groups} groups takes C/groups input "
            f"channels and K/groups filters"
        )
    return groups


def _options(stride, padding, dilation):
    """The (height, width) pairs of stride (>= 1), padding (>= 0) and dilation (>= 1), checked."""
    return as_pair(stride, "stride", 1), as_pair(padding, "padding", 0), as_pair(dilation, "dilation", 1)


def conv_geometry(x_shape, w_shape, stride=1, padding=0, dilation=1, drop_last=False, groups=1,
                  layout="NCHW") -> Geometry:
    """Check the shapes, stride, padding and dilation of a 2-D convolution and size its output.

    Parameters
    ----------
    x_shape : tuple
        Input shape (N, C, H, W).
    w_shape : tuple
        Filter shape (K, C/groups, FH, FW).
    stride, dilation : int or (int, int)
        Same for both dimensions, or (height, width).
    padding : int, (int, int), ((int, int), (int, int)) or "same"
        Zeros on both sides alike, per dimension, or per side ((top, bottom),
        (left, right)); "same" (stride 1 only) pads D(F - 1) in all, the odd one
        at the bottom (right), as PyTorch does, so that the output has the input's size.
    drop_last : bool
        Floor a non-whole output size instead of refusing it (see :func:`output_size`).
    groups : int
        Channel groups; must divide C and K (see :class:`Geometry`).
    layout : {"NCHW", "NHWC"}
        How ``x_shape`` orders its axes: (N, C, H, W), or (N, H, W, C) (Chapter 11). Messages quote it as given.

    Returns
    -------
    Geometry
    """
    if as_layout(layout) == "NHWC":
        n, h, w, c = as_shape4(x_shape, "x", "(N, H, W, C) with layout='NHWC'")
    else:
        n, c, h, w = as_shape4(x_shape, "x", "(N, C, H, W)")
    k, cw, fh, fw = as_shape4(w_shape, "w", "(K, C, FH, FW)" if groups == 1 else "(K, C/groups, FH, FW)")
    groups = checked_groups(groups, c, k)
    if c != cw * groups:
        per = "" if groups == 1 else f" = groups * w.shape[1] = {groups}*{cw}, with groups={groups}"
        raise ConvArgumentError(
            f"channel mismatch: x has C={c} channels (x.shape={tuple(x_shape)}) but w expects "
            f"C={cw * groups}{per} (w.shape={tuple(w_shape)})"
        )
    (sh, sw), _, (dh, dw) = _options(stride, 0, dilation)
    (pt, pb), (pl, pr) = _sides(padding, stride, (sh, sw), (dh * (fh - 1), dw * (fw - 1)))
    ph, pw = min(pt, pb), min(pl, pr)
    extra = (pt - ph, pb - ph, pl - pw, pr - pw)
    drop_last = as_flag(drop_last, "drop_last")
    # Uneven padding: the sizes are those of the input with its extra rows and columns (Geometry.inner).
    ho = checked_size(h + extra[0] + extra[1], fh, sh, ph, "height", ("H", "FH"), dh, drop_last)
    wo = checked_size(w + extra[2] + extra[3], fw, sw, pw, "width", ("W", "FW"), dw, drop_last)
    return Geometry(n, c, h, w, k, fh, fw, sh, sw, ph, pw, ho, wo, dh, dw, groups, extra, layout)


def _sides(padding, stride, strides, spans):
    """((top, bottom), (left, right)) of ``padding``; "same" pads ``spans`` = D(F - 1), the odd one after."""
    sides = as_padding(padding)
    if sides != "same":
        return sides
    check_same_stride(stride, strides)
    return tuple((s // 2, s - s // 2) for s in spans)


def check_same_stride(stride, strides: tuple[int, int]) -> None:
    """A ConvArgumentError unless ``strides`` (``stride`` as given, as a pair) is (1, 1): what "same" needs."""
    if strides != (1, 1):
        raise ConvArgumentError(
            f"padding='same' needs stride 1 (as in PyTorch): with stride S the output is about H/S, never H; "
            f"got stride={stride!r}. Give the padding as numbers for a strided convolution"
        )


def symmetric(g: Geometry, caller: str) -> Geometry:
    """``g``, or a ConvArgumentError if its padding differs between two sides (``caller`` pads both alike)."""
    if any(g.extra):
        raise ConvArgumentError(
            f"{caller} pads both sides of a dimension alike; got the paddings ((top, bottom), (left, right)) = "
            f"{g.paddings}: give an int or a pair (height, width), or pad x with np.pad first"
        )
    return g


def transposed_geometry(y_shape, w_shape, stride=1, padding=0, dilation=1, output_padding=0, groups=1) -> Geometry:
    """The geometry of the convolution a transposed convolution transposes (Chapter 8).

    The transposed convolution of ``y`` (N, K, Hy, Wy) with ``w`` (K, C, FH, FW) is the adjoint of a
    convolution whose output has y's shape: this is that convolution's geometry. Its input shape
    ``x_shape`` (N, C, H, W) is the transposed convolution's output,
    ``H = (Hy - 1)*SH - 2*PH + DH*(FH - 1) + 1 + output_padding``, and its ``out_shape`` is y's shape.

    Parameters
    ----------
    y_shape : tuple
        (N, K, Hy, Wy).
    w_shape : tuple
        (K, C/groups, FH, FW), the layout of the forward convolution.
    stride, padding, dilation, output_padding : int or (int, int)
        ``output_padding`` (0 to stride - 1) picks among the stride's worth of input sizes that a
        rounded-down convolution maps to y's size.
    groups : int
        Channel groups of the forward convolution; must divide K and C = groups * w.shape[1].

    Returns
    -------
    Geometry
    """
    n, k, hy, wy = as_shape4(y_shape, "y", "(N, K, Hy, Wy)")
    kw, cg, fh, fw = as_shape4(w_shape, "w", "(K, C, FH, FW)" if groups == 1 else "(K, C/groups, FH, FW)")
    groups = as_int(groups, "groups", 1)
    c = cg * groups
    if k != kw:
        raise ConvArgumentError(
            f"channel mismatch: y has K={k} channels (y.shape={tuple(y_shape)}) but w has K={kw} filters "
            f"(w.shape={tuple(w_shape)}); w has the layout (K, C, FH, FW) of the convolution it transposes"
        )
    checked_groups(groups, c, k)
    (sh, sw), (ph, pw), (dh, dw) = _options(stride, padding, dilation)
    oh, ow = as_pair(output_padding, "output_padding", 0)
    if oh >= sh or ow >= sw:
        raise ConvArgumentError(
            f"output_padding must be smaller than the stride: it adds 0 to S - 1 rows (columns) to pick one of "
            f"the S input sizes that a strided convolution maps to y's size; got output_padding="
            f"{output_padding!r} with stride={stride!r}"
        )
    h = (hy - 1) * sh - 2 * ph + dh * (fh - 1) + 1 + oh
    w = (wy - 1) * sw - 2 * pw + dw * (fw - 1) + 1 + ow
    for dim, size, ny, s, p, d, f, o in (("height", h, hy, sh, ph, dh, fh, oh), ("width", w, wy, sw, pw, dw, fw, ow)):
        if size < 1:
            raise ConvArgumentError(
                f"the transposed convolution's output {dim} would be (Hy - 1)*S - 2P + D(F - 1) + 1 + "
                f"output_padding = ({ny} - 1)*{s} - 2*{p} + {d}*({f} - 1) + 1 + {o} = {size} < 1: "
                f"the padding crops more than the stamps cover"
            )
    # Flooring maps h, and every size up to S - 1 above it, onto hy: output_padding is that remainder.
    # The sizes are already checked, so the Geometry is built directly rather than checked again.
    ho = (h + 2 * ph - (dh * (fh - 1) + 1)) // sh + 1
    wo = (w + 2 * pw - (dw * (fw - 1) + 1)) // sw + 1
    assert (ho, wo) == (hy, wy), (h, w, y_shape)
    return Geometry(n, c, h, w, kw, fh, fw, sh, sw, ph, pw, ho, wo, dh, dw, groups)


def transposed_output_size(n, f, stride=1, padding=0, dilation=1, output_padding=0) -> int:
    """Output size of a transposed convolution along one dimension.

    ``(n - 1)*stride - 2*padding + dilation*(f - 1) + 1 + output_padding``: the
    input size of the convolution whose output size is ``n``, solved from
    :func:`output_size`. For stride > 1 several input sizes give the
    same ``n`` when the forward floors (``drop_last=True``): this is the
    smallest, and ``output_padding`` (0 to stride - 1) picks a larger one.

    Derived in Chapter 8 (``notebooks/08_dilation_transposed.ipynb``).

    Parameters
    ----------
    n : int
        Size of the transposed convolution's input (the forward's output).
    f, stride, padding, dilation, output_padding : int

    Returns
    -------
    int

    Examples
    --------
    >>> transposed_output_size(4, 3, stride=2, padding=1)
    7
    >>> transposed_output_size(4, 3, stride=2, padding=1, output_padding=1)
    8
    """
    n, f, stride = as_int(n, "n", 1), as_int(f, "f", 1), as_int(stride, "stride", 1)
    padding, dilation = as_int(padding, "padding", 0), as_int(dilation, "dilation", 1)
    output_padding = as_int(output_padding, "output_padding", 0)
    if output_padding >= stride:
        raise ConvArgumentError(f"output_padding must be smaller than the stride; got output_padding={output_padding} "
                                f"with stride={stride}")
    # The width is a dummy dimension of size 1 that maps to itself.
    g = transposed_geometry((1, 1, n, 1), (1, 1, f, 1), (stride, 1), (padding, 0), (dilation, 1), (output_padding, 0))
    return g.h

"""Step-through widgets for the chapters (anywidget: the same front end live and in the static book).

Needs anywidget (and so ipywidgets); the numerical core does not. Each widget's
stepping logic is plain JavaScript in ``convkit/widgets_js/``: it runs in the
page from the saved widget state, so the rendered book's widgets work with no
kernel and no network. The Python side sends the data and, for checking,
convkit's own result for the starting geometry.
"""
from __future__ import annotations

from pathlib import Path

import anywidget
import numpy as np
import traitlets

from .arguments import describe, is_int
from .conv1d import conv1d_backward
from .conv2d import conv2d, conv2d_backward
from .conv_matrix import conv_matrix
from .errors import ConvArgumentError
from .geometry import conv_geometry
from .im2col import col2im, im2col
from .transposed import conv_transpose2d

__all__ = ["WindowStepper", "MatrixExplorer", "BackpropStepper", "Im2colStepper", "ChannelStepper",
           "TransposedStepper", "ReceptiveFieldExplorer"]


class _Stepper(anywidget.AnyWidget):
    """Shared by every widget: one front-end module, a renderer chosen by ``kind``, a position ``step``."""

    _esm = Path(__file__).with_name("widgets_js") / "steppers.js"
    kind = traitlets.Unicode().tag(sync=True)
    step = traitlets.Int(0).tag(sync=True)


def _numbers(a):
    return np.asarray(a).tolist()


def _grid(a, name):
    a = np.asarray(a)
    if a.ndim != 2 or a.size == 0 or a.dtype.kind not in "biuf":
        raise ConvArgumentError(f"{name} must be a non-empty 2-D array of numbers; got shape {a.shape}")
    return [[v.item() for v in row] for row in a]


class WindowStepper(_Stepper):
    """Slide a kernel over an input one window at a time (Chapters 1, 2 and 5).

    Shows the input (with its padding), the kernel and the output; highlights
    the current window and the output cell it fills, and spells out its
    products and their sum. Controls: previous, next, play/pause, a position
    slider, and stride, padding and kernel size (the page recomputes the
    geometry and says when it is not valid, with the formula). A kernel made
    smaller keeps the given kernel's top-left weights; a kernel made larger keeps
    them in the top-left corner and fills each new cell with its place in reading
    order (1, 2, 3, ...), a stand-in weight: the page outlines those cells and
    says where their numbers come from.

    Parameters
    ----------
    x : array_like, shape (H, W)
    w : array_like, shape (FH, FW)
        The kernel's weights (the page's model keeps them in its ``k`` trait).
    stride, padding : int
    step : int
        The window shown first, in reading order.
    """

    x = traitlets.List().tag(sync=True)
    k = traitlets.List().tag(sync=True)
    kernel_h = traitlets.Int(1).tag(sync=True)
    kernel_w = traitlets.Int(1).tag(sync=True)
    stride = traitlets.Int(1).tag(sync=True)
    padding = traitlets.Int(0).tag(sync=True)
    #: convkit's output for the starting geometry (the page recomputes it on every change).
    out = traitlets.List().tag(sync=True)

    def __init__(self, x, w, stride=1, padding=0, step=0):
        x_list, k_list = _grid(x, "x"), _grid(w, "w")
        out = conv2d(np.asarray(x)[None, None], np.asarray(w)[None, None], None, stride, padding, "loops")[0, 0]
        super().__init__(kind="windows", x=x_list, k=k_list, kernel_h=len(k_list), kernel_w=len(k_list[0]), stride=stride,
                         padding=padding, step=step, out=out.tolist())

    def __repr__(self):  # the text fallback nbval compares: deterministic, no model id
        return (f"WindowStepper(input {len(self.x)}x{len(self.x[0])}, kernel {self.kernel_h}x{self.kernel_w}, "
                f"stride {self.stride}, padding {self.padding}, output {len(self.out)}x{len(self.out[0])})")


class MatrixExplorer(_Stepper):
    """Step or point over the outputs; each one's row of W* and the inputs it touches light up (Chapter 3).

    Parameters
    ----------
    x : array_like, shape (H, W)
    w : array_like, shape (FH, FW)
    stride, padding : int
    """

    x = traitlets.List().tag(sync=True)
    m = traitlets.List().tag(sync=True)
    out = traitlets.List().tag(sync=True)

    def __init__(self, x, w, stride=1, padding=0, step=0):
        x_list, _ = _grid(x, "x"), _grid(w, "w")
        m = conv_matrix(w, np.shape(x), stride, padding)
        out = conv2d(np.asarray(x)[None, None], np.asarray(w)[None, None], None, stride, padding, "loops")[0, 0]
        super().__init__(kind="matrix", x=x_list, m=_numbers(m), out=_numbers(out), step=step)

    def __repr__(self):
        return f"MatrixExplorer(W* {len(self.m)}x{len(self.m[0])}, output {len(self.out)}x{len(self.out[0])})"


class BackpropStepper(_Stepper):
    """Watch a gradient of a convolution assembled term by term from the chain rule.

    With 1-D arrays, Chapter 4's example: step over the inputs of a valid,
    stride-1 cross-correlation and watch dL/dx_t assembled from dout and the
    flipped w. With 2-D arrays (one channel, one filter; Chapter 7), any stride
    and padding, and a choice of gradient the page can switch between:

    * ``"x"``: step over the input pixels; each dx[r, q] is the window of dy,
      dilated by the stride (S - 1 zeros between entries) and padded with
      F - 1 zeros, against w rotated by 180°;
    * ``"w"``: step over the kernel offsets; each dw[u, v] sums
      dy[i, j]·x̄[iS + u, jS + v] over the outputs (x̄: the padded input);
    * ``"b"``: step over the outputs; db is the running sum of dy.

    Parameters
    ----------
    x : array_like, shape (L,) or (H, W)
    w : array_like, shape (F,) or (FH, FW)
    dy : array_like, shape (L - F + 1,) or (Hout, Wout)
        Upstream gradient dL/dy (``dout``).
    step : int
        The position shown first (an input, a kernel offset or an output, in
        reading order).
    stride, padding : int
        2-D only (keyword only): the forward's stride and padding.
    wrt : {"x", "w", "b"}
        2-D only (keyword only): the gradient shown first.
    """

    x = traitlets.List().tag(sync=True)
    w = traitlets.List().tag(sync=True)
    dy = traitlets.List().tag(sync=True)
    #: convkit's dL/dx, which the page assembles term by term.
    dx = traitlets.List().tag(sync=True)
    #: 2-D only: convkit's dL/dw and dL/db, the forward's stride and padding, the gradient shown.
    dims = traitlets.Int(1).tag(sync=True)
    dw = traitlets.List().tag(sync=True)
    db = traitlets.Float(0.0).tag(sync=True)
    stride = traitlets.Int(1).tag(sync=True)
    padding = traitlets.Int(0).tag(sync=True)
    wrt = traitlets.Unicode("x").tag(sync=True)

    def __init__(self, x, w, dy, step=0, *, stride=1, padding=0, wrt="x"):
        if np.ndim(x) == 1:
            if (stride, padding, wrt) != (1, 0, "x"):
                raise ConvArgumentError(
                    f"the 1-D stepper shows dL/dx of a valid, stride-1 correlation (Chapter 4); got stride={stride!r}, "
                    f"padding={padding!r}, wrt={wrt!r}. Pass x, w and dy as 2-D arrays for stride, padding, dw and db"
                )
            dx, _, _ = conv1d_backward(dy, x, w)
            super().__init__(kind="backprop", x=_numbers(x), w=_numbers(w), dy=_numbers(dy), dx=_numbers(dx),
                             step=step)
            return
        x_list, w_list, dy_list = _grid(x, "x"), _grid(w, "w"), _grid(dy, "dy")
        for name, v, lo in (("stride", stride, 1), ("padding", padding, 0)):
            if not is_int(v) or v < lo:
                raise ConvArgumentError(f"{name} must be an int >= {lo} (the same for rows and columns); "
                                        f"got {name}={describe(v)}")
        if wrt not in ("x", "w", "b"):
            raise ConvArgumentError(f"wrt must be 'x', 'w' or 'b' (the gradient shown first); got wrt={wrt!r}")
        g = conv_geometry((1, 1, *np.shape(x)), (1, 1, *np.shape(w)), stride, padding)  # clear errors first
        if np.shape(dy) != (g.ho, g.wo):
            raise ConvArgumentError(f"dy must have the output's shape (Hout, Wout) = {(g.ho, g.wo)} for x of shape "
                                    f"{np.shape(x)}, w of shape {np.shape(w)}, stride {stride}, padding {padding}; "
                                    f"got dy of shape {np.shape(dy)}")
        dx, dw, db = conv2d_backward(np.asarray(dy, float)[None, None], np.asarray(x, float)[None, None],
                                     np.asarray(w, float)[None, None], stride, padding, "loops")
        super().__init__(kind="backprop", dims=2, x=x_list, w=w_list, dy=dy_list, dx=_numbers(dx[0, 0]),
                         dw=_numbers(dw[0, 0]), db=float(db[0]), stride=stride, padding=padding, wrt=wrt, step=step)

    def __repr__(self):
        if self.dims == 1:
            return f"BackpropStepper({len(self.x)} inputs, {len(self.w)} weights, {len(self.dy)} outputs)"
        return (f"BackpropStepper(input {len(self.x)}x{len(self.x[0])}, kernel {len(self.w)}x{len(self.w[0])}, "
                f"stride {self.stride}, padding {self.padding}, dy {len(self.dy)}x{len(self.dy[0])}, "
                f"showing d{self.wrt})")


class Im2colStepper(_Stepper):
    """Watch windows become columns of the im2col matrix, then col2im add them back (Chapter 5).

    When col2im has added the last column, the page outlines one pixel and spells
    out what the reader sees there: x times the number of windows covering it
    (convkit's ``back``), not x.

    Parameters
    ----------
    x : array_like, shape (H, W)
    fh, fw : int
    stride, padding : int
    """

    x = traitlets.List().tag(sync=True)
    fh = traitlets.Int().tag(sync=True)
    fw = traitlets.Int().tag(sync=True)
    stride = traitlets.Int().tag(sync=True)
    padding = traitlets.Int().tag(sync=True)
    phase = traitlets.Unicode("im2col").tag(sync=True)
    cols = traitlets.List().tag(sync=True)
    #: convkit's col2im(im2col(x)): x times the number of windows covering each pixel.
    back = traitlets.List().tag(sync=True)

    def __init__(self, x, fh, fw, stride=1, padding=0, step=0):
        x_list = _grid(x, "x")
        x4 = np.asarray(x)[None, None]
        conv_geometry(x4.shape, (1, 1, fh, fw), stride, padding)  # clear errors before anything else
        cols = im2col(x4, fh, fw, stride, padding)
        back = col2im(cols, x4.shape, fh, fw, stride, padding)[0, 0]
        super().__init__(kind="im2col", x=x_list, fh=fh, fw=fw, stride=stride, padding=padding,
                         cols=_numbers(cols), back=_numbers(back), step=step)

    def __repr__(self):
        return (f"Im2colStepper(input {len(self.x)}x{len(self.x[0])}, window {self.fh}x{self.fw}, "
                f"column matrix {len(self.cols)}x{len(self.cols[0])})")


def _array(a, name, ndim, layout):
    a = np.asarray(a)
    if a.ndim != ndim or a.size == 0 or a.dtype.kind not in "biuf":
        raise ConvArgumentError(f"{name} must be a non-empty {ndim}-D array of numbers {layout}; got shape {a.shape}"
                                + ("" if a.dtype.kind in "biuf" else f" of dtype {a.dtype}"))
    return a


class ChannelStepper(_Stepper):
    """Step over the outputs of a layer with C input channels and K filters (Chapter 6).

    For output ``y[k, i, j]`` the page outlines its window in every input
    channel and, next to it, filter k's slice for that channel; it writes out
    each channel's products and their sum, then the output: ``b[k]`` plus the
    channels' sums. Controls: previous, next, a slider over all K*Hout*Wout
    outputs (filter by filter, each in reading order) and a menu of filters
    that keeps the position.

    Parameters
    ----------
    x : array_like, shape (C, H, W)
        One image.
    w : array_like, shape (K, C, FH, FW)
    b : array_like, shape (K,), optional
        Zeros if omitted.
    stride, padding : int
    step : int
        The output shown first: ``k*Hout*Wout + i*Wout + j``.
    """

    x = traitlets.List().tag(sync=True)
    w = traitlets.List().tag(sync=True)
    b = traitlets.List().tag(sync=True)
    stride = traitlets.Int(1).tag(sync=True)
    padding = traitlets.Int(0).tag(sync=True)
    #: convkit's output, shape (K, Hout, Wout); the page computes each sum itself.
    out = traitlets.List().tag(sync=True)

    def __init__(self, x, w, b=None, stride=1, padding=0, step=0):
        x = _array(x, "x", 3, "(C, H, W)")
        w = _array(w, "w", 4, "(K, C, FH, FW)")
        b = np.zeros(w.shape[0]) if b is None else _array(b, "b", 1, "(K,)")
        if b.shape != (w.shape[0],):
            raise ConvArgumentError(f"b must have one entry per filter, shape (K,) = ({w.shape[0]},); got {b.shape}")
        for name, v in (("stride", stride), ("padding", padding)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                raise ConvArgumentError(f"{name} must be one int, the same for height and width; got {v!r}")
        out = conv2d(x[None], w, b, stride, padding, "loops")[0]  # checks the geometry, with clear errors
        if not 0 <= step < out.size:
            raise ConvArgumentError(f"step must be between 0 and K*Hout*Wout - 1 = {out.size - 1}; got {step}")
        super().__init__(kind="channels", x=_numbers(x), w=_numbers(w), b=_numbers(b), stride=int(stride),
                         padding=int(padding), out=_numbers(out), step=step)

    def __repr__(self):
        (c, h, wd), (k, _, fh, fw) = np.shape(self.x), np.shape(self.w)
        _, ho, wo = np.shape(self.out)
        return (f"ChannelStepper(input {c}x{h}x{wd}, {k} filters {c}x{fh}x{fw}, stride {self.stride}, "
                f"padding {self.padding}, output {k}x{ho}x{wo})")


class TransposedStepper(_Stepper):
    """Watch a transposed convolution stamp its kernel, one entry of y at a time (Chapter 8).

    Each entry y[i, j] in turn adds the stamp y[i, j]·w onto the output with its
    corner at (iS, jS); where stamps overlap they add up. Beside the output, the
    number of stamps that cover each cell: a checkerboard when the kernel size
    is not a multiple of the stride. A switch shows the same output as
    (W*)^T · y*, one row of (W*)^T (one output cell) at a time. Controls:
    previous, next, play/pause, a position slider, the stride and the kernel
    height and width (the page recomputes everything; a kernel made larger keeps
    the given weights top-left and fills each new cell with its place in reading
    order, as the window stepper does, and says so).

    Parameters
    ----------
    y : array_like, shape (H_out, W_out)
        The array the transposed convolution takes (shaped like a convolution's output).
    w : array_like, shape (F_H, F_W)
    stride : int
    step : int
        The stamp (entry of y, in reading order) shown first.
    view : {"stamps", "matrix"}
        Keyword only: stamp by stamp, or row by row of (W*)^T.
    """

    y = traitlets.List().tag(sync=True)
    k = traitlets.List().tag(sync=True)
    kernel_h = traitlets.Int(1).tag(sync=True)
    kernel_w = traitlets.Int(1).tag(sync=True)
    stride = traitlets.Int(1).tag(sync=True)
    view = traitlets.Unicode("stamps").tag(sync=True)
    #: convkit's conv_transpose2d(y, w) and the stamps covering each output cell, for the starting geometry
    #: (the page recomputes both on every change).
    out = traitlets.List().tag(sync=True)
    cover = traitlets.List().tag(sync=True)

    def __init__(self, y, w, stride=1, step=0, *, view="stamps"):
        y_list, k_list = _grid(y, "y"), _grid(w, "w")
        if not is_int(stride) or stride < 1:
            raise ConvArgumentError(f"stride must be an int >= 1 (the same for rows and columns); "
                                    f"got stride={describe(stride)}")
        if view not in ("stamps", "matrix"):
            raise ConvArgumentError(f"view must be 'stamps' or 'matrix' (what the page shows first); got view={view!r}")
        count = np.size(y)
        if not is_int(step) or not 0 <= step < count:
            raise ConvArgumentError(f"step must be an int from 0 to H_out*W_out - 1 = {count - 1} (an entry of y, "
                                    f"in reading order); got step={describe(step)}")
        y4, w4 = np.asarray(y, float)[None, None], np.asarray(w, float)[None, None]
        out = conv_transpose2d(y4, w4, stride=int(stride))[0, 0]
        cover = conv_transpose2d(np.ones_like(y4), np.ones_like(w4), stride=int(stride))[0, 0].astype(int)
        super().__init__(kind="transposed", y=y_list, k=k_list, kernel_h=len(k_list), kernel_w=len(k_list[0]),
                         stride=int(stride), step=int(step), view=view, out=_numbers(out), cover=_numbers(cover))

    def __repr__(self):
        return (f"TransposedStepper(y {len(self.y)}x{len(self.y[0])}, kernel {self.kernel_h}x{self.kernel_w}, "
                f"stride {self.stride}, output {len(self.out)}x{len(self.out[0])})")


def _layer_list(layers):
    """``layers`` as a list of [F, S, D], each an int >= 1, with an error naming the bad value."""
    if not isinstance(layers, (list, tuple)) or not 1 <= len(layers) <= 4:
        raise ConvArgumentError(f"layers must be a list of 1 to 4 (F, S, D) triples, the layer next to the input "
                                f"first; got layers={describe(layers)}")
    out = []
    for n, layer in enumerate(layers, 1):
        if not isinstance(layer, (list, tuple)) or len(layer) != 3 or not all(is_int(v) and v >= 1 for v in layer):
            raise ConvArgumentError(f"layer {n} must be (F, S, D): kernel size, stride and dilation, ints >= 1; "
                                    f"got {describe(layer)}")
        out.append([int(v) for v in layer])
    return out


def receptive_field(layers, outputs, cell):
    """Per level (the input first), dY/dX of output ``cell`` of a stack of 1-D layers with weights of ones.

    Computed with convkit's conv2d_backward on rows (height 1): the cells with a non-zero entry are the
    output's receptive field in that level; each entry counts the paths from the cell to the output.
    """
    sizes = [outputs]
    for f, s, d in reversed(layers):  # each level below: the one input size that gives exactly these outputs
        sizes.insert(0, (sizes[0] - 1) * s + d * (f - 1) + 1)
    g = np.zeros((1, 1, 1, outputs))
    g[0, 0, 0, cell] = 1.0
    field = [g[0, 0, 0]]
    for (f, s, d), n in zip(reversed(layers), reversed(sizes[:-1])):
        g = conv2d_backward(g, np.zeros((1, 1, 1, n)), np.ones((1, 1, 1, f)), s, 0, "loops", dilation=d)[0]
        field.insert(0, g[0, 0, 0])
    return [np.rint(f).astype(int).tolist() for f in field]


class ReceptiveFieldExplorer(_Stepper):
    """Pick an output of a stack of layers and watch its receptive field light up, layer by layer (Chapter 8).

    In 1-D (a square kernel's field is this strip along each axis): every layer has its own kernel size F,
    stride S and dilation D, which the reader can edit (and add or remove layers, up to 4). Next
    reveals the field one level further down; each cell of it shows how many paths lead from it to the
    output (dY/dX with weights of ones), and the page writes out the recurrence
    r_l = r_{l-1} + (F_l - 1)·D_l·S_1···S_{l-1}, r_0 = 1, whose last value is the field's width in the input.

    Parameters
    ----------
    layers : list of (F, S, D)
        The layer next to the input first.
    outputs : int
        Cells of the last layer's output.
    cell : int
        The output picked first.
    step : int
        Levels shown below the output (0: the output alone; len(layers): down to the input).
    """

    layers = traitlets.List().tag(sync=True)
    outputs = traitlets.Int(3).tag(sync=True)
    cell = traitlets.Int(0).tag(sync=True)
    #: convkit's field for the starting layers: per level, the input first, dY/dX of the picked output (weights of
    #: ones); and the recurrence's r_0, ..., r_L. The page recomputes both on every change.
    field = traitlets.List().tag(sync=True)
    sizes = traitlets.List().tag(sync=True)

    def __init__(self, layers=((3, 1, 1), (3, 2, 1), (3, 1, 2)), outputs=3, cell=None, step=None):
        layer_list = _layer_list(layers)
        if not is_int(outputs) or not 1 <= outputs <= 9:
            raise ConvArgumentError(f"outputs must be an int from 1 to 9; got outputs={describe(outputs)}")
        cell = outputs // 2 if cell is None else cell
        if not is_int(cell) or not 0 <= cell < outputs:
            raise ConvArgumentError(f"cell must be an int from 0 to outputs - 1 = {outputs - 1}; got cell={describe(cell)}")
        step = len(layer_list) if step is None else step
        if not is_int(step) or not 0 <= step <= len(layer_list):
            raise ConvArgumentError(f"step must be an int from 0 to len(layers) = {len(layer_list)}; "
                                    f"got step={describe(step)}")
        r = [1]
        for f, s, d in layer_list:  # r_l = r_{l-1} + (F_l - 1)·D_l·(S_1···S_{l-1})
            r.append(r[-1] + (f - 1) * d * int(np.prod([lay[1] for lay in layer_list[: len(r) - 1]])))
        super().__init__(kind="field", layers=layer_list, outputs=int(outputs), cell=int(cell), step=int(step),
                         field=receptive_field(layer_list, int(outputs), int(cell)), sizes=r)

    def __repr__(self):
        n = len(self.layers)
        return (f"ReceptiveFieldExplorer({n} layer{'s' if n > 1 else ''} (F, S, D) {[tuple(v) for v in self.layers]}, "
                f"output {self.cell} of {self.outputs}: field r = {self.sizes[-1]} inputs)")

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

from .conv2d import conv2d
from .errors import ConvArgumentError

_JS = Path(__file__).with_name("widgets_js")

__all__ = ["WindowStepper"]


def _grid(a, name):
    a = np.asarray(a)
    if a.ndim != 2 or a.size == 0 or a.dtype.kind not in "biuf":
        raise ConvArgumentError(f"{name} must be a non-empty 2-D array of numbers; got shape {a.shape}")
    return [[v.item() for v in row] for row in a]


class WindowStepper(anywidget.AnyWidget):
    """Slide a kernel over an input one window at a time (Chapters 1, 2 and 5).

    Shows the input (with its padding), the kernel and the output; highlights
    the current window and the output cell it fills, and spells out its
    products and their sum. Controls: previous, next, play/pause, a position
    slider, and stride, padding and kernel size (the page recomputes the
    geometry and says when it is not valid, with the formula).

    Parameters
    ----------
    x : array_like, shape (H, W)
    k : array_like, shape (FH, FW)
    stride, padding : int
    step : int
        The window shown first, in reading order.
    """

    _esm = _JS / "window_stepper.js"
    x = traitlets.List().tag(sync=True)
    k = traitlets.List().tag(sync=True)
    kernel_h = traitlets.Int(1).tag(sync=True)
    kernel_w = traitlets.Int(1).tag(sync=True)
    stride = traitlets.Int(1).tag(sync=True)
    padding = traitlets.Int(0).tag(sync=True)
    step = traitlets.Int(0).tag(sync=True)
    #: convkit's output for the starting geometry (the page recomputes it on every change).
    out = traitlets.List().tag(sync=True)

    def __init__(self, x, k, stride=1, padding=0, step=0):
        x_list, k_list = _grid(x, "x"), _grid(k, "k")
        out = conv2d(np.asarray(x)[None, None], np.asarray(k)[None, None], None, stride, padding, "loops")[0, 0]
        super().__init__(x=x_list, k=k_list, kernel_h=len(k_list), kernel_w=len(k_list[0]), stride=stride,
                         padding=padding, step=step, out=out.tolist())

    def __repr__(self):  # the text fallback nbval compares: deterministic, no model id
        return (f"WindowStepper(input {len(self.x)}x{len(self.x[0])}, kernel {self.kernel_h}x{self.kernel_w}, "
                f"stride {self.stride}, padding {self.padding}, output {len(self.out)}x{len(self.out[0])})")

"""DigitPlayground: draw a digit and watch Chapter 9's trained network read it, in the page (anywidget).

Needs anywidget (and so ipywidgets); the numerical core does not. The network's
weights travel in the widget's state as float32 numbers (little-endian bytes in
base64, 4 bytes a weight: 33 kB for Chapter 9's network, where a JSON list of
their decimals took 78 kB, which the page had to parse before the widget could
start), and the forward pass runs in JavaScript
(``convkit/widgets_js/playground.js``, in float32), so the widget works in a live
notebook and in the static book, with no kernel and no network.
``tests/test_playground.py`` runs that JavaScript on all 360 test digits against
convkit.
"""
from __future__ import annotations

import base64
from pathlib import Path

import anywidget
import numpy as np
import traitlets

from .arguments import describe
from .conv2d import Conv2D
from .errors import ConvArgumentError
from .nn import Flatten, Linear, MaxPool2D, ReLU, Sequential

__all__ = ["DigitPlayground"]


def _float32s(a):
    """``a`` rounded to float32, flat (C order), as little-endian bytes in base64: what the page decodes."""
    return base64.b64encode(np.asarray(a, dtype="<f4").ravel().tobytes()).decode("ascii")


def _count(encoded):
    """How many float32 numbers a :func:`_float32s` string holds."""
    return len(base64.b64decode(encoded)) // 4


def _conv(layer):
    k, c, fh, fw = layer.W.shape
    if layer.padding == "same" or layer.dilation != (1, 1) or layer.groups != 1 or layer.layout != "NCHW":
        raise ConvArgumentError(f"DigitPlayground runs convolution layers with dilation 1, groups 1, layout NCHW and "
                                f"numeric padding; got {layer!r}")
    pad = layer.padding if isinstance(layer.padding[0], tuple) else ((layer.padding[0],) * 2, (layer.padding[1],) * 2)
    return {"op": "conv", "k": k, "c": c, "fh": fh, "fw": fw, "stride": list(layer.stride),
            "pad": [pad[0][0], pad[0][1], pad[1][0], pad[1][1]], "W": _float32s(layer.W), "b": _float32s(layer.b)}


def _layer(layer):
    """One layer as the page's forward pass reads it: its kind, sizes and float32 parameters."""
    if isinstance(layer, Conv2D):
        return _conv(layer)
    if isinstance(layer, ReLU):
        return {"op": "relu"}
    if isinstance(layer, MaxPool2D):
        return {"op": "maxpool", "fh": layer.kernel_size[0], "fw": layer.kernel_size[1], "stride": list(layer.stride)}
    if isinstance(layer, Flatten):
        return {"op": "flatten"}
    if isinstance(layer, Linear):
        return {"op": "linear", "out": layer.W.shape[0], "in": layer.W.shape[1], "W": _float32s(layer.W),
                "b": _float32s(layer.b)}
    raise ConvArgumentError(f"DigitPlayground runs Conv2D, ReLU, MaxPool2D, Flatten and Linear layers; got {layer!r}")


def _images(images, labels):
    x = np.asarray(images)
    if x.ndim != 4 or x.shape[0] == 0 or x.shape[1] != 1 or x.dtype.kind not in "biuf":
        raise ConvArgumentError(f"images must be a non-empty array of one-channel images (N, 1, H, W) of numbers, "
                                f"as convkit.data gives them; got {describe(images)}")
    if not np.all(np.isfinite(x)) or x.min() < 0:
        raise ConvArgumentError(f"images must hold finite ink values >= 0 (convkit.data: 0 to 1); got values from "
                                f"{float(x.min())} to {float(x.max())}")
    y = np.asarray(labels)
    if y.shape != (x.shape[0],) or y.dtype.kind not in "iu":
        raise ConvArgumentError(f"labels must be integers, one per image, shape ({x.shape[0]},); got {describe(labels)}")
    return x.astype(np.float64), y


class DigitPlayground(anywidget.AnyWidget):
    """Draw a digit (or pick a test digit) and watch a trained network read it, layer by layer (Chapter 9).

    The page shows an H×W drawing grid (mouse, touch, or the keyboard: arrow
    keys move a cursor, Space or Enter paints, Delete erases), a menu of the
    given test digits and a Clear button; under them, the feature maps after
    each layer, the softmax probabilities of the ten classes as bars, and the
    prediction. The forward pass runs in the page, in float32, from the
    weights in the widget's state: no kernel is needed.

    Parameters
    ----------
    net : convkit.nn.Sequential
        E.g. :func:`convkit.train.make_net`, trained. Its layers: Conv2D
        (dilation 1, groups 1, NCHW), ReLU, MaxPool2D, Flatten, Linear.
    images : array_like, shape (N, 1, H, W)
        Digits the reader can pick, on the data's scale (:mod:`convkit.data`:
        0 to 1); painting a cell gives it the largest value among them.
    labels : array_like of int, shape (N,)
    start : int
        The digit shown first.
    """

    _esm = Path(__file__).with_name("widgets_js") / "playground.js"
    layers = traitlets.List().tag(sync=True)
    #: The pickable digits, each (H, W), and their labels.
    samples = traitlets.List().tag(sync=True)
    labels = traitlets.List().tag(sync=True)
    #: What painting a cell puts there: the data's full ink.
    ink = traitlets.Float(1.0).tag(sync=True)
    #: The image the network reads now, (H, W): a picked digit or the reader's drawing.
    image = traitlets.List().tag(sync=True)

    def __init__(self, net, images, labels, start=0):
        if not isinstance(net, Sequential):
            raise ConvArgumentError(f"net must be a convkit.nn.Sequential, e.g. convkit.train.make_net(); "
                                    f"got {describe(net)}")
        layers = [_layer(layer) for layer in net]
        x, y = _images(images, labels)
        if isinstance(start, bool) or not isinstance(start, (int, np.integer)) or not 0 <= start < len(y):
            raise ConvArgumentError(f"start must be an int from 0 to {len(y) - 1} (a digit's place); got {start!r}")
        net.forward(x[:1])  # the network must take these images: convkit's own clear error if not
        super().__init__(layers=layers, samples=x[:, 0].tolist(), labels=y.tolist(), ink=float(x.max()),
                         image=x[start, 0].tolist())

    def __repr__(self):  # the text fallback nbval compares: deterministic, no model id
        h, w = len(self.image), len(self.image[0])
        weights = sum(_count(layer[k]) for layer in self.layers for k in ("W", "b") if k in layer)
        return (f"DigitPlayground(input {h}x{w}, {len(self.layers)} layers, {weights} float32 weights, "
                f"{len(self.samples)} test digits)")

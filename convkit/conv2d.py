"""The 2-D convolution layer: two functions, forward and backward, and the layer with its weights.

Every method of :mod:`convkit.methods` computes it; all three go through the one call
pipeline (:mod:`convkit.methods.pipeline`).
"""
from __future__ import annotations

import numpy as np

from . import methods
from .arguments import (as_bias, as_flag, as_float, as_int, as_layout, as_padding, as_pair, as_shape4, describe,
                        is_int, resolve_padding)
from .errors import ConvArgumentError
from .geometry import check_same_stride, checked_groups
from .methods.pipeline import Engine, check_dout, describe_call, prepare

__all__ = ["conv2d", "conv2d_backward", "Conv2D", "METHODS"]

METHODS = methods.METHODS


def conv2d(x, w, b=None, stride=1, padding=0, method=methods.DEFAULT, *, dilation=1, drop_last=False, pad=None,
           groups=1, layout="NCHW"):
    """Forward pass of a 2-D convolution layer (cross-correlation, as in every DL library).

    ``out[n, k, i, j] = b[k] + sum_{c,u,v} w[k, c, u, v] * x_pad[n, c, i*SH + u*DH, j*SW + v*DW]``
    (with ``groups=G``, filter k reads only the C/G channels of its group, ``c + (k // (K/G))*(C/G)``)

    Derived in Chapters 1-2 (loops), 3 (matrix) and 5 (im2col), dilation in
    Chapter 8; every method computes the same thing and they are tested against
    each other and PyTorch (``torch.nn.functional.conv2d`` with the same
    ``stride``, ``padding`` and ``dilation``).

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    w : array_like, shape (K, C/groups, FH, FW)
    b : array_like, shape (K,), optional
    stride : int or (int, int)
        Same for height and width, or (height, width).
    padding : int, (int, int), ((int, int), (int, int)) or "same"
        Zeros on each side: the same on all four, (height, width), or each side
        its own, ((top, bottom), (left, right)) (Chapter 11). ``"same"`` (stride
        1 only, as in PyTorch; a ConvArgumentError otherwise) pads
        ``D*(F - 1)`` rows in all, half on top and the odd one at the bottom,
        likewise the columns (left, and the odd one right), so that
        Hout = H and Wout = W for any kernel, even ones included. ``pad`` is an
        alias of ``padding`` (Deep Learning from Scratch's and cs231n's name), so
        ``conv2d(x, w, b, **conv_param)`` takes cs231n's ``conv_param`` dict.
    method : {"fast", "loops", "matrix", "im2col", "winograd", "fft"}, default "fast"
        See :data:`METHODS`. The default, ``convkit.methods.DEFAULT``, is the
        fastest method that computes every geometry, here and in
        :class:`Conv2D` alike. "winograd" (Chapter 10) computes only 3x3
        kernels with stride 1 and dilation 1, and raises ConvArgumentError
        otherwise. "fft" (Chapter 11) computes every geometry through
        ``numpy.fft`` (stride by subsampling the stride-1 output), within
        ``convkit.methods.fft.RTOL`` of the direct methods.
    dilation : int or (int, int), default 1
        Distance between the kernel's taps (keyword only): with D > 1 the
        kernel reads every D-th cell of a window D(F - 1) + 1 cells wide.
    drop_last : bool, default False
        Floor a non-whole output size, dropping the last rows and columns that
        no window reaches, as PyTorch and Deep Learning from Scratch do
        (keyword only). By default such a size is a :class:`ConvArgumentError`.
    groups : int, default 1
        Channel groups (keyword only; Chapter 11), as PyTorch's ``groups``: the
        C channels and K filters are cut into ``groups`` blocks, filter block g
        sees only channel block g, and w has shape (K, C/groups, FH, FW).
        ``groups`` must divide C and K; ``groups=C`` is a depthwise convolution.
        Computed as ``groups`` convolutions on the channel slices, concatenated
        (:mod:`convkit.methods.pipeline`), with every method.
    layout : {"NCHW", "NHWC"}, default "NCHW"
        The axes of x and of the output (keyword only; Chapter 11): with
        "NHWC", x has shape (N, H, W, C) and the output (N, Hout, Wout, K),
        channels last, as TensorFlow and image files hold them; w keeps its
        (K, C/groups, FH, FW). Every method computes in NCHW: x is transposed
        to an NCHW copy and the output back, and the memory guard counts both.

    Returns
    -------
    ndarray, shape (N, K, Hout, Wout), or (N, Hout, Wout, K) with ``layout="NHWC"``
        ``Hout = (H + 2*PH - DH*(FH - 1) - 1)/SH + 1`` (must be whole unless
        ``drop_last``; with per-side padding, ``2*PH`` is top + bottom), likewise Wout. float32 if every input is float32, else float64.

    Raises
    ------
    ConvArgumentError
        For bad arguments (the message names them), and when the method would
        need more memory than :func:`convkit.memory_limit` allows: checked from
        the shapes before anything is allocated, the message gives the size in
        GiB and the fastest method that fits (``"matrix"`` builds a
        (K*Hout*Wout, C*H*W) matrix and is the first to hit the limit).
    """
    engine = Engine(method)
    x, w, b, g = prepare(x, w, b, stride, resolve_padding(padding, pad), dilation, drop_last, groups, layout)
    return engine.forward(x, w, b, g)[0]


def conv2d_backward(dout, x, w, stride=1, padding=0, method=methods.DEFAULT, *, dilation=1, drop_last=False, pad=None,
                    groups=1, layout="NCHW"):
    """Backward pass of :func:`conv2d`: the gradients of the loss with respect to x, w and b.

    Derived in Chapter 4 (1-D, then 2-D) and Chapter 5 (as matrix products).
    ``dx`` is the transposed convolution of ``dout`` (Chapter 8):
    ``conv_transpose2d(dout, w, stride=..., padding=..., dilation=...)``, with
    ``output_padding`` for the rows that ``drop_last`` dropped.

    Parameters
    ----------
    dout : array_like, shape (N, K, Hout, Wout), or (N, Hout, Wout, K) with ``layout="NHWC"``
        Upstream gradient dL/dout.
    x, w, stride, padding, method, dilation, drop_last, pad, groups, layout
        As given to :func:`conv2d`.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W), or (N, H, W, C) with ``layout="NHWC"``
        Zero in the rows and columns that ``drop_last`` dropped.
    dw : ndarray, shape (K, C/groups, FH, FW)
    db : ndarray, shape (K,)

    Raises
    ------
    ConvArgumentError
        As :func:`conv2d`, including the memory guard (for the backward pass).
    """
    engine = Engine(method)
    x, w, _, g = prepare(x, w, None, stride, resolve_padding(padding, pad), dilation, drop_last, groups, layout)
    axes = "(N, K, Hout, Wout)" if g.layout == "NCHW" else "(N, Hout, Wout, K)"
    dout = check_dout(dout, g.out_shape_as_given, f"the output's shape {axes} = {g.out_shape_as_given} for "
                                                  f"{describe_call(g)}")
    return engine.gradients(dout, x, w, g)


class Conv2D:
    """A 2-D convolution layer: weights, bias, forward and backward.

    Derived in Chapter 5 (``notebooks/05_im2col.ipynb``). ``Conv2D(C, K, F)``
    makes a layer with new weights; :meth:`from_weights` makes one with given
    weights, e.g. to stand in for Deep Learning from Scratch's
    ``Convolution(W, b, stride, pad)`` or a cs231n layer.

    Parameters
    ----------
    in_channels : int
        C, the channels of the input.
    out_channels : int
        K, the number of filters.
    kernel_size : int or (int, int)
        FH, FW.
    stride : int or (int, int)
    padding : int, (int, int), ((int, int), (int, int)) or "same"
        As for :func:`convkit.conv2d`; ``pad`` is an alias of ``padding`` (keyword only).
    rng : numpy.random.Generator or int, optional
        Source of the initial weights (a seed is accepted too).
    method : str, default "fast"
        One of :data:`convkit.METHODS`.
    dtype : numpy dtype, default float64
    dilation : int or (int, int), default 1
        Distance between the kernel's taps (keyword only; Chapter 8).
    drop_last : bool, default False
        Floor a non-whole output size as PyTorch does, dropping the rows and
        columns no window reaches (keyword only); by default it is an error.
    groups : int, default 1
        Channel groups (keyword only; see :func:`convkit.conv2d`); must divide
        ``in_channels`` and ``out_channels``.
    layout : {"NCHW", "NHWC"}, default "NCHW"
        The axes of x, the output and their gradients (keyword only; see
        :func:`convkit.conv2d`); W keeps (K, C/groups, FH, FW).

    Attributes
    ----------
    W : ndarray, shape (K, C/groups, FH, FW)
        He-initialised: normal with variance 2 / (C/groups*FH*FW), suited to ReLU nets.
    b : ndarray, shape (K,)
        Zeros.
    dW, db : ndarray or None
        Gradients from the last :meth:`backward`.

    Notes
    -----
    :meth:`forward` and :meth:`backward` run the memory guard of
    :func:`convkit.conv2d`: a pass whose arrays (the cache included) would
    exceed :func:`convkit.memory_limit` raises :class:`ConvArgumentError`
    before allocating, naming the size in GiB and a method that fits.
    """

    def __init__(self, in_channels, out_channels, kernel_size=None, stride=1, padding=0, rng=None,
                 method=methods.DEFAULT, dtype=np.float64, *, dilation=1, drop_last=False, pad=None, groups=1,
                 layout="NCHW"):
        if np.ndim(in_channels) > 0:  # Conv2D(W, b, stride, pad): Deep Learning from Scratch's habit
            raise ConvArgumentError(
                f"Conv2D(in_channels, out_channels, kernel_size, ...) makes a layer with new weights, so "
                f"in_channels must be an int; got {describe(in_channels)}. For a layer with given weights, as "
                f"Deep Learning from Scratch's Convolution(W, b, stride, pad), call "
                f"Conv2D.from_weights(W, b, stride, pad): the same arguments in the same order."
            )
        c, k = as_int(in_channels, "in_channels", 1), as_int(out_channels, "out_channels", 1)
        if kernel_size is None:
            raise ConvArgumentError("kernel_size is missing: Conv2D(in_channels, out_channels, kernel_size, ...)")
        fh, fw = as_pair(kernel_size, "kernel_size", 1)
        cg = c // checked_groups(groups, c, k)
        rng = np.random.default_rng(rng)
        W = (rng.standard_normal((k, cg, fh, fw)) * np.sqrt(2.0 / (cg * fh * fw))).astype(dtype)
        self._setup(W, np.zeros(k, dtype=dtype), stride, resolve_padding(padding, pad), dilation, method, drop_last,
                    groups, layout)

    @classmethod
    def from_weights(cls, W, b=None, stride=1, padding=0, dilation=1, method=methods.DEFAULT, *, drop_last=False, pad=None,
                     groups=1, layout="NCHW"):
        """A layer with the given weights and bias.

        The arguments come in the order of Deep Learning from Scratch's
        ``Convolution(W, b, stride=1, pad=0)``, and ``pad`` is accepted for
        ``padding``, so ``Conv2D.from_weights(W, b, stride, pad)`` stands in for
        it and ``Conv2D.from_weights(w, b, **conv_param)`` takes cs231n's dict.

        Parameters
        ----------
        W : array_like, shape (K, C/groups, FH, FW)
            The filters, in the layout of this book, PyTorch, Deep Learning from
            Scratch and cs231n. A float32 or float64 ndarray is used as it is,
            not copied: an optimiser that updates it in place (``W -= lr * dW``,
            as those courses' optimisers do) updates the layer. Anything else is
            converted to float64.
        b : array_like, shape (K,), optional
            The biases (zeros if None); used as it is when it is an ndarray of
            W's dtype, else converted to it.
        stride, dilation : int or (int, int)
        padding : int, (int, int), ((int, int), (int, int)) or "same"
            As for :func:`convkit.conv2d`.
        method : str, default "fast"
        drop_last : bool, default False
            As for :class:`Conv2D` (keyword only). Deep Learning from Scratch and
            PyTorch floor a non-whole output size; convkit refuses it unless
            ``drop_last=True``.
        groups : int, default 1
            Channel groups (keyword only); the input then has C = groups * W.shape[1]
            channels, and ``groups`` must divide K = W.shape[0].
        layout : {"NCHW", "NHWC"}, default "NCHW"
            As for :class:`Conv2D` (keyword only).

        Returns
        -------
        Conv2D
        """
        W = as_float(W, "W")
        as_shape4(W.shape, "W", "(K, C, FH, FW)")
        if W.dtype not in (np.float32, np.float64):
            W = W.astype(np.float64)
        b = as_bias(b, W.shape[0], W.dtype)
        layer = cls.__new__(cls)
        checked_groups(groups, W.shape[1] * groups if is_int(groups) else 1, W.shape[0])
        layer._setup(W, b, stride, resolve_padding(padding, pad), dilation, method, drop_last, groups, layout)
        return layer

    def _setup(self, W, b, stride, padding, dilation, method, drop_last, groups, layout):
        self.stride = as_pair(stride, "stride", 1)
        sides = as_padding(padding)
        if sides == "same":  # refused when the layer is made, not at its first forward
            check_same_stride(stride, self.stride)
        # Kept as given, in its shortest form: "same", (PH, PW), or ((top, bottom), (left, right)).
        self.padding = sides if sides == "same" or any(a != b for a, b in sides) else (sides[0][0], sides[1][0])
        self.dilation = as_pair(dilation, "dilation", 1)
        self.drop_last = as_flag(drop_last, "drop_last")
        self.groups = groups
        self.layout = as_layout(layout)
        self._engine = Engine(method)
        self.method = method
        self.W, self.b = W, b
        self.dW = self.db = None
        self._cache = None
        self._ws = {}  # buffers the fast path keeps between calls

    def __repr__(self):
        k, c, fh, fw = self.W.shape
        extra = (f", dilation={self.dilation}" if self.dilation != (1, 1) else "") + \
            (", drop_last=True" if self.drop_last else "") + (f", groups={self.groups}" if self.groups > 1 else "") + \
            (f", layout={self.layout!r}" if self.layout != "NCHW" else "")
        c *= self.groups
        return (f"Conv2D({c}, {k}, kernel_size=({fh}, {fw}), stride={self.stride}, "
                f"padding={self.padding!r}{extra}, method={self.method!r})")

    def forward(self, x):
        """x (N, C, H, W) -> out (N, K, Hout, Wout) (NHWC: channels last); remembers what backward needs."""
        x, w, b, g = prepare(x, self.W, self.b, self.stride, self.padding, self.dilation, self.drop_last, self.groups,
                             self.layout)
        out, self._cache = self._engine.forward(x, w, b, g, self._ws, caller="Conv2D.forward")
        return out

    __call__ = forward

    def backward(self, dout):
        """dout (N, K, Hout, Wout) -> dx (N, C, H, W) (NHWC: channels last); sets ``self.dW`` and ``self.db``."""
        if self._cache is None:
            raise ConvArgumentError("backward() needs a forward() first: there is nothing to differentiate")
        g = self._cache[-1]
        dout = check_dout(dout, g.out_shape_as_given, f"the shape of the last forward's output {g.out_shape_as_given}")
        dx, self.dW, self.db = self._engine.backward(dout, self._cache, self._ws)
        return dx

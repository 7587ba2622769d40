"""A convolution layer with parameters, as a network uses it (Chapter 5)."""
from __future__ import annotations

import numpy as np

from . import methods
from .errors import ConvArgumentError
from .geometry import (_flag, _is_int, _shape4, as_float, as_pair, check_bias, describe, prepare_conv2d,
                       resolve_padding)
from .memory import check_conv

__all__ = ["Conv2D"]


def _count(value, name: str) -> int:
    """A channel count: an int >= 1, with an error that names it (and never prints an array)."""
    if not _is_int(value) or value < 1:
        raise ConvArgumentError(f"{name} must be an int >= 1; got {name}={describe(value)}")
    return int(value)


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
    stride, padding : int or (int, int)
        ``pad`` is an alias of ``padding`` (keyword only).
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

    Attributes
    ----------
    W : ndarray, shape (K, C, FH, FW)
        He-initialised: normal with variance 2 / (C*FH*FW), suited to ReLU nets.
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
                 method=methods.DEFAULT, dtype=np.float64, *, dilation=1, drop_last=False, pad=None):
        if np.ndim(in_channels) > 0:  # Conv2D(W, b, stride, pad): Deep Learning from Scratch's habit
            raise ConvArgumentError(
                f"Conv2D(in_channels, out_channels, kernel_size, ...) makes a layer with new weights, so "
                f"in_channels must be an int; got {describe(in_channels)}. For a layer with given weights, as "
                f"Deep Learning from Scratch's Convolution(W, b, stride, pad), call "
                f"Conv2D.from_weights(W, b, stride, pad): the same arguments in the same order."
            )
        c, k = _count(in_channels, "in_channels"), _count(out_channels, "out_channels")
        if kernel_size is None:
            raise ConvArgumentError("kernel_size is missing: Conv2D(in_channels, out_channels, kernel_size, ...)")
        fh, fw = as_pair(kernel_size, "kernel_size", 1)
        rng = np.random.default_rng(rng)
        W = (rng.standard_normal((k, c, fh, fw)) * np.sqrt(2.0 / (c * fh * fw))).astype(dtype)
        self._setup(W, np.zeros(k, dtype=dtype), stride, resolve_padding(padding, pad), dilation, method, drop_last)

    @classmethod
    def from_weights(cls, W, b=None, stride=1, padding=0, dilation=1, method=methods.DEFAULT, *, drop_last=False, pad=None):
        """A layer with the given weights and bias.

        The arguments come in the order of Deep Learning from Scratch's
        ``Convolution(W, b, stride=1, pad=0)``, and ``pad`` is accepted for
        ``padding``, so ``Conv2D.from_weights(W, b, stride, pad)`` stands in for
        it and ``Conv2D.from_weights(w, b, **conv_param)`` takes cs231n's dict.

        Parameters
        ----------
        W : array_like, shape (K, C, FH, FW)
            The filters, in the layout of this book, PyTorch, Deep Learning from
            Scratch and cs231n. A float32 or float64 ndarray is used as it is,
            not copied: an optimiser that updates it in place (``W -= lr * dW``,
            as those courses' optimisers do) updates the layer. Anything else is
            converted to float64.
        b : array_like, shape (K,), optional
            The biases (zeros if None); used as it is when it is an ndarray of
            W's dtype, else converted to it.
        stride, padding, dilation : int or (int, int)
        method : str, default "fast"
        drop_last : bool, default False
            As for :class:`Conv2D` (keyword only). Deep Learning from Scratch and
            PyTorch floor a non-whole output size; convkit refuses it unless
            ``drop_last=True``.

        Returns
        -------
        Conv2D
        """
        W = as_float(W, "W")
        _shape4(W.shape, "W", "(K, C, FH, FW)")
        if W.dtype not in (np.float32, np.float64):
            W = W.astype(np.float64)
        b = check_bias(b, W.shape[0], W.dtype) if b is not None else np.zeros(W.shape[0], W.dtype)
        layer = cls.__new__(cls)
        layer._setup(W, b, stride, resolve_padding(padding, pad), dilation, method, drop_last)
        return layer

    def _setup(self, W, b, stride, padding, dilation, method, drop_last):
        self.stride = as_pair(stride, "stride", 1)
        self.padding = as_pair(padding, "padding", 0)
        self.dilation = as_pair(dilation, "dilation", 1)
        self.drop_last = _flag(drop_last, "drop_last")
        self._impl = methods.get(method)
        self.method = method
        self.W, self.b = W, b
        self.dW = self.db = None
        self._cache = None
        self._ws = {}  # buffers the fast path keeps between calls

    def __repr__(self):
        k, c, fh, fw = self.W.shape
        extra = (f", dilation={self.dilation}" if self.dilation != (1, 1) else "") + \
            (", drop_last=True" if self.drop_last else "")
        return (f"Conv2D({c}, {k}, kernel_size=({fh}, {fw}), stride={self.stride}, "
                f"padding={self.padding}{extra}, method={self.method!r})")

    def forward(self, x):
        """x (N, C, H, W) -> out (N, K, Hout, Wout); remembers what backward needs."""
        x, w, b, g = prepare_conv2d(x, self.W, self.b, self.stride, self.padding, self.dilation, self.drop_last)
        methods.check(self.method, g)
        check_conv(g, x.dtype, self.method, caller="Conv2D.forward")
        out, self._cache = self._impl.forward(x, w, b, g, self._ws)
        return out

    __call__ = forward

    def backward(self, dout):
        """dout (N, K, Hout, Wout) -> dx (N, C, H, W); sets ``self.dW`` and ``self.db``."""
        if self._cache is None:
            raise ConvArgumentError("backward() needs a forward() first: there is nothing to differentiate")
        g = self._cache[-1]
        dout = as_float(dout, "dout")
        if dout.shape != g.out_shape:
            raise ConvArgumentError(
                f"dout must have the shape of the last forward's output {g.out_shape}; got {dout.shape}"
            )
        dtype = self._cache[-2].dtype  # every method caches (..., w, g): w has the forward's dtype
        check_conv(g, dtype, self.method, backward=True, caller="Conv2D.backward")
        dx, self.dW, self.db = self._impl.backward(dout.astype(dtype, copy=False), self._cache, self._ws)
        return dx

"""A convolution layer with parameters, as a network uses it (Chapter 5)."""
from __future__ import annotations

import numpy as np

from . import methods
from .errors import ConvArgumentError
from .geometry import as_float, as_pair, prepare_conv2d
from .memory import check_conv

__all__ = ["Conv2D"]


class Conv2D:
    """A 2-D convolution layer: weights, bias, forward and backward.

    Derived in Chapter 5 (``notebooks/05_im2col.ipynb``).

    Parameters
    ----------
    in_channels : int
        C, the channels of the input.
    out_channels : int
        K, the number of filters.
    kernel_size : int or (int, int)
        FH, FW.
    stride, padding : int or (int, int)
    rng : numpy.random.Generator or int, optional
        Source of the initial weights (a seed is accepted too).
    method : str, default "fast"
        One of :data:`convkit.METHODS`.
    dtype : numpy dtype, default float64

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

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, rng=None,
                 method="fast", dtype=np.float64):
        c, k = as_pair((in_channels, out_channels), "(in_channels, out_channels)", 1)
        fh, fw = as_pair(kernel_size, "kernel_size", 1)
        self.stride = as_pair(stride, "stride", 1)
        self.padding = as_pair(padding, "padding", 0)
        self._impl = methods.get(method)
        self.method = method
        rng = np.random.default_rng(rng)
        self.W = (rng.standard_normal((k, c, fh, fw)) * np.sqrt(2.0 / (c * fh * fw))).astype(dtype)
        self.b = np.zeros(k, dtype=dtype)
        self.dW = self.db = None
        self._cache = None
        self._ws = {}  # buffers the fast path keeps between calls

    def __repr__(self):
        k, c, fh, fw = self.W.shape
        return (f"Conv2D({c}, {k}, kernel_size=({fh}, {fw}), stride={self.stride}, "
                f"padding={self.padding}, method={self.method!r})")

    def forward(self, x):
        """x (N, C, H, W) -> out (N, K, Hout, Wout); remembers what backward needs."""
        x, w, b, g = prepare_conv2d(x, self.W, self.b, self.stride, self.padding)
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

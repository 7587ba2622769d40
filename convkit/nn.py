"""The few layers a small CNN needs around :class:`convkit.Conv2D`, a loss and two optimizers (Chapter 9).

Every layer has :class:`convkit.Conv2D`'s interface:

``forward(x) -> out``
    Computes the output and remembers what the backward pass needs (also ``layer(x)``).
``backward(dout) -> dx``
    ``dout`` = dL/dout has the shape of the last forward's output; returns dL/dx
    with the shape of its input, and stores the gradient of each parameter
    under its name with a ``d`` in front: ``W`` and ``dW``, ``b`` and ``db``.
    Each backward *overwrites* them (nothing accumulates), so an optimizer
    step needs no zeroing first.

=======================  ====================================  ===========================================
layer                    forward                               parameters
=======================  ====================================  ===========================================
:class:`ReLU`            ``max(x, 0)``, any shape              none
:class:`MaxPool2D`       (N, C, H, W) -> (N, C, Hout, Wout)    none
:class:`Flatten`         (N, C, H, W) -> (N, C*H*W)            none
:class:`Linear`          (N, in) -> (N, out): ``x @ W.T + b``  ``W`` (out, in), ``b`` (out,)
:class:`convkit.Conv2D`  Chapters 1-5                          ``W`` (K, C, FH, FW), ``b`` (K,)
:class:`Sequential`      the layers in order                   theirs: :meth:`Sequential.parameters`
=======================  ====================================  ===========================================

:func:`softmax_cross_entropy` turns logits and labels into the loss and its
gradient; :class:`SGD` and :class:`Adam` update the parameters in place, with
PyTorch's update rules (``tests/test_nn.py`` checks every layer against
numerical gradients and against PyTorch, and a whole training run against a
PyTorch twin).
"""
from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np

from .errors import ConvArgumentError
from .arguments import as_float, as_pair
from .geometry import output_size

__all__ = ["ReLU", "MaxPool2D", "Flatten", "Linear", "Sequential", "softmax_cross_entropy", "Param",
           "SGD", "Adam"]


def _floats(x, name="x"):
    """``x`` as an array of floats: float32 or float64 stay as they are, integers become float64."""
    x = as_float(x, name)
    return x if x.dtype.kind == "f" else x.astype(np.float64)


def _need_forward(cache, layer):
    if cache is None:
        raise ConvArgumentError(f"{layer}.backward() needs a forward() first: there is nothing to differentiate")
    return cache


def _check_dout(dout, shape, layer):
    dout = _floats(dout, "dout")
    if dout.shape != tuple(shape):
        raise ConvArgumentError(f"{layer}: dout must have the shape of the last forward's output {tuple(shape)}; "
                                f"got dout.shape={dout.shape}")
    return dout


class ReLU:
    """``out = max(x, 0)``, entry by entry.

    The backward pass lets the gradient through where the input was positive
    and stops it elsewhere, **at 0 included** (the derivative there is taken to
    be 0, as PyTorch does).
    """

    def __init__(self):
        self._mask = None

    def __repr__(self):
        return "ReLU()"

    def forward(self, x):
        """x (any shape) -> out (same shape)."""
        x = _floats(x)
        self._mask = x > 0
        return np.where(self._mask, x, x.dtype.type(0))

    __call__ = forward

    def backward(self, dout):
        """dout (shape of x) -> dx = dout where x > 0, else 0."""
        mask = _need_forward(self._mask, self)
        dout = _check_dout(dout, mask.shape, self)
        return np.where(mask, dout, 0)


class MaxPool2D:
    """Max pooling: the largest entry of each (FH, FW) window, channel by channel.

    Parameters
    ----------
    kernel_size : int or (int, int)
        FH, FW: the window.
    stride : int or (int, int), optional
        S; by default the window's size, so that windows tile the input.

    Notes
    -----
    As everywhere in convkit, the output size ``(H - FH)/S + 1`` must be whole:
    a pooling that would silently drop the last rows or columns (PyTorch floors)
    raises :class:`convkit.ConvArgumentError` instead.

    **Backward.** Only the arg-max of each window influenced the output, so it
    receives the window's whole gradient and the other entries get 0. **Ties:**
    when several entries share the maximum, the *first in reading order* (row by
    row, then column by column inside the window) takes it all, as in PyTorch's
    CPU code. Where windows overlap (stride < window) an entry can be the
    arg-max of several windows; it then receives the sum of their gradients.
    A NaN in a window makes the output NaN (and takes the gradient), as in
    PyTorch: a diverged input is not hidden.
    """

    def __init__(self, kernel_size, stride=None):
        self.kernel_size = as_pair(kernel_size, "kernel_size", 1)
        self.stride = self.kernel_size if stride is None else as_pair(stride, "stride", 1)
        self._cache = None

    def __repr__(self):
        return f"MaxPool2D(kernel_size={self.kernel_size}, stride={self.stride})"

    def _out_size(self, x_shape):
        if len(x_shape) != 4:
            raise ConvArgumentError(f"{self}: x must be 4-D (N, C, H, W); got x.shape={tuple(x_shape)}")
        (fh, fw), (sh, sw) = self.kernel_size, self.stride
        try:
            return output_size(x_shape[2], fh, sh), output_size(x_shape[3], fw, sw)
        except ConvArgumentError as why:
            raise ConvArgumentError(f"{self} does not fit x.shape={tuple(x_shape)} (N, C, H, W): {why}") from None

    def _slices(self, ho, wo):
        """Each kernel offset (u, v), in reading order, with the strided slice of x it sees in every window."""
        (fh, fw), (sh, sw) = self.kernel_size, self.stride
        for u in range(fh):
            for v in range(fw):
                yield u * fw + v, (Ellipsis, slice(u, u + sh * ho, sh), slice(v, v + sw * wo, sw))

    def forward(self, x):
        """x (N, C, H, W) -> out (N, C, Hout, Wout), ``Hout = (H - FH)/S + 1``."""
        x = _floats(x)
        ho, wo = self._out_size(x.shape)
        out, arg = None, np.zeros((*x.shape[:2], ho, wo), dtype=np.intp)
        for idx, sl in self._slices(ho, wo):
            if out is None:
                out = x[sl].copy()
                continue
            # Strict: on a tie the earlier entry (reading order) keeps the window. A NaN always takes
            # it (PyTorch's rule too), so that a NaN in the input shows in the output.
            better = (x[sl] > out) | np.isnan(x[sl])
            np.copyto(out, x[sl], where=better)
            np.copyto(arg, idx, where=better)
        self._cache = (x.shape, arg)
        return out

    __call__ = forward

    def backward(self, dout):
        """dout (N, C, Hout, Wout) -> dx (N, C, H, W): each window's gradient on its arg-max, 0 elsewhere."""
        x_shape, arg = _need_forward(self._cache, self)
        dout = _check_dout(dout, arg.shape, self)
        dx = np.zeros(x_shape, dtype=dout.dtype)
        for idx, sl in self._slices(*arg.shape[2:]):
            dx[sl] += np.where(arg == idx, dout, 0)  # += : overlapping windows add up (as col2im)
        return dx


class Flatten:
    """(N, d1, d2, ...) -> (N, d1*d2*...): the bridge from feature maps to a :class:`Linear` layer."""

    def __init__(self):
        self._shape = None

    def __repr__(self):
        return "Flatten()"

    def forward(self, x):
        """x (N, C, H, W) (or any (N, ...)) -> out (N, C*H*W), in C order."""
        x = _floats(x)
        if x.ndim < 1:
            raise ConvArgumentError("Flatten needs a batch axis first; got a scalar x")
        self._shape = x.shape
        return x.reshape(x.shape[0], -1)

    __call__ = forward

    def backward(self, dout):
        """dout (N, C*H*W) -> dx (N, C, H, W), the input's shape."""
        shape = _need_forward(self._shape, self)
        dout = _check_dout(dout, (shape[0], int(np.prod(shape[1:], dtype=np.int64))), self)
        return dout.reshape(shape)


class Linear:
    """A fully connected layer: ``out = x @ W.T + b``.

    Parameters
    ----------
    in_features, out_features : int
        Inputs and outputs per example.
    rng : numpy.random.Generator or int, optional
        Source of the initial weights (a seed is accepted too).
    dtype : numpy dtype, default float64

    Attributes
    ----------
    W : ndarray, shape (out_features, in_features)
        PyTorch's layout (one row per output). He-initialised, like
        :class:`convkit.Conv2D`: normal with variance 2 / in_features.
    b : ndarray, shape (out_features,)
        Zeros.
    dW, db : ndarray or None
        Gradients from the last :meth:`backward`.
    """

    def __init__(self, in_features, out_features, rng=None, dtype=np.float64):
        d_in, d_out = as_pair((in_features, out_features), "(in_features, out_features)", 1)
        rng = np.random.default_rng(rng)
        self.W = (rng.standard_normal((d_out, d_in)) * np.sqrt(2.0 / d_in)).astype(dtype)
        self.b = np.zeros(d_out, dtype=dtype)
        self.dW = self.db = None
        self._x = None

    def __repr__(self):
        return f"Linear({self.W.shape[1]}, {self.W.shape[0]})"

    def forward(self, x):
        """x (N, in_features) -> out (N, out_features)."""
        x = _floats(x)
        if x.ndim != 2 or x.shape[1] != self.W.shape[1]:
            hint = " (a Flatten() layer before this one turns (N, C, H, W) into (N, C*H*W))" if x.ndim > 2 else ""
            raise ConvArgumentError(f"{self}: x must have shape (N, in_features) = (N, {self.W.shape[1]}); "
                                    f"got x.shape={x.shape}{hint}")
        self._x = x
        return x @ self.W.T + self.b

    __call__ = forward

    def backward(self, dout):
        """dout (N, out_features) -> dx (N, in_features); sets ``dW = dout.T @ x`` and ``db = dout.sum(0)``."""
        x = _need_forward(self._x, self)
        dout = _check_dout(dout, (x.shape[0], self.W.shape[0]), self)
        self.dW = dout.T @ x
        self.db = dout.sum(axis=0)
        return dout @ self.W


class Param(NamedTuple):
    """One parameter of a layer, named as an attribute: ``value`` is ``layer.W``, ``grad`` is ``layer.dW``."""

    layer: object
    name: str

    @property
    def value(self) -> np.ndarray:
        return getattr(self.layer, self.name)

    @property
    def grad(self) -> np.ndarray:
        return getattr(self.layer, "d" + self.name)

    def __repr__(self):
        return f"{self.layer!r}.{self.name} {self.value.shape}"


#: The attribute names a layer may keep parameters under.
PARAM_NAMES = ("W", "b")


class Sequential:
    """Layers run in order: forward from first to last, backward from last to first.

    ``Sequential(*layers)``; ``len``, iteration and ``net[i]`` reach the layers.
    """

    def __init__(self, *layers):
        for i, layer in enumerate(layers):
            if not (callable(getattr(layer, "forward", None)) and callable(getattr(layer, "backward", None))):
                raise ConvArgumentError(f"Sequential: layer {i} ({layer!r}) has no forward() and backward()")
        self.layers = list(layers)

    def __repr__(self):
        inner = "".join(f"\n  ({i}) {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential({inner}\n)"

    def __len__(self):
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)

    def __getitem__(self, i):
        return self.layers[i]

    def forward(self, x):
        """x (N, ...) as the first layer wants it -> the last layer's output."""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    __call__ = forward

    def backward(self, dout):
        """dout (the last output's shape) -> dx (the input's shape); every layer stores its gradients."""
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def parameters(self) -> list[Param]:
        """Every parameter, layer by layer in order, ``W`` before ``b``: what an optimizer takes."""
        return [Param(layer, name) for layer in self.layers for name in PARAM_NAMES if hasattr(layer, name)]


def softmax_cross_entropy(logits, labels):
    """Mean cross-entropy of the softmax of ``logits`` against integer ``labels``, and its gradient.

    ``p = softmax(z)`` row by row, ``L = -mean_n log p[n, labels[n]]``, and
    ``dL/dz = (p - onehot(labels)) / N``.

    Parameters
    ----------
    logits : array_like, shape (N, M)
        z: one score per class (M classes), any real numbers. Computed with the
        row's maximum subtracted first, so large scores cannot overflow.
    labels : array_like of int, shape (N,)
        The right class of each row, 0 <= label < M.

    Returns
    -------
    loss : float
    dlogits : ndarray, shape (N, M)
    """
    z = _floats(logits, "logits")
    if z.ndim != 2 or min(z.shape) < 1:
        raise ConvArgumentError(f"logits must be 2-D (N, M), one row of class scores per example; got shape {z.shape}")
    labels = np.asarray(labels)
    if labels.shape != (z.shape[0],):
        raise ConvArgumentError(f"labels must have shape (N,) = ({z.shape[0]},), one per row of logits; "
                                f"got labels.shape={labels.shape}")
    if labels.dtype.kind not in "iu":
        raise ConvArgumentError(f"labels must be integers (class numbers); got dtype {labels.dtype}")
    bad = (labels < 0) | (labels >= z.shape[1])
    if bad.any():
        raise ConvArgumentError(f"labels must lie in 0..{z.shape[1] - 1} (M = {z.shape[1]} classes); "
                                f"got {labels[bad][:5].tolist()} at rows {np.flatnonzero(bad)[:5].tolist()}")
    n = z.shape[0]
    shifted = z - z.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_p[np.arange(n), labels].mean()
    dz = np.exp(log_p)
    dz[np.arange(n), labels] -= 1
    return float(loss), dz / n


def _params(params, who):
    params = list(params)
    for p in params:
        if not isinstance(p, Param):
            raise ConvArgumentError(f"{who} takes a list of convkit.nn.Param, e.g. net.parameters(); got {p!r}")
    if not params:
        raise ConvArgumentError(f"{who} got no parameters to optimise")
    return params


def _positive(value, name, who, upper=None):
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and value > 0 and \
        (upper is None or value < upper)
    if not ok:
        rng = f"0 < {name} < {upper}" if upper is not None else f"{name} > 0"
        raise ConvArgumentError(f"{who}: {name} must be a number with {rng}; got {name}={value!r}")
    return float(value)


class SGD:
    """Stochastic gradient descent, with optional momentum (PyTorch's update).

    ``v = momentum * v + grad`` (v starts at 0), then ``value -= lr * v``; with
    momentum 0 that is ``value -= lr * grad``.

    Parameters
    ----------
    params : list of :class:`Param`
        Usually ``net.parameters()``.
    lr : float
        eta, the learning rate.
    momentum : float, default 0.0
        mu, 0 <= mu < 1.
    """

    def __init__(self, params, lr, momentum=0.0):
        self.params = _params(params, "SGD")
        self.lr = _positive(lr, "lr", "SGD")
        if momentum != 0:
            _positive(momentum, "momentum", "SGD", upper=1)
        self.momentum = float(momentum)
        self._v = [None] * len(self.params)

    def step(self):
        """Update every parameter in place from the gradients of the last backward pass."""
        for i, p in enumerate(self.params):
            g = p.grad
            if self.momentum:
                self._v[i] = g.copy() if self._v[i] is None else self.momentum * self._v[i] + g
                g = self._v[i]
            p.value[...] -= self.lr * g


class Adam:
    """Adam (Kingma and Ba, 2015), with PyTorch's defaults and update.

    ``m = b1 m + (1 - b1) g``, ``v = b2 v + (1 - b2) g**2``, then
    ``value -= lr * (m / (1 - b1**t)) / (sqrt(v / (1 - b2**t)) + eps)`` at step t = 1, 2, ...

    Parameters
    ----------
    params : list of :class:`Param`
    lr : float, default 1e-3
    betas : (float, float), default (0.9, 0.999)
    eps : float, default 1e-8
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        self.params = _params(params, "Adam")
        self.lr = _positive(lr, "lr", "Adam")
        self.betas = tuple(_positive(b, "beta", "Adam", upper=1) for b in betas)
        self.eps = _positive(eps, "eps", "Adam")
        self.t = 0
        self._m = [np.zeros_like(p.value) for p in self.params]
        self._v = [np.zeros_like(p.value) for p in self.params]

    def step(self):
        """Update every parameter in place from the gradients of the last backward pass."""
        self.t += 1
        b1, b2 = self.betas
        c1, c2 = 1 - b1 ** self.t, np.sqrt(1 - b2 ** self.t)
        for p, m, v in zip(self.params, self._m, self._v):
            g = p.grad
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            p.value[...] -= (self.lr / c1) * m / (np.sqrt(v) / c2 + self.eps)

"""Chapter 9, a CNN (``notebooks/09_cnn.ipynb``): the backward passes of the layers around the convolution."""
from __future__ import annotations

import numpy as np

from .. import nn
from .base import _call, _compare, _forbids, _NotYet, _pair, _rng, _run

__all__ = ["check_relu_backward", "check_maxpool_backward", "check_softmax_cross_entropy"]


@_forbids("nn.ReLU.backward")
def check_relu_backward(fn):
    """``fn(dout, x)``: dL/dx of ReLU, out = max(x, 0), given dL/dout (any shape)."""

    def body():
        rng = _rng(9)
        cases = [np.array([-2.0, -0.5, 0.0, 0.5, 2.0]), rng.integers(-2, 3, (3, 4)) * 0.5,
                 rng.standard_normal((2, 1, 3, 3))]
        for x in cases:
            x[(0,) * x.ndim] = 0.0  # an exact 0 in every case: the kink
            dout = rng.integers(-3, 4, x.shape) + 0.25
            case = f"x.shape={x.shape}, x with an exact 0"
            relu = nn.ReLU()
            relu.forward(x)
            hints = [(dout, "the gradient passes only where x > 0: set dx to 0 where x <= 0"),
                     (np.where(x >= 0, dout, 0), "at x = 0 the gradient is 0, as in PyTorch: use x > 0, not x >= 0"),
                     (np.where(dout > 0, dout, 0), "the mask comes from the forward's input x, not from dout"),
                     ((x > 0).astype(float), "multiply the mask by dout: dx = dout where x > 0")]
            _compare(_call(fn, case, dout.copy(), x.copy()), relu.backward(dout), case, hints)
        return len(cases)

    return _run("ReLU backward", body)


def _maxpool_backward(dout, x, size):
    """dx of a size x size max pool with stride size on one channel, by :class:`convkit.nn.MaxPool2D`."""
    pool = nn.MaxPool2D(size)
    pool.forward(x[None, None])
    return pool.backward(dout[None, None])[0, 0]


@_forbids("nn.MaxPool2D.backward")
def check_maxpool_backward(fn):
    """``fn(dout, x, size)``: dL/dx of a size x size max pool with stride size on one channel x (H, W)."""

    def body():
        rng = _rng(10)
        cases = [(np.array([[1.0, 3.0, 2.0, 0.0], [4.0, 2.0, 1.0, 1.0], [0.0, 5.0, 6.0, 6.0], [1.0, 2.0, 6.0, 3.0]]), 2,
                  "the chapter's example (a tie in the last window)"),
                 (rng.integers(0, 3, (4, 6)).astype(float), 2, "small integers: many ties"),
                 (rng.standard_normal((6, 3)), 3, "3x3 windows"),
                 (rng.integers(0, 2, (6, 6)).astype(float), 3, "0s and 1s in 3x3 windows")]
        for x, size, what in cases:
            ho, wo = x.shape[0] // size, x.shape[1] // size
            dout = rng.integers(1, 9, (ho, wo)).astype(float)
            case = f"{what} (x.shape={x.shape}, size={size})"
            want = _maxpool_backward(dout, x, size)
            blocks = x.reshape(ho, size, wo, size)
            big = np.kron(dout, np.ones((size, size)))
            at_all_maxima = np.where(blocks == blocks.max(axis=(1, 3), keepdims=True), dout[:, None, :, None],
                                     0).reshape(x.shape)
            # The last maximum in reading order: the first of the reversed input.
            at_last = _maxpool_backward(dout[::-1, ::-1], x[::-1, ::-1].copy(), size)[::-1, ::-1]
            hints = [(at_all_maxima, "on a tie only one entry gets the gradient: the first maximum in reading "
                                     "order (row by row), as in PyTorch"),
                     (at_last, "on a tie the *first* maximum in reading order gets the gradient, not the last "
                               "(use >, not >=, when you scan)"),
                     (big / size ** 2, "spreading dout evenly over the window is average pooling's backward; max "
                                       "pooling sends all of it to the maximum"),
                     (big, "only the maximum of each window gets dout; the others get 0"),
                     (dout if dout.shape != x.shape else None, "dx has the shape of x, not of the output")]
            _compare(_call(fn, case, dout.copy(), x.copy(), size), want, case, hints)
        return len(cases)

    return _run("max-pool backward", body)


@_forbids("nn.softmax_cross_entropy")
def check_softmax_cross_entropy(fn):
    """``fn(logits, labels)`` -> (loss, dlogits): mean cross-entropy of softmax(logits) and its gradient."""

    def body():
        rng = _rng(11)
        cases = [(np.array([[2.0, 1.0, 0.1]]), np.array([0]), "one row, the chapter's example"),
                 (rng.standard_normal((4, 5)), rng.integers(0, 5, 4), "4 rows of 5 classes"),
                 (rng.standard_normal((3, 10)) * 1000, rng.integers(0, 10, 3), "logits near +-1000")]
        for z, labels, what in cases:
            case = f"{what} (logits.shape={z.shape})"
            loss, dz = nn.softmax_cross_entropy(z, labels)
            with np.errstate(all="ignore"):  # an overflow is reported below, as a hint, not as warnings
                got = _call(fn, case, z.copy(), labels.copy())
            _pair(got, case, "(loss, dlogits)")
            n = len(labels)
            if np.isnan(np.asarray(got[0], dtype=float)).any() or np.isnan(np.asarray(got[1], dtype=float)).any():
                raise _NotYet(f"{case}: got nan. Hint: exp(1000) overflows; subtract each row's maximum from "
                              f"the logits first (the softmax does not change)")
            p = dz * n
            p[np.arange(n), labels] += 1
            _compare(got[0], loss, case + ", loss",
                     [(loss * n if n > 1 else None, "the loss is the *mean* over the batch, not the sum")])
            _compare(got[1], dz, case + ", dlogits",
                     [(dz * n if n > 1 else None, "the loss is a mean over the N rows, so dlogits is divided by N"),
                      (p / n, "subtract 1 at each row's label: dlogits = (softmax - onehot) / N"),
                      (-dz, "the sign: dlogits = (softmax - onehot) / N, so the label's entry is negative")])
        return len(cases)

    return _run("softmax cross-entropy", body)

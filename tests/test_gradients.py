"""Numerical gradient checks: the analytic backward passes against centred differences."""
import numpy as np
import pytest

import convkit as ck


@pytest.mark.parametrize("length,stride,padding", [(8, 1, 0), (9, 2, 1), (8, 3, 2)])
def test_conv1d_gradients(length, stride, padding):
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(length), rng.standard_normal(3)
    dout = rng.standard_normal(ck.output_size(x.size, 3, stride, padding))
    dx, dw, db = ck.conv1d_backward(dout, x, w, stride, padding)
    assert ck.rel_error(dx, ck.numerical_gradient(lambda v: ck.conv1d(v, w, 0.5, stride, padding), x, dout)) < 1e-8
    assert ck.rel_error(dw, ck.numerical_gradient(lambda v: ck.conv1d(x, v, 0.5, stride, padding), w, dout)) < 1e-8
    b = np.array(0.5)
    assert ck.rel_error(db, ck.numerical_gradient(lambda v: ck.conv1d(x, w, v, stride, padding), b, dout)) < 1e-8


@pytest.mark.parametrize("method", ck.METHODS)
def test_conv2d_gradients(method):
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((2, 3, 6, 6)), rng.standard_normal((4, 3, 3, 2)), rng.standard_normal(4)
    kw = dict(stride=(1, 3), padding=(1, 1), method=method)
    dout = rng.standard_normal(ck.conv2d(x, w, b, **kw).shape)
    dx, dw, db = ck.conv2d_backward(dout, x, w, **kw)
    assert ck.rel_error(dx, ck.numerical_gradient(lambda v: ck.conv2d(v, w, b, **kw), x, dout)) < 1e-8
    assert ck.rel_error(dw, ck.numerical_gradient(lambda v: ck.conv2d(x, v, b, **kw), w, dout)) < 1e-8
    assert ck.rel_error(db, ck.numerical_gradient(lambda v: ck.conv2d(x, w, v, **kw), b, dout)) < 1e-8


@pytest.mark.parametrize("method", ck.METHODS)
def test_layer_gradients(method):
    rng = np.random.default_rng(2)
    layer = ck.Conv2D(2, 3, (2, 3), stride=2, padding=1, rng=0, method=method)
    x = rng.standard_normal((3, 2, 6, 5))
    dout = rng.standard_normal(layer.forward(x).shape)
    dx = layer.backward(dout)
    assert ck.rel_error(dx, ck.numerical_gradient(layer.forward, x.copy(), dout)) < 1e-8
    W = layer.W

    def with_weights(v):
        layer.W = v
        return layer.forward(x)

    dW = layer.dW
    assert ck.rel_error(dW, ck.numerical_gradient(with_weights, W.copy(), dout)) < 1e-8


def test_gradient_check_catches_a_wrong_gradient():
    """The check can fail: dx computed without flipping w is caught."""
    rng = np.random.default_rng(4)
    x, w, dout = rng.standard_normal(6), rng.standard_normal(3), rng.standard_normal(4)
    numeric = ck.numerical_gradient(lambda v: ck.conv1d(v, w), x, dout)
    unflipped = np.correlate(np.pad(dout, 2), w, "valid")
    assert ck.rel_error(unflipped, numeric) > 1e-2
    assert ck.rel_error(ck.conv1d_backward(dout, x, w)[0], numeric) < 1e-8
    # numpy's true convolution flips w itself, so it gives the right answer.
    assert ck.rel_error(np.convolve(dout, w), numeric) < 1e-8


def test_rel_error():
    assert ck.rel_error([1.0, 2.0], [1.0, 2.0]) == 0
    assert ck.rel_error(np.zeros(3), np.zeros(3)) == 0
    assert ck.rel_error([1.0], [3.0]) == pytest.approx(0.5)

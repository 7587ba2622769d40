"""Numbers from the seed texts and textbooks, exactly."""
import numpy as np
import pytest

import convkit as ck

X3 = np.arange(1, 10).reshape(3, 3)
K2 = np.array([[1, 2], [3, 4]])


def test_worked_example_corr2d():
    np.testing.assert_array_equal(ck.corr2d(X3, K2), [[37, 47], [67, 77]])


@pytest.mark.parametrize("method", ck.METHODS)
def test_worked_example_every_method(method):
    out = ck.conv2d(X3[None, None], K2[None, None], method=method)
    np.testing.assert_array_equal(out[0, 0], [[37, 47], [67, 77]])


def test_worked_example_as_sparse_matrix():
    m = ck.conv_matrix(K2, (3, 3))
    assert m.shape == (4, 9)
    # Row 0 holds the kernel at input positions 0, 1, 3, 4 (reading order).
    np.testing.assert_array_equal(m[0], [1, 2, 0, 3, 4, 0, 0, 0, 0])
    np.testing.assert_array_equal(m[3], [0, 0, 0, 0, 1, 2, 0, 3, 4])
    np.testing.assert_array_equal(m @ X3.ravel(), [37, 47, 67, 77])
    assert np.count_nonzero(m) == 16


def test_output_size_formula():
    assert ck.output_size(3, 2) == 2
    assert ck.output_size(4, 2, stride=1, padding=1) == 5  # the 25 windows of the padded 4x4
    assert ck.output_size(32, 3, 1, 1) == 32  # "same" padding (F - 1)/2
    assert ck.output_size(227, 11, 4, 0) == 55  # AlexNet conv1
    assert ck.output_size(7, 3, 2, 0) == 3


def test_im2col_seed_matrix():
    cols = ck.im2col(np.arange(16).reshape(1, 1, 4, 4), 2, 2, stride=1, padding=1)
    assert cols.shape == (4, 25)
    expected = np.array([
        [0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 0, 4, 5, 6, 7, 0, 8, 9, 10, 11, 0, 12, 13, 14, 15],
        [0, 0, 0, 0, 0, 0, 1, 2, 3, 0, 4, 5, 6, 7, 0, 8, 9, 10, 11, 0, 12, 13, 14, 15, 0],
        [0, 0, 1, 2, 3, 0, 4, 5, 6, 7, 0, 8, 9, 10, 11, 0, 12, 13, 14, 15, 0, 0, 0, 0, 0],
        [0, 1, 2, 3, 0, 4, 5, 6, 7, 0, 8, 9, 10, 11, 0, 12, 13, 14, 15, 0, 0, 0, 0, 0, 0],
    ])
    np.testing.assert_array_equal(cols, expected)
    # Seed 000 shows the fourth window as [[0, 0], [3, 0]]; it is [[0, 0], [2, 3]].
    np.testing.assert_array_equal(cols[:, 3].reshape(2, 2), [[0, 0], [2, 3]])


def test_1d_derivation_term_by_term():
    """The seed's 1-D example: five inputs, three weights, three outputs."""
    rng = np.random.default_rng(1)
    x, w, dout = rng.standard_normal(5), rng.standard_normal(3), rng.standard_normal(3)
    dx, dw, db = ck.conv1d_backward(dout, x, w)
    # Cross-correlation y_i = sum_a w_a x_{i+a}: x_0 only meets w_0 through y_0, and so on.
    expect_dx = [
        w[0] * dout[0],
        w[1] * dout[0] + w[0] * dout[1],
        w[2] * dout[0] + w[1] * dout[1] + w[0] * dout[2],
        w[2] * dout[1] + w[1] * dout[2],
        w[2] * dout[2],
    ]
    expect_dw = [x[0:3] @ dout, x[1:4] @ dout, x[2:5] @ dout]
    np.testing.assert_allclose(dx, expect_dx, rtol=1e-14)
    np.testing.assert_allclose(dw, expect_dw, rtol=1e-14)
    assert db == pytest.approx(dout.sum())


def test_conv1d_forward():
    np.testing.assert_array_equal(ck.conv1d([1, 2, 3, 4, 5], [1, 0, -1]), [-2, -2, -2])
    np.testing.assert_array_equal(ck.conv1d([1, 2, 3], [1, 1], b=1, padding=1), [2, 4, 6, 4])
    np.testing.assert_array_equal(ck.conv1d([1, 2, 3, 4, 5], [1, 1, 1], stride=2), [6, 12])


@pytest.mark.parametrize("method", ck.METHODS)
def test_dtypes(method):
    x32 = np.ones((1, 1, 3, 3), np.float32)
    w32 = np.ones((1, 1, 2, 2), np.float32)
    assert ck.conv2d(x32, w32, method=method).dtype == np.float32
    assert ck.conv2d(x32.astype(np.float64), w32, method=method).dtype == np.float64
    assert ck.conv2d(np.ones((1, 1, 3, 3), int), np.ones((1, 1, 2, 2), int), method=method).dtype == np.float64
    grads = ck.conv2d_backward(np.ones((1, 1, 2, 2), np.float32), x32, w32, method=method)
    assert [g.dtype for g in grads] == [np.float32] * 3
    assert ck.corr2d(X3, K2).dtype == np.float64
    assert ck.im2col(np.ones((1, 1, 3, 3), int), 2, 2).dtype == np.float64


@pytest.mark.parametrize("method", ck.METHODS)
def test_layer_computes_in_the_wider_dtype(method):
    layer = ck.Conv2D(1, 2, 2, rng=0, method=method, dtype=np.float32)
    x = np.random.default_rng(0).standard_normal((1, 1, 3, 3))  # float64
    out = layer.forward(x)
    assert out.dtype == np.float64
    dx = layer.backward(np.full(out.shape, 1 / 3))
    assert dx.dtype == layer.dW.dtype == np.float64
    want = ck.conv2d_backward(np.full(out.shape, 1 / 3), x, layer.W.astype(np.float64), method="loops")
    np.testing.assert_allclose(dx, want[0], rtol=1e-12)

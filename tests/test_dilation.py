"""Dilation and drop_last through every layer of convkit, the pad alias, and Conv2D.from_weights."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

import convkit as ck
from convkit.geometry import conv_geometry
from convkit.im2col import windows
from convkit.methods import _fast_kernels
from test_against_references import cases


@given(case=cases(), seed=st.integers(0, 2**16))
def test_im2col_col2im_adjoint_with_dilation(case, seed):
    (_, _, fh, fw) = case.w_shape
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(case.x_shape)
    cols = ck.im2col(x, fh, fw, **case.kw)
    c = rng.standard_normal(cols.shape)
    lhs, rhs = np.vdot(cols, c), np.vdot(x, ck.col2im(c, case.x_shape, fh, fw, **case.kw))
    assert abs(lhs - rhs) <= 1e-10 * (abs(lhs) + 1)


KERNEL_SETS = [_fast_kernels.NUMPY] + ([_fast_kernels.numba_kernels()] if _fast_kernels.numba_kernels() else [])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kernels", KERNEL_SETS, ids=lambda k: k.name)
@given(case=cases(), seed=st.integers(0, 2**16))
def test_fast_path_kernels_with_dilation_match_the_chapter(kernels, dtype, case, seed):
    """The fast path's compiled and numpy block im2col/col2im, dilated and floored, into dirty buffers."""
    g = conv_geometry(case.x_shape, case.w_shape, case.stride, case.padding, case.dilation, case.drop_last)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(case.x_shape).astype(dtype)
    L = g.ho * g.wo
    cols = np.full((g.n, g.c * g.fh * g.fw, L), np.nan, dtype)  # every entry must be written
    kernels.im2col(x, g, cols)
    want = ck.im2col(x, g.fh, g.fw, **case.kw).reshape(-1, g.n, L).transpose(1, 0, 2)
    np.testing.assert_array_equal(cols, want)
    c = rng.standard_normal(cols.shape).astype(dtype)
    dx = np.full(case.x_shape, np.nan, dtype)
    kernels.col2im(c, g, dx)
    want = ck.col2im(c.transpose(1, 0, 2).reshape(-1, g.n * L), case.x_shape, g.fh, g.fw, **case.kw)
    tol = 1e-6 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(dx, want, rtol=tol, atol=tol)


@given(case=cases(), seed=st.integers(0, 2**16))
def test_dilation_is_a_kernel_with_holes(case, seed):
    """conv2d(x, w, dilation=d) == conv2d(x, w with d - 1 zeros between taps): Chapter 8's first picture."""
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(case.x_shape), rng.standard_normal(case.w_shape)
    dh, dw = case.dilation
    holes = np.zeros((*case.w_shape[:2], dh * (case.w_shape[2] - 1) + 1, dw * (case.w_shape[3] - 1) + 1))
    holes[:, :, ::dh, ::dw] = w
    kw = dict(stride=case.stride, padding=case.padding, drop_last=case.drop_last)
    np.testing.assert_allclose(ck.conv2d(x, w, dilation=case.dilation, **kw), ck.conv2d(x, holes, **kw), atol=1e-12)


@pytest.mark.parametrize("n", range(1, 13))
def test_output_size_is_pytorchs_formula(n):
    """floor((n + 2P - D(F - 1) - 1)/S + 1), PyTorch's documented rule, wherever the window fits."""
    for f in range(1, 5):
        for s in range(1, 4):
            for p in range(3):
                for d in range(1, 4):
                    span = n + 2 * p - d * (f - 1) - 1
                    if span < 0:
                        with pytest.raises(ck.ConvArgumentError, match="larger than the padded input"):
                            ck.output_size(n, f, s, p, d, drop_last=True)
                        continue
                    assert ck.output_size(n, f, s, p, d, drop_last=True) == span // s + 1
                    if span % s:
                        with pytest.raises(ck.ConvArgumentError, match="not a whole number"):
                            ck.output_size(n, f, s, p, d)
                    else:
                        assert ck.output_size(n, f, s, p, d) == span // s + 1
    t = F.conv2d(torch.zeros(1, 1, n, n + 3), torch.zeros(1, 1, 2, 3), stride=2, padding=1, dilation=(2, 1))
    assert t.shape[2:] == (ck.output_size(n, 2, 2, 1, 2, drop_last=True), ck.output_size(n + 3, 3, 2, 1, 1,
                                                                                          drop_last=True))


def test_receptive_field_of_stacked_dilated_layers():
    """Three 3x3 layers: 7x7 undilated, 15x15 with dilations 1, 2, 4 (Chapter 8), found by backpropagation."""
    def field(dilations):
        size = 1 + sum(2 * d for d in dilations)
        x = np.zeros((1, 1, size + 10, size + 10))
        grad = np.zeros((1, 1, 1, 1))
        grad[0, 0, 0, 0] = 1.0
        shapes = [x.shape]
        for d in dilations:
            h = shapes[-1][2] - 2 * d
            shapes.append((1, 1, h, h))
        g = np.zeros((1, 1, shapes[-1][2], shapes[-1][3]))
        g[0, 0, shapes[-1][2] // 2, shapes[-1][3] // 2] = 1.0
        for d, shape in zip(reversed(dilations), reversed(shapes[:-1])):
            g = ck.conv2d_backward(g, np.zeros(shape), np.ones((1, 1, 3, 3)), dilation=d)[0]
        rows = np.flatnonzero(g[0, 0].any(axis=1))
        return rows[-1] - rows[0] + 1, np.count_nonzero(g)

    assert field([1, 1, 1]) == (7, 49)
    assert field([1, 2, 4]) == (15, 225)  # every pixel of the 15x15 field, no holes


FUNCTIONS_WITH_PADDING = {
    "output_size": lambda **p: ck.output_size(5, 3, **p),
    "conv2d": lambda **p: ck.conv2d(np.ones((1, 2, 5, 4)), np.ones((3, 2, 3, 2)), **p),
    "conv2d_backward": lambda **p: ck.conv2d_backward(np.ones((1, 3, 5, 5)), np.ones((1, 2, 5, 4)),
                                                      np.ones((3, 2, 3, 2)), **p)[0],
    "Conv2D": lambda **p: ck.Conv2D(2, 3, (3, 2), rng=0, **p).forward(np.ones((1, 2, 5, 4))),
    "Conv2D.from_weights": lambda **p: ck.Conv2D.from_weights(np.ones((3, 2, 3, 2)), **p).forward(np.ones((1, 2, 5, 4))),
    "im2col": lambda **p: ck.im2col(np.arange(20.0).reshape(1, 1, 5, 4), 3, 2, **p),
    "windows": lambda **p: windows(np.arange(20.0).reshape(1, 1, 5, 4), 3, 2, **p),
    "col2im": lambda **p: ck.col2im(np.ones((6, 25)), (1, 1, 5, 4), 3, 2, **p),
    "conv_matrix": lambda **p: ck.conv_matrix(np.ones((3, 2)), (5, 4), **p),
    "conv_matrix_pattern": lambda **p: np.concatenate(ck.conv_matrix_pattern((3, 2), (5, 4), **p)[:3]),
    "conv_transpose2d": lambda **p: ck.conv_transpose2d(np.ones((1, 3, 4, 4)), np.ones((3, 2, 3, 2)), **p),
    "conv_transpose2d_backward": lambda **p: ck.conv_transpose2d_backward(
        np.ones((1, 2, 4, 3)), np.ones((1, 3, 4, 4)), np.ones((3, 2, 3, 2)), **p)[0],
}


@pytest.mark.parametrize("name", FUNCTIONS_WITH_PADDING)
def test_pad_is_an_alias_of_padding_everywhere(name):
    """Each call is sized for padding 1: were pad ignored, it would fail or differ."""
    fn = FUNCTIONS_WITH_PADDING[name]
    np.testing.assert_array_equal(fn(pad=1), fn(padding=1))
    with pytest.raises(ck.ConvArgumentError, match=r"padding and its alias pad are both given"):
        fn(padding=1, pad=2)


def test_from_weights_drops_into_a_dlfs_network():
    """Deep Learning from Scratch's optimisers update params in place; the layer shares them and learns."""
    rng = np.random.default_rng(0)
    params = {"W1": rng.standard_normal((4, 1, 3, 3)) * 0.1, "b1": np.zeros(4)}
    layer = ck.Conv2D.from_weights(params["W1"], params["b1"], 1, 0)  # Convolution(W, b, stride, pad)
    x = rng.standard_normal((2, 1, 6, 6))
    target = ck.conv2d(x, rng.standard_normal((4, 1, 3, 3)), rng.standard_normal(4))  # reachable
    losses = []
    for _ in range(50):
        out = layer.forward(x)
        losses.append(0.5 * np.sum((out - target) ** 2))
        layer.backward(out - target)
        for key, grad in (("W1", layer.dW), ("b1", layer.db)):  # DLFS's SGD.update
            params[key] -= 0.02 * grad
    assert layer.W is params["W1"] and losses[-1] < 0.5 * losses[0]


def test_from_weights_takes_cs231n_conv_param_and_keeps_float32():
    w, b = np.ones((2, 3, 3, 3), np.float32), np.arange(2, dtype=np.float32)
    conv_param = {"stride": 2, "pad": 1}
    layer = ck.Conv2D.from_weights(w, b, **conv_param)
    out = layer.forward(np.ones((1, 3, 5, 5), np.float32))
    assert out.dtype == np.float32 and out.shape == (1, 2, 3, 3)
    assert out[0, 1, 1, 1] == 27 + 1
    np.testing.assert_array_equal(ck.conv2d(np.ones((1, 3, 5, 5)), w, b, **conv_param), out)
    ints = ck.Conv2D.from_weights([[[[1, 2]]]])
    assert ints.W.dtype == np.float64 and ints.b.tolist() == [0.0]


def test_repr_shows_dilation_and_drop_last_only_when_set():
    assert repr(ck.Conv2D(3, 4, (3, 2), stride=(2, 1), padding=1, rng=7)) == \
        "Conv2D(3, 4, kernel_size=(3, 2), stride=(2, 1), padding=(1, 1), method='fast')"  # Chapter 5's output
    assert repr(ck.Conv2D.from_weights(np.ones((4, 3, 3, 3)), dilation=2, drop_last=True, method="loops")) == \
        "Conv2D(3, 4, kernel_size=(3, 3), stride=(1, 1), padding=(0, 0), dilation=(2, 2), drop_last=True, " \
        "method='loops')"


def test_drop_last_floors_as_deep_learning_from_scratch():
    """DLFS's Convolution: out_h = 1 + int((H + 2*pad - FH) / stride); the dropped rows get no gradient."""
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((1, 1, 8, 8)), rng.standard_normal((1, 1, 3, 3))
    out = ck.conv2d(x, w, stride=2, drop_last=True)
    assert out.shape[2:] == (1 + int((8 - 3) / 2),) * 2
    np.testing.assert_allclose(out, ck.conv2d(x[:, :, :7, :7], w, stride=2), atol=1e-14)
    dx = ck.conv2d_backward(np.ones_like(out), x, w, stride=2, drop_last=True)[0]
    assert not dx[0, 0, 7].any() and not dx[0, 0, :, 7].any() and dx[0, 0, :7, :7].any()

"""conv_transpose2d and its backward: against PyTorch, as the adjoint of conv2d, as (W*)^T, by gradient checks."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

import convkit as ck
from test_against_references import TOL, VARIANTS, _close, assert_bias_gradient, cases, fast_path, variant_name

torch.set_num_threads(1)


def _arrays(case, dtype, seed):
    """y shaped like the case's conv2d output, the filters, a bias per output channel, dout like x."""
    rng = np.random.default_rng(seed)
    y = rng.standard_normal(case.out_shape).astype(dtype)
    w = rng.standard_normal(case.w_shape).astype(dtype)
    b = rng.standard_normal(case.w_shape[1]).astype(dtype)
    dout = rng.standard_normal(case.x_shape).astype(dtype)
    return y, w, b, dout


def _kw(case):
    return dict(stride=case.stride, padding=case.padding, dilation=case.dilation, output_padding=case.dropped)


def _torch_transposed(y, w, b, case, dout):
    ty, tw, tb = (torch.tensor(a, requires_grad=True) for a in (y, w, b))
    out = F.conv_transpose2d(ty, tw, tb, stride=case.stride, padding=case.padding, output_padding=case.dropped,
                             dilation=case.dilation)
    out.backward(torch.tensor(dout))
    return out.detach().numpy(), ty.grad.numpy(), tw.grad.numpy(), tb.grad.numpy()


def transposed_errors(case, dtype, seed):
    """conv_transpose2d's output and (dy, dw, db) with every method against PyTorch: {(function, variant): errors}."""
    y, w, b, dout = _arrays(case, dtype, seed)
    out_t, *grads_t = _torch_transposed(y, w, b, case, dout)
    out = ck.conv_transpose2d(y, w, b, **_kw(case))
    assert out.shape == case.x_shape == out_t.shape and out.dtype == dtype
    errors = {("conv_transpose2d", "-"): [ck.rel_error(out, out_t)]}
    for method, setting in VARIANTS:
        with fast_path(**setting):
            grads = ck.conv_transpose2d_backward(dout, y, w, method=method, **_kw(case))
        for got, want in zip(grads, grads_t):
            assert got.shape == want.shape and got.dtype == dtype, (method, got.shape, want.shape, got.dtype)
        assert_bias_gradient(grads[2], dout)
        errors["conv_transpose2d_backward", variant_name(method, setting)] = [
            ck.rel_error(g, t) for g, t in zip(grads, grads_t)]
    return errors


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(case=cases(), seed=st.integers(0, 2**16))
def test_matches_pytorch_forward_and_backward(case, seed, dtype):
    for (fn, variant), errs in transposed_errors(case, dtype, seed).items():
        errs = errs if fn == "conv_transpose2d" else errs[:2]  # db: assert_bias_gradient
        assert max(errs) < TOL[dtype], (fn, variant, errs)


@given(case=cases(), seed=st.integers(0, 2**16))
def test_adjoint_of_conv2d_for_every_method(case, seed):
    """<conv2d(x, w), y> = <x, conv_transpose2d(y, w)>, each side computed its own way."""
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(case.x_shape), rng.standard_normal(case.w_shape)
    y = rng.standard_normal(case.out_shape)
    rhs = np.vdot(x, ck.conv_transpose2d(y, w, **_kw(case)))
    for method, setting in VARIANTS:
        with fast_path(**setting):
            lhs = np.vdot(ck.conv2d(x, w, method=method, **case.kw), y)
        scale = np.linalg.norm(x) * np.linalg.norm(y) * np.linalg.norm(w)
        assert abs(lhs - rhs) <= 1e-12 * scale, (method, lhs, rhs)


@given(case=cases(), seed=st.integers(0, 2**16))
def test_input_gradient_of_conv2d_is_the_transposed_convolution(case, seed):
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(case.x_shape), rng.standard_normal(case.w_shape)
    dout = rng.standard_normal(case.out_shape)
    want = ck.conv_transpose2d(dout, w, **_kw(case))
    for method, setting in VARIANTS:
        with fast_path(**setting):
            dx = ck.conv2d_backward(dout, x, w, method=method, **case.kw)[0]
        _close(dx, want, np.float64)


@pytest.mark.parametrize("method", ck.METHODS)
@pytest.mark.parametrize("stride, padding, dilation, output_padding", [
    (1, 0, 1, 0), ((2, 1), (1, 0), (1, 2), (1, 0)), (3, 1, 2, 2), (2, (0, 2), 1, (0, 1)),
])
def test_backward_by_numerical_gradients(method, stride, padding, dilation, output_padding):
    rng = np.random.default_rng(8)
    y, w, b = rng.standard_normal((2, 3, 3, 4)), rng.standard_normal((3, 2, 3, 2)), rng.standard_normal(2)
    kw = dict(stride=stride, padding=padding, dilation=dilation, output_padding=output_padding)
    dout = rng.standard_normal(ck.conv_transpose2d(y, w, b, **kw).shape)
    dy, dw, db = ck.conv_transpose2d_backward(dout, y, w, method=method, **kw)
    for got, arg in ((dy, 0), (dw, 1), (db, 2)):
        args = [y, w, b]

        def f(v):
            return ck.conv_transpose2d(*args[:arg], v, *args[arg + 1:], **kw)

        numeric = ck.numerical_gradient(f, args[arg].copy(), dout)
        assert ck.rel_error(got, numeric) < 1e-8, (method, arg)


def test_a_wrong_backward_is_caught():
    """The gradient check can fail: dy computed with the kernel flipped is far off."""
    rng = np.random.default_rng(9)
    y, w = rng.standard_normal((1, 2, 3, 3)), rng.standard_normal((2, 1, 3, 3))
    dout = rng.standard_normal((1, 1, 7, 7))
    numeric = ck.numerical_gradient(lambda v: ck.conv_transpose2d(v, w, stride=2), y.copy(), dout)
    flipped = ck.conv2d(dout, w[:, :, ::-1, ::-1], stride=2)
    assert ck.rel_error(flipped, numeric) > 1e-2
    assert ck.rel_error(ck.conv_transpose2d_backward(dout, y, w, stride=2)[0], numeric) < 1e-8


@pytest.mark.parametrize("n, f, s, p, d", [(4, 3, 2, 1, 1), (5, 3, 1, 0, 2), (3, 4, 3, 2, 2), (1, 1, 1, 0, 1)])
def test_output_size_and_its_ambiguity(n, f, s, p, d):
    """S input sizes floor to the same output size n; output_padding 0 .. S-1 gives each, as PyTorch does."""
    sizes = [ck.transposed_output_size(n, f, s, p, d, o) for o in range(s)]
    assert sizes == [(n - 1) * s - 2 * p + d * (f - 1) + 1 + o for o in range(s)]
    for o, size in enumerate(sizes):
        assert ck.output_size(size, f, s, p, d, drop_last=True) == n
        # Only the smallest is a whole number without flooring.
        if o:
            with pytest.raises(ck.ConvArgumentError, match="not a whole number"):
                ck.output_size(size, f, s, p, d)
        else:
            assert ck.output_size(size, f, s, p, d) == n
        t = F.conv_transpose2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, f, f), stride=s, padding=p,
                               output_padding=o, dilation=d)
        assert t.shape[-1] == size
    # One size more and the forward gives n + 1: no output_padding reaches it.
    assert ck.output_size(sizes[-1] + 1, f, s, p, d, drop_last=True) == n + 1


def test_stride_two_upsamples_by_stamps():
    """Each y entry stamps y[i, j] * w at (i*S, j*S); overlapping stamps add up."""
    rng = np.random.default_rng(10)
    y, w = rng.standard_normal((3, 4)), rng.standard_normal((3, 3))
    out = ck.conv_transpose2d(y[None, None], w[None, None], stride=2)[0, 0]
    assert out.shape == (7, 9)
    stamps = np.zeros((7, 9))
    for i in range(3):
        for j in range(4):
            stamps[2 * i:2 * i + 3, 2 * j:2 * j + 3] += y[i, j] * w
    np.testing.assert_allclose(out, stamps, atol=1e-13)


def test_float32_stays_float32_and_bias_per_output_channel():
    y = np.ones((1, 2, 2, 2), np.float32)
    w = np.ones((2, 3, 1, 1), np.float32)
    out = ck.conv_transpose2d(y, w, np.array([1, 2, 3], np.float32))
    assert out.dtype == np.float32 and out.shape == (1, 3, 2, 2)
    np.testing.assert_array_equal(out[0, :, 0, 0], [3, 4, 5])
    assert ck.conv_transpose2d(y, w.astype(np.float64)).dtype == np.float64

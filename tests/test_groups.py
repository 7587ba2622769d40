"""Grouped and depthwise convolutions (``groups=``, Chapter 11) against PyTorch, the loops method, and by shape.

Hypothesis draws the geometries of ``test_against_references`` (stride, padding, dilation, floored
sizes) and a channel grouping on top: 1 to 3 groups of 1 to 3 channels and 1 to 2 filters each, so
depthwise convolutions (one channel per group, ``groups = C``) are drawn too.
``python tests/test_groups.py [draws]`` prints the largest error against PyTorch over that many.
"""
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

import convkit as ck
from convkit import methods
from test_against_references import TOL, VARIANTS, Case, _close, assert_bias_gradient, cases, draw_case, fast_path

torch.set_num_threads(1)


def grouped(case, groups, per_group, filters_per_group):
    """The case with ``groups`` groups of ``per_group`` channels and ``filters_per_group`` filters each."""
    n, _, h, w = case.x_shape
    fh, fw = case.w_shape[2:]
    return case._replace(x_shape=(n, groups * per_group, h, w), w_shape=(groups * filters_per_group, per_group, fh, fw))


CASE_3X3 = Case((2, 1, 7, 6), (1, 1, 3, 3), (1, 1), (1, 1), (1, 1), (0, 0))  # Winograd's geometry; grouped below


@st.composite
def grouped_cases(draw):
    """(case, groups): a :func:`test_against_references.cases` geometry with its channels grouped."""
    case, groups = draw(cases()), draw(st.integers(1, 3))
    return grouped(case, groups, draw(st.integers(1, 3)), draw(st.integers(1, 2))), groups


def _arrays(case, dtype, seed):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in (case.x_shape, case.w_shape, case.w_shape[:1],
                                                            case.out_shape)]


def torch_grouped(x, w, b, dout, case, groups):
    """PyTorch's output and gradients (autograd) of the grouped convolution."""
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    out = F.conv2d(tx, tw, tb, stride=case.stride, padding=case.padding, dilation=case.dilation, groups=groups)
    out.backward(torch.tensor(dout))
    return out.detach().numpy(), tx.grad.numpy(), tw.grad.numpy(), tb.grad.numpy()


def _variants(case):
    """Every method (and fast-path setting), Winograd where the geometry is 3x3, stride 1, undilated."""
    extra = [("winograd", {})] if case.w_shape[2:] == (3, 3) and case.stride == case.dilation == (1, 1) else []
    return VARIANTS + extra


def grouped_errors(case, groups, dtype, seed):
    """{method variant: [out, dx, dw] errors against PyTorch}; asserts agreement with the loops method and db."""
    x, w, b, dout = _arrays(case, dtype, seed)
    want = torch_grouped(x, w, b, dout, case, groups)
    errors, loops = {}, None
    for method, setting in _variants(case):
        with fast_path(**setting):
            got = (ck.conv2d(x, w, b, method=method, groups=groups, **case.kw),
                   *ck.conv2d_backward(dout, x, w, method=method, groups=groups, **case.kw))
        for a, ref in zip(got, want):
            assert a.shape == ref.shape and a.dtype == dtype, (method, a.shape, ref.shape)
        assert_bias_gradient(got[3], dout)
        errors[f"{method} {setting}" if setting else method] = [ck.rel_error(a, r) for a, r in zip(got[:3], want)]
        if loops is None:
            loops = got
        else:
            tol = methods.get("winograd").RTOL[np.dtype(dtype)] * 4 if method == "winograd" else TOL[dtype]
            for a, ref in zip(got[:3], loops):
                assert ck.rel_error(a, ref) < tol, (method, ck.rel_error(a, ref))
    return errors


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(drawn=grouped_cases(), seed=st.integers(0, 2**16))
def test_every_method_matches_pytorch(drawn, seed, dtype):
    case, groups = drawn
    for variant, errs in grouped_errors(case, groups, dtype, seed).items():
        assert max(errs) < TOL[dtype], (variant, errs)


@given(drawn=grouped_cases(), seed=st.integers(0, 2**16))
def test_layer_matches_pytorch(drawn, seed):
    case, groups = drawn
    x, w, b, dout = _arrays(case, np.float64, seed)
    layer = ck.Conv2D.from_weights(w, b, case.stride, case.padding, case.dilation, groups=groups,
                                   drop_last=case.drop_last)
    got = (layer.forward(x), layer.backward(dout), layer.dW, layer.db)
    for a, ref in zip(got, torch_grouped(x, w, b, dout, case, groups)):
        _close(a, ref, np.float64)
    k, cg, fh, fw = case.w_shape
    new = ck.Conv2D(cg * groups, k, (fh, fw), groups=groups, rng=seed)
    assert new.W.shape == case.w_shape and (groups == 1 or f"groups={groups}" in repr(new))


def torch_transposed(y, w, b, dout, case, groups):
    ty, tw, tb = (torch.tensor(a, requires_grad=True) for a in (y, w, b))
    out = F.conv_transpose2d(ty, tw, tb, stride=case.stride, padding=case.padding, output_padding=case.dropped,
                             groups=groups, dilation=case.dilation)
    out.backward(torch.tensor(dout))
    return out.detach().numpy(), ty.grad.numpy(), tw.grad.numpy(), tb.grad.numpy()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(drawn=grouped_cases(), seed=st.integers(0, 2**16))
def test_transposed_matches_pytorch(drawn, seed, dtype):
    case, groups = drawn
    rng = np.random.default_rng(seed)
    y, w, b, dout = (rng.standard_normal(s).astype(dtype) for s in (case.out_shape, case.w_shape, case.x_shape[1:2],
                                                                    case.x_shape))
    kw = dict(stride=case.stride, padding=case.padding, dilation=case.dilation, output_padding=case.dropped,
              groups=groups)
    out_t, *grads_t = torch_transposed(y, w, b, dout, case, groups)
    _close(ck.conv_transpose2d(y, w, b, **kw), out_t, dtype)
    for method in ck.METHODS:
        dy, dw, db = ck.conv_transpose2d_backward(dout, y, w, method=method, **kw)
        _close(dy, grads_t[0], dtype)
        _close(dw, grads_t[1], dtype)
        assert_bias_gradient(db, dout)


def test_depthwise_is_one_filter_per_channel():
    """groups = C: channel c of the output is channel c of the input correlated with filter c alone."""
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((2, 4, 6, 5)), rng.standard_normal((4, 1, 3, 3))
    out = ck.conv2d(x, w, padding=1, groups=4)
    for c in range(4):
        np.testing.assert_allclose(out[:, c:c + 1], ck.conv2d(x[:, c:c + 1], w[c:c + 1], padding=1), atol=1e-13)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("method", ["winograd", "fft"])
def test_specialised_methods_with_groups(method, dtype):
    """Winograd and the FFT (rarely drawn above: 3x3 stride 1 for Winograd) on a depthwise and a grouped layer."""
    for case, groups in [(grouped(CASE_3X3, 4, 1, 2), 4), (grouped(CASE_3X3, 2, 3, 2), 2)]:
        x, w, b, dout = _arrays(case, dtype, 0)
        want = torch_grouped(x, w, b, dout, case, groups)
        got = (ck.conv2d(x, w, b, method=method, groups=groups, **case.kw),
               *ck.conv2d_backward(dout, x, w, method=method, groups=groups, **case.kw))
        for a, ref in zip(got[:3], want):
            assert a.shape == ref.shape and a.dtype == dtype
            assert ck.rel_error(a, ref) < 2 * methods.get(method).RTOL[np.dtype(dtype)], ck.rel_error(a, ref)


def test_bad_groups_are_named():
    x = np.zeros((1, 4, 5, 5))
    with pytest.raises(ck.ConvArgumentError, match=r"^groups=3 must divide C=4 and K=6"):
        ck.conv2d(x, np.zeros((6, 1, 3, 3)), groups=3)
    with pytest.raises(ck.ConvArgumentError, match=r"groups=4 must divide C=4 and K=6"):
        ck.conv2d_backward(np.zeros((1, 6, 3, 3)), x, np.zeros((6, 1, 3, 3)), groups=4)
    with pytest.raises(ck.ConvArgumentError, match=r"groups must be an int >= 1; got groups=0"):
        ck.conv2d(x, np.zeros((6, 4, 3, 3)), groups=0)
    with pytest.raises(ck.ConvArgumentError, match=r"groups must be an int >= 1; got groups=1.5"):
        ck.Conv2D(4, 6, 3, groups=1.5)
    with pytest.raises(ck.ConvArgumentError, match=r"w expects C=4 = groups \* w.shape\[1\] = 2\*2"):
        ck.conv2d(np.zeros((1, 6, 5, 5)), np.zeros((6, 2, 3, 3)), groups=2)
    with pytest.raises(ck.ConvArgumentError, match=r"groups=4 must divide C=4 and K=6"):
        ck.Conv2D(4, 6, 3, groups=4)
    with pytest.raises(ck.ConvArgumentError, match=r"groups=4 must divide C=8 and K=6"):
        ck.Conv2D.from_weights(np.zeros((6, 2, 3, 3)), groups=4)
    with pytest.raises(ck.ConvArgumentError, match=r"groups=4 must divide C=8 and K=6"):
        ck.conv_transpose2d(np.zeros((1, 6, 3, 3)), np.zeros((6, 2, 3, 3)), groups=4)
    with pytest.raises(ck.ConvArgumentError, match=r"method='winograd' computes F\(2x2, 3x3\) only"):
        ck.conv2d(x, np.zeros((4, 2, 5, 5)), groups=2, method="winograd")


def largest_errors(draws=200, seed=0):
    """The largest error against PyTorch of every method and dtype over ``draws`` grouped geometries."""
    rng = np.random.default_rng(seed)
    worst = {}
    for _ in range(draws):
        integer = lambda lo, hi: int(rng.integers(lo, hi + 1))  # noqa: E731
        groups = integer(1, 3)
        case = grouped(draw_case(integer), groups, integer(1, 3), integer(1, 2))
        for dtype in (np.float64, np.float32):
            for variant, errs in grouped_errors(case, groups, dtype, integer(0, 2**16)).items():
                key = (variant, np.dtype(dtype).name)
                worst[key] = np.maximum(worst.get(key, 0.0), errs)
    return worst


if __name__ == "__main__":
    draws = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    print(f"largest relative error against PyTorch {torch.__version__} (groups=, {draws} geometries):")
    print("| method | dtype | output | dx | dw |\n|---|---|---|---|---|")
    for (variant, dtype), errs in sorted(largest_errors(draws).items()):
        print(f"| {variant} | {dtype} | " + " | ".join(f"{e:.1e}" for e in errs) + " |")

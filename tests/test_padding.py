"""padding="same" and per-side padding ((top, bottom), (left, right)) (Chapter 11) against PyTorch.

"same" against ``torch.nn.functional.conv2d(x, w, padding="same")`` (stride 1, any kernel, even
ones included: the odd row and column go at the bottom and right); per-side padding against
``F.pad`` then an unpadded ``F.conv2d``, with stride, dilation and groups drawn too.
``python tests/test_padding.py [draws]`` prints the largest error against PyTorch over that many.
"""
import sys
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

import convkit as ck
from convkit import methods
from test_against_references import TOL, VARIANTS, assert_bias_gradient, fast_path

torch.set_num_threads(1)


def draw_same(integer):
    """A "same" case from ``integer(lo, hi)``: (x shape, w shape, stride, padding, dilation, groups)."""
    groups = integer(1, 2)
    cg, kg = integer(1, 2), integer(1, 2)
    fh, fw, dh, dw = integer(1, 5), integer(1, 5), integer(1, 3), integer(1, 3)
    h, w = integer(1, 8), integer(1, 8)
    return (integer(1, 2), groups * cg, h, w), (groups * kg, cg, fh, fw), 1, "same", (dh, dw), groups


def draw_sides(integer):
    """A per-side padded case: each side 0 to 3, stride 1 to 3, the input sized so the output is whole."""
    groups = integer(1, 2)
    cg, kg = integer(1, 2), integer(1, 2)
    fh, fw, dh, dw = integer(1, 4), integer(1, 4), integer(1, 2), integer(1, 2)
    sh, sw = integer(1, 3), integer(1, 3)
    sides = ((integer(0, 3), integer(0, 3)), (integer(0, 3), integer(0, 3)))
    ho, wo = integer(1, 4), integer(1, 4)
    h = max(1, (ho - 1) * sh + dh * (fh - 1) + 1 - sum(sides[0]))
    w = max(1, (wo - 1) * sw + dw * (fw - 1) + 1 - sum(sides[1]))
    h += (-(h + sum(sides[0]) - dh * (fh - 1) - 1)) % sh  # whole output sizes
    w += (-(w + sum(sides[1]) - dw * (fw - 1) - 1)) % sw
    return (integer(1, 2), groups * cg, h, w), (groups * kg, cg, fh, fw), (sh, sw), sides, (dh, dw), groups


def hypothesis_integer(draw):
    return lambda lo, hi: draw(st.integers(lo, hi))


@st.composite
def same_cases(draw):
    return draw_same(hypothesis_integer(draw))


@st.composite
def side_cases(draw):
    return draw_sides(hypothesis_integer(draw))


def torch_reference(x, w, b, dout_rng, case):
    """PyTorch's output and gradients: padding="same" as it is, per-side padding as F.pad then F.conv2d."""
    _, _, stride, padding, dilation, groups = case
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    with warnings.catch_warnings():  # "same" with an even kernel: PyTorch warns that it pads a copy
        warnings.simplefilter("ignore", UserWarning)
        if padding == "same":
            out = F.conv2d(tx, tw, tb, padding="same", dilation=dilation, groups=groups)
        else:
            (top, bottom), (left, right) = padding
            out = F.conv2d(F.pad(tx, (left, right, top, bottom)), tw, tb, stride=stride, dilation=dilation,
                           groups=groups)
    dout = dout_rng.standard_normal(tuple(out.shape)).astype(x.dtype)
    out.backward(torch.tensor(dout))
    return dout, (out.detach().numpy(), tx.grad.numpy(), tw.grad.numpy(), tb.grad.numpy())


def _variants(case):
    three = case[1][2:] == (3, 3) and case[2] in (1, (1, 1)) and case[4] == (1, 1)
    return VARIANTS + ([("winograd", {})] if three else [])


def padding_errors(case, dtype, seed):
    """{method: [out, dx, dw] errors against PyTorch} of one case; checks shapes, dtypes and db."""
    xs, ws, stride, padding, dilation, groups = case
    rng = np.random.default_rng(seed)
    x, w, b = (rng.standard_normal(s).astype(dtype) for s in (xs, ws, ws[:1]))
    dout, want = torch_reference(x, w, b, rng, case)
    kw = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    errors = {}
    for method, setting in _variants(case):
        with fast_path(**setting):
            got = (ck.conv2d(x, w, b, method=method, **kw), *ck.conv2d_backward(dout, x, w, method=method, **kw))
        for a, ref in zip(got, want):
            assert a.shape == ref.shape and a.dtype == dtype, (method, a.shape, ref.shape)
        assert_bias_gradient(got[3], dout)
        errors[method + (f" {setting}" if setting else "")] = [ck.rel_error(a, r) for a, r in zip(got[:3], want)]
    if padding == "same":
        assert want[0].shape[2:] == xs[2:]
    return errors


def _tol(method, dtype):
    return max(TOL[dtype], 4 * methods.get("winograd").RTOL[np.dtype(dtype)]) if method == "winograd" else TOL[dtype]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(case=same_cases(), seed=st.integers(0, 2**16))
def test_same_matches_pytorch(case, seed, dtype):
    for method, errs in padding_errors(case, dtype, seed).items():
        assert max(errs) < _tol(method, dtype), (method, errs)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(case=side_cases(), seed=st.integers(0, 2**16))
def test_per_side_padding_matches_pytorch(case, seed, dtype):
    for method, errs in padding_errors(case, dtype, seed).items():
        assert max(errs) < _tol(method, dtype), (method, errs)


@given(case=st.one_of(same_cases(), side_cases()), seed=st.integers(0, 2**16))
def test_layer_matches_the_functions(case, seed):
    xs, ws, stride, padding, dilation, groups = case
    rng = np.random.default_rng(seed)
    x, w, b = (rng.standard_normal(s) for s in (xs, ws, ws[:1]))
    layer = ck.Conv2D.from_weights(w, b, stride, padding, dilation, groups=groups)
    out = layer.forward(x)
    dout = rng.standard_normal(out.shape)
    dx = layer.backward(dout)
    kw = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    np.testing.assert_allclose(out, ck.conv2d(x, w, b, method="loops", **kw), atol=1e-12)
    for got, want in zip((dx, layer.dW, layer.db), ck.conv2d_backward(dout, x, w, method="loops", **kw)):
        np.testing.assert_allclose(got, want, atol=1e-12)


def test_same_puts_the_odd_row_and_column_last():
    """A 2x2 kernel picking its top-left tap copies x; picking the bottom-right one shifts x up and left."""
    x = np.arange(12.0).reshape(1, 1, 3, 4)
    tl, br = np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 2, 2))
    tl[..., 0, 0], br[..., 1, 1] = 1, 1
    np.testing.assert_array_equal(ck.conv2d(x, tl, padding="same"), x)
    shifted = np.zeros_like(x)
    shifted[..., :2, :3] = x[..., 1:, 1:]
    np.testing.assert_array_equal(ck.conv2d(x, br, padding="same"), shifted)
    assert ck.Conv2D(1, 1, 4, padding="same", rng=0).forward(np.ones((1, 1, 5, 6))).shape == (1, 1, 5, 6)
    assert ck.output_size(7, 4, padding="same") == 7 and ck.output_size(7, 4, dilation=3, padding="same") == 7
    assert ck.output_size(7, 4, padding=(1, 2)) == 7 and ck.output_size(7, 4, stride=2, padding=(0, 1)) == 3


def test_bad_paddings_are_named():
    x, w = np.zeros((1, 3, 6, 6)), np.zeros((2, 3, 3, 3))
    cases = [
        (dict(padding="same", stride=2), r"padding='same' needs stride 1 \(as in PyTorch\).*got stride=2"),
        (dict(padding="same", stride=(1, 3)), r"padding='same' needs stride 1.*got stride=\(1, 3\)"),
        (dict(padding="valid"), r"padding must be an int or a pair .* or 'same'; got padding='valid'"),
        (dict(padding=((1, -1), (0, 0))), r"padding must be >= 0 on every side; got padding=\(\(1, -1\), \(0, 0\)\)"),
        (dict(padding=((1,), (0, 0))), r"padding must be an int or a pair.*got padding=\(\(1,\), \(0, 0\)\)"),
        (dict(padding=((1, 2.5), (0, 0))), r"padding must be an int or a pair.*got padding=\(\(1, 2.5\), \(0, 0\)\)"),
        (dict(padding=((0, 1), (0, 0)), stride=2), r"output width is not a whole number.*pad one side only"),
    ]
    for kw, match in cases:
        with pytest.raises(ck.ConvArgumentError, match=match):
            ck.conv2d(x, w, **kw)
        with pytest.raises(ck.ConvArgumentError, match=match):
            ck.conv2d_backward(np.zeros((1, 2, 6, 6)), x, w, **kw)
    with pytest.raises(ck.ConvArgumentError, match=r"padding must be >= 0 on every side"):
        ck.Conv2D(3, 2, 3, padding=((0, 0), (-1, 0)))
    for make in (lambda: ck.Conv2D(3, 2, 3, stride=2, padding="same"),  # refused when made, before any forward
                 lambda: ck.Conv2D.from_weights(w, stride=(1, 3), padding="same")):
        with pytest.raises(ck.ConvArgumentError, match=r"padding='same' needs stride 1.*got stride="):
            make()
    with pytest.raises(ck.ConvArgumentError, match=r"im2col pads both sides of a dimension alike.*\(\(0, 1\), \(0, 1\)\)"):
        ck.im2col(x, 2, 2, padding="same")
    with pytest.raises(ck.ConvArgumentError, match=r"conv_matrix pads both sides"):
        ck.conv_matrix(np.ones((2, 2)), (4, 4), padding="same")


def largest_errors(draws=200, seed=0):
    """The largest error against PyTorch of every method and dtype, for "same" and per-side padding."""
    rng = np.random.default_rng(seed)
    integer = lambda lo, hi: int(rng.integers(lo, hi + 1))  # noqa: E731
    worst = {}
    for _ in range(draws):
        for kind, case in (("same", draw_same(integer)), ("per side", draw_sides(integer))):
            for dtype in (np.float64, np.float32):
                for method, errs in padding_errors(case, dtype, integer(0, 2**16)).items():
                    key = (kind, method, np.dtype(dtype).name)
                    worst[key] = np.maximum(worst.get(key, 0.0), errs)
    return worst


if __name__ == "__main__":
    draws = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    print(f"largest relative error against PyTorch {torch.__version__} ({draws} geometries each):")
    print("| padding | method | dtype | output | dx | dw |\n|---|---|---|---|---|---|")
    for (kind, method, dtype), errs in sorted(largest_errors(draws).items()):
        print(f"| {kind} | {method} | {dtype} | " + " | ".join(f"{e:.1e}" for e in errs) + " |")

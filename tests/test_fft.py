"""method="fft" (Chapter 11): within fft.RTOL of a float64 direct result and of PyTorch, on every geometry.

Hypothesis draws the geometries of ``test_against_references`` (stride, padding, dilation,
floored sizes); larger fixed cases (up to 256x256 inputs, 15x15 kernels) measure the error the
tolerance is about. ``python tests/test_fft.py`` prints the measured errors in units of rounding.
"""
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import convkit as ck
from convkit.methods import fft
from test_against_references import _arrays, _torch_reference, assert_bias_gradient, cases

torch.set_num_threads(1)

LARGE = [((2, 3, 64, 64), (4, 3, 11, 11), 5), ((1, 8, 128, 128), (8, 8, 15, 15), 7),
         ((4, 16, 32, 32), (16, 16, 3, 3), 1), ((1, 4, 256, 256), (2, 4, 5, 5), 2)]


def errors(x, w, dout, dtype, **kw):
    """out, dx, dw of the FFT method against the float64 fast path, in units of rounding of ``dtype``."""
    x, w, dout = (a.astype(dtype) for a in (x, w, dout))
    got = (ck.conv2d(x, w, method="fft", **kw), *ck.conv2d_backward(dout, x, w, method="fft", **kw))
    x64, w64, d64 = (a.astype(np.float64) for a in (x, w, dout))
    want = (ck.conv2d(x64, w64, **kw), *ck.conv2d_backward(d64, x64, w64, **kw))
    for a, ref in zip(got, want):
        assert a.shape == ref.shape and a.dtype == dtype
    assert_bias_gradient(got[3], dout)
    # A result that is exactly 0 (every window on padding) is compared with the size of its terms:
    # the transforms leave a rounding error of that size where a direct sum adds nothing at all.
    terms = [np.linalg.norm(x64) * np.linalg.norm(w64), np.linalg.norm(d64) * np.linalg.norm(w64),
             np.linalg.norm(d64) * np.linalg.norm(x64)]
    return [(ck.rel_error(a, ref) if np.any(ref) else np.linalg.norm(a) / t) / np.finfo(dtype).eps
            for a, ref, t in zip(got[:3], want, terms)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(case=cases(), seed=st.integers(0, 2**16))
def test_fft_matches_the_direct_methods_and_pytorch(case, seed, dtype):
    x, w, b, dout = _arrays(case, dtype, seed)
    assert max(errors(x, w, dout, dtype, **case.kw)) < 16  # fft.RTOL, in units of rounding
    want = _torch_reference(x, w, b, case.stride, case.padding, dout, case.dilation)
    got = (ck.conv2d(x, w, b, method="fft", **case.kw), *ck.conv2d_backward(dout, x, w, method="fft", **case.kw))
    for a, ref in zip(got[:3], want):  # PyTorch's own float32 rounding is a direct method's
        if np.any(ref):
            assert ck.rel_error(a, ref) < 2 * fft.RTOL[np.dtype(dtype)], ck.rel_error(a, ref)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("xs, ws, p", LARGE, ids=[f"{c[0]}-{c[1]}" for c in LARGE])
def test_fft_accuracy_on_larger_inputs(xs, ws, p, dtype):
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal(xs), rng.standard_normal(ws)
    dout = rng.standard_normal(ck.conv2d(x, w, padding=p).shape)
    errs = errors(x, w, dout, dtype, padding=p)
    assert max(errs) * np.finfo(dtype).eps < fft.RTOL[np.dtype(dtype)], errs


def test_fft_with_groups_and_same_padding():
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((2, 6, 9, 8)), rng.standard_normal((4, 3, 4, 2))
    for kw in (dict(padding="same", groups=2), dict(padding=((0, 1), (0, 2)), stride=2, groups=2)):
        out = ck.conv2d(x, w, method="fft", **kw)
        np.testing.assert_allclose(out, ck.conv2d(x, w, method="loops", **kw), atol=1e-12)
        dout = rng.standard_normal(out.shape)
        for a, ref in zip(ck.conv2d_backward(dout, x, w, method="fft", **kw),
                          ck.conv2d_backward(dout, x, w, method="loops", **kw)):
            np.testing.assert_allclose(a, ref, atol=1e-12)
    layer = ck.Conv2D.from_weights(w, None, 1, "same", method="fft", groups=2)
    np.testing.assert_allclose(layer.forward(x), ck.conv2d(x, w, padding="same", groups=2), atol=1e-12)


if __name__ == "__main__":
    print("| x | w | dtype | out | dx | dw |  (error / eps against float64 direct)\n|---|---|---|---|---|---|")
    for xs, ws, p in LARGE:
        rng = np.random.default_rng(1)
        x, w = rng.standard_normal(xs), rng.standard_normal(ws)
        dout = rng.standard_normal(ck.conv2d(x, w, padding=p).shape)
        for dtype in (np.float64, np.float32):
            print(f"| {xs} | {ws} | {np.dtype(dtype).name} | " + " | ".join(f"{e:.2f}" for e in errors(x, w, dout, dtype, padding=p)) + " |")

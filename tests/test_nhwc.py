"""layout="NHWC" (Chapter 11): the same numbers as NCHW, channels last, for every method, the layer included."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import convkit as ck
from convkit import methods
from test_against_references import _arrays, cases


def nhwc(a):
    return np.ascontiguousarray(a.transpose(0, 2, 3, 1))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(case=cases(), seed=st.integers(0, 2**16))
def test_nhwc_is_nchw_with_channels_last(case, seed, dtype):
    """Every method (and the default) computes the same out, dx, dw and db in either layout, bit for bit."""
    x, w, b, dout = _arrays(case, dtype, seed)
    for method in methods.METHODS + ("fft", None):
        kw = dict(case.kw, **({"method": method} if method else {}))
        want = (ck.conv2d(x, w, b, **kw), *ck.conv2d_backward(dout, x, w, **kw))
        got = (ck.conv2d(nhwc(x), w, b, layout="NHWC", **kw),
               *ck.conv2d_backward(nhwc(dout), nhwc(x), w, layout="NHWC", **kw))
        for a, ref in zip(got, (nhwc(want[0]), nhwc(want[1]), *want[2:])):
            assert a.shape == ref.shape and a.dtype == dtype, method
            np.testing.assert_array_equal(a, ref)
        assert got[0].flags.c_contiguous and got[1].flags.c_contiguous  # out and dx: channels last in memory


def test_layer_with_groups_and_same_padding():
    rng = np.random.default_rng(4)
    x, w, b = rng.standard_normal((2, 7, 6, 4)), rng.standard_normal((6, 2, 4, 3)), rng.standard_normal(6)
    layer = ck.Conv2D.from_weights(w, b, 1, "same", groups=2, layout="NHWC", method="im2col")
    out = layer.forward(x)
    assert out.shape == (2, 7, 6, 6) and "layout='NHWC'" in repr(layer)
    dout = rng.standard_normal(out.shape)
    dx = layer.backward(dout)
    xc, dc = x.transpose(0, 3, 1, 2), dout.transpose(0, 3, 1, 2)
    np.testing.assert_allclose(out, nhwc(ck.conv2d(xc, w, b, padding="same", groups=2, method="loops")), atol=1e-12)
    dx_want, dw_want, db_want = ck.conv2d_backward(dc, xc, w, padding="same", groups=2, method="loops")
    for got, want in ((dx, nhwc(dx_want)), (layer.dW, dw_want), (layer.db, db_want)):
        np.testing.assert_allclose(got, want, atol=1e-12)
    assert ck.Conv2D(4, 6, 3, layout="NHWC", rng=0).forward(x).shape == (2, 5, 4, 6)


def test_bad_layouts_are_named():
    x, w = np.zeros((2, 7, 6, 4)), np.zeros((6, 4, 3, 3))
    for bad in ("nhwc", "NWHC", None, 1):
        with pytest.raises(ck.ConvArgumentError, match=r"layout must be 'NCHW' or 'NHWC'; got layout="):
            ck.conv2d(x, w, layout=bad)
    with pytest.raises(ck.ConvArgumentError, match=r"layout must be 'NCHW' or 'NHWC'"):
        ck.Conv2D(4, 6, 3, layout="CHW")
    with pytest.raises(ck.ConvArgumentError, match=r"x must be 4-D \(N, H, W, C\) with layout='NHWC'"):
        ck.conv2d(np.zeros((7, 6, 4)), w, layout="NHWC")
    with pytest.raises(ck.ConvArgumentError, match=r"channel mismatch: x has C=3 channels \(x.shape=\(2, 7, 6, 3\)\)"):
        ck.conv2d(np.zeros((2, 7, 6, 3)), w, layout="NHWC")  # x's shape as given, not its NCHW reading
    with pytest.raises(ck.ConvArgumentError, match=r"dout must have the output's shape \(N, Hout, Wout, K\) = "
                                                   r"\(2, 5, 4, 6\) for x.shape=\(2, 7, 6, 4\).*layout='NHWC'"):
        ck.conv2d_backward(np.zeros((2, 6, 5, 4)), x, w, layout="NHWC")
    layer = ck.Conv2D(4, 6, 3, layout="NHWC", rng=0)
    layer.forward(x)
    with pytest.raises(ck.ConvArgumentError, match=r"the last forward's output \(2, 5, 4, 6\)"):
        layer.backward(np.zeros((2, 6, 5, 4)))

"""col2im is the adjoint of im2col, and not its inverse."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import convkit as ck
from convkit.geometry import conv_geometry
from convkit.methods import _fast_kernels
from test_against_references import geometries


@given(geom=geometries(), seed=st.integers(0, 2**16))
def test_col2im_is_the_adjoint(geom, seed):
    x_shape, (_, _, fh, fw), stride, padding = geom
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape)
    cols = ck.im2col(x, fh, fw, stride, padding)
    c = rng.standard_normal(cols.shape)
    lhs = np.vdot(cols, c)
    rhs = np.vdot(x, ck.col2im(c, x_shape, fh, fw, stride, padding))
    assert abs(lhs - rhs) <= 1e-10 * (abs(lhs) + 1)


def test_col2im_is_not_the_inverse_when_windows_overlap():
    x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    back = ck.col2im(ck.im2col(x, 2, 2), x.shape, 2, 2)
    assert not np.allclose(back, x)
    # Each pixel returns times the number of 2x2 windows that cover it.
    coverage = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    np.testing.assert_array_equal(back[0, 0], x[0, 0] * coverage)


def test_col2im_is_the_inverse_when_windows_tile():
    # Stride = window size, no padding: every pixel in exactly one window.
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 6))
    np.testing.assert_array_equal(ck.col2im(ck.im2col(x, 2, 3, (2, 3)), x.shape, 2, 3, (2, 3)), x)


def test_im2col_layout_rows_and_columns():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 5, 4))
    cols = ck.im2col(x, 3, 2, stride=(2, 1), padding=(1, 0))
    ho, wo = 3, 3
    assert cols.shape == (3 * 3 * 2, 2 * ho * wo)
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (0, 0)))
    n, i, j, c, a, b = 1, 2, 1, 2, 1, 0
    assert cols[(c * 3 + a) * 2 + b, (n * ho + i) * wo + j] == xp[n, c, 2 * i + a, j + b]


KERNEL_SETS = [_fast_kernels.NUMPY] + ([_fast_kernels.numba_kernels()] if _fast_kernels.numba_kernels() else [])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kernels", KERNEL_SETS, ids=lambda k: k.name)
@given(geom=geometries(), seed=st.integers(0, 2**16))
def test_fast_path_kernels_match_the_chapter(kernels, dtype, geom, seed):
    """The fast path's block im2col/col2im: the chapter's, in image-major layout, into dirty buffers."""
    x_shape, w_shape, stride, padding = geom
    g = conv_geometry(x_shape, w_shape, stride, padding)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape).astype(dtype)
    L = g.ho * g.wo
    cols = np.full((g.n, g.c * g.fh * g.fw, L), np.nan, dtype)  # every entry must be written
    kernels.im2col(x, g, cols)
    want = ck.im2col(x, g.fh, g.fw, stride, padding).reshape(-1, g.n, L).transpose(1, 0, 2)
    np.testing.assert_array_equal(cols, want)
    c = rng.standard_normal(cols.shape).astype(dtype)
    dx = np.full(x_shape, np.nan, dtype)
    kernels.col2im(c, g, dx)
    want = ck.col2im(c.transpose(1, 0, 2).reshape(-1, g.n * L), x_shape, g.fh, g.fw, stride, padding)
    np.testing.assert_allclose(dx, want, rtol=1e-6 if dtype == np.float32 else 1e-13, atol=1e-6 if dtype == np.float32 else 1e-13)

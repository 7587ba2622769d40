"""Every method against the loops reference and against PyTorch, on random geometries."""
import contextlib

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

import convkit as ck
from convkit.methods import _kernels, fast

torch.set_num_threads(1)
TOL = {np.float64: 1e-10, np.float32: 1e-4}


@st.composite
def geometries(draw):
    """Valid (x shape, w shape, stride, padding): exact output sizes, non-square allowed."""
    n, c, k = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    fh, fw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    ph, pw = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    ho, wo = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    # Choose the output size, then the input size that makes it exact.
    h, w = (ho - 1) * sh + fh - 2 * ph, (wo - 1) * sw + fw - 2 * pw
    # Too much padding for that output: grow the input by whole strides (the output grows too).
    h = h if h >= 1 else h + sh * (1 + (-h) // sh)
    w = w if w >= 1 else w + sw * (1 + (-w) // sw)
    return (n, c, h, w), (k, c, fh, fw), (sh, sw), (ph, pw)


def _torch_reference(x, w, b, stride, padding, dout):
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    out = F.conv2d(tx, tw, tb, stride=stride, padding=padding)
    out.backward(torch.tensor(dout))
    return out.detach().numpy(), tx.grad.numpy(), tw.grad.numpy(), tb.grad.numpy()


@contextlib.contextmanager
def fast_path(kernels=None, block_bytes=None, split=False):
    """Run the fast path with other im2col/col2im kernels, smaller blocks, or split over threads.

    Test shapes are small: without ``split`` the fast path runs them in one
    thread, and without a small ``block_bytes`` each in one block.
    """
    saved = fast.BLOCK_BYTES, fast.MIN_SPLIT_MACS
    fast.BLOCK_BYTES = block_bytes or saved[0]
    fast.MIN_SPLIT_MACS = 0 if split else saved[1]
    try:
        with _kernels.using(kernels or _kernels.KERNELS):
            yield
    finally:
        fast.BLOCK_BYTES, fast.MIN_SPLIT_MACS = saved


# Every method, plus the fast path split over two threads, with one image per block,
# and with the numpy kernels (if numba's are the default).
VARIANTS = [(m, {}) for m in ck.METHODS] + [("fast", {"split": True, "block_bytes": 1})]
if _kernels.KERNELS is not _kernels.NUMPY:
    VARIANTS.append(("fast", {"kernels": _kernels.NUMPY, "split": True}))


def _close(got, want, dtype):
    assert got.shape == want.shape and got.dtype == dtype
    assert ck.rel_error(got, want) < TOL[dtype], ck.rel_error(got, want)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(geom=geometries(), seed=st.integers(0, 2**16))
def test_all_methods_match_pytorch(geom, seed, dtype):
    x_shape, w_shape, stride, padding = geom
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape).astype(dtype)
    w = rng.standard_normal(w_shape).astype(dtype)
    b = rng.standard_normal(w_shape[0]).astype(dtype)
    out_shape = (x_shape[0], w_shape[0], *[ck.output_size(n, f, s, p) for n, f, s, p in
                                           zip(x_shape[2:], w_shape[2:], stride, padding)])
    dout = rng.standard_normal(out_shape).astype(dtype)
    want = _torch_reference(x, w, b, stride, padding, dout)
    loops = None
    for method, setting in VARIANTS:
        with fast_path(**setting):
            out = ck.conv2d(x, w, b, stride, padding, method=method)
            grads = ck.conv2d_backward(dout, x, w, stride, padding, method=method)
        for got, ref in zip((out, *grads), want):
            _close(got, ref, dtype)
        if loops is None:
            loops = (out, *grads)
        else:  # and against the readable reference
            for got, ref in zip((out, *grads), loops):
                _close(got, ref, dtype)


@given(geom=geometries(), seed=st.integers(0, 2**16))
def test_layer_matches_functions(geom, seed):
    x_shape, w_shape, stride, padding = geom
    rng = np.random.default_rng(seed)
    layer = ck.Conv2D(w_shape[1], w_shape[0], w_shape[2:], stride, padding, rng=seed)
    layer.b[:] = rng.standard_normal(w_shape[0])
    x = rng.standard_normal(x_shape)
    out = layer.forward(x)
    dout = rng.standard_normal(out.shape)
    dx = layer.backward(dout)
    np.testing.assert_allclose(out, ck.conv2d(x, layer.W, layer.b, stride, padding, "loops"), atol=1e-12)
    for got, want in zip((dx, layer.dW, layer.db), ck.conv2d_backward(dout, x, layer.W, stride, padding, "loops")):
        np.testing.assert_allclose(got, want, atol=1e-12)


@given(st.integers(1, 12), st.integers(1, 5), st.integers(1, 3), st.integers(0, 2), st.integers(0, 2**16))
def test_conv1d_matches_pytorch(length, f, stride, padding, seed):
    if length + 2 * padding < f or (length - f + 2 * padding) % stride:
        return
    rng = np.random.default_rng(seed)
    x, w, b = rng.standard_normal(length), rng.standard_normal(f), rng.standard_normal()
    tx, tw = torch.tensor(x[None, None], requires_grad=True), torch.tensor(w[None, None], requires_grad=True)
    out = F.conv1d(tx, tw, torch.tensor([b], dtype=torch.float64), stride=stride, padding=padding)
    dout = rng.standard_normal(out.shape[-1])
    out.backward(torch.tensor(dout[None, None]))
    np.testing.assert_allclose(ck.conv1d(x, w, b, stride, padding), out.detach().numpy()[0, 0], atol=1e-12)
    dx, dw, db = ck.conv1d_backward(dout, x, w, stride, padding)
    np.testing.assert_allclose(dx, tx.grad.numpy()[0, 0], atol=1e-12)
    np.testing.assert_allclose(dw, tw.grad.numpy()[0, 0], atol=1e-12)
    assert db == pytest.approx(dout.sum())


@given(geom=geometries(), seed=st.integers(0, 2**16))
def test_conv_matrix_matches_single_channel_conv(geom, seed):
    (_, _, h, w), (_, _, fh, fw), stride, padding = geom
    rng = np.random.default_rng(seed)
    x, k = rng.standard_normal((h, w)), rng.standard_normal((fh, fw))
    m = ck.conv_matrix(k, (h, w), stride, padding)
    want = ck.conv2d(x[None, None], k[None, None], None, stride, padding, "loops")[0, 0]
    np.testing.assert_allclose(m @ x.ravel(), want.ravel(), atol=1e-12)
    # The backward pass through W* is its transpose: a transposed convolution.
    dy = rng.standard_normal(want.shape)
    dx = ck.conv2d_backward(dy[None, None], x[None, None], k[None, None], stride, padding, "loops")[0]
    np.testing.assert_allclose(m.T @ dy.ravel(), dx.ravel(), atol=1e-12)


@pytest.mark.parametrize("setting", [{}, {"split": True}, {"split": True, "block_bytes": 1},
                                     {"split": True, "block_bytes": 3 * 2 * 9 * 36 * 8}, {"kernels": _kernels.NUMPY}],
                         ids=["default", "two-threads", "one-image-blocks", "three-image-blocks", "numpy-kernels"])
def test_fast_layer_reuses_its_buffers_across_shapes(setting):
    """The fast path keeps scratch buffers between calls; changing shapes or blocks must not leak them."""
    rng = np.random.default_rng(5)
    layer = ck.Conv2D(2, 3, 3, stride=1, padding=1, rng=0, method="fast")
    for shape in [(7, 2, 6, 6), (3, 2, 5, 7), (7, 2, 6, 6), (1, 2, 3, 3), (4, 2, 6, 6)]:
        x = rng.standard_normal(shape)
        with fast_path(**setting):
            out = layer.forward(x)
            dout = rng.standard_normal(out.shape)
            dx = layer.backward(dout)
        want = ck.conv2d_backward(dout, x, layer.W, 1, 1, method="loops")
        np.testing.assert_allclose(out, ck.conv2d(x, layer.W, layer.b, 1, 1, method="loops"), atol=1e-12)
        for got, ref in zip((dx, layer.dW, layer.db), want):
            np.testing.assert_allclose(got, ref, atol=1e-12)


def test_fast_path_compiles_its_kernels_when_numba_is_installed():
    pytest.importorskip("numba")
    assert fast.kernels() == "numba"

"""Every method against the loops reference and against PyTorch, on random geometries.

The geometries include stride > 1, padding, dilation, non-square inputs and
kernels, and sizes that only PyTorch's flooring accepts (``drop_last=True``).
``python tests/test_against_references.py [draws]`` prints the largest error
against PyTorch of every function and method on that many random geometries.
"""
import contextlib
import sys
from typing import NamedTuple

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

import convkit as ck
from convkit.methods import _numba, _threads, fast

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


class Case(NamedTuple):
    """One convolution: shapes, stride, padding, dilation, and the rows flooring drops (0 = whole sizes)."""

    x_shape: tuple
    w_shape: tuple
    stride: tuple
    padding: tuple
    dilation: tuple
    dropped: tuple  # per dimension, 0 .. stride - 1: rows (columns) no window reaches

    @property
    def drop_last(self):
        return any(self.dropped)

    @property
    def kw(self):
        """convkit's keyword arguments for this case."""
        return dict(stride=self.stride, padding=self.padding, dilation=self.dilation, drop_last=self.drop_last)

    @property
    def out_shape(self):
        return (self.x_shape[0], self.w_shape[0], *[
            ck.output_size(n, f, s, p, d, drop_last=self.drop_last)
            for n, f, s, p, d in zip(self.x_shape[2:], self.w_shape[2:], self.stride, self.padding, self.dilation)])


def draw_case(integer) -> Case:
    """A valid case from ``integer(lo, hi)`` (a hypothesis draw, or a random generator's)."""
    n, c, k = integer(1, 3), integer(1, 3), integer(1, 3)
    fh, fw = integer(1, 4), integer(1, 4)
    sh, sw = integer(1, 3), integer(1, 3)
    ph, pw = integer(0, 2), integer(0, 2)
    dh, dw = integer(1, 3), integer(1, 3)
    ho, wo = integer(1, 5), integer(1, 5)
    eh, ew = dh * (fh - 1) + 1, dw * (fw - 1) + 1  # the dilated kernel's extent
    h, w = (ho - 1) * sh + eh - 2 * ph, (wo - 1) * sw + ew - 2 * pw
    h = h if h >= 1 else h + sh * (1 + (-h) // sh)
    w = w if w >= 1 else w + sw * (1 + (-w) // sw)
    xh, xw = integer(0, sh - 1), integer(0, sw - 1)  # rows past the last window: only flooring accepts them
    return Case((n, c, h + xh, w + xw), (k, c, fh, fw), (sh, sw), (ph, pw), (dh, dw), (xh, xw))


@st.composite
def cases(draw):
    """:func:`draw_case` for hypothesis."""
    return draw_case(lambda lo, hi: draw(st.integers(lo, hi)))


def _torch_reference(x, w, b, stride, padding, dout, dilation=1):
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    out = F.conv2d(tx, tw, tb, stride=stride, padding=padding, dilation=dilation)  # floors, always
    out.backward(torch.tensor(dout))
    return out.detach().numpy(), tx.grad.numpy(), tw.grad.numpy(), tb.grad.numpy()


@contextlib.contextmanager
def fast_path(kernels=None, block_bytes=None, split=False):
    """Run the fast path with other im2col/col2im kernels, smaller blocks, or split over threads.

    Test shapes are small: without ``split`` the fast path runs them in one
    thread, and without a small ``block_bytes`` each in one block.
    """
    saved = fast.BLOCK_BYTES, _threads.MIN_SPLIT_MACS
    fast.BLOCK_BYTES = block_bytes or saved[0]
    _threads.MIN_SPLIT_MACS = 0 if split else saved[1]
    try:
        with _numba.using(kernels or _numba.default()):
            yield
    finally:
        fast.BLOCK_BYTES, _threads.MIN_SPLIT_MACS = saved


# Every method, plus the fast path split over two threads, with one image per block,
# and with the numpy kernels (if numba's are the default).
VARIANTS = [(m, {}) for m in ck.METHODS] + [("fast", {"split": True, "block_bytes": 1})]
if _numba.default() != "numpy":
    VARIANTS.append(("fast", {"kernels": "numpy", "split": True}))


def _close(got, want, dtype):
    assert got.shape == want.shape and got.dtype == dtype
    assert ck.rel_error(got, want) < TOL[dtype], ck.rel_error(got, want)


def _arrays(case, dtype, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(case.x_shape).astype(dtype)
    w = rng.standard_normal(case.w_shape).astype(dtype)
    b = rng.standard_normal(case.w_shape[0]).astype(dtype)
    dout = rng.standard_normal(case.out_shape).astype(dtype)
    return x, w, b, dout


def variant_name(method, setting):
    """A method and its fast-path setting as a table shows it: 'fast (numpy kernels, 2 threads)'."""
    words = [f"{setting['kernels']} kernels"] if "kernels" in setting else []
    words += ["2 threads"] if setting.get("split") else []
    words += ["1-image blocks"] if setting.get("block_bytes") == 1 else []
    return method + (f" ({', '.join(words)})" if words else "")


def assert_bias_gradient(db, dout):
    """db is the sum of dout over everything but its channel axis, to summation's own accuracy.

    Any order of adding n numbers in floating point lands within n*u*sum|x| of
    the exact sum (u = eps/2; Higham, Accuracy and Stability of Numerical
    Algorithms, 2nd ed., section 4.2). A sum that cancels (random signs) can
    be tiny next to sum|x|, so its *relative* error, in PyTorch's result as in
    ours, can exceed a fixed tolerance: the bound is what to check.
    """
    d64 = dout.astype(np.float64)
    n = dout.size // dout.shape[1]
    bound = n * np.finfo(dout.dtype).eps / 2 * np.abs(d64).sum(axis=(0, 2, 3))
    assert db.shape == (dout.shape[1],) and db.dtype == dout.dtype
    assert np.all(np.abs(db - d64.sum(axis=(0, 2, 3))) <= bound), (db, d64.sum(axis=(0, 2, 3)), bound)


def conv2d_errors(case, dtype, seed):
    """Every method's (out, dx, dw, db) against PyTorch's: {(method variant): errors}.

    Also asserts shapes, dtypes, db to summation's accuracy, and agreement with the loops method.
    """
    x, w, b, dout = _arrays(case, dtype, seed)
    want = _torch_reference(x, w, b, case.stride, case.padding, dout, case.dilation)
    errors, loops = {}, None
    for method, setting in VARIANTS:
        with fast_path(**setting):
            out = ck.conv2d(x, w, b, method=method, **case.kw)
            grads = ck.conv2d_backward(dout, x, w, method=method, **case.kw)
        got = (out, *grads)
        for a, ref in zip(got, want):
            assert a.shape == ref.shape and a.dtype == dtype, (method, a.shape, ref.shape, a.dtype)
        assert_bias_gradient(grads[2], dout)
        errors[variant_name(method, setting)] = [ck.rel_error(a, ref) for a, ref in zip(got, want)]
        if loops is None:
            loops = got
        else:  # and against the readable reference
            for a, ref in zip(got[:3], loops):
                _close(a, ref, dtype)
    return errors


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(case=cases(), seed=st.integers(0, 2**16))
def test_all_methods_match_pytorch(case, seed, dtype):
    for variant, errs in conv2d_errors(case, dtype, seed).items():
        assert max(errs[:3]) < TOL[dtype], (variant, errs)  # out, dx, dw; db: assert_bias_gradient


@given(case=cases(), seed=st.integers(0, 2**16))
def test_layer_matches_functions(case, seed):
    rng = np.random.default_rng(seed)
    k, c, fh, fw = case.w_shape
    layer = ck.Conv2D(c, k, (fh, fw), case.stride, case.padding, rng=seed, dilation=case.dilation,
                      drop_last=case.drop_last)
    layer.b[:] = rng.standard_normal(k)
    x = rng.standard_normal(case.x_shape)
    out = layer.forward(x)
    dout = rng.standard_normal(out.shape)
    dx = layer.backward(dout)
    np.testing.assert_allclose(out, ck.conv2d(x, layer.W, layer.b, method="loops", **case.kw), atol=1e-12)
    for got, want in zip((dx, layer.dW, layer.db), ck.conv2d_backward(dout, x, layer.W, method="loops", **case.kw)):
        np.testing.assert_allclose(got, want, atol=1e-12)


@given(case=cases(), seed=st.integers(0, 2**16))
def test_layer_from_weights_matches_pytorch(case, seed):
    """A layer with given weights (Deep Learning from Scratch's habit) computes PyTorch's conv2d, floors included."""
    x, w, b, dout = _arrays(case, np.float64, seed)
    layer = ck.Conv2D.from_weights(w, b, case.stride, pad=case.padding, dilation=case.dilation,
                                   drop_last=case.drop_last)
    assert layer.W is w and layer.b is b  # shared, as DLFS's optimisers expect: they update params in place
    out = layer.forward(x)
    dx = layer.backward(dout)
    for got, want in zip((out, dx, layer.dW, layer.db), _torch_reference(x, w, b, case.stride, case.padding, dout,
                                                                         case.dilation)):
        _close(got, want, np.float64)


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


@given(case=cases(), seed=st.integers(0, 2**16))
def test_conv_matrix_matches_single_channel_conv(case, seed):
    (_, _, h, w), (_, _, fh, fw) = case.x_shape, case.w_shape
    rng = np.random.default_rng(seed)
    x, k = rng.standard_normal((h, w)), rng.standard_normal((fh, fw))
    m = ck.conv_matrix(k, (h, w), **case.kw)
    want = ck.conv2d(x[None, None], k[None, None], None, method="loops", **case.kw)[0, 0]
    np.testing.assert_allclose(m @ x.ravel(), want.ravel(), atol=1e-12)
    # The backward pass through W* is its transpose: a transposed convolution.
    dy = rng.standard_normal(want.shape)
    dx = ck.conv2d_backward(dy[None, None], x[None, None], k[None, None], method="loops", **case.kw)[0]
    np.testing.assert_allclose(m.T @ dy.ravel(), dx.ravel(), atol=1e-12)
    t = ck.conv_transpose2d(dy[None, None], k[None, None], None, case.stride, case.padding, case.dilation,
                            output_padding=case.dropped)
    np.testing.assert_allclose(m.T @ dy.ravel(), t.ravel(), atol=1e-12)


@pytest.mark.parametrize("setting", [{}, {"split": True}, {"split": True, "block_bytes": 1},
                                     {"split": True, "block_bytes": 3 * 2 * 9 * 36 * 8}, {"kernels": "numpy"}],
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


def largest_errors(draws=300, seed=0):
    """The largest relative error against PyTorch of every function, method and dtype over ``draws`` cases."""
    from test_transposed import transposed_errors

    rng = np.random.default_rng(seed)
    worst = {}
    for _ in range(draws):
        case = draw_case(lambda lo, hi: int(rng.integers(lo, hi + 1)))
        s = int(rng.integers(2**16))
        for dtype in (np.float64, np.float32):
            found = {("conv2d", variant): errs for variant, errs in conv2d_errors(case, dtype, s).items()}
            found.update(transposed_errors(case, dtype, s))
            for key, errs in found.items():
                k = (*key, np.dtype(dtype).name)
                worst[k] = np.maximum(worst.get(k, 0.0), errs)
    return worst


if __name__ == "__main__":
    draws = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    print(f"largest relative error ||a - b|| / (||a|| + ||b||) against PyTorch {torch.__version__}, {draws} random "
          f"geometries (stride, padding, dilation, non-square, floored sizes):")
    print("| function | method (setting) | dtype | output | dx (dy) | dw | db |")
    print("|---|---|---|---|---|---|---|")
    for (fn, variant, dtype), errs in sorted(largest_errors(draws).items()):
        print(f"| {fn} | {variant} | {dtype} | " + " | ".join(f"{e:.1e}" for e in errs) + " |")

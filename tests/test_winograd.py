"""method='winograd' (F(2x2, 3x3)): against the direct methods, PyTorch and numerical gradients; its errors.

The tolerance is :data:`convkit.methods.winograd.RTOL`: the largest error over the largest
|entry| of the exact result (float64 im2col on float64 inputs) below 32 units of rounding.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import convkit as ck
from convkit.geometry import conv_geometry
from convkit.methods import _numba, _threads, fast, winograd

F32, F64 = np.dtype(np.float32), np.dtype(np.float64)


def scaled_error(got, exact):
    """max |got - exact| / max |exact|: the measure RTOL bounds."""
    return float(np.max(np.abs(got - exact)) / np.max(np.abs(exact)))


def problem(n, c, k, h, w, seed=0):
    rng = np.random.default_rng(seed)
    x, wt, b = rng.standard_normal((n, c, h, w)), rng.standard_normal((k, c, 3, 3)), rng.standard_normal(k)
    return x, wt, b, rng


def exact(x, wt, b, padding, dout=None):
    """float64 im2col: the reference for forward and backward."""
    out = ck.conv2d(x, wt, b, padding=padding, method="im2col")
    return out if dout is None else (out, *ck.conv2d_backward(dout, x, wt, padding=padding, method="im2col"))


sizes = st.integers(1, 9)


#: The two implementations of the tile transforms: numpy's slices and numba's loops (when numba imports).
TRANSFORMS = [pytest.param(kind, id=kind) for kind in _numba.kinds()]


@pytest.mark.parametrize("kernels", TRANSFORMS)
@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 3), c=st.integers(1, 5), k=st.integers(1, 5), h=sizes, w=sizes,
       ph=st.integers(0, 4), pw=st.integers(0, 4), dtype=st.sampled_from([F32, F64]), seed=st.integers(0, 2**16))
def test_matches_the_direct_methods(kernels, n, c, k, h, w, ph, pw, dtype, seed):
    """Any N, C, K, H, W (odd included) and any padding, forward and all three gradients, with either
    implementation of the transforms."""
    if h + 2 * ph < 3 or w + 2 * pw < 3:  # the kernel does not fit: the geometry check's business
        return
    x, wt, b, rng = problem(n, c, k, h, w, seed)
    want = exact(x, wt, b, (ph, pw), dout := rng.standard_normal((n, k, h + 2 * ph - 2, w + 2 * pw - 2)))
    xs, ws, bs, ds = (a.astype(dtype) for a in (x, wt, b, dout))
    with _numba.using(kernels):
        got = (ck.conv2d(xs, ws, bs, padding=(ph, pw), method="winograd"),
               *ck.conv2d_backward(ds, xs, ws, padding=(ph, pw), method="winograd"))
    for name, g, e in zip(("out", "dx", "dw", "db"), got, want):
        assert g.dtype == dtype and g.shape == e.shape, name
        assert scaled_error(g, e) < winograd.RTOL[dtype], (name, scaled_error(g, e))


@pytest.mark.parametrize("kernels", TRANSFORMS)
def test_odd_sizes_fill_every_output(kernels):
    """An odd Hout/Wout leaves a half tile: every output must still be written (np.empty is not zero)."""
    x, wt, b, _ = problem(2, 3, 4, 7, 6)
    for p in (0, 1, 2, 3):
        with _numba.using(kernels):
            out = ck.conv2d(x, wt, b, padding=(p, p + 1), method="winograd")
        ref = ck.conv2d(x, wt, b, padding=(p, p + 1), method="loops")
        assert out.shape == ref.shape and np.all(np.isfinite(out))
        assert scaled_error(out, ref) < winograd.RTOL[F64]


@pytest.mark.parametrize("kernels", TRANSFORMS)
@pytest.mark.parametrize("h, w, ph, pw", [(9, 8, 1, 1), (7, 6, 0, 3), (10, 5, 3, 2), (3, 4, 2, 0)])
def test_bands_of_tile_rows_match_whole_images(kernels, h, w, ph, pw, monkeypatch):
    """A large image is cut into bands of tile rows (BLOCK_BYTES): forced here down to one tile row a
    band, every band (first, middle, last; odd heights; padding above 2) gives the whole image's
    output, dx and dw (dw summed band by band)."""
    x, wt, b, rng = problem(3, 4, 5, h, w)
    dout = rng.standard_normal((3, 5, h + 2 * ph - 2, w + 2 * pw - 2))
    with _numba.using(kernels):
        whole = (ck.conv2d(x, wt, b, padding=(ph, pw), method="winograd"),
                 *ck.conv2d_backward(dout, x, wt, padding=(ph, pw), method="winograd"))
        monkeypatch.setattr(winograd, "BLOCK_BYTES", 1)
        banded = (ck.conv2d(x, wt, b, padding=(ph, pw), method="winograd"),
                  *ck.conv2d_backward(dout, x, wt, padding=(ph, pw), method="winograd"))
    th = (h + 2 * ph - 1) // 2
    assert len(winograd._blocks(0, 3, th, 10**6)) == 3 * th  # one band per tile row of each image
    for got, want in zip(banded, whole):  # equal up to BLAS's rounding, which may differ with the band's width
        assert scaled_error(got, want) < 8 * np.finfo(F64).eps


@pytest.mark.parametrize("dtype", [F32, F64])
def test_tolerance_holds_on_wide_sums_and_direct_is_no_more_than_twice_as_exact(dtype):
    """C*9 = 2304 terms per output: the error stays below RTOL, and in float32 within 2x of the fast path's."""
    x, wt, b, rng = problem(2, 256, 16, 12, 12, seed=3)
    dout = rng.standard_normal((2, 16, 12, 12))
    want = exact(x, wt, b, 1, dout)
    args = [a.astype(dtype) for a in (x, wt, b, dout)]
    for (name, e), w_got, f_got in zip(
        zip(("out", "dx", "dw", "db"), want),
        (ck.conv2d(*args[:3], padding=1, method="winograd"),
         *ck.conv2d_backward(args[3], *args[:2], padding=1, method="winograd")),
        (ck.conv2d(*args[:3], padding=1, method="fast"),
         *ck.conv2d_backward(args[3], *args[:2], padding=1, method="fast"))):
        err_w, err_f = scaled_error(w_got, e), scaled_error(f_got, e)
        assert err_w < winograd.RTOL[dtype], (name, err_w)
        if dtype == F32:  # in float64 the fast path rounds exactly as the float64 reference does
            assert err_w <= 2 * err_f, (name, err_w, err_f)


@pytest.mark.parametrize("kernels", TRANSFORMS)
@pytest.mark.parametrize("dtype", [F32, F64])
def test_the_backward_transforms_are_the_adjoints_of_the_forward_ones(kernels, dtype):
    """<T a, r> = <a, T* r> for the filters' transform (dw's G^T dU G) and the output transform (dw's
    A dY A^T, tiles first), odd output sizes included: the backward computes the exact gradient."""
    rng = np.random.default_rng(4)
    nb = winograd._winograd_kernels.compiled() if kernels == "numba" else None
    w = rng.standard_normal((5, 3, 3, 3)).astype(dtype)
    r = rng.standard_normal((16, 5, 3)).astype(dtype)  # like U (16, K, C)
    dw = winograd.transform_filters_adjoint(np.ascontiguousarray(r.transpose(0, 2, 1)), nb)
    assert dw.shape == w.shape and dw.dtype == dtype
    np.testing.assert_allclose(np.vdot(winograd.transform_filters(w, nb), r), np.vdot(w, dw), rtol=1e-5)
    n, k, ho, wo = 2, 4, 5, 7
    th, tw = (ho + 1) // 2, (wo + 1) // 2
    m = winograd._new_stack(k, n * th * tw, dtype)
    m[...] = rng.standard_normal(m.shape)
    out, dout = np.empty((n, k, ho, wo), dtype), rng.standard_normal((n, k, ho, wo)).astype(dtype)
    winograd.transform_output(m, np.zeros(k, dtype), out, nb)
    dmt = winograd._output_tiles_adjoint(dout, th, tw, nb)
    assert dmt.shape == (16, n * th * tw, k)
    np.testing.assert_allclose(np.vdot(out, dout), np.vdot(m, dmt.transpose(0, 2, 1)), rtol=1e-5)


@pytest.mark.parametrize("itemsize", [4, 8])
def test_the_16_matrices_lie_an_odd_number_of_cache_lines_apart(itemsize):
    """So that the transforms' 16 streams fall into 16 different cache sets (never 4 KiB apart)."""
    for size in (1, 15, 16, 17, 256, 1024, 8192, 12544, 16 * 512):
        step = winograd._spacing(size, itemsize)
        assert step >= size and step * itemsize % 64 == 0 and step * itemsize // 64 % 2 == 1, (size, step)
    buf = np.zeros(16 * winograd._spacing(16 * 512, itemsize), np.dtype(f"f{itemsize}"))
    stack = winograd._stack(buf, 16, 500)  # a smaller block in a buffer made for the largest
    assert stack.base is buf and stack[0].flags.c_contiguous
    assert winograd._flat(stack) == (buf, winograd._spacing(16 * 500, itemsize))


@pytest.mark.parametrize("kernels", TRANSFORMS)
def test_blocks_whose_matrices_are_4_kib_multiples_match_direct(kernels):
    """At (2, 16, 32, 32) K32 a block's V (C x 512 tiles) and M (K x 512) are multiples of 4 KiB:
    spaced, they must still give the direct path's answer, within 2x its float32 error."""
    x, wt, b, rng = problem(2, 16, 32, 32, 32, seed=6)
    dout = rng.standard_normal((2, 32, 32, 32))
    want = exact(x, wt, b, 1, dout)
    args = [a.astype(F32) for a in (x, wt, b, dout)]
    with _numba.using(kernels):
        got = (ck.conv2d(*args[:3], padding=1, method="winograd"),
               *ck.conv2d_backward(args[3], *args[:2], padding=1, method="winograd"))
    direct = (ck.conv2d(*args[:3], padding=1, method="fast"),
              *ck.conv2d_backward(args[3], *args[:2], padding=1, method="fast"))
    for name, g, f, e in zip(("out", "dx", "dw", "db"), got, direct, want):
        assert scaled_error(g, e) < winograd.RTOL[F32], name
        assert scaled_error(g, e) <= 2 * scaled_error(f, e), name


def test_float32_rms_error_stays_within_twice_the_direct_paths():
    """Issue 25's bound, in the benchmark's measure (RMS error over RMS of the exact result, mean of 3
    seeds): forward, dx and dw. At this shape a block holds 512 tiles; dw's products over all of them
    at once (no DW_TILES chunks) came to 2.0-2.1x the direct error, in chunks about 1.1x."""
    ratios = []
    for seed in range(3):
        x, wt, b, rng = problem(2, 16, 32, 32, 32, seed=seed)
        dout = rng.standard_normal((2, 32, 32, 32))
        want = exact(x, wt, b, 1, dout)[:3]
        args = [a.astype(F32) for a in (x, wt, b, dout)]
        got = {m: (ck.conv2d(*args[:3], padding=1, method=m),
                   *ck.conv2d_backward(args[3], *args[:2], padding=1, method=m)[:2]) for m in ("winograd", "fast")}
        rms = {m: [np.sqrt(np.mean((g - e) ** 2) / np.mean(e**2)) for g, e in zip(got[m], want)] for m in got}
        ratios.append(np.divide(rms["winograd"], rms["fast"]))
    assert np.all(np.mean(ratios, axis=0) <= 2), dict(zip(("out", "dx", "dw"), np.mean(ratios, axis=0)))


def test_numerical_gradients():
    rng = np.random.default_rng(5)
    x, w, b = rng.standard_normal((2, 3, 5, 7)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    kw = dict(padding=(1, 3), method="winograd")
    dout = rng.standard_normal(ck.conv2d(x, w, b, **kw).shape)
    dx, dw, db = ck.conv2d_backward(dout, x, w, **kw)
    assert ck.rel_error(dx, ck.numerical_gradient(lambda v: ck.conv2d(v, w, b, **kw), x, dout)) < 1e-8
    assert ck.rel_error(dw, ck.numerical_gradient(lambda v: ck.conv2d(x, v, b, **kw), w, dout)) < 1e-8
    assert ck.rel_error(db, ck.numerical_gradient(lambda v: ck.conv2d(x, w, v, **kw), b, dout)) < 1e-8


def test_layer_trains_with_winograd():
    layer = ck.Conv2D(3, 4, 3, padding=1, rng=0, method="winograd")
    ref = ck.Conv2D.from_weights(layer.W, layer.b, padding=1, method="loops")
    x = np.random.default_rng(1).standard_normal((2, 3, 5, 6))
    assert scaled_error(layer.forward(x), ref.forward(x)) < winograd.RTOL[F64]
    dout = np.ones((2, 4, 5, 6))
    assert scaled_error(layer.backward(dout), ref.backward(dout)) < winograd.RTOL[F64]
    assert scaled_error(layer.dW, ref.dW) < winograd.RTOL[F64]


@pytest.mark.parametrize("dtype", [F32, F64])
@pytest.mark.parametrize("shape, padding", [((2, 3, 8, 8, 4), 1), ((3, 5, 7, 9, 2), 0), ((1, 2, 5, 4, 3), (2, 3))])
def test_matches_pytorch(shape, padding, dtype):
    torch = pytest.importorskip("torch")
    n, c, h, w, k = shape
    x, wt, b, rng = problem(n, c, k, h, w, seed=11)
    x, wt, b = (a.astype(dtype) for a in (x, wt, b))
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, wt, b))
    ty = torch.nn.functional.conv2d(tx, tw, tb, padding=padding)
    dout = rng.standard_normal(tuple(ty.shape)).astype(dtype)
    ty.backward(torch.tensor(dout))
    got = (ck.conv2d(x, wt, b, padding=padding, method="winograd"),
           *ck.conv2d_backward(dout, x, wt, padding=padding, method="winograd"))
    for g, t in zip(got, (ty.detach(), tx.grad, tw.grad, tb.grad)):
        # Both are rounded: twice the tolerance of one rounded result against the exact one.
        assert scaled_error(g, t.numpy().astype(np.float64)) < 2 * winograd.RTOL[dtype]


@pytest.mark.parametrize("kw, words", [
    (dict(w_shape=(4, 3, 5, 5)), r"needs a 3x3 kernel \(got 5x5\)"),
    (dict(w_shape=(4, 3, 3, 2)), r"needs a 3x3 kernel \(got 3x2\)"),
    (dict(stride=2), r"needs stride 1 \(got stride=\(2, 2\)\)"),
    (dict(dilation=(1, 2)), r"needs dilation 1 \(got dilation=\(1, 2\)\)"),
    (dict(w_shape=(4, 3, 1, 1), stride=(1, 2)), r"needs a 3x3 kernel \(got 1x1\) and stride 1 \(got stride=\(1, 2\)\)"),
])
def test_other_geometries_are_refused_by_name(kw, words):
    x = np.zeros((2, 3, 13, 13))  # stride 2 fits a 3x3 or 1x1 window whole
    w = np.zeros(kw.pop("w_shape", (4, 3, 3, 3)))
    g = conv_geometry(x.shape, w.shape, kw.get("stride", 1), 1, dilation=kw.get("dilation", 1))
    match = r"^method='winograd' computes F\(2x2, 3x3\) only: it " + words
    with pytest.raises(ck.ConvArgumentError, match=match):
        ck.conv2d(x, w, padding=1, method="winograd", **kw)
    with pytest.raises(ck.ConvArgumentError, match=match):
        ck.conv2d_backward(np.zeros(g.out_shape), x, w, padding=1, method="winograd", **kw)
    layer = ck.Conv2D.from_weights(w, padding=1, method="winograd", **kw)
    with pytest.raises(ck.ConvArgumentError, match=match):
        layer.forward(x)


def test_transposed_backward_with_winograd():
    """conv_transpose2d_backward runs its two convolutions through the chosen method."""
    rng = np.random.default_rng(4)
    y, w, dout = rng.standard_normal((2, 4, 5, 6)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal((2, 3, 5, 6))
    got = ck.conv_transpose2d_backward(dout, y, w, padding=1, method="winograd")
    want = ck.conv_transpose2d_backward(dout, y, w, padding=1, method="loops")
    for g, e in zip(got, want):
        assert scaled_error(g, e) < winograd.RTOL[F64]
    with pytest.raises(ck.ConvArgumentError, match="needs stride 1"):
        ck.conv_transpose2d_backward(np.zeros((2, 3, 9, 11)), y, w, stride=2, padding=1, method="winograd")


@pytest.mark.parametrize("method", ["fast", "winograd"])
def test_one_two_and_four_threads_give_the_same_answer(method, monkeypatch):
    """The batch split over 1, 2 or 4 threads (os.sched_getaffinity's count is only the default)."""
    monkeypatch.setattr(_threads, "MIN_SPLIT_MACS", 0)  # split even this small batch
    x, wt, b, rng = problem(5, 4, 6, 9, 7, seed=9)
    dout = rng.standard_normal((5, 6, 9, 7))
    results = {}
    for workers in (1, 2, 4):
        monkeypatch.setattr(_threads, "WORKERS", workers)
        g = conv_geometry(x.shape, wt.shape, 1, 1)
        assert len(_threads.split_batch(g.n, 1)) == workers
        results[workers] = (ck.conv2d(x, wt, b, padding=1, method=method),
                            *ck.conv2d_backward(dout, x, wt, padding=1, method=method))
    for workers in (2, 4):
        for one, many in zip(results[1], results[workers]):
            np.testing.assert_allclose(many, one, rtol=0, atol=1e-13 * np.max(np.abs(one)))


def test_workers_default_to_the_cores_this_process_may_use(monkeypatch):
    """Not a fixed two: the affinity mask's count (a container's or taskset's limit), read at import."""
    import importlib
    import os

    if not hasattr(os, "sched_getaffinity"):
        pytest.skip("no os.sched_getaffinity on this platform")
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 2, 5})
    assert _threads.cores() == 3
    try:
        importlib.reload(_threads)
        assert _threads.WORKERS == (3 if _threads.ThreadpoolController is not None else 1)
    finally:
        monkeypatch.undo()
        importlib.reload(_threads)
    assert _threads.WORKERS == (len(os.sched_getaffinity(0)) if _threads.ThreadpoolController is not None else 1)

"""The memory guard (convkit.memory): honest estimates, refusals that allocate nothing, a limit users can set.

The estimates are checked against what numpy really allocates, measured with
tracemalloc (numpy reports its array buffers to it). Stated factors:

* never below the measured peak by more than 5% + 256 KiB (the slack covers
  numpy's own working buffers, about 170 KiB in a strided ``+=``);
* at most 1.25x the peak + 256 KiB where the peak is deterministic;
* at most 2x for the fast path's two threads: each thread's blocks are counted,
  but whether they are alive at the same moment depends on scheduling.

``python tests/test_memory_guard.py`` prints the estimate-vs-peak table.
"""
import math
import os
import re
import subprocess
import sys
import textwrap
import tracemalloc

import numpy as np
import pytest

import convkit as ck
from convkit import memory, methods
from convkit.geometry import conv_geometry
from convkit.im2col import col2im_bytes, im2col_bytes
from convkit.conv_matrix import _one_channel, conv_matrix_bytes, pattern_bytes
from convkit.geometry import transposed_geometry
from convkit.methods import _numba, _threads, fast, pipeline
from convkit.transposed import conv_transpose2d_bytes

KiB, MiB, GiB = 2**10, 2**20, 2**30
SLACK = 256 * KiB
UNDER, OVER, OVER_THREADS = 0.95, 1.25, 2.0

# (x shape, w shape, stride, padding[, dilation[, drop_last]]); every method on the small ones, matrix only
# where W* is small.
SMALL = [
    ((2, 3, 16, 16), (4, 3, 3, 3), 1, 1),
    ((2, 8, 33, 33), (4, 8, 3, 3), 2, 1),
    ((3, 4, 21, 12), (6, 4, 5, 3), (2, 1), (2, 1)),
    ((2, 4, 20, 17), (3, 4, 3, 2), 1, 2, (2, 3)),  # dilated: the window spans 5 x 4 cells for 3 x 2 taps
    ((2, 4, 18, 17), (3, 4, 3, 2), 2, 1, 2, True),  # dilated, and floored (drop_last)
]
LARGER = [
    ((8, 16, 32, 32), (32, 16, 3, 3), 1, 1),
    ((1, 64, 56, 56), (64, 64, 3, 3), 1, 1),
    ((4, 32, 48, 48), (32, 32, 3, 3), 1, 4, 4),  # DeepLab-style "same" 3x3 with dilation 4
]
# Megabytes of input in a few windows: large arrays for the loops method, in few Python iterations.
WIDE = [((1, 64, 64, 64), (2, 64, 8, 8), 8, 0), ((1, 64, 64, 64), (2, 64, 4, 4), 8, 1, 3)]
# Winograd's geometries (3x3, stride 1): odd sizes, uneven padding, padding past the kernel's reach.
WINOGRAD = [SMALL[0], ((3, 5, 17, 12), (6, 5, 3, 3), 1, (3, 0)), ((16, 8, 33, 31), (4, 8, 3, 3), 1, 2)] + LARGER[:2]
# The FFT method (Chapter 11): every kind of SMALL geometry, a large kernel, and the larger ones.
FFT = SMALL + [((4, 3, 64, 64), (16, 3, 11, 11), 1, 5), LARGER[0], LARGER[2]]
CASES = ([(m, c) for m in methods.METHODS for c in SMALL] + [("fft", c) for c in FFT] + [(m, c) for m in ("im2col", "fast") for c in LARGER]
         + [(m, c) for m in ("loops", "im2col", "fast") for c in WIDE] + [("winograd", c) for c in WINOGRAD])
# The issue's call: 64 3x3 filters on two 224x224 RGB images.
BIG_X, BIG_W = (2, 3, 224, 224), (64, 3, 3, 3)


@pytest.fixture(autouse=True)
def default_limit(monkeypatch):
    """Every test starts from the default limit: no override, no environment variable."""
    monkeypatch.delenv(memory.ENV_VAR, raising=False)
    memory.set_memory_limit(None)
    yield
    memory.set_memory_limit(None)


def traced_peak(fn):
    """Bytes numpy and Python allocated at the peak of ``fn()``, beyond what was allocated before.

    (No gc.collect() first: tracemalloc counts only what is allocated after it starts.)
    """
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        result = fn()
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    del result
    return peak


def conv_call(method, case, dtype, backward, seed=0):
    """The public call for one case and its geometry (arrays made beforehand, in the computing dtype)."""
    xs, ws, s, p, *more = case
    kw = dict(zip(("dilation", "drop_last"), more))
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(xs).astype(dtype), rng.standard_normal(ws).astype(dtype)
    g = conv_geometry(xs, ws, s, p, **kw)
    if backward:
        dout = rng.standard_normal(g.out_shape).astype(dtype)
        return (lambda: ck.conv2d_backward(dout, x, w, s, p, method=method, **kw)), g
    return (lambda: ck.conv2d(x, w, None, s, p, method=method, **kw)), g


def estimate_and_peak(method, case, dtype, backward):
    call, g = conv_call(method, case, dtype, backward)
    call()  # once untraced: numba's dispatch, the thread pool and BLAS set themselves up
    return methods.get(method).bytes_needed(g, dtype, backward), traced_peak(call)


def kernel_choices():
    return _numba.kinds()


@pytest.mark.parametrize("backward", [False, True], ids=["forward", "backward"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("method, case", CASES, ids=[f"{m}-{c[0]}-{c[1]}" for m, c in CASES])
def test_estimate_matches_traced_peak(method, case, dtype, backward, monkeypatch):
    monkeypatch.setattr(_threads, "WORKERS", 1)  # one thread: a deterministic peak (two threads: below)
    for kernels in kernel_choices() if method in ("fast", "winograd") else [None]:
        with _numba.using(kernels or _numba.default()):
            est, peak = estimate_and_peak(method, case, dtype, backward)
        assert est >= UNDER * peak - SLACK, f"{method}: estimate {est / MiB:.3f} MiB < peak {peak / MiB:.3f} MiB"
        assert est <= OVER * peak + SLACK, f"{method}: estimate {est / MiB:.3f} MiB >> peak {peak / MiB:.3f} MiB"


@pytest.mark.parametrize("backward", [False, True], ids=["forward", "backward"])
def test_winograd_estimate_counts_both_threads(backward, monkeypatch):
    monkeypatch.setattr(_threads, "WORKERS", 2)
    case = ((32, 16, 32, 32), (32, 16, 3, 3), 1, 1)
    est, peak = estimate_and_peak("winograd", case, np.float32, backward)
    assert UNDER * peak - SLACK <= est <= OVER_THREADS * peak + SLACK, (est, peak)


@pytest.mark.parametrize("backward", [False, True], ids=["forward", "backward"])
def test_fast_estimate_counts_both_threads(backward, monkeypatch):
    monkeypatch.setattr(_threads, "WORKERS", 2)
    case = ((32, 16, 32, 32), (32, 16, 3, 3), 1, 1)  # 151M multiply-adds: above MIN_SPLIT_MACS, so split
    assert len(fast._parts(conv_geometry(*case))) == 2
    for kernels in kernel_choices():
        with _numba.using(kernels):
            est, peak = estimate_and_peak("fast", case, np.float32, backward)
        assert UNDER * peak - SLACK <= est <= OVER_THREADS * peak + SLACK, (kernels, est, peak)


# Chapter 11's variants, which the pipeline runs around the engines: (x shape, w shape (K, C/groups, FH, FW),
# stride, padding, groups[, layout]). Grouped and depthwise convolutions, uneven padding (x padded by its uneven
# part), channels last (x and dout transposed to NCHW copies, the result back).
GROUPED = [((4, 16, 24, 24), (32, 4, 3, 3), 1, 1, 4), ((2, 32, 40, 40), (32, 1, 3, 3), 1, 1, 32),  # depthwise
           ((3, 12, 33, 33), (6, 6, 5, 5), 2, 2, 2)]
UNEVEN = [((4, 16, 24, 24), (16, 16, 4, 4), 1, "same", 1), ((2, 8, 41, 40), (12, 4, 3, 2), 2, ((0, 2), (3, 1)), 2)]
NHWC = [((4, 24, 24, 16), (32, 16, 3, 3), 1, 1, 1, "NHWC"), ((2, 41, 40, 8), (12, 4, 3, 2), 2, ((0, 2), (3, 1)), 2, "NHWC")]
VARIANT_CASES = [(m, c) for m in methods.METHODS + methods.SPECIALISED for c in GROUPED + UNEVEN + NHWC
                 if (m != "winograd" or c[1][2:] == (3, 3) and c[2] == 1) and (m != "matrix" or c[0][2] < 30)]


@pytest.mark.parametrize("backward", [False, True], ids=["forward", "backward"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("method, case", VARIANT_CASES, ids=[f"{m}-{c[0]}-{c[1]}-{c[3]}-{c[5:]}" for m, c in VARIANT_CASES])
def test_variant_estimate_matches_traced_peak(method, case, dtype, backward, monkeypatch):
    """The pipeline's estimate (:func:`convkit.methods.pipeline.bytes_needed`), and the guard refusing by it.

    Grouped: one group's peak on top of the groups done, then the concatenation. Uneven padding:
    x padded by its uneven part, the symmetric pass on it, and dx cropped back. NHWC: the NCHW copies.
    """
    monkeypatch.setattr(_threads, "WORKERS", 1)
    xs, ws, s, p, groups, *layout = case
    kw = dict(method=method, groups=groups, layout=(layout or ["NCHW"])[0])
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(xs).astype(dtype), rng.standard_normal(ws).astype(dtype)
    g = pipeline.prepare(x, w, None, s, p, groups=groups, layout=kw["layout"])[3]
    dout = rng.standard_normal(g.out_shape_as_given).astype(dtype)
    call = ((lambda: ck.conv2d_backward(dout, x, w, s, p, **kw)) if backward
            else (lambda: ck.conv2d(x, w, None, s, p, **kw)))
    call()
    est, peak = pipeline.bytes_needed(methods.get(method), g, dtype, backward), traced_peak(call)
    assert UNDER * peak - SLACK <= est <= OVER * peak + SLACK, (est / MiB, peak / MiB)
    ck.set_memory_limit(est - 1)  # the guard uses that estimate
    with pytest.raises(ck.ConvArgumentError, match=rf"\(method='{method}'\) on .*{'groups=' if groups > 1 else ''}"):
        call()


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("ys, ws, s, p, groups", [((4, 32, 16, 16), (32, 4, 3, 3), 2, 1, 4),
                                                  ((2, 24, 30, 30), (24, 1, 3, 3), 1, 1, 24)])
def test_grouped_conv_transpose2d_estimate(ys, ws, s, p, groups, dtype):
    rng = np.random.default_rng(7)
    g = transposed_geometry(ys, ws, s, p, groups=groups)
    y, w, b = (rng.standard_normal(shape).astype(dtype) for shape in (ys, ws, g.c))
    call = lambda: ck.conv_transpose2d(y, w, b, s, p, groups=groups)  # noqa: E731
    call()
    est, peak = conv_transpose2d_bytes(g, y.itemsize), traced_peak(call)
    assert UNDER * peak - SLACK <= est <= OVER * peak + SLACK, (est, peak)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("xs, f, s, p", [((8, 16, 32, 32), 3, 1, 1), ((4, 3, 65, 65), 5, 2, 2)])
def test_im2col_col2im_estimates(xs, f, s, p, dtype):
    x = np.random.default_rng(1).standard_normal(xs).astype(dtype)
    g = conv_geometry(xs, (1, xs[1], f, f), s, p)
    cols = ck.im2col(x, f, f, s, p)
    for est, call in ((im2col_bytes(g, x.itemsize), lambda: ck.im2col(x, f, f, s, p)),
                      (col2im_bytes(g, x.itemsize), lambda: ck.col2im(cols, xs, f, f, s, p))):
        peak = traced_peak(call)
        assert UNDER * peak - SLACK <= est <= OVER * peak + SLACK, (est, peak)


# (y shape, w shape, stride, padding, dilation, output_padding) of the transposed convolution.
TRANSPOSED = [((8, 32, 16, 16), (32, 16, 4, 4), 2, 1, 1, 0), ((4, 16, 30, 30), (16, 8, 3, 3), 1, 2, 2, 0),
              ((2, 24, 20, 11), (24, 12, 3, 2), (2, 3), (1, 0), (1, 2), (1, 2))]


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("ys, ws, s, p, d, o", TRANSPOSED)
def test_conv_transpose2d_estimate(ys, ws, s, p, d, o, dtype):
    rng = np.random.default_rng(7)
    y, w, b = (rng.standard_normal(shape).astype(dtype) for shape in (ys, ws, ws[1]))
    call = lambda: ck.conv_transpose2d(y, w, b, s, p, d, o)  # noqa: E731
    call()
    est, peak = conv_transpose2d_bytes(transposed_geometry(ys, ws, s, p, d, o), y.itemsize), traced_peak(call)
    assert UNDER * peak - SLACK <= est <= OVER * peak + SLACK, (est, peak)


@pytest.mark.parametrize("method", methods.METHODS)
@pytest.mark.parametrize("ys, ws, s, p, d, o", TRANSPOSED[1:])
def test_conv_transpose2d_backward_is_guarded_by_its_convolutions(ys, ws, s, p, d, o, method, monkeypatch):
    """Its two passes are the convolution's; the larger of their estimates bounds the peak."""
    monkeypatch.setattr(_threads, "WORKERS", 1)
    g = transposed_geometry(ys, ws, s, p, d, o)
    if method == "matrix" and methods.get(method).bytes_needed(g, np.float64, True) > 64 * MiB:
        pytest.skip("W* of this size is for the refusal tests")
    rng = np.random.default_rng(8)
    y, w, dout = rng.standard_normal(ys), rng.standard_normal(ws), rng.standard_normal(g.x_shape)
    call = lambda: ck.conv_transpose2d_backward(dout, y, w, s, p, d, o, method=method)  # noqa: E731
    call()
    est = max(methods.get(method).bytes_needed(g, np.float64, b) for b in (False, True))
    peak = traced_peak(call)
    assert UNDER * peak - SLACK <= est <= OVER * peak + SLACK, (est, peak)
    ck.set_memory_limit(est - 1)
    with pytest.raises(ck.ConvArgumentError, match=rf"conv_transpose2d_backward\(method='{method}'\)"):
        call()


def test_conv_transpose2d_is_refused_without_allocating():
    ck.set_memory_limit("64 MiB")
    y, w = np.broadcast_to(0.0, (16, 64, 128, 128)), np.zeros((64, 32, 4, 4))
    info = {}

    def refused():
        with pytest.raises(ck.ConvArgumentError, match=r"^conv_transpose2d for y.shape=\(16, 64, 128, 128\)") as e:
            ck.conv_transpose2d(y, w, stride=2, padding=1)
        info["e"] = e

    assert traced_peak(refused) < MiB
    cols = 32 * 16 * 16 * 128 * 128 * 8  # the column matrix alone, 1 GiB
    assert gib_in(str(info["e"].value)) >= cols / GiB


@pytest.mark.parametrize("k, shape, s, p", [((3, 3), (32, 32), 1, 1), ((5, 3), (21, 30), (2, 1), (2, 1))])
def test_conv_matrix_estimates(k, shape, s, p):
    kernel = np.random.default_rng(2).standard_normal(k)
    g = _one_channel(k, shape, s, p)
    for est, call in ((conv_matrix_bytes(g, 8), lambda: ck.conv_matrix(kernel, shape, s, p)),
                      (pattern_bytes(g), lambda: ck.conv_matrix_pattern(k, shape, s, p))):
        peak = traced_peak(call)
        assert UNDER * peak - SLACK <= est <= OVER * peak + SLACK, (est, peak)


def gib_in(message):
    """The first 'N GiB' size a message names, in GiB."""
    m = re.search(r"about ([\d,.]+) GiB", message)
    assert m, message
    return float(m[1].replace(",", ""))


def test_the_issue_call_is_refused_without_allocating():
    x, w = np.zeros(BIG_X), np.zeros(BIG_W)
    g = conv_geometry(BIG_X, BIG_W, 1, 0)
    w_star = g.k * g.ho * g.wo * g.c * g.h * g.w * 8  # W* alone, in float64: 3,537 GiB
    if w_star <= ck.memory_limit():
        pytest.skip("this machine's default limit is above W*")
    info = {}

    def call():
        with pytest.raises(ck.ConvArgumentError) as info["e"]:
            ck.conv2d(x, w, method="matrix")

    assert traced_peak(call) < MiB  # refused from the shapes alone: nothing of W* was allocated
    msg = str(info["e"].value)
    assert "conv2d(method='matrix') on x.shape=(2, 3, 224, 224), w.shape=(64, 3, 3, 3)" in msg
    assert w_star / GiB <= gib_in(msg) <= 1.01 * w_star / GiB
    assert f"limit of {memory.gib(ck.memory_limit())}" in msg and "of this machine's" in msg
    # The method it names fits, runs, and computes the same result.
    assert "method='fast' needs" in msg
    rng = np.random.default_rng(4)
    x, w = rng.standard_normal(BIG_X), rng.standard_normal(BIG_W)
    np.testing.assert_allclose(ck.conv2d(x, w, method="fast"), ck.conv2d(x, w, method="im2col"), rtol=1e-10,
                               atol=1e-12)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS and /proc are Linux's")
def test_refusals_under_a_tight_address_space_limit():
    """With 512 MiB of address space to spare, each guarded call must fail as ConvArgumentError.

    A guard that allocated first would get a MemoryError here instead (the
    control at the end shows it), never a machine that swaps or dies.
    """
    script = textwrap.dedent(f"""
        import resource
        import numpy as np
        import convkit as ck
        from convkit.methods import fast, im2col, loops, matrix  # imported before the limit

        x, w = np.zeros({BIG_X}), np.zeros({BIG_W})
        calls = {{
            "conv2d": lambda: ck.conv2d(x, w, method="matrix"),
            "conv2d_backward": lambda: ck.conv2d_backward(np.zeros((2, 64, 224, 224)), x, w, 1, 1, method="matrix"),
            "Conv2D.forward": lambda: ck.Conv2D(3, 64, 3, method="matrix").forward(x),
            "conv_matrix": lambda: ck.conv_matrix(np.ones((3, 3)), (4096, 4096), 1, 1),
            "im2col": lambda: ck.im2col(np.broadcast_to(np.float32(0), (1, 1, 2**15, 2**15)), 11, 11, 1, 5),
        }}
        vm = int(next(l.split()[1] for l in open("/proc/self/status") if l.startswith("VmSize"))) * 1024
        hard = resource.getrlimit(resource.RLIMIT_AS)[1]
        soft = vm + 512 * 2**20 if hard == resource.RLIM_INFINITY else min(vm + 512 * 2**20, hard)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        for name, call in calls.items():
            try:
                call()
                print(name, "ran")
            except Exception as e:
                print(name, type(e).__name__)
        ck.set_memory_limit("off")  # control: without the guard, the same call hits the address-space limit
        try:
            calls["conv2d"]()
        except Exception as e:
            print("unguarded", type(e).__name__)
    """)
    env = {k: v for k, v in os.environ.items() if k != memory.ENV_VAR}
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    got = dict(line.rsplit(" ", 1) for line in run.stdout.splitlines())
    expected = dict.fromkeys(["conv2d", "conv2d_backward", "Conv2D.forward", "conv_matrix", "im2col"],
                             "ConvArgumentError")
    assert got == {**expected, "unguarded": "MemoryError"}


def test_override_both_ways(monkeypatch):
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((8, 16, 32, 32)), rng.standard_normal((32, 16, 3, 3))
    need = methods.get("im2col").bytes_needed(conv_geometry(x.shape, w.shape, 1, 1), np.float64)
    assert 12 * MiB < need < 14 * MiB  # the column matrix, 9x the 1 MiB input, and the output

    monkeypatch.setenv(memory.ENV_VAR, "8 MiB")  # lower than the default: refused
    with pytest.raises(ck.ConvArgumentError, match=r"limit of 0.00781 GiB \(from CONVKIT_MEMORY_LIMIT='8 MiB'\)") as e:
        ck.conv2d(x, w, padding=1, method="im2col")
    assert "method='fast' needs" in str(e.value) and "set_memory_limit('1 GiB')" in str(e.value)
    assert ck.set_memory_limit("64 MiB") is None  # the function wins over the variable: runs
    assert ck.conv2d(x, w, padding=1, method="im2col").shape == (8, 32, 32, 32)
    assert ck.set_memory_limit("off") == "64 MiB" and ck.memory_limit() == math.inf
    ck.conv2d(x, w, padding=1, method="im2col")
    ck.set_memory_limit(None)  # back to the variable: refused again
    with pytest.raises(ck.ConvArgumentError):
        ck.conv2d(x, w, padding=1, method="im2col")
    monkeypatch.delenv(memory.ENV_VAR)  # back to the default: runs
    ck.conv2d(x, w, padding=1, method="im2col")


@pytest.mark.parametrize("method", methods.METHODS)
def test_limit_is_inclusive_and_exact(method):
    """A call needing exactly the limit runs; one byte less refuses it: the guard uses the method's own estimate."""
    x, w = np.ones((2, 3, 8, 8)), np.ones((4, 3, 3, 3))
    need = methods.get(method).bytes_needed(conv_geometry(x.shape, w.shape, 1, 1), np.float64)
    ck.set_memory_limit(need)
    ck.conv2d(x, w, padding=1, method=method)
    ck.set_memory_limit(need - 1)
    with pytest.raises(ck.ConvArgumentError, match=rf"conv2d\(method='{method}'\)"):
        ck.conv2d(x, w, padding=1, method=method)


def test_backward_and_layer_are_guarded():
    """The matrix backward holds W* and dW*: a limit between the two passes lets the forward through only."""
    x = np.random.default_rng(6).standard_normal((2, 3, 16, 16))
    g = conv_geometry(x.shape, (4, 3, 3, 3), 1, 1)
    fwd, bwd = (methods.get("matrix").bytes_needed(g, np.float64, b) for b in (False, True))
    ck.set_memory_limit((fwd + bwd) // 2)
    layer = ck.Conv2D(3, 4, 3, padding=1, rng=0, method="matrix")
    out = layer.forward(x)
    with pytest.raises(ck.ConvArgumentError, match=r"Conv2D.backward\(method='matrix'\).*method='fast' needs"):
        layer.backward(np.ones_like(out))
    with pytest.raises(ck.ConvArgumentError, match=r"conv2d_backward\(method='matrix'\)"):
        ck.conv2d_backward(np.ones_like(out), x, layer.W, 1, 1, method="matrix")
    ck.set_memory_limit(None)
    assert layer.backward(np.ones_like(out)).shape == x.shape


def test_no_method_fits():
    ck.set_memory_limit("1 KiB")
    with pytest.raises(ck.ConvArgumentError, match=r"No method fits \(the smallest, method='loops', needs .* GiB\)"
                       r": split the batch .*, or use float32") as e:
        ck.conv2d(np.ones((2, 3, 16, 16)), np.ones((4, 3, 3, 3)), method="fast")
    assert "set by convkit.set_memory_limit('1 KiB')" in str(e.value)


def test_public_functions_refuse_without_allocating():
    """Sizes a little above a 64 MiB limit: were the guard broken, the test would allocate at most ~230 MiB."""
    ck.set_memory_limit("64 MiB")
    shape = (1, 64, 512, 512)
    cols = np.broadcast_to(np.float32(0), (64 * 9, 512 * 512))  # an array that takes no memory
    x = np.zeros((1, 32, 256, 256), np.float32)
    for name, call, size in [
        ("conv_matrix", lambda: ck.conv_matrix(np.ones((3, 3)), (64, 64), 1, 1), 4096**2 * 8),  # W*, float64
        ("conv_matrix_pattern", lambda: ck.conv_matrix_pattern((3, 3), (512, 512), 1, 1), 96 * 9 * 512**2),
        ("im2col", lambda: ck.im2col(x, 3, 3, 1, 1),
         (32 * 9 * 256**2 + 32 * 258**2) * 4),  # the column matrix and the padded input
        ("col2im", lambda: ck.col2im(cols, shape, 3, 3, 1, 1), (64 * 514**2 + 64 * 512**2) * 4),
    ]:
        info = {}

        def refused():
            with pytest.raises(ck.ConvArgumentError, match=rf"^{name} .* would need about [\d.]+ GiB") as info["e"]:
                call()

        assert traced_peak(refused) < MiB, name
        assert gib_in(str(info["e"].value)) >= 0.99 * size / GiB, name  # the message rounds to 3 digits


def test_messages_for_conv_matrix_and_im2col_say_what_to_use():
    ck.set_memory_limit("64 MiB")
    with pytest.raises(ck.ConvArgumentError, match=r"about 0.128 GiB.*conv_matrix_pattern gives its non-zeros"):
        ck.conv_matrix(np.ones((3, 3)), (64, 64), 1, 1)
    with pytest.raises(ck.ConvArgumentError, match=r"column matrix .* = \(288, 65536\).*method='fast'"):
        ck.im2col(np.zeros((1, 32, 256, 256), np.float32), 3, 3, 1, 1)
    # conv_matrix's docstring: "a 224x224 input, 3x3 kernel, padding 1: 18.8 GiB in float64".
    assert memory.gib(conv_matrix_bytes(_one_channel((3, 3), (224, 224), 1, 1), 8)) == "18.8 GiB"


@pytest.mark.parametrize("given, bytes_", [
    (4096, 4096), (2.5e9, 2.5e9), ("8 GiB", 8 * GiB), ("8gib", 8 * GiB), ("512MB", 512e6), ("1.5 KiB", 1536),
    ("2e3", 2000), ("off", math.inf), (" INF ", math.inf),
])
def test_limit_values(given, bytes_):
    ck.set_memory_limit(given)
    assert ck.memory_limit() == bytes_


def test_limit_as_a_percentage():
    ck.set_memory_limit("80%")
    assert ck.memory_limit() == pytest.approx(0.8 * (memory.machine_memory() or memory.FALLBACK_BYTES))


@pytest.mark.parametrize("bad", ["lots", "8 GB please", "-1", "0", 0, -5, True, [1], "1 PiB"])
def test_bad_limits_are_refused(bad, monkeypatch):
    with pytest.raises(ck.ConvArgumentError, match=re.escape(f"limit={bad!r}")):
        ck.set_memory_limit(bad)
    if isinstance(bad, str):
        monkeypatch.setenv(memory.ENV_VAR, bad)
        with pytest.raises(ck.ConvArgumentError, match=re.escape(f"CONVKIT_MEMORY_LIMIT={bad!r}")):
            ck.conv2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)))


@pytest.mark.skipif(not os.path.exists("/proc/meminfo"), reason="Linux's /proc/meminfo is the reference")
def test_default_limit_is_half_the_machine():
    with open("/proc/meminfo") as f:
        total = int(next(line.split()[1] for line in f if line.startswith("MemTotal:"))) * 1024
    machine = memory.machine_memory()
    # /proc/meminfo and sysconf count the same pages; a container's cgroup limit may only lower it.
    assert machine == total or (machine < total and any(os.path.exists(p) for p in memory._CGROUP_FILES))
    assert ck.memory_limit() == 0.5 * machine


def test_fallback_when_memory_cannot_be_read(monkeypatch):
    def no_sysconf(name):
        raise ValueError(name)

    monkeypatch.setattr(os, "sysconf", no_sysconf)
    monkeypatch.setattr(memory, "_CGROUP_FILES", ("/nonexistent/memory.max",))
    memory.machine_memory.cache_clear()
    try:
        assert memory.machine_memory() is None
        assert ck.memory_limit() == 0.5 * memory.FALLBACK_BYTES == 4 * GiB
        with pytest.raises(ck.ConvArgumentError, match=r"assumed because this machine's memory cannot be read"):
            ck.conv2d(np.zeros(BIG_X), np.zeros(BIG_W), method="matrix")
    finally:
        memory.machine_memory.cache_clear()  # read again, for real, by the next test


@pytest.mark.skipif(sys.platform == "win32", reason="os.sysconf is for Linux and macOS")
def test_a_cgroup_limit_lowers_the_default(tmp_path, monkeypatch):
    limit = tmp_path / "memory.max"
    limit.write_text(f"{3 * GiB}\n")
    monkeypatch.setattr(memory, "_CGROUP_FILES", (str(limit),))
    memory.machine_memory.cache_clear()
    try:
        assert memory.machine_memory() == min(3 * GiB, os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
        limit.write_text("max\n")  # cgroup v2's "no limit"
        memory.machine_memory.cache_clear()
        assert memory.machine_memory() == os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    finally:
        memory.machine_memory.cache_clear()


def test_every_method_has_an_estimate_and_a_rank():
    for m in methods.METHODS:
        assert callable(methods.get(m).bytes_needed), m
    assert sorted(methods.by_speed()) == sorted(methods.METHODS)


def table():
    """The estimate-vs-peak table, as Markdown (the fast path in one thread, then in two)."""
    rows = ["| method | x | w | stride | dtype | pass | estimate MiB | peak MiB | estimate/peak |",
            "|---|---|---|---|---|---|---|---|---|"]
    two = ((32, 16, 32, 32), (32, 16, 3, 3), 1, 1)
    runs = [(m, c, 1) for m, c in CASES] + [("fast", two, 2)]
    for method, case, workers in runs:
        _threads.WORKERS = workers
        for kernels in kernel_choices() if method == "fast" else [_numba.default()]:
            name = f"fast ({kernels}, {workers} thread{'s' * (workers > 1)})" if method == "fast" else method
            for dtype in (np.float64, np.float32):
                for backward in (False, True):
                    with _numba.using(kernels):
                        est, peak = estimate_and_peak(method, case, dtype, backward)
                    dil = f", dilation {case[4]}" if len(case) > 4 else ""
                    rows.append(f"| {name} | {case[0]} | {case[1]} | {case[2]}{dil} | {np.dtype(dtype).name} | "
                                f"{'backward' if backward else 'forward'} | {est / MiB:.3f} | {peak / MiB:.3f} | "
                                f"{est / peak:.3f} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(table())

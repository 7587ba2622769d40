"""Median forward, forward+backward and backward times of every convkit method, the GEMM floor and PyTorch.

Run: ``python benchmarks/conv_speed.py [--repeats 15] [--quick] [--json FILE]``

It prints the machine (CPU model, AVX-512 or not, BLAS kernel and threads,
convkit's threads), a table per shape and dtype, Winograd's accuracy against
the direct methods, the first call of conv2d in a new process (a small and a
large problem: numba is imported only for the large one), and each target of issue 25 that applies to this CPU with
its measured ratio and "met" or "missed". ``--json FILE`` also writes the table
as a list of records ``{"shape": [N, C, H, W, K, F], "dtype", "contestant",
"forward_ms", "forward_backward_ms", "backward_ms"}``.

* "floor" is the three bare matrix products that any im2col method feeds to BLAS
  (forward ``W_row @ cols``; backward ``dout @ cols.T`` and ``W_row.T @ dout``)
  on ready-made operands: no im2col, col2im, transposes or allocation.
* "winograd" is F(2x2, 3x3) (:mod:`convkit.methods.winograd`): 4/9 of the
  floor's multiply-adds, plus transforms. ``benchmarks/winograd_profile.py``
  shows where its time goes, phase by phase, per band of tile rows.
* Methods run as a layer does: forward keeps its cache, backward uses it; the
  fast path keeps its buffers between calls (its workspace), as Conv2D does.
  "backward" is the backward pass alone (dx, dw, db) from one forward's cache.
* PyTorch (if installed) runs ``torch.nn.functional.conv2d`` and autograd on the
  CPU with the same number of threads as OpenBLAS; its backward alone is
  ``backward`` on one forward's graph, kept (``retain_graph``).
* Each time is a median over blocks of back-to-back calls, the blocks of all
  contestants interleaved so that slow drifts of the machine hit all alike;
  expect +-10% between runs.
* Each block starts after a 0.3 s pause. OpenBLAS's and PyTorch's worker
  threads keep spinning for up to ~0.1 s (OpenBLAS) and 0.2 s (OpenMP) after a
  multi-threaded call, taking a core from whatever runs next; without the
  pause each contestant could pay for the previous one's idle threads.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

import numpy as np
from threadpoolctl import threadpool_info

from convkit import conv2d, conv2d_backward, methods
from convkit.methods import _numba, _threads, fast
from convkit.geometry import conv_geometry

SHAPES = [  # (N, C, H, W, K, F), padding 1, stride 1
    (32, 16, 32, 32, 32, 3),
    (8, 64, 56, 56, 64, 3),
]
QUICK_SHAPES = [(4, 3, 16, 16, 8, 3)]
BIG, SMALL = SHAPES[1], SHAPES[0]
FLOOR = "floor (3 GEMMs)"
F32, F64 = "float32", "float64"
# Issue 25's targets: (CPU kind, shape, dtype, pass, limit, against). "convkit" is the faster of
# the fast path and Winograd in that column; "fwd" the forward, "fwd+bwd" forward and backward,
# "bwd" the backward alone (dx and dw, against PyTorch's backward).
SLOTS = {"fwd": 0, "fwd+bwd": 1, "bwd": 2}
TARGETS = [
    ("AVX-512", BIG, F32, "fwd", 0.8, "PyTorch"), ("AVX-512", BIG, F32, "fwd+bwd", 1.0, "PyTorch"),
    ("AVX-512", BIG, F32, "bwd", 1.0, "PyTorch"),
    ("AVX-512", SMALL, F32, "fwd", 1.3, "PyTorch"), ("AVX-512", SMALL, F32, "fwd+bwd", 1.3, "PyTorch"),
    ("AVX-512", BIG, F64, "fwd+bwd", 0.35, "PyTorch"), ("AVX-512", SMALL, F64, "fwd+bwd", 0.35, "PyTorch"),
    ("no AVX-512", BIG, F32, "fwd", 0.8, "PyTorch"), ("no AVX-512", BIG, F32, "fwd+bwd", 0.8, "PyTorch"),
    ("no AVX-512", SMALL, F32, "fwd", 1.3, "PyTorch"), ("no AVX-512", SMALL, F32, "fwd+bwd", 1.3, "PyTorch"),
    ("no AVX-512", BIG, F64, "fwd+bwd", 0.4, "PyTorch"), ("no AVX-512", SMALL, F64, "fwd+bwd", 0.4, "PyTorch"),
    ("every CPU", BIG, F32, "fwd", 0.6, FLOOR),
]
#: Issue 25: Winograd's float32 error (RMS, against float64) at most this many times the direct path's,
#: for the forward, dx and dw, on every CPU.
ACCURACY_LIMIT = 2.0
# Methods that would take minutes or gigabytes at these shapes, and why.
SLOW = {"loops": "Python loops: ~300 ns per multiply-add", "matrix": "dense W* has (K*Ho*Wo) x (C*H*W) entries"}


def _with_numpy_kernels(fn):
    def run():
        with _numba.using("numpy"):
            return fn()
    return run


def contestants(shape, dtype, with_torch):
    n, c, h, w, k, f = shape
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    wt = rng.standard_normal((k, c, f, f)).astype(dtype)
    b = rng.standard_normal(k).astype(dtype)
    g = conv_geometry(x.shape, wt.shape, 1, 1)
    dout = rng.standard_normal(g.out_shape).astype(dtype)
    cff, cols_n = c * f * f, n * g.ho * g.wo
    out = {}

    w_row = wt.reshape(k, -1)
    cols = rng.standard_normal((cff, cols_n)).astype(dtype)
    dy = rng.standard_normal((k, cols_n)).astype(dtype)
    y, dw, dcols = np.empty((k, cols_n), dtype), np.empty((k, cff), dtype), np.empty((cff, cols_n), dtype)
    out[FLOOR] = (
        lambda: np.matmul(w_row, cols, out=y),
        lambda: (np.matmul(w_row, cols, out=y), np.matmul(dy, cols.T, out=dw), np.matmul(w_row.T, dy, out=dcols)),
        lambda: (np.matmul(dy, cols.T, out=dw), np.matmul(w_row.T, dy, out=dcols)),
    )
    for name in methods.METHODS + methods.SPECIALISED:
        if name in SLOW and shape not in QUICK_SHAPES:
            continue
        impl, ws = methods.get(name), {}

        def fwd(impl=impl, ws=ws):
            return impl.forward(x, wt, b, g, ws)

        def fwd_bwd(impl=impl, ws=ws):
            _, cache = impl.forward(x, wt, b, g, ws)
            return impl.backward(dout, cache, ws)

        def bwd(impl=impl, ws=ws, cache=impl.forward(x, wt, b, g, {})[1]):
            return impl.backward(dout, cache, ws)

        out[name] = (fwd, fwd_bwd, bwd)
    if _numba.default() != "numpy":  # what the compiled kernels buy
        out["fast, numpy kernels"] = tuple(_with_numpy_kernels(fn) for fn in out["fast"])
    if with_torch:
        import torch
        import torch.nn.functional as F

        tx, tw, tb = (torch.from_numpy(a) for a in (x, wt, b))
        tx.requires_grad_(True), tw.requires_grad_(True), tb.requires_grad_(True)
        td = torch.from_numpy(dout)

        def t_fwd():
            with torch.no_grad():
                return F.conv2d(tx, tw, tb, padding=1)

        def t_fwd_bwd():
            tx.grad = tw.grad = tb.grad = None
            F.conv2d(tx, tw, tb, padding=1).backward(td)

        graph = F.conv2d(tx, tw, tb, padding=1)

        def t_bwd():
            tx.grad = tw.grad = tb.grad = None
            graph.backward(td, retain_graph=True)

        out["PyTorch"] = (t_fwd, t_fwd_bwd, t_bwd)
    return out, (cff * cols_n * np.dtype(dtype).itemsize, x.nbytes)


def measure(cands, repeats, rounds=3):
    """Median times (ms) of (forward, forward+backward, backward) for each contestant.

    Each contestant runs in short blocks of back-to-back calls, as in training,
    after two warm-up calls; blocks of different contestants are interleaved
    over ``rounds`` so that slow drifts of the machine hit all of them alike.
    The pause and the warm-up absorb the switch between thread pools.
    """
    times = {name: tuple([] for _ in fns) for name, fns in cands.items()}
    per_block = max(1, repeats // rounds)
    for _ in range(rounds):
        for name, fns in cands.items():
            for slot, fn in enumerate(fns):
                time.sleep(0.3)
                fn(), fn()
                for _ in range(per_block):
                    t0 = time.perf_counter()
                    fn()
                    times[name][slot].append(time.perf_counter() - t0)
    return {name: tuple(statistics.median(t) * 1e3 for t in ts) for name, ts in times.items()}


def threads_table(shape, repeats):
    """Forward+backward of the fast path with the batch split over 1, 2 and 4 threads: time and answer.

    More threads than cores only share them. The answers agree to float32 rounding, not to the bit:
    dw and db add the threads' partial sums over the batch in another order, and BLAS may block a
    product differently when it has one thread instead of two.
    """
    n, c, h, w_, k, f = shape
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, c, h, w_)).astype(np.float32)
    w = rng.standard_normal((k, c, f, f)).astype(np.float32)
    dout = rng.standard_normal((n, k, h, w_)).astype(np.float32)
    saved, rows, first = _threads.WORKERS, [], None
    try:
        for workers in (1, 2, 4):
            _threads.WORKERS = workers
            run = lambda: (conv2d(x, w, padding=1, method="fast"),
                           *conv2d_backward(dout, x, w, padding=1, method="fast"))
            got = run()
            run()  # warm-up: the thread pool starts
            ts = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                run()
                ts.append(time.perf_counter() - t0)
            ms = statistics.median(ts) * 1e3
            first = first or got
            diff = max(np.linalg.norm(a - b) / np.linalg.norm(b) for a, b in zip(got, first))
            rows.append(f"| {workers} | {ms:10.2f} | {diff:.1e} |")
    finally:
        _threads.WORKERS = saved
    return rows


def n_c_h_w_macs(shape):
    """Multiply-adds of the forward at ``shape`` = (N, C, H, W, K, F), padding 1 ("same")."""
    n, c, h, w, k, f = shape
    return n * k * h * w * c * f * f


def cpu():
    """(model name, has AVX-512) from /proc/cpuinfo; ("unknown", None) where it cannot be read."""
    try:
        with open("/proc/cpuinfo") as f:
            text = f.read()
    except OSError:
        import platform
        return platform.processor() or "unknown", None
    model = next((line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("model name")),
                 "unknown")
    flags = next((line.split(":", 1)[1].split() for line in text.splitlines() if line.startswith("flags")), [])
    return model, "avx512f" in flags


def winograd_accuracy(shape, seeds=3):
    """float32 error of Winograd and of the fast path against float64, and their ratio (forward, dx, dw).

    Error = RMS(result - exact) / RMS(exact), exact = float64 im2col on the same float64 inputs.
    """
    n, c, h, w, k, f = shape
    errs = {"winograd": [], "fast": []}
    for seed in range(seeds):
        rng = np.random.default_rng(100 + seed)
        x, wt, b = rng.standard_normal((n, c, h, w)), rng.standard_normal((k, c, f, f)), rng.standard_normal(k)
        g = conv_geometry(x.shape, wt.shape, 1, 1)
        dout = rng.standard_normal(g.out_shape)
        exact = [methods.get("im2col").forward(x, wt, b, g)[0], *methods.get("im2col").backward(
            dout, methods.get("im2col").cache_for(x, wt, g))[:2]]
        x32, w32, b32, d32 = (a.astype(np.float32) for a in (x, wt, b, dout))
        for name in errs:
            impl = methods.get(name)
            got = [impl.forward(x32, w32, b32, g)[0], *impl.backward(d32, impl.cache_for(x32, w32, g))[:2]]
            errs[name].append([np.sqrt(np.mean((a - e) ** 2) / np.mean(e**2)) for a, e in zip(got, exact)])
    wino, direct = np.mean(errs["winograd"], axis=0), np.mean(errs["fast"], axis=0)
    return wino, direct


def check_targets(results, kind):
    """Lines "target ... measured ... met/missed" for the targets that apply to this CPU kind."""
    lines = []
    for cpu_kind, shape, dtype, which, limit, against in TARGETS:
        if cpu_kind not in (kind, "every CPU") or (shape, dtype) not in results:
            continue
        res = results[(shape, dtype)]
        if against not in res:
            lines.append(f"  {cpu_kind:<10} {shape} {dtype} {which:<7} <= {limit}x {against}: not measured "
                         f"({against} is not installed)")
            continue
        slot = SLOTS[which]
        best = min(("fast", "winograd"), key=lambda m: res[m][slot])
        ratio = res[best][slot] / res[against][slot]
        lines.append(f"  {cpu_kind:<10} {shape} {dtype} {which:<7} <= {limit:<4}x {against:<15}: "
                     f"{ratio:5.2f}x ({best}) {'met' if ratio <= limit else 'MISSED'}")
    return lines


# One new Python process: import convkit, then time its first conv2d (the default method) on x.
FIRST_CALL = """
import sys, time
t0 = time.perf_counter()
import numpy as np, convkit as ck
t1 = time.perf_counter()
x, w = np.ones({x}, np.float32), np.ones({w}, np.float32)
t2 = time.perf_counter()
ck.conv2d(x, w, padding=1)
t3 = time.perf_counter()
ck.conv2d(x, w, padding=1)
t4 = time.perf_counter()
print(t1 - t0, t3 - t2, t4 - t3, "numba" in sys.modules)
"""


def first_calls(repeats=3):
    """Lines: the first call in a new process, small and large, `repeats` processes each (median).

    numba's kernels are in its cache already (this process used them): what a reader pays in every
    new process after the first, not the one-off compile.
    """
    lines = []
    for x, w in (((1, 1, 28, 28), (4, 1, 3, 3)), ((8, 64, 56, 56), (64, 64, 3, 3))):
        runs = []
        for _ in range(repeats):
            done = subprocess.run([sys.executable, "-c", FIRST_CALL.format(x=x, w=w)], capture_output=True,
                                  text=True, check=True)
            runs.append(done.stdout.split())
        imp, first, second = (float(np.median([float(r[i]) for r in runs])) for i in range(3))
        lines.append(f"  x {x}, w {w}: import numpy and convkit {imp * 1e3:.0f} ms, first call {first * 1e3:.0f} ms, "
                     f"second {second * 1e3:.1f} ms; numba imported: {runs[0][3]}")
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--quick", action="store_true", help="one small shape, all methods (a smoke run)")
    ap.add_argument("--no-torch", action="store_true")
    ap.add_argument("--json", metavar="FILE", help="also write the table to FILE as JSON records")
    args = ap.parse_args()
    with_torch = not args.no_torch
    if with_torch:
        try:
            import torch
        except ImportError:
            with_torch = False
    blas = [(i["internal_api"], i.get("architecture"), i["num_threads"]) for i in threadpool_info()
            if i["user_api"] == "blas"]
    model, avx512 = cpu()
    kind = "AVX-512" if avx512 else "no AVX-512"
    print(f"CPU: {model}; AVX-512: {'yes' if avx512 else 'no' if avx512 is False else 'unknown'}; "
          f"cores this process may use: {_threads.cores()}")
    print(f"numpy {np.__version__}; BLAS (internal api, kernel, threads): {blas}")
    print(f"convkit: {_threads.WORKERS} threads over the batch; fast path's im2col/col2im: {fast.kernels()}")
    if with_torch:
        torch.set_num_threads(blas[0][2] if blas else 2)
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    else:
        print("PyTorch not installed: its column is left out")
    results, records = {}, []
    for shape in QUICK_SHAPES if args.quick else SHAPES:
        for dtype in (np.float32, np.float64):
            cands, (cols_bytes, x_bytes) = contestants(shape, dtype, with_torch)
            res = measure(cands, args.repeats)
            results[(shape, np.dtype(dtype).name)] = res
            fl = res[FLOOR]
            pt = res.get("PyTorch")
            print(f"\n(N, C, H, W, K, F) = {shape}, padding 1, {np.dtype(dtype).name}: "
                  f"column matrix {cols_bytes / 2**20:.1f} MiB = {cols_bytes / x_bytes:.1f}x the input")
            print(f"| {'method':<19} | {'forward ms':>10} | {'fwd+bwd ms':>10} | {'backward ms':>11} | "
                  f"{'fwd x floor':>11} | {'f+b x floor':>11} | {'fwd x PyTorch':>13} | {'f+b x PyTorch':>13} | "
                  f"{'bwd x PyTorch':>13} |")
            print(f"|{'-' * 21}|{'-' * 12}:|{'-' * 12}:|{'-' * 13}:|{'-' * 12}:|{'-' * 12}:|{'-' * 14}:|"
                  f"{'-' * 14}:|{'-' * 14}:|")
            for name, (f_ms, fb_ms, b_ms) in res.items():
                vs_pt = [f"{t / p:13.2f}" if pt else f"{'-':>13}" for t, p in zip((f_ms, fb_ms, b_ms), pt or (1, 1, 1))]
                print(f"| {name:<19} | {f_ms:10.2f} | {fb_ms:10.2f} | {b_ms:11.2f} | {f_ms / fl[0]:11.2f} | "
                      f"{fb_ms / fl[1]:11.2f} | {' | '.join(vs_pt)} |")
                records.append({"shape": list(shape), "dtype": np.dtype(dtype).name,
                                "contestant": {FLOOR: "floor"}.get(name, name.lower()),
                                "forward_ms": round(f_ms, 4), "forward_backward_ms": round(fb_ms, 4),
                                "backward_ms": round(b_ms, 4)})
            for name, why in SLOW.items():
                if shape not in QUICK_SHAPES:
                    print(f"| {name:<19} | skipped: {why} |")
    shape = (QUICK_SHAPES if args.quick else SHAPES)[0]
    print(f"\nThreads over the batch (fast path, float32 forward+backward, {shape}; this process may use "
          f"{_threads.cores()} cores):")
    if n_c_h_w_macs(shape) < _threads.MIN_SPLIT_MACS:
        print(f"(a convolution this small, below {_threads.MIN_SPLIT_MACS:,} multiply-adds, is never split)")
    print("| threads | fwd+bwd ms | largest difference from 1 thread (relative; out, dx, dw, db) |\n|---|---:|---:|")
    print("\n".join(threads_table(shape, args.repeats)))
    print("\nWinograd's accuracy in float32: RMS error / RMS of the exact (float64) result, mean of 3 seeds")
    accuracy = []
    for shape in QUICK_SHAPES if args.quick else SHAPES:
        wino, direct = winograd_accuracy(shape)
        for part, a, d in zip(("forward", "dx", "dw"), wino, direct):
            print(f"  {shape} {part:<7}: winograd {a:.2e}, fast (direct) {d:.2e}: {a / d:.2f}x the direct error")
            accuracy.append((shape, part, a / d))
    print(f"\nFirst call of conv2d (method={methods.DEFAULT!r}) in a new process, median of 3 processes:")
    print("\n".join(first_calls()))
    if not args.quick:
        print(f"\nIssue 25's targets for this CPU ({kind}); convkit = the faster of fast and winograd:")
        print("\n".join(check_targets(results, kind)))
        for shape, part, ratio in accuracy:
            print(f"  {'every CPU':<10} {shape} float32 winograd {part} error <= {ACCURACY_LIMIT}x the direct path's: "
                  f"{ratio:5.2f}x {'met' if ratio <= ACCURACY_LIMIT else 'MISSED'}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(records, f, indent=1)
        print(f"\nwrote {len(records)} records to {args.json}")


if __name__ == "__main__":
    main()

"""Median forward and forward+backward times of every convkit method, the GEMM floor and PyTorch.

Run: ``python benchmarks/conv_speed.py [--repeats 15] [--quick]``

* "floor" is the three bare matrix products that any im2col method feeds to BLAS
  (forward ``W_row @ cols``; backward ``dout @ cols.T`` and ``W_row.T @ dout``)
  on ready-made operands: no im2col, col2im, transposes or allocation.
* Methods run as a layer does: forward keeps its cache, backward uses it; the
  fast path keeps its buffers between calls (its workspace), as Conv2D does.
* PyTorch (if installed) runs ``torch.nn.functional.conv2d`` and autograd on the
  CPU with the same number of threads as OpenBLAS.
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
import statistics
import time

import numpy as np
from threadpoolctl import threadpool_info

from convkit import methods
from convkit.methods import _kernels, fast
from convkit.geometry import conv_geometry

SHAPES = [  # (N, C, H, W, K, F), padding 1, stride 1
    (32, 16, 32, 32, 32, 3),
    (8, 64, 56, 56, 64, 3),
]
QUICK_SHAPES = [(4, 3, 16, 16, 8, 3)]
# Methods that would take minutes or gigabytes at these shapes, and why.
SLOW = {"loops": "Python loops: ~300 ns per multiply-add", "matrix": "dense W* has (K*Ho*Wo) x (C*H*W) entries"}


def _with_numpy_kernels(fn):
    def run():
        with _kernels.using(_kernels.NUMPY):
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
    out["floor (3 GEMMs)"] = (
        lambda: np.matmul(w_row, cols, out=y),
        lambda: (np.matmul(w_row, cols, out=y), np.matmul(dy, cols.T, out=dw), np.matmul(w_row.T, dy, out=dcols)),
    )
    for name in methods.METHODS:
        if name in SLOW and shape not in QUICK_SHAPES:
            continue
        impl, ws = methods.get(name), {}

        def fwd(impl=impl, ws=ws):
            return impl.forward(x, wt, b, g, ws)

        def fwd_bwd(impl=impl, ws=ws):
            _, cache = impl.forward(x, wt, b, g, ws)
            return impl.backward(dout, cache, ws)

        out[name] = (fwd, fwd_bwd)
    if _kernels.KERNELS is not _kernels.NUMPY:  # what the compiled kernels buy
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

        out["PyTorch"] = (t_fwd, t_fwd_bwd)
    return out, (cff * cols_n * np.dtype(dtype).itemsize, x.nbytes)


def measure(cands, repeats, rounds=3):
    """Median times (ms) of (forward, forward+backward) for each contestant.

    Each contestant runs in short blocks of back-to-back calls, as in training,
    after two warm-up calls; blocks of different contestants are interleaved
    over ``rounds`` so that slow drifts of the machine hit all of them alike.
    The pause and the warm-up absorb the switch between thread pools.
    """
    times = {name: ([], []) for name in cands}
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


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--quick", action="store_true", help="one small shape, all methods (a smoke run)")
    ap.add_argument("--no-torch", action="store_true")
    args = ap.parse_args()
    with_torch = not args.no_torch
    if with_torch:
        try:
            import torch
        except ImportError:
            with_torch = False
    blas = [(i["internal_api"], i.get("architecture"), i["num_threads"]) for i in threadpool_info()
            if i["user_api"] == "blas"]
    print(f"numpy {np.__version__}; BLAS {blas}; fast path's im2col/col2im: {fast.kernels()}")
    if with_torch:
        torch.set_num_threads(blas[0][2] if blas else 2)
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    else:
        print("PyTorch not installed: its column is left out")
    for shape in QUICK_SHAPES if args.quick else SHAPES:
        for dtype in (np.float32, np.float64):
            cands, (cols_bytes, x_bytes) = contestants(shape, dtype, with_torch)
            res = measure(cands, args.repeats)
            fl = res["floor (3 GEMMs)"][1]
            pt = res.get("PyTorch", (None, None))[1]
            print(f"\n(N, C, H, W, K, F) = {shape}, padding 1, {np.dtype(dtype).name}: "
                  f"column matrix {cols_bytes / 2**20:.1f} MiB = {cols_bytes / x_bytes:.1f}x the input")
            print(f"| {'method':<19} | {'forward ms':>10} | {'fwd+bwd ms':>10} | {'x floor':>7} | {'x PyTorch':>9} |")
            print(f"|{'-' * 21}|{'-' * 12}:|{'-' * 12}:|{'-' * 8}:|{'-' * 10}:|")
            for name, (f_ms, fb_ms) in res.items():
                vs_pt = f"{fb_ms / pt:9.2f}" if pt else f"{'-':>9}"
                print(f"| {name:<19} | {f_ms:10.2f} | {fb_ms:10.2f} | {fb_ms / fl:7.2f} | {vs_pt} |")
            for name, why in SLOW.items():
                if shape not in QUICK_SHAPES:
                    print(f"| {name:<19} | skipped: {why} |")


if __name__ == "__main__":
    main()

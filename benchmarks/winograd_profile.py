"""Where Winograd's time goes, per band of tile rows: the transforms, the 16 products, the rest.

Run: ``python benchmarks/winograd_profile.py [--shape N C H W K] [--dtype float32] [--repeats 20]``

It runs :mod:`convkit.methods.winograd`'s forward and backward as a layer does (threads and all)
and times each phase inside them with the CPU time of the thread that runs it
(``time.thread_time``), so that a busy machine, which stretches wall time, changes the figures
little. For each pass it prints, per band (one block of :func:`winograd._blocks`) and per call:

* each phase's CPU time (the phases are the module's functions of that name; a phase the code
  does not have is left out, so the script profiles older commits too: check one out and run it);
* "rest": the pass's whole CPU time (``time.process_time``, every thread) less its phases:
  Python between the phases, the filters' transform, allocation, and spinning threads;
* the wall time, which is what the benchmark compares, and ``os.getloadavg()`` when it ran.

The backward's phases are split into dw's (the products over the tiles) and dx's (a Winograd
correlation of ``dout``, the same phases as the forward's).
"""
from __future__ import annotations

import argparse
import collections
import functools
import os
import statistics
import threading
import time

import numpy as np

from convkit.geometry import conv_geometry
from convkit.methods import winograd

#: (label, function name in convkit.methods.winograd); phases that a commit lacks are skipped.
PHASES = [
    ("input transform", "transform_input"),
    ("output adjoint", "_output_tiles_adjoint"),
    ("16 products", "_gemms"),
    ("output transform", "transform_output"),
]

_clock = collections.defaultdict(float)  # (pass, phase) -> CPU seconds
_calls = collections.Counter()
_lock = threading.Lock()
_local = threading.local()


def _timed(label, fn):
    @functools.wraps(fn)
    def run(*args, **kwargs):
        t0 = time.thread_time()
        try:
            return fn(*args, **kwargs)
        finally:
            key = (getattr(_local, "part", None) or _pass[0], label)
            with _lock:
                _clock[key] += time.thread_time() - t0
                _calls[key] += 1
    return run


def _in_dx(fn):
    """``correlate`` called by the backward computes dx: its phases are counted as dx's."""
    @functools.wraps(fn)
    def run(*args, **kwargs):
        if _pass[0] != "backward":
            return fn(*args, **kwargs)
        saved, _pass[0] = _pass[0], "backward: dx"
        try:
            return fn(*args, **kwargs)
        finally:
            _pass[0] = saved
    return run


_pass = ["forward"]


def instrument():
    """Wrap the phases that this commit's winograd module has; return their labels."""
    labels = []
    for label, name in PHASES:
        if hasattr(winograd, name):
            setattr(winograd, name, _timed(label, getattr(winograd, name)))
            labels.append(label)
    winograd.correlate = _in_dx(winograd.correlate)
    return labels


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shape", type=int, nargs=5, default=(8, 64, 56, 56, 64), metavar=("N", "C", "H", "W", "K"))
    ap.add_argument("--dtype", default="float32")
    ap.add_argument("--repeats", type=int, default=20)
    args = ap.parse_args()
    n, c, h, w, k = args.shape
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, c, h, w)).astype(args.dtype)
    wt = rng.standard_normal((k, c, 3, 3)).astype(args.dtype)
    b = rng.standard_normal(k).astype(args.dtype)
    g = conv_geometry(x.shape, wt.shape, 1, 1)
    dout = rng.standard_normal(g.out_shape).astype(args.dtype)
    labels = instrument()
    _, cache = winograd.forward(x, wt, b, g)
    passes = {"forward": lambda: winograd.forward(x, wt, b, g), "backward": lambda: winograd.backward(dout, cache)}
    wall, cpu = collections.defaultdict(list), collections.defaultdict(list)
    for fn in passes.values():  # warm up: numba's kernels load, the threads start
        fn(), fn()
    _clock.clear(), _calls.clear()
    load = os.getloadavg()
    for _ in range(args.repeats):
        for name, fn in passes.items():
            _pass[0] = name
            time.sleep(0.05)
            t0, c0 = time.perf_counter(), time.process_time()
            fn()
            wall[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)
    load = [max(a, b) for a, b in zip(load, os.getloadavg())]
    r = args.repeats
    nbands = round(_calls[("forward", "input transform")] / r)  # one input transform per band
    print(f"Winograd F(2x2, 3x3), (N, C, H, W, K) = {tuple(args.shape)}, padding 1, {args.dtype}; "
          f"{nbands} bands per correlation; load average (1, 5, 15 min, the higher of start and end): "
          f"{load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}")
    print(f"| {'pass':<13} | {'phase':<17} | {'per band us':>11} | {'per call ms':>11} | calls per call |")
    print(f"|{'-' * 15}|{'-' * 19}|{'-' * 12}:|{'-' * 12}:|{'-' * 15}:|")
    for name in passes:
        parts = ["forward"] if name == "forward" else ["backward", "backward: dx"]
        phases_ms = 0.0  # the phases' CPU time, summed over the threads
        for part in parts:
            for label in labels:
                if (part, label) not in _clock:
                    continue
                ms = _clock[(part, label)] / r * 1e3
                phases_ms += ms
                print(f"| {part.replace('backward', 'backward: dw') if part == 'backward' else part:<13} | {label:<17} | "
                      f"{ms * 1e3 / nbands:11.0f} | {ms:11.2f} | {_calls[(part, label)] / r:14.0f} |")
        total = statistics.median(cpu[name]) * 1e3
        print(f"| {name:<13} | {'rest':<17} | {'':>11} | {total - phases_ms:11.2f} | {'':>14} |")
        print(f"| {name:<13} | {'CPU, all threads':<17} | {'':>11} | {total:11.2f} | {'':>14} |")
        print(f"| {name:<13} | {'wall (median)':<17} | {'':>11} | {statistics.median(wall[name]) * 1e3:11.2f} | "
              f"{'':>14} |")


if __name__ == "__main__":
    main()

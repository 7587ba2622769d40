"""Accuracy and time of ``python -m convkit.train`` over several runs, as its user sees them.

Run: ``python benchmarks/train_runs.py [--runs 3] [--seed 0] [-- extra CLI options]``

Each run is a fresh process of the command line with its default settings (its
own clock: from loading the data to the last test prediction), then the whole
process's wall-clock time (imports included). The goal of issue 13 is a test
accuracy of at least 0.97 within 60 s on a 2-core machine. The seed is the same
in every run, so the accuracy should be too; the times show the machine's noise.
The table also says what the machine was doing: the load average before each run.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time

import numpy  # noqa: F401  (loaded, so that threadpoolctl sees its BLAS)
from threadpoolctl import threadpool_info

RESULT = re.compile(r"test accuracy: (\d\.\d+) \((\d+)/(\d+)\) in ([\d.]+) s")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("extra", nargs="*", help="more options for python -m convkit.train (after --)")
    args = ap.parse_args(argv)
    blas = [(i["internal_api"], i.get("architecture"), i["num_threads"]) for i in threadpool_info()
            if i["user_api"] == "blas"]
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
               "?") if os.path.exists("/proc/cpuinfo") else "?"
    print(f"CPU {cpu}, {os.cpu_count()} cores; BLAS {blas}; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')}")
    print(f"{'run':>3} | {'load avg':>8} | {'test accuracy':>19} | {'its time (s)':>12} | {'process (s)':>11}")
    print(f"{'-' * 3}-|-{'-' * 8}-|-{'-' * 19}-|-{'-' * 12}-|-{'-' * 11}")
    for run in range(1, args.runs + 1):
        load = os.getloadavg()[0]
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "convkit.train", "--no-progress", "--seed", str(args.seed),
                              *args.extra], capture_output=True, text=True)
        total = time.perf_counter() - start
        m = RESULT.search(out.stdout)
        if out.returncode or not m:
            print(f"run {run} failed:\n{out.stdout}\n{out.stderr}")
            return 1
        acc, right, n, secs = m.groups()
        print(f"{run:>3} | {load:8.1f} | {f'{acc} ({right}/{n})':>19} | {float(secs):12.1f} | {total:11.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

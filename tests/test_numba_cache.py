"""The fast path's compiled kernels are cached in the user's cache directory, never inside the package."""
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("numba")

PACKAGE = Path(__file__).resolve().parents[1] / "convkit"

RUN = """
import numba, numpy as np, convkit as ck
from convkit.methods import _numba
assert _numba.default() == "numba", _numba.default()
with _numba.using("numba"):  # numba's kernels even for these small problems
    for dt in (np.float32, np.float64):
        x, w = np.ones((2, 3, 8, 8), dt), np.ones((4, 3, 3, 3), dt)
        for method in {methods}:
            out = ck.conv2d(x, w, padding=1, method=method)
            ck.conv2d_backward(np.ones_like(out), x, w, padding=1, method=method)
print(repr(numba.config.CACHE_DIR), _numba.cache_dir())
"""


def _run(env, methods=("fast", "winograd")):
    env = {**{k: v for k, v in os.environ.items() if k not in ("NUMBA_CACHE_DIR", "NUMBA_DISABLE_JIT")}, **env}
    done = subprocess.run([sys.executable, "-c", RUN.format(methods=methods)], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def _written_in_package(since):
    return [p for p in PACKAGE.rglob("*") if p.suffix in (".nbi", ".nbc") and p.stat().st_mtime >= since]


def test_kernels_are_cached_in_the_users_cache_directory(tmp_path):
    start = time.time() - 1
    global_dir, where = _run({"XDG_CACHE_HOME": str(tmp_path)})
    assert Path(where) == tmp_path / "convkit" / "numba"
    cached = sorted(p.name for p in Path(where).rglob("*.nbi"))
    assert any("_nb_im2col" in n for n in cached) and any("_nb_col2im" in n for n in cached), cached
    assert any("_nb_transform_input" in n for n in cached) and any("_nb_output_adjoint" in n for n in cached), cached
    assert not _written_in_package(start), "numba wrote its cache inside the package"
    assert global_dir == "''", "numba's global CACHE_DIR must be left as it was, for other libraries"


def test_numba_cache_dir_wins(tmp_path):
    _, where = _run({"NUMBA_CACHE_DIR": str(tmp_path / "mine"), "XDG_CACHE_HOME": str(tmp_path / "xdg")}, ("fast",))
    assert Path(where) == tmp_path / "mine"
    assert list((tmp_path / "mine").rglob("*.nbi")) and not (tmp_path / "xdg").exists()


LAZY = """
import sys, numpy as np, convkit as ck
from convkit.methods import fast
x, w = np.ones((2, 3, 8, 8)), np.ones((4, 3, 3, 3))  # 2 * 4 * 3 * 9 * 64 = 13824 multiply-adds
for method in ("fast", "winograd"):
    ck.conv2d_backward(ck.conv2d(x, w, padding=1, method=method), x, w, padding=1, method=method)
print("numba" in sys.modules, end=" ")
x, w = np.ones((8, 16, 32, 32), np.float32), np.ones((32, 16, 3, 3), np.float32)  # 37.7 million
print(fast.kernels(ck.geometry.conv_geometry(x.shape, w.shape, 1, 1)), end=" ")
ck.conv2d(x, w, padding=1, method="fast")
print("numba" in sys.modules)
"""


def test_small_problems_never_load_numba():
    """A new process that only runs small problems (a reader's examples) starts without importing numba
    (~0.5 s with its cached kernels); the first problem above NUMBA_MIN_MACS loads it. (The user's own
    cache: the kernels are usually compiled already.)"""
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_DISABLE_JIT"}
    done = subprocess.run([sys.executable, "-c", LAZY], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "numba", "True"]


REFUSED = """
import sys, numpy as np, convkit as ck
ck.set_memory_limit("1 MiB")
x, w = np.broadcast_to(np.float32(0), (64, 64, 224, 224)), np.zeros((64, 64, 3, 3), np.float32)  # 11.8e9 multiply-adds
for method in ("fast", "winograd", "matrix"):
    try:
        ck.conv2d(x, w, padding=1, method=method)
    except ck.ConvArgumentError as e:
        print("refused" if "would need about" in str(e) else e, end=" ")
print("numba" in sys.modules)
"""


def test_a_refused_call_does_not_load_numba():
    """The memory guard estimates and ranks the methods from the shapes alone: refusing a large problem
    (whose run would load numba) never imports numba just to phrase its suggestion."""
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_DISABLE_JIT"}
    done = subprocess.run([sys.executable, "-c", REFUSED], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["refused", "refused", "refused", "False"]

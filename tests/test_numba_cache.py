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
from convkit.methods import _kernels
assert _kernels.KERNELS.name == "numba", _kernels.KERNELS.name
for dt in (np.float32, np.float64):
    x, w = np.ones((2, 3, 8, 8), dt), np.ones((4, 3, 3, 3), dt)
    out = ck.conv2d(x, w, padding=1, method="fast")
    ck.conv2d_backward(np.ones_like(out), x, w, padding=1, method="fast")
print(repr(numba.config.CACHE_DIR), _kernels.cache_dir())
"""


def _run(env):
    env = {**{k: v for k, v in os.environ.items() if k not in ("NUMBA_CACHE_DIR", "NUMBA_DISABLE_JIT")}, **env}
    done = subprocess.run([sys.executable, "-c", RUN], env=env, capture_output=True, text=True, timeout=300)
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
    assert not _written_in_package(start), "numba wrote its cache inside the package"
    assert global_dir == "''", "numba's global CACHE_DIR must be left as it was, for other libraries"


def test_numba_cache_dir_wins(tmp_path):
    _, where = _run({"NUMBA_CACHE_DIR": str(tmp_path / "mine"), "XDG_CACHE_HOME": str(tmp_path / "xdg")})
    assert Path(where) == tmp_path / "mine"
    assert list((tmp_path / "mine").rglob("*.nbi")) and not (tmp_path / "xdg").exists()

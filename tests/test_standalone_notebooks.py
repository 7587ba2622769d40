"""Each chapter runs alone, as in Colab or after downloading one .ipynb: no clone, no convkit.

A fresh virtual environment gets only what Colab or a bare Jupyter has (ipykernel, nbclient, numpy,
matplotlib, ipywidgets). Each chapter is copied alone into an empty folder and run top to bottom
with convkit uninstalled first; its set-up cell must install convkit itself, from
``CONVKIT_PIP_SPEC`` = ``git+file://`` a clean clone of this repository ``@`` its commit (the committed
work, plus any uncommitted changes to tracked files, so that the test sees what is being tested).
"""
import json
import os
import shutil
import subprocess
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("*.ipynb"))
# What a reader's Jupyter already has; the versions of the book's own pins, so pip's cache serves them.
BARE = ["ipykernel", "nbclient", "numpy", "matplotlib", "ipywidgets"]


def _pinned(names):
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if "==" in line and not line.lstrip().startswith("#"):
            name, version = line.split("#")[0].strip().split("==")
            pins[name.lower()] = version
    from importlib.metadata import version

    return [f"{n}=={pins.get(n) or version(n)}" for n in names]


def _run(cmd, **kw):
    out = subprocess.run(cmd, capture_output=True, text=True, **kw)
    assert out.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return out.stdout


@pytest.fixture(scope="module")
def clean_clone(tmp_path_factory):
    """A clone of the repository at what is checked out now (a stash commit if the tree is dirty)."""
    commit = _run(["git", "-C", ROOT, "stash", "create"]).strip() or _run(["git", "-C", ROOT, "rev-parse", "HEAD"]).strip()
    dest = tmp_path_factory.mktemp("clone") / "convkit-book"
    _run(["git", "clone", "-q", "--shared", "--no-checkout", ROOT, dest])
    _run(["git", "-C", dest, "checkout", "-q", "-B", "main", commit])
    return dest


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory):
    env_dir = tmp_path_factory.mktemp("venv") / "bare"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    # A current pip, as Colab and a maintained Jupyter have (the pip that Python 3.11.7's venv brings,
    # 23.2, refuses `name @ git+file:///path`; the default https URL works with either).
    _run([python, "-m", "pip", "install", "-q", "--disable-pip-version-check", *_pinned(["pip"])])
    _run([python, "-m", "pip", "install", "-q", "--disable-pip-version-check", *_pinned(BARE)])
    return python


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_runs_alone(chapter, clean_clone, bare_python, tmp_path):
    alone = tmp_path / "downloads"
    alone.mkdir()
    shutil.copy(chapter, alone / chapter.name)
    # Pinned to the clone's commit, as a reader's pip may be given any ref: pip then keeps the wheel it builds
    # for the first chapter and installs it from its cache for the others (the set-up cell runs the same).
    spec = f"git+file://{clean_clone}@{_run(['git', '-C', clean_clone, 'rev-parse', 'HEAD']).strip()}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "JUPYTER"))}
    # Kernel specs of this machine's user must not leak in: only the venv's own python3 kernel.
    env.update(CONVKIT_PIP_SPEC=spec, JUPYTER_DATA_DIR=str(tmp_path / "jupyter-data"), JUPYTER_PATH="",
               PATH=f"{bare_python.parent}:{env.get('PATH', '')}")
    _run([bare_python, "-m", "pip", "uninstall", "-y", "-q", "convkit"], env=env)
    assert subprocess.run([bare_python, "-c", "import convkit"], cwd=alone, env=env,
                          capture_output=True).returncode != 0, "convkit is importable before the chapter runs"
    run = subprocess.run([bare_python, "-c", _EXECUTE, chapter.name], cwd=alone, env=env,
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, f"{chapter.name} failed when run alone:\n{run.stdout[-4000:]}\n{run.stderr[-4000:]}"
    # convkit is there now, and it came from the set-up cell's source, with the widget extra.
    show = json.loads(_run([bare_python, "-c", _ORIGIN], cwd=alone, env=env))
    assert show["url"] == f"file://{clean_clone}", show
    assert show["anywidget"], "the [widgets] extra was not installed"


# Runs inside the bare venv: execute one notebook with its own python3 kernel, fail on any error.
_EXECUTE = """
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=False).execute()
"""
_ORIGIN = """
import json, importlib.util
from importlib.metadata import distribution
d = distribution("convkit")
print(json.dumps({"url": json.loads(d.read_text("direct_url.json"))["url"],
                  "anywidget": importlib.util.find_spec("anywidget") is not None}))
"""

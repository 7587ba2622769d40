"""Run chapters top to bottom and store their outputs (what nbval later compares).

    python book/execute_notebooks.py                       # every chapter
    python book/execute_notebooks.py notebooks/04_*.ipynb  # some

Like ``jupyter execute --inplace``, with the widget state saved (the static book
renders the widgets from it), but without per-cell timestamps, which would
change every cell on every run and bury the real changes in the diff.
"""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def execute(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", record_timing=False,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)


def main(argv=None) -> int:
    paths = [Path(p) for p in (argv if argv is not None else sys.argv[1:])] or \
        sorted((ROOT / "notebooks").glob("*.ipynb"))
    for path in paths:
        print(f"executing {path}", flush=True)
        execute(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

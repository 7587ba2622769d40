"""Student versions of the chapter notebooks: ``python -m convkit.assign notebooks/ student/``.

An instructors' tool, not part of what a reader installs: it needs nbgrader. Install it from this
book's repository, never as ``convkit`` from the package index (a ``convkit`` there is an unrelated
project): in a checkout, ``pip install -e ".[instructors]"`` (or ``pip install -r
requirements-dev.txt``). It uses nbgrader's own ``ClearSolutions`` preprocessor, the one
``nbgrader generate_assignment`` runs: in a code cell, everything between ``# BEGIN SOLUTION`` and
``# END SOLUTION`` becomes ``# YOUR CODE HERE`` plus ``raise NotImplementedError()``. Then:

* every code cell's outputs are cleared (a solution's output would give it away);
* widget state and execution counts are dropped (stale without the outputs);
* every other cell (the graded check cells too) is kept as it is.

For grading, use nbgrader's own command line (``book/instructors.md``); the solutions-free edition of
the book serves these student versions as its downloadable notebooks (``book/_ext/edition.py``).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

__all__ = ["student_version", "main", "INSTALL_HINT"]

BEGIN, END = "# BEGIN SOLUTION", "# END SOLUTION"

# The one line a user without nbgrader sees (`convkit` on the package index is another project).
INSTALL_HINT = ('python -m convkit.assign needs nbgrader, which is not installed: in your checkout of this '
                'book\'s repository run  pip install -e ".[instructors]"')


def _clear_solutions():
    try:
        from nbgrader.preprocessors import ClearSolutions
    except ModuleNotFoundError as err:
        if err.name != "nbgrader":  # nbgrader is there but broken: show the real error
            raise
        raise ModuleNotFoundError(INSTALL_HINT, name="nbgrader") from None
    return ClearSolutions(enforce_metadata=False, begin_solution_delimeter="BEGIN SOLUTION",
                          end_solution_delimeter="END SOLUTION")


def student_version(nb):
    """Return a copy of notebook ``nb`` (nbformat node) with solutions replaced by stubs."""
    clear = _clear_solutions()
    nb = nbformat.from_dict(nb)  # a copy: the instructor's notebook stays as it is
    for cell in nb.cells:
        if cell.cell_type == "markdown" and BEGIN in cell.source:
            raise ValueError("solution markers in a markdown cell: put solutions in code cells")
    nb, _ = clear.preprocess(nb, {})
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.pop("attachments", None)
    nb.metadata.pop("widgets", None)
    return nb


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m convkit.assign", description=__doc__.split("\n\n")[0])
    ap.add_argument("source", type=Path, help="folder of instructor notebooks (with solutions)")
    ap.add_argument("dest", type=Path, help="folder for the student notebooks")
    args = ap.parse_args(argv)
    try:
        _clear_solutions()
    except ModuleNotFoundError as err:
        if err.name != "nbgrader":
            raise
        print(err, file=sys.stderr)
        return 2
    notebooks = sorted(args.source.glob("*.ipynb"))
    if not notebooks:
        ap.error(f"no .ipynb files in {args.source}")
    args.dest.mkdir(parents=True, exist_ok=True)
    for path in notebooks:
        nbformat.write(student_version(nbformat.read(path, as_version=4)), args.dest / path.name)
        print(f"{path} -> {args.dest / path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

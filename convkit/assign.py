"""Student versions of the chapter notebooks: ``python -m convkit.assign notebooks/ student/``.

An instructors' tool (needs nbgrader: ``pip install convkit[instructors]``), not part of what a
reader installs. It uses nbgrader's own ``ClearSolutions`` preprocessor, so the markup is the one
nbgrader and otter-grader understand: in a code cell, everything between ``# BEGIN SOLUTION`` and
``# END SOLUTION`` becomes ``# YOUR CODE HERE`` plus ``raise NotImplementedError()``. Then:

* every code cell's outputs are cleared (a solution's output would give it away);
* widget state and execution counts are dropped (stale without the outputs);
* check cells (everything outside the markers) are kept as they are.

For ``nbgrader generate_assignment``, the solution cells also carry nbgrader cell metadata.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
from nbgrader.preprocessors import ClearSolutions

__all__ = ["student_version", "main"]

BEGIN, END = "# BEGIN SOLUTION", "# END SOLUTION"


def student_version(nb):
    """Return a copy of notebook ``nb`` (nbformat node) with solutions replaced by stubs."""
    nb = nbformat.from_dict(nb)  # a copy: the instructor's notebook stays as it is
    for cell in nb.cells:
        if cell.cell_type == "markdown" and BEGIN in cell.source:
            raise ValueError("solution markers in a markdown cell: put solutions in code cells")
    nb, _ = ClearSolutions(enforce_metadata=False, begin_solution_delimeter="BEGIN SOLUTION",
                           end_solution_delimeter="END SOLUTION").preprocess(nb, {})
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

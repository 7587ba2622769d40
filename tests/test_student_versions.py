"""The real chapters: exercises well formed, student versions leak nothing and say "not yet".

The solutions-free edition of the book is checked, every file of it, in test_edition_leaks.py.
"""
import json
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from convkit.assign import BEGIN, END, student_version
from test_assign import text_of
from test_edition_leaks import split_solutions

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def solution_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code" and BEGIN in c.source]


def solution_lines(cell, nb):
    """The solution's lines of 12 characters or more that the chapter does not show elsewhere anyway."""
    body = cell.source[cell.source.index(BEGIN) + len(BEGIN):cell.source.index(END)]
    public = {line for c in nb.cells
              for line in (split_solutions(c.source)[1] if c.cell_type == "code" else c.source.splitlines())}
    public = {line.strip() for line in public}
    return [line.strip() for line in body.splitlines() if len(line.strip()) >= 12 and line.strip() not in public]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_exercises_are_well_formed(path):
    nb = nbformat.read(path, as_version=4)
    cells = nb.cells
    found = 0
    for i, cell in enumerate(cells):
        if cell in solution_cells(nb):
            found += 1
            assert cell.metadata["nbgrader"]["solution"] is True and cell.metadata["nbgrader"]["grade_id"]
            check = next(c for c in cells[i + 1:] if c.cell_type == "code")
            assert "checks.check_" in check.source, "a check cell must follow each solution"
            assert text_of(check).startswith("correct"), text_of(check)  # with the solution in place
    assert found >= 3, f"{path.name}: {found} exercises"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_student_version_leaks_nothing_and_runs(path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    markers = []
    for n, cell in enumerate(solution_cells(nb)):
        marker = f"PLANTED_{path.stem}_{n}_c0ffee"
        indent = re.search(rf"^([ \t]*){re.escape(BEGIN)}", cell.source, re.M).group(1)
        cell.source = cell.source.replace(BEGIN, f"{BEGIN}\n{indent}# {marker}", 1)
        markers.append(marker)
    student = student_version(nb)
    dump = json.dumps(student)
    for marker in markers:
        assert marker not in dump
    original = nbformat.read(path, as_version=4)
    for cell in solution_cells(original):
        for line in solution_lines(cell, original):
            assert line not in dump, f"solution line reached students: {line}"
    assert dump.count("raise NotImplementedError()") == len(markers)

    NotebookClient(student, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
                   ).execute()
    checks = [c for c in student.cells if c.cell_type == "code" and "checks.check_" in c.source]
    assert len(checks) == len(markers)
    for cell in checks:
        assert text_of(cell).startswith("not yet"), text_of(cell)

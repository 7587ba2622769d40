"""The real chapters: exercises well formed, student versions leak nothing and read cleanly outside the book.

The solutions-free edition of the book is checked, every file of it, in test_edition_leaks.py.
"""
import html
import json
import re
from pathlib import Path

import nbformat
import pytest

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
def test_student_version_leaks_nothing(path):
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
    checks = [c for c in student.cells if c.cell_type == "code" and "checks.check_" in c.source]
    assert len(checks) == len(markers)
    # Its run, each check saying "not yet": test_nbgrader_workflow.py, where autograde runs the untouched
    # nbgrader release, whose code cells it checks are this version's.


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_student_version_reads_cleanly_outside_the_book(path):
    """Opened as Colab or nbgrader's feedback shows it (nbconvert's Markdown and HTML exports, no MyST):
    no directive or role syntax, the exercises as numbered headings, citations resolved to a list."""
    from nbconvert import HTMLExporter, MarkdownExporter

    from convkit.assign import chapter_number
    from convkit.myst_markdown import MYST_SYNTAX, read_bibliography

    bib = read_bibliography((ROOT / "book" / "references.bib").read_text(encoding="utf-8"))
    student = student_version(nbformat.read(path, as_version=4), chapter=chapter_number(path), bibliography=bib,
                              notebooks=[p.name for p in CHAPTERS])
    markdown, _ = MarkdownExporter().from_notebook_node(student)
    page, _ = HTMLExporter().from_notebook_node(student)
    prose = (("markdown", re.sub(r"```.*?```", "", markdown, flags=re.S)),  # code cells aside (JS has `${x}`)
             ("html", html.unescape(re.sub(r"<[^>]*>", "", re.sub(r"<(pre|script|style)\b.*?</\1>", "", page, flags=re.S)))))
    for name, text in prose:
        raw = [m.group(0) for m in MYST_SYNTAX.finditer(text)]
        assert not raw, f"{path.stem}, {name} export: MyST syntax shown raw: {raw}"
        for syntax in (":::{", "{cite}", "{doc}", ":label:", ":class:", "```{", "{solution"):
            assert syntax not in text, f"{path.stem}, {name} export: {syntax}"
    n = chapter_number(path)
    assert re.findall(rf"^#+ Exercise {n}\.(\d) \((\d) points?\)", markdown, re.M) == [("1", "1"), ("2", "2"), ("3", "3")]
    if "{cite}" in json.dumps(nbformat.read(path, as_version=4)):
        assert "## References" in markdown and re.search(r"\[1\]", markdown)

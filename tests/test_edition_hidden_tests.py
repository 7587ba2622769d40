"""Every edition of the book strips nbgrader's hidden tests from what readers see, and the editions
without solutions show the stub and no stored check result (book/_ext/edition.py).

A small book is made on the fly: one notebook with an exercise (a gated solution), a graded check
cell holding hidden tests and the stored output of the authors' run, and beside the book its plain edition
(as ``make plain-notebooks`` writes it), which the full edition serves as the chapter's download; it is
built with Sphinx, myst-nb, sphinx-exercise and the book's edition extension, once per edition, and every
file of each site is read.
"""
import html
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from convkit.assign import plain_version

ROOT = Path(__file__).resolve().parents[1]
HIDDEN = "assert hidden_marker_5e1f(answer_1_1) == 42"
SOLUTION_LINE = "return solution_marker_9d2c"

CONF = f'''
import sys
sys.path.insert(0, {str(ROOT / "book" / "_ext")!r})
extensions = ["myst_nb", "sphinx_exercise", "edition"]
myst_enable_extensions = ["colon_fence", "dollarmath"]
nb_execution_mode = "off"
html_theme = "basic"
html_sourcelink_suffix = ""  # as Jupyter Book sets it: the download is the .ipynb itself
'''


def chapter():
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    check = code("from convkit import checks\nchecks.check_answer(answer_1_1)\n### BEGIN HIDDEN TESTS\n"
                 f"{HIDDEN}\n### END HIDDEN TESTS",
                 metadata={"tags": ["check"], "nbgrader": {"grade": True, "points": 1, "grade_id": "c",
                                                            "locked": True, "solution": False, "schema_version": 3}})
    check.outputs = [nbformat.v4.new_output("stream", name="stdout", text="correct (exercise 1.1)\n")]
    nb.cells = [md("# One chapter\n\n## Exercises\n\nIn the book the solutions are folded away; open one only "
                   "after you have\ntried."),
                md(":::{exercise} Warm-up\n:label: ex-1-1\nReturn 42.\n:::"),
                md("```{solution-start} ex-1-1\n:class: dropdown\n```"),
                code(f"def answer_1_1():\n    # BEGIN SOLUTION\n    {SOLUTION_LINE}\n    # END SOLUTION",
                     metadata={"tags": ["solution"], "nbgrader": {"solution": True, "grade": False, "grade_id": "s",
                                                                  "locked": False, "schema_version": 3}}),
                md("```{solution-end}\n```"),
                check]
    return nb


@pytest.fixture(scope="module", params=["full", "nosolutions"])
def site(request, tmp_path_factory):
    src = tmp_path_factory.mktemp(request.param)
    (src / "conf.py").write_text(CONF + f"plain_notebooks = {src.name + '-plain'!r}\n")
    (src.parent / f"{src.name}-plain").mkdir()
    nbformat.write(plain_version(chapter(), solutions="fold"), src.parent / f"{src.name}-plain" / "chapter.ipynb")
    (src / "index.md").write_text("# Book\n\n```{toctree}\nchapter\n```\n")
    nbformat.write(chapter(), src / "chapter.ipynb")
    env = {**os.environ, "BOOK_EDITION": request.param, "PYTHONPATH": str(ROOT)}
    out = src / "_build"
    done = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", str(src), str(out)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return request.param, out


def texts(site):
    """Each file's text; for a page, its text without tags (highlighted code is split into spans)."""
    found = {}
    for path in site.rglob("*"):
        if path.is_file() and ".doctrees" not in path.parts:  # Sphinx's cache, not published
            text = path.read_text(encoding="utf-8", errors="replace")
            if path.suffix == ".html":
                text += "\n" + html.unescape(re.sub(r"<[^>]*>", "", text))
            found[path.relative_to(site).as_posix()] = text
    return found


def test_no_hidden_test_anywhere(site):
    edition, out = site
    files = texts(out)
    assert "chapter.html" in files and "_sources/chapter.ipynb" in files and "searchindex.js" in files
    assert "checks.check_answer(answer_1_1)" in files["chapter.html"]  # the check itself is shown
    leaks = [name for name, text in files.items() if "hidden_marker_5e1f" in text or "HIDDEN TESTS" in text]
    assert not leaks, f"{edition}: hidden tests in {leaks}"


def test_solutions_stub_and_check_output(site):
    edition, out = site
    files = texts(out)
    page, download = files["chapter.html"], nbformat.reads(files["_sources/chapter.ipynb"], as_version=4)
    if edition == "full":
        assert "solution_marker_9d2c" in page and "correct (exercise 1.1)" in page
        assert "folded away" in page
        plain = out.parent.parent / f"{out.parent.name}-plain" / "chapter.ipynb"
        assert files["_sources/chapter.ipynb"] == plain.read_text(encoding="utf-8")  # the plain edition
        return
    assert not [name for name, text in files.items() if "solution_marker_9d2c" in text]
    assert "raise NotImplementedError()" in page and "YOUR CODE HERE" in page  # the stub to work in
    assert "correct (exercise 1.1)" not in page and "runs when you run this cell" in page
    assert "folded away" not in page and "leaves the solutions out" in page
    assert download.cells[1].source.startswith("### Exercise 1 (1 point): Warm-up")  # plain; unnumbered toc
    assert all(not c.get("outputs") for c in download.cells if c.cell_type == "code")

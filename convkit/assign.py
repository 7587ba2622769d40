"""Student versions of the chapter notebooks: ``python -m convkit.assign notebooks/ student/``.

An instructors' tool, not part of what a reader installs: it needs nbgrader. Install it from this
book's repository, never as ``convkit`` from the package index (a ``convkit`` there is an unrelated
project): in a checkout, ``pip install -e ".[instructors]"`` (or ``pip install -r
requirements-dev.txt``). It uses nbgrader's own ``ClearSolutions`` preprocessor, the one
``nbgrader generate_assignment`` runs: in a code cell, everything between ``# BEGIN SOLUTION`` and
``# END SOLUTION`` becomes ``# YOUR CODE HERE`` plus ``raise NotImplementedError()``. Then:

* every code cell's outputs are cleared (a solution's output would give it away);
* widget state and execution counts are dropped (stale without the outputs);
* nbgrader's hidden tests (``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS``) are removed;
* the Markdown cells' MyST is rendered to plain Markdown (:mod:`convkit.myst_markdown`): exercises as
  numbered headings with their points, citations as ``[1]`` with a list of references at the end,
  ``{doc}`` links to the sibling notebooks, admonitions as blockquotes, the solution markup removed;
  so the notebook reads cleanly in JupyterLab, Colab and nbgrader's feedback;
* every other cell (the graded check cells too) is kept as it is.

Two more outputs of the same command (neither needs nbgrader):

* ``--for-nbgrader``: plain Markdown, solutions kept between their markers: the notebooks to put in an
  nbgrader course's ``source/``, so that its release and feedback read cleanly too;
* ``--with-solutions``: plain Markdown with each solution folded (``<details>``) under a stub to work
  in, every other cell with its stored outputs: the edition of the chapters for readers in JupyterLab or
  Colab, committed in ``notebooks-plain/`` (``make plain-notebooks``), which the book's launch buttons
  and download open.

For grading, use nbgrader's own command line (``book/instructors.md``); the solutions-free edition of
the book serves these student versions as its downloadable notebooks (``book/_ext/edition.py``).
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

from .myst_markdown import plain_notebook, read_bibliography

__all__ = ["student_version", "plain_version", "chapter_number", "with_pip_spec", "main", "INSTALL_HINT"]

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


def chapter_number(path) -> int | None:
    """The chapter's number from its file name (``06_channels.ipynb`` -> 6), as the book numbers it."""
    match = re.match(r"(\d+)_", Path(path).name)
    return int(match.group(1)) if match else None


def plain_version(nb, *, chapter=None, bibliography=None, notebooks=(), solutions="drop", hidden_tests=False):
    """A copy of ``nb`` with its MyST rendered as plain Markdown (no nbgrader needed): ``solutions="drop"``
    keeps solution code cells as they are, ``"fold"`` folds each solution under a stub with no output
    (:func:`convkit.myst_markdown.plain_notebook`); every other cell keeps its stored outputs, as the book
    shows them; ``hidden_tests``: keep nbgrader's hidden tests (a course's source/: the grader needs them,
    and generate_assignment strips them from the release), else removed."""
    return nbformat.from_dict(plain_notebook(nb, chapter=chapter, bibliography=bibliography,
                                             notebooks=notebooks, solutions=solutions, hidden_tests=hidden_tests))


def student_version(nb, *, chapter=None, bibliography=None, notebooks=()):
    """Return a copy of notebook ``nb`` (nbformat node) with solutions replaced by stubs, hidden tests
    removed and its Markdown plain (numbered exercises need ``chapter``; citations need ``bibliography``,
    as :func:`convkit.myst_markdown.read_bibliography` reads it; ``notebooks``: the sibling notebooks'
    names, which ``{doc}`` links may point to)."""
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
    return plain_version(nb, chapter=chapter, bibliography=bibliography, notebooks=notebooks)


REPOSITORY_SPEC = re.compile(r"git\+https?://[^\"'\s]+")


def with_pip_spec(nb, spec: str):
    """``nb`` with its set-up cell (tagged ``setup``) installing convkit from ``spec`` (e.g. the URL of a
    wheel a course serves) instead of the repository, whose notebooks hold every solution."""
    for cell in nb.cells:
        if cell.cell_type == "code" and "setup" in cell.metadata.get("tags", []):
            cell.source = REPOSITORY_SPEC.sub(spec, cell.source).replace("from the book's repository",
                                                                         "from this course's site")
    return nb


def _bibliography(path: Path | None, source: Path):
    path = path or next((p for p in (source / "references.bib", source.parent / "book" / "references.bib")
                         if p.is_file()), None)
    return read_bibliography(path.read_text(encoding="utf-8")) if path else {}


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m convkit.assign", description=__doc__.split("\n\n")[0])
    ap.add_argument("source", type=Path, help="folder of instructor notebooks (with solutions)")
    ap.add_argument("dest", type=Path, help="folder for the student notebooks")
    ap.add_argument("--bib", type=Path, help="the BibTeX file the chapters cite (default: references.bib "
                                             "in SOURCE, or book/references.bib beside it)")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--for-nbgrader", action="store_true",
                      help="plain Markdown with the solutions kept: notebooks for an nbgrader course's source/")
    mode.add_argument("--with-solutions", action="store_true",
                      help="plain Markdown, each solution folded under a stub: an edition for readers")
    ap.add_argument("--pip-spec", metavar="URL",
                    help="where the set-up cells install convkit from instead of the repository (which holds "
                         "the solutions), e.g. the wheel that `make course-edition` serves")
    args = ap.parse_args(argv)
    if not (args.for_nbgrader or args.with_solutions):
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
    bibliography = _bibliography(args.bib, args.source)
    names = [path.name for path in notebooks]
    args.dest.mkdir(parents=True, exist_ok=True)
    for path in notebooks:
        nb, chapter = nbformat.read(path, as_version=4), chapter_number(path)
        if args.for_nbgrader or args.with_solutions:
            out = plain_version(nb, chapter=chapter, bibliography=bibliography, notebooks=names,
                                solutions="fold" if args.with_solutions else "drop", hidden_tests=args.for_nbgrader)
        else:
            out = student_version(nb, chapter=chapter, bibliography=bibliography, notebooks=names)
        if args.pip_spec:
            with_pip_spec(out, args.pip_spec)
        nbformat.write(out, args.dest / path.name)
        print(f"{path} -> {args.dest / path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

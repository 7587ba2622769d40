"""convkit.myst_markdown: the chapters' MyST as plain Markdown, one construct at a time, then whole chapters."""
import re
from pathlib import Path

import nbformat
import pytest

from convkit.myst_markdown import (MYST_SYNTAX, format_reference, plain_notebook, read_bibliography,
                                   render_markdown, strip_hidden_tests, stub_source)

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("*.ipynb"))
BIB = read_bibliography((ROOT / "book" / "references.bib").read_text(encoding="utf-8"))

BIBTEX = r"""
% a comment
@book{gb, author = {Ian Goodfellow and Yoshua Bengio}, title = {Deep {L}earning}, publisher = {MIT Press},
  year = {2016}}
@misc{web,
  title        = {Convolution Layer -- the core idea},
  howpublished = {Course notes, \url{https://example.org/x}},
  note         = {with a = sign inside}
}
"""


def render(source, **kw):
    return render_markdown(source, bibliography=read_bibliography(BIBTEX), **kw)


def test_bibliography_and_references():
    bib = read_bibliography(BIBTEX)
    assert set(bib) == {"gb", "web"} and bib["gb"]["type"] == "book" and bib["web"]["note"] == "with a = sign inside"
    assert format_reference(bib["gb"]) == "Ian Goodfellow and Yoshua Bengio. *Deep Learning*. MIT Press. 2016."
    assert format_reference(bib["web"]) == ("*Convolution Layer – the core idea*. "
                                            "Course notes, <https://example.org/x>.")
    assert len(BIB) >= 20 and all(format_reference(e).count("*") >= 2 for e in BIB.values())


def test_citations_are_numbered_in_order_of_first_use():
    assert render("As {cite}`web` and {cite}`gb,web` say.") == "As [1] and [2, 1] say."


def test_exercise_becomes_a_numbered_heading_below_the_last_one():
    text = render("## Exercises\n\n:::{exercise} Warm-up\n:label: ex-6-1\n\nDo **this**.\n:::\n\n"
                  ":::{exercise}\n:label: ex-6-2\nAnd that.\n:::", chapter=6)
    assert text == "## Exercises\n\n### Exercise 6.1: Warm-up\n\nDo **this**.\n\n### Exercise 6.2\n\nAnd that."


def test_admonition_is_a_blockquote_with_a_bold_title():
    text = render(":::{admonition} Overview\n:class: tip\nFirst line\n\nwith {cite}`gb`.\n:::")
    assert text == "> **Overview**\n>\n> First line\n>\n> with [1]."
    assert render("```{note}\nMind the gap.\n```") == "> **Note**\n>\n> Mind the gap."


def test_links_and_other_roles():
    text = render("See {doc}`Chapter 3 <03_sparse_matrix>` and {doc}`notation`, the {ref}`table <layouts>`, "
                  "{math}`x^2` and {doc}`04_backprop`.", notebooks=["03_sparse_matrix.ipynb", "04_backprop.ipynb"])
    assert text == ("See [Chapter 3](03_sparse_matrix.ipynb) and notation, the table, $x^2$ and "
                    "[04_backprop](04_backprop.ipynb).")


def test_code_math_targets_and_comments():
    source = ("(sec-x)=\n% a comment\n## Title\n\n```python\n:::{exercise}\n{cite}`gb`\n```\n\n"
              "Inline `{cite}` stays, `a\nb` too.\n\n$$\n% a TeX comment\nx\n$$")
    assert render(source) == ("## Title\n\n```python\n:::{exercise}\n{cite}`gb`\n```\n\n"
                              "Inline `{cite}` stays, `a\nb` too.\n\n$$\n% a TeX comment\nx\n$$")


def test_solution_blocks_dropped_or_folded():
    source = "Before.\n\n:::{solution} ex-1\n:class: dropdown\nThe answer.\n:::\n\nAfter."
    assert render(source) == "Before.\n\nAfter."
    assert render(source, solutions="fold") == ("Before.\n\n<details>\n<summary>Solution</summary>\n\nThe answer."
                                                "\n\n</details>\n\nAfter.")
    with pytest.raises(ValueError):
        render(source, solutions="show")


def test_stub_and_hidden_tests():
    code = "def f(x):\n    # BEGIN SOLUTION\n    return 2 * x\n    # END SOLUTION"
    assert stub_source(code) == "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()"
    check = "checks.check_f(f)\n### BEGIN HIDDEN TESTS\nassert f(2) == 4\n### END HIDDEN TESTS\nprint('done')"
    assert strip_hidden_tests(check) == "checks.check_f(f)\nprint('done')"
    assert strip_hidden_tests("x = 1\n") == "x = 1\n"


def notebook():
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    nb = nbformat.v4.new_notebook()
    nb.cells = [md("# Ch\n\nText {cite}`cs231n`.\n\n## Exercises"),
                md(":::{exercise} Warm-up\n:label: ex-2-1\nWrite f.\n:::"),
                md("```{solution-start} ex-2-1\n:class: dropdown\n```"),
                code("def f(x):\n    # BEGIN SOLUTION\n    return 2 * x\n    # END SOLUTION",
                     metadata={"nbgrader": {"solution": True, "grade": False, "grade_id": "ex-2-1"}}),
                md("```{solution-end}\n```"),
                code("checks.check_f(f)\n### BEGIN HIDDEN TESTS\nassert f(2) == 4\n### END HIDDEN TESTS",
                     metadata={"nbgrader": {"grade": True, "points": 2, "grade_id": "ex-2-1-check"}}),
                md("In the book the solutions are folded\naway; open one only after you have\ntried.")]
    return nb


def test_notebook_drop_keeps_the_code_cells_and_adds_references():
    nb = notebook()
    out = plain_notebook(nb, chapter=2, bibliography=BIB)
    sources = [c["source"] for c in out["cells"]]
    assert sources[1] == "### Exercise 2.1 (2 points): Warm-up\n\nWrite f."
    assert sources[2] == nb.cells[3].source  # the code cell as given (the caller stubs it)
    assert sources[3] == "checks.check_f(f)"
    assert sources[4].startswith("Solutions are not part of this notebook")
    assert sources[-1].startswith("## References\n\n1. Andrej Karpathy") and "[1]" in sources[0]
    assert nb.cells[2].source.startswith("```{solution-start}")  # the input is left as it was
    nbformat.validate(nbformat.from_dict(out))


def test_notebook_fold_gives_a_stub_and_the_solution_in_details():
    out = plain_notebook(notebook(), chapter=2, bibliography=BIB, solutions="fold")
    kinds = [(c["cell_type"], c["source"].splitlines()[0]) for c in out["cells"]]
    assert kinds[2:5] == [("code", "def f(x):"), ("markdown", "<details>"), ("code", "checks.check_f(f)")]
    assert "raise NotImplementedError()" in out["cells"][2]["source"]
    assert "return 2 * x" in out["cells"][3]["source"] and "BEGIN SOLUTION" not in out["cells"][3]["source"]
    assert out["cells"][5]["source"].startswith("Each solution is folded")


def test_a_citation_missing_from_the_bibliography_is_an_error():
    nb = notebook()
    with pytest.raises(KeyError, match="cs231n"):
        plain_notebook(nb, chapter=2, bibliography={})
    keys_only = plain_notebook(nb, chapter=2)  # no bibliography at all: the list names the keys
    assert keys_only["cells"][-1]["source"] == "## References\n\n1. `cs231n` (no bibliography given)"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
@pytest.mark.parametrize("solutions", ["drop", "fold"])
def test_every_chapter_renders_without_myst(path, solutions):
    nb = nbformat.read(path, as_version=4)
    chapter = int(path.name.split("_")[0])
    out = plain_notebook(nb, chapter=chapter, bibliography=BIB, notebooks=[p.name for p in CHAPTERS],
                         solutions=solutions)
    nbformat.validate(nbformat.from_dict(out))
    for cell in out["cells"]:
        if cell["cell_type"] == "markdown":
            assert not MYST_SYNTAX.search(cell["source"]), cell["source"]
    headings = re.findall(r"^#+ Exercise (\d+)\.(\d) \((\d) points?\)", "\n".join(c["source"] for c in out["cells"]),
                          re.M)
    assert headings == [(str(chapter), "1", "1"), (str(chapter), "2", "2"), (str(chapter), "3", "3")]

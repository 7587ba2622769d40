"""Formulas are laid out by the page, not split by hand.

A formula cut into inline pieces so that a phone can wrap it ("$a + b$ $= c$") starts a line with a
bare "= c" or "· d" on a desk, where the pieces sit wherever the line breaks. A long relation is a
display formula that stacks (``aligned``, one relation per line), which the page test then checks fits
a 390 px screen (tests/browser/test_book_pages.py). Walks every chapter and every page of the book.
"""
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "book").glob("*.md"))
# Inline math closed, then (across spaces or a line break) inline math that opens with a relation or an
# operator: one formula in pieces.
PIECES = re.compile(r"\$[ \t]*\n?[ \t]*\$[ \t]*(=|\\cdot|\\times|\+|-|<|>|\\le|\\ge|\\approx)")


def markdown_of(path):
    if path.suffix == ".md":
        return path.read_text(encoding="utf-8")
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_no_formula_split_by_hand(path):
    text = markdown_of(path).replace("$$", "\0")  # display math is not inline pieces
    found = [text[max(0, m.start() - 40):m.end() + 20] for m in PIECES.finditer(text)]
    assert not found, f"{path.name}: a formula split into inline pieces (stack it as a display formula): {found}"


def test_the_rule_finds_a_split_formula():
    assert PIECES.search(r"So $\mu_1 + \mu_2$ $= y_0$ and") and PIECES.search("$a$\n$\\cdot b$")
    assert not PIECES.search(r"the $d_1$ terms and the $d_2$ terms")

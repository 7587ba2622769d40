"""The printed book (``make pdf``, book/_build/pdf/book.pdf): every chapter, math typeset, figures in place.

The PDF is read back with poppler's ``pdftotext`` (its text, without the page footers, which repeat
each chapter's title) and ``pdfimages -list`` (the bitmaps it embeds). The titles and headings are
read from the built pages, the TeX commands from the chapters' own math: nothing here is a typed list.
"""
from __future__ import annotations

import html
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "book" / "_build" / "html"
PDF = ROOT / "book" / "_build" / "pdf" / "book.pdf"
CHAPTERS = sorted((ROOT / "notebooks").glob("*.ipynb"))
sys.path.insert(0, str(ROOT / "book"))
from make_pdf import page_order  # noqa: E402  (the order the PDF is printed in: book/_toc.yml)

A4_HEIGHT_PT, FOOTER_PT = 842, 51  # pdftotext crops in points; the footer lives in the bottom 18 mm


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def headings(page: Path, level: int) -> list[str]:
    found = re.findall(rf"<h{level}[^>]*>(.*?)</h{level}>", page.read_text(encoding="utf-8"), re.S)
    return [squash(html.unescape(re.sub(r"<[^>]+>", "", h))).rstrip("#").strip() for h in found]


@pytest.fixture(scope="module")
def pages():
    """The text of each PDF page, footer left out."""
    if not PDF.is_file():
        pytest.fail(f"{PDF} missing: run `make pdf` first")
    out = subprocess.run(["pdftotext", "-x", "0", "-y", "0", "-W", "595", "-H", str(A4_HEIGHT_PT - FOOTER_PT),
                          str(PDF), "-"], capture_output=True, text=True, check=True).stdout
    return [squash(page) for page in out.split("\f")]


@pytest.fixture(scope="module")
def body_text(pages):
    return " ".join(pages)


def test_every_page_and_heading_in_reading_order(pages):
    """Each page of the book starts a PDF page with its title, in book/_toc.yml's order; its sections follow."""
    first = 0
    for doc in page_order(ROOT / "book" / "_toc.yml"):
        page = SITE / f"{doc}.html"
        title = re.sub(r"^[\d.]+\s*", "", headings(page, 1)[-1])  # the article's (the first is print-only)
        starts = [n for n in range(first, len(pages)) if pages[n].startswith(title)]
        assert starts, f"no PDF page after page {first + 1} starts with `{title}` ({doc})"
        first = starts[0]
        text, position = " ".join(pages[first:]), 0
        for heading in headings(page, 2):  # every section, in its place
            heading = re.sub(r"^[\d.]+\s*", "", heading)  # the numbers ("1.2.") print as a separate run
            heading = re.split(r"\\\(.*?\\\)", heading)[0].strip()  # the words before any math
            found = text.find(heading, position)
            assert found >= 0, f"section `{heading}` of {doc} missing or out of order in the PDF"
            position = found
        first += 1


def tex_commands() -> set[str]:
    """Every TeX command (``\\times``, ``\\begin``...) in the math of the chapters' markdown."""
    commands = set()
    for path in CHAPTERS:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "markdown":
                for math in re.findall(r"\$\$(.+?)\$\$|\$([^$\n]+)\$", cell.source, re.S):
                    commands.update(re.findall(r"\\[A-Za-z]+", "".join(math)))
    return commands


def test_math_is_typeset(body_text):
    commands = tex_commands()
    assert len(commands) >= 10, commands  # the chapters do hold math
    raw = sorted(c for c in commands if c in body_text)
    assert not raw, f"raw TeX in the PDF: {raw}"
    assert not re.search(r"\$\$|\$[^$\s][^$]{0,80}\\[A-Za-z]+[^$]{0,80}\$", body_text), "$-delimited TeX in the PDF"
    assert "×" in body_text and "∂" in body_text  # typeset symbols (\times, \partial) came out as text


def test_every_figure_is_in_the_pdf():
    """Each figure of the printed pages (a bitmap under _images/) is embedded: matched by pixel size."""
    from PIL import Image

    wanted = Counter()
    for doc in page_order(ROOT / "book" / "_toc.yml"):
        page = SITE / f"{doc}.html"
        for src in re.findall(r'<img[^>]*\bsrc="([^"]+)"', page.read_text(encoding="utf-8")):
            image = (page.parent / src).resolve()
            if image.parent == (SITE / "_images").resolve():
                with Image.open(image) as im:
                    wanted[im.size] += 1
    assert sum(wanted.values()) >= len(CHAPTERS), wanted
    listing = subprocess.run(["pdfimages", "-list", str(PDF)], capture_output=True, text=True, check=True).stdout
    embedded = Counter((int(row.split()[3]), int(row.split()[4])) for row in listing.splitlines()[2:]
                       if row.split()[2] == "image")
    missing = {size: n - embedded[size] for size, n in wanted.items() if embedded[size] < n}
    assert not missing, f"figures missing from the PDF (pixel size: how many): {missing}"

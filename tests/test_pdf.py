"""The printed books (``make pdf``: book/_build/pdf/book.pdf, with solutions; ``make pdf-student``:
book-student.pdf, without): every chapter, math typeset, figures in place, one page numbering through
the whole book with a contents page, no page that is only an empty frame, no widget control, no name
broken across a line.

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
EDITIONS = {  # PDF -> the site it was printed from
    "book.pdf": ROOT / "book" / "_build" / "html",
    "book-student.pdf": ROOT / "book" / "_build_nosolutions" / "_build" / "html",
}
PDFS = ROOT / "book" / "_build" / "pdf"
CHAPTERS = sorted((ROOT / "notebooks").glob("*.ipynb"))
sys.path.insert(0, str(ROOT / "book"))
from make_pdf import page_order  # noqa: E402  (the order the PDF is printed in: book/_toc.yml)

A4_HEIGHT_PT, FOOTER_PT = 842, 51  # pdftotext crops in points; the footer lives in the bottom 18 mm


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def headings(page: Path, level: int) -> list[str]:
    found = re.findall(rf"<h{level}[^>]*>(.*?)</h{level}>", page.read_text(encoding="utf-8"), re.S)
    return [squash(html.unescape(re.sub(r"<[^>]+>", "", h))).rstrip("#").strip() for h in found]


@pytest.fixture(scope="module", params=sorted(EDITIONS))
def pdf(request):
    path = PDFS / request.param
    if not path.is_file():
        pytest.fail(f"{path} missing: run `make pdf` and `make pdf-student` first")
    return path


def pdftotext(pdf, y, height):
    out = subprocess.run(["pdftotext", "-x", "0", "-y", str(y), "-W", "595", "-H", str(height), str(pdf), "-"],
                         capture_output=True, text=True, check=True).stdout
    return [squash(page) for page in out.split("\f")][:-1]  # the text ends with a form feed


@pytest.fixture(scope="module")
def pages(pdf):
    """The text of each PDF page, footer left out."""
    return pdftotext(pdf, 0, A4_HEIGHT_PT - FOOTER_PT)


@pytest.fixture(scope="module")
def footers(pdf):
    return pdftotext(pdf, A4_HEIGHT_PT - FOOTER_PT, FOOTER_PT)


@pytest.fixture(scope="module")
def body_text(pages):
    return " ".join(pages)


def test_every_page_and_heading_in_reading_order(pdf, pages):
    """Each page of the book starts a PDF page with its title, in book/_toc.yml's order; its sections follow."""
    first = 1  # page 1 is the contents
    for doc in page_order(ROOT / "book" / "_toc.yml"):
        page = EDITIONS[pdf.name] / f"{doc}.html"
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


def test_every_figure_is_in_the_pdf(pdf):
    """Each figure of the printed pages (a bitmap under _images/) is embedded: matched by pixel size."""
    from PIL import Image

    site = EDITIONS[pdf.name]
    wanted = Counter()
    for doc in page_order(ROOT / "book" / "_toc.yml"):
        page = site / f"{doc}.html"
        for src in re.findall(r'<img[^>]*\bsrc="([^"]+)"', page.read_text(encoding="utf-8")):
            image = (page.parent / src).resolve()
            if image.parent == (site / "_images").resolve():
                with Image.open(image) as im:
                    wanted[im.size] += 1
    assert sum(wanted.values()) >= len(CHAPTERS), wanted
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    embedded = Counter((int(row.split()[3]), int(row.split()[4])) for row in listing.splitlines()[2:]
                       if row.split()[2] == "image")
    missing = {size: n - embedded[size] for size, n in wanted.items() if embedded[size] < n}
    assert not missing, f"figures missing from the PDF (pixel size: how many): {missing}"


def images_per_page(pdf) -> Counter:
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    return Counter(int(row.split()[0]) for row in listing.splitlines()[2:])


def test_no_page_is_only_an_empty_frame(pdf, pages):
    """Every page holds text or a picture (a code frame pushed alone onto a page holds neither)."""
    images = images_per_page(pdf)
    empty = [n for n, text in enumerate(pages, 1) if len(text) < 20 and not images[n]]
    assert not empty, f"{pdf.name}: pages with nothing but a frame or blank space: {empty}"


def test_page_numbers_run_through_the_book(pdf, pages, footers):
    """Each footer ends with the page's number in the whole book: 1, 2, 3, ... (never 13/21 per chapter)."""
    numbers = [int(m.group(1)) if (m := re.search(r"(\d+)$", text)) else None for text in footers]
    assert numbers == list(range(1, len(pages) + 1)), f"{pdf.name}: footers read {numbers}"


def test_contents_page_lists_every_page_with_its_number(pdf, pages):
    """Page 1 is the contents: each page of the book with the number of the PDF page its title starts."""
    assert "Contents" in pages[0]
    for doc in page_order(ROOT / "book" / "_toc.yml"):
        title = headings(EDITIONS[pdf.name] / f"{doc}.html", 1)[-1]
        found = re.search(re.escape(title) + r" (\d+)", pages[0])
        assert found, f"{pdf.name}: `{title}` with a page number missing from the contents: {pages[0][:300]}"
        number = int(found.group(1))
        plain = re.sub(r"^[\d.]+\s*", "", title)
        assert pages[number - 1].startswith(plain) or pages[number - 1].startswith(title), \
            f"{pdf.name}: the contents send `{title}` to page {number}, which starts `{pages[number - 1][:60]}`"


def widget_labels() -> set[str]:
    """The text of every button of the widgets (convkit/widgets_js/steppers.js)."""
    js = (ROOT / "convkit" / "widgets_js" / "steppers.js").read_text(encoding="utf-8")
    labels = {squash(html.unescape(re.sub(r"<[^>]+>", "", label)))
              for label in re.findall(r"<button[^>]*>(.*?)</button>", js, re.S)}
    return {label for label in labels if label and "$" not in label}


def test_widgets_print_without_controls(body_text):
    labels = widget_labels()
    assert {"◀ Previous", "Next ▶", "▶ Play"} <= labels, labels
    prose = squash(" ".join(c.source for p in CHAPTERS for c in nbformat.read(p, as_version=4).cells
                            if c.cell_type == "markdown"))
    labels = {label for label in labels if label not in prose}  # "press Run col2im instead" is prose
    printed = sorted(label for label in labels if label in body_text)
    assert not printed, f"widget buttons printed: {printed}"


def code_names() -> set[str]:
    """Names of 8+ characters with an underscore in the chapters' code and convkit's public API."""
    import convkit

    names = {n for n in dir(convkit) if "_" in n.strip("_") and len(n) >= 8}
    for path in CHAPTERS:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code" or "`" in cell.source:
                names.update(re.findall(r"\b[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]*[A-Za-z0-9]\b", cell.source))
    return {n for n in names if len(n) >= 8}


def test_no_name_is_broken_across_a_line(pdf):
    """``in_channel s``: a code name split by a line break (the text is read as laid out, lines kept), or
    printed as two words."""
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    names = code_names()
    assert len(names) >= 30, names
    broken = broken_names(text, names)
    assert not broken, f"{pdf.name}: names broken mid-name: {sorted(broken)[:20]}"


def broken_names(text: str, names: set[str]) -> set[str]:
    """``"before|after"`` for each name of ``names`` that ``text`` breaks (2+ characters each side): ``before``
    ends a line and ``after`` is the whole first word of the next, or the two are printed as two words."""
    splits = {}  # the part after the break -> [(name, the part before it)]
    for name in names:
        for k in range(2, len(name) - 1):
            splits.setdefault(name[k:], []).append((name, name[:k]))
    broken = set()
    lines = [line.strip() for line in text.splitlines()]
    for a, b in zip(lines, lines[1:]):
        after = re.match(r"\w*", b).group(0)
        broken |= {f"{before}|{after}" for name, before in splits.get(after, ())
                   if a.endswith(before) and not a.endswith(name)}
    flat = squash(text)
    words = list(re.finditer(r"\w+", flat))
    for w1, w2 in zip(words, words[1:]):
        if flat[w1.end():w2.start()] == " " and (w1.group(0) in {before for _, before in splits.get(w2.group(0), ())}):
            broken.add(f"{w1.group(0)}|{w2.group(0)}")
    return broken


def test_broken_names_are_found():
    """The search finds a name broken at a line's end or by a space, and nothing in a whole name or a longer word."""
    names = {"conv2d_backward", "in_channels"}
    text = ("we call conv2d_back\nward here, and conv2d_ backward there\nin_channels whole, in_channels\n"
            "or in_chann\nelsewhere")
    assert broken_names(text, names) == {"conv2d_back|ward", "conv2d_|backward"}


def text_bottoms(pdf) -> list[float]:
    """Per page, how far down (in points) its body text reaches (footer left out)."""
    boxes = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [max([float(y) for y in re.findall(r'yMax="([\d.]+)"', page) if float(y) < A4_HEIGHT_PT - FOOTER_PT],
                default=0.0) for page in boxes.split("<page ")[1:]]


def test_no_half_empty_page_inside_a_chapter(pdf, pages):
    """A page whose text stops above the middle, with no picture, is the last page of its part of the book
    (a code frame too tall to keep whole must break, not move to the next page and leave this one empty)."""
    starts = {int(n) for n in re.findall(r" (\d+)(?= |$)", pages[0])}  # the contents' page numbers
    images = images_per_page(pdf)
    half_empty = [n for n, bottom in enumerate(text_bottoms(pdf), 1)
                  if bottom < A4_HEIGHT_PT / 2 and not images[n] and n + 1 not in starts and n > 1 and n < len(pages)]
    assert not half_empty, f"{pdf.name}: pages left half empty inside a chapter: {half_empty}"

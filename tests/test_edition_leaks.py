"""The solutions-free edition (``make book-nosolutions``) holds no solution anywhere a reader can reach.

Every file of the built site (book/_build_nosolutions/_build/html, what would be published) is read as
bytes, whatever its type, and searched in every form it can carry text:

* the bytes decoded as UTF-8 (every file: pages, scripts, styles, fonts, images, message catalogues);
* for HTML and SVG, the text with tags removed and entities decoded (code is split into spans);
* every JSON/JavaScript string literal, decoded (``.ipynb`` notebooks, the search index, scripts);
* for ``objects.inv`` and ``.gz`` files, the decompressed bytes.

What is searched for, per chapter:

* every line of every solution: the region between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` in the
  chapter's code cells (lines stripped of indentation; blank lines skipped). A line that also appears
  verbatim outside solution regions, in that chapter or anywhere else in the book (another chapter,
  book/*.md), is public (a reader sees it anyway) and is skipped: today one is, ``fh, fw = k.shape``
  (Chapter 4's solution; Chapter 1's text). A line of 20 characters or more is found anywhere in a text; a
  shorter one (``return x``) only where it fills a whole line, as a leaked line of code does (minified
  scripts hold ``return x`` mid-line);
* every image a solution cell outputs (in the executed notebooks the edition's build made), by its bytes;
* in the search index (which stores stemmed words, not lines), every word stem that occurs in solutions
  and nowhere a reader sees anyway (the chapters outside solution regions, their outputs, book/*.md).

The scanner is shown to find real leaks: in the full edition it finds every solution line on the
chapter's page and in its downloadable notebook, and solution-only words in its search index; and in a
copy of the solutions-free edition where one solution, with a planted marker, is leaked four ways.
"""
from __future__ import annotations

import base64
import gzip
import hashlib
import html
import json
import re
import shutil
import zlib
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("*.ipynb"))
NOSOLUTIONS = ROOT / "book" / "_build_nosolutions" / "_build"
FULL = ROOT / "book" / "_build"
BEGIN, END = "# BEGIN SOLUTION", "# END SOLUTION"
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/svg+xml")


# --- what a solution is ---------------------------------------------------------------------------

def split_solutions(source: str):
    """(solution lines, other lines) of a cell's source, both stripped."""
    solution, other, inside = [], [], False
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == BEGIN:
            inside = True
        elif stripped == END:
            inside = False
        else:
            (solution if inside else other).append(stripped)
    return solution, other


def is_solution_cell(cell) -> bool:
    return cell.cell_type == "code" and BEGIN in cell.source


def public_lines() -> set[str]:
    """Every stripped line a reader sees anyway: the chapters outside solution regions and book/*.md."""
    if not hasattr(public_lines, "cache"):
        lines = set()
        for path in CHAPTERS:
            for cell in nbformat.read(path, as_version=4).cells:
                lines.update(split_solutions(cell.source)[1] if cell.cell_type == "code" else
                             (line.strip() for line in cell.source.splitlines()))
        for page in (ROOT / "book").glob("*.md"):
            lines.update(line.strip() for line in page.read_text(encoding="utf-8").splitlines())
        public_lines.cache = lines
    return public_lines.cache


def solution_lines(nb) -> list[str]:
    """Every non-blank solution line of chapter ``nb`` that is not public anyway (see public_lines)."""
    solution = [line for cell in nb.cells if cell.cell_type == "code" for line in split_solutions(cell.source)[0]]
    return [line for line in dict.fromkeys(solution) if line and line not in public_lines()]


def output_texts(cell) -> list[str]:
    texts = []
    for out in cell.get("outputs", []):
        texts.append(out.get("text", ""))
        for mime, data in out.get("data", {}).items():
            if mime.startswith("text/"):
                texts.append(data if isinstance(data, str) else "".join(data))
    return texts


def solution_images(executed) -> dict[str, str]:
    """sha256 of every image a solution cell of the executed notebook outputs -> a description."""
    found = {}
    for n, cell in enumerate(executed.cells):
        if not is_solution_cell(cell):
            continue
        for out in cell.get("outputs", []):
            for mime in IMAGE_TYPES:
                if mime in out.get("data", {}):
                    data = out["data"][mime]
                    raw = data.encode() if mime.endswith("+xml") else base64.b64decode(data)
                    found[hashlib.sha256(raw).hexdigest()] = f"{mime} output of solution cell {n}"
    return found


def search_words(text: str) -> set[str]:
    """The words the search index would store for ``text``: Sphinx's own English splitter and stemmer."""
    from sphinx.search.en import SearchEnglish

    lang = search_words.lang = getattr(search_words, "lang", None) or SearchEnglish({})
    words = {word.lower() for word in lang.split(text)}
    return words | {lang.stem(word).lower() for word in set(lang.split(text))}  # each distinct word stemmed once


def public_text(chapters) -> str:
    """Everything a reader of the solutions-free edition sees anyway: book pages, chapters without solutions."""
    parts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "book").glob("*.md"))]
    for nb, executed in chapters.values():
        for cell in nb.cells:
            parts.append("\n".join(split_solutions(cell.source)[1]) if cell.cell_type == "code" else cell.source)
        for cell in executed.cells:
            if not is_solution_cell(cell):
                parts += output_texts(cell)
    return "\n".join(parts)


def solution_only_words(chapters) -> dict[str, str]:
    """Word (or stem) -> chapter, for words with a letter and 3+ characters that only solutions hold."""
    public = search_words(public_text(chapters))
    only = {}
    for stem, (nb, _) in chapters.items():
        for word in search_words("\n".join(solution_lines(nb))) - public:
            if len(word) >= 3 and re.search(r"[a-z]", word):
                only.setdefault(word, stem)
    return only


# --- reading every file ---------------------------------------------------------------------------

STRING_LITERAL = re.compile(r'"(?:[^"\\\n]|\\.)*"')
SHORT = 20  # a solution line shorter than this must fill a whole line ("return x" is in minified scripts)


def strings(value) -> list[str]:
    """Every string (keys too) inside decoded JSON ``value``."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [k, *strings(v)]]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def views(path: Path, raw: bytes) -> list[str]:
    """Every text form the bytes of ``path`` can carry."""
    if path.name == "objects.inv":  # four header lines, then zlib
        header_end = 0
        for _ in range(4):
            header_end = raw.index(b"\n", header_end) + 1
        raw = raw[:header_end] + zlib.decompress(raw[header_end:])
    elif path.suffix == ".gz":
        raw = gzip.decompress(raw)
    text = raw.decode("utf-8", errors="replace")
    found = [text]
    if path.suffix in {".html", ".htm", ".xml", ".svg", ".xhtml"}:
        found.append(html.unescape(re.sub(r"<[^>]*>", "", text)))
    if path.suffix in {".ipynb", ".json"}:
        found.append("\n".join(strings(json.loads(text))))
    elif path.name == "searchindex.js":
        found.append("\n".join(strings(json.loads(text[text.index("(") + 1:text.rindex(")")]))))
    else:  # string literals in scripts and pages, their escapes decoded
        literals = []
        for match in STRING_LITERAL.finditer(text):
            try:
                literals.append(json.loads(match.group(0)))
            except ValueError:
                continue
        found.append("\n".join(literals))
    return found


def finder(line: str):
    """A test for ``line`` (stripped) in a text and the set of its lines stripped of spaces and tabs: a
    substring, or a whole line (indentation aside) if it is short."""
    if len(line) >= SHORT:
        return lambda text, whole_lines: line in text
    return lambda text, whole_lines: line in whole_lines


def scan(site: Path, chapters) -> tuple[int, list[tuple[str, str, str]]]:
    """(files scanned, leaks as (file, kind, what)) for the built site ``site``."""
    lines = [(stem, line, finder(line)) for stem, (nb, _) in chapters.items() for line in solution_lines(nb)]
    images = {h: f"{stem}: {what}" for stem, (_, ex) in chapters.items() for h, what in solution_images(ex).items()}
    only_words = solution_only_words(chapters)
    leaks, files = [], sorted(p for p in site.rglob("*") if p.is_file())
    for path in files:
        name = path.relative_to(site).as_posix()
        raw = path.read_bytes()
        if hashlib.sha256(raw).hexdigest() in images:
            leaks.append((name, "image", images[hashlib.sha256(raw).hexdigest()]))
        texts = [(text, {row.strip(" \t") for row in text.split("\n")}) for text in views(path, raw)]
        for stem, line, found in lines:
            if any(found(text, whole_lines) for text, whole_lines in texts):
                leaks.append((name, "line", f"{stem}: {line}"))
        if path.name == "searchindex.js":
            text = raw.decode("utf-8")
            index = json.loads(text[text.index("(") + 1:text.rindex(")")])
            terms = set(index["terms"]) | set(index["titleterms"])
            leaks += [(name, "search term", f"{only_words[w]}: {w}") for w in sorted(terms & set(only_words))]
    return len(files), leaks


def load_chapters(build: Path):
    """Chapter stem -> (the instructor's notebook, the notebook as ``build`` executed it)."""
    chapters = {}
    for path in CHAPTERS:
        executed = build / "jupyter_execute" / "notebooks" / path.name
        if not executed.is_file():
            pytest.fail(f"{executed} missing: build the book first (make test builds both editions)")
        chapters[path.stem] = (nbformat.read(path, as_version=4), nbformat.read(executed, as_version=4))
    return chapters


# --- the tests ------------------------------------------------------------------------------------

def test_solutions_free_edition_holds_no_solution():
    chapters = load_chapters(NOSOLUTIONS)
    assert sum(len(solution_lines(nb)) for nb, _ in chapters.values()) >= 3 * len(CHAPTERS)
    scanned, leaks = scan(NOSOLUTIONS / "html", chapters)
    summary = (f"solutions-free edition: {scanned} files scanned for "
               f"{sum(len(solution_lines(nb)) for nb, _ in chapters.values())} solution lines, "
               f"{sum(len(solution_images(ex)) for _, ex in chapters.values())} solution images and "
               f"{len(solution_only_words(chapters))} solution-only words; {len(leaks)} found")
    (ROOT / "artifacts").mkdir(exist_ok=True)
    (ROOT / "artifacts" / "edition_scan.txt").write_text(summary + "\n", encoding="utf-8")
    print("\n" + summary)
    assert not leaks, "\n".join(map(str, leaks))


def test_downloads_are_student_versions_and_there_are_no_launch_buttons():
    site = NOSOLUTIONS / "html"
    for path in CHAPTERS:
        page = (site / "notebooks" / f"{path.stem}.html").read_text(encoding="utf-8")
        assert f"_sources/notebooks/{path.name}" in page  # the download button
        served = nbformat.read(site / "_sources" / "notebooks" / path.name, as_version=4)
        solutions = [c for c in served.cells if c.metadata.get("nbgrader", {}).get("solution")]
        assert len(solutions) >= 3 and all("raise NotImplementedError()" in c.source for c in solutions)
        assert all(not c.get("outputs") for c in served.cells if c.cell_type == "code")
        for host in ("mybinder.org", "colab.research.google.com"):
            assert host not in page, f"{path.stem}: a launch button in the solutions-free edition"
    repository = yaml.safe_load((ROOT / "book" / "_config.yml").read_text())["repository"]["url"]
    if repository:  # the same configuration gives the full edition its launch buttons
        full_page = (FULL / "html" / "notebooks" / f"{CHAPTERS[0].stem}.html").read_text(encoding="utf-8")
        assert "mybinder.org/v2/gh/" in full_page and "colab.research.google.com/github/" in full_page


def test_the_scan_finds_every_solution_in_the_full_edition():
    chapters = load_chapters(FULL)
    _, leaks = scan(FULL / "html", chapters)
    for stem, (nb, _) in chapters.items():
        for line in solution_lines(nb):
            where = {name for name, kind, what in leaks if kind == "line" and what == f"{stem}: {line}"}
            assert f"notebooks/{stem}.html" in where, f"{stem}: the scan missed `{line}` on the page"
            assert f"_sources/notebooks/{stem}.ipynb" in where, f"{stem}: the scan missed `{line}` in the download"
    assert any(kind == "search term" for _, kind, _ in leaks), "no solution-only word found in the full index"


def test_the_scan_finds_a_planted_marker(tmp_path):
    """Plant a marker in one solution, leak it four ways into a copy of the edition: all four are found."""
    chapters = load_chapters(NOSOLUTIONS)
    stem = CHAPTERS[-1].stem
    nb, executed = chapters[stem]
    marker_word = "plantedmarkerc0ffee"
    marker = f'{marker_word} = "<&>\'quoted\'"'  # escaped differently in HTML, JSON and JavaScript
    cell = next(c for c in nb.cells if is_solution_cell(c))
    cell.source = cell.source.replace(BEGIN, f"{BEGIN}\n    {marker}", 1)
    image = b"\x89PNG\r\n\x1a\n planted solution figure"
    twin = next(c for c in executed.cells if is_solution_cell(c))
    twin.outputs = [nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(image).decode()})]

    site = tmp_path / "html"
    shutil.copytree(NOSOLUTIONS / "html", site)
    nbformat.write(nb, site / "_sources" / "notebooks" / f"{stem}.ipynb")  # the full notebook served
    with open(site / "notebooks" / f"{stem}.html", "a", encoding="utf-8") as page:
        page.write(f'<pre><span class="n">{marker_word}</span> <span class="o">=</span> '
                   f'<span class="s2">{html.escape(marker.split(" = ")[1])}</span></pre>')
    (site / "_images" / "planted.png").write_bytes(image)
    index = site / "searchindex.js"
    text = index.read_text(encoding="utf-8")
    index.write_text(text.replace('"terms": {', f'"terms": {{"{marker_word}": 3, ', 1), encoding="utf-8")

    scanned, leaks = scan(site, chapters)
    assert scanned == sum(1 for p in site.rglob("*") if p.is_file())
    assert set(leaks) == {
        (f"_sources/notebooks/{stem}.ipynb", "line", f"{stem}: {marker}"),
        (f"notebooks/{stem}.html", "line", f"{stem}: {marker}"),
        ("_images/planted.png", "image", f"{stem}: image/png output of solution cell {executed.cells.index(twin)}"),
        ("searchindex.js", "search term", f"{stem}: {marker_word}"),
    } | {(f"_sources/notebooks/{stem}.ipynb", "line", f"{other}: {line}")  # the rest of the served notebook
         for other, (other_nb, _) in chapters.items() for line in solution_lines(other_nb)
         if line in solution_lines(nb)}, leaks


# --- the course edition (make course-edition) ---------------------------------------------------------

COURSE = ROOT / "book" / "_build_course" / "_build"


def test_course_edition_holds_no_solution_and_no_way_to_the_repository():
    """The course edition: no solution line, image or word (the same scan), no link or install from the
    repository anywhere, and every set-up cell installs the wheel that is served with the site."""
    if not (COURSE / "html").is_dir():
        pytest.fail(f"{COURSE / 'html'} missing: run `make course-edition` (make test builds it)")
    chapters = load_chapters(COURSE)
    scanned, leaks = scan(COURSE / "html", chapters)
    assert scanned > 100 and not leaks, "\n".join(map(str, leaks))
    repository = yaml.safe_load((ROOT / "book" / "_config.yml").read_text())["repository"]["url"]
    host_path = repository.split("://", 1)[-1].rstrip("/")
    files = sorted(p for p in (COURSE / "html").rglob("*") if p.is_file())
    mentions = [p.relative_to(COURSE / "html").as_posix() for p in files
                if host_path.encode() in p.read_bytes() or b"git+" in p.read_bytes()]
    assert not mentions, f"the repository is named in {mentions}"
    wheels = list((COURSE / "html" / "wheels").glob("convkit-*.whl"))
    assert len(wheels) == 1
    for path in CHAPTERS:
        served = nbformat.read(COURSE / "html" / "_sources" / "notebooks" / path.name, as_version=4)
        setup = next(c for c in served.cells if "setup" in c.metadata.get("tags", []))
        url = re.search(r'"(https?://[^"]+\.whl)"', setup.source).group(1)
        assert url.endswith("/wheels/" + wheels[0].name), url
        page = (COURSE / "html" / "notebooks" / f"{path.stem}.html").read_text(encoding="utf-8")
        assert wheels[0].name in page and "mybinder.org" not in page and "colab.research" not in page

"""One PDF of a built edition: ``make pdf`` (with solutions), ``make pdf-student`` (without)
(``python book/make_pdf.py [HTML_DIR] [OUTPUT]``).

Each page of the built site (book/_build/html), in the order of book/_toc.yml, is printed by Debian's
Chromium (``/usr/bin/chromium``, driven by Playwright; never a downloaded browser) once MathJax has
typeset its math and the widgets have drawn their saved state, with print CSS for paper:

* long code lines and outputs wrap instead of being clipped at the right margin;
* a figure, table or displayed equation is not split across pages, and a caption stays with its
  figure or table; a heading stays with what follows it;
* the theme's navigation (header, sidebars, previous/next links, buttons) is left out; solutions,
  folded on screen, print unfolded;
* code breaks only at spaces (``pre-wrap``), never inside a name; a table whose code does not fit its
  column is scaled down instead; a widget prints its drawn state without its buttons, sliders and menus;
* nothing is kept together at any price: a block taller than what is left of a page starts a new page
  only when it fits on one (``break-inside: avoid`` on a taller block left pages holding an empty
  frame); empty output areas are not drawn.

The page numbers run through the whole book: each page is printed with its own first number (a CSS
``@page`` footer with the page's title and ``counter(page)``), and a contents page, printed last with
the page numbers now known, goes first. The parts are joined with ``pdfunite`` (Debian's
poppler-utils). The site is served from 127.0.0.1 and every other host is blocked: the PDF is made
offline, like the book.
"""
from __future__ import annotations

import functools
import html
import http.server
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import yaml

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"

PRINT_CSS = """
@page { size: A4; margin: 16mm 14mm 18mm 14mm; }
@media print {
  /* the theme's navigation is no use on paper */
  .bd-header, .bd-header-article, .header-article, .bd-sidebar-primary, .bd-sidebar-secondary,
  .prev-next-area, .prev-next-footer, .bd-footer, .bd-footer-article, .bd-footer-content,
  #pst-back-to-top, .search-button-field, .theme-switch-button, .headerlink, .toggle-button,
  .copybtn, .skip-link, .pst-async-banner-revealer { display: none !important; }
  /* the article takes the paper's width, and no wide child widens it (flex items shrink below their
     content: min-width 0); what is still too wide is scaled down by FIT_JS */
  .bd-main, .bd-content, .bd-article-container, .bd-page-width, .bd-container, .bd-container__inner,
  .bd-article, article { max-width: 100% !important; min-width: 0 !important; width: auto !important;
    padding: 0 !important; margin: 0 !important; overflow: visible !important; }
  /* long lines wrap at spaces instead of running off the page; a name is never broken (a token longer
     than the line runs on, and FIT_JS shrinks its block) */
  pre, pre code, .highlight pre, div.output pre, .cell_output pre {
    white-space: pre-wrap !important; overflow-wrap: normal !important; word-break: normal !important;
    overflow: visible !important; max-height: none !important; }
  code, td code, th code, p code, li code { overflow-wrap: normal !important; word-break: keep-all !important;
    hyphens: none !important; }
  td code, th code { white-space: nowrap !important; }
  /* a widget prints what it shows, not its controls */
  .ck-stepper button, .ck-stepper input, .ck-stepper select, .ck-stepper .ck-row[role="group"],
  .jupyter-widgets button, .widget-button, .widget-play, .widget-toggle-buttons, .widget-slider,
  .widget-hslider, .widget-dropdown, .widget-text { display: none !important; }
  .ck-scroll { overflow: visible !important; max-height: none !important; }
  /* a box that scrolls is printed in one piece (Chromium does not split it across pages): a widget's
     card and frames must not scroll on paper, so that a tall one breaks between its grids */
  .ck-stepper, .widget-subarea, .jupyter-widgets, .lm-Widget, .cell_output .output { overflow: visible !important; }
  /* an output area with nothing in it draws no frame */
  .cell_output:empty, .output:empty, div.cell_output:not(:has(*)) { display: none !important; }
  .cell_output, .output, .highlight, div[class*="highlight-"] { overflow: visible !important;
    max-height: none !important; }
  /* keep together what belongs together */
  figure, .figure, img, .cell_output img, mjx-container[display="true"], .math, tr,
  .admonition-title, .keep-whole {
    break-inside: avoid; page-break-inside: avoid; }
  figcaption, caption, .caption, p.caption { break-before: avoid; page-break-before: avoid; }
  h1, h2, h3, h4, .admonition-title, p.caption { break-after: avoid; page-break-after: avoid; }
  /* a block taller than half a page (FIT_JS marks the others keep-whole) breaks between its lines */
  pre:not(.keep-whole), div.highlight:not(.keep-whole), div[class*="highlight-"]:not(.keep-whole),
  div.cell_input:not(.keep-whole), div.cell_output:not(.keep-whole), .admonition:not(.keep-whole),
  table:not(.keep-whole), .widget-subarea:not(.keep-whole), .ck-stepper:not(.keep-whole) {
    break-inside: auto !important; page-break-inside: auto !important; }
  h1, h2, h3, h4 { break-inside: avoid; page-break-inside: avoid; }
  /* folded solutions print unfolded */
  .check-not-run { font-style: italic; }
  details > *, .toggle-hidden, .admonition.toggle-hidden > *:not(.admonition-title) {
    display: block !important; visibility: visible !important; height: auto !important;
    opacity: 1 !important; }
}
"""

# Resolves when the page has typeset its math and drawn its widgets (the widget manager replaces each
# saved view's <script> tag by the widget).
READY_JS = """
async () => {
  if (window.MathJax && MathJax.startup) {
    await MathJax.startup.promise;
    if (MathJax.typesetPromise) await MathJax.typesetPromise();
  }
  const views = () => document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]');
  const drawn = () => document.querySelectorAll('.jupyter-widgets, .widget-subarea').length;
  const start = Date.now();
  while (views().length && drawn() < views().length && Date.now() - start < 30000) {
    await new Promise(r => setTimeout(r, 100));
  }
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  return {math: document.querySelectorAll('mjx-container').length, views: views().length, drawn: drawn()};
}
"""

# Run at the paper's width: what is still wider than its column (a long displayed equation, a widget,
# a table) is scaled down to fit instead of running off the page.
FIT_JS = """
(pageHeight) => {
  let fitted = 0;
  // an output area with nothing to show (no text, no picture, no widget) is not printed at all
  for (const el of document.querySelectorAll('div.cell_output, div.output')) {
    if (!el.innerText.trim() && !el.querySelector('img, svg, canvas, mjx-container, .ck-stepper, table')) {
      el.style.display = 'none';
    }
  }
  // what fits on half a page is kept whole; a taller block may break (at a line)
  // (a widget too: a tall stepper breaks between its grids, each of which stays whole)
  const blocks = 'div.cell_input, div.cell_output, div.highlight, div[class*="highlight-"], .admonition, table, '
    + '.widget-subarea, .ck-stepper';
  for (const el of document.querySelectorAll(blocks)) {
    if (el.getBoundingClientRect().height < pageHeight / 2) el.classList.add('keep-whole');
  }
  const wide = 'mjx-container[display="true"], .ck-stepper, .jupyter-widgets, table, .cell_output img';
  for (const el of document.querySelectorAll(wide)) {
    const room = el.parentElement.clientWidth;
    if (room > 0 && el.scrollWidth > room + 1) { el.style.zoom = room / el.scrollWidth; fitted++; }
  }
  // a figure taller than 45% of the page is drawn smaller: kept whole, it then fits under most of a
  // page's text, and never moves to the next page leaving this one half empty
  // (a widget's drawn state too: Chromium prints a widget's card in one piece)
  for (const el of document.querySelectorAll('.cell_output img, figure img, .ck-stepper')) {
    const h = el.getBoundingClientRect().height;
    if (h > pageHeight * 0.45) { el.style.zoom = (parseFloat(el.style.zoom) || 1) * pageHeight * 0.45 / h; fitted++; }
  }
  // code with a token longer than the line: a smaller font (zoom would make the block unbreakable)
  for (const el of document.querySelectorAll('div.highlight pre, .cell_output pre')) {
    const room = el.clientWidth, size = parseFloat(getComputedStyle(el).fontSize);
    if (room > 0 && el.scrollWidth > room + 1) {
      el.style.fontSize = Math.max(size * room / el.scrollWidth, size * 0.6) + 'px'; fitted++;
    }
  }
  return fitted;
}
"""
# A4 (210 mm) less the left and right margins of PRINT_CSS (14 mm each), in CSS pixels
PAPER_WIDTH = round((210 - 2 * 14) / 25.4 * 96)
# A4 (297 mm) less the top and bottom margins (16 mm, 18 mm), in CSS pixels
PAPER_HEIGHT = round((297 - 16 - 18) / 25.4 * 96)


def footer_css(title: str, first: int) -> str:
    """The page's footer (its title and the page number) and its first page number in the whole book."""
    text = title.replace("\\", "\\\\").replace('"', '\\"')
    return (f'@page {{ @bottom-center {{ content: "{text} \\00B7  " counter(page); font: 8pt sans-serif; '
            f'color: #555; }} }}\n@page :first {{ counter-set: page {first}; }}')


def contents_html(book_title: str, entries) -> str:
    """The contents page: each page of the book with its first page number."""
    rows = "".join(f'<li><span class="t">{html.escape(t)}</span><span class="d"></span><span>{n}</span></li>'
                   for t, n in entries)
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Contents</title><style>
  @page {{ size: A4; margin: 16mm 14mm 18mm 14mm; }}
  {footer_css(book_title, 1)}
  body {{ font: 11pt/1.5 sans-serif; color: #111; }}
  h1 {{ font-size: 20pt; margin: 0 0 4pt; }} h2 {{ font-size: 14pt; margin: 14pt 0 8pt; }}
  ol {{ list-style: none; padding: 0; margin: 0; }}
  li {{ display: flex; align-items: baseline; gap: 4pt; margin: 3pt 0; }}
  .d {{ flex: 1; border-bottom: 1px dotted #777; }}
</style></head><body><h1>{html.escape(book_title)}</h1><h2>Contents</h2><ol>{rows}</ol></body></html>"""


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def page_order(toc_path: Path) -> list[str]:
    """The documents of book/_toc.yml, in reading order (without suffix)."""
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    order = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                order.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return [str(Path(doc).with_suffix("")) for doc in order]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def make_pdf(site: Path, output: Path, toc: Path = ROOT / "book" / "_toc.yml", verbose: bool = True) -> int:
    """Print every page of ``site`` into one PDF, ``output``; return its page count."""
    from playwright.sync_api import sync_playwright

    pages = page_order(toc)
    missing = [doc for doc in pages if not (site / f"{doc}.html").is_file()]
    if missing:
        raise SystemExit(f"{site}: no page for {missing}; build the book first (make book)")
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} not found: install Debian's chromium (sudo apt-get install chromium)")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    blocked = []

    def only_local(route):
        if urlparse(route.request.url).hostname in ("127.0.0.1", None):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.route("**/*", only_local)
        parts, entries, first, book_title = [], [], 2, None  # page 1 is the contents
        for n, doc in enumerate(pages):
            started = time.perf_counter()
            page = context.new_page()
            page.goto(f"{base}/{doc}.html", wait_until="load")
            page.add_style_tag(content=PRINT_CSS)
            state = page.evaluate(READY_JS)
            if state["drawn"] < state["views"]:
                raise SystemExit(f"{doc}: {state['views'] - state['drawn']} widget(s) not drawn")
            title = page.evaluate("() => (document.querySelector('article h1') || {}).innerText || document.title")
            title = " ".join(title.replace("#", "").split())
            book_title = book_title or page.evaluate("() => document.title.split(' — ').pop()")
            page.add_style_tag(content=footer_css(title, first))
            page.emulate_media(media="print")
            page.set_viewport_size({"width": PAPER_WIDTH, "height": 900})
            page.evaluate(FIT_JS, PAPER_HEIGHT)
            parts.append(Path(tmp) / f"{n + 1:03d}.pdf")
            page.pdf(path=str(parts[-1]), format="A4", print_background=True, prefer_css_page_size=True)
            page.close()
            entries.append((title, first))
            first += page_count(parts[-1])
            if verbose:
                print(f"  {doc}: pages {entries[-1][1]}-{first - 1} in {time.perf_counter() - started:.1f} s")
        page = context.new_page()
        page.set_content(contents_html(book_title or "Contents", entries))
        contents = Path(tmp) / "000.pdf"
        page.pdf(path=str(contents), format="A4", print_background=True, prefer_css_page_size=True)
        if page_count(contents) != 1:
            raise SystemExit("the contents took more than one page: the page numbers would be off")
        browser.close()
        server.shutdown()
        if blocked:
            raise SystemExit(f"the pages asked for other hosts: {blocked}")
        output.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["pdfunite", str(contents), *map(str, parts), str(output)], check=True)
    return page_count(output)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    site = Path(argv[0]) if argv else ROOT / "book" / "_build" / "html"
    output = Path(argv[1]) if len(argv) > 1 else ROOT / "book" / "_build" / "pdf" / "book.pdf"
    if not shutil.which("pdfunite"):
        raise SystemExit("pdfunite not found: install Debian's poppler-utils (sudo apt-get install poppler-utils)")
    start = time.perf_counter()
    pages = make_pdf(site, output)
    print(f"{output}: {pages} pages in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

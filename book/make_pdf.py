"""One PDF of the built book: ``make pdf`` (``python book/make_pdf.py [HTML_DIR] [OUTPUT]``).

Each page of the built site (book/_build/html), in the order of book/_toc.yml, is printed by Debian's
Chromium (``/usr/bin/chromium``, driven by Playwright; never a downloaded browser) once MathJax has
typeset its math and the widgets have drawn their saved state, with print CSS for paper:

* long code lines and outputs wrap instead of being clipped at the right margin;
* a figure, table or displayed equation is not split across pages, and a caption stays with its
  figure or table; a heading stays with what follows it;
* the theme's navigation (header, sidebars, previous/next links, buttons) is left out; solutions,
  folded on screen, print unfolded.

The pages are then joined with ``pdfunite`` (Debian's poppler-utils). The site is served from
127.0.0.1 and every other host is blocked: the PDF is made offline, like the book.
"""
from __future__ import annotations

import functools
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
  /* long lines wrap instead of running off the page */
  pre, pre code, .highlight pre, div.output pre, .cell_output pre, code {
    white-space: pre-wrap !important; overflow-wrap: anywhere !important; word-break: break-word;
    overflow: visible !important; max-height: none !important; }
  .cell_output, .output, .highlight, div[class*="highlight-"] { overflow: visible !important;
    max-height: none !important; }
  /* keep together what belongs together */
  figure, .figure, table, img, .cell_output img, mjx-container[display="true"], .math,
  .jupyter-widgets, .widget-subarea, .ck-stepper, div.cell_input, div.cell_output, div.highlight,
  .admonition-title { break-inside: avoid; page-break-inside: avoid; }
  figcaption, caption, .caption, p.caption { break-before: avoid; page-break-before: avoid; }
  h1, h2, h3, h4, .admonition-title, p.caption, div.cell_input { break-after: avoid;
    page-break-after: avoid; }
  h1, h2, h3, h4 { break-inside: avoid; page-break-inside: avoid; }
  /* folded solutions print unfolded */
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
() => {
  let fitted = 0;
  const wide = 'mjx-container[display="true"], .ck-stepper, .jupyter-widgets, table, .cell_output img';
  for (const el of document.querySelectorAll(wide)) {
    const room = el.parentElement.clientWidth;
    if (room > 0 && el.scrollWidth > room + 1) { el.style.zoom = room / el.scrollWidth; fitted++; }
  }
  return fitted;
}
"""
# A4 (210 mm) less the left and right margins of PRINT_CSS (14 mm each), in CSS pixels
PAPER_WIDTH = round((210 - 2 * 14) / 25.4 * 96)


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


def make_pdf(site: Path, output: Path, toc: Path = ROOT / "book" / "_toc.yml") -> int:
    """Print every page of ``site`` into one PDF, ``output``; return its page count."""
    from playwright.sync_api import sync_playwright

    pages = page_order(toc)
    missing = [doc for doc in pages if not (site / f"{doc}.html").is_file()]
    if missing:
        raise SystemExit(f"{site}: no page for {missing}; build the book first (make book)")
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} not found: install Debian's chromium (make pdf does)")
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
        parts = []
        for n, doc in enumerate(pages):
            page = context.new_page()
            page.goto(f"{base}/{doc}.html", wait_until="networkidle")
            page.add_style_tag(content=PRINT_CSS)
            state = page.evaluate(READY_JS)
            if state["drawn"] < state["views"]:
                raise SystemExit(f"{doc}: {state['views'] - state['drawn']} widget(s) not drawn")
            page.emulate_media(media="print")
            page.set_viewport_size({"width": PAPER_WIDTH, "height": 900})
            page.evaluate(FIT_JS)
            parts.append(Path(tmp) / f"{n:03d}.pdf")
            page.pdf(path=str(parts[-1]), format="A4", print_background=True, prefer_css_page_size=True,
                     display_header_footer=True, header_template="<span></span>",
                     footer_template='<div style="font-size:8px;width:100%;text-align:center;color:#555">'
                                     '<span class="title"></span> · <span class="pageNumber"></span>/'
                                     '<span class="totalPages"></span></div>')
            page.close()
        browser.close()
        server.shutdown()
        if blocked:
            raise SystemExit(f"the pages asked for other hosts: {blocked}")
        output.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["pdfunite", *map(str, parts), str(output)], check=True)
    info = subprocess.run(["pdfinfo", str(output)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    site = Path(argv[0]) if argv else ROOT / "book" / "_build" / "html"
    output = Path(argv[1]) if len(argv) > 1 else ROOT / "book" / "_build" / "pdf" / "book.pdf"
    if not shutil.which("pdfunite"):
        raise SystemExit("pdfunite not found: install Debian's poppler-utils (make pdf does)")
    start = time.perf_counter()
    pages = make_pdf(site, output)
    print(f"{output}: {pages} pages in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

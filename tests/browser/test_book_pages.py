"""Every page of the built book, opened in Chromium with no network but 127.0.0.1.

Each page is opened four ways: at 1280 px (desk) and 390 px (phone) wide, in the light and the dark
colour scheme (the browser's dark on the desk, the theme's own dark toggle on the phone). Each time it
fails on: a request to another host, an HTTP error, an uncaught page error or a console error (no
allow-list), a page that is not in the scheme it was opened in, math left untypeset, a broken image
or one without alt text, a traceback or error output, a dead internal link or anchor, a serious or
critical axe-core violation (checked after every widget has rendered), anything wider than the
screen outside a scroll container, on a phone an exercise check's result that is wider than its box
(a sentence the reader would have to scroll sideways to read), content cut off by an element that hides its overflow, a box that
scrolls sideways without showing it (a scroll shadow or hint) or without keyboard focus, or that is
not on the reasoned list of what may scroll (SCROLLS: code, aligned outputs, widget matrices, wide
figures; a text output, a formula or a table must fit), a printed array or table row that the screen
breaks, punctuation after inline math that starts a line, a word broken across lines (in an output, a table
cell or a widget's text), a figure
whose text is drawn smaller than the body's small print (unless it links to its full-size image,
whose text is not), and any number of visible search boxes but one. Saves a full-page screenshot of
every page and view in artifacts/screenshots/.
"""
import json
from urllib.parse import urldefrag, urljoin, urlparse

import pytest
from PIL import Image

from conftest import ARTIFACTS, DESK, PHONE, ROOT, SITE, PageRecorder
from convkit.figures import MIN_FONT_PT

PAGES = sorted(
    p.relative_to(SITE).as_posix()
    for p in SITE.rglob("*.html")
    if not p.relative_to(SITE).as_posix().startswith(("_static", "_sources", "_images", "jupyter_execute"))
) if SITE.exists() else []
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# Four ways to read the book: both widths, both schemes, and both ways of asking for dark.
VIEWS = {
    "desk-light": (DESK, "light"),
    "desk-dark": (DESK, "dark"),
    "phone-light": (PHONE, "light"),
    "phone-dark": (PHONE, "dark-toggle"),
}
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

# The outputs of the exercises' check cells (tagged "check"): sentences, which must wrap, not scroll.
CHECK_OUTPUTS_JS = """() => [...document.querySelectorAll('.cell.tag_check .cell_output')].map(out => {
  const name = (el) => el.tagName.toLowerCase() + [...el.classList].slice(0, 2).map(c => '.' + c).join('');
  const wide = [out, ...out.querySelectorAll('*')].filter(el => el.scrollWidth > el.clientWidth)
      .map(el => `${name(el)} ${el.scrollWidth} px in a ${el.clientWidth} px box`);
  return {text: out.textContent.replace(/\\s+/g, ' ').trim().slice(0, 60), wide};
})"""

CHECKS_JS = """() => {
  const untypeset = [...document.querySelectorAll('span.math, div.math')]
      .filter(el => !el.querySelector('mjx-container')).map(el => el.textContent.slice(0, 60));
  const images = [...document.querySelectorAll('article img, main img')];
  const broken = images.filter(img => !img.complete || img.naturalWidth === 0).map(img => img.src);
  const noAlt = images.filter(img => !(img.getAttribute('alt') || '').trim()
      || /\\.(png|svg|jpg)$/.test(img.getAttribute('alt'))).map(img => img.src);
  const errorOutputs = [...document.querySelectorAll('.output.traceback, .output.error, .output.stderr')]
      .map(el => el.textContent.slice(0, 200));
  const body = document.body.innerText;
  const links = [...document.querySelectorAll('a[href]')].map(a => a.href);
  return {untypeset, broken, noAlt, errorOutputs, traceback: body.includes('Traceback (most recent call last)'),
          links, mathCount: document.querySelectorAll('mjx-container').length,
          theme: document.documentElement.dataset.theme};
}"""

# What may scroll sideways, and why; everything else (prose, text outputs, formulas, tables) must fit its
# box at every width.
SCROLLS = {
    # Code: a line of code can't wrap without changing how it reads (a cell's source, a shell command).
    "code": "div.highlight:not(.cell_output *) > pre",
    # A matrix or a table whose columns must line up: the output of a cell tagged scroll-output.
    "aligned output": ".cell.tag_scroll-output .cell_output pre",
    # A widget's matrix (W*, im2col's columns): its cells must stay in their rows and columns.
    "widget matrix": ".ck-stepper .ck-scroll",
    # A figure wider than a phone (the im2col figure), which also opens full size with a tap.
    "wide figure": "a.ck-figure",
}
# What a reader on this screen would find cut off, too small or doubled.
LAYOUT_JS = """() => {
  const SCROLLS = __SCROLLS__;
  const vw = document.documentElement.clientWidth;
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
      + [...el.classList].slice(0, 2).map(c => '.' + c).join('');
  // Visually hidden on purpose (screen-reader copies such as MathJax's assistive MathML): clipped away.
  const srOnly = (el) => { for (let a = el; a; a = a.parentElement) { const s = getComputedStyle(a);
      if (s.clip !== 'auto' || s.clipPath !== 'none') return true; } return false; };
  const shown = (el) => { const r = el.getBoundingClientRect(), s = getComputedStyle(el);
      return r.width > 1 && r.height > 1 && s.visibility !== 'hidden' && !srOnly(el); };
  // How far the visible content inside el reaches (text and leaf elements, screen-reader copies left out).
  const contentBox = (el) => {
    let left = Infinity, right = -Infinity;
    const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let t = walk.nextNode(); t; t = walk.nextNode()) {
      if (!t.textContent.trim() || !shown(t.parentElement)) continue;
      const range = document.createRange();
      range.selectNodeContents(t);
      for (const r of range.getClientRects()) { left = Math.min(left, r.left); right = Math.max(right, r.right); }
    }
    for (const leaf of el.querySelectorAll('img, svg, canvas, video, input, select, button, textarea')) {
      if (!shown(leaf)) continue;
      const r = leaf.getBoundingClientRect();
      left = Math.min(left, r.left); right = Math.max(right, r.right);
    }
    return {left, right};
  };
  const wide = [], clipped = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    const hides = ['hidden', 'clip'].includes(getComputedStyle(el).overflowX) && el.scrollWidth > el.clientWidth + 1;
    const outside = r.right > vw + 1 || r.left < -1;
    if ((!hides && !outside) || !shown(el)) continue;
    if (hides) {  // content cut off at this element's edge
      const c = contentBox(el);
      if (c.right > r.right + 1 || c.left < r.left - 1)
        clipped.push(`${name(el)}: content from x ${Math.round(c.left)} to ${Math.round(c.right)} shown `
                     + `from ${Math.round(r.left)} to ${Math.round(r.right)}: "${el.textContent.trim().slice(0, 40)}"`);
    }
    if (outside) {
      // Fine inside a horizontal scroll container that itself fits the screen.
      let box = el.parentElement;
      while (box && !['auto', 'scroll'].includes(getComputedStyle(box).overflowX)) box = box.parentElement;
      const b = box && box.getBoundingClientRect();
      if (!b || b.right > vw + 1 || b.left < -1)
        wide.push(`${name(el)}: x ${Math.round(r.left)} to ${Math.round(r.right)} on a ${vw} px screen`);
    }
  }
  // A box that scrolls sideways must be one of SCROLLS (anything else must fit: prose, text outputs,
  // formulas, tables), show that it does (a scroll shadow, or a hint under it) and take keyboard focus,
  // or its right-hand part is as good as cut off.
  const silent = [], scrolls = [];
  for (const el of document.querySelectorAll('article *')) {
    const s = getComputedStyle(el);
    if (!['auto', 'scroll'].includes(s.overflowX) || el.scrollWidth <= el.clientWidth + 1 || !shown(el)) continue;
    const c = contentBox(el), r = el.getBoundingClientRect();
    if (c.right <= r.right + 1) continue;  // only a screen-reader copy overflows
    if (!el.matches(SCROLLS))
      scrolls.push(`${name(el)}: ${Math.round(c.right - r.right)} px wider than its box: "${el.textContent.trim().slice(0, 50)}"`);
    const hint = el.nextElementSibling;
    const cue = s.backgroundAttachment.includes('local') || (hint && hint.matches('.ck-scroll-hint') && !hint.hidden);
    if (!cue || el.tabIndex < 0)
      silent.push(`${name(el)}: ${Math.round(c.right - r.right)} px out of sight`
                  + (cue ? '' : ', no sign that it scrolls') + (el.tabIndex < 0 ? ', no keyboard focus' : '')
                  + `: "${el.textContent.trim().slice(0, 40)}"`);
  }
  const inert = (el) => { const modal = document.querySelector('dialog[open]');
      return modal && !modal.contains(el); };
  const searches = [...document.querySelectorAll('form.bd-search, .search-button-field, .search-button, input[type=search]')]
      .filter(el => shown(el) && !inert(el) && !el.parentElement.closest('form.bd-search, .search-button-field, .search-button'))
      // An off-canvas drawer sits beside the screen; a box the sidebar has scrolled up (to show a later
      // chapter's link) is still one scroll away, so only the sideways position counts.
      .filter(el => { const r = el.getBoundingClientRect(); return r.right > 0 && r.left < vw; })
      .map(name);
  const small = document.createElement('small');
  small.textContent = 'x';
  (document.querySelector('article') || document.body).appendChild(small);
  const smallPx = parseFloat(getComputedStyle(small).fontSize);
  small.remove();
  const figures = [...document.querySelectorAll('article img')].filter(shown).map(img => {
    const s = getComputedStyle(img);
    const link = img.closest('a[href]');
    return {src: img.src, natural: img.naturalWidth, shown: img.clientWidth - parseFloat(s.paddingLeft)
            - parseFloat(s.paddingRight), link: link ? link.href : null};
  });
  // Where the screen wraps a printed line, it must not break a printed array ("[-6.  3.5  2.]") or a row
  // of a table, whose columns must line up: a line that shares a column with the line above or below
  // (a gap of 2+ spaces ending at the same place). Such a cell is tagged scroll-output instead.
  const wrapped = [];
  for (const pre of document.querySelectorAll('.cell_output pre')) {
    if (!shown(pre) || getComputedStyle(pre).whiteSpace === 'pre') continue;
    const walk = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
    const lines = [{text: '', chars: []}];  // per printed line: its text and [text node, offset] per character
    for (let t = walk.nextNode(); t; t = walk.nextNode())
      for (let i = 0; i < t.textContent.length; i++) {
        if (t.textContent[i] === '\\n') { lines.push({text: '', chars: []}); continue; }
        lines[lines.length - 1].text += t.textContent[i];
        lines[lines.length - 1].chars.push([t, i]);
      }
    const columns = lines.map(l => new Set([...l.text.matchAll(/\\S( {2,})(?=\\S)/g)].map(m => m.index + 1 + m[1].length)));
    lines.forEach((line, k) => {
      const breaks = [];  // where a new screen row starts
      let top = null;
      line.chars.forEach(([t, i], at) => {
        if (/\\s/.test(line.text[at])) return;
        const range = document.createRange(); range.setStart(t, i); range.setEnd(t, i + 1);
        const r = range.getBoundingClientRect();
        if (top !== null && r.top > top + 2) breaks.push(at);
        top = r.top;
      });
      if (!breaks.length) return;
      const depth = (b) => [...line.text.slice(0, b)].reduce((d, c) => d + (c === '[') - (c === ']'), 0);
      const table = [k - 1, k + 1].some(j => lines[j] && [...columns[k]].some(c => columns[j].has(c)));
      if (table || breaks.some(b => depth(b) > 0))
        wrapped.push(`"${line.text}" is broken ${table ? 'as a table row' : 'inside an array'}`);
    });
  }
  // No word broken across lines where text wraps (outputs, table cells, widgets' text such as tqdm's
  // progress bars), unless the word alone is wider than its box.
  const brokenWords = [];
  for (const el of document.querySelectorAll('article .cell_output pre, article td, article .widget-html-content')) {
    if (!shown(el)) continue;
    const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let t = walk.nextNode(); t; t = walk.nextNode()) {
      for (const m of t.textContent.matchAll(/[^\\s\\u2007\\u200b]{2,}/g)) {
        const range = document.createRange(); range.setStart(t, m.index); range.setEnd(t, m.index + m[0].length);
        const rows = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
        if (rows.size < 2 || range.getBoundingClientRect().width >= el.clientWidth) continue;
        // Where does the next row start? A break between two letters or digits splits a word, and one
        // inside "->" an arrow; after a hyphen, "=" or "," the line may break, as in prose.
        let top = null;
        for (let i = 0; i < m[0].length; i++) {
          const r = document.createRange(); r.setStart(t, m.index + i); r.setEnd(t, m.index + i + 1);
          const y = r.getBoundingClientRect().top;
          const pair = m[0].slice(i - 1, i + 1);
          if (top !== null && y > top + 2 && (/^\\w\\w$/.test(pair) || pair === '->'))
            brokenWords.push(`"${m[0]}" broken as "${m[0].slice(0, i)}|${m[0].slice(i)}" in ${name(el)}`);
          top = y;
        }
      }
    }
  }
  // Inline math and the punctuation after it share a line: a line never starts with a formula's comma.
  const orphans = [];
  for (const math of document.querySelectorAll('article mjx-container:not([display="true"])')) {
    if (!shown(math)) continue;
    const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    walk.currentNode = math.querySelector('mjx-assistive-mml') || math;
    let t = walk.nextNode();
    while (t && math.contains(t)) t = walk.nextNode();
    if (!t || !/^[.,;:!?)]/.test(t.textContent)) continue;
    const range = document.createRange(); range.setStart(t, 0); range.setEnd(t, 1);
    const p = range.getBoundingClientRect(), m = math.getBoundingClientRect();
    if (p.top >= m.bottom - 1 || p.left < m.left)
      orphans.push(`"${t.textContent.slice(0, 20)}" after "${math.textContent.slice(0, 30)}" starts a line`);
  }
  return {vw, scrollWidth: document.documentElement.scrollWidth, wide, clipped, silent, scrolls, wrapped, orphans, brokenWords,
          searches, smallPx, figures};
}"""
LAYOUT_JS = LAYOUT_JS.replace("__SCROLLS__", json.dumps(", ".join(SCROLLS.values())))


def test_pages_were_found():
    # every chapter of the table of contents was built into a page
    chapters = sorted(f"notebooks/{p.stem}.html" for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert "intro.html" in PAGES and [p for p in PAGES if p.startswith("notebooks/")] == chapters, PAGES


def _png_dpi(url, site_url):
    path = SITE / urlparse(url).path.lstrip("/")
    dpi = Image.open(path).info.get("dpi")
    assert dpi, f"{path.name} does not say its resolution (pHYs)"
    return dpi[0]


def _small_figures(layout, site_url):
    """Figures whose smallest text is drawn below the small print size, with no full-size link that fixes it."""
    bad = []
    for fig in layout["figures"]:
        px_per_pt = _png_dpi(fig["src"], site_url) / 72  # image pixels per point of figure text
        shown_px = MIN_FONT_PT * px_per_pt * fig["shown"] / fig["natural"]
        full_px = MIN_FONT_PT * px_per_pt
        if shown_px >= layout["smallPx"] - 0.05:
            continue
        if fig["link"] == fig["src"] and full_px >= layout["smallPx"] - 0.05:
            continue
        bad.append(f"{fig['src'].rsplit('/', 1)[-1][:12]}: text {shown_px:.1f} px on screen "
                   f"({full_px:.1f} px full size, link {fig['link']}); small print is {layout['smallPx']} px")
    return bad


def wait_for_widgets(page, page_path):
    """Wait until every widget saved in the page has rendered (axe must see them)."""
    expected = (SITE / page_path).read_text(encoding="utf-8").count(WIDGET_VIEW)
    if expected:
        page.wait_for_function(
            f"() => [...document.querySelectorAll('.widget-subarea')].filter(w => w.innerText.trim()).length >= {expected}",
            timeout=20000)
    return expected


def _check_cells(page_path):
    """How many cells of the chapter's notebook are tagged "check" (each shows one result)."""
    nb = json.loads((ROOT / page_path).with_suffix(".ipynb").read_text(encoding="utf-8"))
    return sum("check" in c.get("metadata", {}).get("tags", []) for c in nb["cells"])


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("page_path", PAGES)
def test_page(page_path, view, site_url, browser):
    viewport, scheme = VIEWS[view]
    recorder = PageRecorder(browser, scheme=scheme, **viewport)
    try:
        _check_page(recorder, page_path, view, site_url)
    finally:
        recorder.context.close()


def _check_page(recorder, page_path, view, site_url):
    url = f"{site_url}/{page_path}"
    page = recorder.open(url)
    wait_for_widgets(page, page_path)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{page_path.replace('/', '__').replace('.html', '')}__{view}.jpg"),
                    full_page=True, type="jpeg", quality=80)  # JPEG: a 1280 px chapter encodes 2x faster
    found = page.evaluate(CHECKS_JS)
    layout = page.evaluate(LAYOUT_JS)

    recorder.assert_clean()
    assert found["theme"] == ("dark" if "dark" in view else "light"), f"opened {view}, got the {found['theme']} theme"
    assert not found["untypeset"], f"math not typeset: {found['untypeset']}"
    assert not found["broken"], f"broken images: {found['broken']}"
    assert not found["noAlt"], f"images without alt text: {found['noAlt']}"
    assert not found["errorOutputs"] and not found["traceback"], f"error output: {found['errorOutputs']}"
    if page_path.startswith("notebooks/"):
        assert found["mathCount"] > 0, "a chapter with no typeset math: MathJax did not run"

    # Internal links: the target exists and so does the anchor.
    dead = []
    for link in sorted(set(found["links"])):
        target, fragment = urldefrag(urljoin(url, link))
        if urlparse(target).netloc != urlparse(site_url).netloc:
            continue
        path = SITE / urlparse(target).path.lstrip("/")
        if path.is_dir():
            path = path / "index.html"
        if not path.exists():
            dead.append(link)
        elif fragment and path.suffix == ".html" and f'id="{fragment}"' not in path.read_text(encoding="utf-8"):
            dead.append(link)
    assert not dead, f"dead internal links: {dead}"

    # The screen: nothing sideways, nothing cut off, figures legible, one search box.
    assert layout["scrollWidth"] <= layout["vw"], f"the page scrolls sideways: {layout['scrollWidth']} px"
    assert not layout["wide"], "wider than the screen, outside any scroll container:\n" + "\n".join(layout["wide"])
    assert not layout["clipped"], "content cut off:\n" + "\n".join(layout["clipped"])
    assert not layout["silent"], "scrolls sideways without showing it:\n" + "\n".join(layout["silent"])
    assert not layout["scrolls"], "scrolls sideways, and is none of SCROLLS:\n" + "\n".join(layout["scrolls"])
    assert not layout["wrapped"], ("the screen breaks a printed array or table row (tag the cell scroll-output, "
                                   "or print it narrower):\n" + "\n".join(layout["wrapped"]))
    assert not layout["orphans"], "punctuation after inline math starts a line:\n" + "\n".join(layout["orphans"])
    assert not layout["brokenWords"], "a word broken across lines:\n" + "\n".join(layout["brokenWords"][:20])
    assert not _small_figures(layout, site_url), "\n".join(_small_figures(layout, site_url))
    assert len(layout["searches"]) == 1, f"visible search boxes: {layout['searches']}"
    if page_path.startswith("notebooks/") and "phone" in view:
        outputs = page.evaluate(CHECK_OUTPUTS_JS)
        assert len(outputs) == _check_cells(page_path), f"check outputs found: {outputs}"
        wide = [f"{o['text']!r}: {'; '.join(o['wide'])}" for o in outputs if o["wide"]]
        assert not wide, "a check's result is wider than its box (read by scrolling sideways):\n" + "\n".join(wide)

    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [f"{v['id']} ({v['impact']}): {v['help']} - {[n['target'] for n in v['nodes']][:3]}"
           for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, "axe-core violations:\n" + "\n".join(bad)
    recorder.assert_clean()  # nothing went wrong while the checks ran either


def test_the_theme_toggle_stores_what_the_dark_toggle_view_sets(site_url, browser):
    """The "phone-dark" view presets what the theme's colour-mode button stores: check the button."""
    from conftest import SCHEMES

    rec = PageRecorder(browser, scheme="light", **PHONE)
    page = rec.open(f"{site_url}/intro.html")
    assert page.evaluate("document.documentElement.dataset.theme") == "light"
    page.locator("button.theme-switch-button:visible").first.click()
    stored = page.evaluate("() => ({mode: localStorage.getItem('mode'), theme: localStorage.getItem('theme')})")
    assert stored == SCHEMES["dark-toggle"]["stored"]
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    rec.assert_clean()
    rec.context.close()


@pytest.mark.parametrize("toggle, opens", [("primary", "1. One window at a time"), ("secondary", "Contents")])
def test_phone_menus_open(site_url, browser, toggle, opens):
    """At 390 px the header's two menu buttons open the book's navigation and the page's contents."""
    rec = PageRecorder(browser, **PHONE)
    page = rec.open(f"{site_url}/notebooks/02_shapes.html")
    page.locator(f"button.{toggle}-toggle:visible").click()
    dialog = page.locator(f"dialog#pst-{toggle}-sidebar-modal")
    dialog.wait_for(state="visible", timeout=5000)
    assert dialog.get_by_text(opens, exact=False).first.is_visible()
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden", timeout=5000)
    rec.assert_clean()
    rec.context.close()

"""Every page of the built book, opened in Chromium with no network but 127.0.0.1.

Fails on: a request to another host, an HTTP error, an uncaught page error,
math left untypeset, a broken image or one without alt text, a traceback or
error output, a dead internal link or anchor, and serious or critical axe-core
violations. Saves a screenshot of every page in artifacts/screenshots/.
"""
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import pytest

from conftest import ARTIFACTS, ROOT, SITE

PAGES = sorted(
    p.relative_to(SITE).as_posix()
    for p in SITE.rglob("*.html")
    if not p.relative_to(SITE).as_posix().startswith(("_static", "_sources", "_images", "jupyter_execute"))
) if SITE.exists() else []
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

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
          links, mathCount: document.querySelectorAll('mjx-container').length};
}"""


def test_pages_were_found():
    assert "intro.html" in PAGES and len([p for p in PAGES if p.startswith("notebooks/")]) == 5, PAGES


@pytest.mark.parametrize("page_path", PAGES)
def test_page(page_path, site_url, recorder):
    url = f"{site_url}/{page_path}"
    page = recorder.open(url)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / (page_path.replace("/", "__").replace(".html", ".png"))), full_page=True)
    found = page.evaluate(CHECKS_JS)

    assert not recorder.blocked, f"requests to other hosts: {recorder.blocked}"
    assert not recorder.http_errors, f"HTTP errors: {recorder.http_errors}"
    assert not recorder.real_page_errors(), f"page errors: {recorder.real_page_errors()}"
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

    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [f"{v['id']} ({v['impact']}): {v['help']} - {[n['target'] for n in v['nodes']][:3]}"
           for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, "axe-core violations:\n" + "\n".join(bad)

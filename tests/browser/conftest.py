"""A local server for the built book and a Chromium that may talk to nothing else."""
import functools
import http.server
import json
import os
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "book" / "_build" / "html"
ARTIFACTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

# How a reader sees the book. "dark" is the browser's (prefers-color-scheme) dark, with the theme left on
# "auto"; "dark-toggle" is a light browser whose reader picked dark with the theme's own colour-mode
# button, which stores exactly this (test_book_pages.py checks that the button does).
SCHEMES = {
    "light": {"color_scheme": "light", "stored": {}},
    "dark": {"color_scheme": "dark", "stored": {}},
    "dark-toggle": {"color_scheme": "light", "stored": {"mode": "dark", "theme": "dark"}},
}
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def site_url():
    if not (SITE / "intro.html").exists():
        pytest.fail(f"no built book in {SITE}: run `make book` first")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(SITE)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (make test does)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield b
        b.close()


class PageRecorder:
    """Opens pages with every non-local request blocked, and keeps every error a page reports.

    Errors are uncaught exceptions in the page (``page_errors``) and console messages of type
    error (``console_errors``: failed resource loads, ``console.error`` calls). None is harmless:
    tests assert that ``errors()`` is empty.
    """

    def __init__(self, browser, width=1280, height=900, scheme="light"):
        self.scheme = scheme
        self.context = browser.new_context(viewport={"width": width, "height": height},
                                           color_scheme=SCHEMES[scheme]["color_scheme"])
        stored = SCHEMES[scheme]["stored"]
        if stored:
            self.context.add_init_script(
                "".join(f"localStorage.setItem({json.dumps(k)}, {json.dumps(v)});" for k, v in stored.items()))
        self.blocked, self.http_errors, self.page_errors, self.console_errors = [], [], [], []
        self.context.route("**/*", self._route)

    def _route(self, route):
        host = urlparse(route.request.url).hostname
        if host in ("127.0.0.1", None) or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def open(self, url):
        page = self.context.new_page()
        page.on("pageerror", lambda exc: self.page_errors.append(f"{url}: {exc}"))
        page.on("console", lambda msg: msg.type == "error" and self.console_errors.append(
            f"{url}: console.error: {msg.text} ({msg.location.get('url', '')})"))
        page.on("response", lambda r: r.status >= 400 and self.http_errors.append(f"{r.status} {r.url}"))
        page.goto(url, wait_until="networkidle")
        page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")
        return page

    def errors(self):
        """Every page error and console error so far."""
        return self.page_errors + self.console_errors

    def real_page_errors(self):
        """Every uncaught page error (kept for the live JupyterLab tests; nothing is filtered out)."""
        return list(self.page_errors)

    def assert_clean(self):
        assert not self.blocked, f"requests to other hosts: {self.blocked}"
        assert not self.http_errors, f"HTTP errors: {self.http_errors}"
        assert not self.errors(), "page or console errors:\n" + "\n".join(self.errors())


@pytest.fixture
def recorder(browser):
    rec = PageRecorder(browser)
    yield rec
    rec.context.close()

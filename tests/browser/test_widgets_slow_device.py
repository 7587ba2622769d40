"""Slow devices: every page of the static book that has widgets, loaded with the CPU throttled.

anywidget gives a widget 2 s from the moment its model is made to load and start its module, then
rejects it ("[anywidget] Failed to initialize model."); a slow phone or a busy laptop took longer when
the widgets started while MathJax typeset the page. book/_assets/widgets-setup.js now starts them once
the page is quiet. This test finds its pages by reading the built site.
"""
import pytest
from conftest import ARTIFACTS, SITE, PageRecorder

VIEW = 'script[type="application/vnd.jupyter.widget-view+json"]'
THROTTLE = 6  # Chromium's CPU throttling rate: a low-end phone, as DevTools' presets have it
# A widget is drawn when its area holds what it draws: a stepper's card, or the parts of an ipywidgets
# widget (a box's children, a control's button or input; the manager puts an empty .lm-Widget there
# first); the page notes the time it first is, and widgets-setup.js the time the widgets started.
DRAWN = ":is(.ck-stepper, .lm-Widget .lm-Widget, .lm-Widget button, .lm-Widget input)"
MARK_DRAWN = """new MutationObserver(() => {
  document.querySelectorAll('.widget-subarea').forEach((el) => {
    if (!el.dataset.drawn && el.querySelector('%s')) el.dataset.drawn = String(Math.round(performance.now()));
  });
}).observe(document, {subtree: true, childList: true});""" % DRAWN


def pages_with_widgets():
    """Every built page that holds a widget view, found by reading the site (never a hand-kept list)."""
    if not SITE.exists():
        return []
    return sorted(str(p.relative_to(SITE)) for p in SITE.rglob("*.html")
                  if "application/vnd.jupyter.widget-view+json" in p.read_text(errors="replace"))


@pytest.mark.parametrize("path", pages_with_widgets())
def test_widgets_start_on_a_slow_device(site_url, browser, path):
    """Loaded on a CPU throttled 6x, every widget of the page draws, with no page or console error
    (anywidget rejects a widget whose module is not running 2 s after its model was made:
    "[anywidget] Failed to initialize model."). The times go to artifacts/widget_start_times.txt."""
    rec = PageRecorder(browser)
    try:
        page = rec.context.new_page()
        page.on("pageerror", lambda exc: rec.page_errors.append(f"{path}: {exc}"))
        page.on("console", lambda msg: msg.type == "error" and rec.console_errors.append(
            f"{path}: console.error: {msg.text}"))
        page.add_init_script(MARK_DRAWN)
        rec.context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": THROTTLE})
        page.goto(f"{site_url}/{path}", wait_until="load", timeout=180_000)
        views = page.locator(VIEW).count()
        page.wait_for_function(f"document.querySelectorAll('.widget-subarea[data-drawn]').length >= {views}",
                               timeout=120_000)
        page.wait_for_timeout(2500)  # past anywidget's 2 s: a late rejection would be logged by now
        started = page.evaluate("window.__widgetsStarted")
        drawn = page.eval_on_selector_all(".widget-subarea[data-drawn]", "els => els.map(e => +e.dataset.drawn)")
        rec.assert_clean()
        ARTIFACTS.parent.mkdir(parents=True, exist_ok=True)
        with open(ARTIFACTS.parent / "widget_start_times.txt", "a") as f:
            f.write(f"{path}: CPU /{THROTTLE}, {views} widget(s), drawn {[round(d - started) for d in drawn]} ms "
                    f"after the widgets started\n")
    finally:
        rec.context.close()

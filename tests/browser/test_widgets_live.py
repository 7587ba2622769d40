"""The widgets in JupyterLab with a running kernel (the live side of the same front end)."""
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import ARTIFACTS, ROOT

TOKEN = "convkit-test"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    # Serve a copy: JupyterLab writes checkpoints (and autosaves) next to the notebooks it opens.
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    # User settings of its own: no "get notified about Jupyter news?" toast over the widgets.
    settings = tmp_path_factory.mktemp("settings")
    (settings / "@jupyterlab" / "apputils-extension").mkdir(parents=True)
    (settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false"}')
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={root}", "--ServerApp.open_browser=False",
         "--LabApp.news_url=", "--LabServerApp.announcements_url=", "--ServerApp.disable_check_xsrf=True",
         f"--ServerApp.runtime_dir={tmp_path_factory.mktemp('rt')}"],
        env={**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(settings)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=1)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("JupyterLab did not start")
    yield url
    proc.terminate()
    proc.wait(timeout=20)


def _run_all(recorder, lab, notebook):
    # A workspace of its own, reset: otherwise JupyterLab reopens the notebooks of earlier tests too.
    page = recorder.open(f"{lab}/lab/workspaces/{notebook}/tree/notebooks/{notebook}.ipynb?reset&token={TOKEN}")
    page.wait_for_selector(".jp-Notebook", timeout=60000)
    page.wait_for_function("() => document.querySelector('.jp-Notebook-ExecutionIndicator') !== null",
                           timeout=60000)
    page.locator(".jp-Notebook").click()
    page.get_by_role("menuitem", name="Run").click()
    page.locator("li[data-command='runmenu:run-all']").click()
    return page


def _mark_widget(page, has, text):
    """Wait for the stepper holding ``has`` whose sum line contains ``text``, and tag it.

    JupyterLab 4 virtualizes cells that are off screen, which defeats layout-based
    locators: find the widget by its text and drive it with the events its own
    handlers listen to. (The output area is re-rendered while cells execute.)
    """
    find = (f"[...document.querySelectorAll('.ck-stepper')].find(w => w.querySelector({has!r}) "
            f"&& w.querySelector('.ck-sum').textContent.includes({text!r}))")
    page.wait_for_function(f"() => {find} !== undefined", timeout=90000)
    page.evaluate(f"() => {{ const w = {find}; w.scrollIntoView(); w.setAttribute('data-live-test', '1'); }}")


SUM = "() => document.querySelector('[data-live-test] .ck-sum').textContent"


def test_window_stepper_live_in_jupyterlab(lab, recorder):
    page = _run_all(recorder, lab, "01_one_window")
    _mark_widget(page, ".ck-out", "= 37")
    page.evaluate("() => document.querySelector('[data-live-test] .ck-next').click()")
    page.wait_for_function(f"() => ({SUM})().endsWith('= 47')", timeout=10000)
    page.evaluate("""() => { const s = document.querySelector('[data-live-test] .ck-padding');
                             s.value = '1'; s.dispatchEvent(new Event('change')); }""")
    page.wait_for_function("() => document.querySelectorAll('[data-live-test] table.ck-out tr').length === 4",
                           timeout=10000)
    assert page.evaluate(SUM).endswith("= 4")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator("[data-live-test]").screenshot(path=str(ARTIFACTS / "live__01_one_window_stepper.png"))
    assert not recorder.real_page_errors(), recorder.real_page_errors()


@pytest.mark.parametrize("notebook, has, first, after_next", [
    ("03_sparse_matrix", ".ck-m", "y*[0] = row 0 of W* · x* = 1·1 + 2·2 + 3·4 + 4·5 = 37", "y*[1] = "),
    ("04_backprop", ".ck-pad", "dL/dx0 = w0·dy0 = 0.5·1 = 0.5", "dL/dx1 = "),
    ("05_im2col", ".ck-cols", "im2col: window 0 becomes column 0", "im2col: window 1 becomes column 1"),
])
def test_other_widgets_live_in_jupyterlab(lab, recorder, notebook, has, first, after_next):
    """Each widget renders from a running kernel and steps, as in the static book."""
    page = _run_all(recorder, lab, notebook)
    _mark_widget(page, has, first)
    page.evaluate("() => document.querySelector('[data-live-test] .ck-next').click()")
    page.wait_for_function(f"() => ({SUM})().startsWith({after_next!r})", timeout=10000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator("[data-live-test]").screenshot(path=str(ARTIFACTS / f"live__{notebook}.png"))
    assert not recorder.real_page_errors(), recorder.real_page_errors()


def test_backprop_stepper_2d_live_in_jupyterlab(lab, recorder):
    """Chapter 7's 2-D stepper from a running kernel: switch to dw, step, switch to db, back to dx."""
    page = _run_all(recorder, lab, "07_backward_2d")
    nbsp = "\u00a0"  # the page keeps index pairs such as [0, 0] on one line
    _mark_widget(page, ".bp-mode", f"dx[0,{nbsp}0] = w[1,{nbsp}1]·dy[0,{nbsp}0] = 5·1 = 5")
    click = "(sel) => document.querySelector('[data-live-test] ' + sel).click()"
    page.evaluate(click, ".bp-mode[data-wrt=w]")
    page.wait_for_function(f"() => ({SUM})().startsWith('dw[0,{nbsp}0] = ')", timeout=10000)
    page.evaluate(click, ".ck-next")
    page.wait_for_function(f"() => ({SUM})().startsWith('dw[0,{nbsp}1] = ')", timeout=10000)
    assert page.evaluate(SUM).endswith("= 5")  # dw[0, 1] of the chapter's example
    page.evaluate(click, ".bp-mode[data-wrt=b]")
    page.wait_for_function(f"() => ({SUM})() === 'db = dy[0,{nbsp}0] = 1 = 1'", timeout=10000)
    page.evaluate(click, ".bp-mode[data-wrt=x]")
    page.wait_for_function(f"() => ({SUM})().startsWith('dx[0,{nbsp}0] = ')", timeout=10000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator("[data-live-test]").screenshot(path=str(ARTIFACTS / "live__07_backward_2d.png"))
    assert not recorder.real_page_errors(), recorder.real_page_errors()

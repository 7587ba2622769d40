"""The widgets in JupyterLab with a running kernel (the live side of the same front end)."""
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
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={ROOT}", "--ServerApp.open_browser=False",
         "--LabApp.news_url=", "--LabServerApp.announcements_url=", "--ServerApp.disable_check_xsrf=True",
         f"--ServerApp.runtime_dir={tmp_path_factory.mktemp('rt')}"],
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


def test_window_stepper_live_in_jupyterlab(lab, recorder):
    page = recorder.open(f"{lab}/lab/tree/notebooks/01_one_window.ipynb?token={TOKEN}")
    page.wait_for_selector(".jp-Notebook", timeout=60000)
    page.wait_for_function("() => document.querySelector('.jp-Notebook-ExecutionIndicator') !== null",
                           timeout=60000)
    page.locator(".jp-Notebook").click()
    page.get_by_role("menuitem", name="Run").click()
    page.locator("li[data-command='runmenu:run-all']").click()
    # Wait for the widget the run creates (the output area is re-rendered while cells execute).
    page.wait_for_function(
        "() => [...document.querySelectorAll('.ck-stepper .ck-sum')].some(e => e.textContent.endsWith('= 37'))",
        timeout=90000)
    # JupyterLab 4 virtualizes cells that are off screen, which defeats layout-based locators: find the
    # widget by its text and drive it with the events its own handlers listen to.
    find = "[...document.querySelectorAll('.ck-stepper')].find(w => w.querySelector('.ck-sum').textContent.endsWith('= 37'))"
    page.evaluate(f"() => {{ const w = {find}; w.scrollIntoView(); w.setAttribute('data-live-test', '1'); }}")
    sum_text = "() => document.querySelector('[data-live-test] .ck-sum').textContent"
    page.evaluate("() => document.querySelector('[data-live-test] .ck-next').click()")
    page.wait_for_function(f"() => ({sum_text})().endsWith('= 47')", timeout=10000)
    page.evaluate("""() => { const s = document.querySelector('[data-live-test] .ck-padding');
                             s.value = '1'; s.dispatchEvent(new Event('change')); }""")
    page.wait_for_function("() => document.querySelectorAll('[data-live-test] table.ck-out tr').length === 4",
                           timeout=10000)
    assert page.evaluate(sum_text).endswith("= 4")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator("[data-live-test]").screenshot(path=str(ARTIFACTS / "live__01_one_window_stepper.png"))
    assert not recorder.real_page_errors(), recorder.real_page_errors()

"""The widgets in JupyterLab with a running kernel (the live side of the same front end).

Each test opens a chapter in JupyterLab, runs it with Run > Run All Cells, and drives
its widget. Every wait is on an event (live_lab.py says which and why); each step is a
named stage, and a test that fails says where it was stuck, with a screenshot.
"""
import shutil

import nbformat
import pytest

from conftest import ARTIFACTS, ROOT
from live_lab import LabServer, LiveNotebook

SUM = "() => document.querySelector('[data-live-test] .ck-sum').textContent"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    # Serve a copy: JupyterLab writes checkpoints (and autosaves) next to the notebooks it opens.
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    server = LabServer(root, tmp_path_factory.mktemp("lab-server"))
    yield server
    server.stop()


@pytest.fixture
def live(lab, recorder):
    """Opens a notebook in JupyterLab (``live(name)``); shuts its kernel down afterwards."""
    opened = []

    def open_notebook(notebook):
        nb = LiveNotebook(lab, recorder, notebook, ARTIFACTS)
        opened.append(nb)
        return nb

    yield open_notebook
    for nb in opened:
        nb.shutdown_kernel()
        print(f"{nb.notebook}: " + ", ".join(f"{k} {v:.1f} s" for k, v in nb.timings.items()))


def _run(live, notebook, has, first):
    """The notebook opened, its kernel ready, every cell run; its widget found, showing ``first``."""
    nb = live(notebook)
    nb.kernel_ready()
    nb.run_all()
    count = nb.widget(has, first)
    return nb, count


def _no_errors(nb, recorder):
    assert not recorder.page_errors, recorder.page_errors
    assert not nb.console_errors(), nb.console_errors()
    assert not recorder.blocked, f"requests to other hosts: {recorder.blocked}"


def test_window_stepper_live_in_jupyterlab(live, recorder):
    nb, count = _run(live, "01_one_window", ".ck-out", "= 37")
    page = nb.page
    with nb.stage("Next steps to the second window"):
        page.locator("[data-live-test] .ck-next").click()
        page.wait_for_function(f"() => ({SUM})().endsWith('= 47')")
        assert nb.kernel_value(count, "step") == "1"
    with nb.stage("padding 1 gives a 4x4 output"):
        page.locator("[data-live-test] .ck-padding").select_option("1")
        page.wait_for_function("() => document.querySelectorAll('[data-live-test] table.ck-out tr').length === 4")
        assert page.evaluate(SUM).endswith("= 4")
        assert nb.kernel_value(count, "padding") == "1"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator("[data-live-test]").screenshot(path=str(ARTIFACTS / "live__01_one_window_stepper.png"))
    _no_errors(nb, recorder)


@pytest.mark.parametrize("notebook, has, first, after_next", [
    ("03_sparse_matrix", ".ck-m", "y*[0] = row 0 of W* · x* = 1·1 + 2·2 + 3·4 + 4·5 = 37", "y*[1] = "),
    ("04_backprop", ".ck-pad", "dL/dx0 = w0·dy0 = 0.5·1 = 0.5", "dL/dx1 = "),
    ("05_im2col", ".ck-cols", "im2col: window 0 becomes column 0", "im2col: window 1 becomes column 1"),
    ("08_dilation_transposed", ".tc-y", "Stamp 1: y[0,\u00a00]·w added with its corner at (0·2, 0·2) = (0, 0)",
     "Stamp 2: y[0,\u00a01]·w"),
])
def test_other_widgets_live_in_jupyterlab(live, recorder, notebook, has, first, after_next):
    """Each widget renders from a running kernel and steps, as in the static book."""
    nb, count = _run(live, notebook, has, first)
    page = nb.page
    with nb.stage("Next steps to the second position"):
        page.locator("[data-live-test] .ck-next").click()
        page.wait_for_function(f"() => ({SUM})().startsWith({after_next!r})")
        assert nb.kernel_value(count, "step") == "1"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator("[data-live-test]").screenshot(path=str(ARTIFACTS / f"live__{notebook}.png"))
    _no_errors(nb, recorder)


def test_receptive_field_explorer_live_in_jupyterlab(live, recorder):
    """Chapter 8's receptive-field explorer from a running kernel: an edited layer reaches the kernel's widget."""
    nb, count = _run(live, "08_dilation_transposed", ".rf-strip", "Output 1 reads the input at cells 2 to 14")
    page = nb.page
    with nb.stage("D3 = 4 opens holes in the field"):
        page.locator("[data-live-test] .rf-layer:has-text('Layer 3') .rf-d").select_option("4")
        page.wait_for_function(f"() => ({SUM})().includes('holes')")
        assert nb.kernel_value(count, "layers") == "[[3, 1, 1], [3, 2, 1], [3, 1, 4]]"
    with nb.stage("Down a layer wraps round to the output alone"):
        page.locator("[data-live-test] .ck-next").click()
        page.wait_for_function(f"() => ({SUM})().startsWith('Output 1 of layer 3')")
        assert nb.kernel_value(count, "step") == "0"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator("[data-live-test]").screenshot(path=str(ARTIFACTS / "live__08_receptive_field.png"))
    _no_errors(nb, recorder)


def test_channel_stepper_live_in_jupyterlab(live, recorder):
    """Chapter 6's channel stepper renders from a running kernel; Next and the filter menu step it."""
    nb, count = _run(live, "06_channels", ".ck-xc", "= 1 + 2 + 3 = 6")
    page = nb.page
    with nb.stage("Next steps to the second output"):
        page.locator("[data-live-test] .ck-next").click()
        page.wait_for_function(f"() => ({SUM})().startsWith('y[0, 0, 1]') && ({SUM})().endsWith('= 7')")
        assert nb.kernel_value(count, "step") == "1"
    with nb.stage("the filter menu switches to filter 1"):
        page.locator("[data-live-test] .ck-filter").select_option("1")
        page.wait_for_function(
            f"() => ({SUM})() === 'y[1, 0, 1] = b[1] + channel 0 + channel 1 = -2 + 8 + 3 = 9'")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator("[data-live-test]").screenshot(path=str(ARTIFACTS / "live__06_channels.png"))
    _no_errors(nb, recorder)


def test_backprop_stepper_2d_live_in_jupyterlab(live, recorder):
    """Chapter 7's 2-D stepper from a running kernel: switch to dw, step, switch to db, back to dx."""
    nbsp = "\u00a0"  # the page keeps index pairs such as [0, 0] on one line
    nb, count = _run(live, "07_backward_2d", ".bp-mode", f"dx[0,{nbsp}0] = w[1,{nbsp}1]·dy[0,{nbsp}0] = 5·1 = 5")
    page = nb.page
    with nb.stage("dw, then Next"):
        page.locator("[data-live-test] .bp-mode[data-wrt=w]").click()
        page.wait_for_function(f"() => ({SUM})().startsWith('dw[0,{nbsp}0] = ')")
        page.locator("[data-live-test] .ck-next").click()
        page.wait_for_function(f"() => ({SUM})().startsWith('dw[0,{nbsp}1] = ')")
        assert page.evaluate(SUM).endswith("= 5")  # dw[0, 1] of the chapter's example
    with nb.stage("db, then back to dx"):
        page.locator("[data-live-test] .bp-mode[data-wrt=b]").click()
        page.wait_for_function(f"() => ({SUM})() === 'db = dy[0,{nbsp}0] = 1 = 1'")
        page.locator("[data-live-test] .bp-mode[data-wrt=x]").click()
        page.wait_for_function(f"() => ({SUM})().startsWith('dx[0,{nbsp}0] = ')")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator("[data-live-test]").screenshot(path=str(ARTIFACTS / "live__07_backward_2d.png"))
    _no_errors(nb, recorder)


# Each check cell's outputs, in the live notebook: whether they came from the running kernel (trusted: the
# notebook's stored outputs are not, and JupyterLab sanitizes those), the rendered check result (its HTML
# form), the mark's computed colours, and every box in it wider than it shows (scrollWidth > clientWidth).
LIVE_CHECKS = """path => window.__ckLive.panel(path).content.widgets
  .filter(c => c.model.type === 'code' && c.model.sharedModel.getSource().includes('checks.check_'))
  .map(c => { const out = c.outputArea.node, msg = out.querySelector('.convkit-message');
    const mark = msg && msg.querySelector('span'), s = mark && getComputedStyle(mark);
    return {text: (msg || out).textContent.replace(/\\s+/g, ' ').trim(), html: !!msg,
            live: !!out.querySelector('.jp-OutputArea-output.jp-mod-trusted'),
            mark: s ? [s.backgroundColor, s.color] : null,
            wide: [out, ...out.querySelectorAll('*')].filter(el => el.scrollWidth > el.clientWidth)
                  .map(el => `${el.className || el.tagName}: ${el.scrollWidth} px in ${el.clientWidth} px`)}; })"""


def test_check_results_wrap_live_in_jupyterlab(lab, browser):
    """Chapter 7's checks (its longest result, 94 characters) run in JupyterLab on a 390 px phone: in
    the Light and the Dark theme each shows its HTML form, with its mark's own colours, and no result is
    wider than its box. (JupyterLab wraps plain-text output too, in monospace: on main's plain results
    only the HTML assertions fail.) One run of the notebook, then each theme in turn."""
    from conftest import PHONE, PageRecorder

    rec = PageRecorder(browser, **PHONE)
    nb = LiveNotebook(lab, rec, "07_backward_2d", ARTIFACTS)
    try:
        nb.kernel_ready()
        with nb.stage("file browser closed, as a reader on a phone would"):
            nb.page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
            nb.page.wait_for_function("() => window.jupyterapp.shell.leftCollapsed")
        nb.run_all()
        with nb.stage("check results rendered"):
            nb.page.wait_for_function(f"p => ({LIVE_CHECKS})(p).every(c => c.live && c.text)", arg=nb.path)
        for theme in ("JupyterLab Light", "JupyterLab Dark"):
            with nb.stage(f"theme {theme}"):
                nb.page.evaluate(f"() => window.jupyterapp.commands.execute('apputils:change-theme', "
                                 f"{{theme: {theme!r}}})")
                # JupyterLab sets both once the theme's CSS has loaded.
                nb.page.wait_for_function("([t, light]) => document.body.dataset.jpThemeName === t"
                                          " && document.body.dataset.jpThemeLight === light",
                                          arg=[theme, "true" if "Light" in theme else "false"])
                results = nb.page.evaluate(LIVE_CHECKS, nb.path)
            wide = [r for r in results if r["wide"]]
            assert not wide, f"{theme}: check results wider than their box at 390 px: {wide}"
            assert len(results) == 3 and all(r["html"] and r["text"].startswith("✓ correct (") for r in results), results
            assert {tuple(r["mark"]) for r in results} == {("rgb(26, 127, 55)", "rgb(255, 255, 255)")}, theme
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            last = nb.page.locator(".jp-OutputArea-output:has(.convkit-message)").last
            last.scroll_into_view_if_needed()
            last.screenshot(path=str(ARTIFACTS / f"live__check__{theme.split()[-1].lower()}.png"))
        _no_errors(nb, rec)
    finally:  # the theme is a setting of the module's JupyterLab: back to its default for later tests
        nb.page.evaluate("() => window.jupyterapp.commands.execute('apputils:change-theme', "
                         "{theme: 'JupyterLab Light'})")
        nb.shutdown_kernel()
        rec.context.close()


def test_digit_playground_live_in_jupyterlab(lab, live, recorder):
    """Chapter 9's DigitPlayground from a running kernel: a picked digit and a drawn cell reach the kernel's
    widget (its ``image``), and the page's answer is convkit's for that image in the kernel.

    The widget is made in a notebook of its own with the chapter's network untrained (the page's answer
    is the network's either way): Run All on the whole chapter trains for seconds, and JupyterLab 4's cell
    toolbar throws a TypeError of its own while it renders that long notebook."""
    from live_lab import saved_model_ids

    cells = ["import numpy as np\nfrom convkit.data import load_digits\nfrom convkit.train import make_net\n"
             "from convkit.playground import DigitPlayground",
             "data = load_digits()\nnet = make_net(0)  # the chapter's network, untrained",
             "DigitPlayground(net, data.x_test[:20], data.labels_test[:20])"]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, lab.root / "notebooks" / "playground_live.ipynb")
    nb = live("playground_live")
    nb.kernel_ready()
    nb.run_all()
    page = nb.page
    find = """p => { for (const cell of window.__ckLive.panel(p).content.widgets) {
        const root = cell.outputArea && cell.outputArea.node.querySelector('.ck-playground');
        if (cell.model.type !== 'code' || !root || !root.querySelector('.ck-layer canvas')) continue;
        const outputs = [...Array(cell.model.outputs.length).keys()].map(i => cell.model.outputs.get(i));
        const view = outputs.map(o => o.data['application/vnd.jupyter.widget-view+json']).find(v => v);
        if (!view) continue;
        root.scrollIntoView(); root.setAttribute('data-live-test', '1');
        return {modelId: view.model_id, count: cell.model.executionCount};
      } return null; }"""
    with nb.stage("playground rendered from the kernel's widget"):
        page.wait_for_function(f"p => ({find})(p) !== null", arg=nb.path)
        found = page.evaluate(find, nb.path)
        assert found["modelId"] not in saved_model_ids(nb.server.root / nb.path)
        count = found["count"]
        assert nb.kernel_value(count, "model_id") == repr(found["modelId"])
    w = page.locator("[data-live-test]")
    answer = "() => document.querySelector('[data-live-test] .ck-pred').textContent"
    # kernel_value reads Out[count].<expression>: "layers and ..." reaches past the widget to the net
    kernel_answer = f"layers and int(net.forward(np.array(Out[{count}].image)[None, None]).argmax())"
    with nb.stage("a picked test digit reaches the kernel"):
        w.locator(".ck-pick").select_option("5")
        page.wait_for_function(f"() => ({answer})().includes('label is')")
        assert nb.kernel_value(count, f"image == Out[{count}].samples[5]") == "True"
        assert f"reads a {nb.kernel_value(count, kernel_answer)} " in page.evaluate(answer).replace("an ", "a ")
    with nb.stage("Clear, then Space on the grid paints a cell in the kernel's image"):
        w.locator(".ck-clear").click()
        w.locator(".ck-draw").focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("Space")
        page.wait_for_function(f"() => !({answer})().includes('label is')")
        # (JSON from the page: 0 and 1 arrive as ints, equal to the floats)
        assert nb.kernel_value(count, f"image == [[0, Out[{count}].ink] + [0] * 6] + [[0] * 8] * 7") == "True"
        assert f"reads a {nb.kernel_value(count, kernel_answer)} " in page.evaluate(answer).replace("an ", "a ")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    w.screenshot(path=str(ARTIFACTS / "live__09_cnn_playground.png"))
    assert not recorder.page_errors, recorder.page_errors
    assert not nb.console_errors(), nb.console_errors()
    assert not recorder.blocked, f"requests to other hosts: {recorder.blocked}"

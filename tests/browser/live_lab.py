"""JupyterLab with a real kernel, driven the way a reader does, for test_widgets_live.py.

Every wait is on an event that JupyterLab, its kernel or the widget reports, never on
a clock: the app restored, the notebook's session holding a kernel that is connected
and idle (in the page and in the server's REST API alike), the kernel's reply to every
cell of "Run All", the widget's view in that cell's output. On a busy machine these
only come later. ``UPPER_BOUND`` caps each stage so that a hang still ends; a test that
reaches it fails naming the stage it was stuck at, with a screenshot and what the page,
the kernel and the server said (``artifacts/screenshots/live__<notebook>__stuck.*``).

Why the waits are these (observed with two busy loops on 2 cores, 2026-11-27): the
page could be "network idle" and show the notebook while its session was still being
created ("No Kernel | Initializing"); a "Run All" clicked then is dropped by
JupyterLab (it clears every prompt and runs nothing, so the widget never appears),
and the first page load alone could outlast Playwright's default 30 s.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

#: Seconds any one stage may take before the test gives up: only a hang should reach it (on
#: 2 cores with two busy loops running, the slowest stage, the first page load, took about 20 s).
UPPER_BOUND = 300
TOKEN = "convkit-test"

# In the page: the notebook's panel, its kernel, and a record of the kernel's messages.
# `window.jupyterapp` is JupyterLab's application object (`--LabApp.expose_app_in_browser`).
PAGE_HELPERS = """
window.__ckLive = {
  settled: {},
  // Keep a promise's outcome where a bounded wait can see it (page.evaluate would wait forever).
  settle(key, promise) {
    delete this.settled[key];
    Promise.resolve(promise).then(value => { this.settled[key] = { value }; },
                                  error => { this.settled[key] = { error: String(error) }; });
  },
  panel(path) {
    return [...window.jupyterapp.shell.widgets('main')].find(w => w.context && w.context.path === path);
  },
  kernel(path) {
    const p = this.panel(path);
    return p && p.sessionContext.session ? p.sessionContext.session.kernel : null;
  },
  // Start recording the execute requests sent to the kernel and the kernel's replies to them.
  record(path) {
    const kernel = this.kernel(path);
    const rec = { sent: new Set(), replies: [], errors: [] };
    kernel.anyMessage.connect((_, { msg, direction }) => {
      const type = msg.header.msg_type, parent = msg.parent_header && msg.parent_header.msg_id;
      if (direction === 'send' && type === 'execute_request' && !msg.content.silent) rec.sent.add(msg.header.msg_id);
      if (direction === 'recv' && rec.sent.has(parent)) {
        if (type === 'execute_reply') rec.replies.push(msg.content.status);
        if (type === 'error') rec.errors.push(`${msg.content.ename}: ${msg.content.evalue}`);
      }
    });
    this.rec = rec;
  },
  // What a failure report needs: the page's own view of the notebook and its kernel.
  state(path) {
    const p = window.jupyterapp && this.panel(path);
    const k = p && this.kernel(path);
    const prompts = p ? p.content.widgets.filter(c => c.model.type === 'code')
      .map(c => c.model.executionCount === null ? (c.model.executionState === 'running' ? '*' : '_')
                                                 : String(c.model.executionCount)).join(' ') : null;
    return JSON.stringify({
      app: !!window.jupyterapp, panel: !!p, current: !!p && window.jupyterapp.shell.currentWidget === p,
      kernel: k ? { id: k.id, status: k.status, connection: k.connectionStatus } : null,
      kernelDisplay: p ? p.sessionContext.kernelDisplayStatus : null, prompts,
      run: this.rec ? { sent: this.rec.sent.size, replies: this.rec.replies, errors: this.rec.errors } : null,
      dialogs: [...document.querySelectorAll('.jp-Dialog')].map(d => d.textContent.slice(0, 200)),
      steppers: [...document.querySelectorAll('.ck-stepper .ck-sum')].map(s => s.textContent.slice(0, 80)),
    });
  },
};
"""


class LabServer:
    """A JupyterLab server of its own: its own settings, workspaces and runtime files, and a log."""

    def __init__(self, root: Path, scratch: Path):
        self.root = root
        settings = scratch / "settings" / "@jupyterlab" / "apputils-extension"
        settings.mkdir(parents=True)
        # No "get notified about Jupyter news?" toast over the widgets.
        (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.log = scratch / "jupyterlab.log"
        with self.log.open("w") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1",
                 f"--port={port}", f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={root}",
                 "--ServerApp.open_browser=False", "--LabApp.news_url=",
                 # never asks PyPI for a newer JupyterLab (no network, no toast over the widgets)
                 "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
                 "--ServerApp.disable_check_xsrf=True", "--LabApp.expose_app_in_browser=True",
                 f"--LabApp.workspaces_dir={scratch / 'workspaces'}"],
                env={**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(scratch / "settings"),
                     "JUPYTER_RUNTIME_DIR": str(scratch / "runtime")},
                stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + UPPER_BOUND
        while not self._answers():  # until the server answers, or dies
            if self.proc.poll() is not None:
                pytest.fail(f"JupyterLab exited with {self.proc.returncode} before answering:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"JupyterLab did not answer within {UPPER_BOUND} s:\n{self.log_tail()}")
            time.sleep(0.2)

    def _answers(self):
        try:
            self.api("GET", "status")
            return True
        except OSError:
            return False

    def api(self, method, path):
        request = urllib.request.Request(f"{self.url}/api/{path}", method=method,
                                         headers={"Authorization": f"token {TOKEN}"})
        with urllib.request.urlopen(request, timeout=60) as response:
            body = response.read()
        return json.loads(body) if body else None

    def session(self, path):
        """The server's session for the notebook at ``path`` (with its kernel's state), or None."""
        return next((s for s in self.api("GET", "sessions") if s["path"] == path), None)

    def log_tail(self, lines=40):
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class LiveNotebook:
    """One notebook opened in JupyterLab and run top to bottom; each step a named stage."""

    def __init__(self, server: LabServer, recorder, notebook: str, artifacts: Path):
        self.server, self.notebook, self.artifacts = server, notebook, artifacts
        self.path = f"notebooks/{notebook}.ipynb"
        self.timings: dict[str, float] = {}
        self.console: list[str] = []
        self.page, self.context = None, recorder.context
        # Upper bounds, not waits: Playwright's 30 s defaults were reached on a busy machine.
        self.context.set_default_timeout(UPPER_BOUND * 1000)
        self.context.set_default_navigation_timeout(UPPER_BOUND * 1000)
        self.context.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        with self.stage("JupyterLab loaded and restored"):
            # A workspace of its own, reset: otherwise JupyterLab reopens the notebooks of earlier tests too.
            self.page = recorder.open(f"{server.url}/lab/workspaces/{notebook}/tree/{self.path}?reset&token={TOKEN}")
            self._wait("() => window.jupyterapp !== undefined")
            self.page.evaluate(PAGE_HELPERS)
            self._await("() => window.jupyterapp.restored")

    # -- waiting ----------------------------------------------------------------------------

    @contextmanager
    def stage(self, name):
        """Run a step; if anything in it fails, fail the test saying which step, with evidence."""
        start, report = time.monotonic(), None
        try:
            yield
        except Exception as exc:  # Playwright timeouts, assertion errors, REST errors alike
            report = self._report(name, time.monotonic() - start, exc)
        if report:
            pytest.fail(report, pytrace=False)
        self.timings[name] = time.monotonic() - start

    def _wait(self, predicate, arg=None):
        """Wait until ``predicate`` (a JavaScript function of ``arg``) is true in the page."""
        self.page.wait_for_function(predicate, arg=arg, polling=200)

    def _await(self, promise, arg=None):
        """The value of a promise made in the page by ``promise`` (a JavaScript function of ``arg``)."""
        key = f"k{time.monotonic_ns()}"
        self.page.evaluate(f"([key, arg]) => window.__ckLive.settle(key, ({promise})(arg))", [key, arg])
        self._wait("key => key in window.__ckLive.settled", key)
        outcome = self.page.evaluate("key => window.__ckLive.settled[key]", key)
        if "error" in outcome:
            raise RuntimeError(outcome["error"])
        return outcome.get("value")

    def _until(self, check, what):
        """Wait (in Python) until ``check()`` is true."""
        deadline = time.monotonic() + UPPER_BOUND
        while not check():
            if time.monotonic() > deadline:
                raise TimeoutError(f"not within {UPPER_BOUND} s: {what}")
            time.sleep(0.2)

    # -- the reader's steps -----------------------------------------------------------------

    def kernel_ready(self):
        """The notebook's own session has a kernel, connected and idle, as the page and the server see it."""
        with self.stage("notebook open, its session ready"):
            self._wait("p => { const w = window.__ckLive.panel(p); return !!w && w.context.isReady "
                       "&& w.sessionContext.isReady; }", self.path)
        with self.stage("kernel connected and idle (in the page)"):
            self._wait("p => { const k = window.__ckLive.kernel(p); "
                       "return !!k && k.connectionStatus === 'connected' && k.status === 'idle'; }", self.path)
        with self.stage("kernel connected and idle (server's /api/sessions)"):
            kernel = self.page.evaluate("p => window.__ckLive.kernel(p).id", self.path)

            def ready():
                k = (self.server.session(self.path) or {}).get("kernel") or {}
                return k.get("id") == kernel and k.get("execution_state") == "idle" and k.get("connections", 0) >= 1
            self._until(ready, f"the server's session for {self.path}: kernel {kernel} idle, connected")

    def run_all(self):
        """Run > Run All Cells from the menu bar, then wait for the kernel's reply to every code cell."""
        with self.stage("Run All clicked"):
            self._wait("p => window.jupyterapp.shell.currentWidget === window.__ckLive.panel(p) "
                       "&& window.jupyterapp.commands.isEnabled('runmenu:run-all')", self.path)
            self.page.evaluate("p => window.__ckLive.record(p)", self.path)
            self.page.get_by_role("menuitem", name="Run").click()
            self.page.locator("li[data-command='runmenu:run-all']").click()
        with self.stage("every code cell sent to the kernel"):
            # Run All sends one request per code cell that has code, all at once (none if it was dropped).
            self._wait("p => window.__ckLive.rec.sent.size === window.__ckLive.panel(p).content.widgets"
                       ".filter(c => c.model.type === 'code' && c.model.sharedModel.getSource().trim()).length",
                       self.path)
        with self.stage("kernel replied to every cell"):
            self._wait("() => window.__ckLive.rec.replies.length === window.__ckLive.rec.sent.size")
            run = self.page.evaluate("() => ({replies: window.__ckLive.rec.replies, errors: window.__ckLive.rec.errors})")
            assert set(run["replies"]) == {"ok"}, f"cells failed: {run}"

    def widget(self, has, text):
        """Find the widget view holding ``has`` whose sum line contains ``text``, and tag its root
        ``[data-live-test]``. It must show the running kernel's model: the model id in its cell's
        output is the kernel's own widget object's (``Out[n]``), not one saved in the notebook.

        Returns the execution count of its cell (``Out[count]`` is the widget in the kernel).
        """
        find = """([path, has, text]) => {
          for (const cell of window.__ckLive.panel(path).content.widgets) {
            if (cell.model.type !== 'code') continue;
            const outputs = [...Array(cell.model.outputs.length).keys()].map(i => cell.model.outputs.get(i));
            const view = outputs.map(o => o.data['application/vnd.jupyter.widget-view+json']).find(v => v);
            const root = cell.outputArea.node.querySelector('.ck-stepper');
            if (view && root && root.querySelector(has) && root.querySelector('.ck-sum').textContent.includes(text))
              return {modelId: view.model_id, count: cell.model.executionCount, root};
          }
          return null;
        }"""
        with self.stage(f"widget view rendered ({has}, {text!r})"):
            self._wait(f"args => ({find})(args) !== null", [self.path, has, text])
            found = self.page.evaluate(f"""args => {{ const f = ({find})(args);
                f.root.scrollIntoView(); f.root.setAttribute('data-live-test', '1');
                return {{modelId: f.modelId, count: f.count}}; }}""", [self.path, has, text])
        with self.stage("the view's model is the kernel's widget"):
            assert found["modelId"] not in saved_model_ids(self.server.root / self.path), \
                f"the view shows the model saved in the notebook ({found['modelId']}), not a new one"
            assert self.kernel_value(found["count"], "model_id") == repr(found["modelId"])
        return found["count"]

    def console_errors(self):
        """Console messages of type error the pages logged so far."""
        return [m for m in self.console if m.startswith("error: ")]

    def kernel_value(self, count, attribute):
        """``Out[count].<attribute>`` in the kernel (its text/plain repr): the Python widget behind a view.

        Asked silently (no output, no execution count). The shell channel keeps order: every change
        the widget's view sent before this request has reached the kernel when it answers.
        """
        expression = f"Out[{int(count)}].{attribute}"
        reply = self._await("""([path, expression]) => window.__ckLive.kernel(path).requestExecute(
            {code: '', silent: true, store_history: false, user_expressions: {v: expression}})
            .done.then(reply => reply.content.user_expressions.v)""", [self.path, expression])
        assert reply.get("status") == "ok", f"{expression} in the kernel: {reply}"
        return reply["data"]["text/plain"]

    def shutdown_kernel(self):
        """Shut the notebook's kernel down through the server, so the next test has the CPU to itself."""
        session = self.server.session(self.path)
        if session:
            self.server.api("DELETE", f"sessions/{session['id']}")

    # -- failure report ---------------------------------------------------------------------

    def _report(self, name, seconds, exc):
        self.artifacts.mkdir(parents=True, exist_ok=True)
        stem = self.artifacts / f"live__{self.notebook}__stuck"
        done = ", ".join(f"{k} {v:.1f} s" for k, v in self.timings.items()) or "none"
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        how = "stuck at" if type(exc).__name__ == "TimeoutError" else "failed at"
        lines = [f"{self.notebook}: {how} stage '{name}' after {seconds:.0f} s (stages done: {done})",
                 f"error: {type(exc).__name__}: {first_line}"]
        page = self.page or (self.context.pages[-1] if self.context.pages else None)  # still loading?
        if page is not None:
            try:
                page.screenshot(path=f"{stem}.png")
                lines.append(f"screenshot: {stem}.png")
                lines.append("page: " + page.evaluate(
                    "p => window.__ckLive ? window.__ckLive.state(p) : 'JupyterLab not loaded'", self.path))
            except Exception as e:  # the report must not hide the failure it reports
                lines.append(f"(no screenshot or page state: {e})")
        try:
            lines.append("server /api/sessions: " + json.dumps(self.server.api("GET", "sessions")))
        except Exception as e:
            lines.append(f"(server did not answer /api/sessions: {e})")
        lines += ["console (last 30):", *self.console[-30:], "JupyterLab server log (tail):", self.server.log_tail()]
        report = "\n".join(lines)
        stem.with_suffix(".txt").write_text(report + "\n")
        return report + f"\n(report: {stem}.txt)"


def saved_model_ids(notebook: Path):
    """Model ids of the widget views saved in a notebook file's outputs."""
    cells = json.loads(notebook.read_text())["cells"]
    return {o["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]
            for c in cells for o in c.get("outputs", [])
            if "application/vnd.jupyter.widget-view+json" in o.get("data", {})}

// Runs after require.js and before the widget manager (embed-amd.js) on pages with widgets.
(() => {
  const here = document.currentScript.src;
  const base = here.slice(0, here.lastIndexOf("/") + 1); // .../_static/
  // The widget manager's own fonts and styles, from this site.
  window.__jupyter_widgets_assets_path__ = `${base}vendor/html-manager/dist/`;
  // Third-party widget modules: found here, so the manager never falls back to its CDN. Parts of
  // the manager resolve their fonts against the folder of the URL require.js gives their module
  // name: "@jupyter-widgets/html-manager" itself must therefore map to a file in dist/, where the
  // fonts are (mapped to vendor/html-manager, its styles named fonts in vendor/, which has none).
  window.requirejs.config({
    paths: {
      anywidget: `${base}vendor/anywidget/dist/index`,
      "@jupyter-widgets/html-manager/dist": `${base}vendor/html-manager/dist`,
      "@jupyter-widgets/html-manager": `${base}vendor/html-manager/dist/index`,
    },
  });

  // @jupyter-widgets/base typesets with the MathJax 2 API (MathJax.Hub.Queue); the book loads
  // MathJax 3. Translate, once MathJax 3 is there.
  const shim = () => {
    if (window.MathJax && window.MathJax.typesetPromise && !window.MathJax.Hub) {
      window.MathJax.Hub = {
        Queue: (...jobs) => jobs.forEach((job) => {
          const el = Array.isArray(job) ? job[2] : null;
          if (el) window.MathJax.typesetPromise([el]);
        }),
      };
    }
  };

  // Start the widgets only once the page is quiet. anywidget gives each widget 2 s from the moment
  // its model is made to load and start its module ("[anywidget] Failed to initialize model."
  // after that). The widget manager makes the models on the window's load event, just when MathJax
  // typesets the page: on a slow phone (or a CPU throttled 6x) typesetting holds the main thread
  // for seconds and a widget could miss its 2 s. So the saved widget state is hidden from the
  // manager until MathJax has typeset the page and the browser reports idle time, then rendered.
  const STATE = "application/vnd.jupyter.widget-state+json";
  const HELD = "application/x-held-widget-state+json";
  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll(`script[type="${STATE}"]`).forEach((s) => { s.type = HELD; });
  });
  const typeset = () => new Promise((resolve) => {
    // MathJax loads deferred: wait for its startup, then for its first typesetting. A page with no
    // math has no MathJax script; one whose MathJax failed to load is not held for more than 10 s.
    if (!document.querySelector('script[src*="mathjax"]')) { resolve(); return; }
    const started = Date.now();
    const poll = () => {
      const promise = window.MathJax && window.MathJax.startup && window.MathJax.startup.promise;
      if (promise) promise.then(resolve, resolve);
      else if (Date.now() - started > 10000) resolve();
      else setTimeout(poll, 50);
    };
    poll();
  });
  const idle = () => new Promise((resolve) => {
    if (window.requestIdleCallback) window.requestIdleCallback(resolve, { timeout: 3000 });
    else setTimeout(resolve, 0);
  });
  const start = async () => {
    shim();
    await typeset();
    shim();
    await idle();
    const held = [...document.querySelectorAll(`script[type="${HELD}"]`)];
    held.forEach((s) => { s.type = STATE; });
    // anywidget's module loads with the manager's, not after the manager has made the other models:
    // its widgets (anywidget's 2 s count from their model) then start sooner on a slow device.
    const modules = ["@jupyter-widgets/html-manager/dist/libembed-amd"];
    if (held.some((s) => s.textContent.includes('"model_module":"anywidget"') ||
                         s.textContent.includes('"model_module": "anywidget"'))) modules.push("anywidget");
    window.require(modules, (embed) => {
      window.__widgetsStarted = performance.now();
      embed.renderWidgets();
    });
  };
  window.addEventListener("load", () => { start(); });
})();

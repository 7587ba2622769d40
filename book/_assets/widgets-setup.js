// Runs after require.js and before the widget manager (embed-amd.js) on pages with widgets.
(() => {
  const here = document.currentScript.src;
  const base = here.slice(0, here.lastIndexOf("/") + 1); // .../_static/
  // The widget manager's own fonts and styles, from this site.
  window.__jupyter_widgets_assets_path__ = `${base}vendor/html-manager/dist/`;
  // Third-party widget modules: found here, so the manager never falls back to its CDN. The
  // manager resolves its own fonts through require.js too, relative to its module name.
  window.requirejs.config({
    paths: {
      anywidget: `${base}vendor/anywidget/dist/index`,
      "@jupyter-widgets/html-manager": `${base}vendor/html-manager`,
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
  window.addEventListener("load", shim);
})();

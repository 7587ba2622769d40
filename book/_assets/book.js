// Small accessibility fixes to the theme, loaded on every page.
(() => {
  // Icons inside a labelled button or link are decoration: the label names the control.
  // Font Awesome turns <i> into <svg role="img"><title>Light</title>... after load; screen
  // readers and axe (label-content-name-mismatch) then read the titles as visible text.
  const quietIcons = (root) => {
    root.querySelectorAll("button[aria-label] svg, a[aria-label] svg").forEach((svg) => {
      svg.setAttribute("aria-hidden", "true");
      svg.removeAttribute("role");
      svg.removeAttribute("aria-labelledby");
      svg.querySelectorAll("title").forEach((t) => t.remove());
    });
    // A label that does not contain the visible text: put the text first.
    root.querySelectorAll("button[aria-label], a[aria-label]").forEach((el) => {
      const text = el.textContent.trim().replace(/\s+/g, " ");
      const label = el.getAttribute("aria-label");
      if (text && !label.toLowerCase().includes(text.toLowerCase())) {
        el.setAttribute("aria-label", `${text} (${label})`);
      }
    });
  };
  const start = () => {
    quietIcons(document);
    new MutationObserver(() => quietIcons(document)).observe(document.body, { childList: true, subtree: true });
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

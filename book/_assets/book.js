// Small fixes to the theme, loaded on every page.
document.addEventListener("DOMContentLoaded", () => {
  // The theme's icon buttons have an aria-label that differs from their visible text
  // (axe: label-content-name-mismatch). Make the accessible name start with the visible text.
  document.querySelectorAll("button[aria-label], a[aria-label]").forEach((el) => {
    const text = el.textContent.trim().replace(/\s+/g, " ");
    const label = el.getAttribute("aria-label");
    if (text && !label.toLowerCase().includes(text.toLowerCase())) {
      el.setAttribute("aria-label", `${text} (${label})`);
    }
  });
});

// The book's own fixes to the theme, loaded on every page.
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

  // The theme renders each sidebar button twice (page header and article header) and wires up only
  // the first, which is hidden: on a phone the menu button did nothing
  // (pydata/pydata-sphinx-theme#2451). The visible copies press the wired one.
  const wireSidebarButtons = () => {
    for (const kind of ["primary", "secondary"]) {
      const [wired, ...copies] = document.querySelectorAll(`button.${kind}-toggle`);
      copies.forEach((button) => button.addEventListener("click", (event) => {
        event.preventDefault();
        event.stopPropagation();
        wired.click();
      }));
    }
  };

  // A box that scrolls sideways says so under it, while it is wider than the screen.
  const hintWhenWider = (box, text) => {
    const hint = document.createElement("p");
    hint.className = "ck-scroll-hint";
    hint.textContent = text;
    hint.hidden = true;
    box.after(hint);
    new ResizeObserver(() => { hint.hidden = box.scrollWidth <= box.clientWidth + 1; }).observe(box);
  };

  // Each figure opens full size with a tap, and scrolls sideways rather than shrink its text below
  // legible.
  const figures = () => {
    document.querySelectorAll(".cell_output img").forEach((img) => {
      if (img.closest("a")) return;
      const link = document.createElement("a");
      link.className = "ck-figure";
      link.href = img.getAttribute("src");
      link.title = "Open the figure full size";
      img.replaceWith(link);
      link.appendChild(img);
      hintWhenWider(link, "Wider than the screen: swipe the figure sideways, or tap it to open it full size.");
    });
  };

  // A table wider than its box stacks (book.css, table.ck-stack): one block per row, each cell headed by
  // its column's name. A table that fits stays a table.
  const stackWideTables = () => {
    document.querySelectorAll(".bd-content .pst-scrollable-table-container").forEach((box) => {
      const table = box.querySelector("table");
      if (!table) return;
      const names = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
      table.querySelectorAll("tbody tr").forEach((tr) => [...tr.children].forEach((td, i) => {
        if (names[i]) td.dataset.label = names[i];
      }));
      const fit = () => {
        table.classList.remove("ck-stack");
        if (box.scrollWidth > box.clientWidth + 1) table.classList.add("ck-stack");
      };
      new ResizeObserver(fit).observe(box);
    });
  };

  // Inline math and the characters glued to it ("$x$," "($W^*$)") stay on one line: Chromium may break
  // a line between a formula and the comma after it.
  const keepMathWithPunctuation = () => {
    document.querySelectorAll(".bd-content span.math").forEach((math) => {
      const before = math.previousSibling, after = math.nextSibling;
      const head = before && before.nodeType === Node.TEXT_NODE ? before.textContent.match(/\S+$/) : null;
      const tail = after && after.nodeType === Node.TEXT_NODE ? after.textContent.match(/^\S+/) : null;
      if (!head && !tail) return;
      const box = document.createElement("span");
      box.className = "ck-nowrap";
      math.before(box);
      if (head) {
        before.textContent = before.textContent.slice(0, -head[0].length);
        box.append(head[0]);
      }
      box.append(math);
      if (tail) {
        after.textContent = after.textContent.slice(tail[0].length);
        box.append(tail[0]);
      }
    });
  };

  // docutils marks bibliography entries with the deprecated DPUB role doc-biblioentry inside a
  // role="list": screen readers and axe (aria-required-children, critical) then see a list with no
  // items. They are list items.
  const bibliography = () => {
    document.querySelectorAll('[role="list"] > [role="doc-biblioentry"]').forEach((entry) => {
      entry.setAttribute("role", "listitem");
    });
  };

  // A printed array ("[-6.   3.5  2. ]") that fits on a line is never broken across two, nor an arrow
  // "->": where a text output wraps on a narrow screen (book.css), it wraps before them, not inside.
  const keepArraysWhole = () => {
    document.querySelectorAll(".bd-content .cell_output pre").forEach((pre) => {
      const walk = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
      const texts = [];
      for (let t = walk.nextNode(); t; t = walk.nextNode()) texts.push(t);
      texts.forEach((t) => {
        const text = t.textContent, runs = [];  // [start, end) of each outermost [...] within one line
        let depth = 0, start = 0;
        for (let i = 0; i < text.length; i++) {
          if (text[i] === "\n") depth = 0;
          else if (text[i] === "[" && depth++ === 0) start = i;
          else if (text[i] === "]" && depth > 0 && --depth === 0) runs.push([start, i + 1]);
          else if (depth === 0 && text.startsWith("->", i)) runs.push([i, i + 2]);  // an arrow stays whole
        }
        if (!runs.length) return;
        const parts = document.createDocumentFragment();
        let at = 0;
        for (const [a, b] of runs) {
          parts.append(text.slice(at, a));
          const box = document.createElement("span");
          box.className = "ck-nowrap";
          box.textContent = text.slice(a, b);
          parts.append(box);
          at = b;
        }
        parts.append(text.slice(at));
        t.replaceWith(parts);
      });
    });
  };

  // tqdm's progress bars join their text with no-break figure spaces (U+2007) to keep its padding in
  // HTML; on a phone the line then had to break inside a word. A zero-width space after each lets it
  // break between words instead.
  const breakableBarText = (root) => {
    root.querySelectorAll(".widget-html-content").forEach((el) => {
      const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (let t = walk.nextNode(); t; t = walk.nextNode()) {
        if (t.textContent.includes("\u2007") && !t.textContent.includes("\u200b"))
          t.textContent = t.textContent.replace(/\u2007+/g, "$&\u200b");
      }
    });
  };

  const start = () => {
    bibliography();
    quietIcons(document);
    breakableBarText(document);
    new MutationObserver(() => { quietIcons(document); breakableBarText(document); })
      .observe(document.body, { childList: true, subtree: true, characterData: true });
    wireSidebarButtons();
    figures();
    stackWideTables();
    keepMathWithPunctuation();
    keepArraysWhole();
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

// Front ends of convkit's step-through widgets (convkit/widgets.py). All stepping logic
// runs here, in the page, so the widgets work in a live notebook and in the static book
// (no kernel, no network) alike. One module, one renderer per widget kind.

// Every widget is a light card with its own colours, readable on any page: the book's light and
// dark themes (the dark one frames outputs in a light panel) and JupyterLab's dark theme alike.
const STYLE = `
      .ck-stepper { font: 14px/1.4 system-ui, sans-serif; max-width: 100%; overflow-x: auto; box-sizing: border-box;
                    color-scheme: light; color: #1b1b1b; background: #fff; padding: 6px; border-radius: 4px; }
      .ck-stepper .ck-row { display: flex; flex-wrap: wrap; gap: 14px; align-items: flex-start; min-height: 2.2em; }
      .ck-stepper table { border-collapse: collapse; margin-top: 4px; }
      .ck-stepper td { width: 2.1em; min-width: 2.1em; height: 2.1em; text-align: center; border: 1px solid #777;
                       font-variant-numeric: tabular-nums; }
      .ck-stepper td.pad { background: repeating-linear-gradient(45deg, #eee, #eee 4px, #ccc 4px, #ccc 6px); color: #444; }
      .ck-stepper td.win { background: #f5c86a; outline: 3px solid #000; outline-offset: -3px; font-weight: bold; }
      .ck-stepper td.cur { background: #f5c86a; outline: 3px solid #000; outline-offset: -3px; font-weight: bold; }
      .ck-stepper td.ker { background: #bfe3f6; }
      .ck-stepper td.ker.added { background: #e4f3fb; font-style: italic; outline: 2px dashed #0072B2; outline-offset: -4px; }
      .ck-stepper td.ex { box-shadow: inset 0 0 0 6px #0072B2; font-weight: bold; }
      .ck-stepper button, .ck-stepper select, .ck-stepper input { font: inherit; min-height: 2em; }
      .ck-stepper label { display: inline-flex; align-items: center; gap: 0.3em; }
      .ck-stepper :focus-visible { outline: 3px solid #0072B2; outline-offset: 2px; }
      .ck-stepper .ck-sum { min-height: 3em; font-family: ui-monospace, monospace; }
      .ck-stepper .ck-error { color: #000; background: #fff3cd; border-left: 4px solid #D55E00; padding: 4px 8px; }
      .ck-stepper figure { margin: 0; }
      .ck-stepper figcaption { font-weight: bold; color: inherit; }
      .ck-stepper td.hit { background: #f5c86a; outline: 3px solid #000; outline-offset: -3px; font-weight: bold; }
      .ck-stepper td.dim { color: #555; font-style: italic; background: #f4f4f4; }
      .ck-stepper td.nz { background: #bfe3f6; }
      .ck-stepper tr.row-cur td { border-top: 3px dashed #D55E00; border-bottom: 3px dashed #D55E00; }
      .ck-stepper td.new { background: #f5c86a; outline: 3px solid #000; outline-offset: -3px; }
      .ck-stepper .ck-note { margin: 4px 0; }
      .ck-stepper .ck-knote { margin: 4px 0; }
      .ck-stepper .ck-knote:empty { display: none; }
      /* A matrix wider than the card scrolls on its own, with a shadow at the edge that has more. */
      .ck-stepper .ck-scroll { max-width: 100%; overflow-x: auto; padding-bottom: 2px;
        background: linear-gradient(to right, #fff 40%, transparent) left center / 2rem 100% no-repeat local,
          linear-gradient(to left, #fff 40%, transparent) right center / 2rem 100% no-repeat local,
          radial-gradient(farthest-side at 0 50%, rgba(0, 0, 0, 0.35), transparent) left center / 0.9rem 100% no-repeat scroll,
          radial-gradient(farthest-side at 100% 50%, rgba(0, 0, 0, 0.35), transparent) right center / 0.9rem 100% no-repeat scroll,
          #fff; }
`;

// Numbers as every widget prints them: no float noise (0.30000000000000004), and a negative factor or
// term in brackets, so that a product reads 6·(-1), never 6·-1, and a sum + (-1), never + -1.
const fmt = (v) => +Number(v).toFixed(4);
const par = (v) => (fmt(v) < 0 ? `(${fmt(v)})` : String(fmt(v)));

function addStyle(el) {
  const style = document.createElement("style");
  style.textContent = STYLE;
  el.prepend(style);
}

// Fill a <table> with rows of values; cls(i, j) gives each cell's class.
function grid(table, rows, cls = () => "") {
  table.replaceChildren(...rows.map((row, i) => {
    const tr = document.createElement("tr");
    row.forEach((v, j) => {
      const td = document.createElement("td");
      td.textContent = v === null || v === undefined ? "" : String(v);
      const c = cls(i, j);
      if (c) td.className = c;
      tr.appendChild(td);
    });
    return tr;
  }));
}

// Scroll a sideways-scrolling box (never the page) so that `cell` is in sight, e.g. the current column.
function reveal(cell) {
  const box = cell && cell.closest(".ck-scroll");
  if (!box) return;
  const b = box.getBoundingClientRect(), c = cell.getBoundingClientRect();
  if (c.left < b.left || c.right > b.right) box.scrollLeft += c.left + c.width / 2 - (b.left + b.width / 2);
}

// Previous / Next / slider over `count` positions, kept in the model's `step`.
function stepControls(root, model, count, what) {
  const bar = document.createElement("div");
  bar.className = "ck-row";
  bar.setAttribute("role", "group");
  bar.setAttribute("aria-label", `Step through the ${what}s`);
  bar.innerHTML = `<button type="button" class="ck-prev">◀ Previous</button>
    <button type="button" class="ck-next">Next ▶</button>
    <label>${what[0].toUpperCase() + what.slice(1)} <input type="range" class="ck-slider" min="0"
      max="${count - 1}" value="0"></label><span class="ck-pos" aria-hidden="true"></span>`;
  root.appendChild(bar);
  const set = (v) => { model.set("step", ((v % count) + count) % count); model.save_changes(); };
  stepButtons((sel) => bar.querySelector(sel), model, set);
  return (label) => {
    const step = model.get("step");
    bar.querySelector(".ck-slider").value = String(step);
    bar.querySelector(".ck-slider").setAttribute("aria-valuetext", `${what} ${step + 1} of ${count}: ${label}`);
    bar.querySelector(".ck-pos").textContent = `${step + 1} of ${count}`;
  };
}

// Previous / Next / slider (and Play, where the widget has one) wired to `setStep`, which wraps a position into
// range and saves it. The widget draws the controls' state itself. Returns `stop`, which pauses Play.
function stepButtons($, model, setStep) {
  let timer = null;
  const play = $(".ck-play");
  const stop = () => {
    clearInterval(timer);
    timer = null;
    if (!play) return;
    play.textContent = "▶ Play";
    play.setAttribute("aria-pressed", "false");
  };
  $(".ck-prev").addEventListener("click", () => setStep(model.get("step") - 1));
  $(".ck-next").addEventListener("click", () => setStep(model.get("step") + 1));
  $(".ck-slider").addEventListener("input", (e) => setStep(Number(e.target.value)));
  if (play) {
    play.addEventListener("click", () => {
      if (timer) return stop();
      play.textContent = "⏸ Pause";
      play.setAttribute("aria-pressed", "true");
      timer = setInterval(() => setStep(model.get("step") + 1), 900);
    });
  }
  return stop;
}

function shell(el, html) {
  const root = document.createElement("div");
  root.className = "ck-stepper";
  el.appendChild(root);
  addStyle(el);
  root.innerHTML = html;
  return root;
}

// Window stepper: the whole stepping logic runs here, in the page, so it works
// in a live notebook and in the static book (no kernel) alike.
function outSize(n, f, s, p) {
  const span = n - f + 2 * p;
  return { ok: n + 2 * p >= f && span % s === 0, value: span / s + 1, span };
}

function renderWindows({ model, el }) {
  const root = document.createElement("div");
  root.className = "ck-stepper";
  root.innerHTML = `
    <div class="ck-row" role="group" aria-label="Step through the windows">
      <button type="button" class="ck-prev">◀ Previous</button>
      <button type="button" class="ck-play" aria-pressed="false">▶ Play</button>
      <button type="button" class="ck-next">Next ▶</button>
      <label>Window <input type="range" class="ck-slider" min="0" value="0"></label>
      <span class="ck-pos" aria-hidden="true"></span>
    </div>
    <div class="ck-row" role="group" aria-label="Geometry">
      <label>Stride <select class="ck-stride"></select></label>
      <label>Padding <select class="ck-padding"></select></label>
      <label>Kernel height <select class="ck-fh"></select></label>
      <label>Kernel width <select class="ck-fw"></select></label>
    </div>
    <div class="ck-row ck-grids">
      <figure><figcaption class="ck-in-cap">Input</figcaption><table class="ck-in"></table></figure>
      <figure><figcaption>Kernel</figcaption><table class="ck-k"></table></figure>
      <figure><figcaption class="ck-out-cap">Output</figcaption><table class="ck-out"></table></figure>
    </div>
    <p class="ck-knote" aria-live="polite"></p>
    <p class="ck-sum" aria-live="polite"></p>`;
  el.appendChild(root);
  addStyle(el);
  const $ = (sel) => root.querySelector(sel);
  const fill = (select, lo, hi) => {
    for (let v = lo; v <= hi; v++) select.add(new Option(String(v), String(v)));
  };
  const x = model.get("x");
  const k0 = model.get("k");
  const H = x.length, W = x[0].length;
  fill($(".ck-stride"), 1, 3);
  fill($(".ck-padding"), 0, 2);
  fill($(".ck-fh"), 1, Math.min(4, H + 4));
  fill($(".ck-fw"), 1, Math.min(4, W + 4));

  const KH = k0.length, KW = k0[0].length;
  const given = (a, b) => a < KH && b < KW;
  const kernel = () => {
    const fh = model.get("kernel_h"), fw = model.get("kernel_w");
    // The given kernel where it has entries; a new cell holds its place in reading order (1, 2, 3,
    // ...) as a stand-in weight, so every size is defined. kernelNote() says so on screen.
    return Array.from({ length: fh }, (_, a) => Array.from({ length: fw }, (_, b) =>
      (given(a, b) ? k0[a][b] : a * fw + b + 1)));
  };
  // Where the kernel's numbers come from, when it is not the one the widget was given.
  const kernelNote = (fh, fw) => {
    const parts = [];
    if (fh < KH || fw < KW) parts.push(`the given ${KH}×${KW} kernel cut to its top-left ${Math.min(fh, KH)}×${Math.min(fw, KW)}`);
    else if (fh > KH || fw > KW) parts.push(`the given ${KH}×${KW} kernel in the top-left corner`);
    if (fh > KH || fw > KW) {
      parts.push(`each new cell (dashed) holds its place in reading order, 1 to ${fh * fw}: a stand-in `
        + "weight, not part of the given kernel");
    }
    return parts.length ? `Kernel ${fh}×${fw}: ${parts.join("; ")}.` : "";
  };
  const geometry = () => {
    const s = model.get("stride"), p = model.get("padding");
    const k = kernel(), fh = k.length, fw = k[0].length;
    const ho = outSize(H, fh, s, p), wo = outSize(W, fw, s, p);
    return { s, p, k, fh, fw, ho, wo };
  };
  const draw = () => {
    const g = geometry();
    $(".ck-stride").value = String(g.s);
    $(".ck-padding").value = String(g.p);
    $(".ck-fh").value = String(g.fh);
    $(".ck-fw").value = String(g.fw);
    const hp = H + 2 * g.p, wp = W + 2 * g.p;
    const xp = Array.from({ length: hp }, (_, r) => Array.from({ length: wp }, (_, c) => {
      const rr = r - g.p, cc = c - g.p;
      return (rr >= 0 && rr < H && cc >= 0 && cc < W) ? x[rr][cc] : 0;
    }));
    const isPad = (r, c) => r < g.p || r >= hp - g.p || c < g.p || c >= wp - g.p;
    $(".ck-in-cap").textContent = g.p ? `Input, padded to ${hp}×${wp}` : `Input ${H}×${W}`;
    grid($(".ck-k"), g.k, (a, b) => (given(a, b) ? "ker" : "ker added"));
    $(".ck-knote").textContent = kernelNote(g.fh, g.fw);
    const valid = g.ho.ok && g.wo.ok;
    for (const sel of [".ck-prev", ".ck-next", ".ck-play", ".ck-slider"]) $(sel).disabled = !valid;
    if (!valid) {
      grid($(".ck-in"), xp, (r, c) => (isPad(r, c) ? "pad" : ""));
      $(".ck-out").replaceChildren();
      $(".ck-out-cap").textContent = "Output: none";
      const bad = !g.ho.ok ? ["height", H, g.fh, g.ho] : ["width", W, g.fw, g.wo];
      const [dim, n, f, o] = bad;
      $(".ck-sum").innerHTML = "";
      const msg = document.createElement("span");
      msg.className = "ck-error";
      msg.textContent = n + 2 * g.p < f
        ? `Not valid: the ${f}-wide kernel does not fit the ${dim} ${n} + 2·${g.p} = ${n + 2 * g.p}.`
        : `Not valid: output ${dim} (${n} − ${f} + 2·${g.p})/${g.s} + 1 = ${+o.value.toFixed(3)} is not a whole number.`;
      $(".ck-sum").appendChild(msg);
      $(".ck-pos").textContent = "";
      return;
    }
    const ho = g.ho.value, wo = g.wo.value, total = ho * wo;
    const slider = $(".ck-slider");
    slider.max = String(total - 1);
    const step = Math.min(model.get("step"), total - 1);
    slider.value = String(step);
    const i = Math.floor(step / wo), j = step % wo, r0 = i * g.s, c0 = j * g.s;
    const out = Array.from({ length: ho }, (_, a) => Array.from({ length: wo }, (_, b) => {
      let acc = 0;
      for (let u = 0; u < g.fh; u++) for (let v = 0; v < g.fw; v++) acc += g.k[u][v] * xp[a * g.s + u][b * g.s + v];
      return +acc.toFixed(6); // no float noise such as 1.2000000000000002 on screen
    }));
    const shown = out.map((row, a) => row.map((v, b) => (a * wo + b <= step ? v : "")));
    grid($(".ck-in"), xp, (r, c) => {
      const inWin = r >= r0 && r < r0 + g.fh && c >= c0 && c < c0 + g.fw;
      return inWin ? "win" : (isPad(r, c) ? "pad" : "");
    });
    $(".ck-out-cap").textContent = `Output ${ho}×${wo}`;
    grid($(".ck-out"), shown, (a, b) => (a === i && b === j ? "cur" : ""));
    const terms = [];
    for (let u = 0; u < g.fh; u++) for (let v = 0; v < g.fw; v++) terms.push(`${par(xp[r0 + u][c0 + v])}·${par(g.k[u][v])}`);
    $(".ck-sum").textContent = `output[${i}, ${j}] = ${terms.join(" + ")} = ${out[i][j]}`;
    $(".ck-pos").textContent = `${step + 1} of ${total}`;
    slider.setAttribute("aria-valuetext", `window ${step + 1} of ${total}, output row ${i}, column ${j}`);
  };
  const setStep = (v) => {
    const g = geometry();
    if (!(g.ho.ok && g.wo.ok)) return;
    const total = g.ho.value * g.wo.value;
    model.set("step", ((v % total) + total) % total);
    model.save_changes();
  };
  const stop = stepButtons($, model, setStep);
  const geo = (name, sel) => $(sel).addEventListener("change", (e) => {
    stop();
    model.set(name, Number(e.target.value));
    model.set("step", 0);
    model.save_changes();
  });
  geo("stride", ".ck-stride");
  geo("padding", ".ck-padding");
  geo("kernel_h", ".ck-fh");
  geo("kernel_w", ".ck-fw");
  for (const name of ["step", "stride", "padding", "kernel_h", "kernel_w"]) model.on(`change:${name}`, draw);
  draw();
  return () => stop();
}

// W* explorer (Chapter 3): one output at a time, its row of W* and the inputs it touches.
function renderMatrix({ model, el }) {
  const x = model.get("x"), m = model.get("m"), out = model.get("out");
  const H = x.length, W = x[0].length, wo = out[0].length;
  const root = shell(el, "");
  const update = stepControls(root, model, m.length, "output");
  const body = document.createElement("div");
  body.innerHTML = `<div class="ck-row ck-grids">
      <figure><figcaption>Input X (x* in reading order)</figcaption><table class="ck-in"></table></figure>
      <figure><figcaption>Output Y</figcaption><table class="ck-out"></table></figure></div>
    <figure><figcaption>W* (${m.length}×${m[0].length}): one row per output, one column per input</figcaption>
      <div class="ck-scroll" tabindex="0" role="region" aria-label="W*, scrolls sideways when wider than the screen">
        <table class="ck-m"></table></div></figure>
    <p class="ck-sum" aria-live="polite"></p>`;
  root.appendChild(body);
  const $ = (sel) => root.querySelector(sel);
  const draw = () => {
    const r = model.get("step"), row = m[r];
    const i = Math.floor(r / wo), j = r % wo;
    grid($(".ck-in"), x, (a, b) => (row[a * W + b] !== 0 ? "hit" : ""));
    grid($(".ck-out"), out, (a, b) => (a === i && b === j ? "cur" : ""));
    grid($(".ck-m"), m.map((rw) => rw.map((v) => (v === 0 ? "·" : v))),
      (a, b) => (a === r && m[a][b] !== 0 ? "hit" : (m[a][b] !== 0 ? "nz" : "")));
    $(".ck-m").querySelectorAll("tr")[r].classList.add("row-cur");
    reveal($(".ck-m tr.row-cur td.hit"));
    const terms = row.map((v, c) => [v, c]).filter(([v]) => v !== 0)
      .map(([v, c]) => `${par(v)}·${par(x[Math.floor(c / W)][c % W])}`);
    $(".ck-sum").textContent = `y*[${r}] = row ${r} of W* · x* = ${terms.join(" + ")} = ${out[i][j]}`;
    update(`output row ${i}, column ${j}`);
  };
  // Pointing at an output cell or a row of W* selects it too. Only a pointer that really moved counts:
  // redrawing the grid under a resting pointer fires mouse events too, which would undo keyboard steps.
  let lastPointer = "";
  const point = (e, toStep) => {
    const at = `${e.screenX},${e.screenY}`;
    if (at === lastPointer) return;
    lastPointer = at;
    const step = toStep(e.target);
    if (step !== null && step !== model.get("step")) {
      model.set("step", step);
      model.save_changes();
    }
  };
  $(".ck-out").addEventListener("mousemove", (e) => point(e, (t) => {
    const td = t.closest("td");
    return td ? td.parentElement.rowIndex * wo + td.cellIndex : null;
  }));
  $(".ck-m").addEventListener("mousemove", (e) => point(e, (t) => {
    const tr = t.closest("tr");
    return tr ? tr.rowIndex : null;
  }));
  model.on("change:step", draw);
  draw();
}

// Backprop stepper (Chapter 4): dL/dx_t assembled from dout and the flipped w.
function renderBackprop({ model, el }) {
  if (model.get("dims") === 2) return renderBackprop2d({ model, el });
  const x = model.get("x"), w = model.get("w"), dy = model.get("dy"), dx = model.get("dx");
  const F = w.length, n = x.length;
  const root = shell(el, "");
  const update = stepControls(root, model, n, "input");
  const body = document.createElement("div");
  body.innerHTML = `
    <figure><figcaption>Inputs x</figcaption><table class="ck-x"></table></figure>
    <figure><figcaption>Outputs that x<sub>t</sub> feeds (dout = dL/dy)</figcaption><table class="ck-dy"></table></figure>
    <figure><figcaption>dout padded with ${F - 1} zeros at each end, and the flipped w under the window</figcaption>
      <table class="ck-pad"></table></figure>
    <figure><figcaption>dL/dx, assembled so far</figcaption><table class="ck-dx"></table></figure>
    <p class="ck-sum" aria-live="polite"></p>`;
  root.appendChild(body);
  const $ = (sel) => root.querySelector(sel);
  const draw = () => {
    const t = model.get("step");
    const feeds = dy.map((_, i) => t - i >= 0 && t - i < F);
    grid($(".ck-x"), [x.map(fmt)], (_, j) => (j === t ? "cur" : ""));
    grid($(".ck-dy"), [dy.map(fmt)], (_, i) => (feeds[i] ? "hit" : "dim"));
    const padded = [...Array(F - 1).fill(0), ...dy, ...Array(F - 1).fill(0)];
    const flipped = padded.map((_, c) => (c >= t && c < t + F ? `w${F - 1 - (c - t)}` : ""));
    grid($(".ck-pad"), [padded.map(fmt), flipped], (r, c) => (c >= t && c < t + F ? (r === 0 ? "win" : "ker") : ""));
    grid($(".ck-dx"), [dx.map((v, j) => (j <= t ? fmt(v) : ""))], (_, j) => (j === t ? "cur" : ""));
    const terms = dy.map((v, i) => [i, v]).filter(([i]) => feeds[i]);
    const sym = terms.map(([i]) => `w${t - i}·dy${i}`).join(" + ");
    const num = terms.map(([i, v]) => `${par(w[t - i])}·${par(v)}`).join(" + ");
    $(".ck-sum").textContent = `dL/dx${t} = ${sym} = ${num} = ${fmt(dx[t])}`;
    update(`x${t}`);
  };
  model.on("change:step", draw);
  draw();
}

// Backprop stepper in 2-D (Chapter 7): dx, dw or db of one channel at any stride and padding, each entry
// assembled from the chain rule. Zeros that the stride's dilation inserts into dy are ringed in blue; zero padding is
// hatched, as everywhere; the cells a term reads are filled and outlined.
const BACKPROP2D_STYLE = `
      .ck-stepper td.bp-ins { color: #444; font-style: italic; background: #f3f8fc;
                              box-shadow: inset 0 0 0 2px #fff, inset 0 0 0 3px #0072B2; }
      .ck-stepper td.bp-box { outline: 3px solid #000; outline-offset: -3px; }
      .ck-stepper td.bp-gap { box-shadow: inset 0 0 0 2px #fff, inset 0 0 0 3px #0072B2; }
      .ck-stepper .bp-modes button[aria-pressed="true"] { background: #1b1b1b; color: #fff; border: 2px solid #1b1b1b; }
      .ck-stepper .bp-modes button { background: #fff; color: #1b1b1b; border: 2px solid #555; border-radius: 4px; }
      .ck-stepper .bp-key { margin: 4px 0; }
      .ck-stepper figure[hidden] { display: none; }
`;

function renderBackprop2d({ model, el }) {
  const x = model.get("x"), w = model.get("w"), dy = model.get("dy");
  const s = model.get("stride"), p = model.get("padding");
  const H = x.length, W = x[0].length, fh = w.length, fw = w[0].length, ho = dy.length, wo = dy[0].length;
  const hd = (ho - 1) * s + 1, wd = (wo - 1) * s + 1;          // dy dilated by the stride
  const root = shell(el, "");
  const style = document.createElement("style");
  style.textContent = BACKPROP2D_STYLE;
  el.prepend(style);
  root.innerHTML = `
    <div class="ck-row bp-modes" role="group" aria-label="Gradient to assemble">
      <button type="button" class="bp-mode" data-wrt="x">dx (input)</button>
      <button type="button" class="bp-mode" data-wrt="w">dw (weights)</button>
      <button type="button" class="bp-mode" data-wrt="b">db (bias)</button>
    </div>
    <div class="ck-row" role="group" aria-label="Step through the entries">
      <button type="button" class="ck-prev">◀ Previous</button>
      <button type="button" class="ck-next">Next ▶</button>
      <label><span class="bp-what">Entry</span> <input type="range" class="ck-slider" min="0" value="0"></label>
      <span class="ck-pos" aria-hidden="true"></span>
    </div>
    <div class="ck-row ck-grids">
      <figure class="bp-fig-a"><figcaption></figcaption><table class="bp-a"></table></figure>
      <figure class="bp-fig-b"><figcaption></figcaption><table class="bp-b"></table></figure>
      <figure class="bp-fig-c"><figcaption></figcaption><table class="bp-c"></table></figure>
      <figure class="bp-fig-d"><figcaption></figcaption><table class="bp-d"></table></figure>
    </div>
    <p class="bp-key"></p>
    <p class="ck-sum" aria-live="polite"></p>`;
  const $ = (sel) => root.querySelector(sel);
  // One of the four grids: a caption, rows of values, a class for each cell; null hides it.
  const show = (slot, caption, rows, cls) => {
    const fig = $(`.bp-fig-${slot}`);
    fig.hidden = rows === null;
    fig.querySelector("figcaption").textContent = caption || "";
    if (rows === null) fig.querySelector("table").replaceChildren();
    else grid(fig.querySelector("table"), rows, cls);
  };
  const count = { x: H * W, w: fh * fw, b: ho * wo };
  const what = { x: "Input pixel", w: "Kernel offset", b: "Output" };
  const ix = (a, b) => `[${a},\u00a0${b}]`;   // an index pair, never broken across lines
  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
  // Entry (a, b) of dy dilated by the stride and padded with F - 1 zeros: a dy entry, an inserted zero or padding.
  const full = (a, b) => {
    const r = a - (fh - 1), c = b - (fw - 1);
    if (r < 0 || r >= hd || c < 0 || c >= wd) return { kind: "pad", v: 0 };
    if (r % s || c % s) return { kind: "ins", v: 0 };
    return { kind: "dy", v: dy[r / s][c / s], i: r / s, j: c / s };
  };
  const xbar = (r, c) => (r >= p && r < p + H && c >= p && c < p + W ? x[r - p][c - p] : 0);
  const isPadX = (r, c) => r < p || r >= p + H || c < p || c >= p + W;
  const inserted = s > 1 ? `Ringed in blue: the zeros that stride ${s} inserts, ${s - 1} between neighbouring dy entries. ` : "";
  const drawX = (k) => {
    const t = Math.floor(k / W), q = k % W, r0 = t + p, c0 = q + p;   // dx[t, q] is padded dx̄[t + P, q + P]
    const inWin = (a, b) => a >= r0 && a < r0 + fh && b >= c0 && b < c0 + fw;
    const terms = [];
    for (let a = 0; a < fh; a++) for (let b = 0; b < fw; b++) {
      const e = full(r0 + a, c0 + b);
      if (e.kind === "dy") terms.push({ u: fh - 1 - a, v: fw - 1 - b, i: e.i, j: e.j, dy: e.v });
    }
    const used = new Set(terms.map((e) => `${e.i},${e.j}`));
    show("a", `dy (${ho}×${wo}): the outputs that x[${t}, ${q}] feeds`, dy.map((row) => row.map(fmt)),
      (i, j) => (used.has(`${i},${j}`) ? "hit" : "dim"));
    const rows = hd + 2 * (fh - 1), cols = wd + 2 * (fw - 1);
    const cells = Array.from({ length: rows }, (_, a) => Array.from({ length: cols }, (__, b) => full(a, b)));
    show("b", `${s > 1 ? `dy dilated by the stride ${s}, then` : "dy"} padded with `
      + `${fh === fw ? plural(fh - 1, "zero") : `${plural(fh - 1, "row")} and ${plural(fw - 1, "column")} of zeros`} `
      + `(${rows}×${cols}), and the window of dx[${t}, ${q}]`,
      cells.map((row) => row.map((e) => fmt(e.v))), (a, b) => {
        const kind = cells[a][b].kind, base = kind === "dy" ? "" : (kind === "ins" ? "bp-ins" : "pad");
        if (!inWin(a, b)) return base;
        return kind === "dy" ? "win" : `${base} bp-box`;
      });
    show("c", "w rotated by 180°, over the window",
      Array.from({ length: fh }, (_, a) => Array.from({ length: fw }, (__, b) => fmt(w[fh - 1 - a][fw - 1 - b]))),
      (a, b) => (full(r0 + a, c0 + b).kind === "dy" ? "hit" : "ker"));
    const dx = model.get("dx");
    show("d", "dx, assembled so far", dx.map((row, a) => row.map((v, b) => (a * W + b <= k ? fmt(v) : ""))),
      (a, b) => (a === t && b === q ? "cur" : ""));
    $(".bp-key").textContent = `Hatched: padding. ${inserted}Filled and outlined: the dy entries under the window `
      + `and the weights over them, ${plural(terms.length, "term")}.`;
    const value = terms.reduce((acc, e) => acc + w[e.u][e.v] * e.dy, 0);
    $(".ck-sum").textContent = terms.length
      ? `dx${ix(t, q)} = ${terms.map((e) => `w${ix(e.u, e.v)}·dy${ix(e.i, e.j)}`).join(" + ")} = `
        + `${terms.map((e) => `${par(w[e.u][e.v])}·${par(e.dy)}`).join(" + ")} = ${fmt(value)}`
      : `dx${ix(t, q)} = 0: no window reads x${ix(t, q)}`;
    return `dx row ${t}, column ${q}`;
  };
  const drawW = (k) => {
    const u = Math.floor(k / fw), v = k % fw, hp = H + 2 * p, wp = W + 2 * p;
    const read = (r, c) => r >= u && c >= v && (r - u) % s === 0 && (c - v) % s === 0
      && (r - u) / s < ho && (c - v) / s < wo;
    const span = (r, c) => r >= u && r < u + hd && c >= v && c < v + wd;
    show("a", `${p ? `Padded input x̄ (${hp}×${wp})` : `Input x̄ = x (${H}×${W})`}, dy laid on it at (${u}, ${v})`,
      Array.from({ length: hp }, (_, r) => Array.from({ length: wp }, (__, c) => fmt(xbar(r, c)))), (r, c) => {
        if (read(r, c)) return isPadX(r, c) ? "pad bp-box" : "hit";
        return [isPadX(r, c) ? "pad" : "", span(r, c) ? "bp-gap" : ""].filter(Boolean).join(" ");
      });
    const dil = Array.from({ length: hd }, (_, a) => Array.from({ length: wd }, (__, b) =>
      (a % s || b % s ? null : dy[a / s][b / s])));
    show("b", s > 1 ? `dy dilated by the stride ${s} (${hd}×${wd}): the kernel that slides over x̄`
      : `dy (${ho}×${wo}): the kernel that slides over x̄`,
      dil.map((row) => row.map((e) => fmt(e === null ? 0 : e))), (a, b) => (dil[a][b] === null ? "bp-ins" : "ker"));
    show("c", null, null);
    const dw = model.get("dw");
    show("d", "dw, assembled so far", dw.map((row, a) => row.map((val, b) => (a * fw + b <= k ? fmt(val) : ""))),
      (a, b) => (a === u && b === v ? "cur" : ""));
    const at = (n, o) => (s > 1 ? `${s}${n} + ${o}` : `${n} + ${o}`);
    $(".bp-key").textContent = `Filled and outlined: the ${plural(ho * wo, "cell")} x̄[${at("i", u)}, ${at("j", v)}] `
      + `that dw[${u}, ${v}] reads${s > 1 ? `, ${s} apart` : ""}. ${p ? "Hatched: padding, which adds zero. " : ""}`
      + `${s > 1 ? "Ringed in blue: the zeros that the stride inserts into dy, and the cells under them, which add nothing." : ""}`;
    const terms = [];
    for (let i = 0; i < ho; i++) for (let j = 0; j < wo; j++) terms.push([dy[i][j], xbar(i * s + u, j * s + v)]);
    const value = terms.reduce((acc, [a, b]) => acc + a * b, 0);
    $(".ck-sum").textContent = `dw${ix(u, v)} = Σ dy${ix("i", "j")}·x̄${ix(at("i", u), at("j", v))} = `
      + `${terms.map(([a, b]) => `${par(a)}·${par(b)}`).join(" + ")} = ${fmt(value)}`;
    return `dw row ${u}, column ${v}`;
  };
  const drawB = (k) => {
    const i = Math.floor(k / wo), j = k % wo, last = k === ho * wo - 1;
    show("a", `dy (${ho}×${wo}): every output adds its dy to db`, dy.map((row) => row.map(fmt)),
      (a, b) => (a === i && b === j ? "cur" : (a * wo + b < k ? "hit" : "dim")));
    show("b", null, null);
    show("c", null, null);
    const parts = dy.flat().slice(0, k + 1);
    const value = parts.reduce((acc, v) => acc + v, 0);
    show("d", last ? "db" : "db so far", [[fmt(last ? model.get("db") : value)]], () => (last ? "cur" : ""));
    $(".bp-key").textContent = "The bias is added to every output, so its gradient is the sum of all of dy.";
    $(".ck-sum").textContent = `db = ${k ? `dy${ix(0, 0)} + … + dy${ix(i, j)}` : `dy${ix(0, 0)}`} = `
      + `${parts.map(par).join(" + ")} = ${fmt(value)}`;
    return `output row ${i}, column ${j}`;
  };
  const draw = () => {
    const wrt = model.get("wrt"), n = count[wrt];
    const k = Math.min(model.get("step"), n - 1);
    for (const b of root.querySelectorAll(".bp-mode")) b.setAttribute("aria-pressed", String(b.dataset.wrt === wrt));
    const label = { x: drawX, w: drawW, b: drawB }[wrt](k);
    const slider = $(".ck-slider");
    slider.max = String(n - 1);
    slider.value = String(k);
    slider.setAttribute("aria-valuetext", `${what[wrt].toLowerCase()} ${k + 1} of ${n}: ${label}`);
    $(".bp-what").textContent = what[wrt];
    $(".ck-pos").textContent = `${k + 1} of ${n}`;
  };
  const setStep = (v) => {
    const n = count[model.get("wrt")];
    model.set("step", ((v % n) + n) % n);
    model.save_changes();
  };
  stepButtons($, model, setStep);
  for (const b of root.querySelectorAll(".bp-mode")) {
    b.addEventListener("click", () => {
      model.set("wrt", b.dataset.wrt);
      model.set("step", 0);
      model.save_changes();
    });
  }
  model.on("change:step", draw);
  model.on("change:wrt", draw);
  draw();
}

// im2col stepper (Chapter 5): windows become columns; then col2im adds them back.
function renderIm2col({ model, el }) {
  const x = model.get("x"), cols = model.get("cols"), back = model.get("back");
  const fh = model.get("fh"), fw = model.get("fw"), s = model.get("stride"), p = model.get("padding");
  const H = x.length, W = x[0].length, hp = H + 2 * p, wp = W + 2 * p;
  const wo = (wp - fw) / s + 1, count = cols[0].length;
  const root = shell(el, "");
  const modeBar = document.createElement("div");
  modeBar.className = "ck-row";
  modeBar.innerHTML = `<button type="button" class="ck-mode" aria-pressed="false">Run col2im instead</button>
    <span class="ck-note"></span>`;
  root.appendChild(modeBar);
  const update = stepControls(root, model, count, "window");
  const body = document.createElement("div");
  body.innerHTML = `<figure><figcaption class="ck-img-cap"></figcaption><table class="ck-img"></table></figure>
    <figure><figcaption>Column matrix (${cols.length}×${count})</figcaption>
      <div class="ck-scroll" tabindex="0" role="region" aria-label="Column matrix, scrolls sideways when wider than the screen">
        <table class="ck-cols"></table></div></figure>
    <p class="ck-sum" aria-live="polite"></p>`;
  root.appendChild(body);
  const $ = (sel) => root.querySelector(sel);
  const xp = Array.from({ length: hp }, (_, r) => Array.from({ length: wp }, (_, c) =>
    (r >= p && r < p + H && c >= p && c < p + W ? x[r - p][c - p] : 0)));
  const isPad = (r, c) => r < p || r >= hp - p || c < p || c >= wp - p;
  // How many windows cover each cell of the padded input.
  const cover = Array.from({ length: hp }, () => Array(wp).fill(0));
  for (let c = 0; c < count; c++) {
    const a0 = Math.floor(c / wo) * s, b0 = (c % wo) * s;
    for (let a = 0; a < fh; a++) for (let b = 0; b < fw; b++) cover[a0 + a][b0 + b] += 1;
  }
  // The pixel the final note points at: most windows, then the largest |x| (so the product shows).
  let ex = [0, 0];
  for (let r = 0; r < H; r++) for (let c = 0; c < W; c++) {
    const key = (rr, cc) => [cover[rr + p][cc + p], Math.abs(x[rr][cc])];
    const [n1, v1] = key(r, c), [n0, v0] = key(...ex);
    if (n1 > n0 || (n1 === n0 && v1 > v0)) ex = [r, c];
  }
  const coverCounts = new Set(x.flatMap((row, r) => row.map((_, c) => cover[r + p][c + p])));
  const doneNote = () => {
    const [r, c] = ex, n = cover[r + p][c + p];
    const same = coverCounts.size === 1
      ? `Here every pixel lies in ${n} windows.`
      : `Pixels lie in ${[...coverCounts].sort((a, b) => a - b).join(", ")} windows, fewer near the edges.`;
    return `Done. col2im does not give x back: each pixel now holds x times the number of windows that `
      + `cover it. The pixel ringed in blue, x[${r}, ${c}] = ${x[r][c]}, lies in ${n} windows, so it shows `
      + `${n}·${x[r][c]} = ${back[r][c]}. ${same}`;
  };
  const draw = () => {
    const j = model.get("step"), col2im = model.get("phase") === "col2im";
    const i0 = Math.floor(j / wo) * s, j0 = (j % wo) * s;
    const inWin = (r, c) => r >= i0 && r < i0 + fh && c >= j0 && c < j0 + fw;
    $(".ck-mode").textContent = col2im ? "Back to im2col" : "Run col2im instead";
    $(".ck-mode").setAttribute("aria-pressed", String(col2im));
    if (!col2im) {
      $(".ck-img-cap").textContent = "Padded input";
      grid($(".ck-img"), xp, (r, c) => (inWin(r, c) ? "win" : (isPad(r, c) ? "pad" : "")));
      grid($(".ck-cols"), cols.map((row) => row.map((v, c) => (c <= j ? v : ""))),
        (_, c) => (c === j ? "new" : ""));
      $(".ck-sum").textContent = `im2col: window ${j} becomes column ${j} = [${cols.map((row) => row[j]).join(", ")}]`;
      $(".ck-note").textContent = "";
    } else {
      // Add columns 0..j back onto their windows of a zero image (padding cropped at the end).
      const acc = Array.from({ length: hp }, () => Array(wp).fill(0));
      for (let c = 0; c <= j; c++) {
        const a0 = Math.floor(c / wo) * s, b0 = (c % wo) * s;
        for (let a = 0; a < fh; a++) for (let b = 0; b < fw; b++) acc[a0 + a][b0 + b] += cols[a * fw + b][c];
      }
      for (const row of acc) row.forEach((v, c) => { row[c] = +v.toFixed(6); });
      $(".ck-img-cap").textContent = "col2im: columns added back onto their windows";
      const done = j === count - 1;
      const isEx = (r, c) => done && r === ex[0] + p && c === ex[1] + p;
      grid($(".ck-img"), acc, (r, c) => [inWin(r, c) ? "win" : (isPad(r, c) ? "pad" : ""), isEx(r, c) ? "ex" : ""]
        .filter(Boolean).join(" "));
      grid($(".ck-cols"), cols, (_, c) => (c === j ? "new" : (c < j ? "" : "dim")));
      $(".ck-sum").textContent = `col2im: column ${j} added onto window ${j}; overlapping windows add up`;
      $(".ck-note").textContent = done ? doneNote() : "";
    }
    reveal($(".ck-cols td.new"));
    update(`window ${j}`);
  };
  $(".ck-mode").addEventListener("click", () => {
    model.set("phase", model.get("phase") === "col2im" ? "im2col" : "col2im");
    model.set("step", 0);
    model.save_changes();
  });
  model.on("change:step", draw);
  model.on("change:phase", draw);
  draw();
}

// Channel stepper (Chapter 6): one output of a multi-channel layer, channel by channel, then the sum.
const CHANNEL_STYLE = `
      .ck-stepper .ck-chan { display: flex; flex-wrap: wrap; gap: 4px 12px; align-items: center;
                             border-top: 1px solid #bbb; padding-top: 4px; margin-top: 4px; }
      .ck-stepper .ck-chan-sum { font-family: ui-monospace, monospace; margin: 0; flex: 1 1 12em; }
      .ck-stepper .ck-chan-op { font-size: 1.4em; }
      .ck-stepper .ck-total { font-weight: bold; border-top: 1px solid #bbb; padding-top: 4px; }
`;

function renderChannels({ model, el }) {
  const x = model.get("x"), w = model.get("w"), b = model.get("b");
  const s = model.get("stride"), p = model.get("padding");
  const C = x.length, H = x[0].length, W = x[0][0].length;
  const K = w.length, FH = w[0][0].length, FW = w[0][0][0].length;
  const hp = H + 2 * p, wp = W + 2 * p;
  const ho = (hp - FH) / s + 1, wo = (wp - FW) / s + 1, per = ho * wo;
  const xp = x.map((ch) => Array.from({ length: hp }, (_, r) => Array.from({ length: wp }, (_, c) =>
    (r >= p && r < p + H && c >= p && c < p + W ? ch[r - p][c - p] : 0))));
  const isPad = (r, c) => r < p || r >= hp - p || c < p || c >= wp - p;
  const root = shell(el, "");
  const style = document.createElement("style");
  style.textContent = CHANNEL_STYLE;
  el.prepend(style);
  const update = stepControls(root, model, K * per, "output");
  const body = document.createElement("div");
  body.innerHTML = `
    <div class="ck-row" role="group" aria-label="Filter"><label>Filter <select class="ck-filter"></select></label>
      <span class="ck-note">one filter per output map; each filter has a ${FH}×${FW} slice for every one of the
        ${C} input channels</span></div>
    <div class="ck-chans"></div>
    <p class="ck-sum ck-total" aria-live="polite"></p>
    <div class="ck-row ck-grids ck-maps"></div>`;
  root.appendChild(body);
  const $ = (sel) => root.querySelector(sel);
  for (let k = 0; k < K; k++) $(".ck-filter").add(new Option(String(k), String(k)));
  const chans = [];
  for (let c = 0; c < C; c++) {
    const row = document.createElement("div");
    row.className = "ck-chan";
    row.innerHTML = `<figure><figcaption class="ck-xcap"></figcaption><table class="ck-xc"></table></figure>
      <span class="ck-chan-op" aria-hidden="true">⋆</span>
      <figure><figcaption class="ck-wcap"></figcaption><table class="ck-wc"></table></figure>
      <p class="ck-chan-sum"></p>`;
    $(".ck-chans").appendChild(row);
    chans.push(row);
  }
  const maps = [];
  for (let k = 0; k < K; k++) {
    const fig = document.createElement("figure");
    fig.innerHTML = `<figcaption>Output map ${k}</figcaption><table class="ck-map"></table>`;
    $(".ck-maps").appendChild(fig);
    maps.push(fig.querySelector("table"));
  }
  // Every output, computed here from x, w and b (the Python side sends convkit's for the tests).
  const value = (k, i, j) => {
    const parts = [];
    for (let c = 0; c < C; c++) {
      let acc = 0;
      for (let u = 0; u < FH; u++) for (let v = 0; v < FW; v++) acc += w[k][c][u][v] * xp[c][i * s + u][j * s + v];
      parts.push(acc);
    }
    return { parts, total: parts.reduce((a, v) => a + v, b[k]) };
  };
  const draw = () => {
    const step = model.get("step");
    const k = Math.floor(step / per), i = Math.floor((step % per) / wo), j = step % wo;
    const r0 = i * s, c0 = j * s;
    $(".ck-filter").value = String(k);
    const { parts, total } = value(k, i, j);
    chans.forEach((row, c) => {
      row.querySelector(".ck-xcap").textContent = p ? `x channel ${c}, padded` : `x channel ${c}`;
      row.querySelector(".ck-wcap").textContent = `w[${k}, ${c}]`;
      grid(row.querySelector(".ck-xc"), xp[c].map((r) => r.map(fmt)), (r, q) =>
        (r >= r0 && r < r0 + FH && q >= c0 && q < c0 + FW ? "win" : (isPad(r, q) ? "pad" : "")));
      grid(row.querySelector(".ck-wc"), w[k][c].map((r) => r.map(fmt)), () => "ker");
      const terms = [];
      for (let u = 0; u < FH; u++) for (let v = 0; v < FW; v++) terms.push(`${par(xp[c][r0 + u][c0 + v])}·${par(w[k][c][u][v])}`);
      row.querySelector(".ck-chan-sum").textContent = `channel ${c}: ${terms.join(" + ")} = ${fmt(parts[c])}`;
    });
    const names = parts.map((_, c) => `channel ${c}`).join(" + ");
    $(".ck-sum").textContent = `y[${k}, ${i}, ${j}] = b[${k}] + ${names} = ${[fmt(b[k]), ...parts.map(par)].join(" + ")} `
      + `= ${fmt(total)}`;
    maps.forEach((table, m) => {
      const shown = Array.from({ length: ho }, (_, a) => Array.from({ length: wo }, (_, q) =>
        (m * per + a * wo + q <= step ? fmt(value(m, a, q).total) : "")));
      grid(table, shown, (a, q) => (m === k && a === i && q === j ? "cur" : ""));
    });
    update(`filter ${k}, row ${i}, column ${j}`);
  };
  $(".ck-filter").addEventListener("change", (e) => {
    model.set("step", Number(e.target.value) * per + (model.get("step") % per));
    model.save_changes();
  });
  model.on("change:step", draw);
  draw();
}

// Transposed-convolution stepper (Chapter 8): every entry y[i, j] stamps y[i, j]·w onto the output with its corner
// at (iS, jS); overlapping stamps add up. The switch shows the same output as (W*)ᵀ·y*, one row at a time.
// Everything is recomputed here from y, the kernel and the stride, so the controls work with no kernel.
const TRANSPOSED_STYLE = `
      .ck-stepper td.tc-c1 { background: #eef5fb; }
      .ck-stepper td.tc-c2 { background: #cfe6f5; }
      .ck-stepper td.tc-c3 { background: #a9d3ee; }
      .ck-stepper td.tc-c4 { background: #86c0e6; }
      .ck-stepper td.tc-foot { outline: 3px solid #000; outline-offset: -3px; font-weight: bold; }
      .ck-stepper .tc-view[aria-pressed="true"] { background: #1b1b1b; color: #fff; border: 2px solid #1b1b1b; }
      .ck-stepper .tc-view { background: #fff; color: #1b1b1b; border: 2px solid #555; border-radius: 4px; }
      .ck-stepper .tc-mat { max-height: 22em; overflow-y: auto; }
      .ck-stepper figure[hidden], .ck-stepper [hidden] { display: none; }
`;

// The transposed convolution of y with kernel k at stride s, the stamps covering each cell, and (W*)ᵀ.
function transposed(y, k, s) {
  const hy = y.length, wy = y[0].length, fh = k.length, fw = k[0].length;
  const H = (hy - 1) * s + fh, W = (wy - 1) * s + fw;
  const out = Array.from({ length: H }, () => Array(W).fill(0));
  const cover = Array.from({ length: H }, () => Array(W).fill(0));
  for (let i = 0; i < hy; i++) for (let j = 0; j < wy; j++) {
    for (let u = 0; u < fh; u++) for (let v = 0; v < fw; v++) {
      out[i * s + u][j * s + v] += y[i][j] * k[u][v];
      cover[i * s + u][j * s + v] += 1;
    }
  }
  // Row a·W + b of (W*)ᵀ: weight w[a - iS, b - jS] in the column of y[i, j], where that is inside the kernel.
  const wt = (a, b) => Array.from({ length: hy * wy }, (_, c) => {
    const u = a - Math.floor(c / wy) * s, v = b - (c % wy) * s;
    return u >= 0 && u < fh && v >= 0 && v < fw ? k[u][v] : 0;
  });
  return { H, W, hy, wy, fh, fw, out: out.map((r) => r.map((v) => +v.toFixed(6))), cover, wt };
}

// Which cells cover which, in words (HTML: the book's F_H, F_W and S with their subscripts): the checkerboard when
// the stride does not divide the kernel size.
function checkerNote(t, s) {
  const counts = [...new Set(t.cover.flat())].sort((a, b) => a - b);
  const list = counts.length > 1 ? `${counts.slice(0, -1).join(", ")} or ${counts[counts.length - 1]}` : String(counts[0]);
  const head = `Stamps per cell: ${list}.`;
  const FH = "<i>F</i><sub>H</sub>", FW = "<i>F</i><sub>W</sub>", S = "<i>S</i>";
  if (s === 1) return `${head} With stride 1 the stamps overlap most; away from the edges every cell is covered ${FH}·${FW} = ${t.fh * t.fw} times.`;
  const off = [[FH, t.fh], [FW, t.fw]].filter(([, f]) => f % s);
  if (off.length) {
    return `${head} ${off.map(([n, f]) => `${n} = ${f}`).join(" and ")} ${off.length > 1 ? "are not multiples" : "is not a multiple"} `
      + `of ${S} = ${s}, so the counts alternate from cell to cell: a checkerboard, even for a constant y.`;
  }
  return `${head} ${FH} = ${t.fh} and ${FW} = ${t.fw} are multiples of ${S} = ${s}: away from the edges every cell is covered `
    + `(${FH}/${S})·(${FW}/${S}) = ${(t.fh / s) * (t.fw / s)} times, evenly.`;
}

function renderTransposed({ model, el }) {
  const root = shell(el, `
    <div class="ck-row" role="group" aria-label="View">
      <button type="button" class="tc-view" aria-pressed="false">Show as (W*)ᵀ · y*, row by row</button>
    </div>
    <div class="ck-row" role="group" aria-label="Step through the stamps">
      <button type="button" class="ck-prev">◀ Previous</button>
      <button type="button" class="ck-play" aria-pressed="false">▶ Play</button>
      <button type="button" class="ck-next">Next ▶</button>
      <label><span class="tc-what">Stamp</span> <input type="range" class="ck-slider" min="0" value="0"></label>
      <span class="ck-pos" aria-hidden="true"></span>
    </div>
    <div class="ck-row" role="group" aria-label="Geometry">
      <label>Stride <select class="ck-stride"></select></label>
      <label>Kernel height <select class="ck-fh"></select></label>
      <label>Kernel width <select class="ck-fw"></select></label>
    </div>
    <div class="ck-row ck-grids">
      <figure><figcaption>y</figcaption><table class="tc-y"></table></figure>
      <figure><figcaption class="tc-k-cap">Kernel w</figcaption><table class="ck-k"></table></figure>
      <figure class="tc-stamp-fig"><figcaption class="tc-stamp-cap"></figcaption><table class="tc-stamp"></table></figure>
      <figure><figcaption class="ck-out-cap"></figcaption><table class="ck-out"></table></figure>
      <figure class="tc-cover-fig"><figcaption>Stamps per cell</figcaption><table class="tc-cover"></table></figure>
    </div>
    <figure class="tc-mat-fig" hidden><figcaption class="tc-mat-cap"></figcaption>
      <div class="ck-scroll tc-mat" tabindex="0" role="region" aria-label="(W*)ᵀ, scrolls when larger than the screen">
        <table class="tc-m"></table></div></figure>
    <p class="ck-knote" aria-live="polite"></p>
    <p class="ck-note tc-check"></p>
    <p class="ck-sum" aria-live="polite"></p>`);
  const style = document.createElement("style");
  style.textContent = TRANSPOSED_STYLE;
  el.prepend(style);
  const $ = (sel) => root.querySelector(sel);
  const y = model.get("y"), k0 = model.get("k"), KH = k0.length, KW = k0[0].length;
  const fill = (select, hi) => { for (let v = 1; v <= hi; v++) select.add(new Option(String(v), String(v))); };
  fill($(".ck-stride"), Math.max(3, model.get("stride")));
  fill($(".ck-fh"), Math.max(4, KH));
  fill($(".ck-fw"), Math.max(4, KW));
  const given = (a, b) => a < KH && b < KW;
  const kernel = () => {   // as the window stepper's: the given weights top-left, new cells 1, 2, 3, ... in reading order
    const fh = model.get("kernel_h"), fw = model.get("kernel_w");
    return Array.from({ length: fh }, (_, a) => Array.from({ length: fw }, (__, b) => (given(a, b) ? k0[a][b] : a * fw + b + 1)));
  };
  const kernelNote = (fh, fw) => {
    if (fh === KH && fw === KW) return "";
    const parts = [fh < KH || fw < KW ? `the given ${KH}×${KW} kernel cut to its top-left ${Math.min(fh, KH)}×${Math.min(fw, KW)}`
      : `the given ${KH}×${KW} kernel in the top-left corner`];
    if (fh > KH || fw > KW) parts.push(`each new cell (dashed) holds its place in reading order, 1 to ${fh * fw}: a stand-in weight`);
    return `Kernel ${fh}×${fw}: ${parts.join("; ")}.`;
  };
  const ix = (a, b) => `[${a},\u00a0${b}]`;
  const count = (t) => (model.get("view") === "matrix" ? t.H * t.W : t.hy * t.wy);
  const drawStamps = (t, k, s, n) => {
    const i = Math.floor(n / t.wy), j = n % t.wy, r0 = i * s, c0 = j * s;
    const foot = (a, b) => a >= r0 && a < r0 + t.fh && b >= c0 && b < c0 + t.fw;
    const sofar = Array.from({ length: t.H }, () => Array(t.W).fill(0));
    const used = Array.from({ length: t.H }, () => Array(t.W).fill(0));
    for (let m = 0; m <= n; m++) {
      const a0 = Math.floor(m / t.wy) * s, b0 = (m % t.wy) * s, ym = y[Math.floor(m / t.wy)][m % t.wy];
      for (let u = 0; u < t.fh; u++) for (let v = 0; v < t.fw; v++) { sofar[a0 + u][b0 + v] += ym * k[u][v]; used[a0 + u][b0 + v] += 1; }
    }
    grid($(".tc-y"), y.map((r) => r.map(fmt)), (a, b) => (a === i && b === j ? "cur" : (a * t.wy + b < n ? "nz" : "")));   // added stamps: blue
    $(".tc-stamp-cap").textContent = `Stamp y${ix(i, j)}·w = ${par(y[i][j])}·w`;
    grid($(".tc-stamp"), k.map((r) => r.map((v) => fmt(y[i][j] * v))), () => "ker");
    $(".ck-out-cap").textContent = `Output ${t.H}×${t.W}, stamps 1 to ${n + 1} added`;
    // A cell no stamp ever reaches (a stride larger than the kernel) is 0 from the start, and dimmed.
    grid($(".ck-out"), sofar.map((r, a) => r.map((v, b) => (used[a][b] ? fmt(v) : (t.cover[a][b] ? "" : 0)))),
      (a, b) => (foot(a, b) ? "tc-foot win" : (t.cover[a][b] ? "" : "dim")));
    grid($(".tc-cover"), t.cover, (a, b) => [`tc-c${Math.min(4, Math.max(1, t.cover[a][b]))}`, foot(a, b) ? "tc-foot" : ""].join(" ").trim());
    // The cell of this stamp that most stamps so far have reached: its sum, term by term.
    let best = [r0, c0];
    for (let u = 0; u < t.fh; u++) for (let v = 0; v < t.fw; v++) if (used[r0 + u][c0 + v] > used[best[0]][best[1]]) best = [r0 + u, c0 + v];
    const [a, b] = best, terms = [];
    for (let m = 0; m <= n; m++) {
      const mi = Math.floor(m / t.wy), mj = m % t.wy, u = a - mi * s, v = b - mj * s;
      if (u >= 0 && u < t.fh && v >= 0 && v < t.fw) terms.push([mi, mj, u, v]);
    }
    $(".ck-sum").textContent = `Stamp ${n + 1}: y${ix(i, j)}·w added with its corner at (${i}·${s}, ${j}·${s}) = (${r0}, ${c0}). `
      + `out${ix(a, b)} = ${terms.map(([mi, mj, u, v]) => `y${ix(mi, mj)}·w${ix(u, v)}`).join(" + ")} = `
      + `${terms.map(([mi, mj, u, v]) => `${par(y[mi][mj])}·${par(k[u][v])}`).join(" + ")} = ${fmt(sofar[a][b])}`;
    return `y row ${i}, column ${j}`;
  };
  const drawMatrix = (t, k, s, n) => {
    const a = Math.floor(n / t.W), b = n % t.W, row = t.wt(a, b), ys = y.flat();
    grid($(".tc-y"), y.map((r) => r.map(fmt)), (i, j) => (row[i * t.wy + j] !== 0 ? "hit" : ""));
    $(".ck-out-cap").textContent = `Output ${t.H}×${t.W} = (W*)ᵀ · y*, reshaped`;
    grid($(".ck-out"), t.out.map((r, i) => r.map((v, j) => (i * t.W + j <= n ? fmt(v) : ""))), (i, j) => (i === a && j === b ? "cur" : ""));
    const rows = Array.from({ length: t.H * t.W }, (_, r) => t.wt(Math.floor(r / t.W), r % t.W));
    $(".tc-mat-cap").textContent = `(W*)ᵀ (${t.H * t.W}×${t.hy * t.wy}): one row per output cell, one column per entry of y`;
    grid($(".tc-m"), rows.map((rw) => rw.map((v) => (v === 0 ? "·" : fmt(v)))),
      (r, c) => (r === n && rows[r][c] !== 0 ? "hit" : (rows[r][c] !== 0 ? "nz" : "")));
    const cur = $(".tc-m").querySelectorAll("tr")[n];
    cur.classList.add("row-cur");
    const box = $(".tc-mat"), bb = box.getBoundingClientRect(), cb = cur.getBoundingClientRect();
    if (cb.top < bb.top || cb.bottom > bb.bottom) box.scrollTop += cb.top + cb.height / 2 - (bb.top + bb.height / 2);
    const terms = row.map((v, c) => [v, c]).filter(([v]) => v !== 0);
    $(".ck-sum").textContent = `out${ix(a, b)} = row ${n} of (W*)ᵀ · y* = `
      + (terms.length ? `${terms.map(([v, c]) => `${par(v)}·${par(ys[c])}`).join(" + ")} = ${fmt(t.out[a][b])}`
        : "0: no stamp reaches this cell");
    return `output row ${a}, column ${b}`;
  };
  const draw = () => {
    const s = model.get("stride"), k = kernel(), t = transposed(y, k, s), matrix = model.get("view") === "matrix";
    $(".ck-stride").value = String(s);
    $(".ck-fh").value = String(t.fh);
    $(".ck-fw").value = String(t.fw);
    $(".tc-view").setAttribute("aria-pressed", String(matrix));
    $(".tc-view").textContent = matrix ? "Back to the stamps" : "Show as (W*)ᵀ · y*, row by row";
    $(".tc-k-cap").textContent = `Kernel w (${t.fh}×${t.fw})`;
    grid($(".ck-k"), k.map((r) => r.map(fmt)), (a, b) => (given(a, b) ? "ker" : "ker added"));
    $(".ck-knote").textContent = kernelNote(t.fh, t.fw);
    $(".tc-check").innerHTML = checkerNote(t, s);
    for (const f of [".tc-stamp-fig", ".tc-cover-fig"]) $(f).hidden = matrix;
    $(".tc-mat-fig").hidden = !matrix;
    const total = count(t), n = Math.min(model.get("step"), total - 1);
    const label = matrix ? drawMatrix(t, k, s, n) : drawStamps(t, k, s, n);
    const what = matrix ? "Output cell" : "Stamp";
    $(".tc-what").textContent = what;
    const slider = $(".ck-slider");
    slider.max = String(total - 1);
    slider.value = String(n);
    slider.setAttribute("aria-valuetext", `${what.toLowerCase()} ${n + 1} of ${total}: ${label}`);
    $(".ck-pos").textContent = `${n + 1} of ${total}`;
  };
  const setStep = (v) => {
    const total = count(transposed(y, kernel(), model.get("stride")));
    model.set("step", ((v % total) + total) % total);
    model.save_changes();
  };
  const stop = stepButtons($, model, setStep);
  $(".tc-view").addEventListener("click", () => {
    stop();
    model.set("view", model.get("view") === "matrix" ? "stamps" : "matrix");
    model.set("step", 0);
    model.save_changes();
  });
  for (const [name, sel] of [["stride", ".ck-stride"], ["kernel_h", ".ck-fh"], ["kernel_w", ".ck-fw"]]) {
    $(sel).addEventListener("change", (e) => {
      stop();
      model.set(name, Number(e.target.value));
      model.set("step", 0);
      model.save_changes();
    });
  }
  for (const name of ["step", "stride", "kernel_h", "kernel_w", "view"]) model.on(`change:${name}`, draw);
  draw();
  return () => stop();
}

// Receptive-field explorer (Chapter 8): a stack of 1-D layers, each with its kernel size F, stride S and dilation D.
// The field of one output, level by level down to the input: each cell shows dY/dX with weights of ones (the number
// of paths to the output), computed here as convkit's backward pass computes it; the recurrence's numbers below.
const FIELD_STYLE = `
      .ck-stepper .rf-layer { display: flex; flex-wrap: wrap; gap: 4px 10px; align-items: center; }
      .ck-stepper .rf-layer select { min-width: 2.6em; }
      .ck-stepper .rf-strip td { width: 1.7em; min-width: 1.7em; height: 1.9em; }
      .ck-stepper .rf-strip td.rf-off { background: #f4f4f4; color: #555; }
      .ck-stepper .rf-rec { font-family: ui-monospace, monospace; margin: 2px 0; }
      .ck-stepper .rf-rec.rf-top { font-weight: bold; }
`;
const SUB = (n) => String(n).split("").map((c) => "₀₁₂₃₄₅₆₇₈₉"[+c]).join("");

// Sizes of every level (input first) that give `outputs` cells on top, and dY/dX of output `cell` at every level.
function fieldOf(layers, outputs, cell) {
  const sizes = [outputs];
  for (let l = layers.length - 1; l >= 0; l--) {
    const [f, s, d] = layers[l];
    sizes.unshift((sizes[0] - 1) * s + d * (f - 1) + 1);
  }
  const field = sizes.map(() => null);
  field[layers.length] = Array(outputs).fill(0);
  field[layers.length][cell] = 1;
  for (let l = layers.length; l >= 1; l--) {   // layer l reads level l - 1: output i reads cells iS + uD
    const [f, s, d] = layers[l - 1], g = Array(sizes[l - 1]).fill(0);
    field[l].forEach((v, i) => { for (let u = 0; u < f; u++) g[i * s + u * d] += v; });
    field[l - 1] = g;
  }
  // r_l = r_{l-1} + (F_l - 1)·D_l·(S_1···S_{l-1}), r_0 = 1: the width in the input of one cell of level l.
  const r = [1];
  let jump = 1;
  layers.forEach(([f, s, d]) => { r.push(r[r.length - 1] + (f - 1) * d * jump); jump *= s; });
  return { sizes, field, r };
}

function renderField({ model, el }) {
  const root = shell(el, `
    <div class="ck-row" role="group" aria-label="Output">
      <label>Output cell <input type="range" class="rf-cell" min="0" value="0"></label>
      <span class="rf-cell-pos" aria-hidden="true"></span>
    </div>
    <div class="ck-row" role="group" aria-label="Step down the layers">
      <button type="button" class="ck-prev">◀ Up a layer</button>
      <button type="button" class="ck-play" aria-pressed="false">▶ Play</button>
      <button type="button" class="ck-next">Down a layer ▶</button>
      <label>Levels shown <input type="range" class="ck-slider" min="0" value="0"></label>
      <span class="ck-pos" aria-hidden="true"></span>
    </div>
    <div class="rf-layers" role="group" aria-label="Layers: kernel size F, stride S, dilation D"></div>
    <div class="ck-row" role="group" aria-label="Add or remove a layer">
      <button type="button" class="rf-add">Add a layer on top</button>
      <button type="button" class="rf-remove">Remove the top layer</button>
    </div>
    <div class="rf-strips"></div>
    <div class="rf-recs" aria-label="The recurrence"></div>
    <p class="ck-sum" aria-live="polite"></p>`);
  const style = document.createElement("style");
  style.textContent = FIELD_STYLE;
  el.prepend(style);
  const $ = (sel) => root.querySelector(sel);
  const outputs = model.get("outputs");
  const save = (changes) => { for (const [k, v] of Object.entries(changes)) model.set(k, v); model.save_changes(); };
  const edit = (l, at, v) => {
    const layers = model.get("layers").map((x) => [...x]);
    layers[l][at] = v;
    save({ layers });
  };
  const drawLayers = (layers) => {
    const box = $(".rf-layers"), had = box.contains(document.activeElement) && document.activeElement.getAttribute("aria-label");
    box.replaceChildren();
    layers.forEach((layer, l) => {
      const row = document.createElement("div");
      row.className = "rf-layer";
      row.innerHTML = `<span>Layer ${l + 1}</span>`;
      [["F", 5, "kernel size"], ["S", 3, "stride"], ["D", 4, "dilation"]].forEach(([sym, hi, name], at) => {
        const label = document.createElement("label");
        label.innerHTML = `<span aria-hidden="true"><i>${sym}</i><sub>${l + 1}</sub></span>`;
        const sel = document.createElement("select");
        sel.className = `rf-${sym.toLowerCase()}`;
        sel.setAttribute("aria-label", `Layer ${l + 1} ${name} ${sym}${l + 1}`);
        for (let v = 1; v <= hi; v++) sel.add(new Option(String(v), String(v)));
        sel.value = String(layer[at]);
        sel.addEventListener("change", (e) => edit(l, at, Number(e.target.value)));
        label.appendChild(sel);
        row.appendChild(label);
      });
      box.prepend(row);   // the top layer on top, as the strips
    });
    const again = had && [...box.querySelectorAll("select")].find((e) => e.getAttribute("aria-label") === had);
    if (again) again.focus();   // a keyboard user editing a layer keeps the focus through the redraw
  };
  const extent = (g) => { const lit = g.flatMap((v, i) => (v ? [i] : [])); return [lit[0], lit[lit.length - 1], lit.length]; };
  const draw = () => {
    const layers = model.get("layers"), L = layers.length, cell = Math.min(model.get("cell"), outputs - 1);
    const step = Math.min(model.get("step"), L), { sizes, field, r } = fieldOf(layers, outputs, cell);
    drawLayers(layers);
    $(".rf-add").disabled = L >= 4;
    $(".rf-remove").disabled = L <= 1;
    const strips = $(".rf-strips");
    strips.replaceChildren();
    for (let m = L; m >= 0; m--) {
      const shown = m >= L - step, fig = document.createElement("figure");
      const name = m === 0 ? `Input (${sizes[0]} cells)` : `Layer ${m} output (${sizes[m]} cells)${m === L ? ", on top" : ""}`;
      fig.innerHTML = `<figcaption>${name}</figcaption><div class="ck-scroll" tabindex="0" role="region"
        aria-label="${name}, scrolls sideways when wider than the screen"><table class="rf-strip" data-level="${m}"></table></div>`;
      strips.appendChild(fig);
      grid(fig.querySelector("table"), [field[m].map((v) => (shown && v ? v : ""))],
        (_, i) => (shown && field[m][i] ? (m === L ? "cur" : "hit") : "rf-off"));
      if (shown && m === L - step) reveal(fig.querySelector("td.hit, td.cur"));
    }
    const recs = $(".rf-recs");
    recs.replaceChildren();
    const line = (text, top) => { const p = document.createElement("p"); p.className = `rf-rec${top ? " rf-top" : ""}`; p.textContent = text; recs.appendChild(p); };
    line("r₀ = 1");
    let jump = [];
    layers.forEach(([f, s, d], i) => {
      const l = i + 1, js = jump.length ? `·${jump.length > 1 ? `(${jump.join("·")})` : jump[0]}` : "";
      const sym = `S${jump.map((_, j) => SUB(j + 1)).join("·S")}`;
      line(`r${SUB(l)} = r${SUB(l - 1)} + (F${SUB(l)} − 1)·D${SUB(l)}${jump.length ? `·${jump.length > 1 ? `(${sym})` : sym}` : ""} `
        + `= ${r[l - 1]} + ${f - 1}·${d}${js} = ${r[l]}`, l === L);
      jump.push(s);
    });
    const m = L - step, [a, b, n] = extent(field[m]);
    const where = m === 0 ? "the input" : `layer ${m}'s output`, width = b - a + 1;
    $(".ck-sum").textContent = step === 0
      ? `Output ${cell} of layer ${L}: Next shows the cells of each layer below that it reads.`
      : `Output ${cell} reads ${where} at cells ${a} to ${b}: ${width} wide${m === 0 ? `, r${SUB(L)} = ${r[L]}` : ""}; `
        + `${n === width ? "every one of them has" : `${n} of them have`} a non-zero dY/dX (the numbers: paths to the output)`
        + `${n < width ? `; the other ${width - n} are holes, which no path reaches` : ""}.`;
    const cs = $(".rf-cell"), sl = $(".ck-slider");
    cs.max = String(outputs - 1); cs.value = String(cell);
    cs.setAttribute("aria-valuetext", `output ${cell} of ${outputs - 1}`);
    $(".rf-cell-pos").textContent = `${cell} (cells 0 to ${outputs - 1})`;
    sl.max = String(L); sl.value = String(step);
    sl.setAttribute("aria-valuetext", `${step} of ${L} levels: down to ${m === 0 ? "the input" : `layer ${m}`}`);
    $(".ck-pos").textContent = `${step} of ${L}`;
  };
  const setStep = (v) => { const L = model.get("layers").length + 1; save({ step: ((v % L) + L) % L }); };
  const stop = stepButtons($, model, setStep);
  $(".rf-cell").addEventListener("input", (e) => save({ cell: Number(e.target.value) }));
  $(".rf-add").addEventListener("click", () => {
    const layers = [...model.get("layers"), [3, 1, 1]];
    save({ layers, step: layers.length });
  });
  $(".rf-remove").addEventListener("click", () => {
    const layers = model.get("layers").slice(0, -1);
    save({ layers, step: Math.min(model.get("step"), layers.length) });
  });
  for (const name of ["step", "cell", "layers"]) model.on(`change:${name}`, draw);
  draw();
  return () => stop();
}

const RENDERERS = { windows: renderWindows, matrix: renderMatrix, backprop: renderBackprop, im2col: renderIm2col,
  channels: renderChannels, transposed: renderTransposed, field: renderField };

export default {
  render(props) {
    return RENDERERS[props.model.get("kind")](props);
  },
};

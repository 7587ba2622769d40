// Window stepper: the whole stepping logic runs here, in the page, so it works
// in a live notebook and in the static book (no kernel) alike.
function outSize(n, f, s, p) {
  const span = n - f + 2 * p;
  return { ok: n + 2 * p >= f && span % s === 0, value: span / s + 1, span };
}

function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "ck-stepper";
  root.innerHTML = `
    <style>
      .ck-stepper { font: 14px/1.4 system-ui, sans-serif; max-width: 100%; overflow-x: auto; }
      .ck-stepper .ck-row { display: flex; flex-wrap: wrap; gap: 14px; align-items: flex-start; min-height: 2.2em; }
      .ck-stepper table { border-collapse: collapse; margin-top: 4px; }
      .ck-stepper td { width: 2.1em; height: 2.1em; text-align: center; border: 1px solid #777;
                       font-variant-numeric: tabular-nums; }
      .ck-stepper td.pad { background: repeating-linear-gradient(45deg, #eee, #eee 4px, #ccc 4px, #ccc 6px); color: #444; }
      .ck-stepper td.win { background: #f5c86a; outline: 3px solid #000; outline-offset: -3px; font-weight: bold; }
      .ck-stepper td.cur { background: #f5c86a; outline: 3px solid #000; outline-offset: -3px; font-weight: bold; }
      .ck-stepper td.ker { background: #bfe3f6; }
      .ck-stepper button, .ck-stepper select, .ck-stepper input { font: inherit; min-height: 2em; }
      .ck-stepper :focus-visible { outline: 3px solid #0072B2; outline-offset: 2px; }
      .ck-stepper .ck-sum { min-height: 3em; font-family: ui-monospace, monospace; }
      .ck-stepper .ck-error { color: #000; background: #fff3cd; border-left: 4px solid #D55E00; padding: 4px 8px; }
      .ck-stepper figure { margin: 0; }
      .ck-stepper figcaption { font-weight: bold; }
    </style>
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
    <p class="ck-sum" aria-live="polite"></p>`;
  el.appendChild(root);
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
  let timer = null;

  const kernel = () => {
    const fh = model.get("kernel_h"), fw = model.get("kernel_w");
    // The given kernel where it has entries; beyond it, 1, 2, 3, ... so every size is defined.
    return Array.from({ length: fh }, (_, a) => Array.from({ length: fw }, (_, b) =>
      (a < k0.length && b < k0[0].length) ? k0[a][b] : a * fw + b + 1));
  };
  const geometry = () => {
    const s = model.get("stride"), p = model.get("padding");
    const k = kernel(), fh = k.length, fw = k[0].length;
    const ho = outSize(H, fh, s, p), wo = outSize(W, fw, s, p);
    return { s, p, k, fh, fw, ho, wo };
  };
  const grid = (table, rows, cls) => {
    table.replaceChildren(...rows.map((row, i) => {
      const tr = document.createElement("tr");
      row.forEach((v, j) => {
        const td = document.createElement("td");
        td.textContent = String(v);
        const c = cls(i, j);
        if (c) td.className = c;
        tr.appendChild(td);
      });
      return tr;
    }));
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
    grid($(".ck-k"), g.k, () => "ker");
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
      return acc;
    }));
    const shown = out.map((row, a) => row.map((v, b) => (a * wo + b <= step ? v : "")));
    grid($(".ck-in"), xp, (r, c) => {
      const inWin = r >= r0 && r < r0 + g.fh && c >= c0 && c < c0 + g.fw;
      return inWin ? "win" : (isPad(r, c) ? "pad" : "");
    });
    $(".ck-out-cap").textContent = `Output ${ho}×${wo}`;
    grid($(".ck-out"), shown, (a, b) => (a === i && b === j ? "cur" : ""));
    const terms = [];
    for (let u = 0; u < g.fh; u++) for (let v = 0; v < g.fw; v++) terms.push(`${xp[r0 + u][c0 + v]}·${g.k[u][v]}`);
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
  const stop = () => {
    clearInterval(timer);
    timer = null;
    $(".ck-play").textContent = "▶ Play";
    $(".ck-play").setAttribute("aria-pressed", "false");
  };
  $(".ck-prev").addEventListener("click", () => setStep(model.get("step") - 1));
  $(".ck-next").addEventListener("click", () => setStep(model.get("step") + 1));
  $(".ck-slider").addEventListener("input", (e) => setStep(Number(e.target.value)));
  $(".ck-play").addEventListener("click", () => {
    if (timer) return stop();
    $(".ck-play").textContent = "⏸ Pause";
    $(".ck-play").setAttribute("aria-pressed", "true");
    timer = setInterval(() => setStep(model.get("step") + 1), 900);
  });
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

export default { render };

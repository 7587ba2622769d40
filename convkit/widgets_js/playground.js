// Front end of convkit's DigitPlayground (convkit/playground.py): the reader draws a digit, and Chapter 9's
// trained network reads it here, in the page, in float32, from the weights in the widget's state. No kernel
// and no network are needed, so it works in a live notebook and in the static book alike.
// `forward` is exported on its own: tests/test_playground.py runs it on the 360 test digits against convkit.

// A light card with its own colours, as every convkit widget (steppers.js): readable on the book's light and
// dark themes and on JupyterLab's dark theme alike.
const STYLE = `
  .ck-playground { font: 14px/1.4 system-ui, sans-serif; max-width: 100%; box-sizing: border-box;
                   color-scheme: light; color: #1b1b1b; background: #fff; padding: 6px; border-radius: 4px; }
  .ck-playground .ck-row { display: flex; flex-wrap: wrap; gap: 14px; align-items: flex-start; }
  .ck-playground button, .ck-playground select { font: inherit; min-height: 2em; }
  .ck-playground label { display: inline-flex; align-items: center; gap: 0.3em; flex-wrap: wrap; }
  .ck-playground :focus-visible { outline: 3px solid #0072B2; outline-offset: 2px; }
  .ck-playground figure { margin: 0; max-width: 100%; }
  .ck-playground figcaption { font-weight: bold; color: inherit; text-align: left; }
  .ck-playground .ck-draw { display: grid; grid-template-columns: repeat(var(--ck-w), 30px); gap: 1px;
                            background: #777; border: 1px solid #777; width: max-content; touch-action: none;
                            user-select: none; cursor: crosshair; margin-top: 4px; }
  .ck-playground .ck-draw div { width: 30px; height: 30px; box-sizing: border-box; }
  .ck-playground .ck-draw div.cur { outline: 3px solid #0072B2; outline-offset: -3px; }
  .ck-playground .ck-draw:not(:focus-visible) div.cur { outline: none; }
  .ck-playground .ck-probs { border-collapse: collapse; margin-top: 4px; }
  .ck-playground .ck-probs td { padding: 1px 4px; white-space: nowrap; font-variant-numeric: tabular-nums; }
  .ck-playground .ck-probs td.ck-pct { text-align: right; }
  .ck-playground .ck-bar { height: 14px; background: #0072B2; min-width: 1px; }
  .ck-playground .ck-probs tr.top .ck-bar { background: #D55E00; }
  .ck-playground .ck-probs tr.top td { font-weight: bold; }
  .ck-playground .ck-barcell { width: 130px; }
  .ck-playground .ck-pred { font-size: 1.1em; min-height: 1.5em; margin: 6px 0; }
  .ck-playground .ck-maps { margin-top: 2px; }
  .ck-playground .ck-maps canvas { display: block; max-width: 100%; }
  .ck-playground .ck-layer { margin-top: 8px; }
  .ck-playground .ck-layer figcaption { font-weight: normal; }
  .ck-playground .ck-help { margin: 4px 0; color: #333; max-width: 40em; }
  .ck-playground .ck-sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
                          white-space: nowrap; }
`;

// Numbers as every convkit widget prints them: no float noise.
const fmt = (v) => +Number(v).toFixed(4);
const f32 = Math.fround;
const aDigit = (d) => `${d === 8 ? "an" : "a"} ${d}`; // a 7, an 8

// ---- The forward pass, in float32: every product and every partial sum is rounded to float32
// (Math.fround of a double result is exactly IEEE float32 arithmetic for + and *). Arrays are (C, H, W),
// flat in C order, as convkit's (N, C, H, W) without N.

function conv(t, L) {
  const [C, H, W] = t.shape, { k: K, fh: FH, fw: FW } = L, [sh, sw] = L.stride, [pt, pb, pl, pr] = L.pad;
  const HO = Math.floor((H + pt + pb - FH) / sh) + 1, WO = Math.floor((W + pl + pr - FW) / sw) + 1;
  const out = new Float32Array(K * HO * WO), x = t.data, w = L.w32, b = L.b32;
  for (let k = 0; k < K; k++) {
    for (let i = 0; i < HO; i++) {
      for (let j = 0; j < WO; j++) {
        let s = 0; // correlation: the window at (i*S - P, j*S - P) times the kernel, unflipped; padding is zeros
        for (let c = 0; c < C; c++) {
          for (let u = 0; u < FH; u++) {
            const r = i * sh - pt + u;
            if (r < 0 || r >= H) continue;
            for (let v = 0; v < FW; v++) {
              const q = j * sw - pl + v;
              if (q < 0 || q >= W) continue;
              s = f32(s + f32(w[((k * C + c) * FH + u) * FW + v] * x[(c * H + r) * W + q]));
            }
          }
        }
        out[(k * HO + i) * WO + j] = f32(s + b[k]);
      }
    }
  }
  return { shape: [K, HO, WO], data: out };
}

function maxpool(t, L) {
  const [C, H, W] = t.shape, { fh: FH, fw: FW } = L, [sh, sw] = L.stride;
  const HO = Math.floor((H - FH) / sh) + 1, WO = Math.floor((W - FW) / sw) + 1;
  const out = new Float32Array(C * HO * WO), x = t.data;
  for (let c = 0; c < C; c++) {
    for (let i = 0; i < HO; i++) {
      for (let j = 0; j < WO; j++) {
        let m = -Infinity;
        for (let u = 0; u < FH; u++) {
          for (let v = 0; v < FW; v++) m = Math.max(m, x[(c * H + i * sh + u) * W + j * sw + v]);
        }
        out[(c * HO + i) * WO + j] = m;
      }
    }
  }
  return { shape: [C, HO, WO], data: out };
}

function linear(t, L) {
  const out = new Float32Array(L.out), x = t.data, w = L.w32;
  if (x.length !== L.in) throw new Error(`Linear(${L.in}, ${L.out}) got ${x.length} inputs`);
  for (let o = 0; o < L.out; o++) {
    let s = 0;
    for (let i = 0; i < L.in; i++) s = f32(s + f32(w[o * L.in + i] * x[i]));
    out[o] = f32(s + L.b32[o]);
  }
  return { shape: [L.out], data: out };
}

const OPS = {
  conv,
  maxpool,
  linear,
  relu: (t) => {
    const out = new Float32Array(t.data.length);
    for (let i = 0; i < out.length; i++) out[i] = t.data[i] > 0 ? t.data[i] : 0;
    return { shape: t.shape, data: out };
  },
  flatten: (t) => ({ shape: [t.data.length], data: t.data }), // (C, H, W) in C order: convkit's reshape
};

// The state holds each weight array as its float32 numbers' little-endian bytes in base64 (convkit/playground.py):
// 33 kB for Chapter 9's network where a JSON list of the decimals took 78 kB, and decoded without parsing a number.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
function float32s(text, count, what) {
  const chars = atob(text), bytes = new Uint8Array(chars.length);
  for (let i = 0; i < chars.length; i++) bytes[i] = chars.charCodeAt(i);
  if (bytes.length !== 4 * count) throw new Error(`${what}: ${count} float32 numbers expected, got ${bytes.length} bytes`);
  if (LITTLE_ENDIAN) return new Float32Array(bytes.buffer);
  const view = new DataView(bytes.buffer);
  return Float32Array.from({ length: count }, (_, i) => view.getFloat32(4 * i, true));
}

// The weights as Float32Arrays, decoded once per state.
function prepare(layers) {
  return layers.map((L) => {
    if (L.W === undefined || L.w32) return L;
    const [n, m] = L.op === "conv" ? [L.k * L.c * L.fh * L.fw, L.k] : [L.out * L.in, L.out];
    return { ...L, w32: float32s(L.W, n, `${L.op} weights`), b32: float32s(L.b, m, `${L.op} bias`) };
  });
}

// Softmax in float32, shifted by the largest logit (no overflow).
function softmax(z) {
  const m = Math.max(...z), e = z.map((v) => f32(Math.exp(f32(v - m))));
  const total = e.reduce((a, v) => f32(a + v), 0);
  return e.map((v) => f32(v / total));
}

// image: (H, W) nested lists (one channel). Returns each layer's output, the logits and the probabilities.
export function forward(layers, image) {
  const ready = prepare(layers);
  let t = { shape: [1, image.length, image[0].length], data: Float32Array.from(image.flat()) };
  const outputs = ready.map((L) => {
    t = OPS[L.op](t, L);
    return { op: L.op, layer: L, shape: t.shape, data: t.data };
  });
  return { outputs, logits: t.data, probs: softmax(t.data) };
}

// ---- The page

function layerName(L, shapeIn) {
  if (L.op === "conv") {
    const pad = L.pad.every((p) => p === L.pad[0]) ? L.pad[0] : L.pad.join(", ");
    return `Conv2D(${shapeIn[0]} → ${L.k}, ${L.fh}×${L.fw}, padding ${pad})`;
  }
  if (L.op === "maxpool") return `MaxPool2D(${L.fh}×${L.fw}, stride ${L.stride[0]})`;
  return { relu: "ReLU", flatten: "Flatten", linear: `Linear(${L.in} → ${L.out})` }[L.op];
}

// All maps of a layer in one canvas (one canvas per map made a slow phone wait), 8 to a row, 32 px each:
// orange for positive values, blue for negative, white for 0, on one scale per layer.
const MAP_PX = 32, GAP = 4, PER_ROW = 8;

// A layer's figure: its caption and a canvas of the size its maps need, drawn later by paintMaps.
function mapFigure(parent, [C, H, W]) {
  const fig = document.createElement("figure"), dpr = window.devicePixelRatio || 1;
  fig.className = "ck-layer";
  fig.innerHTML = `<figcaption></figcaption><div class="ck-maps" aria-hidden="true"><canvas></canvas></div>`;
  const cv = fig.querySelector("canvas"), rows = Math.ceil(C / PER_ROW);
  const width = Math.min(C, PER_ROW) * (MAP_PX + GAP) - GAP, height = rows * (MAP_PX + GAP) - GAP;
  cv.width = Math.round(width * dpr); cv.height = Math.round(height * dpr);
  cv.style.width = `${width}px`; cv.style.height = `${height}px`;
  parent.appendChild(fig);
  return { cv, dpr, caption: fig.querySelector("figcaption") };
}

// The maps' cells as pixels, written into one ImageData (thousands of fillRect calls were the slowest part of
// the widget's start on a slow phone), then each map's frame.
function paintMaps({ cv, dpr }, t, scale) {
  const [C, H, W] = t.shape, cell = MAP_PX / Math.max(H, W), ctx = cv.getContext("2d");
  const image = ctx.createImageData(cv.width, cv.height), px = image.data, at = (v) => Math.round(v * dpr);
  for (let c = 0; c < C; c++) {
    const x0 = (c % PER_ROW) * (MAP_PX + GAP), y0 = Math.floor(c / PER_ROW) * (MAP_PX + GAP);
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < W; j++) {
        const v = t.data[(c * H + i) * W + j], a = Math.min(1, Math.abs(v) / scale);
        const [r, g, b] = (v >= 0 ? [213, 94, 0] : [0, 114, 178]).map((u) => Math.round(255 - a * (255 - u)));
        for (let y = at(y0 + i * cell); y < at(y0 + (i + 1) * cell); y++) {
          for (let x = at(x0 + j * cell), e = at(x0 + (j + 1) * cell); x < e; x++) {
            const p = 4 * (y * cv.width + x);
            px[p] = r; px[p + 1] = g; px[p + 2] = b; px[p + 3] = 255;
          }
        }
      }
    }
  }
  ctx.putImageData(image, 0, 0);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.strokeStyle = "#999";
  ctx.lineWidth = 1;
  for (let c = 0; c < C; c++) {
    const x0 = (c % PER_ROW) * (MAP_PX + GAP), y0 = Math.floor(c / PER_ROW) * (MAP_PX + GAP);
    ctx.strokeRect(x0 + 0.5, y0 + 0.5, W * cell - 1, H * cell - 1);
  }
}

function shell(el, H, W) {
  const root = document.createElement("div");
  root.className = "ck-stepper ck-playground";
  root.innerHTML = `
    <div class="ck-row" role="group" aria-label="Choose the digit">
      <label>Digit <select class="ck-pick"></select></label>
      <button type="button" class="ck-clear">Clear</button>
      <button type="button" class="ck-erase" aria-pressed="false">Erase with the pointer</button>
    </div>
    <p class="ck-help">Draw with the mouse or a finger. Keyboard: focus the grid, arrow keys move the
      cursor, Space or Enter paints, Delete or Backspace erases.</p>
    <div class="ck-row">
      <figure><figcaption>Input, ${H}×${W}</figcaption>
        <div class="ck-draw" tabindex="0" role="application" style="--ck-w: ${W}"></div>
        <p class="ck-sr ck-where" aria-live="polite"></p></figure>
      <figure><figcaption>Softmax probabilities</figcaption><table class="ck-probs"></table></figure>
    </div>
    <p class="ck-pred" aria-live="polite"></p>
    <div class="ck-layers"></div>`;
  el.appendChild(root);
  const style = document.createElement("style");
  style.textContent = STYLE;
  el.prepend(style);
  return root;
}

// The drawing grid: mouse, touch and pen through pointer events, and the keyboard through a cursor.
function drawingGrid(root, H, W, ink, paint) {
  const grid = root.querySelector(".ck-draw"), where = root.querySelector(".ck-where");
  const cells = Array.from({ length: H * W }, () => grid.appendChild(document.createElement("div")));
  grid.setAttribute("aria-label", `Drawing grid, ${H} by ${W} cells: arrow keys move the cursor, Space or Enter `
    + "paints the cell, Delete or Backspace erases it");
  let cur = [0, 0], down = false;
  const at = (e) => {
    const r = grid.getBoundingClientRect();
    return [Math.min(H - 1, Math.max(0, Math.floor(((e.clientY - r.top) / r.height) * H))),
      Math.min(W - 1, Math.max(0, Math.floor(((e.clientX - r.left) / r.width) * W)))];
  };
  grid.addEventListener("pointerdown", (e) => {
    down = true;
    grid.setPointerCapture(e.pointerId);
    cur = at(e);
    paint(cur, null);
    e.preventDefault();
  });
  grid.addEventListener("pointermove", (e) => { if (down) { cur = at(e); paint(cur, null); } });
  const stop = () => { down = false; };
  grid.addEventListener("pointerup", stop);
  grid.addEventListener("pointercancel", stop);
  const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
  grid.addEventListener("keydown", (e) => {
    if (moves[e.key]) {
      cur = [Math.min(H - 1, Math.max(0, cur[0] + moves[e.key][0])), Math.min(W - 1, Math.max(0, cur[1] + moves[e.key][1]))];
      paint(cur, "move");
    } else if (e.key === " " || e.key === "Enter") paint(cur, "ink");
    else if (e.key === "Delete" || e.key === "Backspace") paint(cur, "erase");
    else return;
    e.preventDefault();
  });
  return (image) => {
    image.flat().forEach((v, p) => {
      const g = Math.round(255 * (1 - Math.min(1, v / Math.max(1e-12, ink))));
      cells[p].style.background = `rgb(${g}, ${g}, ${g})`;
      cells[p].className = p === cur[0] * W + cur[1] ? "cur" : "";
    });
    where.textContent = `Row ${cur[0] + 1}, column ${cur[1] + 1}: ink ${fmt(image[cur[0]][cur[1]])}`;
  };
}

function render({ model, el }) {
  const layers = prepare(model.get("layers")), samples = model.get("samples"), labels = model.get("labels");
  const H = samples[0].length, W = samples[0][0].length;
  const ink = model.get("ink"), root = shell(el, H, W), pick = root.querySelector(".ck-pick"), erase = root.querySelector(".ck-erase");
  pick.innerHTML = `<option value="-1">your drawing</option>`
    + samples.map((_, n) => `<option value="${n}">test digit ${n + 1} (${aDigit(labels[n])})</option>`).join("");
  const same = (a, b) => a.every((row, i) => row.every((v, j) => v === b[i][j]));
  const setImage = (image) => { model.set("image", image); model.save_changes(); };
  const paintCell = ([i, j], how) => {
    if (how === "move") { draw(); return; }
    const image = model.get("image").map((row) => row.slice());
    const value = how === "erase" || (how === null && erase.getAttribute("aria-pressed") === "true") ? 0 : ink;
    image[i][j] = value;
    setImage(image);
  };
  const showGrid = drawingGrid(root, H, W, ink, paintCell);
  root.querySelector(".ck-clear").addEventListener("click", () => setImage(samples[0].map((row) => row.map(() => 0))));
  erase.addEventListener("click", () => erase.setAttribute("aria-pressed",
    String(erase.getAttribute("aria-pressed") !== "true")));
  pick.addEventListener("change", () => { if (pick.value !== "-1") setImage(samples[Number(pick.value)]); });
  const probs = root.querySelector(".ck-probs"), pred = root.querySelector(".ck-pred");
  probs.innerHTML = Array.from({ length: 10 }, (_, d) => `<tr><th scope="row">${d}</th><td class="ck-barcell">`
    + `<div class="ck-bar" aria-hidden="true"></div></td><td class="ck-pct"></td></tr>`).join("");
  const boxes = [];
  // The feature maps are painted after the rest: on the first view after the browser has shown the grid, the
  // bars and the answer (so the widget appears without waiting for them), then once a frame, however many
  // cells a stroke of the pointer paints in it.
  let queued = null, frame = 0;
  const paintQueued = () => { frame = 0; queued.forEach(([box, o, scale]) => paintMaps(box, o, scale)); };
  const draw = () => {
    const image = model.get("image"), n = samples.findIndex((s) => same(s, image));
    pick.value = String(n);
    showGrid(image);
    const { outputs, probs: p } = forward(layers, image);
    const best = p.indexOf(Math.max(...p));
    probs.querySelectorAll("tr").forEach((tr, d) => {
      tr.className = d === best ? "top" : "";
      tr.querySelector(".ck-bar").style.width = `${(100 * p[d]).toFixed(1)}%`;
      tr.querySelector(".ck-pct").textContent = `${(100 * p[d]).toFixed(1)} %`;
    });
    pred.textContent = `The network reads ${aDigit(best)} (probability ${p[best].toFixed(2)})`
      + (n >= 0 ? `; the test digit's label is ${labels[n]}.` : ".");
    let shapeIn = [1, H, W];
    const first = queued === null;
    queued = [];
    outputs.forEach((o, m) => {
      if (o.shape.length !== 3) { shapeIn = o.shape; return; }
      if (!boxes[m]) boxes[m] = mapFigure(root.querySelector(".ck-layers"), o.shape);
      const scale = o.data.reduce((a, v) => Math.max(a, Math.abs(v)), 1e-12);
      boxes[m].caption.textContent = `After ${layerName(o.layer, shapeIn)}: ${o.shape[0]} maps `
        + `${o.shape[1]}×${o.shape[2]}, largest |value| ${fmt(scale)}`;
      queued.push([boxes[m], o, scale]);
      shapeIn = o.shape;
    });
    if (!frame) frame = requestAnimationFrame(() => (first ? setTimeout(paintQueued, 0) : paintQueued()));
  };
  model.on("change:image", draw);
  draw();
  return () => cancelAnimationFrame(frame);
}

export default { render };

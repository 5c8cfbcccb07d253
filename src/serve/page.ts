/**
 * The browser page of `zarr-plan serve` (`GET /`): no framework, one HTML document with its script.
 * Pick an array (from `/v1/tree`), type a selection (the `--select` syntax), read it: the page shows
 * the `explain` text (`/v1/explain`), a progress bar while the PNG (`/v1/data?format=png`) loads,
 * then the image and a viridis colour bar labelled with the range the service used
 * (`X-Zarr-Vmin` / `X-Zarr-Vmax`), or the service's error message.
 * @module
 */
import { VIRIDIS } from "../present/colormap.js";

/** The 256 viridis entries as CSS hex colours. */
const COLORS = Array.from(
  { length: VIRIDIS.length / 3 },
  (_, i) => `#${[0, 1, 2].map((k) => VIRIDIS[3 * i + k]!.toString(16).padStart(2, "0")).join("")}`,
);

/** The page's script (plain ES2020, runs in any current browser). */
const SCRIPT = `
const COLORS = ${JSON.stringify(COLORS)};
const $ = (id) => document.getElementById(id);
const state = (s) => { $("status").textContent = s; document.body.dataset.state = s; };

function arraysOf(node, out) {
  if (node.kind === "array") out.push(node);
  for (const c of node.children || []) arraysOf(c, out);
  return out;
}

function drawColorbar() {
  const c = $("colorbar");
  const g = c.getContext("2d");
  COLORS.forEach((color, i) => { g.fillStyle = color; g.fillRect(i, 0, 1, c.height); });
}

function defaultSelection(a) {
  if (a.shape.length !== 2) return a.shape.map(() => "0").join(", ");
  const step = Math.max(1, Math.ceil(Math.max(a.shape[0], a.shape[1]) / 512));
  return step === 1 ? ":, :" : "::" + step + ", ::" + step;
}

async function errorText(r) {
  try { const e = await r.json(); return e.code ? e.code + ": " + e.error : e.error; }
  catch { return "HTTP " + r.status; }
}

function query() {
  const q = new URLSearchParams();
  const sel = $("select").value.trim();
  if (sel !== "") q.set("select", sel);
  return q;
}

async function readBody(r) {
  const total = Number(r.headers.get("content-length") || 0);
  const reader = r.body.getReader();
  const parts = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    n += value.length;
    if (total > 0) $("progress").value = n / total;
  }
  return new Blob(parts, { type: r.headers.get("content-type") || "" });
}

async function read() {
  const path = $("array").value.split("/").map(encodeURIComponent).join("/");
  if (!path) return;
  $("error").textContent = "";
  $("result").removeAttribute("src");
  $("colorbar-box").hidden = true;
  $("progress").hidden = false;
  $("progress").removeAttribute("value");
  state("loading");
  try {
    const q = query();
    const ex = await fetch("v1/explain/" + path + "?" + q);
    $("explain").textContent = ex.ok ? await ex.text() : "";
    if (!ex.ok) throw new Error(await errorText(ex));
    q.set("format", "png");
    for (const k of ["vmin", "vmax"]) if ($(k).value.trim() !== "") q.set(k, $(k).value.trim());
    if ($("flip").checked) q.set("flip_y", "1");
    const r = await fetch("v1/data/" + path + "?" + q);
    if (!r.ok) throw new Error(await errorText(r));
    const blob = await readBody(r);
    const img = $("result");
    await new Promise((resolve, reject) => {
      img.onload = resolve;
      img.onerror = () => reject(new Error("the image could not be decoded"));
      img.src = URL.createObjectURL(blob);
    });
    for (const k of ["vmin", "vmax"]) {
      const v = Number(r.headers.get("x-zarr-" + k));
      $(k + "-label").dataset.value = String(v);
      $(k + "-label").textContent = String(Number(v.toPrecision(6)));
    }
    $("shape").textContent = r.headers.get("x-zarr-dtype") + " [" + r.headers.get("x-zarr-shape") + "]";
    $("colorbar-box").hidden = false;
    state("done");
  } catch (e) {
    $("error").textContent = e.message;
    state("error");
  } finally {
    $("progress").hidden = true;
  }
}

async function init() {
  drawColorbar();
  state("loading tree");
  const r = await fetch("v1/tree");
  if (!r.ok) { $("error").textContent = await errorText(r); state("error"); return; }
  const arrays = arraysOf(await r.json(), []);
  for (const a of arrays) {
    const o = document.createElement("option");
    o.value = a.path;
    o.textContent = a.path + "  " + a.dtype + " [" + a.shape.join(", ") + "]";
    o.dataset.selection = defaultSelection(a);
    $("array").append(o);
  }
  const pick = () => { const o = $("array").selectedOptions[0]; if (o) $("select").value = o.dataset.selection; };
  $("array").addEventListener("change", pick);
  pick();
  $("form").addEventListener("submit", (e) => { e.preventDefault(); void read(); });
  state("ready");
}
void init();
`;

/** The HTML of the page. */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>zarr-plan serve</title>
<style>
  body { font: 14px system-ui, sans-serif; margin: 1.5em; color: #222; }
  form { display: flex; flex-wrap: wrap; gap: .5em; align-items: center; margin-bottom: 1em; }
  input[type=text] { font-family: ui-monospace, monospace; }
  #select { width: 18em; } #vmin, #vmax { width: 6em; }
  pre { background: #f4f4f4; padding: .6em; overflow-x: auto; font-size: 12px; }
  #result { image-rendering: pixelated; display: block; }
  #colorbar { width: 256px; height: 14px; display: block; }
  #colorbar-box { margin-top: .5em; }
  .bar-labels { display: flex; justify-content: space-between; width: 256px; font-size: 12px; }
  #error { color: #b00020; white-space: pre-wrap; }
  #progress { width: 256px; }
</style>
</head>
<body>
<h1>zarr-plan serve</h1>
<form id="form">
  <label>array <select id="array"></select></label>
  <label>select <input id="select" type="text" spellcheck="false" placeholder="0:256, 0:256"></label>
  <label>vmin <input id="vmin" type="text"></label>
  <label>vmax <input id="vmax" type="text"></label>
  <label><input id="flip" type="checkbox"> last row at the top</label>
  <button id="go" type="submit">read</button>
  <span id="status">loading</span>
</form>
<progress id="progress" hidden></progress>
<div id="error"></div>
<h2>explain</h2>
<pre id="explain"></pre>
<h2>result <span id="shape"></span></h2>
<img id="result" alt="">
<div id="colorbar-box" hidden>
  <canvas id="colorbar" width="256" height="1"></canvas>
  <div class="bar-labels"><span id="vmin-label"></span><span id="vmax-label"></span></div>
</div>
<script type="module">${SCRIPT}</script>
</body>
</html>
`;

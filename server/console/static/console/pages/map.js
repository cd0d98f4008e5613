// Process map page: sliders, overlay, perspective, pan/zoom, node statistics, sub-maps, export.
import { api, fmt, h, qs, field, start, ready, studyId, announce, download, errorBox } from "../core.js";
import { filterBar, getSpec, setSpec, specParam } from "../filters.js";

const SVGNS = "http://www.w3.org/2000/svg";
const OVERLAYS = [["frequency", "Absolute frequency"], ["case", "Case frequency"], ["case-pct", "Relative case frequency"],
  ["duration-mean", "Mean duration"], ["duration-median", "Median duration"], ["duration-total", "Total duration"],
  ["duration-min", "Minimum duration"], ["duration-max", "Maximum duration"]];
const study = studyId();
const STATE_KEY = `taskloom.map.${study}`;

const state = Object.assign({ view: "map", noise: 20, nodes: 100, arcs: null, overlay: "frequency", color: "frequency", perspective: "concept:name", direction: "TB", expand: [] },
  JSON.parse(sessionStorage.getItem(STATE_KEY) || "{}"));
const save = () => sessionStorage.setItem(STATE_KEY, JSON.stringify(state));

let doc = null;          // the last map document from the server
let view = { x: 0, y: 0, k: 1, fitted: false };
let pending = null;      // AbortController of the request in flight
let selected = null;
const timings = (window.__mapTimings = []);

function slider(label, key, els, { min = 1, step = 1, show = (v) => `${v} %` } = {}) {
  const input = h("input", { type: "range", min, max: 100, step, value: state[key] ?? 100, id: `slider-${key}`, "aria-valuetext": show(state[key] ?? 100) });
  const out = h("output", { for: input.id }, show(state[key] ?? 100));
  input.addEventListener("input", () => {
    state[key] = Number(input.value);
    out.textContent = show(input.value);
    input.setAttribute("aria-valuetext", show(input.value));
    schedule();
  });
  els[key] = { input, out };
  return h("div", { class: "field" }, h("label", { for: input.id }, label, " ", out), input);
}

function selectControl(label, id, options, value, onChange) {
  const el = h("select", { id }, options.map(([v, t]) => h("option", { value: v, selected: v === value }, t)));
  el.addEventListener("change", () => onChange(el.value));
  return field(label, el);
}

let timer = null;
function schedule(delay = 15) {
  clearTimeout(timer);
  // Discovery costs more than a map redraw: let a dragged slider settle first (a select's
  // change, delay 0, goes at once).
  timer = setTimeout(load, state.view === "bpmn" && delay > 0 ? Math.max(delay, 250) : delay);
}

function bpmnParams() {
  return { filter: specParam(getSpec(study)), noise: (state.noise / 100).toFixed(2), color: state.color, perspective: state.perspective };
}

async function load() {
  save();
  if (pending) pending.abort();
  pending = new AbortController();
  const t0 = performance.now();
  const bpmn = state.view === "bpmn";
  const params = bpmn ? bpmnParams() : { filter: specParam(getSpec(study)), nodes: state.nodes, arcs: state.arcs ?? undefined, overlay: state.overlay,
    color: state.color, perspective: state.perspective, direction: state.direction, expand: state.expand };
  // Discovery takes seconds on a large log the first time (then it is cached): say so.
  if (bpmn) els.counts.textContent = "Discovering the BPMN model…";
  els.box.setAttribute("aria-busy", "true");
  try {
    const next = await api(`/api/v1/studies/${study}/${bpmn ? "bpmn" : "map"}${qs(params)}`, { signal: pending.signal });
    els.box.setAttribute("aria-busy", "false");
    if (bpmn) drawBpmn(next); else draw(next);
    timings.push(performance.now() - t0);
  } catch (err) {
    if (err.name === "AbortError") return;
    els.box.setAttribute("aria-busy", "false");
    els.msg.replaceChildren(errorBox(err));
    els.msg.hidden = false;
  }
}

let els = {};

function parseSvg(text) {
  const parsed = new DOMParser().parseFromString(text, "image/svg+xml");
  return document.importNode(parsed.documentElement, true);
}

function drawEmpty() {
  els.msg.replaceChildren(h("p", { class: "empty" }, doc.total_events ? "No cases pass the filters. Clear or change them." : "This study has no system log yet. Import one on the Data page."));
  els.counts.textContent = "";
  document.body.dataset.mapVersion = String(Number(document.body.dataset.mapVersion || 0) + 1);
}

// ---- the BPMN view: the Inductive Miner's model of the filtered log, with overlays

function drawBpmn(next) {
  const sameCanvas = doc && doc.kind === "bpmn" && doc.width === next.width && doc.height === next.height;
  doc = Object.assign(next, { kind: "bpmn" });
  els.msg.hidden = !doc.empty;
  els.viewport.style.visibility = doc.empty ? "hidden" : "visible";
  if (doc.empty) { drawEmpty(); return; }
  const model = parseSvg(doc.svg);
  model.setAttribute("class", "taskloom-map taskloom-bpmn");
  model.setAttribute("width", doc.width); model.setAttribute("height", doc.height);
  model.setAttribute("overflow", "visible");
  els.content.replaceChildren(model);
  const byId = new Map(doc.task_stats.map((t) => [t.id, t]));
  model.querySelectorAll("g.node.task").forEach((g) => {
    const t = byId.get(g.dataset.id);
    if (!t) return;
    g.setAttribute("tabindex", "0");
    g.setAttribute("role", "button");
    g.setAttribute("aria-label", `${t.name}: ${fmt.count(t.frequency)} events${t.mean_s !== null && t.mean_s !== undefined ? `, mean duration ${fmt.duration(t.mean_s)}` : ""}`);
    const pick = () => { selected = t.name; model.querySelectorAll("g.node.selected").forEach((x) => x.classList.remove("selected")); g.classList.add("selected"); showBpmnDetails(t); };
    g.addEventListener("click", pick);
    g.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); pick(); } });
    if (selected === t.name) { g.classList.add("selected"); showBpmnDetails(t); }
  });
  if (!sameCanvas || !view.fitted) fit(); else applyView();
  els.counts.textContent = `BPMN model (Inductive Miner, noise ${(state.noise / 100).toFixed(2)}): ${doc.tasks} tasks, ${doc.gateways} gateways, ${doc.flows} sequence flows, from ${fmt.count(doc.cases)} cases.`;
  if (!selected || !doc.task_stats.some((t) => t.name === selected)) showBpmnDetails(null);
  document.body.dataset.mapVersion = String(Number(document.body.dataset.mapVersion || 0) + 1);
}

function showBpmnDetails(task) {
  if (!task) {
    els.details.replaceChildren(h("h2", {}, "BPMN model"), h("p", { class: "hint" },
      "Discovered by the Inductive Miner (infrequent variant) from the cases that pass the filters. Tasks are coloured and labelled by ",
      state.color === "duration" ? "mean duration" : "frequency", "; sequence flows by how often replayed cases took them. ",
      "A higher noise threshold leaves out rarer behaviour. Select a task for its figures."));
    return;
  }
  els.details.replaceChildren(h("h2", {}, task.name), h("dl", { class: "kv" },
    h("dt", {}, "Events"), h("dd", {}, fmt.count(task.frequency)),
    h("dt", {}, "Mean duration"), h("dd", {}, fmt.duration(task.mean_s))));
}

async function downloadModel(format) {
  try {
    const resp = await api(`/api/v1/studies/${study}/bpmn/export${qs({ ...bpmnParams(), color: undefined, format })}`, { raw: true });
    download(`${fileBase()}-model.${format}`, await resp.blob(), "application/xml");
    announce(`Model downloaded as .${format}`);
  } catch (err) {
    els.msg.replaceChildren(errorBox(err));
    els.msg.hidden = false;
  }
}

function draw(next) {
  const sameCanvas = doc && doc.kind !== "bpmn" && doc.width === next.width && doc.height === next.height && doc.perspective === next.perspective;
  doc = next;
  els.msg.hidden = !doc.empty;
  els.viewport.style.visibility = doc.empty ? "hidden" : "visible";
  if (doc.empty) { drawEmpty(); return; }
  if (state.arcs === null) { els.arcs.input.value = Math.round(doc.arcs_pct); els.arcs.out.textContent = `${Math.round(doc.arcs_pct)} %`; }
  const map = parseSvg(doc.svg);
  map.setAttribute("class", "taskloom-map");
  map.removeAttribute("width"); map.removeAttribute("height");
  map.setAttribute("width", doc.width); map.setAttribute("height", doc.height);
  map.setAttribute("overflow", "visible");
  els.content.replaceChildren(map);
  const byName = new Map(doc.nodes.map((n) => [n.name, n]));
  map.querySelectorAll("g.node").forEach((g) => {
    const name = g.dataset.name;
    const node = byName.get(name);
    if (!node) { g.setAttribute("aria-hidden", "true"); return; }
    g.setAttribute("tabindex", "0");
    g.setAttribute("role", "button");
    g.setAttribute("aria-label", `${name}: ${fmt.count(node.frequency)} events, ${fmt.count(node.cases)} cases${node.expandable ? ", has tasks" : ""}`);
    if (node.expandable) g.classList.add("expandable");
    if (state.expand.includes(name)) g.classList.add("expanded");
    if (selected === name) g.classList.add("selected");
    g.addEventListener("click", () => select(name));
    g.addEventListener("dblclick", () => node.expandable && toggleExpand(name));
    g.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); select(name); }
      if ((e.key === "e" || e.key === "E") && node.expandable) toggleExpand(name);
    });
  });
  for (const sub of doc.submaps) drawSubmap(sub, byName.get(sub.activity));
  if (doc.unattributed && doc.unattributed.tasks) drawUnattributed(doc.unattributed);
  if (!sameCanvas || !view.fitted) fit();
  else applyView();
  const shownArcs = doc.edges.length;
  els.counts.textContent = `Showing ${doc.nodes.length} of ${doc.node_count} nodes and ${shownArcs} of ${doc.edge_count} arcs.`
    + (doc.unattributed && doc.unattributed.tasks ? ` ${fmt.count(doc.unattributed.tasks)} unattributed task instances are grouped under the map.` : "");
  if (selected) showDetails(byName.get(selected));
  document.body.dataset.mapVersion = String(Number(document.body.dataset.mapVersion || 0) + 1);
}

function drawSubmap(sub, node) {
  if (!node) return;
  const maxW = 440, maxH = 380;
  const k = Math.min(1, maxW / sub.width, maxH / sub.height);
  const w = sub.width * k, ht = sub.height * k;
  const x = node.x + node.w / 2 + 18;
  const y = node.y + doc.offset_y - ht / 2 - 14;
  const g = document.createElementNS(SVGNS, "g");
  g.setAttribute("class", "submap");
  g.dataset.activity = sub.activity;
  const frame = document.createElementNS(SVGNS, "rect");
  Object.entries({ x: x - 6, y: y - 6, width: w + 12, height: ht + 34, rx: 8, class: "submap-frame" }).forEach(([a, v]) => frame.setAttribute(a, v));
  const title = document.createElementNS(SVGNS, "text");
  Object.entries({ x, y: y + 12, class: "submap-title" }).forEach(([a, v]) => title.setAttribute(a, v));
  title.textContent = `Tasks in ${sub.activity} · ${fmt.count(sub.instances)} task instances`;
  const inner = parseSvg(sub.svg);
  Object.entries({ x, y: y + 22, width: w, height: ht, viewBox: `0 0 ${sub.width} ${sub.height + 46}` }).forEach(([a, v]) => inner.setAttribute(a, v));
  inner.setAttribute("class", "taskloom-submap");
  inner.setAttribute("role", "img");
  inner.setAttribute("aria-label", `Task-level map under ${sub.activity}: ${sub.nodes} task types`);
  const line = document.createElementNS(SVGNS, "path");
  line.setAttribute("d", `M${node.x + node.w / 2},${node.y + doc.offset_y}L${x - 6},${node.y + doc.offset_y}`);
  line.setAttribute("stroke", "#E69F00"); line.setAttribute("stroke-width", "2");
  g.append(line, frame, title, inner);
  els.content.append(g);
}

/** The task instances linked to no system event, as a group beside the map (they are never dropped). */
function drawUnattributed(u) {
  // Below the map, where no sub-map opens (sub-maps open to the right of their node).
  const x = 10, y = doc.height + 30, w = 320;
  const lines = [`${fmt.count(u.tasks)} task instances · ${fmt.duration(u.active_s)} active`,
    `${fmt.count(u.no_case)} without a case, ${fmt.count(u.case_only)} with a case but no system event`,
    ...u.top_types.map((t) => `${t.name}: ${fmt.count(t.instances)} (${fmt.duration(t.active_s)})`)];
  const g = document.createElementNS(SVGNS, "g");
  g.setAttribute("class", "unattributed");
  g.setAttribute("role", "img");
  g.setAttribute("aria-label", `Unattributed work: ${lines.join("; ")}`);
  const frame = document.createElementNS(SVGNS, "rect");
  Object.entries({ x, y, width: w, height: 40 + 18 * lines.length, rx: 8, class: "unattributed-frame" }).forEach(([a, v]) => frame.setAttribute(a, v));
  g.append(frame);
  [["Unattributed work", "unattributed-title"], ...lines.map((l) => [l, "unattributed-line"])].forEach(([text, cls], i) => {
    const t = document.createElementNS(SVGNS, "text");
    Object.entries({ x: x + 12, y: y + 24 + 18 * i, class: cls }).forEach(([a, v]) => t.setAttribute(a, v));
    t.textContent = text.length > 46 ? `${text.slice(0, 45)}…` : text;
    g.append(t);
  });
  els.content.append(g);
}

function toggleExpand(name) {
  const i = state.expand.indexOf(name);
  if (i >= 0) state.expand.splice(i, 1); else state.expand.push(name);
  announce(i >= 0 ? `Collapsed ${name}` : `Expanded the tasks of ${name}`);
  schedule(0);
}

function select(name) {
  selected = name;
  els.content.querySelectorAll("g.node.selected").forEach((g) => g.classList.remove("selected"));
  const g = [...els.content.querySelectorAll("g.node")].find((x) => x.dataset.name === name);
  if (g) g.classList.add("selected");
  showDetails(doc.nodes.find((n) => n.name === name));
}

function showDetails(node) {
  if (!node) { els.details.replaceChildren(h("h2", {}, "Details"), h("p", { class: "hint" }, "Select a node (click, or Tab then Enter) to see its statistics.")); return; }
  const rows = [["Events", fmt.count(node.frequency)], ["Cases", `${fmt.count(node.cases)} (${fmt.pct(node.cases, doc.total_cases)})`],
    ["Starts cases", fmt.count(node.starts)], ["Ends cases", fmt.count(node.ends)]];
  if (node.duration_mean_s !== undefined) rows.push(["Mean duration", fmt.duration(node.duration_mean_s)], ["Median duration", fmt.duration(node.duration_median_s)]);
  const nb = (title, list) => list.length ? h("table", {}, h("caption", {}, title), h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Activity"), h("th", { scope: "col", class: "num" }, "Times"), h("th", { scope: "col", class: "num" }, "Mean gap"))),
    h("tbody", {}, list.map((x) => h("tr", {}, h("td", {}, x.name), h("td", { class: "num" }, fmt.count(x.frequency)), h("td", { class: "num" }, fmt.duration(x.mean_s)))))) : null;
  const perspectiveIsActivity = doc.perspective === "concept:name";
  const d = node.desk;
  const desk = d ? h("section", { class: "desk", "aria-label": "Desk work" }, h("h3", {}, "Desk work (linked tasks)"),
    h("dl", { class: "kv" },
      h("dt", {}, "Occurrences with work"), h("dd", {}, `${fmt.count(d.with_work)} of ${fmt.count(d.occurrences)}`),
      h("dt", {}, "Cases with work"), h("dd", {}, `${fmt.count(d.cases_with_work)} of ${fmt.count(d.cases)}`),
      h("dt", {}, "Task instances"), h("dd", {}, fmt.count(d.tasks)),
      h("dt", {}, "Desk time per occurrence"), h("dd", {}, `median ${fmt.duration(d.median_s)}, mean ${fmt.duration(d.mean_s)}`),
      h("dt", {}, "Desk time in total"), h("dd", {}, fmt.duration(d.total_s))),
    d.top_types.length ? h("p", { class: "hint" }, "Top task types: ", d.top_types.map((t) => `${t.name} (${fmt.count(t.instances)})`).join(", ")) : null) : null;
  els.details.replaceChildren(...[
    h("h2", {}, node.name),
    h("dl", { class: "kv" }, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
    desk,
    node.expandable ? h("p", {}, h("button", { type: "button", class: "expand", onclick: () => toggleExpand(node.name) }, state.expand.includes(node.name) ? "Collapse tasks" : "Expand tasks")) : null,
    perspectiveIsActivity ? h("p", {}, h("button", { type: "button", class: "secondary", onclick: () => { setSpec(study, [...getSpec(study), { type: "activity", activities: [node.name], retain: true }]); announce(`Filtered to cases with ${node.name}`); } }, "Keep cases with this activity")) : null,
    nb("Comes after", node.in), nb("Goes to", node.out)].filter(Boolean));
}

// ---- pan and zoom (the transform survives redraws, so nodes stay put on screen too)

function applyView() {
  els.content.setAttribute("transform", `translate(${view.x},${view.y}) scale(${view.k})`);
}

// Labels are 12 map units high (11 on BPMN tasks); below 9 px on screen they are hard to read.
const MIN_TEXT_PX = 9;
const readableK = () => MIN_TEXT_PX / (doc && doc.kind === "bpmn" ? 11 : 12);

/** The whole map in the viewport, however small its labels get (the overview). */
function fitWhole() {
  if (!doc || doc.empty) return;
  const box = els.viewport.getBoundingClientRect();
  const k = Math.min(box.width / doc.width, box.height / doc.height, 1.5) || 1;
  view = { k, x: (box.width - doc.width * k) / 2, y: Math.max(8, (box.height - doc.height * k) / 2), fitted: true };
  applyView();
}

/** The start node's centre in map units (where a reader begins), or null. */
function startPoint() {
  const g = els.content.querySelector("svg.taskloom-map g.node.start");
  if (!g) return null;
  const b = g.getBBox();
  return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
}

/**
 * The initial view: the whole map when its labels stay readable; else the smallest zoom
 * that keeps them readable (so as much of the map as possible shows), at the beginning of
 * the flow (the top for a top-to-bottom map, the left for left-to-right), centred on the
 * start node. Pan and zoom from there as usual; "Whole map" shows all of it.
 */
function fit() {
  if (!doc || doc.empty) return;
  const box = els.viewport.getBoundingClientRect();
  const whole = Math.min(box.width / doc.width, box.height / doc.height, 1.5) || 1;
  const k = readableK();
  if (whole >= k) { fitWhole(); return; }
  const vertical = doc.kind === "bpmn" ? false : state.direction !== "LR";
  const start = startPoint() || { x: doc.width / 2, y: doc.height / 2 };
  const centre = (size, len, at) => (len * k <= size ? (size - len * k) / 2
    : Math.min(8, Math.max(size - len * k - 8, size / 2 - at * k)));
  view = vertical ? { k, x: centre(box.width, doc.width, start.x), y: 8, fitted: true }
    : { k, x: 8, y: centre(box.height, doc.height, start.y), fitted: true };
  applyView();
}

function zoom(factor, cx, cy) {
  const box = els.viewport.getBoundingClientRect();
  const px = cx ?? box.width / 2, py = cy ?? box.height / 2;
  const k = Math.min(8, Math.max(0.05, view.k * factor));
  view.x = px - (px - view.x) * (k / view.k);
  view.y = py - (py - view.y) * (k / view.k);
  view.k = k;
  applyView();
}

function panZoom(svg) {
  let drag = null;
  svg.addEventListener("wheel", (e) => {
    e.preventDefault();
    const r = svg.getBoundingClientRect();
    zoom(e.deltaY < 0 ? 1.15 : 1 / 1.15, e.clientX - r.left, e.clientY - r.top);
  }, { passive: false });
  svg.addEventListener("pointerdown", (e) => {
    if (e.target.closest && e.target.closest("g.node")) return;
    drag = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y };
    svg.setPointerCapture(e.pointerId);
    svg.classList.add("dragging");
  });
  svg.addEventListener("pointermove", (e) => {
    if (!drag) return;
    view.x = drag.vx + e.clientX - drag.x; view.y = drag.vy + e.clientY - drag.y;
    applyView();
  });
  const end = () => { drag = null; svg.classList.remove("dragging"); };
  svg.addEventListener("pointerup", end);
  svg.addEventListener("pointercancel", end);
  svg.addEventListener("keydown", (e) => {
    if (e.target !== svg) return;
    const step = 40;
    const moves = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
    if (moves[e.key]) { view.x += moves[e.key][0]; view.y += moves[e.key][1]; applyView(); e.preventDefault(); }
    if (e.key === "+" || e.key === "=") zoom(1.2);
    if (e.key === "-") zoom(1 / 1.2);
    if (e.key === "0") fit();
    if (e.key === "9") fitWhole();
  });
}

// ---- export

function standalone() {
  const map = els.content.querySelector("svg.taskloom-map");
  const bbox = els.content.getBBox();
  const w = Math.max(doc.width, bbox.x + bbox.width + 10), ht = Math.max(doc.height, bbox.y + bbox.height + 10);
  const out = document.createElementNS(SVGNS, "svg");
  out.setAttribute("xmlns", SVGNS);
  out.setAttribute("width", Math.ceil(w)); out.setAttribute("height", Math.ceil(ht));
  out.setAttribute("viewBox", `0 0 ${Math.ceil(w)} ${Math.ceil(ht)}`);
  const bg = document.createElementNS(SVGNS, "rect");
  bg.setAttribute("width", "100%"); bg.setAttribute("height", "100%"); bg.setAttribute("fill", "#ffffff");
  out.append(bg);
  for (const child of els.content.children) {
    const copy = child.cloneNode(true);
    copy.querySelectorAll("[tabindex],[role]").forEach((n) => { n.removeAttribute("tabindex"); n.removeAttribute("role"); });
    if (child === map) copy.removeAttribute("class");
    out.append(copy);
  }
  return { text: new XMLSerializer().serializeToString(out), w: Math.ceil(w), h: Math.ceil(ht) };
}

function fileBase() { return `process-map-study${study}-${state.perspective.replace(/[^\w]+/g, "_")}`; }

function exportSvg() {
  const { text } = standalone();
  download(`${fileBase()}.svg`, `<?xml version="1.0" encoding="UTF-8"?>\n${text}`, "image/svg+xml");
  announce("Map exported as SVG");
}

function exportPng() {
  const { text, w, h: ht } = standalone();
  const img = new Image();
  const url = URL.createObjectURL(new Blob([text], { type: "image/svg+xml" }));
  img.onload = () => {
    const scale = Math.min(2, 16000 / Math.max(w, ht));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(w * scale); canvas.height = Math.round(ht * scale);
    const ctx = canvas.getContext("2d");
    ctx.scale(scale, scale);
    ctx.drawImage(img, 0, 0);
    URL.revokeObjectURL(url);
    canvas.toBlob((blob) => { download(`${fileBase()}.png`, blob, "image/png"); announce("Map exported as PNG"); }, "image/png");
  };
  img.src = url;
}

// ---- page

start(async () => {
  const info = await api(`/api/v1/studies/${study}/log-info`);
  const perspectives = info.perspectives.map((p) => [p.column, `${p.label} (${p.values})`]);
  if (!info.perspectives.some((p) => p.column === state.perspective)) state.perspective = "concept:name";
  const bar = await filterBar(study, () => schedule(0));
  els.counts = h("p", { class: "hint", "aria-live": "polite" });
  const dfgOnly = h("div", { class: "group", hidden: state.view === "bpmn" },
    slider("Nodes", "nodes", els),
    slider("Arcs", "arcs", els),
    selectControl("Overlay", "overlay", OVERLAYS, state.overlay, (v) => { state.overlay = v; schedule(0); }),
    selectControl("Direction", "direction", [["TB", "Top to bottom"], ["LR", "Left to right"]], state.direction, (v) => { state.direction = v; view.fitted = false; schedule(0); }),
    info.two_level ? h("p", { class: "hint" }, "Nodes with a dashed border have task-level work: select one and press Expand (or E).") : h("p", { class: "hint" }, "Task-level sub-maps appear when tasks are linked to cases."));
  const bpmnOnly = h("div", { class: "group", hidden: state.view !== "bpmn" },
    slider("Noise threshold", "noise", els, { min: 0, step: 5, show: (v) => (Number(v) / 100).toFixed(2) }),
    h("p", { class: "hint" }, "Inductive Miner (infrequent): 0 keeps all behaviour; higher values leave out rarer paths."),
    h("div", { class: "row" }, h("button", { type: "button", class: "secondary", onclick: () => downloadModel("bpmn") }, "Download .bpmn"),
      h("button", { type: "button", class: "secondary", onclick: () => downloadModel("pnml") }, "Download .pnml")));
  const switchView = (v) => {
    state.view = v; selected = null; view.fitted = false;
    dfgOnly.hidden = v === "bpmn"; bpmnOnly.hidden = v !== "bpmn";
    if (v === "bpmn") showBpmnDetails(null); else showDetails(null);
    schedule(0);
  };
  const controls = h("section", { class: "panel controls", "aria-label": "Map controls" },
    h("h2", {}, "Map"),
    selectControl("View", "view", [["map", "Process map (directly follows)"], ["bpmn", "BPMN model (Inductive Miner)"]], state.view, switchView),
    perspectives.length ? selectControl("Perspective", "perspective", perspectives, state.perspective, (v) => { state.perspective = v; state.expand = []; selected = null; view.fitted = false; schedule(0); }) : null,
    selectControl("Colour by", "color", [["frequency", "Frequency"], ["duration", "Duration"]], state.color, (v) => { state.color = v; schedule(0); }),
    dfgOnly, bpmnOnly,
    els.counts,
    h("div", { class: "row" }, h("button", { type: "button", class: "secondary", onclick: exportSvg }, "Export SVG"), h("button", { type: "button", class: "secondary", onclick: exportPng }, "Export PNG")));
  els.content = document.createElementNS(SVGNS, "g");
  els.content.setAttribute("class", "pan");
  els.viewport = document.createElementNS(SVGNS, "svg");
  els.viewport.setAttribute("class", "viewport");
  els.viewport.setAttribute("tabindex", "0");
  els.viewport.setAttribute("role", "group");
  els.viewport.setAttribute("aria-label", "Process map: drag or arrow keys to pan, wheel or +/- to zoom, 0 to fit with readable labels, 9 for the whole map; Tab to the nodes");
  els.viewport.append(els.content);
  panZoom(els.viewport);
  const zoombar = h("div", { class: "zoombar" },
    h("button", { type: "button", "aria-label": "Zoom in", onclick: () => zoom(1.25) }, "+"),
    h("button", { type: "button", "aria-label": "Zoom out", onclick: () => zoom(0.8) }, "−"),
    h("button", { type: "button", "aria-label": "Fit with readable labels", title: "Fit with readable labels (0)", onclick: fit }, "⤢"),
    h("button", { type: "button", "aria-label": "Show the whole map", title: "Show the whole map (9)", onclick: fitWhole }, "▣"));
  els.msg = h("div", { class: "mapmsg", hidden: true });
  els.box = h("div", { class: "mapbox", id: "mapbox" }, els.msg, els.viewport, zoombar, h("p", { class: "maphint", "aria-hidden": "true" }, "drag to pan · wheel to zoom"));
  els.details = h("section", { class: "panel details", "aria-label": "Node details", "aria-live": "polite" });
  if (state.view === "bpmn") showBpmnDetails(null); else showDetails(null);
  ready([bar, h("div", { class: "mapgrid" }, controls, els.box, els.details)]);
  await load();
});

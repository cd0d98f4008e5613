// taskloom console: shared helpers for every page (no framework, no build step).

/** Create an element: h("a", {href: "/x", class: "y", onclick: fn}, "text", child). */
export function h(tag, attrs = {}, ...children) {
  const svg = tag.startsWith("svg:");
  const node = svg ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4))
    : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (key === "class") node.setAttribute("class", value);
    else if (key === "text") node.textContent = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (!svg && (key === "value" || key === "checked" || key === "selected" || key === "disabled")) node[key] = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export const body = () => document.body.dataset;
export const studyId = () => Number(document.body.dataset.study || 0) || null;
const RANK = { viewer: 0, analyst: 1, admin: 2 };
/** True when the logged-in user has at least `role`. */
export const can = (role) => (RANK[document.body.dataset.role] ?? -1) >= RANK[role];

export class ApiError extends Error {
  constructor(status, detail) { super(detail); this.status = status; }
}

function csrf() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

/** Fetch JSON from the API; sends the CSRF token; throws ApiError with the server's detail. */
export async function api(path, { method = "GET", json, form, signal, raw = false } = {}) {
  const headers = { "Accept": "application/json" };
  let payload;
  if (json !== undefined) { headers["Content-Type"] = "application/json"; payload = JSON.stringify(json); }
  if (form !== undefined) payload = form;
  if (method !== "GET") headers["X-CSRF-Token"] = csrf();
  const resp = await fetch(path, { method, headers, body: payload, signal, credentials: "same-origin" });
  if (resp.status === 401) {
    location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
    throw new ApiError(401, "Your session has ended; log in again.");
  }
  if (!resp.ok) {
    let detail = `${resp.status} ${resp.statusText}`;
    try { const data = await resp.json(); if (data && data.detail) detail = String(data.detail); } catch (e) { /* not JSON */ }
    throw new ApiError(resp.status, detail);
  }
  if (raw) return resp;
  if (resp.status === 204) return null;
  return resp.json();
}

/** Query string from an object (arrays repeat the key; empty values are left out). */
export function qs(params) {
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === "") continue;
    if (Array.isArray(v)) v.forEach((x) => out.append(k, x)); else out.append(k, v);
  }
  const text = out.toString();
  return text ? `?${text}` : "";
}

/** Say something to screen readers and show it briefly. */
export function announce(text, ms = 4000) {
  const el = document.getElementById("status");
  if (!el) return;
  el.textContent = text;
  clearTimeout(announce.timer);
  announce.timer = setTimeout(() => { el.textContent = ""; }, ms);
}

/** The page's content container, emptied; `busy` marks loading for assistive tech. */
export function page() { return document.getElementById("page"); }
export function ready(node) {
  const root = page();
  root.replaceChildren(...[node].flat().filter(Boolean));
  root.setAttribute("aria-busy", "false");
  document.body.dataset.ready = "1";
}
export function errorBox(err) {
  return h("p", { class: "error", role: "alert" }, err instanceof Error ? err.message : String(err));
}
/** Run the page's main function and show its error instead of a blank page. */
export async function start(main) {
  try { await main(); } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) { ready(errorBox(err)); }
  }
}

// ---- numbers and times, the same way the CLI's SVG writes them

const UNITS = [[365 * 86400, "y"], [30 * 86400, "mo"], [7 * 86400, "wk"], [86400, "d"], [3600, "h"], [60, "min"], [1, "s"]];
export const fmt = {
  count: (n) => (n === null || n === undefined || Number.isNaN(n)) ? "–" : Math.round(n).toLocaleString("en-GB"),
  pct: (part, whole) => {
    if (!whole) return "–";
    const p = 100 * part / whole;
    return p < 10 ? `${p.toFixed(1)} %` : `${p.toFixed(0)} %`;
  },
  share: (s) => (s === null || s === undefined) ? "–" : (s * 100 < 10 ? `${(s * 100).toFixed(1)} %` : `${(s * 100).toFixed(0)} %`),
  duration: (sec) => {
    if (sec === null || sec === undefined || !Number.isFinite(sec)) return "–";
    if (sec <= 0) return "instant";
    for (const [size, unit] of UNITS) {
      if (sec >= size) { const v = sec / size; return v < 10 ? `${v.toFixed(1)} ${unit}` : `${v.toFixed(0)} ${unit}`; }
    }
    return `${sec.toFixed(1)} s`;
  },
  time: (value) => {
    if (value === null || value === undefined) return "–";
    const d = typeof value === "number" ? new Date(value) : new Date(value);
    if (Number.isNaN(d.getTime())) return String(value);
    return d.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z").replace(/:00Z$/, "Z");
  },
  ago: (ms) => {
    if (!ms) return "never";
    const s = Math.max(0, (Date.now() - ms) / 1000);
    return s < 60 ? "just now" : `${fmt.duration(s)} ago`;
  },
};

/** A table: columns [{key, label, num, render}], rows [objects]. */
export function table(columns, rows, { caption, rowAttrs } = {}) {
  const head = h("tr", {}, columns.map((c) => h("th", { scope: "col", class: c.num ? "num" : null }, c.label)));
  const lines = rows.map((row) => h("tr", rowAttrs ? rowAttrs(row) : {}, columns.map((c) => {
    const v = c.render ? c.render(row) : row[c.key];
    return h("td", { class: c.num ? "num" : null }, v instanceof Node ? v : (v ?? "–"));
  })));
  return h("div", { class: "table-wrap" }, h("table", {}, caption ? h("caption", {}, caption) : null,
    h("thead", {}, head), h("tbody", {}, lines)));
}

/** A labelled form field: field("Name", input) (label bound to the input's id). */
let fieldSeq = 0;
export function field(label, input, hint) {
  if (!input.id) input.id = `f${++fieldSeq}`;
  const help = hint ? h("span", { class: "hint", id: `${input.id}-hint` }, hint) : null;
  if (help) input.setAttribute("aria-describedby", help.id);
  return h("div", { class: "field" }, h("label", { for: input.id }, label), input, help);
}

/** Okabe–Ito palette (colour-blind safe), for charts and variant glyphs. */
export const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];

/** Download text or a Blob as a file. */
export function download(name, data, type = "application/octet-stream") {
  const blob = data instanceof Blob ? data : new Blob([data], { type });
  const url = URL.createObjectURL(blob);
  const a = h("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 5000);
}

/** A progress bar with a live message: {el, set(fraction, message)}. */
export function progressBar(label) {
  const bar = h("progress", { max: 1, value: 0, class: "progress", "aria-label": label });
  const text = h("p", { class: "hint", "aria-live": "polite" });
  return { el: h("div", { class: "jobprogress" }, bar, text), set: (v, msg) => { bar.value = v; if (msg !== undefined) text.textContent = msg; } };
}

/** Poll a background job until it is done or failed, showing its progress; returns the job. */
export async function followJob(job, progress) {
  for (;;) {
    progress.set(job.progress, `${job.message} (${Math.round(job.progress * 100)} %)`);
    if (job.status === "done" || job.status === "failed") return job;
    await new Promise((r) => setTimeout(r, 250));
    job = await api(`/api/v1/jobs/${job.id}?wait=1`);
  }
}

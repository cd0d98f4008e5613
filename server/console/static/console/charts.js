// Small SVG charts (bars, time series, histogram) in the Okabe–Ito palette, each with its
// data as a table for screen readers and keyboard users.
import { h, fmt, table, PALETTE } from "./core.js";

const W = 640;
const s = (tag, attrs, ...kids) => h(`svg:${tag}`, attrs, ...kids);

function figure(title, svg, dataTable) {
  return h("figure", { class: "panel" }, h("figcaption", {}, title), svg,
    h("details", {}, h("summary", {}, "Data as a table"), dataTable));
}

function niceMax(v) {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((m) => m >= v);
}

/** Horizontal bars: items [{name, value}], `value` formatted with `format`. */
export function bars(title, items, { format = fmt.count, color = PALETTE[0], valueLabel = "Events" } = {}) {
  const rowH = 22, left = 190, right = 70;
  const height = items.length * rowH + 24;
  const max = niceMax(Math.max(0, ...items.map((i) => i.value)));
  const scale = (v) => (W - left - right) * v / max;
  const svg = s("svg", { viewBox: `0 0 ${W} ${height}`, class: "chart", role: "img", "aria-label": `${title}: ${items.length} bars` },
    items.map((it, i) => {
      const y = 8 + i * rowH;
      const name = String(it.name);
      return s("g", {},
        s("title", {}, `${name}: ${format(it.value)}`),
        s("text", { x: left - 6, y: y + 14, "text-anchor": "end" }, name.length > 28 ? `${name.slice(0, 27)}…` : name),
        s("rect", { x: left, y: y + 2, width: Math.max(1, scale(it.value)), height: rowH - 6, fill: color, rx: 2 }),
        s("text", { x: left + scale(it.value) + 4, y: y + 14 }, format(it.value)));
    }));
  return figure(title, svg, table([{ key: "name", label: "Name" }, { label: valueLabel, num: true, render: (r) => format(r.value) }], items));
}

/** Lines over time: bins [{t (ms), a, b}], series [{key, label, color}]. */
export function timeSeries(title, bins, series, binLabel) {
  const height = 220, left = 56, right = 16, top = 14, bottom = 34;
  if (!bins.length) return figure(title, h("p", { class: "hint" }, "No events."), h("p", {}, ""));
  const max = niceMax(Math.max(1, ...bins.flatMap((b) => series.map((sr) => b[sr.key]))));
  const x = (i) => left + (W - left - right) * (bins.length === 1 ? 0.5 : i / (bins.length - 1));
  const y = (v) => top + (height - top - bottom) * (1 - v / max);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * max);
  const labelEvery = Math.max(1, Math.ceil(bins.length / 6));
  const svg = s("svg", { viewBox: `0 0 ${W} ${height}`, class: "chart", role: "img", "aria-label": `${title}, per ${binLabel}` },
    ticks.map((v) => s("g", {}, s("line", { x1: left, x2: W - right, y1: y(v), y2: y(v), class: "gridline" }),
      s("text", { x: left - 6, y: y(v) + 4, "text-anchor": "end" }, fmt.count(v)))),
    bins.map((b, i) => i % labelEvery ? null : s("text", { x: x(i), y: height - 14, "text-anchor": "middle" }, fmt.time(b.t).slice(0, 10))),
    series.map((sr, k) => s("g", {},
      s("path", { d: bins.map((b, i) => `${i ? "L" : "M"}${x(i).toFixed(1)},${y(b[sr.key]).toFixed(1)}`).join(""), fill: "none", stroke: sr.color, "stroke-width": 2, "stroke-dasharray": k ? "6 3" : null }),
      s("text", { x: left + 8 + k * 150, y: top + 2, fill: sr.color, "font-weight": "bold" }, `${k ? "- -" : "—"} ${sr.label}`))));
  return figure(title, svg, table([{ label: `${binLabel} from`, render: (b) => fmt.time(b.t) }, ...series.map((sr) => ({ label: sr.label, num: true, render: (b) => fmt.count(b[sr.key]) }))], bins));
}

/** Histogram: bins [{lo, hi, cases, overflow}] of durations in seconds. */
export function histogram(title, bins) {
  const height = 220, left = 56, right = 16, top = 14, bottom = 34;
  if (!bins.length) return figure(title, h("p", { class: "hint" }, "No cases."), h("p", {}, ""));
  const max = niceMax(Math.max(1, ...bins.map((b) => b.cases)));
  const bw = (W - left - right) / bins.length;
  const y = (v) => top + (height - top - bottom) * (1 - v / max);
  const svg = s("svg", { viewBox: `0 0 ${W} ${height}`, class: "chart", role: "img", "aria-label": title },
    [0, 0.5, 1].map((f) => s("g", {}, s("line", { x1: left, x2: W - right, y1: y(f * max), y2: y(f * max), class: "gridline" }),
      s("text", { x: left - 6, y: y(f * max) + 4, "text-anchor": "end" }, fmt.count(f * max)))),
    bins.map((b, i) => s("rect", { x: left + i * bw + 1, y: y(b.cases), width: Math.max(1, bw - 2), height: y(0) - y(b.cases), fill: b.overflow ? PALETTE[5] : PALETTE[2] },
      s("title", {}, `${fmt.duration(b.lo)} – ${fmt.duration(b.hi)}${b.overflow ? " and longer" : ""}: ${fmt.count(b.cases)} cases`))),
    [0, Math.floor(bins.length / 2), bins.length - 1].map((i) => s("text", { x: left + i * bw + bw / 2, y: height - 14, "text-anchor": "middle" }, fmt.duration(bins[i].lo))));
  return figure(title, svg, table([{ label: "From", render: (b) => fmt.duration(b.lo) }, { label: "To", render: (b) => b.overflow ? `${fmt.duration(b.hi)} and longer` : fmt.duration(b.hi) }, { key: "cases", label: "Cases", num: true }], bins));
}

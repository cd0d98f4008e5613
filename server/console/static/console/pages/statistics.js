// Statistics: Apromore's log statistics as filtered/total, and the charts.
import { api, h, fmt, field, start, ready, studyId, qs, PALETTE, errorBox } from "../core.js";
import { filterBar, getSpec, specParam } from "../filters.js";
import { bars, histogram, timeSeries } from "../charts.js";

const study = studyId();
const BIN = { 3600: "hour", 21600: "6 hours", 86400: "day", 604800: "week", 2592000: "month", 7862400: "quarter", 31536000: "year" };

function card(label, part, whole, extra) {
  return h("div", { class: "card" }, h("div", { class: "label" }, label),
    h("div", { class: "value" }, whole === undefined ? part : fmt.pct(part, whole)),
    h("div", { class: "sub" }, whole === undefined ? extra || "" : `${fmt.count(part)} / ${fmt.count(whole)}`));
}

async function distributionPanel(attributes) {
  const box = h("div");
  if (!attributes.length) return h("p", { class: "hint" }, "This log has no case attributes.");
  const sel = h("select", { id: "dist-attr" }, attributes.map((a) => h("option", { value: a }, a.replace(/^case:/, ""))));
  const draw = async () => {
    try {
      const rows = await api(`/api/v1/studies/${study}/distribution${qs({ attribute: sel.value, filter: specParam(getSpec(study)) })}`);
      box.replaceChildren(bars(`Cases by ${sel.value.replace(/^case:/, "")}`, rows.map((r) => ({ name: r.value ?? "(missing)", value: r.cases })), { color: PALETTE[3], valueLabel: "Cases" }));
    } catch (err) { box.replaceChildren(errorBox(err)); }
  };
  sel.addEventListener("change", draw);
  await draw();
  return h("section", { "aria-label": "Case attribute distribution" }, h("h2", {}, "Case attributes"), field("Attribute", sel), box);
}

async function draw(root) {
  const st = await api(`/api/v1/studies/${study}/statistics${qs({ filter: specParam(getSpec(study)) })}`);
  const f = st.filtered, t = st.total;
  const d = f.case_duration_s;
  const cards = h("div", { class: "cards", "aria-label": "Log statistics" },
    card("Cases", f.cases, t.cases), card("Case variants", f.variants, t.variants),
    card("Activity instances", f.events, t.events), card("Activities", f.activities, t.activities),
    card("Median case duration", fmt.duration(d.median), undefined, `mean ${fmt.duration(d.mean)}`),
    card("Case duration range", `${fmt.duration(d.min)} – ${fmt.duration(d.max)}`),
    card("Log timeframe", f.start ? `${fmt.time(f.start).slice(0, 10)} – ${fmt.time(f.end).slice(0, 10)}` : "–"));
  const binLabel = BIN[st.over_time.bin_s] || `${st.over_time.bin_s} s`;
  const charts = h("div", { class: "grid2" },
    timeSeries("Events and active cases over time", st.over_time.bins, [{ key: "events", label: "events", color: PALETTE[0] }, { key: "cases", label: "active cases", color: PALETTE[5] }], binLabel),
    histogram("Case duration", st.case_durations),
    bars("Activity frequency", st.activities.map((a) => ({ name: a.name, value: a.events }))),
    st.resources.length ? bars("Resource workload (events)", st.resources.map((r) => ({ name: r.name, value: r.events })), { color: PALETTE[1] }) : h("p", { class: "hint panel" }, "No resources in this log."));
  root.replaceChildren(cards, charts, await distributionPanel(st.case_attributes));
}

start(async () => {
  const root = h("div", { class: "stats" });
  const bar = await filterBar(study, async () => { try { await draw(root); } catch (err) { root.replaceChildren(errorBox(err)); } });
  await draw(root);
  ready([bar, root]);
});

// Documentation time: the EHR documentation-time report of the study (the figures and charts
// of `taskloom ehr metrics -o report.html`), with an optional schedule, visit list and
// category map read from the user's disk and sent with the request (never stored).
import { api, h, fmt, field, start, ready, studyId, qs, errorBox, can, download, announce } from "../core.js";

const study = studyId();
const THRESHOLDS = [[5, "5 s (vendor analytics)"], [30, "30 s"], [60, "60 s"], [300, "5 min"]];
const FILES = [["schedule", "Schedule (CSV: user,date,start,end,kind)", ".csv,text/csv"],
  ["visits", "Visit list (CSV: user,start,end,case)", ".csv,text/csv"],
  ["categories", "Category map (YAML or JSON)", ".yaml,.yml,.json"]];

function num(v, unit) {
  if (v === null || v === undefined) return "–";
  if (unit === "share") return `${(100 * v).toFixed(1)} %`;
  return Math.abs(v) < 100 ? v.toFixed(2) : v.toFixed(0);
}

function parseSvg(text) {
  const parsed = new DOMParser().parseFromString(text, "image/svg+xml");
  const svg = document.importNode(parsed.documentElement, true);
  svg.setAttribute("class", "chart box-chart");
  return svg;
}

function simpleTable(caption, head, rows) {
  // Focusable: a wide table scrolls, and keyboard users must be able to scroll it too.
  return h("div", { class: "table-wrap", tabindex: 0, role: "region", "aria-label": caption }, h("table", {}, h("caption", {}, caption),
    h("thead", {}, h("tr", {}, head.map(([label, isNum]) => h("th", { scope: "col", class: isNum ? "num" : null }, label)))),
    h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map(([v, isNum]) => h("td", { class: isNum ? "num" : null }, v)))))));
}

function headline(r) {
  const byKey = new Map(r.cohort.map((c) => [c.key, c]));
  const keys = r.schedule ? ["ehr_time8", "wow8", "note_time8", "ib_time8"] : ["ehr_h", "after_hours_h", "note_min_per_note", "outside_vendor_share"];
  const shown = keys.map((k) => byKey.get(k)).filter(Boolean);
  const chosen = shown.length ? shown : r.cohort.slice(0, 4);
  return h("div", { class: "cards" }, chosen.map((c) => h("div", { class: "card", dataset: { metric: c.key } },
    h("div", { class: "label" }, c.name),
    h("div", { class: "value" }, c.status === "ok" ? `${num(c.median, c.unit)} ${c.unit === "share" ? "" : c.unit}`.trim() : c.status),
    h("div", { class: "sub" }, c.status === "ok" ? `IQR ${num(c.q1, c.unit)} – ${num(c.q3, c.unit)} · ${c.clinicians} clinicians` :
      c.status === "suppressed" ? `fewer than ${r.min_group} clinicians` : ""))));
}

function report(r) {
  const names = new Map(r.definitions.map((d) => [d.key, d.name]));
  const cohort = simpleTable("Cohort: medians and interquartile ranges per clinician-week",
    [["Measure"], ["Median", true], ["IQR", true], ["Unit"], ["Clinicians", true], ["Clinician-weeks", true], ["Status"]],
    r.cohort.map((c) => [[c.name], [num(c.median, c.unit), true], [c.q1 === null ? "–" : `${num(c.q1, c.unit)} – ${num(c.q3, c.unit)}`, true],
      [c.unit], [String(c.clinicians), true], [String(c.weeks), true],
      [c.status === "suppressed" ? `suppressed (< ${r.min_group} clinicians)` : c.status]]));
  const keys = r.sensitivity.length ? Object.keys(r.sensitivity[0].medians) : [];
  const sensitivity = simpleTable("Cohort medians at each inactivity threshold",
    [["Threshold"], ...keys.map((k) => [names.get(k) || k, true])],
    r.sensitivity.map((s) => [[`${s.threshold_s} s${s.threshold_s === r.threshold_s ? " (chosen)" : ""}`], ...Object.values(s.medians).map((v) => [num(v, ""), true])]));
  const charts = r.charts.length ? r.charts.map((svg) => h("figure", { class: "panel" }, parseSvg(svg)))
    : [h("p", { class: "hint" }, "No measure has enough clinicians to draw.")];
  const unmapped = r.unmapped.length ? simpleTable("Unmapped EHR screens (identifiers masked)", [["Screen"], ["Active time", true], ["Events", true]],
    r.unmapped.map((u) => [[u.screen], [fmt.duration(u.active_s), true], [fmt.count(u.events), true]]))
    : h("p", { class: "hint" }, "None: every EHR screen matched a rule of the category map.");
  const defs = simpleTable("Measures", [["Measure"], ["Unit"], ["Definition"], ["Source"]],
    r.definitions.map((d) => [[d.name], [d.unit], [d.definition], [d.source]]));
  const parts = [
    h("p", { class: "summary" }, `${fmt.count(r.events)} UI events · ${r.clinicians} clinicians · ${r.clinician_weeks} clinician-weeks · `,
      `active-time threshold ${r.threshold_s} s · time zone ${r.zone} (${r.zone_source}) · category map: ${r.category_map} · `,
      `cohort figures need at least ${r.min_group} clinicians.`),
    r.notes.length ? h("ul", { class: "notes" }, r.notes.map((n) => h("li", {}, n))) : null,
    headline(r),
    h("section", { class: "panel", "aria-labelledby": "doc-cohort" }, h("h2", { id: "doc-cohort" }, "Cohort"), cohort),
    h("section", { "aria-labelledby": "doc-dist" }, h("h2", { id: "doc-dist" }, "Distributions"),
      h("p", { class: "hint" }, "Boxes: interquartile range; bar: median; whiskers: 10th–90th percentile",
        r.per_clinician_shown ? "; dots: clinician-weeks (admin view)." : "."), charts),
    h("section", { class: "panel", "aria-labelledby": "doc-sens" }, h("h2", { id: "doc-sens" }, "Sensitivity to the inactivity threshold"), sensitivity),
    h("section", { class: "panel", "aria-labelledby": "doc-unmapped" }, h("h2", { id: "doc-unmapped" }, "Unmapped EHR screens"), unmapped),
    h("section", { class: "panel", "aria-labelledby": "doc-defs" }, h("h2", { id: "doc-defs" }, "Definitions"), h("p", {}, r.active_time), defs),
  ];
  if (r.per_clinician && r.per_clinician.length) {
    const cols = Object.keys(r.per_clinician[0].values);
    parts.push(h("section", { class: "panel", "aria-labelledby": "doc-per" }, h("h2", { id: "doc-per" }, "Per clinician-week (admin only)"),
      h("p", { class: "hint" }, "Clinicians are the agent's pseudonyms. Only admins see this table."),
      simpleTable("Per clinician-week", [["Clinician"], ["Week"], ...cols.map((c) => [names.get(c) || c, true])],
        r.per_clinician.map((w) => [[w.user], [w.week], ...Object.values(w.values).map((v) => [num(v, ""), true])]))));
  }
  return parts;
}

start(async () => {
  const out = h("div", { class: "doc-report", "aria-live": "polite" });
  const threshold = h("select", { id: "doc-threshold" }, THRESHOLDS.map(([v, t]) => h("option", { value: v }, t)));
  const minGroup = h("input", { id: "doc-min-group", type: "number", min: 1, max: 1000, value: 5, inputmode: "numeric" });
  const inputs = Object.fromEntries(FILES.map(([key]) => [key, h("input", { type: "file", id: `doc-${key}` })]));
  FILES.forEach(([key, , accept]) => inputs[key].setAttribute("accept", accept));
  const button = h("button", { type: "submit" }, "Compute");
  const readFiles = async () => {
    const files = {};
    for (const [key] of FILES) {
      const f = inputs[key].files[0];
      if (f) files[key] = { name: f.name, text: await f.text() };
    }
    return files;
  };
  const downloadReport = async (format) => {
    try {
      const resp = await api(`/api/v1/studies/${study}/documentation-time/report${qs({ format, threshold: threshold.value, min_group: minGroup.value })}`,
        { method: "POST", json: await readFiles(), raw: true });
      const name = (resp.headers.get("Content-Disposition") || "").match(/filename="([^"]+)"/);
      download(name ? name[1] : `documentation-time.${format}`, await resp.blob());
      announce(`Report downloaded as .${format}`);
    } catch (err) { out.prepend(errorBox(err)); }
  };
  const run = async () => {
    button.disabled = true;
    out.setAttribute("aria-busy", "true");
    try {
      const params = qs({ threshold: threshold.value, min_group: minGroup.value });
      const files = await readFiles();
      const path = `/api/v1/studies/${study}/documentation-time${params}`;
      const r = Object.keys(files).length ? await api(path, { method: "POST", json: files }) : await api(path);
      if (!r.events) {
        out.replaceChildren(h("section", { class: "panel" }, h("h2", {}, "No UI events yet"),
          h("p", {}, "Documentation time is measured from the agent's UI events. Enrol the clinicians' devices on the Studies page ",
            "(or load the demo with ", h("code", {}, "taskloom demo"), "), then come back.")));
      } else {
        out.replaceChildren(...report(r).filter(Boolean));
      }
    } catch (err) {
      out.replaceChildren(errorBox(err));
    } finally {
      button.disabled = false;
      out.setAttribute("aria-busy", "false");
      document.body.dataset.docVersion = String(Number(document.body.dataset.docVersion || 0) + 1);
    }
  };
  const form = h("form", { class: "panel controls doc-form", "aria-label": "Report settings" },
    h("h2", {}, "Settings"),
    h("div", { class: "row" }, field("Inactivity threshold", threshold), field("Smallest group shown", minGroup, "cohort figures of fewer clinicians are suppressed")),
    h("p", { class: "hint" }, "Without a schedule the per-8-hour measures (Sinsky et al.) are not available, and after-hours time is shown instead. ",
      "Files are read in your browser and sent with the request; they are not stored."),
    h("div", { class: "row" }, FILES.map(([key, label]) => field(label, inputs[key]))),
    h("div", { class: "row" }, button,
      ["html", "csv", "json"].map((f) => h("button", { type: "button", class: "secondary", onclick: () => downloadReport(f) }, `Download .${f}`)),
      can("admin") ? h("span", { class: "hint" }, "You are an admin: per-clinician figures are shown and included.") : null));
  form.addEventListener("submit", (e) => { e.preventDefault(); run(); });
  ready([form, out]);
  await run();
});

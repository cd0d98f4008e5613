// The filter panel: builds the JSON filter spec the CLI takes (`--filter spec.json`),
// keeps it per study for the session, and tells the page when it changes.
import { api, fmt, h, qs, field, announce } from "./core.js";

const KEY = (study) => `taskloom.filter.${study}`;
export const EVENT = "taskloom:filter";

/** The current spec of a study (a URL ?filter= wins, e.g. a shared link). */
export function getSpec(study) {
  const fromUrl = new URLSearchParams(location.search).get("filter");
  if (fromUrl) {
    try { const spec = JSON.parse(fromUrl); if (Array.isArray(spec)) { sessionStorage.setItem(KEY(study), fromUrl); return spec; } } catch (e) { /* ignore */ }
  }
  try { return JSON.parse(sessionStorage.getItem(KEY(study)) || "[]"); } catch (e) { return []; }
}

export function setSpec(study, spec) {
  sessionStorage.setItem(KEY(study), JSON.stringify(spec));
  const url = new URL(location.href);
  if (url.searchParams.has("filter")) { url.searchParams.delete("filter"); history.replaceState(null, "", url); }
  window.dispatchEvent(new CustomEvent(EVENT, { detail: spec }));
}

export const specParam = (spec) => (spec && spec.length ? JSON.stringify(spec) : "");

export const KINDS = {
  activity: "Cases with an activity",
  start_activity: "Start activity",
  end_activity: "End activity",
  between: "Trim: between two activities",
  event_attribute: "Event attribute",
  case_attribute: "Case attribute",
  time_range: "Timeframe",
  case_duration: "Case duration",
  variants_top_k: "Most frequent variants",
  variants_min_cases: "Variants with at least N cases",
  variant: "One variant",
  directly_follows: "Directly follows",
  eventually_follows: "Eventually follows",
};

/** One line in words for a filter (chips and summaries). */
export function describe(f) {
  const list = (xs) => (xs || []).slice(0, 3).join(", ") + ((xs || []).length > 3 ? ` +${xs.length - 3}` : "");
  const keep = f.retain === false ? "without" : "with";
  switch (f.type) {
    case "activity": return `cases ${keep} ${list(f.activities)}`;
    case "start_activity": return `starting with ${list(f.activities)}`;
    case "end_activity": return `ending with ${list(f.activities)}`;
    case "between": return `from ${f.first} to ${f.last || "the end"}`;
    case "event_attribute": return `events ${keep} ${f.attribute} = ${list(f.values)}`;
    case "case_attribute": return `cases ${keep} ${f.attribute} = ${list(f.values)}`;
    case "time_range": return `${f.mode || "contained"} ${String(f.start).slice(0, 10)} … ${String(f.end).slice(0, 10)}`;
    case "case_duration": return `duration ${fmt.duration(f.min_s || 0)} … ${f.max_s === undefined || f.max_s === null ? "∞" : fmt.duration(f.max_s)}`;
    case "variants_top_k": return `top ${f.k} variants`;
    case "variants_min_cases": return `variants with ≥ ${f.min_cases} cases`;
    case "variant": return `${f.retain === false ? "not " : ""}variant ${list(f.activities)}`;
    case "directly_follows": return `${keep} ${f.source} → ${f.target}`;
    case "eventually_follows": return `${keep} ${f.source} ⇢ ${f.target}`;
    default: return f.type;
  }
}

function blank(kind, info) {
  const first = info.activities[0]?.name || "";
  const second = info.activities[1]?.name || first;
  switch (kind) {
    case "activity": case "start_activity": case "end_activity": return { type: kind, activities: [] };
    case "between": return { type: kind, first, last: null, include_first: true, include_last: true };
    case "event_attribute": return { type: kind, attribute: eventAttributes(info)[0]?.name || "", values: [], retain: true };
    case "case_attribute": return { type: kind, attribute: info.case_attributes[0]?.name || "", values: [], retain: true };
    case "time_range": return { type: kind, start: (info.start || "").slice(0, 19), end: (info.end || "").slice(0, 19), mode: "contained" };
    case "case_duration": return { type: kind, min_s: 0, max_s: 7 * 86400 };
    case "variants_top_k": return { type: kind, k: 10 };
    case "variants_min_cases": return { type: kind, min_cases: 2 };
    case "variant": return { type: kind, activities: [first], retain: true };
    case "directly_follows": case "eventually_follows": return { type: kind, source: first, target: second, retain: true };
    default: return { type: kind };
  }
}

function eventAttributes(info) {
  const out = [...info.event_attributes];
  if (info.resources.length) out.unshift({ name: "org:resource", values: info.resources });
  out.push({ name: "concept:name", values: info.activities.map((a) => ({ value: a.name, count: a.count })) });
  return out;
}

// ---- controls

function checklist(label, options, chosen, onChange) {
  const set = new Set(chosen.map(String));
  const search = h("input", { type: "search", placeholder: "Search…", "aria-label": `Search ${label}` });
  const boxes = options.map((o) => {
    const value = o.value ?? o.name;
    const box = h("input", { type: "checkbox", checked: set.has(String(value)) });
    box.addEventListener("change", () => {
      if (box.checked) set.add(String(value)); else set.delete(String(value));
      onChange(options.map((x) => x.value ?? x.name).filter((v) => set.has(String(v))));
    });
    return h("label", { dataset: { text: String(value).toLowerCase() } }, box, `${value} `, h("span", { class: "hint" }, `(${fmt.count(o.count)})`));
  });
  search.addEventListener("input", () => {
    const q = search.value.toLowerCase();
    boxes.forEach((b) => { b.hidden = q && !b.dataset.text.includes(q); });
  });
  return h("fieldset", { class: "plain" }, h("legend", {}, label), options.length > 12 ? search : null,
    h("div", { class: "checklist" }, boxes));
}

function select(label, options, value, onChange) {
  const el = h("select", {}, options.map((o) => h("option", { value: o.value, selected: String(o.value) === String(value) }, o.label)));
  el.addEventListener("change", () => onChange(el.value));
  return field(label, el);
}

function activitySelect(label, info, value, onChange, allowNone = false) {
  const opts = info.activities.map((a) => ({ value: a.name, label: a.name }));
  if (allowNone) opts.unshift({ value: "", label: "(the case's end)" });
  return select(label, opts, value ?? "", (v) => onChange(v || null));
}

function retain(f, onChange, words = ["keep", "remove"]) {
  const name = `r${Math.random().toString(36).slice(2)}`;
  const mk = (val, text) => {
    const r = h("input", { type: "radio", name, checked: (f.retain !== false) === val });
    r.addEventListener("change", () => { if (r.checked) onChange(val); });
    return h("label", { class: "inline" }, r, text);
  };
  return h("fieldset", { class: "plain row" }, h("legend", { class: "visually-hidden" }, "Keep or remove"), mk(true, words[0]), mk(false, words[1]));
}

function number(label, value, onChange, attrs = {}) {
  const el = h("input", { type: "number", value: value ?? "", ...attrs });
  el.addEventListener("input", () => onChange(el.value === "" ? null : Number(el.value)));
  return field(label, el);
}

function durationInput(label, seconds, onChange) {
  const units = [["minutes", 60], ["hours", 3600], ["days", 86400]];
  let unit = 86400;
  if (seconds !== null && seconds !== undefined && seconds < 86400) unit = seconds < 3600 ? 60 : 3600;
  const num = h("input", { type: "number", min: 0, step: "any", value: seconds === null || seconds === undefined ? "" : +(seconds / unit).toFixed(3) });
  const sel = h("select", { "aria-label": `${label} unit` }, units.map(([t, s]) => h("option", { value: s, selected: s === unit }, t)));
  const emit = () => onChange(num.value === "" ? null : Number(num.value) * Number(sel.value));
  num.addEventListener("input", emit); sel.addEventListener("change", emit);
  num.id = `d${Math.random().toString(36).slice(2)}`;
  return h("div", { class: "field" }, h("label", { for: num.id }, label), h("div", { class: "row" }, num, sel));
}

function dateInput(label, value, onChange) {
  const el = h("input", { type: "datetime-local", step: 1, value: String(value || "").slice(0, 19) });
  el.addEventListener("input", () => onChange(el.value ? `${el.value}Z` : ""));
  return field(`${label} (UTC)`, el);
}

/** The controls for one filter, editing `f` in place; `redraw` rebuilds them. */
function controls(f, info, redraw) {
  const set = (k) => (v) => { f[k] = v; };
  switch (f.type) {
    case "activity": return [checklist("Activities", info.activities, f.activities, set("activities")), retain(f, set("retain"), ["keep these cases", "remove these cases"])];
    case "start_activity": case "end_activity": return [checklist("Activities", info.activities, f.activities, set("activities"))];
    case "between": return [h("div", { class: "row" },
      activitySelect("From the first", info, f.first, set("first")),
      activitySelect("to the next", info, f.last, set("last"), true)),
      h("div", { class: "row" },
        h("label", { class: "inline" }, h("input", { type: "checkbox", checked: f.include_first !== false, onchange: (e) => { f.include_first = e.target.checked; } }), "include the first"),
        h("label", { class: "inline" }, h("input", { type: "checkbox", checked: f.include_last !== false, onchange: (e) => { f.include_last = e.target.checked; } }), "include the last"))];
    case "event_attribute": case "case_attribute": {
      const attrs = f.type === "case_attribute" ? info.case_attributes : eventAttributes(info);
      if (!attrs.length) return [h("p", { class: "hint" }, "This log has no such attributes.")];
      const attr = attrs.find((a) => a.name === f.attribute) || attrs[0];
      f.attribute = attr.name;
      return [select("Attribute", attrs.map((a) => ({ value: a.name, label: a.name })), f.attribute, (v) => { f.attribute = v; f.values = []; redraw(); }),
        checklist("Values", attr.values, f.values, set("values")), retain(f, set("retain"))];
    }
    case "time_range": return [h("div", { class: "row" }, dateInput("From", f.start, set("start")), dateInput("To", f.end, set("end")),
      select("Keep", [["contained", "cases wholly inside"], ["intersecting", "cases overlapping"], ["starting", "cases starting inside"], ["ending", "cases ending inside"], ["events", "only events inside"]].map(([value, label]) => ({ value, label })), f.mode, set("mode")))];
    case "case_duration": return [h("div", { class: "row" }, durationInput("At least", f.min_s, (v) => { f.min_s = v ?? 0; }), durationInput("At most", f.max_s, (v) => { if (v === null) delete f.max_s; else f.max_s = v; }))];
    case "variants_top_k": return [number("Number of variants (k)", f.k, (v) => { f.k = Math.max(1, Math.round(v || 1)); }, { min: 1, step: 1 })];
    case "variants_min_cases": return [number("At least this many cases", f.min_cases, (v) => { f.min_cases = Math.max(1, Math.round(v || 1)); }, { min: 1, step: 1 })];
    case "variant": return [h("p", {}, h("strong", {}, "Sequence: "), (f.activities || []).join(" → ")), retain(f, set("retain"), ["keep its cases", "remove its cases"])];
    case "directly_follows": case "eventually_follows": {
      const out = [h("div", { class: "row" }, activitySelect("Activity", info, f.source, set("source")), activitySelect(f.type === "directly_follows" ? "directly followed by" : "later followed by", info, f.target, set("target")))];
      if (f.type === "eventually_follows") out.push(h("div", { class: "row" }, durationInput("Gap at least", f.min_s ?? 0, (v) => { f.min_s = v ?? 0; }), durationInput("Gap at most", f.max_s ?? null, (v) => { f.max_s = v; })));
      out.push(retain(f, set("retain"), ["keep these cases", "remove these cases"]));
      return out;
    }
    default: return [];
  }
}

/** The spec editor: a list of filters with controls, "add", and the JSON for the CLI. */
export function builder(info, initial, { onApply, onCancel, inline = false } = {}) {
  let spec = structuredClone(initial);
  const list = h("div", { class: "filters-list" });
  const json = h("pre", { class: "specjson", "aria-label": "Filter spec JSON" });
  const root = h("div", { class: "builder" });
  const draw = () => {
    list.replaceChildren(...(spec.length ? spec.map((f, i) => {
      const remove = h("button", { type: "button", class: "secondary", "aria-label": `Remove filter ${i + 1}`, onclick: () => { spec.splice(i, 1); draw(); } }, "Remove");
      const up = i > 0 ? h("button", { type: "button", class: "secondary", "aria-label": `Move filter ${i + 1} up`, onclick: () => { [spec[i - 1], spec[i]] = [spec[i], spec[i - 1]]; draw(); } }, "↑") : null;
      return h("section", { class: "filter-item", "aria-label": `Filter ${i + 1}: ${KINDS[f.type]}` },
        h("header", {}, h("h3", {}, `${i + 1}. ${KINDS[f.type] || f.type}`), h("div", { class: "row" }, up, remove)),
        controls(f, info, draw));
    }) : [h("p", { class: "hint" }, "No filters: every case of the study counts.")]));
    json.textContent = JSON.stringify(spec, null, 1);
  };
  const kind = h("select", { id: "add-kind" }, Object.entries(KINDS).filter(([k]) => k !== "variant").map(([k, label]) => h("option", { value: k }, label)));
  const add = h("button", { type: "button", class: "secondary", onclick: () => { spec.push(blank(kind.value, info)); draw(); } }, "Add filter");
  const apply = h("button", { type: "button", class: "apply", onclick: () => onApply && onApply(spec.map((f) => ({ ...f }))) }, "Apply filters");
  const cancel = onCancel ? h("button", { type: "button", class: "secondary", onclick: onCancel }, "Cancel") : null;
  const clear = h("button", { type: "button", class: "secondary", onclick: () => { spec = []; draw(); } }, "Clear all");
  draw();
  root.append(list, h("div", { class: "row" }, field("New filter", kind), add, clear),
    h("details", { open: inline || null }, h("summary", {}, "Filter spec (JSON) for `taskloom … --filter spec.json`"), json));
  root.footer = h("div", { class: inline ? "row" : "dlg-foot" }, cancel, apply);
  return root;
}

/** The bar above a page's content: active filters, filtered/total, edit and clear. */
export async function filterBar(study, onChange) {
  const summary = h("span", { class: "summary" }, "…");
  const chips = h("span", { class: "chips" });
  const edit = h("button", { type: "button", class: "secondary", "aria-haspopup": "dialog" }, "Edit filters");
  const clear = h("button", { type: "button", class: "secondary" }, "Clear");
  const bar = h("section", { class: "filterbar", "aria-label": "Filters" }, h("strong", {}, "Filters"), chips, summary, edit, clear);
  let info = null;
  const refresh = async () => {
    const spec = getSpec(study);
    chips.replaceChildren(...(spec.length ? spec.map((f) => h("span", { class: "chip" }, describe(f))) : [h("span", { class: "hint" }, "none")]));
    clear.hidden = !spec.length;
    try {
      const s = await api(`/api/v1/studies/${study}/filter-summary${qs({ filter: specParam(spec) })}`);
      summary.textContent = `Cases ${fmt.pct(s.cases, s.total_cases)} (${fmt.count(s.cases)} / ${fmt.count(s.total_cases)}) · Events ${fmt.pct(s.events, s.total_events)} (${fmt.count(s.events)} / ${fmt.count(s.total_events)})`;
      summary.classList.remove("error");
    } catch (err) { summary.textContent = err.message; summary.classList.add("error"); }
  };
  edit.addEventListener("click", async () => {
    info = info || await api(`/api/v1/studies/${study}/log-info`);
    const dlg = h("dialog", { "aria-labelledby": "filters-title" });
    const close = () => { dlg.close(); dlg.remove(); edit.focus(); };
    const b = builder(info, getSpec(study), { onCancel: close, onApply: (spec) => { close(); setSpec(study, spec); } });
    dlg.append(h("div", { class: "dlg-head" }, h("h2", { id: "filters-title" }, "Filters"), h("button", { type: "button", class: "secondary", "aria-label": "Close", onclick: close }, "×")),
      h("div", { class: "dlg-body" }, b), b.footer);
    dlg.addEventListener("cancel", (e) => { e.preventDefault(); close(); });
    document.body.append(dlg);
    dlg.showModal();
  });
  clear.addEventListener("click", () => { setSpec(study, []); announce("Filters cleared"); });
  window.addEventListener(EVENT, () => { refresh(); onChange && onChange(getSpec(study)); });
  await refresh();
  return bar;
}

// Cases: search the filtered cases; a case's timeline shows its system events and, beneath
// each, the task instances that served it with their active time.
import { api, h, fmt, field, start, ready, studyId, qs, errorBox, table } from "../core.js";
import { filterBar, getSpec, specParam } from "../filters.js";

const study = studyId();
const PAGE = 25;
let query = new URLSearchParams(location.search).get("case") || "";
let sort = "-start";
let offset = 0;

function timeline(c) {
  const attrs = Object.entries(c.attributes);
  // Shown in the event's own line, or bookkeeping of the merged log (not attributes to read).
  const standard = new Set(["concept:name", "time:timestamp", "start_timestamp", "org:resource", "tasks", "event_id", "level"]);
  return h("section", { class: "panel", "aria-labelledby": "case-title" },
    h("h2", { id: "case-title" }, `Case ${c.case}`),
    h("p", {}, `${fmt.count(c.events.length)} ${c.events.length === 1 ? "event" : "events"} over ${fmt.duration(c.duration_s)}.`),
    attrs.length ? h("dl", { class: "kv" }, attrs.map(([k, v]) => [h("dt", {}, k.replace(/^case:/, "")), h("dd", {}, String(v))])) : null,
    h("ol", { class: "timeline", "aria-label": "Timeline" }, c.events.map((e) => h("li", {},
      h("div", {}, h("strong", {}, e["concept:name"]), e["org:resource"] ? ` · ${e["org:resource"]}` : ""),
      h("div", { class: "when" }, e.start_timestamp && e.start_timestamp !== e["time:timestamp"] ? `${fmt.time(e.start_timestamp)} → ${fmt.time(e["time:timestamp"])}` : fmt.time(e["time:timestamp"])),
      Object.keys(e).some((k) => !standard.has(k)) ? h("div", { class: "hint" }, Object.entries(e).filter(([k]) => !standard.has(k)).map(([k, v]) => `${k}: ${v}`).join(" · ")) : null,
      e.tasks.length ? h("ul", { class: "tasks", "aria-label": `Task instances for ${e["concept:name"]}` }, e.tasks.map((t) => h("li", {},
        h("strong", {}, t.label || t.task_type), ` — ${fmt.duration(t.active_s)} active${t.active_measured ? "" : " (span)"}`,
        h("span", { class: "hint" }, ` ${fmt.time(t.start)} – ${fmt.time(t.end)}${t.user ? ` · ${t.user}` : t.resource ? ` · ${t.resource}` : ""}${t.app ? ` · ${t.app}` : ""}`)))) : null))),
    c.two_level ? null : h("p", { class: "hint" }, "Task instances appear beneath each event once tasks are linked to cases (`taskloom merge`)."));
}

async function openCase(id, detail, focus = true) {
  try {
    const c = await api(`/api/v1/studies/${study}/case${qs({ id, filter: specParam(getSpec(study)) })}`);
    detail.replaceChildren(timeline(c));
    detail.querySelector("h2").setAttribute("tabindex", "-1");
    if (focus) detail.querySelector("h2").focus();
  } catch (err) { detail.replaceChildren(errorBox(err)); }
}

async function draw(list, detail, openFirst = true) {
  const data = await api(`/api/v1/studies/${study}/cases${qs({ filter: specParam(getSpec(study)), q: query, sort, limit: PAGE, offset })}`);
  const pager = h("div", { class: "pager" },
    h("button", { type: "button", class: "secondary", disabled: offset === 0, onclick: () => { offset = Math.max(0, offset - PAGE); draw(list, detail, false); } }, "Previous"),
    h("span", {}, data.matching ? `${fmt.count(offset + 1)}–${fmt.count(Math.min(offset + PAGE, data.matching))} of ${fmt.count(data.matching)} matching (${fmt.count(data.total)} cases)` : "No matching case"),
    h("button", { type: "button", class: "secondary", disabled: offset + PAGE >= data.matching, onclick: () => { offset += PAGE; draw(list, detail, false); } }, "Next"));
  list.replaceChildren(table([
    { label: "Case", render: (c) => h("button", { type: "button", class: "linkbtn", onclick: () => openCase(c.case, detail) }, c.case) },
    { key: "events", label: "Events", num: true },
    { label: "Start", render: (c) => fmt.time(c.start) },
    { label: "Duration", num: true, render: (c) => fmt.duration(c.duration_s) },
    { key: "first_activity", label: "First activity" },
    { key: "last_activity", label: "Last activity" },
  ], data.cases, { caption: "Cases (select one for its timeline)" }), pager);
  if (data.cases.length && openFirst) await openCase(data.cases[0].case, detail, false);
}

start(async () => {
  const list = h("div");
  const detail = h("div", { class: "casedetail" });
  const search = h("input", { type: "search", id: "case-search", value: query, placeholder: "case id or part of it" });
  const order = h("select", { id: "case-sort" }, [["-start", "newest first"], ["start", "oldest first"], ["-duration", "longest first"], ["duration", "shortest first"], ["-events", "most events"], ["case", "case id"]]
    .map(([v, t]) => h("option", { value: v, selected: v === sort }, t)));
  const form = h("form", { class: "row", role: "search" }, field("Find a case", search), field("Order", order), h("button", { type: "submit" }, "Search"));
  form.addEventListener("submit", (e) => { e.preventDefault(); query = search.value.trim(); sort = order.value; offset = 0; draw(list, detail).catch((err) => list.replaceChildren(errorBox(err))); });
  order.addEventListener("change", () => form.requestSubmit());
  const bar = await filterBar(study, () => { offset = 0; draw(list, detail).catch((err) => list.replaceChildren(errorBox(err))); });
  await draw(list, detail);
  ready([bar, form, h("div", { class: "grid2" }, list, detail)]);
});

// Tasks: task types discovered in the study's UI events (a background job), with editable
// labels (stored with the study), counts and share of time, apps and screens, a type's own
// map and automation candidates; and the task types under the system activities when the
// study has a two-level log.
import { api, h, fmt, start, ready, studyId, table, can, announce, errorBox, progressBar, followJob } from "../core.js";
import { bars } from "../charts.js";

const study = studyId();
const list = (xs) => xs.map((x) => `${x.name} (${fmt.count(x.count)})`).join(", ") || "–";
const card = (label, value) => h("div", { class: "card" }, h("div", { class: "label" }, label), h("div", { class: "value" }, value));

function parseSvg(text) {
  const parsed = new DOMParser().parseFromString(text, "image/svg+xml");
  return document.importNode(parsed.documentElement, true);
}

function discoverButton(label, onDone) {
  const progress = progressBar("Task discovery progress");
  progress.el.hidden = true;
  const button = h("button", { type: "button", id: "discover-tasks" }, label);
  button.addEventListener("click", async () => {
    button.disabled = true;
    progress.el.hidden = false;
    try {
      const job = await followJob(await api(`/api/v1/studies/${study}/task-discovery`, { method: "POST" }), progress);
      if (job.status === "failed") { progress.set(1, job.error); announce(`Task discovery failed: ${job.error}`); return; }
      announce(job.message);
      await onDone();
    } catch (err) {
      progress.el.replaceWith(errorBox(err));
    } finally {
      button.disabled = false;
    }
  });
  return h("div", { class: "discover" }, button, progress.el);
}

async function typeMap(t, box) {
  box.replaceChildren(h("p", { class: "loading" }, "Loading the map…"));
  try {
    const m = await api(`/api/v1/studies/${study}/discovered-tasks/${encodeURIComponent(t.task_type)}/map`);
    const svg = parseSvg(m.svg);
    svg.setAttribute("class", "taskloom-map typemap");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", `Steps of ${t.label}: ${m.shown} of ${m.steps} steps`);
    box.replaceChildren(h("h3", { id: "typemap-title" }, `Map of ${t.label}`),
      h("p", { class: "hint" }, `The steps inside ${fmt.count(m.instances)} task instances (what was done, in which app, on which element or screen): `,
        `${m.shown} most frequent of ${m.steps} steps, arcs weighted by how often one step followed another.`),
      h("div", { class: "typemap-wrap", tabindex: 0, role: "region", "aria-labelledby": "typemap-title" }, svg));
    box.dataset.taskType = t.task_type;
    box.scrollIntoView({ block: "nearest" });
  } catch (err) { box.replaceChildren(errorBox(err)); }
}

function labelCell(t, onSaved) {
  if (!can("analyst")) return h("span", {}, t.label);
  const input = h("input", { type: "text", value: t.label, maxlength: 80, "aria-label": `Label of task type ${t.task_type}`, class: "label-input", dataset: { taskType: t.task_type } });
  const save = h("button", { type: "button", class: "secondary small" }, "Save");
  const commit = async () => {
    save.disabled = true;
    try {
      const value = input.value.trim() === t.generated_label ? "" : input.value;
      await api(`/api/v1/studies/${study}/task-labels`, { method: "PUT", json: { labels: { [t.task_type]: value } } });
      announce(`Task type ${t.task_type} is now “${input.value.trim() || t.generated_label}”`);
      await onSaved();
    } catch (err) { announce(err.message); input.setAttribute("aria-invalid", "true"); } finally { save.disabled = false; }
  };
  save.addEventListener("click", commit);
  input.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); commit(); } });
  return h("span", { class: "labeledit" }, input, save, t.generated_label && t.renamed ? h("span", { class: "hint" }, ` generated: ${t.generated_label}`) : null);
}

async function discoveredSection(section) {
  const d = await api(`/api/v1/studies/${study}/discovered-tasks`);
  const reload = () => discoveredSection(section);
  if (!d.discovered) {
    section.replaceChildren(h("h2", {}, "Task types in the UI events"),
      d.ui_events ? h("p", {}, `This study has ${fmt.count(d.ui_events)} UI events. Task discovery segments each user's stream into task instances and clusters them into types (the same as `,
        h("code", {}, "taskloom tasks discover --study"), ").") : h("p", {}, "This study has no UI events yet: enrol agents on the Studies page, then discover tasks here."),
      d.ui_events && can("analyst") ? discoverButton("Discover tasks", reload) : d.ui_events ? h("p", { class: "hint" }, "An analyst can run the discovery.") : null);
    return;
  }
  const mapBox = h("div", { class: "panel typemap-box", "aria-live": "polite" }, h("p", { class: "hint" }, "Choose “Map” in a row to see that type's own map."));
  const byType = new Map(d.types.map((t) => [t.task_type, t]));
  const candidates = d.candidates.map((k) => byType.get(k)).filter(Boolean);
  section.replaceChildren(
    h("h2", {}, "Task types in the UI events"),
    h("p", { class: "hint" }, `Discovered ${fmt.time(d.finished_at)} from ${fmt.count(d.events)} UI events over ${d.days.toFixed(1)} days. `,
      "The result is kept while the server runs; labels are stored with the study."),
    can("analyst") ? discoverButton("Discover again", reload) : null,
    h("div", { class: "cards" }, card("Task types", fmt.count(d.types.length)), card("Task instances", fmt.count(d.instances)), card("Active time", fmt.duration(d.active_s))),
    table([
      { label: "Label", render: (t) => labelCell(t, reload) },
      { key: "task_type", label: "Type" },
      { label: "Instances", num: true, render: (t) => fmt.count(t.instances) },
      { label: "Users", num: true, render: (t) => fmt.count(t.users) },
      { label: "Share of active time", num: true, render: (t) => fmt.share(t.share) },
      { label: "Median active time", num: true, render: (t) => fmt.duration(t.median_active_s) },
      { label: "Clicks / keys per instance", num: true, render: (t) => `${t.clicks_per_instance.toFixed(1)} / ${t.keys_per_instance.toFixed(1)}` },
      { label: "Apps", render: (t) => list(t.apps) },
      { label: "Screens", render: (t) => list(t.screens) },
      { label: "Own map", render: (t) => h("button", { type: "button", class: "secondary small", "aria-label": `Map of ${t.label}`, onclick: () => typeMap(t, mapBox) }, "Map") },
    ], d.types, { caption: "Task types by active time", rowAttrs: (t) => ({ dataset: { taskType: t.task_type } }) }),
    mapBox,
    h("section", { class: "panel", "aria-labelledby": "auto-title" }, h("h3", { id: "auto-title" }, "Automation candidates"),
      h("p", { class: "hint" }, "Estimated hours saved per month if a type were automated: instances per working month × median active time × an automatable share ",
        "(0.2 + 0.35 × repetitiveness + 0.25 × steadiness of duration + 0.2 × copy-paste use, at most 0.9), as ", h("code", {}, "taskloom tasks report"), " prints it."),
      table([
        { label: "Task type", render: (t) => t.label },
        { label: "Instances", num: true, render: (t) => fmt.count(t.instances) },
        { label: "Repetitiveness", num: true, render: (t) => fmt.share(t.repetitiveness) },
        { label: "Clicks + keys per instance", num: true, render: (t) => (t.clicks_per_instance + t.keys_per_instance).toFixed(0) },
        { label: "Apps", num: true, render: (t) => String(t.apps.length) },
        { label: "Automatable share", num: true, render: (t) => fmt.share(t.automatable_share) },
        { label: "Hours saved per month", num: true, render: (t) => t.hours_saved_per_month.toFixed(1) },
      ], candidates, { caption: "Top automation candidates", rowAttrs: (t) => ({ class: "candidate", dataset: { taskType: t.task_type } }) })),
    bars("Share of active time by task type", d.types.map((t) => ({ name: t.label, value: t.share })), { format: fmt.share, valueLabel: "Share" }));
}

function twoLevelSection(data) {
  return h("section", { class: "panel", "aria-labelledby": "tl-title" }, h("h2", { id: "tl-title" }, "Task types under the system activities"),
    h("div", { class: "cards" }, card("Task types", fmt.count(data.types.length)), card("Task instances", fmt.count(data.instances)), card("Active time", fmt.duration(data.active_s))),
    table([
      { label: "Task type", render: (t) => t.label && t.label !== t.task_type ? `${t.label} (${t.task_type})` : t.task_type },
      { label: "Instances", num: true, render: (t) => fmt.count(t.instances) },
      { label: "Share of active time", num: true, render: (t) => fmt.share(t.share) },
      { label: "Median active time", num: true, render: (t) => fmt.duration(t.median_active_s) },
      { label: "Cases", num: true, render: (t) => fmt.count(t.cases) },
      { label: "Apps", render: (t) => list(t.apps) },
      { label: "Serves", render: (t) => list(t.serves) },
    ], data.types, { caption: "Task types by active time" }),
    bars("Share of active time by task type (linked tasks)", data.types.map((t) => ({ name: t.label || t.task_type, value: t.share })), { format: fmt.share, valueLabel: "Share" }));
}

start(async () => {
  const [linked] = await Promise.all([api(`/api/v1/studies/${study}/task-types`)]);
  const discovered = h("section", { class: "panel tasks-discovered", "aria-label": "Task types in the UI events" });
  await discoveredSection(discovered);
  ready([discovered, linked.two_level ? twoLevelSection(linked) : h("section", { class: "panel" }, h("h2", {}, "Task types under the system activities"),
    h("p", {}, "These appear once tasks are linked to the study's cases: ",
      h("code", {}, "taskloom merge --study NAME"), ", or import a merged two-level log (rows with level, task_type and parent) on the Data page."))]);
});

// Filters page: the whole filter builder on one page, and the spec as JSON for the CLI.
import { api, h, start, ready, studyId, announce, download } from "../core.js";
import { builder, getSpec, setSpec, filterBar } from "../filters.js";

const study = studyId();

start(async () => {
  const info = await api(`/api/v1/studies/${study}/log-info`);
  const holder = h("div");
  const draw = () => {
    const b = builder(info, getSpec(study), { inline: true, onApply: (spec) => { setSpec(study, spec); announce(`${spec.length} filters applied to map, statistics, variants and cases`); } });
    const save = h("button", { type: "button", class: "secondary", onclick: () => download(`filter-study${study}.json`, JSON.stringify(getSpec(study), null, 1), "application/json") }, "Download spec.json");
    const file = h("input", { type: "file", accept: ".json,application/json", id: "spec-file" });
    const load = h("button", { type: "button", class: "secondary", onclick: async () => {
      if (!file.files.length) return;
      try { const spec = JSON.parse(await file.files[0].text()); setSpec(study, Array.isArray(spec) ? spec : [spec]); announce("Filter spec loaded"); draw(); } catch (err) { announce(`Not a filter spec: ${err.message}`); }
    } }, "Load");
    holder.replaceChildren(h("section", { class: "panel", "aria-label": "Filter builder" }, b, b.footer),
      h("section", { class: "panel", "aria-labelledby": "spec-io" }, h("h2", { id: "spec-io" }, "Use the same filters in the CLI"),
        h("p", {}, "Save the spec and pass it to ", h("code", {}, "taskloom stats|dfg|map|variants|quality LOG --filter spec.json"), "."),
        h("div", { class: "row" }, save, h("label", { for: "spec-file" }, "Load a spec file"), file, load)));
  };
  const bar = await filterBar(study, draw);
  draw();
  ready([bar, holder]);
});

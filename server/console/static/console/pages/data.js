// Data: system-log upload (inspect, column mapping, preview, background import with progress),
// imports and jobs, the quarantine with its reasons, and exports.
import { api, h, fmt, field, start, ready, table, studyId, announce, errorBox, qs, progressBar, followJob } from "../core.js";
import { getSpec, specParam, describe } from "../filters.js";

const study = studyId();
const ROLES = [["case", "Case id", true], ["activity", "Activity", true], ["timestamp", "Timestamp (completion)", true],
  ["start_timestamp", "Start timestamp", false], ["resource", "Resource", false]];

/** Upload with XMLHttpRequest for upload progress; resolves with the inspection JSON. */
function sendFile(file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/v1/studies/${study}/uploads?name=${encodeURIComponent(file.name)}`);
    xhr.setRequestHeader("X-CSRF-Token", document.querySelector('meta[name="csrf-token"]').content);
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      let data = null;
      try { data = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data);
      else reject(new Error((data && data.detail) || `upload failed (${xhr.status})`));
    };
    xhr.onerror = () => reject(new Error("the upload was interrupted; check the connection and try again"));
    xhr.send(file);
  });
}

function importPanel(onImported) {
  const file = h("input", { type: "file", id: "log-file", accept: ".csv,.gz,.xes,.parquet" });
  const upload = h("button", { type: "button" }, "Upload and inspect");
  const up = progressBar("Upload progress");
  up.el.hidden = true;
  const out = h("div", { class: "import-steps" });
  upload.addEventListener("click", async () => {
    if (!file.files.length) { out.replaceChildren(errorBox("Choose a file first (.csv, .csv.gz, .xes, .xes.gz or .parquet).")); return; }
    up.el.hidden = false;
    out.replaceChildren();
    try {
      const info = await sendFile(file.files[0], (v) => up.set(v, `uploading ${Math.round(v * 100)} %`));
      up.set(1, `uploaded ${file.files[0].name}`);
      out.replaceChildren(mappingForm(info, onImported));
      out.querySelector("select, button")?.focus();
    } catch (err) { out.replaceChildren(errorBox(err)); up.el.hidden = true; }
  });
  return h("section", { class: "panel", "aria-labelledby": "import-title" }, h("h2", { id: "import-title" }, "Import a system log"),
    h("p", { class: "hint" }, "An EHR audit log, a case-management export: CSV (any separator), XES or Parquet. Case, activity and timestamp columns are needed."),
    h("div", { class: "row" }, field("Event log file", file), upload), up.el, out);
}

function mappingForm(info, onImported) {
  const selects = {};
  const msg = h("div", { class: "preview", "aria-live": "polite" });
  const parts = [h("h3", {}, `${info.file_name} · ${fmt.count(info.size)} bytes`)];
  if (info.kind === "csv") {
    parts.push(table(info.columns.map((c) => ({ key: c, label: `${c} (${info.types[c]})` })), info.rows.slice(0, 8), { caption: "First rows as uploaded, with the type detected per column" }));
    const opts = (required) => [required ? null : h("option", { value: "" }, "(none)"), ...info.columns.map((c) => h("option", { value: c }, `${c} — ${info.types[c]}`))].filter(Boolean);
    const row = ROLES.map(([role, label, required]) => {
      const sel = h("select", { id: `map-${role}`, name: role }, opts(required));
      sel.value = info.suggested[role] || (required ? info.columns[0] : "");
      selects[role] = sel;
      return field(`${label}${required ? "" : " (optional)"}`, sel);
    });
    parts.push(h("div", { class: "row" }, row));
  } else {
    parts.push(h("p", { class: "hint" }, `${info.kind.toUpperCase()} logs carry their own column names (case:concept:name, concept:name, time:timestamp).`));
  }
  const format = h("input", { id: "map-format", placeholder: "e.g. %d-%m-%Y %H:%M:%S" });
  const zone = h("input", { id: "map-timezone", value: "UTC" });
  const hash = h("input", { type: "checkbox", id: "map-hash" });
  const prefix = h("input", { id: "map-prefix", maxlength: 32, placeholder: "e.g. NHS" });
  if (info.kind === "csv") {
    parts.push(h("div", { class: "row" }, field("Timestamp format (optional)", format, "strftime; empty: ISO 8601 and common forms"),
      field("Time zone of timestamps without an offset", zone)));
  }
  parts.push(h("div", { class: "row" }, h("label", { class: "inline" }, hash, "Replace case ids by keyed tokens (the study key, as the agent does)"), field("Token prefix", prefix)));
  const mapping = () => {
    const m = {};
    for (const [role, sel] of Object.entries(selects)) m[role] = sel.value || null;
    if (info.kind === "csv") { m.sep = info.sep; m.timestamp_format = format.value || null; m.timezone = zone.value || null; }
    return m;
  };
  const previewBtn = h("button", { type: "button", class: "secondary" }, "Preview");
  const importBtn = h("button", { type: "button" }, "Import");
  const job = progressBar("Import progress");
  job.el.hidden = true;
  previewBtn.addEventListener("click", async () => {
    msg.replaceChildren(h("p", { class: "hint" }, "Reading the first rows with this mapping…"));
    try {
      const p = await api(`/api/v1/studies/${study}/uploads/${info.upload_id}/preview`, { method: "POST", json: mapping() });
      msg.replaceChildren(h("p", { class: "okmsg" }, `The mapping reads: ${fmt.count(p.rows_read)} events in the first rows, ${fmt.count(p.cases)} cases, ${fmt.count(p.activities)} activities.`),
        table(p.columns.map((c) => ({ key: c, label: c })), p.rows.slice(0, 8), { caption: "As the import will read them" }));
    } catch (err) { msg.replaceChildren(errorBox(err)); }
  });
  importBtn.addEventListener("click", async () => {
    importBtn.disabled = true; previewBtn.disabled = true;
    job.el.hidden = false;
    try {
      let j = await api(`/api/v1/studies/${study}/jobs`, { method: "POST", json: { kind: "import", upload_id: info.upload_id, mapping: mapping(), hash_case_ids: hash.checked, case_prefix: prefix.value } });
      j = await followJob(j, job);
      if (j.status === "done") {
        msg.replaceChildren(h("p", { class: "okmsg" }, `${j.message}. `, h("a", { href: `/studies/${study}/map` }, "Open the process map")));
        announce(j.message);
        onImported();
      } else {
        msg.replaceChildren(errorBox(j.error));
        importBtn.disabled = false; previewBtn.disabled = false;
      }
    } catch (err) { msg.replaceChildren(errorBox(err)); importBtn.disabled = false; previewBtn.disabled = false; }
  });
  parts.push(h("div", { class: "row" }, previewBtn, importBtn), job.el, msg);
  return h("div", { class: "mapping" }, parts);
}

async function historyPanel() {
  const [imports, jobs] = await Promise.all([api(`/api/v1/studies/${study}/imports`), api(`/api/v1/studies/${study}/jobs`)]);
  return h("section", { class: "panel", "aria-labelledby": "hist-title" }, h("h2", { id: "hist-title" }, "Imports and jobs"),
    imports.length ? table([
      { key: "file_name", label: "File" },
      { label: "Events", num: true, render: (i) => fmt.count(i.row_count) },
      { label: "Status", render: (i) => h("span", { class: `badge ${i.status === "done" ? "ok" : "bad"}` }, i.status) },
      { label: "Error", render: (i) => i.error || "" },
      { label: "When", render: (i) => fmt.time(i.created_at) },
    ], [...imports].reverse(), { caption: "System-log imports" }) : h("p", { class: "hint" }, "No system log imported yet."),
    jobs.length ? table([
      { key: "title", label: "Job" },
      { key: "status", label: "Status" },
      { label: "Progress", num: true, render: (j) => `${Math.round(j.progress * 100)} %` },
      { label: "Result", render: (j) => j.error || j.message },
      { label: "Started", render: (j) => fmt.time(j.created_at) },
    ], jobs, { caption: "Background jobs since the server started" }) : null);
}

async function quarantinePanel() {
  const rows = await api(`/api/v1/quarantine${qs({ study_id: study, limit: 200 })}`);
  return h("section", { class: "panel", "aria-labelledby": "q-title" }, h("h2", { id: "q-title" }, "Quarantine"),
    h("p", { class: "hint" }, "Events the collector refused, with the reason. Nothing else of their batch was lost."),
    rows.length ? table([
      { label: "Received", render: (q) => fmt.time(q.received_at) },
      { label: "Device", render: (q) => q.device_id ? q.device_id.slice(0, 8) : "–" },
      { key: "reason", label: "Reason" },
      { label: "Payload", render: (q) => h("code", {}, q.payload.length > 160 ? `${q.payload.slice(0, 160)}…` : q.payload) },
    ], rows, { caption: `${rows.length} quarantined events (newest first)` }) : h("p", {}, "The quarantine is empty."));
}

function exportsPanel() {
  const spec = getSpec(study);
  const useFilter = h("input", { type: "checkbox", id: "export-filtered", checked: spec.length > 0, disabled: !spec.length });
  const sys = (fmtName) => h("a", { class: "button secondary", href: "#", onclick: (e) => {
    e.currentTarget.href = `/api/v1/studies/${study}/system-log/export${qs({ format: fmtName, filter: useFilter.checked ? specParam(spec) : "" })}`;
  } }, `System log (.${fmtName})`);
  const ui = (fmtName) => h("a", { class: "button secondary", href: `/api/v1/studies/${study}/export?format=${fmtName}` }, `UI events (.${fmtName})`);
  return h("section", { class: "panel", "aria-labelledby": "x-title" }, h("h2", { id: "x-title" }, "Exports"),
    h("div", { class: "row" }, sys("csv"), sys("xes"), sys("parquet")),
    h("label", { class: "inline" }, useFilter, spec.length ? `Only what the filters keep (${spec.map(describe).join("; ")})` : "No filters are set (the whole system log is exported)"),
    h("div", { class: "row" }, ui("csv"), ui("xes"), ui("parquet")));
}

/** Linking: the "merge" job (tasks linked to cases, stored) and OCEL 2.0 exports of the result. */
function linkPanel(onMerged) {
  const section = h("section", { class: "panel linkpanel", "aria-labelledby": "l-title" });
  const render = async () => {
    const s = await api(`/api/v1/studies/${study}/links`);
    const progress = progressBar("Merge progress");
    progress.el.hidden = true;
    const button = h("button", { type: "button", id: "merge-tasks" }, s.merged ? "Link again" : "Link tasks to cases");
    const result = h("div", { "aria-live": "polite" });
    button.addEventListener("click", async () => {
      button.disabled = true;
      progress.el.hidden = false;
      try {
        const job = await followJob(await api(`/api/v1/studies/${study}/merge-job`, { method: "POST" }), progress);
        if (job.status === "failed") { result.replaceChildren(h("p", { class: "error", role: "alert" }, job.error)); return; }
        announce(job.message);
        await onMerged();
        await render();
      } catch (err) { result.replaceChildren(errorBox(err)); } finally { button.disabled = false; }
    });
    const ocel = (f) => h("a", { class: "button secondary", href: `/api/v1/studies/${study}/ocel?format=${f}`, download: "" }, `OCEL 2.0 (.${f})`);
    section.replaceChildren(h("h2", { id: "l-title" }, "Tasks linked to cases"),
      h("p", { class: "hint" }, "Discovers tasks in the study's UI events and links each to a case of the system log: by an identifier in its screens, ",
        "by its user and time next to a system event, or by propagation between two linked tasks; the rest stays unattributed. ",
        "The same as ", h("code", {}, "taskloom merge --study"), "; a new run replaces the stored links."),
      s.merged ? h("p", { class: "okmsg" }, `Stored: ${fmt.count(s.task_instances)} task instances, ${fmt.count(s.linked)} linked to a case (${fmt.share(s.linked_share)}): `,
        Object.entries(s.by_method).map(([m, n]) => `${m} ${fmt.count(n)}`).join(", "), ".") : h("p", {}, "No tasks are linked yet."),
      h("div", { class: "row" }, button), progress.el, result,
      s.merged ? h("div", { class: "row" }, ocel("jsonocel"), ocel("sqlite"), ocel("xmlocel"))
        : h("p", { class: "hint" }, "OCEL 2.0 exports (cases, task instances, users, devices, apps) appear once tasks are linked."));
  };
  render().catch((err) => section.replaceChildren(errorBox(err)));
  return section;
}

start(async () => {
  const root = h("div");
  const history = h("div");
  const refresh = async () => { history.replaceChildren(await historyPanel()); };
  root.append(importPanel(refresh), history, linkPanel(refresh), exportsPanel(), await quarantinePanel());
  await refresh();
  ready(root);
});

// Studies: the list; for admins, create and edit (consent text, capture policy) and enrolment tokens.
import { api, can, h, fmt, field, start, ready, table, announce, errorBox } from "../core.js";

const TYPING = [["bursts", "typing bursts (counts, never characters)"], ["per_key", "per key class (never characters)"], ["off", "off"]];

function lines(text) { return text.split(/\r?\n/).map((s) => s.trim()).filter(Boolean); }

/** The policy form: consent text and capture settings, as study settings (policy overrides). */
function policyForm(study, onSave, submitLabel) {
  const s = study ? study.settings || {} : {};
  const capture = s.capture || {};
  const shots = s.screenshots || {};
  const name = h("input", { required: true, maxlength: 200, value: study ? study.name : "" });
  const description = h("input", { maxlength: 2000, value: study ? study.description : "" });
  const notice = h("textarea", { rows: 5, maxlength: 10000 }, s.notice || "");
  const allow = h("textarea", { rows: 3 }, (s.apps_allow || []).join("\n"));
  const deny = h("textarea", { rows: 3 }, (s.apps_deny || []).join("\n"));
  const typing = h("select", {}, TYPING.map(([v, t]) => h("option", { value: v, selected: (capture.typing || "bursts") === v }, t)));
  const screenshots = h("input", { type: "checkbox", checked: !!shots.enabled });
  const urlPaths = h("input", { type: "checkbox", checked: !!s.url_paths });
  const idle = h("input", { type: "number", min: 5, max: 3600, value: s.idle_threshold_s ?? 60 });
  const msg = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "policy" },
    h("div", { class: "grid2" },
      h("div", {}, field("Study name", name), field("Description", description),
        field("Consent text (shown to staff; they accept it before any capture)", notice)),
      h("div", {}, field("Apps to capture (one per line; empty = all not denied)", allow),
        field("Apps never captured (one per line)", deny), field("Typing", typing),
        h("label", { class: "inline" }, screenshots, "Screenshots on (redacted, downscaled)"),
        h("label", { class: "inline" }, urlPaths, "Keep URL paths (else the domain only)"),
        field("Idle after (seconds)", idle))),
    msg, h("button", { type: "submit" }, submitLabel));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const settings = { ...s, notice: notice.value, apps_allow: lines(allow.value), apps_deny: lines(deny.value),
      capture: { ...capture, typing: typing.value }, screenshots: { ...shots, enabled: screenshots.checked },
      url_paths: urlPaths.checked, idle_threshold_s: Number(idle.value) || 60 };
    try {
      await onSave({ name: name.value.trim(), description: description.value, settings });
      msg.replaceChildren(h("p", { class: "okmsg" }, "Saved."));
    } catch (err) { msg.replaceChildren(errorBox(err)); }
  });
  return form;
}

async function tokensPanel(study) {
  const box = h("section", { class: "panel", "aria-labelledby": "tokens-title" });
  const draw = async (fresh) => {
    const tokens = await api(`/api/v1/studies/${study.id}/enrollment-tokens`);
    const now = Date.now();
    const uses = h("input", { type: "number", min: 1, max: 100000, value: 10 });
    const days = h("input", { type: "number", min: 1, max: 365, value: 7 });
    const issue = h("form", { class: "row" }, field("Devices that may enrol", uses), field("Valid for (days)", days),
      h("button", { type: "submit" }, "Issue enrolment token"));
    issue.addEventListener("submit", async (e) => {
      e.preventDefault();
      try {
        const t = await api(`/api/v1/studies/${study.id}/enrollment-tokens`, { method: "POST", json: { uses: Number(uses.value), expires_in_s: Number(days.value) * 86400 } });
        announce("Enrolment token issued");
        await draw(t);
      } catch (err) { box.append(errorBox(err)); }
    });
    let shown = null;
    if (fresh) {
      const cmd = `taskloom-agent enroll --collector ${location.origin} --token ${fresh.token}`;
      const copy = h("button", { type: "button", class: "secondary", onclick: async () => { try { await navigator.clipboard.writeText(cmd); announce("Command copied"); } catch (e) { announce("Select the command and copy it"); } } }, "Copy command");
      shown = h("div", { class: "okmsg" }, h("p", {}, "Run this on each workstation (the token is shown only now):"), h("pre", { class: "enroll-cmd" }, cmd), copy);
    }
    box.replaceChildren(...[h("h2", { id: "tokens-title" }, "Enrolment tokens"), shown, issue,
      tokens.length ? table([
        { key: "id", label: "Token", num: true },
        { label: "Used", num: true, render: (t) => `${t.uses} / ${t.max_uses}` },
        { label: "Expires", render: (t) => fmt.time(t.expires_at) },
        { label: "State", render: (t) => t.expires_at <= now ? h("span", { class: "badge muted" }, "expired or revoked") : t.uses >= t.max_uses ? h("span", { class: "badge muted" }, "used up") : h("span", { class: "badge ok" }, "active") },
        { label: "", render: (t) => t.expires_at > now && t.uses < t.max_uses ? h("button", { type: "button", class: "secondary", "aria-label": `Revoke token ${t.id}`, onclick: async () => {
          await api(`/api/v1/studies/${study.id}/enrollment-tokens/${t.id}`, { method: "DELETE" });
          announce(`Token ${t.id} revoked`); await draw();
        } }, "Revoke") : "" },
      ], tokens, { caption: "Tokens of this study (only their hashes are stored)" }) : h("p", { class: "hint" }, "No enrolment tokens yet.")].filter(Boolean));
  };
  await draw();
  return box;
}

async function editStudy(study, refresh) {
  const panel = h("div", { class: "editor" });
  const del = h("button", { type: "button", class: "danger" }, "Delete study…");
  del.addEventListener("click", async () => {
    const typed = prompt(`Delete study "${study.name}" with all its devices, events and imports? Type its name to confirm.`);
    if (typed !== study.name) { announce("Not deleted"); return; }
    await api(`/api/v1/studies/${study.id}`, { method: "DELETE" });
    announce(`Deleted ${study.name}`);
    await refresh();
  });
  panel.append(
    h("section", { class: "panel", "aria-labelledby": "edit-title" }, h("h2", { id: "edit-title" }, `Edit ${study.name}`),
      policyForm(study, async (body) => { await api(`/api/v1/studies/${study.id}`, { method: "PATCH", json: body }); await refresh(study.id); }, "Save study")),
    await tokensPanel(study),
    h("section", { class: "panel" }, h("h2", {}, "Danger zone"), del));
  return panel;
}

start(async () => {
  const root = h("div");
  const refresh = async (selectId) => {
    const studies = await api("/api/v1/studies");
    const editor = h("div");
    const choose = async (s) => { editor.replaceChildren(await editStudy(s, refresh)); editor.querySelector("input")?.focus(); };
    const list = studies.length ? table([
      { label: "Study", render: (s) => h("a", { href: `/studies/${s.id}/map` }, s.name) },
      { key: "description", label: "Description" },
      { key: "devices", label: "Devices", num: true },
      { label: "Created", render: (s) => fmt.time(s.created_at) },
      { label: "Open", render: (s) => h("span", { class: "row" }, h("a", { href: `/studies/${s.id}/map` }, "Map"), h("a", { href: `/studies/${s.id}/statistics` }, "Statistics"), can("analyst") ? h("a", { href: `/studies/${s.id}/data` }, "Data") : null) },
      can("admin") ? { label: "", render: (s) => h("button", { type: "button", class: "secondary", "aria-label": `Edit ${s.name}`, onclick: () => choose(s) }, "Edit") } : null,
    ].filter(Boolean), studies, { caption: `${studies.length} ${studies.length === 1 ? "study" : "studies"}` })
      : h("p", { class: "hint" }, can("admin") ? "No studies yet: create the first one below." : "No studies have been shared with you yet. Ask an admin.");
    const parts = [list];
    if (can("admin")) {
      parts.push(h("section", { class: "panel", "aria-labelledby": "new-title" }, h("h2", { id: "new-title" }, "New study"),
        policyForm(null, async (body) => { const s = await api("/api/v1/studies", { method: "POST", json: body }); announce(`Created ${s.name}`); await refresh(s.id); }, "Create study")));
      parts.push(editor);
    }
    root.replaceChildren(...parts);
    const chosen = studies.find((s) => s.id === selectId);
    if (chosen) await choose(chosen);
  };
  await refresh();
  ready(root);
});

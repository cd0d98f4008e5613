// Users (admins only): create people, set their role and studies, reset passwords, disable.
import { api, h, fmt, field, start, ready, table, announce, errorBox } from "../core.js";

const ROLES = [["viewer", "viewer — read-only dashboards of granted studies"], ["analyst", "analyst — mines, imports, merges and exports granted studies"], ["admin", "admin — everything, including users and the fleet"]];

function studyPicker(studies, chosen) {
  const set = new Set(chosen);
  const boxes = studies.map((s) => {
    const box = h("input", { type: "checkbox", value: s.id, checked: set.has(s.id) });
    return h("label", {}, box, s.name);
  });
  const fs = h("fieldset", {}, h("legend", {}, "Studies (admins see all)"), h("div", { class: "checklist" }, boxes));
  fs.value = () => boxes.map((l) => l.querySelector("input")).filter((b) => b.checked).map((b) => Number(b.value));
  return fs;
}

function roleSelect(value) {
  return h("select", {}, ROLES.map(([v, t]) => h("option", { value: v, selected: v === value }, t)));
}

start(async () => {
  const root = h("div");
  const draw = async () => {
    const [users, studies] = await Promise.all([api("/api/v1/users"), api("/api/v1/studies")]);
    const names = new Map(studies.map((s) => [s.id, s.name]));
    const editor = h("div");
    const edit = (u) => {
      const role = roleSelect(u.role);
      const picker = studyPicker(studies, u.studies);
      const pw = h("input", { type: "password", autocomplete: "new-password", minlength: 10 });
      const disabled = h("input", { type: "checkbox", checked: u.disabled });
      const msg = h("div", { "aria-live": "polite" });
      const form = h("form", { class: "panel", "aria-labelledby": "edit-user" }, h("h2", { id: "edit-user" }, `Edit ${u.username}`),
        field("Role", role), picker, field("New password (leave empty to keep)", pw, "At least 10 characters; ends the user's sessions"),
        h("label", { class: "inline" }, disabled, "Disabled (cannot log in; sessions end)"), msg,
        h("div", { class: "row" }, h("button", { type: "submit" }, "Save"),
          h("button", { type: "button", class: "danger", onclick: async () => {
            if (!confirm(`Delete ${u.username}?`)) return;
            try { await api(`/api/v1/users/${u.id}`, { method: "DELETE" }); announce(`Deleted ${u.username}`); await draw(); } catch (err) { msg.replaceChildren(errorBox(err)); }
          } }, "Delete user")));
      form.addEventListener("submit", async (e) => {
        e.preventDefault();
        const body = { role: role.value, studies: picker.value(), disabled: disabled.checked };
        if (pw.value) body.password = pw.value;
        try { await api(`/api/v1/users/${u.id}`, { method: "PATCH", json: body }); announce(`Saved ${u.username}`); await draw(); } catch (err) { msg.replaceChildren(errorBox(err)); }
      });
      editor.replaceChildren(form);
      role.focus();
    };
    const list = table([
      { key: "username", label: "User" },
      { key: "role", label: "Role" },
      { label: "Studies", render: (u) => u.role === "admin" ? "all" : (u.studies.map((s) => names.get(s) || s).join(", ") || "none") },
      { label: "State", render: (u) => u.disabled ? h("span", { class: "badge muted" }, "disabled") : h("span", { class: "badge ok" }, "active") },
      { label: "Created", render: (u) => fmt.time(u.created_at) },
      { label: "", render: (u) => h("button", { type: "button", class: "secondary", "aria-label": `Edit ${u.username}`, onclick: () => edit(u) }, "Edit") },
    ], users, { caption: `${users.length} users` });
    const name = h("input", { required: true, maxlength: 64, autocomplete: "off" });
    const pw = h("input", { type: "password", required: true, minlength: 10, autocomplete: "new-password" });
    const role = roleSelect("viewer");
    const picker = studyPicker(studies, []);
    const msg = h("div", { "aria-live": "polite" });
    const create = h("form", { class: "panel", "aria-labelledby": "new-user" }, h("h2", { id: "new-user" }, "New user"),
      h("div", { class: "row" }, field("User name", name), field("Password", pw, "At least 10 characters"), field("Role", role)), picker, msg,
      h("button", { type: "submit" }, "Create user"));
    create.addEventListener("submit", async (e) => {
      e.preventDefault();
      try {
        await api("/api/v1/users", { method: "POST", json: { username: name.value.trim(), password: pw.value, role: role.value, studies: picker.value() } });
        announce(`Created ${name.value}`); await draw();
      } catch (err) { msg.replaceChildren(errorBox(err)); }
    });
    root.replaceChildren(list, editor, create);
  };
  await draw();
  ready(root);
});

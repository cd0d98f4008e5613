// Fleet: every enrolled device with its health; silent devices flagged; revoke from here.
import { api, h, fmt, field, start, ready, table, announce } from "../core.js";

function state(d) {
  if (d.revoked) return h("span", { class: "badge muted" }, "revoked");
  if (d.silent) return h("span", { class: "badge bad" }, "silent");
  if (d.seq_missing > 0) return h("span", { class: "badge warn" }, "gaps");
  return h("span", { class: "badge ok" }, "ok");
}

function capture(d) {
  const last = d.last_capture ? ` · last ${fmt.ago(d.last_capture)}` : "";
  if (d.consent === false) return h("span", {}, h("span", { class: "badge warn" }, "no consent"), last);
  if (d.paused) return h("span", {}, h("span", { class: "badge warn" }, "paused"), last);
  if (d.capturing) return h("span", {}, h("span", { class: "badge ok" }, "capturing"), last);
  if (d.capturing === false) return h("span", {}, h("span", { class: "badge muted" }, "not capturing"), last);
  return d.last_capture ? `last capture ${fmt.ago(d.last_capture)}` : "not reported";
}

start(async () => {
  const root = h("div");
  const hours = h("input", { type: "number", min: 1, max: 720, value: 2, id: "silent-hours" });
  const draw = async () => {
    const data = await api(`/api/v1/fleet?silent_after_s=${Math.round(Number(hours.value || 2) * 3600)}`);
    const devices = data.devices;
    const silent = devices.filter((d) => d.silent).length;
    const cards = h("div", { class: "cards" },
      [["Devices", devices.length], ["Active", devices.filter((d) => !d.revoked && !d.silent).length], ["Silent", silent],
        ["Revoked", devices.filter((d) => d.revoked).length], ["Events today", devices.reduce((a, d) => a + d.events_today, 0)]]
        .map(([label, value]) => h("div", { class: "card" }, h("div", { class: "label" }, label), h("div", { class: "value" }, fmt.count(value)))));
    const list = devices.length ? table([
      { key: "hostname", label: "Hostname" },
      { key: "study", label: "Study" },
      { label: "Agent", render: (d) => d.version || "–" },
      { label: "Last seen", render: (d) => h("span", { title: fmt.time(d.last_seen) }, fmt.ago(d.last_seen)) },
      { label: "Events today", num: true, render: (d) => fmt.count(d.events_today) },
      { label: "Events", num: true, render: (d) => fmt.count(d.events) },
      { label: "Spool backlog", num: true, render: (d) => d.spool_depth === null ? "–" : fmt.count(d.spool_depth) },
      { label: "Sequence gaps", num: true, render: (d) => fmt.count(d.seq_missing) },
      { label: "Dropped", num: true, render: (d) => d.dropped === null ? "–" : fmt.count(d.dropped) },
      { label: "Capture", render: capture },
      { label: "State", render: state },
      { label: "", render: (d) => d.revoked ? "" : h("button", { type: "button", class: "danger", "aria-label": `Revoke ${d.hostname}`, onclick: async () => {
        if (!confirm(`Revoke ${d.hostname}? Its next request is refused; it must enrol again to send events.`)) return;
        await api(`/api/v1/devices/${d.id}/revoke`, { method: "POST" });
        announce(`${d.hostname} revoked`);
        await draw();
      } }, "Revoke") },
    ], devices, { caption: "Enrolled devices", rowAttrs: (d) => ({ class: d.silent ? "flag" : null }) })
      : h("p", { class: "hint" }, "No devices yet. Issue an enrolment token on the Studies page and run the agent's enroll command on a workstation.");
    root.replaceChildren(cards, h("form", { class: "row", onsubmit: (e) => { e.preventDefault(); draw(); } },
      field("Flag devices silent for more than (hours)", hours), h("button", { type: "submit", class: "secondary" }, "Refresh")), list);
  };
  await draw();
  ready(root);
});

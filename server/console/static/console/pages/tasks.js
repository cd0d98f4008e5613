// Tasks: the task types under the study's system activities, with counts, share of active
// time, apps, and the activities each serves.
import { api, h, fmt, start, ready, studyId, table } from "../core.js";
import { bars } from "../charts.js";

const study = studyId();

start(async () => {
  const data = await api(`/api/v1/studies/${study}/task-types`);
  if (!data.two_level) {
    ready(h("section", { class: "panel" }, h("h2", {}, "No task-level data yet"),
      h("p", {}, "Task types appear here once the study's UI events are mined into tasks and linked to its cases: ",
        h("code", {}, "taskloom tasks discover --study NAME"), " then ", h("code", {}, "taskloom merge --study NAME"),
        ", or import a merged two-level log (rows with level, task_type and parent) on the Data page.")));
    return;
  }
  const list = (xs) => xs.map((x) => `${x.name} (${fmt.count(x.count)})`).join(", ") || "–";
  ready([
    h("div", { class: "cards" },
      h("div", { class: "card" }, h("div", { class: "label" }, "Task types"), h("div", { class: "value" }, fmt.count(data.types.length))),
      h("div", { class: "card" }, h("div", { class: "label" }, "Task instances"), h("div", { class: "value" }, fmt.count(data.instances))),
      h("div", { class: "card" }, h("div", { class: "label" }, "Active time"), h("div", { class: "value" }, fmt.duration(data.active_s)))),
    table([
      { key: "task_type", label: "Task type" },
      { label: "Instances", num: true, render: (t) => fmt.count(t.instances) },
      { label: "Share of active time", num: true, render: (t) => fmt.share(t.share) },
      { label: "Median active time", num: true, render: (t) => fmt.duration(t.median_active_s) },
      { label: "Cases", num: true, render: (t) => fmt.count(t.cases) },
      { label: "Apps", render: (t) => list(t.apps) },
      { label: "Serves", render: (t) => list(t.serves) },
    ], data.types, { caption: "Task types by active time" }),
    bars("Share of active time by task type", data.types.map((t) => ({ name: t.task_type, value: t.share })), { format: fmt.share, valueLabel: "Share" }),
  ]);
});

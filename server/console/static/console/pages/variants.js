// Variants: by cases, with share, mean duration and a compact sequence glyph; click one to filter by it.
import { api, h, fmt, start, ready, studyId, qs, PALETTE, errorBox, announce } from "../core.js";
import { filterBar, getSpec, setSpec, specParam } from "../filters.js";

const study = studyId();

/** Two-letter code and colour per activity (colour-blind-safe palette, letters carry the meaning). */
function legendFor(variants) {
  const names = [...new Set(variants.flatMap((v) => v.activities))];
  const codes = new Map();
  const used = new Set();
  for (const [i, name] of names.entries()) {
    const words = name.replace(/[^A-Za-z0-9 _-]/g, "").split(/[\s_-]+/).filter(Boolean);
    let code = (words.length > 1 ? words[0][0] + words[1][0] : (words[0] || "x").slice(0, 2)).toUpperCase();
    let n = 2;
    while (used.has(code)) code = `${code.slice(0, 1)}${n++}`;
    used.add(code);
    codes.set(name, { code, color: PALETTE[i % (PALETTE.length - 1)] });
  }
  return codes;
}

function glyph(acts, codes) {
  return h("span", { class: "glyph", role: "img", "aria-label": acts.join(" → ") },
    acts.map((a) => { const c = codes.get(a); return h("span", { title: a, class: `g${PALETTE.indexOf(c.color)}` }, c.code); }));
}

async function draw(root) {
  const spec = getSpec(study);
  const data = await api(`/api/v1/studies/${study}/variants${qs({ filter: specParam(spec), top: 200 })}`);
  const codes = legendFor(data.variants);
  const filterBy = (v) => {
    setSpec(study, [...spec.filter((f) => f.type !== "variant"), { type: "variant", activities: v.activities, retain: true }]);
    announce(`Filtered to variant ${v.rank}`);
  };
  const rows = data.variants.map((v) => h("tr", {},
    h("td", { class: "num" }, v.rank),
    h("td", { class: "num" }, fmt.count(v.cases)),
    h("td", { class: "num" }, fmt.share(v.share)),
    h("td", { class: "num" }, fmt.duration(v.mean_duration_s)),
    h("td", { class: "num" }, v.activities.length),
    h("td", {}, glyph(v.activities, codes)),
    h("td", {}, h("button", { type: "button", class: "secondary", "aria-label": `Filter by variant ${v.rank}`, onclick: () => filterBy(v) }, "Filter"))));
  const legend = h("details", {}, h("summary", {}, "Activity codes"),
    h("ul", { class: "plain legend" }, [...codes.entries()].map(([name, c]) => h("li", {}, h("span", { class: "glyph" }, h("span", { class: `g${PALETTE.indexOf(c.color)}` }, c.code)), " ", name))));
  root.replaceChildren(
    h("p", {}, `${fmt.count(data.total_variants)} variants over ${fmt.count(data.cases)} cases; the ${Math.min(200, data.variants.length)} most frequent shown. `,
      "Select “Filter” to keep only a variant's cases on every page."),
    legend,
    h("div", { class: "table-wrap" }, h("table", { class: "variants" }, h("caption", {}, "Variants by number of cases"),
      h("thead", {}, h("tr", {}, ["#", "Cases", "Share", "Mean duration", "Events", "Sequence", ""].map((t, i) => h("th", { scope: "col", class: i < 5 ? "num" : null }, t)))),
      h("tbody", {}, rows))));
}

start(async () => {
  const root = h("div");
  const bar = await filterBar(study, async () => { try { await draw(root); } catch (err) { root.replaceChildren(errorBox(err)); } });
  await draw(root);
  ready([bar, root]);
});

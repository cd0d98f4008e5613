"""The report as one self-contained HTML file: inline CSS and SVG, no scripts, no links out."""

from __future__ import annotations

from html import escape

from taskloom.collector.metrics.report import CohortRow, EhrReport
from taskloom.mining.render.distribution import Box, box_chart

_CSS = """
body{font-family:Helvetica,Arial,sans-serif;margin:24px auto;max-width:1000px;color:#1b1b1b;line-height:1.4}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0;font-size:13px}
th,td{border:1px solid #d6d6d6;padding:4px 8px;text-align:left}th{background:#f1f5fa}
td.n{text-align:right;font-variant-numeric:tabular-nums}.muted{color:#666}.warn{color:#8a4b00}
figure{margin:12px 0}
"""


#: How active time is counted (the report and the console's page both state it).
ACTIVE_TIME = ("Active time: each UI event opens an interval that lasts until the clinician's next event, "
               "capped at the threshold; a typing burst is active for its whole length; the agent's idle "
               "periods are inactive. Each interval takes the category of the focused screen (the category "
               "map). Weeks start on Monday in the study's time zone; X8 = hours of X per 8 hours of "
               "scheduled patient time (clinic blocks of the schedule).")


def _fmt(v: float | None, unit: str) -> str:
    if v is None:
        return "–"
    if unit == "share":
        return f"{100 * v:.1f} %"
    return f"{v:.2f}" if abs(v) < 100 else f"{v:.0f}"


def _cohort_table(report: EhrReport) -> str:
    rows = ["<table><tr><th>measure</th><th>median</th><th>IQR</th><th>unit</th><th>clinicians</th>"
            "<th>clinician-weeks</th><th>status</th></tr>"]
    for c in report.cohort:
        iqr = "–" if c.q1 is None else f"{_fmt(c.q1, c.unit)} – {_fmt(c.q3, c.unit)}"
        status = c.status if c.status != "suppressed" else f"suppressed (&lt; {report.min_group} clinicians)"
        rows.append(f"<tr><td>{escape(c.name)}</td><td class=n>{_fmt(c.median, c.unit)}</td>"
                    f"<td class=n>{iqr}</td><td>{escape(c.unit)}</td><td class=n>{c.clinicians}</td>"
                    f"<td class=n>{c.weeks}</td><td>{status}</td></tr>")
    rows.append("</table>")
    return "\n".join(rows)


def distribution_svgs(report: EhrReport) -> list[str]:
    """The report's box charts (one SVG per unit), as the HTML report and the console draw them.

    Dots are the clinician-weeks, so they appear only when the report has per-clinician rows.
    """
    by_unit: dict[str, list[CohortRow]] = {}
    for c in report.cohort:
        if c.status == "ok":
            by_unit.setdefault(c.unit, []).append(c)
    points: dict[str, list[float]] = {}
    for w in report.per_clinician or []:
        for k, v in w.values.items():
            if v is not None:
                points.setdefault(k, []).append(v)
    figs = []
    for unit, rows in by_unit.items():
        scale = 100.0 if unit == "share" else 1.0
        boxes = []
        for c in rows:
            p10, q1, med, q3, p90 = (scale * float(v or 0.0) for v in (c.p10, c.q1, c.median, c.q3, c.p90))
            boxes.append(Box(c.name, p10, q1, med, q3, p90, tuple(scale * p for p in points.get(c.key, []))))
        label = "%" if unit == "share" else unit
        figs.append(box_chart(boxes, f"Clinician-weeks ({label})", label))
    return figs


def _charts(report: EhrReport) -> str:
    figs = [f"<figure>{svg}</figure>" for svg in distribution_svgs(report)]
    return "\n".join(figs) or "<p class=muted>No measure has enough clinicians to draw.</p>"


def _sensitivity(report: EhrReport) -> str:
    keys = list(report.sensitivity[0].medians) if report.sensitivity else []
    names = {d.key: d.name for d in report.definitions}
    head = "".join(f"<th>{escape(names.get(k, k))}</th>" for k in keys)
    rows = [f"<table><tr><th>threshold</th>{head}</tr>"]
    for s in report.sensitivity:
        mark = " (chosen)" if s.threshold_s == report.threshold_s else ""
        cells = "".join(f"<td class=n>{_fmt(v, '')}</td>" for v in s.medians.values())
        rows.append(f"<tr><td>{s.threshold_s:g} s{mark}</td>{cells}</tr>")
    rows.append("</table>")
    return "\n".join(rows)


def _per_clinician(report: EhrReport) -> str:
    if not report.per_clinician:
        return ""
    keys = list(report.per_clinician[0].values)
    head = "".join(f"<th>{escape(k)}</th>" for k in keys)
    body = "".join(f"<tr><td>{escape(w.user)}</td><td>{escape(w.week)}</td>"
                   + "".join(f"<td class=n>{_fmt(v, '')}</td>" for v in w.values.values()) + "</tr>"
                   for w in report.per_clinician)
    return ("<h2>Per clinician-week (admin output)</h2><p class=muted>Clinicians are the agent's "
            f"pseudonyms.</p><table><tr><th>clinician</th><th>week</th>{head}</tr>{body}</table>")


def render_html(report: EhrReport) -> str:
    """The whole report page."""
    notes = "".join(f"<li class=warn>{escape(n)}</li>" for n in report.notes)
    unmapped = "".join(f"<tr><td>{escape(u.screen)}</td><td class=n>{u.active_s:.0f}</td>"
                       f"<td class=n>{u.events}</td></tr>" for u in report.unmapped)
    defs = "".join(f"<tr><td>{escape(d.name)}</td><td>{escape(d.unit)}</td><td>{escape(d.definition)}</td>"
                   f"<td>{escape(d.source)}</td></tr>" for d in report.definitions)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Documentation time · {escape(report.study)}</title>
<style>{_CSS}</style></head><body>
<h1>EHR documentation time · {escape(report.study)}</h1>
<p>{report.events:,} UI events · {report.clinicians} clinicians · {report.clinician_weeks} clinician-weeks ·
active-time threshold {report.threshold_s:g} s · time zone {escape(report.zone)} ({escape(report.zone_source)}) ·
category map: {escape(report.category_map)} · cohort figures need at least {report.min_group} clinicians.</p>
<ul>{notes}</ul>
<h2>Cohort: medians and interquartile ranges per clinician-week</h2>
{_cohort_table(report)}
<h2>Distributions</h2>
<p class=muted>Boxes: interquartile range; bar: median; whiskers: 10th–90th percentile.</p>
{_charts(report)}
<h2>Sensitivity to the inactivity threshold (cohort medians)</h2>
{_sensitivity(report)}
<h2>Unmapped EHR screens</h2>
{f'<table><tr><th>screen (identifiers masked)</th><th>active s</th><th>events</th></tr>{unmapped}</table>'
 if unmapped else '<p class=muted>None: every EHR screen matched a rule.</p>'}
<h2>Definitions</h2>
<p>{escape(ACTIVE_TIME)}</p>
<table><tr><th>measure</th><th>unit</th><th>definition</th><th>source</th></tr>{defs}</table>
{_per_clinician(report)}
</body></html>
"""

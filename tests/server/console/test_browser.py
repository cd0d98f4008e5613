"""The console in a real browser (Debian's chromium via Playwright) against a real
`taskloom serve` on loopback: login/logout, every page without console errors and without
serious accessibility violations (axe-core), roles, the map's sliders and sub-maps,
filters, and the upload's mapping errors. Every page is screenshotted."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tests.collector.factories import LiveCollector
from tests.server.console.conftest import login_client
from tests.server.console.factories import PASSWORD, Seeded, browser_login, two_level_log

pytestmark = pytest.mark.browser

Page = Any


class Session:
    """One logged-in browser context with its console errors collected."""

    def __init__(self, browser: Any, server: LiveCollector) -> None:
        self.context = browser.new_context(viewport={"width": 1440, "height": 900},
                                           accept_downloads=True)
        self.page = self.context.new_page()
        self.base = server.url
        self.errors: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))

    def login(self, username: str) -> Session:
        browser_login(self.page, self.base, username)
        self.ready()
        return self

    def open(self, path: str) -> Page:
        self.page.goto(f"{self.base}{path}")
        self.ready()
        return self.page

    def ready(self) -> None:
        self.page.wait_for_selector("body[data-ready='1'], body.loginpage, main.login", timeout=30_000)


@pytest.fixture
def session(browser: Any, server: LiveCollector) -> Iterator[Callable[[str], Session]]:
    made: list[Session] = []

    def make(username: str) -> Session:
        s = Session(browser, server).login(username)
        made.append(s)
        return s

    yield make
    for s in made:
        s.context.close()


def _axe_serious(page: Page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in result.response["violations"] if v["impact"] in ("serious", "critical")]


def _map_nodes(page: Page) -> dict[str, tuple[str, str]]:
    """Visible activity boxes of the map: name → (x, y) of its rect, in map units."""
    return page.eval_on_selector_all(
        "g.pan > svg.taskloom-map g.node:not(.start):not(.end)",
        "gs => Object.fromEntries(gs.map(g => [g.dataset.name, "
        "[g.querySelector('rect').getAttribute('x'), g.querySelector('rect').getAttribute('y')]]))")


def _wait_redraw(page: Page, before: str | None) -> str:
    page.wait_for_function("v => document.body.dataset.mapVersion && document.body.dataset.mapVersion !== v",
                           arg=before, timeout=30_000)
    return str(page.evaluate("document.body.dataset.mapVersion"))


def _set_slider(page: Page, selector: str, value: int) -> None:
    page.eval_on_selector(selector, "(el, v) => { el.value = v; el.dispatchEvent(new Event('input', {bubbles: true})); }", value)


def test_login_and_logout(browser: Any, server: LiveCollector, seeded: Seeded) -> None:
    s = Session(browser, server)
    try:
        s.page.goto(f"{server.url}/studies/{seeded.study_a}/map")
        assert "/login?next=" in s.page.url
        s.page.fill("#username", "vic")
        s.page.fill("#password", "wrong password here")
        s.page.click("button[type=submit]")
        assert "Wrong user name or password" in s.page.inner_text("[role=alert]")
        assert s.errors == ["Failed to load resource: the server responded with a status of 401 "
                            "(Unauthorized)"]  # the refused login answers 401, as it should
        s.errors.clear()
        s.page.fill("#password", PASSWORD)
        s.page.click("button[type=submit]")
        s.page.wait_for_url(f"{server.url}/studies/{seeded.study_a}/map")
        s.ready()
        assert s.page.inner_text(".who .user").startswith("vic")
        s.page.click("text=Log out")
        s.page.wait_for_url(f"{server.url}/login")
        s.page.goto(f"{server.url}/studies")
        assert "/login" in s.page.url
        assert not s.errors, s.errors
    finally:
        s.context.close()


PAGES = ["/studies", "/fleet", "/users", "/studies/{a}/map", "/studies/{a}/filters",
         "/studies/{a}/statistics", "/studies/{a}/variants", "/studies/{a}/cases",
         "/studies/{a}/tasks", "/studies/{a}/data", "/studies/{b}/map", "/studies/{b}/tasks",
         "/studies/{a}/documentation", "/studies/{c}/documentation"]


def test_every_page_renders_without_errors_or_serious_accessibility_violations(
        session: Callable[[str], Session], seeded: Seeded, screenshots: Path, browser: Any,
        server: LiveCollector) -> None:
    s = session("ada")
    problems: dict[str, list[str]] = {}
    for template in PAGES:
        path = template.format(a=seeded.study_a, b=seeded.study_b, c=seeded.study_c)
        page = s.open(path)
        if "/map" in path:
            page.wait_for_selector("body[data-map-version]")
        if "/documentation" in path:
            page.wait_for_selector("body[data-doc-version]", timeout=60_000)
        assert page.locator("#page .error").count() == 0, (path, page.inner_text("#page"))
        name = path.strip("/").replace("/", "-").replace(str(seeded.study_a), "a").replace(
            str(seeded.study_b), "b").replace(str(seeded.study_c), "c")
        page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)
        found = _axe_serious(page) + [f"console: {e}" for e in s.errors]
        if found:
            problems[path] = found
        s.errors.clear()
    login = Session(browser, server)
    try:
        login.page.goto(f"{server.url}/login")
        login.page.screenshot(path=str(screenshots / "login.png"))
        if (found := _axe_serious(login.page) + login.errors):
            problems["/login"] = found
    finally:
        login.context.close()
    assert not problems, problems


def test_each_role_sees_and_does_only_its_own(session: Callable[[str], Session], seeded: Seeded) -> None:
    vic = session("vic")
    page = vic.open(f"/studies/{seeded.study_a}/map")
    nav = page.inner_text("header") + page.inner_text("nav.studynav")
    assert "Fleet" not in nav and "Users" not in nav and "Data" not in nav
    assert "Process map" in nav and "Statistics" in nav
    page.goto(f"{vic.base}/fleet")
    assert "Not allowed" in page.inner_text("h1")
    page.goto(f"{vic.base}/studies/{seeded.study_b}/map")
    assert "No such study" in page.inner_text("h1")
    page = vic.open("/studies")
    assert page.locator("text=New study").count() == 0  # viewers cannot create studies
    ann = session("ann")
    page = ann.open(f"/studies/{seeded.study_a}/data")
    assert "Import a system log" in page.inner_text("#page")
    assert "Fleet" not in page.inner_text("header")


def test_a_slider_changes_the_map_and_visible_nodes_keep_their_positions(
        session: Callable[[str], Session], seeded: Seeded) -> None:
    s = session("ada")
    page = s.open(f"/studies/{seeded.study_a}/map")
    version = _wait_redraw(page, None)
    _set_slider(page, "#slider-nodes", 100)
    _set_slider(page, "#slider-arcs", 100)
    version = _wait_redraw(page, version)
    full = _map_nodes(page)
    arcs_full = page.locator("svg.taskloom-map g.arc").count()
    _set_slider(page, "#slider-nodes", 40)
    version = _wait_redraw(page, version)
    fewer = _map_nodes(page)
    assert 0 < len(fewer) < len(full)
    assert all(full[name] == pos for name, pos in fewer.items()), (full, fewer)
    _set_slider(page, "#slider-nodes", 100)
    version = _wait_redraw(page, version)
    _set_slider(page, "#slider-arcs", 10)
    _wait_redraw(page, version)
    assert page.locator("svg.taskloom-map g.arc").count() < arcs_full
    assert _map_nodes(page) == full
    assert not s.errors, s.errors


def test_expanding_an_activity_shows_its_task_level_sub_map(
        session: Callable[[str], Session], seeded: Seeded) -> None:
    s = session("vic")
    page = s.open(f"/studies/{seeded.study_a}/map")
    version = _wait_redraw(page, None)
    before = _map_nodes(page)
    triage = page.locator("svg.taskloom-map g.node[data-name='Triage']")
    assert "expandable" in (triage.get_attribute("class") or "")
    triage.focus()
    page.keyboard.press("Enter")  # keyboard: select the node, its statistics appear
    assert "Triage" in page.inner_text(".details h2")
    page.click(".details button.expand")
    _wait_redraw(page, version)
    sub = page.locator("g.submap[data-activity='Triage']")
    sub.wait_for()
    task_nodes = set(sub.locator("g.node:not(.start):not(.end)").evaluate_all("gs => gs.map(g => g.dataset.name)"))
    assert task_nodes == {"open chart", "review results", "write note"}
    assert _map_nodes(page) == before  # expanding in place moves nothing else
    assert not s.errors, s.errors


def test_a_filter_changes_the_statistics(session: Callable[[str], Session], seeded: Seeded) -> None:
    s = session("vic")
    page = s.open(f"/studies/{seeded.study_a}/statistics")
    cases = page.locator(".cards .card").first
    assert "100 %" in cases.inner_text()
    page.click("text=Edit filters")
    page.select_option("#add-kind", "case_attribute")
    page.click("text=Add filter")
    page.check("dialog label:has-text('referred on') input")
    page.click("dialog button.apply")
    page.wait_for_function("() => !document.querySelector('.cards .card .value').textContent.includes('100')")
    log = two_level_log()
    referred = log.loc[log["case:end_reason"] == "referred on", "case"].nunique()
    want = f"{referred} / {log['case'].nunique()}"
    assert want in cases.inner_text()
    assert "referred on" in page.inner_text(".filterbar")
    # The same filter holds on the other pages of the study.
    page = s.open(f"/studies/{seeded.study_a}/cases")
    assert f"of {referred} matching" in page.inner_text(".pager")
    assert not s.errors, s.errors


def test_an_upload_with_a_bad_column_mapping_shows_the_error(
        session: Callable[[str], Session], seeded: Seeded) -> None:
    s = session("ann")
    page = s.open(f"/studies/{seeded.study_a}/data")
    csv = "case,step,when,who\n" + "".join(f"K{i},Start,2026-05-0{1 + i % 3}T10:00:00Z,nurse\n"
                                          for i in range(12))
    page.set_input_files("#log-file", files=[{"name": "mapping.csv", "mimeType": "text/csv",
                                              "buffer": csv.encode()}])
    page.click("text=Upload and inspect")
    page.wait_for_selector("#map-timestamp")
    assert page.eval_on_selector("#map-timestamp", "el => el.value") == "when"
    page.select_option("#map-timestamp", "who")  # a text column as the timestamp
    page.click("text=Preview")
    alert = page.locator(".preview [role=alert]")
    alert.wait_for()
    text = alert.inner_text()
    assert "mapping.csv" in text and "'who'" in text and "timestamp" in text
    page.select_option("#map-timestamp", "when")
    page.click("text=Preview")
    page.wait_for_selector(".preview .okmsg")
    assert "12 cases" in page.inner_text(".preview .okmsg")
    # Only the refused preview itself shows in the console (Chrome logs every 4xx fetch).
    assert s.errors == ["Failed to load resource: the server responded with a status of 422 "
                        "(Unprocessable Entity)"], s.errors


def _doc_version(page: Page, before: str | None) -> str:
    page.wait_for_function("v => document.body.dataset.docVersion && document.body.dataset.docVersion !== v",
                           arg=before, timeout=60_000)
    return str(page.evaluate("document.body.dataset.docVersion"))


def _card(page: Page, metric: str) -> str:
    return str(page.inner_text(f".cards .card[data-metric='{metric}'] .value"))


def test_documentation_time_page_shows_the_reports_figures_and_charts(
        session: Callable[[str], Session], seeded: Seeded, screenshots: Path,
        server: LiveCollector) -> None:
    assert seeded.generated is not None
    files = {n: seeded.generated / f"{n}.csv" for n in ("schedule", "visits")}
    # The expected figures from the collector API's /ehr-metrics (the same service, another
    # route), asked in the server: reading the SQLite file here through the service's ADBC
    # driver would put a second SQLite library into this process beside sqlite3.
    api = login_client(server, "ada")
    try:
        got = api.get(f"/api/v1/studies/{seeded.study_c}/ehr-metrics")
        assert got.status_code == 200, got.text
        plain = got.json()
        got = api.post(f"/api/v1/studies/{seeded.study_c}/ehr-metrics",
                       files={n: (f"{n}.csv", files[n].read_bytes(), "text/csv") for n in files})
        assert got.status_code == 200, got.text
        scheduled = got.json()
    finally:
        api.close()
    median = {c["key"]: SimpleNamespace(**c) for c in plain["cohort"]}
    assert median["after_hours_h"].status == "ok"  # six clinicians: above the min group of 5

    # A viewer: the no-schedule measures, charts, the sensitivity table, no per-clinician rows.
    s = session("val")
    page = s.open(f"/studies/{seeded.study_c}/documentation")
    version = _doc_version(page, None)
    assert _card(page, "after_hours_h") == f"{median['after_hours_h'].median:.2f} h per week"
    assert _card(page, "ehr_h") == f"{median['ehr_h'].median:.2f} h per week"
    assert page.locator("figure svg.box-chart").count() >= 1
    assert "Sensitivity to the inactivity threshold" in page.inner_text("#page")
    assert page.locator("h2:text-is('Per clinician-week (admin only)')").count() == 0
    assert _axe_serious(page) == []

    # With the generator's schedule and visit list: the Sinsky measures, as the service gives them.
    page.set_input_files("#doc-schedule", str(files["schedule"]))
    page.set_input_files("#doc-visits", str(files["visits"]))
    page.click("text=Compute")
    version = _doc_version(page, version)
    want = {c["key"]: SimpleNamespace(**c) for c in scheduled["cohort"]}
    assert want["ehr_time8"].status == "ok"
    assert _card(page, "ehr_time8") == f"{want['ehr_time8'].median:.2f} h per 8 h"
    assert _card(page, "wow8") == f"{want['wow8'].median:.2f} h per 8 h"
    page.screenshot(path=str(screenshots / "studies-c-documentation-schedule.png"), full_page=True)
    # The report files, with the page's schedule and visits, as `taskloom ehr metrics -o` writes them.
    with page.expect_download() as got:
        page.click("text=Download .html")
    html = Path(got.value.path()).read_text()
    assert "EHR documentation time · clinic-c" in html and "<script" not in html
    assert f"{want['ehr_time8'].median:.2f}" in html
    with page.expect_download() as got:
        page.click("text=Download .json")
    report = json.loads(Path(got.value.path()).read_text())
    assert {c["key"]: c["median"] for c in report["cohort"]}["wow8"] == want["wow8"].median
    assert report["per_clinician"] is None  # a viewer's file has no per-clinician rows
    assert not s.errors, s.errors

    # Suppression: a minimum group larger than the cohort hides the cohort figures.
    page.fill("#doc-min-group", "7")
    page.click("text=Compute")
    _doc_version(page, version)
    assert "suppressed" in _card(page, "ehr_time8")
    assert page.locator("figure svg.box-chart").count() == 0

    # An admin sees the per clinician-week table (pseudonyms only).
    ada = session("ada")
    page = ada.open(f"/studies/{seeded.study_c}/documentation")
    _doc_version(page, None)
    table = page.locator("section:has(h2:text('Per clinician-week')) tbody tr")
    assert table.count() == plain["clinician_weeks"]
    assert all(u.startswith("U#") for u in table.locator("td:first-child").all_inner_texts())
    assert not s.errors and not ada.errors, (s.errors, ada.errors)


def test_the_bpmn_view_shows_the_inductive_miners_model_with_overlays_and_downloads(
        session: Callable[[str], Session], seeded: Seeded, screenshots: Path) -> None:
    from taskloom.collector.store import Store
    from taskloom.mining.discovery import discover_bpmn
    from taskloom.mining.io.bpmn_xml import xml_to_bpmn
    from taskloom.mining.io.pnml import pnml_to_net
    from taskloom.server.console.levels import system_rows

    store = Store.open(seeded.db)
    try:
        log = system_rows(store.system_log_wide(seeded.study_a))
    finally:
        store.close()
    want = {noise: discover_bpmn(log, noise=noise) for noise in (0.2, 0.0)}
    s = session("vic")
    page = s.open(f"/studies/{seeded.study_a}/map")
    version = _wait_redraw(page, None)
    page.select_option("#view", "bpmn")
    version = _wait_redraw(page, version)
    tasks = page.locator("svg.taskloom-bpmn g.node.task")
    names = {n.name for n in want[0.2].nodes if n.kind == "task"}
    assert tasks.count() == len(names) and names >= {"Referral", "Triage", "Discharge"}
    counts = page.inner_text(".controls p.hint[aria-live]")
    assert f"{len(want[0.2].flows)} sequence flows" in counts, counts
    triage = page.locator("svg.taskloom-bpmn g.node.task[aria-label^='Triage:']")
    frequency = int((log["concept:name"] == "Triage").sum())
    assert f"Triage: {frequency} events" in (triage.get_attribute("aria-label") or "")
    triage.focus()
    page.keyboard.press("Enter")
    assert "Triage" in page.inner_text(".details h2")
    page.screenshot(path=str(screenshots / "studies-a-map-bpmn.png"), full_page=True)
    _set_slider(page, "#slider-noise", 0)
    version = _wait_redraw(page, version)
    counts = page.inner_text(".controls p.hint[aria-live]")
    assert "noise 0.00" in counts and f"{len(want[0.0].flows)} sequence flows" in counts, counts
    with page.expect_download() as got:
        page.click("text=Download .bpmn")
    model = xml_to_bpmn(Path(got.value.path()).read_bytes())
    assert {n.name for n in model.nodes if n.kind == "task"} == names
    with page.expect_download() as got:
        page.click("text=Download .pnml")
    net = pnml_to_net(Path(got.value.path()).read_bytes())
    assert names <= {t.label for t in net.transitions if t.label}
    assert _axe_serious(page) == []
    assert not s.errors, s.errors


def test_tasks_page_discovers_tasks_in_the_background_and_keeps_edited_labels(
        session: Callable[[str], Session], seeded: Seeded, screenshots: Path,
        server: LiveCollector) -> None:
    s = session("ada")
    page = s.open(f"/studies/{seeded.study_c}/tasks")
    page.click("#discover-tasks")
    page.wait_for_selector(".jobprogress progress")  # the job's progress shows on the page
    page.wait_for_selector("tr[data-task-type]", timeout=600_000)
    job = s.page.evaluate(f"fetch('/api/v1/studies/{seeded.study_c}/jobs').then(r => r.json())")[0]
    assert job["kind"] == "discover-tasks" and job["status"] == "done", job
    rows = page.locator(".tasks-discovered table").first.locator("tbody tr")
    assert rows.count() == job["result"]["types"] > 1
    counts = [int(t.replace(",", "")) for t in rows.locator("td:nth-child(3)").all_inner_texts()]
    assert sum(counts) == job["result"]["instances"]
    candidates = page.locator("tr.candidate")
    assert 1 <= candidates.count() <= 5

    # A type's own map: its steps drawn by the map renderer.
    first = rows.first
    task_type = first.get_attribute("data-task-type")
    first.locator("button:has-text('Map')").click()
    page.wait_for_selector(f".typemap-box[data-task-type='{task_type}'] svg.typemap g.node")
    assert page.locator("svg.typemap g.node:not(.start):not(.end)").count() >= 1

    # Rename a type: stored with the study, shown after a reload and to other users.
    label = first.locator("input.label-input")
    label.fill("Clear the inbox")
    label.press("Enter")
    page.wait_for_function("() => document.getElementById('status').textContent.includes('Clear the inbox')")
    api = login_client(server, "ada")
    try:
        stored = api.get(f"/api/v1/studies/{seeded.study_c}").json()["settings"]
    finally:
        api.close()
    assert stored["task_labels"][task_type] == "Clear the inbox", stored
    page.reload()
    s.ready()
    page.locator(f"tr[data-task-type='{task_type}'] button:has-text('Map')").click()
    page.wait_for_selector(f".typemap-box[data-task-type='{task_type}'] svg.typemap g.node")
    page.screenshot(path=str(screenshots / "studies-c-tasks.png"), full_page=True)
    assert _axe_serious(page) == []
    assert not s.errors, s.errors

    # A viewer sees the types with the stored label, but may neither rename nor rediscover.
    val = session("val")
    page = val.open(f"/studies/{seeded.study_c}/tasks")
    row = page.locator(f"tr[data-task-type='{task_type}']").first
    assert row.locator("td").first.inner_text() == "Clear the inbox"
    assert page.locator("input.label-input").count() == 0 and page.locator("#discover-tasks").count() == 0
    assert not val.errors, val.errors


def test_documentation_time_with_a_bad_schedule_shows_the_one_line_error(
        session: Callable[[str], Session], seeded: Seeded) -> None:
    s = session("val")
    page = s.open(f"/studies/{seeded.study_c}/documentation")
    version = _doc_version(page, None)
    rota = ("user,date,start,end,kind\nU#00000001,2026-03-02,09:00,12:00,clinic\n"
            "U#00000001,2026-03-02,11:00,13:00,clinic\n")  # the second row overlaps the first
    page.set_input_files("#doc-schedule", files=[{"name": "rota.csv", "mimeType": "text/csv",
                                                  "buffer": rota.encode()}])
    page.click("text=Compute")
    _doc_version(page, version)
    alert = page.inner_text(".doc-report [role=alert]")
    assert "rota.csv" in alert and "overlap" in alert.lower(), alert
    assert s.errors == ["Failed to load resource: the server responded with a status of 422 "
                        "(Unprocessable Entity)"], s.errors


def test_a_merge_job_links_tasks_and_expanding_an_activity_shows_its_task_level_sub_map(
        session: Callable[[str], Session], seeded: Seeded, screenshots: Path,
        server: LiveCollector) -> None:
    from taskloom.collector.linking.ocel import build_ocel
    from taskloom.collector.services.linking import load_merged_log
    from taskloom.collector.store import Store

    s = session("ada")
    page = s.open(f"/studies/{seeded.study_c}/data")
    page.click("#merge-tasks")
    page.wait_for_selector(".linkpanel .jobprogress progress")
    page.wait_for_selector(".linkpanel .okmsg", timeout=600_000)
    store = Store.open(seeded.db)
    try:
        merged = load_merged_log(store, seeded.study_c)
    finally:
        store.close()
    assert merged is not None
    tasks = merged[merged["level"] == "task"]
    linked = int((tasks["link_method"] != "none").sum())
    assert f"Stored: {len(tasks):,} task instances, {linked:,} linked" in page.inner_text(".linkpanel .okmsg")
    page.screenshot(path=str(screenshots / "studies-c-data-linked.png"), full_page=True)
    assert _axe_serious(page) == []

    # OCEL 2.0 of the stored merge, as collector.linking.ocel builds it.
    with page.expect_download() as got:
        page.click("text=OCEL 2.0 (.jsonocel)")
    ocel = json.loads(Path(got.value.path()).read_text())
    want = build_ocel(merged)
    assert len(ocel["events"]) == len(want.events) and len(ocel["objects"]) == len(want.objects)

    # The map reads the merged log: an activity with linked work expands in place, its task
    # types named by the labels an analyst stored (here: one renamed through the API).
    activity = str(tasks["parent"].value_counts().index[0])
    renamed = str(tasks.loc[tasks["parent"] == activity, "task_type"].value_counts().index[0])
    api = login_client(server, "ada")
    try:
        put = api.put(f"/api/v1/studies/{seeded.study_c}/task-labels",
                      json={"labels": {renamed: "Read the referral"}})
        assert put.status_code == 200, put.text
        labels = put.json()["labels"]  # with any label stored earlier (the Tasks page test's)
    finally:
        api.close()
    named = tasks["task_type"].astype(str).map(labels)
    tasks = tasks.assign(**{"concept:name": named.fillna(tasks["concept:name"])})
    page = s.open(f"/studies/{seeded.study_c}/map")
    version = _wait_redraw(page, None)
    under = {str(p): set(g.astype(str)) for p, g in tasks.dropna(subset=["parent"]).groupby("parent")["concept:name"]}
    before = _map_nodes(page)
    node = page.locator(f"svg.taskloom-map g.node[data-name='{activity}']")
    assert "expandable" in (node.get_attribute("class") or "")
    node.click()
    assert "Desk work" in page.inner_text(".details")
    page.click(".details button.expand")
    _wait_redraw(page, version)
    sub = page.locator(f"g.submap[data-activity='{activity}']")
    sub.wait_for()
    shown = set(sub.locator("g.node:not(.start):not(.end)").evaluate_all("gs => gs.map(g => g.dataset.name)"))
    assert "Read the referral" in shown and shown <= under[activity], (shown, under[activity])
    assert _map_nodes(page) == before
    unattributed = int(tasks["parent_event"].isna().sum())
    if unattributed:
        label = page.get_attribute("g.unattributed", "aria-label") or ""
        assert label.startswith(f"Unattributed work: {unattributed:,} task instances"), label
    page.screenshot(path=str(screenshots / "studies-c-map-two-level.png"), full_page=True)
    assert _axe_serious(page) == []

    # The case timeline puts a linked task under the very system event it served.
    task = tasks.dropna(subset=["parent_event"]).iloc[0]
    page = s.open(f"/studies/{seeded.study_c}/cases")
    detail = page.evaluate("([u, id]) => fetch(u + encodeURIComponent(id)).then(r => r.json())",
                           [f"/api/v1/studies/{seeded.study_c}/case?id=", str(task["case:concept:name"])])
    served = next(e for e in detail["events"] if e.get("event_id") == task["parent_event"])
    assert str(task["task_instance"]) in {t["task_instance"] for t in served["tasks"]}
    assert not s.errors, s.errors

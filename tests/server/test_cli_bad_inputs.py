"""Bad inputs a new user plausibly gives: one line naming the problem and the fix, exit 2, no traceback."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from taskloom.server.cli import main


def _run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def _one_line_error(code: int, err: str, *needles: str) -> None:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("taskloom: error: "), err
    for needle in needles:
        assert needle in lines[0], err


SYSTEM_LOG = ("case:concept:name,concept:name,time:timestamp,org:resource\n"
              "c1,Referral,2026-01-05T09:00:00Z,u1\nc1,Triage,2026-01-05T10:00:00Z,u1\n")


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    log = tmp_path / "system_log.csv"
    log.write_text(SYSTEM_LOG)
    return {"empty": empty, "log": log, "dir": tmp_path}


@pytest.mark.parametrize("argv", [
    ["merge", "{empty}", "{log}", "-o", "{dir}/m.csv"],
    ["merge", "{log}", "{empty}", "-o", "{dir}/m.csv"],
    ["discover", "{empty}", "-o", "{dir}/m.bpmn"],
    ["map", "{empty}", "--levels", "2", "-o", "{dir}/m.svg"],
    ["tasks", "discover", "{empty}", "-o", "{dir}/t.csv"],
    ["tasks", "discover", "{empty}", "--format", "actionlogger", "-o", "{dir}/t.csv"],
    ["link", "evaluate", "{empty}", "--truth", "{log}", "--truth-case", "c"],
    ["tasks", "evaluate", "{empty}", "--truth-type", "t", "--truth-instance", "i"],
], ids=["merge-ui", "merge-log", "discover", "map", "tasks", "tasks-actionlogger", "link-evaluate",
        "tasks-evaluate"])
def test_empty_csv_file(files: dict[str, Path], argv: list[str]) -> None:
    code, _, err = _run(*[a.format(**files) for a in argv])
    _one_line_error(code, err, "empty.csv: the file is empty")


UI_HEADER = "event_id,device_id,seq,user,ts,kind,app,title,url,element,key_class,button,x,y,attrs\n"


@pytest.mark.parametrize("argv", [
    ["merge", "{ui}", "{log}", "-o", "{dir}/m.csv"],
    ["tasks", "discover", "{ui}", "-o", "{dir}/t.csv"],
], ids=["merge", "tasks"])
def test_ui_events_header_only(files: dict[str, Path], argv: list[str]) -> None:
    ui = files["dir"] / "ui.csv"
    ui.write_text(UI_HEADER)
    code, _, err = _run(*[a.format(ui=ui, **files) for a in argv])
    _one_line_error(code, err, "no UI events", "taskloom export")


@pytest.mark.parametrize("argv", [
    ["merge", "{pq}", "{log}", "-o", "{dir}/m.csv"],
    ["tasks", "discover", "{pq}", "-o", "{dir}/t.csv"],
], ids=["merge", "tasks"])
def test_empty_parquet_file(files: dict[str, Path], argv: list[str]) -> None:
    pq = files["dir"] / "ui.parquet"
    pq.write_bytes(b"")
    code, _, err = _run(*[a.format(pq=pq, **files) for a in argv])
    _one_line_error(code, err, "ui.parquet: not a readable Parquet file")


def test_link_evaluate_wrong_truth_column_lists_every_column(files: dict[str, Path]) -> None:
    links = files["dir"] / "links.csv"
    links.write_text("event_id,task_instance,case_id,method\ne1,i1,c1,id\n")
    cols = [f"col{i:02d}" for i in range(20)] + ["truth_case"]
    truth = files["dir"] / "truth.csv"
    truth.write_text("event_id," + ",".join(cols) + "\ne1," + ",".join("x" * len(cols)) + "\n")
    code, _, err = _run("link", "evaluate", str(links), "--truth", str(truth), "--truth-case", "truth")
    _one_line_error(code, err, "--truth-case truth: no such column", "truth_case")


def test_tasks_discover_output_not_csv(files: dict[str, Path]) -> None:
    """A .parquet (or any non-CSV) name used to get CSV text written into it silently."""
    ui = files["dir"] / "ui.csv"
    ui.write_text(UI_HEADER + "e1,d1,1,u1,2026-01-05T09:00:00Z,click,app,t,,,,left,1,1,\n")
    out = files["dir"] / "tasks.parquet"
    code, _, err = _run("tasks", "discover", str(ui), "-o", str(out))
    _one_line_error(code, err, "tasks.parquet", ".csv")
    assert not out.exists()


def test_token_list_and_revoke_errors(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 't.db'}"
    assert _run("study", "create", "ward-a", "--db", db)[0] == 0
    assert _run("device", "token", "--study", "ward-a", "--uses", "2", "--expires", "7d", "--db", db)[0] == 0
    code, _, err = _run("device", "token", "revoke", "99", "--study", "ward-a", "--db", db)
    _one_line_error(code, err, "no enrolment token 99 in study 'ward-a'",
                    "taskloom device token list --study ward-a")
    code, _, err = _run("admin", "token", "revoke", "banana", "--db", db)
    _one_line_error(code, err, "'banana'", "taskloom admin token list")
    code, out, _ = _run("device", "token", "list", "--study", "ward-a", "--db", db)
    assert code == 0 and out.splitlines()[1].split()[-1] == "active"
    assert _run("device", "token", "revoke", "1", "--study", "ward-a", "--db", db)[0] == 0
    code, out, _ = _run("device", "token", "list", "--study", "ward-a", "--db", db)
    assert code == 0 and out.splitlines()[1].split()[-1] == "expired", out


def test_map_output_not_svg(files: dict[str, Path]) -> None:
    """`-o map.png` used to get SVG text written into a .png file."""
    out = files["dir"] / "map.png"
    code, _, err = _run("map", str(files["log"]), "-o", str(out))
    _one_line_error(code, err, "map.png", ".svg")
    assert not out.exists()


def test_generate_hard_with_routines_is_refused(tmp_path: Path) -> None:
    """--hard was silently ignored with --style routines."""
    code, _, err = _run("generate", "--hard", "--style", "routines", "--clinicians", "1", "--days", "1",
                        "-o", str(tmp_path / "g"))
    _one_line_error(code, err, "--hard", "--style routines")


XES = ('<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0">\n'
       '<trace><string key="concept:name" value="d1"/>\n'
       '<event><string key="concept:name" value="click"/>'
       '<date key="time:timestamp" value="2026-01-05T09:00:00Z"/></event>\n</trace>\n</log>\n')


@pytest.mark.parametrize("argv,fix", [
    (["merge", "{ui}", "{log}", "-o", "{dir}/m.csv"], "taskloom export"),
    (["tasks", "discover", "{ui}", "-o", "{dir}/t.csv"], "--format xes"),
], ids=["merge", "tasks"])
def test_ui_events_exported_as_xes(files: dict[str, Path], argv: list[str], fix: str) -> None:
    """`taskloom export -o ui.xes` is allowed, but merge and tasks discover read CSV/Parquet:
    an .xes input used to die in pandas' CSV tokenizer with a traceback."""
    ui = files["dir"] / "ui.xes"
    ui.write_text(XES)
    code, _, err = _run(*[a.format(ui=ui, **files) for a in argv])
    _one_line_error(code, err, "ui.xes", fix)


@pytest.mark.parametrize("argv", [
    ["merge", "{ui}", "{log}", "-o", "{dir}/m.csv"],
    ["tasks", "discover", "{ui}", "-o", "{dir}/t.csv"],
], ids=["merge", "tasks"])
def test_ui_events_not_text(files: dict[str, Path], argv: list[str]) -> None:
    ui = files["dir"] / "ui.csv"
    ui.write_bytes(bytes(range(128, 256)) * 8)
    code, _, err = _run(*[a.format(ui=ui, **files) for a in argv])
    _one_line_error(code, err, "ui.csv: cannot parse as CSV")


@pytest.mark.timeout(120)
def test_serve_port_already_in_use(tmp_path: Path) -> None:
    """uvicorn used to log 'ERROR: [Errno 98] … address already in use' and exit 3."""
    import socket

    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        code, _, err = _run("serve", "--db", f"sqlite:///{tmp_path / 's.db'}", "--port", str(port))
    _one_line_error(code, err, f"127.0.0.1:{port}", "--port")


def test_demo_rerun_into_another_dir_explains_missing_schedule(tmp_path: Path) -> None:
    """A re-run with a new --dir finds the loaded study but not its schedule.csv; it printed
    "EHR-Time8 not available (0 clinicians; cohort figures need 5)" beside a 1-clinician report."""
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    small = ("--no-serve", "--clinicians", "1", "--days", "1", "--db", db)
    assert _run("demo", *small, "--dir", str(tmp_path / "a"))[0] == 0
    code, out, err = _run("demo", *small, "--dir", str(tmp_path / "b"))
    assert code == 0, err
    line = next(x for x in (out + err).splitlines() if "documentation time: EHR-Time8" in x)
    assert "no clinic schedule" in line and str(tmp_path / "b" / "schedule.csv") in line, line
    assert "0 clinicians" not in line


def test_merge_given_a_merged_log_as_the_system_log(files: dict[str, Path]) -> None:
    """Its task rows used to be taken for system events (2548 'system events' from 588)."""
    merged = files["dir"] / "merged.csv"
    merged.write_text("case:concept:name,concept:name,time:timestamp,org:resource,level,active_time\n"
                      "c1,Referral,2026-01-05T09:00:00Z,u1,case,\n"
                      "c1,T01,2026-01-05T09:01:00Z,u1,task,30\n")
    ui = files["dir"] / "ui.csv"
    ui.write_text(UI_HEADER + "e1,d1,1,u1,2026-01-05T09:00:00Z,click,app,t,,,,left,1,1,\n")
    code, _, err = _run("merge", str(ui), str(merged), "-o", str(files["dir"] / "m.csv"))
    _one_line_error(code, err, "merged.csv: already a merged log", "system log")


def test_merge_links_folder_missing(files: dict[str, Path]) -> None:
    """--links into a missing folder died with an OSError traceback after the whole merge."""
    ui = files["dir"] / "ui.csv"
    ui.write_text(UI_HEADER + "e1,d1,1,u1,2026-01-05T09:00:00Z,click,app,t,,,,left,1,1,\n")
    out = files["dir"] / "m.csv"
    code, _, err = _run("merge", str(ui), str(files["log"]), "-o", str(out),
                        "--links", str(files["dir"] / "no" / "links.csv"))
    _one_line_error(code, err, "--links", "does not exist")
    assert not out.exists(), "refused before writing anything"


@pytest.mark.parametrize("flag", ["--model", "--labels"])
def test_tasks_discover_model_or_labels_folder_missing(files: dict[str, Path], flag: str) -> None:
    """A --model/--labels path in a missing folder was a FileNotFoundError traceback after discovery."""
    ui = files["dir"] / "ui.csv"
    ui.write_text(UI_HEADER + "e1,d1,1,u1,2026-01-05T09:00:00Z,click,app,t,,,,left,1,1,\n")
    code, _, err = _run("tasks", "discover", str(ui), "-o", str(files["dir"] / "t.csv"),
                        flag, str(files["dir"] / "no" / "x.json"))
    _one_line_error(code, err, flag, "does not exist")


def test_map_slider_zero_says_the_real_range(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """`--nodes 0` was refused as "0 is outside 0–100", which reads as if 0 were allowed."""
    with pytest.raises(SystemExit) as stop:
        main(["map", str(files["log"]), "--nodes", "0", "-o", str(files["dir"] / "m.svg")])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "must be above 0 and at most 100" in err and "outside 0–100" not in err


def test_import_of_a_log_without_events_is_refused(tmp_path: Path) -> None:
    """A header-only CSV used to be recorded as an import of 0 events (exit 0)."""
    db = f"sqlite:///{tmp_path / 't.db'}"
    assert _run("study", "create", "ward-a", "--db", db)[0] == 0
    header = tmp_path / "header.csv"
    header.write_text(SYSTEM_LOG.splitlines()[0] + "\n")
    code, _, err = _run("import", str(header), "--study", "ward-a", "--db", db)
    _one_line_error(code, err, "header.csv: the log has no events")

"""`taskloom demo`: the whole pipeline on embedded defaults, then the collector.

1. a study ``ehr-demo`` in the store (embedded SQLite unless ``--db``);
2. the synthetic EHR documentation study generated with that study's key (so patient
   tokens in window titles are the ones an enrolled agent would make);
3. one enrolled device per clinician, its UI events ingested batch by batch through the
   same validation and store code as ``POST /api/v1/events`` (ground truth never stored);
4. the EHR audit log imported as the study's system log;
5. task discovery on the stored UI events (scored against the generator's truth), and the
   process map of the system log written as SVG;
6. an admin token and a console admin user (password printed) if there are none yet, then
   ``taskloom serve``, whose console is at http://127.0.0.1:8765/.

Running it again finds the loaded study and goes straight to serving.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from taskloom.server.cli.base import CliError, add_db_option, open_store, write_atomically

if TYPE_CHECKING:
    import pandas as pd

    from taskloom.collector.store import Store, Study

STUDY = "ehr-demo"
ZONE = "Europe/London"  # the generated clinics' time zone (collector/synth/schedule.py)
BATCH = 500
NOTICE = ("Demo study: synthetic clinicians' EHR documentation work. No real person or "
          "patient is involved.")


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def default_demo_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("taskloom", appauthor=False)) / "demo"


def register(sub: Any) -> None:
    p = sub.add_parser(
        "demo", help="load the synthetic EHR study into the store, mine it, and serve",
        description="Generate the synthetic EHR documentation study, ingest its UI events "
                    "as enrolled devices, import its system log, discover tasks, draw the "
                    "process map, then run the collector. Idempotent: a loaded study is kept.")
    add_db_option(p)
    p.add_argument("--dir", type=Path, default=None,
                   help="where the generated files, the task table and the map go "
                        "(default: the user data directory's taskloom/demo)")
    p.add_argument("--clinicians", type=int, default=10, help="clinicians (default 10)")
    p.add_argument("--days", type=int, default=5, help="days simulated (default 5)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--no-serve", action="store_true", help="load and mine, then exit")
    p.add_argument("--host", default=None, help="address for serve (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port for serve (default 8765)")
    p.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    from taskloom.collector.store import NotFound

    if args.clinicians < 1 or args.days < 1:
        raise CliError("--clinicians and --days must be at least 1")
    out_dir: Path = args.dir or default_demo_dir()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(f"--dir {out_dir}: cannot create it ({exc.strerror}); choose another folder") from None
    with open_store(args.db) as store:
        _say(f"taskloom demo: database {store.url}; files in {out_dir}")
        try:
            study = store.get_study(STUDY)
            loaded = store.count_ui_events(study.id)
        except NotFound:
            study, loaded = store.create_study(STUDY, {"notice": NOTICE, "timezone": ZONE}, NOTICE), 0
            _say(f"[1/6] created study {STUDY!r}")
        if loaded:
            _say(f"study {STUDY!r} is already loaded ({loaded} UI events); "
                 "skipping generation (use another --db to start afresh)")
        else:
            load_study(store, study, out_dir, args.clinicians, args.days, args.seed)
        if loaded and (out_dir / "tasks.csv").exists() and (out_dir / "process_map.svg").exists():
            _say(f"[5/6] tasks and process map from the earlier run: {out_dir / 'tasks.csv'}, "
                 f"{out_dir / 'process_map.svg'}")
        else:
            mine(store, study, out_dir)
        documentation_time(store, study, out_dir)
        _admin_token(store, out_dir / "admin_token")
        login = console_login(store, out_dir)
        if not args.no_serve:
            _serve(store, args, login)
    return 0


def _admin_token(store: Store, token_file: Path) -> None:
    """Create the first admin token (kept in ``token_file``, mode 0600) or point at it."""
    if not store.has_admin_tokens():
        token = store.create_admin_token(label="demo", actor="demo")
        fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(token + "\n")
        _say(f"admin token (also in {token_file}, mode 0600): {token}")
    elif token_file.exists():
        _say(f"admin token: see {token_file}")


def _serve(store: Store, args: argparse.Namespace, login: str) -> None:
    from taskloom.server.config import load_settings
    from taskloom.server.serve import serve

    _say(f"[6/6] console: http://{args.host or '127.0.0.1'}:{args.port or 8765}/ — {login}")
    _say("[6/6] starting the collector (Ctrl+C stops it)")
    serve(store, load_settings(db=args.db, host=args.host, port=args.port), _say)


def console_login(store: Store, out_dir: Path) -> str:
    """An admin user for the web console the first time (password printed and kept in
    ``console_login``, mode 0600); the line that says how to log in."""
    import secrets

    from taskloom.server.console.auth import hash_password

    login_file = out_dir / "console_login"
    if store.list_users():
        return f"log in with the user in {login_file}" if login_file.exists() else \
            "log in with your console user (`taskloom user list`)"
    password = secrets.token_urlsafe(12)
    store.create_user("admin", hash_password(password), "admin", actor="demo")
    fd = os.open(login_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(f"user: admin\npassword: {password}\n")
    return f"log in as admin with password {password} (also in {login_file}, mode 0600)"


def load_study(store: Store, study: Study, out_dir: Path, clinicians: int, days: int,
               seed: int) -> None:
    """Generate the study with the store's key, ingest its UI events, import its system log."""
    import pandas as pd

    from taskloom.collector import synth
    from taskloom.collector.services.imports import import_frame
    from taskloom.mining.io import read_log

    t0 = time.monotonic()
    gen = synth.generate_study(synth.Study(clinicians=clinicians, days=days, seed=seed,
                                           study_key=store.study_key(study.id)), out_dir)
    _say(f"[2/6] generated {gen.events} UI events and {gen.cases} cases in "
         f"{time.monotonic() - t0:.1f} s ({gen.ui_events.name}, {gen.system_csv.name})")

    ui = pd.read_csv(gen.ui_events, dtype=str, keep_default_na=False)
    devices = sorted(ui["device_id"].unique())
    enrol = store.create_enrollment_token(study.id, uses=len(devices), expires_s=3600)
    accepted = rejected = 0
    t0 = time.monotonic()
    for n, synthetic in enumerate(devices, 1):
        device = store.enroll(enrol.token, hostname=f"demo-{synthetic}")
        events = ui[ui["device_id"] == synthetic]
        a, r = ingest_device(store, device.device_id, study.id, events)
        accepted, rejected = accepted + a, rejected + r
        _say(f"[3/6] device {n}/{len(devices)} ({synthetic}): {a} events stored"
             + (f", {r} rejected" if r else ""))
    _say(f"[3/6] ingested {accepted} UI events in {time.monotonic() - t0:.1f} s"
         + (f" ({rejected} rejected, see the quarantine)" if rejected else ""))

    system = read_log(gen.system_csv)
    res = import_frame(store, study.id, gen.system_csv.name, {}, system, actor="demo")
    _say(f"[4/6] imported the EHR audit log: {res.row_count} events")


def _wire_events(events: pd.DataFrame, device_id: str) -> list[dict[str, Any]]:
    from taskloom.agent.protocol import EVENT_FIELDS

    out = []
    for row in events[list(EVENT_FIELDS)].to_dict("records"):
        ev: dict[str, Any] = {k: (v if v != "" else None) for k, v in row.items()}
        ev["device_id"] = device_id
        ev["seq"] = int(ev["seq"])
        for k in ("x", "y"):
            ev[k] = int(float(ev[k])) if ev[k] is not None else None
        ev["attrs"] = json.loads(ev["attrs"]) if ev["attrs"] else {}
        out.append({k: v for k, v in ev.items() if v is not None})
    return out


def ingest_device(store: Store, device_id: str, study_id: int, events: pd.DataFrame) -> tuple[int, int]:
    """Send one device's events in batches through the ingest path; (accepted, rejected)."""
    from taskloom.collector.services.ingest import ingest_events
    from taskloom.collector.store import Device

    device = Device(id=device_id, study_id=study_id)
    wire = _wire_events(events, device_id)
    accepted = rejected = 0
    for i in range(0, len(wire), BATCH):
        result = ingest_events(store, device, wire[i:i + BATCH])
        accepted += len(result.accepted)
        rejected += len(result.rejected)
    return accepted, rejected


def mine(store: Store, study: Study, out_dir: Path) -> None:
    """Discover tasks on the stored UI events and draw the system log's process map."""
    import pandas as pd

    from taskloom.collector.services.tasks import discover_with_files, study_events
    from taskloom.collector.tasks.evaluate import evaluate
    from taskloom.mining.abstraction import abstract_dfg
    from taskloom.mining.dfg import discover_dfg
    from taskloom.mining.io.csv_io import to_safe_csv
    from taskloom.mining.render import render_svg

    t0 = time.monotonic()
    ui, ev = study_events(store, study.id)
    res = discover_with_files(ev, out_dir / "task_model.json", out_dir / "task_labels.json")
    ui["task_type"], ui["task_instance"] = res.task_type, res.task_instance
    tasks_csv = out_dir / "tasks.csv"
    to_safe_csv(ui, tasks_csv)
    n_types = len(set(res.task_type.tolist()) - {"idle"})
    _say(f"[5/6] task discovery: {len(ui)} events → {res.segments.shape[0]} task instances, "
         f"{n_types} task types in {time.monotonic() - t0:.1f} s; wrote {tasks_csv}")
    truth_file = out_dir / "ui_events.csv"
    if truth_file.exists():
        truth = pd.read_csv(truth_file, usecols=["event_id", "truth_task_type", "truth_task_instance"],
                            dtype=str, keep_default_na=False)
        scored = ui[["event_id", "user", "ts", "task_type", "task_instance"]].merge(truth, on="event_id")
        if len(scored):
            s = evaluate(scored, "truth_task_instance", "truth_task_type", "user", "ts")
            ari = "n/a" if s.ari is None or math.isnan(s.ari) else f"{s.ari:.3f}"
            _say(f"[5/6] against the generator's ground truth: task-type ARI {ari}, "
                 f"boundary F1 {s.boundary_f1:.3f} ({len(scored)} events)")
    for name, label in sorted(res.labels.items()):
        _say(f"        {name}: {label}")
    link_cases(store, study, out_dir, (ui, res.labels))

    system = store.system_events_frame(study.id)
    if len(system):
        dfg = discover_dfg(system)
        svg = render_svg(abstract_dfg(dfg, 100.0, 100.0), overlay="frequency")
        map_path = out_dir / "process_map.svg"
        write_atomically(map_path, svg)
        _say(f"[5/6] process map of the EHR audit log ({len(dfg.nodes)} activities, "
             f"{len(dfg.edges)} arcs): {map_path}")


def two_level_map(merged: pd.DataFrame, out_dir: Path) -> None:
    """The two-level map of the merged log (``two_level_map.svg``): the audit log's map with the
    desk work at each activity; the activity with the most linked task instances expanded."""
    from taskloom.mining.render.nested import render_two_level_svg
    from taskloom.mining.twolevel import two_level_model

    model = two_level_model(merged)
    if len(model.full.nodes) == 0:
        return
    busiest = max(model.desk.values(), key=lambda d: (d.tasks, d.activity))
    expand = [busiest.activity] if busiest.tasks else []
    if expand:
        model = two_level_model(merged, expand=expand)
    path = out_dir / "two_level_map.svg"
    write_atomically(path, render_two_level_svg(model))
    u = model.unattributed
    _say(f"[5/6] two-level map ({len(model.full.nodes)} activities with their desk work, "
         f"{model.task_rows - u.tasks} linked and {u.tasks} unattributed task instances"
         f"{', ' + expand[0] + ' expanded' if expand else ''}): {path}")


def documentation_time(store: Store, study: Study, out_dir: Path) -> None:
    """The cohort's EHR-Time8 and WOW8 with the generated schedule and visits; the HTML report."""
    from taskloom.collector.metrics.html import render_html
    from taskloom.collector.services.ehr_metrics import EhrOptions, TextFile, ehr_metrics
    from taskloom.server.cli.base import write_atomically

    files = {n: out_dir / f"{n}.csv" for n in ("schedule", "visits")}
    text = {n: TextFile(p.name, p.read_text()) if p.exists() else None for n, p in files.items()}
    report = ehr_metrics(store, study.id, EhrOptions(zone=ZONE, schedule=text["schedule"], visits=text["visits"]))
    path = out_dir / "ehr_metrics.html"
    write_atomically(path, render_html(report))
    for c in report.cohort[:2]:
        figure = (f"median {c.median:.2f} h per 8 h of scheduled patient time (IQR {c.q1:.2f}–{c.q3:.2f})"
                  if c.median is not None and c.q1 is not None and c.q3 is not None
                  else f"not available (no clinic schedule: {files['schedule']} is written only when the "
                       "study is first generated; use that --dir, or `taskloom ehr metrics --schedule`)"
                  if text["schedule"] is None
                  else f"{c.status} ({c.clinicians} clinicians; cohort figures need {report.min_group})")
        _say(f"[5/6] documentation time: {c.name} {figure}")
    _say(f"[5/6] documentation-time report ({report.clinicians} clinicians, threshold "
         f"{report.threshold_s:g} s): {path}")


def link_cases(store: Store, study: Study, out_dir: Path,
               discovered: tuple[pd.DataFrame, dict[str, str]] | None = None) -> None:
    """Link the task instances to the audit log's cases (stored), write the merged log and the
    links, and score the links against the generator's truth when its file is there."""
    import pandas as pd

    from taskloom.collector.linking.evaluate import evaluate_links
    from taskloom.collector.services.linking import run_merge
    from taskloom.mining.io import write_log

    if store.system_events_frame(study.id).empty:
        return
    t0 = time.monotonic()
    result = run_merge(store, study.id, discovered=discovered)
    merged_path, links_path = out_dir / "merged_log.csv", out_dir / "links.csv"
    write_log(result.merged, merged_path)
    result.links.to_csv(links_path, index=False)
    task = result.merged[result.merged["level"] == "task"]
    counts = task["link_method"].value_counts()
    _say(f"[5/6] linking: {len(task)} task instances → " + ", ".join(
        f"{m} {int(counts.get(m, 0))}" for m in ("id", "time", "propagated", "none"))
         + f" in {time.monotonic() - t0:.1f} s; wrote {merged_path}")
    two_level_map(result.merged, out_dir)
    truth_file = out_dir / "ui_events.csv"
    if truth_file.exists():
        truth = pd.read_csv(truth_file, usecols=["event_id", "truth_case"], dtype=str)
        true_case = truth.set_index("event_id")["truth_case"].reindex(result.links["event_id"].to_numpy())
        table = evaluate_links(result.links, true_case.reset_index(drop=True))
        row = table[(table["level"] == "event") & (table["scope"] == "with_case") & (table["method"] == "all")]
        if len(row):
            r = row.iloc[0]
            _say(f"[5/6] links against the generator's truth: precision {r['precision']:.3f}, "
                 f"recall {r['recall']:.3f} ({int(r['items'])} UI events with a true case)")

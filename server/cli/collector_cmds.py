"""Collector commands: serve, admin token, study, device, import, export.

Every command takes ``--db URL`` (default: $TASKLOOM_DB, else the embedded SQLite file in
the user's data directory). Heavy imports stay inside the handlers.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from taskloom.server.cli.base import CliError, default_db_url

if TYPE_CHECKING:
    from taskloom.collector.store import Store


def _out(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _add_db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", default=default_db_url(), metavar="URL",
        help="database: sqlite:///FILE, a file path, or postgresql://USER@HOST/DB "
             "(default: $TASKLOOM_DB, else taskloom.db in the user data directory)")


def _open(args: argparse.Namespace) -> Store:
    from taskloom.collector.store import Store

    try:
        return Store.open(args.db)
    except Exception as exc:
        if getattr(exc, "user_facing", False):
            raise
        name = type(exc).__name__
        if name in {"OperationalError", "ArgumentError", "NoSuchModuleError", "InterfaceError"}:
            raise CliError(f"cannot open the database {args.db or '(embedded)'}: "
                           f"{str(exc).splitlines()[0]} — check --db / TASKLOOM_DB") from None
        raise


def _when(ms: int | None) -> str:
    if ms is None:
        return "-"
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def register(sub: Any) -> None:
    """Add the collector's commands to the `taskloom` parser."""
    p = sub.add_parser("serve", help="run the collector (ingest + admin API) with uvicorn",
                       description="Run the collector. Agents enrol and send events here; "
                                   "admins use the API with an admin token.")
    _add_db(p)
    p.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default 8765; 0 = any free port)")
    p.add_argument("--access-log", action="store_true", help="log every request")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("admin", help="admin tokens for the collector API")
    asub = p.add_subparsers(dest="admin_command", metavar="SUBCOMMAND", required=True)
    q = asub.add_parser("token", help="create an admin token and print it (shown once)")
    _add_db(q)
    q.add_argument("--label", default="", help="a note saying who or what the token is for")
    q.set_defaults(func=cmd_admin_token)

    p = sub.add_parser("study", help="create and list studies")
    ssub = p.add_subparsers(dest="study_command", metavar="SUBCOMMAND", required=True)
    q = ssub.add_parser("create", help="create a study (with a fresh pseudonymisation key)")
    q.add_argument("name")
    q.add_argument("--description", default="")
    q.add_argument("--settings", metavar="JSON", default=None,
                   help="policy overrides as JSON, e.g. '{\"idle_threshold_s\": 120}'")
    _add_db(q)
    q.set_defaults(func=cmd_study_create)
    q = ssub.add_parser("list", help="list studies")
    _add_db(q)
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q.set_defaults(func=cmd_study_list)

    p = sub.add_parser("device", help="enrolment tokens and enrolled devices")
    dsub = p.add_subparsers(dest="device_command", metavar="SUBCOMMAND", required=True)
    q = dsub.add_parser("token", help="create an enrolment token (printed alone on the last line)")
    q.add_argument("--study", required=True, help="study name")
    q.add_argument("--uses", type=int, default=1, help="how many devices may enrol with it (default 1)")
    q.add_argument("--expires", default="7d", help="lifetime: 7d, 12h, 30m, seconds (default 7d)")
    _add_db(q)
    q.set_defaults(func=cmd_device_token)
    q = dsub.add_parser("list", help="devices with last seen, sequence gaps and dropped counts")
    q.add_argument("--study", default=None, help="only this study")
    q.add_argument("--json", action="store_true", help="machine-readable output")
    _add_db(q)
    q.set_defaults(func=cmd_device_list)
    q = dsub.add_parser("revoke", help="revoke a device token (its next request gets 401)")
    q.add_argument("id", help="device id (see `taskloom device list`)")
    _add_db(q)
    q.set_defaults(func=cmd_device_revoke)

    p = sub.add_parser("import", help="import a system event log (CSV/XES) into a study")
    _add_log_options(p)
    p.add_argument("--study", required=True, help="study name")
    p.add_argument("--hash-case-ids", action="store_true",
                   help="replace case ids by keyed tokens with the study key (as the agent does)")
    p.add_argument("--case-prefix", default="",
                   help="token prefix used with --hash-case-ids (e.g. NHS, as in the agent's policy)")
    _add_db(p)
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="export a study's UI events (.csv, .xes or .parquet)")
    p.add_argument("--study", required=True, help="study name")
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="output file; the suffix picks the format")
    _add_db(p)
    p.set_defaults(func=cmd_export)


def _add_log_options(parser: argparse.ArgumentParser) -> None:
    from taskloom.server.cli.logopts import add_log_arguments

    add_log_arguments(parser)


# ---------------------------------------------------------------- handlers


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from taskloom.server.app import create_app
    from taskloom.server.config import load_settings

    settings = load_settings(db=args.db, host=args.host, port=args.port)
    args.db = settings.db
    store = _open(args)
    app = create_app(store, settings)
    config = uvicorn.Config(app, host=settings.host, port=settings.port, workers=1,
                            log_level=settings.log_level, access_log=args.access_log,
                            timeout_keep_alive=settings.keepalive_timeout_s,
                            server_header=False, http=settings.http, loop=settings.loop)
    server = uvicorn.Server(config)
    _out(f"taskloom collector: database {store.url}")
    if not store.has_admin_tokens():
        db = f" --db {args.db}" if args.db else ""
        _out(f"no admin token yet: create one with `taskloom admin token{db}` "
             "and send it as 'Authorization: Bearer <token>'")
    original_startup = server.startup

    async def startup(sockets: Any = None) -> None:
        await original_startup(sockets=sockets)
        for srv in getattr(server, "servers", []):
            for sock in srv.sockets:
                host, port = sock.getsockname()[:2]
                _out(f"taskloom collector listening on http://{host}:{port} "
                     f"(console: http://{host}:{port}/ · API docs: http://{host}:{port}/docs)")

    server.startup = startup  # type: ignore[method-assign]
    try:
        server.run()
    finally:
        store.close()
    return 0


def cmd_admin_token(args: argparse.Namespace) -> int:
    store = _open(args)
    try:
        token = store.create_admin_token(label=args.label)
    finally:
        store.close()
    sys.stderr.write("admin token (shown once; keep it secret; send as "
                     "'Authorization: Bearer <token>'):\n")
    _out(token)
    return 0


def cmd_study_create(args: argparse.Namespace) -> int:
    settings: dict[str, Any] = {}
    if args.settings:
        try:
            settings = json.loads(args.settings)
        except json.JSONDecodeError as exc:
            raise CliError(f"--settings is not valid JSON ({exc}); e.g. "
                           "'{\"idle_threshold_s\": 120}'") from None
        if not isinstance(settings, dict):
            raise CliError("--settings must be a JSON object")
    store = _open(args)
    try:
        study = store.create_study(args.name, settings, args.description)
    finally:
        store.close()
    _out(f"created study {study['name']!r} (id {study['id']})")
    return 0


def cmd_study_list(args: argparse.Namespace) -> int:
    store = _open(args)
    try:
        studies = store.list_studies()
    finally:
        store.close()
    if args.json:
        _out(json.dumps(studies, indent=2))
        return 0
    if not studies:
        _out("no studies yet: create one with `taskloom study create NAME`")
        return 0
    _out(f"{'ID':>4}  {'NAME':<30} {'DEVICES':>7}  CREATED")
    for s in studies:
        _out(f"{s['id']:>4}  {s['name']:<30} {s['devices']:>7}  {_when(s['created_at'])}")
    return 0


def cmd_device_token(args: argparse.Namespace) -> int:
    from taskloom.collector.store import parse_duration

    expires = parse_duration(args.expires)
    store = _open(args)
    try:
        out = store.create_enrollment_token(args.study, uses=args.uses, expires_s=expires)
    finally:
        store.close()
    sys.stderr.write(f"enrolment token for study {args.study!r}: {out['max_uses']} use(s), "
                     f"expires {_when(out['expires_at'])}; enrol with "
                     "`taskloom-agent enroll --collector URL --token TOKEN`\n")
    _out(out["token"])
    return 0


def cmd_device_list(args: argparse.Namespace) -> int:
    store = _open(args)
    try:
        study_id = store.get_study(args.study)["id"] if args.study else None
        devices = store.list_devices(study_id=study_id)
    finally:
        store.close()
    if args.json:
        _out(json.dumps(devices, indent=2))
        return 0
    if not devices:
        _out("no devices enrolled yet: give an agent a token from `taskloom device token --study NAME`")
        return 0
    _out(f"{'DEVICE':<36}  {'STUDY':<16} {'HOST':<20} {'EVENTS':>8} {'MISSING':>7} "
         f"{'DROPPED':>7}  {'LAST SEEN':<20} STATE")
    for d in devices:
        _out(f"{d['id']:<36}  {d['study'][:16]:<16} {d['hostname'][:20]:<20} {d['events']:>8} "
             f"{d['seq_missing']:>7} {d['dropped'] if d['dropped'] is not None else '-':>7}  "
             f"{_when(d['last_seen']):<20} {'revoked' if d['revoked'] else 'active'}")
    return 0


def cmd_device_revoke(args: argparse.Namespace) -> int:
    store = _open(args)
    try:
        store.revoke_device(args.id)
    finally:
        store.close()
    _out(f"revoked device {args.id}; its next request is refused (401)")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from taskloom.collector.api import import_frame
    from taskloom.server.cli.logopts import load_log
    from taskloom.server.cli.progress import ProgressBar

    store = _open(args)
    bar = ProgressBar("import", unit="events")
    try:
        study = store.get_study(args.study)
        bar.stage(f"reading {Path(args.log).name}")
        frame = load_log(args)
        options = {k: getattr(args, k, None) for k in (
            "case", "activity", "timestamp", "start_timestamp", "resource",
            "timestamp_format", "timezone", "sep")}
        result = import_frame(store, study["id"], Path(args.log).name, options, frame,
                              args.hash_case_ids, args.case_prefix, "cli", progress=bar)
    finally:
        bar.close()
        store.close()
    hashed = " (case ids hashed with the study key)" if args.hash_case_ids else ""
    _out(f"imported {result['row_count']} events from {Path(args.log).name} into study "
         f"{study['name']!r} as import {result['id']}{hashed}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from taskloom.collector.exports import format_of, write_ui_events

    format_of(args.output)  # fail before reading anything
    store = _open(args)
    try:
        study = store.get_study(args.study)
        n = write_ui_events(store.ui_events_frame(study["id"]), args.output)
        store.audit("cli", "study.export", "study", study["id"], file=str(args.output), rows=n)
    finally:
        store.close()
    _out(f"wrote {n} UI events of study {study['name']!r} to {args.output}")
    return 0

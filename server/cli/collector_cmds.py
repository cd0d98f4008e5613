"""Collector commands: serve, admin token, study, device, import, export.

Every command takes ``--db URL`` (default: $TASKLOOM_DB, else the embedded SQLite file in
the user's data directory) and opens it with ``open_store``; the work is the store's or a
service's (collector.services), as for the API. Heavy imports stay inside the handlers.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from taskloom.server.cli.base import CliError, add_db_option, open_store, out, printable, when
from taskloom.server.cli.logopts import add_log_arguments

MAPPING_OPTIONS = ("case", "activity", "timestamp", "start_timestamp", "resource",
                   "timestamp_format", "timezone", "sep")


def register(sub: Any) -> None:
    """Add the collector's commands to the `taskloom` parser."""
    p = _command(sub, "serve", cmd_serve, "run the collector (ingest + admin API) with uvicorn",
                 description="Run the collector. Agents enrol and send events here; "
                             "admins use the API with an admin token.")
    p.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default 8765; 0 = any free port)")
    p.add_argument("--access-log", action="store_true", help="log every request")

    admin = _group(sub, "admin", "admin tokens for the collector API")
    p = _command(admin, "token", cmd_admin_token,
                 "create an admin token and print it (shown once); `list` or `revoke ID` them")
    p.add_argument("action", nargs="?", choices=("create", "list", "revoke"), default="create",
                   help="create (default), list, or revoke ID")
    p.add_argument("id", nargs="?", default=None, help="with revoke: the token's id (or the token)")
    p.add_argument("--label", default="", help="a note saying who or what the token is for")

    study = _group(sub, "study", "create and list studies")
    p = _command(study, "create", cmd_study_create,
                 "create a study (with a fresh pseudonymisation key)")
    p.add_argument("name")
    p.add_argument("--description", default="")
    p.add_argument("--settings", metavar="JSON", default=None,
                   help="policy overrides as JSON, e.g. '{\"idle_threshold_s\": 120}'")
    p = _command(study, "list", cmd_study_list, "list studies")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    _register_device(_group(sub, "device", "enrolment tokens and enrolled devices"))
    _register_import_export(sub)


def _group(sub: Any, name: str, help: str) -> Any:
    """A command with sub-commands (``taskloom study create|list``)."""
    parser = sub.add_parser(name, help=help)
    return parser.add_subparsers(dest=f"{name}_command", metavar="SUBCOMMAND", required=True)


def _command(sub: Any, name: str, func: Any, help: str, **kw: Any) -> argparse.ArgumentParser:
    """A command that works on the store: it takes --db and runs ``func``."""
    parser: argparse.ArgumentParser = sub.add_parser(name, help=help, **kw)
    add_db_option(parser)
    parser.set_defaults(func=func)
    return parser


def _register_device(device: Any) -> None:
    p = _command(device, "token", cmd_device_token,
                 "create an enrolment token (printed alone on the last line); `list` or "
                 "`revoke ID` them")
    p.add_argument("action", nargs="?", choices=("create", "list", "revoke"), default="create",
                   help="create (default), list, or revoke ID")
    p.add_argument("id", nargs="?", default=None, type=int, help="with revoke: the token's id")
    p.add_argument("--study", required=True, help="study name")
    p.add_argument("--uses", type=int, default=1, help="how many devices may enrol with it (default 1)")
    p.add_argument("--expires", default="7d",
                   help="lifetime: 7d, 12h, 1h30m, seconds (default 7d; see docs: durations)")
    p = _command(device, "list", cmd_device_list, "devices with last seen, sequence gaps and dropped counts")
    p.add_argument("--study", default=None, help="only this study")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p = _command(device, "revoke", cmd_device_revoke, "revoke a device token (its next request gets 401)")
    p.add_argument("id", help="device id (see `taskloom device list`)")


def _register_import_export(sub: Any) -> None:
    p = _command(sub, "import", cmd_import, "import a system event log (CSV/XES) into a study")
    add_log_arguments(p)
    p.add_argument("--study", required=True, help="study name")
    p.add_argument("--hash-case-ids", action="store_true",
                   help="replace case ids by keyed tokens with the study key (as the agent does)")
    p.add_argument("--case-prefix", default="",
                   help="token prefix used with --hash-case-ids (e.g. NHS, as in the agent's policy)")
    p = _command(sub, "export", cmd_export, "export a study's UI events (.csv, .xes or .parquet)")
    p.add_argument("--study", required=True, help="study name")
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="output file; the suffix picks the format")


# ---------------------------------------------------------------- handlers


def cmd_serve(args: argparse.Namespace) -> int:
    from taskloom.server.config import load_settings
    from taskloom.server.serve import serve

    settings = load_settings(db=args.db, host=args.host, port=args.port)
    _check_port_free(settings.host, settings.port)
    with open_store(settings.db) as store:
        serve(store, settings, out, access_log=args.access_log)
    return 0


def _check_port_free(host: str, port: int) -> None:
    """Refuse in one line when another server already listens there (uvicorn would log an
    ERROR and exit 3 after opening the store)."""
    import socket

    if port == 0:
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.create_server((host, port), family=family):
            pass
    except OSError as exc:
        raise CliError(f"cannot listen on {host}:{port} ({exc.strerror or exc}); stop the other "
                       "server or pass another --port") from None


def cmd_admin_token(args: argparse.Namespace) -> int:
    if args.action == "list":
        with open_store(args.db) as store:
            tokens = store.list_admin_tokens()
        out(f"{'ID':>4}  {'STATE':<8} {'CREATED':<20} LABEL")
        for tok in tokens:
            out(f"{tok.id:>4}  {'revoked' if tok.revoked else 'active':<8} "
                f"{when(tok.created_at):<20} {tok.label}")
        return 0
    if args.action == "revoke":
        if not args.id:
            raise CliError("say which token: `taskloom admin token revoke ID` "
                           "(ids: `taskloom admin token list`)")
        with open_store(args.db) as store:
            token_id = store.revoke_admin_token(args.id)
        out(f"revoked admin token {token_id}; its next request is refused (401)")
        return 0
    with open_store(args.db) as store:
        token = store.create_admin_token(label=args.label)
    sys.stderr.write("admin token (shown once; keep it secret; send as "
                     "'Authorization: Bearer <token>'):\n")
    out(token)
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
    with open_store(args.db) as store:
        study = store.create_study(args.name, settings, args.description)
    out(f"created study {study.name!r} (id {study.id})")
    return 0


def _json_or_empty(rows: Sequence[Any], as_json: bool, hint: str) -> bool:
    """Print the rows as JSON (--json), or the hint when there are none; True when that was
    all there is to print."""
    if as_json:
        out(json.dumps([asdict(r) for r in rows], indent=2))
        return True
    if not rows:
        out(hint)
        return True
    return False


def cmd_study_list(args: argparse.Namespace) -> int:
    with open_store(args.db) as store:
        studies = store.list_studies()
    if _json_or_empty(studies, args.json, "no studies yet: create one with `taskloom study create NAME`"):
        return 0
    out(f"{'ID':>4}  {'NAME':<30} {'DEVICES':>7}  CREATED")
    for s in studies:
        out(f"{s.id:>4}  {printable(s.name):<30} {s.devices:>7}  {when(s.created_at)}")
    return 0


def cmd_device_token(args: argparse.Namespace) -> int:
    from taskloom.durations import parse_duration

    if args.action == "list":
        with open_store(args.db) as store:
            tokens = store.list_enrollment_tokens(store.get_study(args.study).id)
        import time

        now = int(time.time() * 1000)
        out(f"{'ID':>4}  {'USES':>9}  {'EXPIRES':<20}  STATE")
        for tok in tokens:
            state = ("used up" if tok.uses >= tok.max_uses
                     else "expired" if tok.expires_at <= now else "active")
            out(f"{tok.id:>4}  {tok.uses:>4}/{tok.max_uses:<4}  {when(tok.expires_at):<20}  {state}")
        return 0
    if args.action == "revoke":
        if args.id is None:
            raise CliError("say which token: `taskloom device token revoke ID --study NAME` "
                           "(ids: `taskloom device token list --study NAME`)")
        from taskloom.collector.store.errors import NotFound

        with open_store(args.db) as store:
            try:
                store.revoke_enrollment_token(store.get_study(args.study).id, args.id)
            except NotFound:
                raise CliError(f"no enrolment token {args.id} in study {args.study!r}; list them with "
                               f"`taskloom device token list --study {args.study}`") from None
        out(f"revoked enrolment token {args.id}; agents can no longer enrol with it "
            "(devices enrolled with it stay: `taskloom device revoke ID`)")
        return 0
    expires = parse_duration(args.expires)
    with open_store(args.db) as store:
        token = store.create_enrollment_token(args.study, uses=args.uses, expires_s=expires)
    sys.stderr.write(f"enrolment token for study {args.study!r}: {token.max_uses} use(s), "
                     f"expires {when(token.expires_at)}; enrol with "
                     "`taskloom-agent enroll --collector URL --token TOKEN`\n")
    out(token.token)
    return 0


def cmd_device_list(args: argparse.Namespace) -> int:
    with open_store(args.db) as store:
        study_id = store.get_study(args.study).id if args.study else None
        devices = store.list_devices(study_id=study_id)
    if _json_or_empty(devices, args.json, "no devices enrolled yet: give an agent a token from "
                                          "`taskloom device token --study NAME`"):
        return 0
    out(f"{'DEVICE':<36}  {'STUDY':<16} {'HOST':<20} {'EVENTS':>8} {'MISSING':>7} "
        f"{'DROPPED':>7}  {'LAST SEEN':<20} STATE")
    for d in devices:
        dropped = d.dropped if d.dropped is not None else "-"
        out(f"{d.id:<36}  {printable(d.study)[:16]:<16} {printable(d.hostname)[:20]:<20} {d.events:>8} "
            f"{d.seq_missing:>7} {dropped:>7}  {when(d.last_seen):<20} "
            f"{'revoked' if d.revoked else 'active'}")
    return 0


def cmd_device_revoke(args: argparse.Namespace) -> int:
    with open_store(args.db) as store:
        store.revoke_device(args.id)
    out(f"revoked device {args.id}; its next request is refused (401)")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from taskloom.collector.services.imports import import_system_log
    from taskloom.server.cli.progress import ProgressBar

    options = {k: getattr(args, k, None) for k in MAPPING_OPTIONS}
    bar = ProgressBar("import", unit="events")
    try:
        with open_store(args.db) as store:
            study = store.get_study(args.study)
            bar.stage(f"reading {Path(args.log).name}")
            result = import_system_log(store, study.id, Path(args.log), options,
                                       hash_case_ids=args.hash_case_ids,
                                       case_prefix=args.case_prefix, progress=bar)
    finally:
        bar.close()
    hashed = " (case ids hashed with the study key)" if args.hash_case_ids else ""
    out(f"imported {result.row_count} events from {Path(args.log).name} into study "
        f"{study.name!r} as import {result.id}{hashed}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from taskloom.collector.services.exports import export_study, format_of

    format_of(args.output)  # fail before opening the database
    with open_store(args.db) as store:
        study = store.get_study(args.study)
        try:
            n = export_study(store, study.id, args.output)
        except OSError as exc:  # no such folder, no permission, a name too long, disk full
            raise CliError(f"cannot write {args.output}: {exc.strerror or exc}; "
                           "choose another -o path") from None
    out(f"wrote {n} UI events of study {study.name!r} to {args.output}")
    return 0

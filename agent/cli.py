"""The ``taskloom-agent`` command: enroll, run, status, pause, resume, show, consent.

Errors the user can fix print one line (``taskloom-agent: error: …``) and exit 2.
"""

from __future__ import annotations

import argparse
import json
import logging
import logging.handlers
import sys
from collections.abc import Sequence
from typing import Any

from taskloom.agent import __version__, state
from taskloom.agent.config import (
    AgentConfig,
    ConfigError,
    config_path,
    data_dir,
    log_path,
    spool_max_bytes,
    spool_path,
)
from taskloom.agent.spool import Spool
from taskloom.durations import parse_duration
from taskloom.errors import UserError

log = logging.getLogger("taskloom_agent")


def _spool() -> Spool:
    return Spool(spool_path(), spool_max_bytes())


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def cmd_enroll(args: argparse.Namespace) -> int:
    from taskloom.agent.client import CollectorClient, CollectorError
    from taskloom.agent.transport import HttpxTransport, TransportError

    if args.spool_max_mb is not None and args.spool_max_mb <= 0:
        raise ConfigError("--spool-max-mb must be a positive number of megabytes")
    transport = HttpxTransport(args.collector, args.ca_bundle or True)
    try:
        client = CollectorClient(transport)
        try:
            device_id, device_token = client.enroll(args.token)
        except TransportError as exc:
            raise ConfigError(f"cannot reach the collector at {args.collector} ({exc}); check "
                              "the URL and that the collector is running") from None
        except CollectorError as exc:
            raise ConfigError(f"the collector refused the enrolment token ({exc.status}): it may be "
                              "used or expired; ask the study admin for a new one "
                              "(`taskloom device token --study NAME`)") from None
        config = AgentConfig(collector=args.collector.rstrip("/"), device_id=device_id,
                             device_token=device_token, ca_bundle=args.ca_bundle)
        if args.spool_max_mb is not None:
            config.spool_max_bytes = int(args.spool_max_mb * 1024 * 1024)
        client.device_token = device_token
        policy = state.merge_policy(client.policy())
        spool = Spool(spool_path(), config.spool_max_bytes)
        moved = _carry_over_spool(spool, policy, device_id)
        path = config.save()
        spool.put("revoked", None)
        state.store_policy(spool, policy)
    finally:
        transport.close()
    _out(f"enrolled as device {device_id} with {config.collector} (config: {path}){moved}")
    _out(f"policy version {policy.get('version')}; consent "
         + ("already given" if state.has_consent(spool, policy) else
            "is needed before capture starts: run `taskloom-agent consent`"))
    return 0


def _carry_over_spool(spool: Spool, policy: dict[str, Any], device_id: str) -> str:
    """Events still waiting from an earlier enrolment: same study (same study key) → they
    move to the new device id; another study → they are discarded (they were consented
    for the other study and must not be sent to this one)."""
    if spool.depth() == 0:
        return ""
    old = state.cached_policy(spool)
    if old is not None and old.get("study_key") and old.get("study_key") == policy.get("study_key"):
        return f"; {spool.reassign_device(device_id)} waiting event(s) will be sent as this device"
    return f"; {spool.discard_all()} waiting event(s) of the previous study were discarded"


def cmd_run(args: argparse.Namespace) -> int:
    from taskloom.agent.runner import run_agent

    return run_agent(capture=args.capture)


def _status(spool: Spool) -> dict[str, Any]:
    try:
        config: AgentConfig | None = AgentConfig.load()
    except ConfigError:
        config = None
    policy = state.cached_policy(spool)
    until = state.paused_until(spool)
    consent = spool.get_json("consent")
    return {
        "enrolled": config is not None,
        "collector": config.collector if config else None,
        "device_id": config.device_id if config else None,
        "consent": bool(policy is not None and state.has_consent(spool, policy)),
        "consent_given": state.fmt_ms(consent.get("accepted_ms")) if isinstance(consent, dict) else None,
        "paused": until is not None,
        "paused_until": None if until is None else state.fmt_ms(until) if until != state.PAUSED_FOREVER else "indefinitely",
        "revoked": spool.get("revoked"),
        "policy_version": None if policy is None else policy.get("version"),
        "policy_fetched": state.fmt_ms(spool.get("policy_fetched_ms")),
        "spool_depth": spool.depth(),
        "spool_held": spool.held(),
        "spool_bytes": spool.bytes_used(),
        "spool_max_bytes": spool.max_bytes,
        "dropped_total": spool.dropped_total(),
        "corrupt_dropped": int(spool.get("corrupt_dropped", "0") or 0),
        "corrupt_spool_moved_to": spool.get("corrupt_spool"),
        "sent_total": int(spool.get("sent_total", "0") or 0),
        "last_send": state.fmt_ms(spool.get("last_send_ms")),
        "last_error": spool.get("last_error"),
        "data_dir": str(data_dir()),
        "config": str(config_path()),
    }


def cmd_status(args: argparse.Namespace) -> int:
    info = _status(_spool())
    if args.json:
        _out(json.dumps(info, indent=2))
        return 0
    _out(f"enrolled:       {'yes, device ' + str(info['device_id']) + ' at ' + str(info['collector']) if info['enrolled'] else 'no (run taskloom-agent enroll)'}")
    if info["revoked"]:
        _out(f"REVOKED:        {info['revoked']}")
    else:
        _out("revoked:        no")
    _out(f"consent:        {'given ' + str(info['consent_given']) if info['consent'] else 'not given (run taskloom-agent consent)'}")
    _out(f"paused:         {'until ' + str(info['paused_until']) if info['paused'] else 'no'}")
    _out(f"policy version: {info['policy_version']} (fetched {info['policy_fetched']})")
    _out(f"spool depth:    {info['spool_depth']} events, {info['spool_bytes']} of {info['spool_max_bytes']} bytes")
    if info["spool_held"]:
        _out(f"held:           {info['spool_held']} event(s) the collector fails on, retried later")
    _out(f"dropped:        {info['dropped_total']} (spool full)")
    if info["corrupt_dropped"] or info["corrupt_spool_moved_to"]:
        _out(f"damaged:        {info['corrupt_dropped']} unreadable record(s) dropped"
             + (f"; a corrupt spool was moved to {info['corrupt_spool_moved_to']}"
                if info["corrupt_spool_moved_to"] else ""))
    _out(f"sent:           {info['sent_total']}")
    _out(f"last send:      {info['last_send']}")
    if info["last_error"]:
        _out(f"last error:     {info['last_error']}")
    return 0


def cmd_pause(args: argparse.Namespace) -> int:
    seconds = None
    if args.for_:
        seconds = parse_duration(args.for_)
    spool = _spool()
    state.pause(spool, seconds)
    until = state.paused_until(spool)
    _out("capture paused " + ("until you run `taskloom-agent resume`" if until == state.PAUSED_FOREVER
                              else f"until {state.fmt_ms(until)}"))
    return 0


def cmd_resume(args: argparse.Namespace) -> int:
    state.resume(_spool())
    _out("capture resumed")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    spool = _spool()
    count = 0
    _out(f"# what the spool at {spool.path} holds about you, oldest first (one JSON event per line)")
    for event in spool.all_events():
        _out(json.dumps(event.body, ensure_ascii=False, sort_keys=True))
        count += 1
    blobs = spool.blob_ids()
    for blob_id, seq, size in blobs:
        _out(f"# encrypted screenshot {blob_id} (event seq {seq}, {size} bytes)")
    _out(f"# {count} event(s) waiting to be sent, {len(blobs)} encrypted screenshot(s); "
         "typed characters and clipboard contents are never recorded")
    return 0


def cmd_consent(args: argparse.Namespace) -> int:
    spool = _spool()
    if args.withdraw:
        state.withdraw_consent(spool)
        _out("consent withdrawn: capture stops within a second")
        return 0
    policy = state.cached_policy(spool)
    if policy is None:
        policy = _fetch_policy(spool)
    notice = str(policy.get("notice") or "(the study has no notice text)")
    _out("Study notice:\n")
    _out(notice)
    _out("")
    if args.accept:
        state.record_consent(spool, policy, "scripted")
        _out("consent recorded (--accept: consent was taken elsewhere)")
        return 0
    if not sys.stdin.isatty():
        raise ConfigError("consent needs a person at a terminal; use `consent --accept` only "
                          "where consent was taken elsewhere")
    answer = input("Type 'yes' to take part, anything else to decline: ").strip().lower()
    if answer != "yes":
        _out("not accepted: nothing will be captured")
        return 1
    state.record_consent(spool, policy, "interactive")
    _out("thank you: capture starts when the agent runs (pause any time: taskloom-agent pause)")
    return 0


def _fetch_policy(spool: Spool) -> dict[str, Any]:
    from taskloom.agent.client import CollectorClient
    from taskloom.agent.transport import HttpxTransport

    config = AgentConfig.load()
    transport = HttpxTransport(config.collector, config.verify)
    try:
        return state.store_policy(spool, CollectorClient(transport, config.device_token).policy())
    finally:
        transport.close()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="taskloom-agent", description=(
        "The taskloom desktop agent: records UI activity for a study you consented to "
        "(never typed characters), keeps it in a local spool and sends it to the collector."))
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("enroll", help="enrol this device with a collector")
    p.add_argument("--collector", required=True, help="collector base URL, e.g. https://taskloom.example.nhs.uk")
    p.add_argument("--token", required=True, help="the one-time enrolment token from `taskloom device token`")
    p.add_argument("--ca-bundle", help="CA bundle for the collector's certificate (TLS is always verified)")
    p.add_argument("--spool-max-mb", type=float, help="spool bound in MB (default 200)")
    p.set_defaults(func=cmd_enroll)

    p = sub.add_parser("run", help="capture and ship until stopped (SIGTERM flushes and exits)")
    p.add_argument("--capture", choices=("auto", "none"), default="auto",
                   help="'none' ships the spool without capturing (maintenance)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("status", help="spool depth, last send, consent, pause, policy, revocation")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("pause", help="stop capturing (for a while, or until resume)")
    p.add_argument("--for", dest="for_", metavar="DURATION", help="e.g. 30m, 2h, 1h30m (see docs: durations)")
    p.set_defaults(func=cmd_pause)

    p = sub.add_parser("resume", help="resume capturing")
    p.set_defaults(func=cmd_resume)

    p = sub.add_parser("show", help="print exactly what the spool holds about you")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("consent", help="read the study notice and accept (or withdraw)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--accept", action="store_true",
                       help="record acceptance without a prompt (consent taken elsewhere)")
    group.add_argument("--withdraw", action="store_true", help="withdraw consent: capture stops")
    p.set_defaults(func=cmd_consent)
    return parser


def _setup_logging(verbose: int, to_file: bool) -> None:
    level = logging.INFO if to_file else logging.WARNING
    level -= 10 * min(verbose, 1)
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if to_file:
        path = log_path()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handlers.append(logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3))
    logging.basicConfig(level=level, handlers=handlers, force=True,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request at INFO: only with -vv.
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose >= 2 else logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    _setup_logging(args.verbose, to_file=args.command == "run")
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        sys.stderr.write("taskloom-agent: interrupted\n")
        return 130
    except UserError as exc:
        sys.stderr.write(f"taskloom-agent: error: {exc}\n")
        return 2

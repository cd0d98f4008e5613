"""`taskloom user create|list|set|password|delete`: console users and their roles.

Roles: admin (everything, including users and the fleet), analyst (mines, imports,
merges and exports the studies granted to them), viewer (read-only dashboards of the
granted studies). Passwords come from a prompt (asked twice) or ``--password-stdin`` (one
line; for scripts) and are stored as argon2id hashes only.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import TYPE_CHECKING, Any

from taskloom.server.cli.base import CliError, default_db_url, open_store

if TYPE_CHECKING:
    from taskloom.collector.store import Store

ROLES = ("admin", "analyst", "viewer")


def _db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", default=default_db_url(), metavar="URL",
                        help="database (default: $TASKLOOM_DB, else the embedded SQLite file)")


def register(sub: Any) -> None:
    p = sub.add_parser("user", help="console users: create, list, change roles and passwords",
                       description="People who log in to the web console, with a role: admin, "
                                   "analyst (granted studies) or viewer (read-only, granted studies).")
    usub = p.add_subparsers(dest="user_command", metavar="SUBCOMMAND", required=True)
    q = usub.add_parser("create", help="create a user (password from a prompt or --password-stdin)")
    q.add_argument("name", help="user name (letters, digits, . _ @ -)")
    q.add_argument("--role", required=True, choices=ROLES)
    q.add_argument("--study", action="append", default=[], metavar="STUDY",
                   help="a study the user may open (name or id; repeat for several)")
    q.add_argument("--password-stdin", action="store_true",
                   help="read the password from the first line of standard input")
    _db(q)
    q.set_defaults(func=cmd_create)
    q = usub.add_parser("list", help="list users with their roles and studies")
    q.add_argument("--json", action="store_true", help="machine-readable output")
    _db(q)
    q.set_defaults(func=cmd_list)
    q = usub.add_parser("set", help="change a user's role, studies or enabled state")
    q.add_argument("name")
    q.add_argument("--role", choices=ROLES, default=None)
    q.add_argument("--study", action="append", default=None, metavar="STUDY",
                   help="the user's studies become these (repeat for several)")
    q.add_argument("--no-studies", action="store_true", help="take every study grant away")
    state = q.add_mutually_exclusive_group()
    state.add_argument("--disable", action="store_true", help="refuse logins and end sessions")
    state.add_argument("--enable", action="store_true", help="allow logins again")
    _db(q)
    q.set_defaults(func=cmd_set)
    q = usub.add_parser("password", help="set a new password (ends the user's sessions)")
    q.add_argument("name")
    q.add_argument("--password-stdin", action="store_true",
                   help="read the password from the first line of standard input")
    _db(q)
    q.set_defaults(func=cmd_password)
    q = usub.add_parser("delete", help="delete a user")
    q.add_argument("name")
    _db(q)
    q.set_defaults(func=cmd_delete)


def _names(store: Store) -> dict[int, str]:
    return {s.id: s.name for s in store.list_studies()}


def read_password(from_stdin: bool) -> str:
    """The new password: one stdin line, or typed twice at a prompt (never echoed)."""
    from taskloom.server.console.auth import check_password_rules

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        if not sys.stdin.isatty():
            raise CliError("no terminal to ask for the password; pipe it in with --password-stdin")
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != password:
            raise CliError("the two passwords differ; run the command again")
    try:
        check_password_rules(password)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    return password


def _studies(values: list[str]) -> list[int | str]:
    return [int(v) if v.isdigit() else v for v in values]


def _line(user: Any, names: dict[int, str]) -> str:
    studies = "all" if user.role == "admin" else (", ".join(names.get(s, str(s)) for s in user.studies) or "-")
    state = " (disabled)" if user.disabled else ""
    return f"{user.username:<24} {user.role:<8} {studies}{state}"


def cmd_create(args: argparse.Namespace) -> int:
    from taskloom.server.console.auth import hash_password

    password = read_password(args.password_stdin)
    with open_store(args.db) as store:
        user = store.create_user(args.name, hash_password(password), args.role,
                                 _studies(args.study), actor="cli")
        sys.stdout.write(f"created user {_line(user, _names(store))}\n")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    with open_store(args.db) as store:
        found, names = store.list_users(), _names(store)
    if args.json:
        sys.stdout.write(json.dumps([{"username": u.username, "role": u.role, "disabled": u.disabled,
                                      "studies": [names.get(s, s) for s in u.studies]}
                                     for u in found], indent=1) + "\n")
    else:
        sys.stdout.write("".join(_line(u, names) + "\n" for u in found) or "no users yet\n")
    return 0


def cmd_set(args: argparse.Namespace) -> int:
    if args.no_studies and args.study:
        raise CliError("give either --study or --no-studies, not both")
    studies = [] if args.no_studies else (_studies(args.study) if args.study else None)
    disabled = True if args.disable else (False if args.enable else None)
    with open_store(args.db) as store:
        user = store.update_user(store.get_user(args.name).id, role=args.role,
                                 studies=studies, disabled=disabled, actor="cli")
        sys.stdout.write(f"updated user {_line(user, _names(store))}\n")
    return 0


def cmd_password(args: argparse.Namespace) -> int:
    from taskloom.server.console.auth import hash_password

    password = read_password(args.password_stdin)
    with open_store(args.db) as store:
        user = store.get_user(args.name)
        store.update_user(user.id, password_hash=hash_password(password), actor="cli")
    sys.stdout.write(f"new password set for {user.username}; their sessions have ended\n")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    with open_store(args.db) as store:
        store.delete_user(store.get_user(args.name).id, actor="cli")
    sys.stdout.write(f"deleted user {args.name}\n")
    return 0

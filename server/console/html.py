"""The console's HTML: one page shell (header, navigation, main) and the login form.

Pages are rendered on the server with the user's name, role, study and CSRF token; each
page's behaviour is one ES module under ``static/console/pages/`` that fetches JSON from
the API. Everything is escaped here; no inline script or style (the CSP forbids them).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from html import escape
from pathlib import Path

STATIC = Path(__file__).parent / "static"

#: Study pages in navigation order: (path segment, title, least role).
STUDY_PAGES: tuple[tuple[str, str, str], ...] = (
    ("map", "Process map", "viewer"),
    ("filters", "Filters", "viewer"),
    ("statistics", "Statistics", "viewer"),
    ("variants", "Variants", "viewer"),
    ("cases", "Cases", "viewer"),
    ("tasks", "Tasks", "viewer"),
    ("documentation", "Documentation time", "viewer"),
    ("data", "Data", "analyst"),
)
#: Pages outside a study: (path, title, least role).
TOP_PAGES: tuple[tuple[str, str, str], ...] = (
    ("studies", "Studies", "viewer"),
    ("fleet", "Fleet", "admin"),
    ("users", "Users", "admin"),
)


@cache
def asset_version() -> str:
    """A digest of the shipped assets: URLs change when the files do (no stale caches)."""
    h = hashlib.sha256()
    for path in sorted(STATIC.rglob("*")):
        if path.is_file():
            h.update(path.name.encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:12]


def static_url(rel: str) -> str:
    return f"/static/{rel}?v={asset_version()}"


@dataclass(frozen=True, slots=True)
class PageContext:
    """What the shell shows: who is logged in and where they are."""

    page: str
    title: str
    username: str
    role: str
    csrf: str
    allowed: tuple[str, ...]  # page names this role may open
    study_id: int | None = None
    study_name: str = ""


def _head(title: str, csrf: str = "") -> str:
    meta = f'<meta name="csrf-token" content="{escape(csrf)}">' if csrf else ""
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)} · taskloom</title>{meta}"
            f'<link rel="stylesheet" href="{static_url("console/console.css")}">'
            f'<link rel="icon" href="{static_url("console/favicon.svg")}" type="image/svg+xml">')


def _nav(ctx: PageContext) -> str:
    links = []
    for name, title, _ in TOP_PAGES:
        if name in ctx.allowed:
            current = ' aria-current="page"' if ctx.page == name else ""
            links.append(f'<li><a href="/{name}"{current}>{escape(title)}</a></li>')
    return f'<nav class="mainnav" aria-label="Console"><ul>{"".join(links)}</ul></nav>'


def _study_nav(ctx: PageContext) -> str:
    if ctx.study_id is None:
        return ""
    items = []
    for name, title, _ in STUDY_PAGES:
        if name in ctx.allowed:
            current = ' aria-current="page"' if ctx.page == name else ""
            items.append(f'<li><a href="/studies/{ctx.study_id}/{name}"{current}>'
                         f"{escape(title)}</a></li>")
    return (f'<nav class="studynav" aria-label="Study pages">'
            f'<p class="studyname">Study <strong>{escape(ctx.study_name)}</strong></p>'
            f'<ul>{"".join(items)}</ul></nav>')


def page(ctx: PageContext) -> str:
    """The shell of a console page; its module fills ``#page``."""
    study = f' data-study="{ctx.study_id}"' if ctx.study_id is not None else ""
    title = f"{ctx.title} — {ctx.study_name}" if ctx.study_name else ctx.title
    return (
        _head(title, ctx.csrf)
        + f'<script type="module" src="{static_url(f"console/pages/{ctx.page}.js")}"></script>'
        + f'</head><body data-page="{escape(ctx.page)}" data-role="{escape(ctx.role)}"'
          f' data-user="{escape(ctx.username)}"{study}>'
        + '<a class="skip" href="#main">Skip to content</a>'
        + '<header class="topbar"><a class="brand" href="/studies">taskloom</a>'
        + _nav(ctx)
        + '<div class="who"><span class="user">'
          f'{escape(ctx.username)} <span class="role">({escape(ctx.role)})</span></span>'
          '<form method="post" action="/logout">'
          f'<input type="hidden" name="csrf_token" value="{escape(ctx.csrf)}">'
          '<button type="submit" class="linkish">Log out</button></form></div></header>'
        + _study_nav(ctx)
        + f'<main id="main" tabindex="-1"><h1>{escape(ctx.title)}</h1>'
          '<div id="page" aria-busy="true"><p class="loading">Loading…</p></div></main>'
        + '<div id="status" role="status" aria-live="polite" class="status"></div>'
        + "</body></html>"
    )


def login(csrf: str, next_path: str = "", error: str = "", username: str = "") -> str:
    """The login form; ``error`` is shown and announced when set."""
    err = (f'<p id="login-error" class="error" role="alert">{escape(error)}</p>' if error else "")
    described = ' aria-describedby="login-error"' if error else ""
    return (
        _head("Log in")
        + '</head><body class="loginpage"><main id="main">'
        + '<form class="login" method="post" action="/login">'
          '<h1><span class="brand">taskloom</span> console</h1>'
        + err
        + f'<input type="hidden" name="csrf_token" value="{escape(csrf)}">'
          f'<input type="hidden" name="next" value="{escape(next_path)}">'
          '<label for="username">User name</label>'
          f'<input id="username" name="username" autocomplete="username" required '
          f'value="{escape(username)}"{described} autofocus>'
          '<label for="password">Password</label>'
          f'<input id="password" name="password" type="password" autocomplete="current-password" '
          f'required{described}>'
          '<button type="submit">Log in</button>'
          '<p class="hint">Accounts are made by an admin (<code>taskloom user create</code>).</p>'
          "</form></main></body></html>"
    )


def message(title: str, text: str, link: str = "/studies", link_text: str = "Back to studies") -> str:
    """A plain page for 403/404 in the browser."""
    return (_head(title) + f'</head><body class="loginpage"><main id="main" class="login">'
            f"<h1>{escape(title)}</h1><p>{escape(text)}</p>"
            f'<p><a href="{escape(link)}">{escape(link_text)}</a></p></main></body></html>')

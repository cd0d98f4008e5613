"""Console pages in the browser: login, logout, and the page shells.

Login is a plain HTML form (works without JavaScript): a double-submit token guards it
against login CSRF, a limiter against guessing. A page without a live session redirects
to /login?next=…; a page the role may not open is a 403 page; a study the user is not
granted is a 404 page (as the API answers).
"""

from __future__ import annotations

import secrets
from urllib.parse import parse_qsl, quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from taskloom.collector.store import NotFound, Store
from taskloom.server.console import html
from taskloom.server.console.auth import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    csrf_for,
    csrf_ok,
    start_session,
    token_hash,
    verify_login,
)
from taskloom.server.console.principal import ConsoleUser, StudyId, rank, session_user

router = APIRouter(include_in_schema=False)


def _secure(request: Request) -> bool:
    mode = request.app.state.console.cookie_secure
    return mode == "always" or (mode == "auto" and request.url.scheme == "https")


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _safe_next(path: str) -> str:
    """Only a local absolute path (no scheme, no //host): no open redirect."""
    if path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/studies"


FORM_BYTES = 16 * 1024


async def _small_form(request: Request) -> dict[str, str]:
    """A urlencoded form of at most FORM_BYTES (read while streaming; 413 beyond)."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > FORM_BYTES:
            raise HTTPException(413, "the form is too large")
    pairs = parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {k: v for k, v in pairs}


def _login_page(request: Request, next_path: str, error: str = "", username: str = "",
                status: int = 200, headers: dict[str, str] | None = None) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    resp = HTMLResponse(html.login(token, next_path, error, username), status_code=status,
                        headers=headers)
    resp.set_cookie(LOGIN_COOKIE, token, max_age=3600, httponly=True, samesite="strict",
                    secure=_secure(request), path="/login")
    return resp


@router.get("/login")
def login_form(request: Request, next: str = "") -> Response:
    return _login_page(request, _safe_next(next) if next else "")


@router.post("/login")
async def login(request: Request) -> Response:
    form = await _small_form(request)
    username, password = form.get("username", "")[:200], form.get("password", "")
    csrf_token, next = form.get("csrf_token", ""), form.get("next", "")[:2000]
    state = request.app.state.console
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    if not cookie or not secrets.compare_digest(cookie, csrf_token):
        return _login_page(request, next, "The login form expired; please try again.",
                           username, status=403)
    client = _client(request)
    wait = state.limiter.retry_after(username, client)
    if wait:
        return _login_page(request, next, f"Too many failed logins; try again in {wait} s.",
                           username, status=429, headers={"Retry-After": str(wait)})
    store: Store = request.app.state.store
    user = await run_in_threadpool(verify_login, store, username, password)
    if user is None:
        state.limiter.failed(username, client)
        return _login_page(request, next, "Wrong user name or password.", username, status=401)
    state.limiter.succeeded(username)
    session = await run_in_threadpool(start_session, store, user, state.session_max_s)
    resp = RedirectResponse(_safe_next(next or "/studies"), status_code=303)
    resp.set_cookie(SESSION_COOKIE, session.token, max_age=session.max_age_s, httponly=True,
                    samesite="strict", secure=_secure(request), path="/")
    resp.delete_cookie(LOGIN_COOKIE, path="/login")
    return resp


@router.post("/logout")
async def logout(request: Request) -> Response:
    csrf_token = (await _small_form(request)).get("csrf_token", "")
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        if not csrf_ok(token, csrf_token):
            raise HTTPException(403, "missing or wrong CSRF token; reload the page and log out again")
        await run_in_threadpool(request.app.state.store.delete_session, token_hash(token))
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict",
                       secure=_secure(request))
    return resp


def _who(request: Request) -> ConsoleUser | None:
    try:
        return session_user(request, request.app.state.store)
    except HTTPException:
        return None


def _to_login(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)


def _allowed(role: str) -> tuple[str, ...]:
    pages = html.TOP_PAGES + html.STUDY_PAGES
    return tuple(name for name, _, least in pages if rank(role) >= rank(least))


def _render(request: Request, name: str, title: str, least: str,
            study_id: int | None = None) -> Response:
    who = _who(request)
    if who is None:
        return _to_login(request)
    if rank(who.role) < rank(least):
        return HTMLResponse(html.message("Not allowed", f"{title} needs the {least} role; "
                                         f"you are {who.role}."), status_code=403)
    study_name = ""
    if study_id is not None:
        try:
            if not who.may_see_study(study_id):
                raise NotFound(str(study_id))
            study_name = request.app.state.store.get_study(study_id).name
        except NotFound:
            return HTMLResponse(html.message("No such study", f"There is no study {study_id} "
                                             "that you may open."), status_code=404)
    ctx = html.PageContext(page=name, title=title, username=who.username, role=who.role,
                           csrf=csrf_for(who.session_token), allowed=_allowed(who.role),
                           study_id=study_id, study_name=study_name)
    return HTMLResponse(html.page(ctx))


@router.get("/favicon.ico")
def favicon() -> Response:
    from fastapi.responses import FileResponse

    return FileResponse(html.STATIC / "console" / "favicon.svg", media_type="image/svg+xml")


@router.get("/")
def home(request: Request) -> Response:
    return RedirectResponse("/studies" if _who(request) else "/login", status_code=303)


def _top_page(name: str, title: str, least: str) -> None:
    def handler(request: Request) -> Response:
        return _render(request, name, title, least)

    router.add_api_route(f"/{name}", handler, methods=["GET"], name=f"page_{name}")


def _study_page(name: str, title: str, least: str) -> None:
    def handler(request: Request, study_id: StudyId) -> Response:
        return _render(request, name, title, least, study_id)

    router.add_api_route(f"/studies/{{study_id}}/{name}", handler, methods=["GET"],
                         name=f"page_{name}")


for _name, _title, _least in html.TOP_PAGES:
    _top_page(_name, _title, _least)
for _name, _title, _least in html.STUDY_PAGES:
    _study_page(_name, _title, _least)


@router.get("/studies/{study_id}")
def study_home(study_id: StudyId) -> Response:
    return RedirectResponse(f"/studies/{study_id}/map", status_code=303)

"""Who is calling, and may they: roles, the console user as an API caller, route policy.

The collector API authenticates callers as ``Admin`` (an admin token). A console user
logged in with a session cookie becomes a ``ConsoleUser``: the same interface, with its
own role and granted studies, so every existing per-study check (``may_see_study`` → 404)
holds for it too. Roles are ordered viewer < analyst < admin; each route names the least
role it needs (``API_ROLES`` for the collector's routes, ``require`` for the console's).
Unsafe methods with a cookie need the CSRF token in ``X-CSRF-Token``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from taskloom.collector.store import Admin, AuthError, Store, Study
from taskloom.collector.store import console as users
from taskloom.server.console.auth import SESSION_COOKIE, csrf_ok, token_hash

VIEWER, ANALYST, ADMIN = users.ROLES
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_P = "/api/v1"

#: Least role per collector route, for callers with a session cookie. Routes not listed
#: need an admin (fail closed): a new endpoint is admin-only until it is listed here.
API_ROLES: dict[tuple[str, str], str] = {
    ("GET", f"{_P}/studies"): VIEWER,
    ("GET", f"{_P}/studies/{{study_id}}"): VIEWER,
    ("GET", f"{_P}/studies/{{study_id}}/imports"): VIEWER,
    ("POST", f"{_P}/studies/{{study_id}}/imports/preview"): ANALYST,
    ("POST", f"{_P}/studies/{{study_id}}/imports"): ANALYST,
    ("GET", f"{_P}/studies/{{study_id}}/export"): ANALYST,
    ("GET", f"{_P}/quarantine"): ANALYST,
    # Integrations from other areas (listed so they open to the right role when they land).
    ("GET", f"{_P}/studies/{{study_id}}/model"): VIEWER,
    ("GET", f"{_P}/studies/{{study_id}}/ehr-metrics"): VIEWER,
}


#: Study ids fit a 32-bit INTEGER on both backends; larger ones are refused up front.
StudyId = Annotated[int, PathParam(ge=1, le=2_147_483_647)]


def rank(role: str) -> int:
    return users.ROLES.index(role) if role in users.ROLES else -1


@dataclass(frozen=True, slots=True)
class ConsoleUser(Admin):
    """A console user calling the API with a session cookie."""

    user_id: int
    username: str
    studies: frozenset[int]
    session_token: str

    @property
    def actor(self) -> str:
        return f"user:{self.username}"

    def may_see_study(self, study_id: int) -> bool:
        return self.role == ADMIN or study_id in self.studies


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})


def session_user(request: Request, store: Store) -> ConsoleUser | None:
    """The console user of the request's session cookie; None when there is no cookie.

    A cookie of an ended, expired or idle session is a 401 naming the fix.
    """
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    idle_ms = int(request.app.state.console.session_idle_s * 1000)
    user = store.session_user(token_hash(token), idle_ms)
    if user is None:
        raise _unauthorized("your console session has ended; log in again at /login")
    return ConsoleUser(token_id=0, role=user.role, user_id=user.id, username=user.username,
                       studies=frozenset(user.studies), session_token=token)


def _check(request: Request, who: ConsoleUser, least: str) -> ConsoleUser:
    if request.method not in SAFE_METHODS and not csrf_ok(
            who.session_token, request.headers.get("x-csrf-token")):
        raise HTTPException(403, "missing or wrong CSRF token; reload the page and try again "
                                 "(scripts should use an admin token instead of a cookie)")
    if rank(who.role) < rank(least):
        raise HTTPException(403, f"this needs the {least} role; you are {who.role}. "
                                 "Ask an admin to change your role")
    return who


def api_session_auth(request: Request) -> Admin | None:
    """Hook for the collector API: a cookie caller checked against ``API_ROLES``."""
    who = session_user(request, request.app.state.store)
    if who is None:
        return None
    route = request.scope.get("route")
    least = API_ROLES.get((request.method, getattr(route, "path", "")), ADMIN)
    return _check(request, who, least)


_bearer = HTTPBearer(auto_error=False, description="admin token, or a console session cookie")


def _caller(request: Request,
            creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Admin:
    store: Store = request.app.state.store
    if creds is not None:
        try:
            return store.authenticate_admin(creds.credentials)
        except AuthError as exc:
            raise _unauthorized(str(exc)) from None
    who = session_user(request, store)
    if who is None:
        raise _unauthorized("log in to the console, or send 'Authorization: Bearer "
                            "<admin_token>' (create one with `taskloom admin token`)")
    return who


def require(least: str) -> Callable[..., Admin]:
    """A dependency: the caller (admin token or console user) with at least role ``least``."""

    def dependency(request: Request, caller: Annotated[Admin, Depends(_caller)]) -> Admin:
        if isinstance(caller, ConsoleUser):
            return _check(request, caller, least)
        return caller  # admin tokens may do everything

    return dependency


Viewer = Annotated[Admin, Depends(require(VIEWER))]
Analyst = Annotated[Admin, Depends(require(ANALYST))]
AdminOnly = Annotated[Admin, Depends(require(ADMIN))]


def study_or_404(store: Store, caller: Admin, study_id: int) -> Study:
    """The study when the caller may see it; 404 otherwise (no existence leak)."""
    if not caller.may_see_study(study_id):
        raise HTTPException(404, f"no study {study_id}; list them at GET /api/v1/studies")
    return store.get_study(study_id)

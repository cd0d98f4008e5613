"""Who am I, and (admins) the console's users: create, change role/studies/password, delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from taskloom.collector.store import Admin
from taskloom.collector.store import console as users
from taskloom.server.console.apiutil import json_body, json_response, parse_model
from taskloom.server.console.auth import hash_password
from taskloom.server.console.principal import AdminOnly, ConsoleUser, Viewer

router = APIRouter(prefix="/api/v1", tags=["console"])
UserId = Annotated[int, PathParam(ge=1, le=2_147_483_647)]


class UserIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)
    role: str
    studies: list[int] = Field(default_factory=list, max_length=10_000)


class UserPatch(BaseModel):
    role: str | None = None
    studies: list[int] | None = Field(default=None, max_length=10_000)
    disabled: bool | None = None
    password: str | None = Field(default=None, min_length=1, max_length=1024)


def _out(user: users.User) -> dict[str, Any]:
    return {"id": user.id, "username": user.username, "role": user.role,
            "disabled": user.disabled, "created_at": user.created_at,
            "studies": list(user.studies)}


def _hash(password: str) -> str:
    try:
        return hash_password(password)
    except ValueError as exc:
        raise HTTPException(422, f"password: {exc}") from None


@router.get("/me", summary="the caller: name, role, studies and the CSRF token for this page")
def me(request: Request, caller: Viewer) -> Response:
    store = request.app.state.store
    visible = [s for s in store.list_studies() if caller.may_see_study(s.id)]
    name = caller.username if isinstance(caller, ConsoleUser) else caller.actor
    return json_response({"username": name, "role": caller.role,
                          "studies": [{"id": s.id, "name": s.name} for s in visible]})


@router.get("/users", summary="console users (admin)")
def list_users(request: Request, caller: AdminOnly) -> Response:
    return json_response([_out(u) for u in request.app.state.store.list_users()])


@router.post("/users", status_code=201, summary="create a console user (admin)")
async def create_user(request: Request, caller: AdminOnly) -> Response:
    body: UserIn = parse_model(UserIn, await json_body(request))
    pw = await run_in_threadpool(_hash, body.password)
    user = await run_in_threadpool(request.app.state.store.create_user, body.username, pw,
                                   body.role, body.studies, caller.actor)
    return json_response(_out(user), status=201)


def _not_last_admin(request: Request, caller: Admin, user_id: int, body: UserPatch | None) -> None:
    """Refuse to lock every admin out (demoting, disabling or deleting the last one)."""
    store = request.app.state.store
    target = store.get_user(user_id)
    losing = body is None or (body.role not in (None, "admin")) or bool(body.disabled)
    if target.role == "admin" and losing and store.count_admins() <= 1:
        raise HTTPException(409, "this is the last enabled admin; make another admin first")


@router.patch("/users/{user_id}", summary="change a user's role, studies, state or password (admin)")
async def update_user(request: Request, user_id: UserId, caller: AdminOnly) -> Response:
    body: UserPatch = parse_model(UserPatch, await json_body(request))
    await run_in_threadpool(_not_last_admin, request, caller, user_id, body)
    pw = await run_in_threadpool(_hash, body.password) if body.password else None
    user = await run_in_threadpool(lambda: request.app.state.store.update_user(
        user_id, role=body.role, studies=body.studies, disabled=body.disabled,
        password_hash=pw, actor=caller.actor))
    return json_response(_out(user))


@router.delete("/users/{user_id}", status_code=204, summary="delete a user (admin)")
def delete_user(request: Request, user_id: UserId, caller: AdminOnly) -> Response:
    _not_last_admin(request, caller, user_id, None)
    request.app.state.store.delete_user(user_id, actor=caller.actor)
    return Response(status_code=204)

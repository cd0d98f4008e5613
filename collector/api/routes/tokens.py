"""Admin tokens (admin): list them and revoke one. New ones come from `taskloom admin token`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response
from fastapi import Path as PathParam

from taskloom.agent.protocol import API_PREFIX
from taskloom.collector.api.deps import MAX_ID, AdminAuth, StoreDep
from taskloom.collector.api.errors import errors
from taskloom.collector.api.models import AdminTokenOut
from taskloom.collector.store import AdminTokenInfo

router = APIRouter(prefix=API_PREFIX, tags=["admin"])

TokenId = Annotated[int, PathParam(ge=1, le=MAX_ID)]


@router.get("/admin-tokens", response_model=list[AdminTokenOut], responses=errors())
def list_admin_tokens(admin: AdminAuth, store: StoreDep) -> list[AdminTokenInfo]:
    """Every admin token (id, label, revoked; never the token itself)."""
    return store.list_admin_tokens()


@router.delete("/admin-tokens/{token_id}", status_code=204, responses=errors(404))
def revoke_admin_token(token_id: TokenId, admin: AdminAuth, store: StoreDep) -> Response:
    """Revoke an admin token: its next request is refused with 401."""
    store.revoke_admin_token(token_id, actor=admin.actor)
    return Response(status_code=204)

"""Small pieces the console's JSON routes share: responses, the filter parameter, bodies."""

from __future__ import annotations

import json
from typing import Annotated, Any

import orjson
from fastapi import HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError

from taskloom.server.console.logcache import StudyLogs

#: The ``filter`` query parameter: the JSON filter spec the CLI's --filter file holds.
FilterParam = Annotated[str, Query(max_length=32_000, description=(
    "the filter spec as JSON, as in `taskloom stats --filter spec.json` (docs/mining.md); "
    "empty for none"))]


def json_response(value: Any, status: int = 200) -> Response:
    """JSON via orjson: numpy values and NaN (as null) are fine, unlike json.dumps."""
    return Response(orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY,
                                 default=_fallback),
                    status_code=status, media_type="application/json")


def _fallback(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def parse_filter(text: str) -> list[dict[str, Any]]:
    """The validated spec of a ``filter`` parameter; 422 naming the problem otherwise."""
    from taskloom.mining.filter_spec import FilterSpecError, validate_spec

    if not text.strip():
        return []
    try:
        spec = json.loads(text)
    except json.JSONDecodeError as exc:
        raise HTTPException(422, f"filter: invalid JSON at column {exc.colno} ({exc.msg}); "
                                 "send the filter spec as a JSON list") from None
    try:
        return validate_spec(spec, "filter")
    except FilterSpecError as exc:
        raise HTTPException(422, str(exc)) from None


def parse_model(cls: type[BaseModel], data: Any) -> Any:
    """``cls`` from decoded JSON; 422 naming the first bad field."""
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "body"
        raise HTTPException(422, f"{where}: {first.get('msg', 'invalid')}") from None


def logs_of(request: Request) -> StudyLogs:
    logs: StudyLogs = request.app.state.console.logs
    return logs


async def json_body(request: Request, max_bytes: int = 256 * 1024) -> Any:
    """A small JSON body, read only after the route's authentication ran; 413/422 else."""
    size = 0
    chunks: list[bytes] = []
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise HTTPException(413, f"the request body is over {max_bytes} bytes")
        chunks.append(chunk)
    try:
        return orjson.loads(b"".join(chunks) or b"null")
    except orjson.JSONDecodeError as exc:
        raise HTTPException(422, f"the body is not valid JSON ({exc}); send a JSON object") from None

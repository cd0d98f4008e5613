"""`/api/v1/studies/{id}/model`: the two-level process model as JSON (admin token, or a
console user with the viewer role or more).

Thin: parse the filter spec, the node and arc sliders and the expand list, call the
service, return its document: nodes and edges with the ``dfg --json`` overlays plus desk
work per node, the task-level sub-maps of the expanded activities, the unattributed group.
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query

from taskloom.agent.protocol import API_PREFIX
from taskloom.collector.api.deps import AdminAuth, StoreDep, StudyId, study_for
from taskloom.collector.api.errors import errors
from taskloom.collector.services.model import study_model
from taskloom.mining.filter_spec import FilterSpecError, validate_spec

router = APIRouter(prefix=API_PREFIX, tags=["admin"])
_RESPONSES = errors(403, 404, (422, "bad filter spec, an expand name that is not a system activity, "
                                    "or a study with no log"))
Pct = Annotated[float, Query(gt=0, le=100, description="slider: keep the top PCT % (default 100)")]
Expand = Annotated[list[str], Query(max_length=50, description="system activities whose task-level map "
                                                               "to include (repeat the parameter)")]
Spec = Annotated[str | None, Query(alias="filter", max_length=20_000,
                                   description='filter spec as JSON, e.g. [{"type": "variants_top_k", "k": 5}]')]


def _spec(text: str | None) -> list[dict[str, Any]] | None:
    if not text:
        return None
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise FilterSpecError(f"filter: invalid JSON ({exc}); send a JSON list of filters") from None
    return validate_spec(data, "filter")


@router.get("/studies/{study_id}/model", responses=_RESPONSES)
def get_model(study_id: StudyId, admin: AdminAuth, store: StoreDep, nodes: Pct = 100.0, arcs: Pct = 100.0,
              expand: Expand = [], filter_spec: Spec = None) -> dict[str, Any]:  # noqa: B006 - FastAPI query list
    """The study's two-level model: case-level map with desk work, expanded task maps."""
    study_for(store, admin, study_id)
    return study_model(store, study_id, spec=_spec(filter_spec), nodes=nodes, arcs=arcs,
                       expand=[e[:500] for e in expand])

"""Studies and their enrolment tokens (admin)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from taskloom.agent.protocol import API_PREFIX
from taskloom.collector.api import models
from taskloom.collector.api.deps import AdminAuth, StoreDep, StudyId, study_for
from taskloom.collector.api.errors import errors
from taskloom.collector.store import EnrollmentTokenInfo, NewEnrollmentToken, Study

router = APIRouter(prefix=API_PREFIX, tags=["admin"])


@router.get("/studies", response_model=list[models.StudyOut], responses=errors())
def list_studies(admin: AdminAuth, store: StoreDep) -> list[Study]:
    """Studies this admin may see."""
    return [s for s in store.list_studies() if admin.may_see_study(s.id)]


@router.post("/studies", response_model=models.StudyOut, status_code=201,
             responses=errors((409, "name taken")))
def create_study(body: models.StudyIn, admin: AdminAuth, store: StoreDep) -> Study:
    """Create a study (with a fresh random key for pseudonymisation)."""
    return store.create_study(body.name, body.settings, body.description, actor=admin.actor)


@router.get("/studies/{study_id}", response_model=models.StudyOut, responses=errors(404))
def get_study(study_id: StudyId, admin: AdminAuth, store: StoreDep) -> Study:
    return study_for(store, admin, study_id)


@router.patch("/studies/{study_id}", response_model=models.StudyOut, responses=errors(404, 409))
def update_study(study_id: StudyId, body: models.StudyPatch, admin: AdminAuth,
                 store: StoreDep) -> Study:
    """Rename a study or change its settings (policy overrides)."""
    study_for(store, admin, study_id)
    return store.update_study(study_id, name=body.name, settings=body.settings,
                              description=body.description, actor=admin.actor)


@router.delete("/studies/{study_id}", status_code=204, responses=errors(404))
def delete_study(study_id: StudyId, admin: AdminAuth, store: StoreDep) -> Response:
    """Delete a study with its devices, events and imports."""
    study_for(store, admin, study_id)
    store.delete_study(study_id, actor=admin.actor)
    return Response(status_code=204)


@router.post("/studies/{study_id}/enrollment-tokens", response_model=models.TokenOut, status_code=201,
             responses=errors(404))
def create_enrollment_token(study_id: StudyId, body: models.TokenIn, admin: AdminAuth,
                            store: StoreDep) -> NewEnrollmentToken:
    """A new enrolment token for the study (give it to the agent installer)."""
    study_for(store, admin, study_id)
    return store.create_enrollment_token(study_id, uses=body.uses, expires_s=body.expires_in_s,
                                         actor=admin.actor)


@router.get("/studies/{study_id}/enrollment-tokens", response_model=list[models.TokenInfo],
            responses=errors(404))
def list_enrollment_tokens(study_id: StudyId, admin: AdminAuth,
                           store: StoreDep) -> list[EnrollmentTokenInfo]:
    study_for(store, admin, study_id)
    return store.list_enrollment_tokens(study_id)

"""The API's request and response models (pydantic): what the OpenAPI document shows.

Request bodies derive from ``StorableModel``, so a value the store cannot keep is a 422,
not a 500. Most responses are the store's typed rows (collector/store/rows.py): their
models are made from the row classes, so a row's shape is written down once.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import TYPE_CHECKING, Any

import orjson
from pydantic import BaseModel, Field, create_model, model_validator

from taskloom.collector.services.imports import Preview
from taskloom.collector.store import rows


def response_of(row: type, name: str, base: type[BaseModel] | None = None,
                **fields: str | tuple[Any, str]) -> type[BaseModel]:
    """A response model called ``name`` with the fields of the dataclass ``row``.

    ``fields`` describe fields (name="description") or give them another type, e.g. a nested
    row's own response model (name=(type, "description")). With a ``base`` (a model made from
    the same row), only ``fields`` are added to it.
    """
    hints = typing.get_type_hints(row)
    spec: dict[str, Any] = {}
    for f in dataclasses.fields(row) if base is None else ():
        default = ... if f.default is dataclasses.MISSING else f.default
        spec[f.name] = (hints[f.name], Field(default))
    for key, value in fields.items():
        kind, description = value if isinstance(value, tuple) else (hints[key], value)
        default = spec[key][1].default if key in spec else ...
        spec[key] = (kind, Field(default, description=description))
    return create_model(name, __base__=base, **spec)


class ErrorOut(BaseModel):
    """Every error answer: one sentence saying what is wrong and what to do."""

    detail: str


class StorableModel(BaseModel):
    """A request body whose values the store can keep: valid Unicode text (no lone
    surrogates) and integers within 64 bits. Anything else is a 422, not a 500."""

    @model_validator(mode="after")
    def _storable(self) -> StorableModel:
        try:
            orjson.dumps(self.model_dump())
        except TypeError as exc:
            raise ValueError(f"the body holds a value that cannot be stored ({exc}); send "
                             "valid UTF-8 text and integers within 64 bits") from None
        return self


class EnrollIn(StorableModel):
    enrollment_token: str = Field(min_length=1, max_length=200)
    hostname: str = Field(min_length=1, max_length=255)


class EnrollOut(BaseModel):
    device_id: str
    device_token: str = Field(description="Bearer token for this device; shown once, stored hashed")
    study_id: int
    policy: dict[str, Any]


class HeartbeatIn(StorableModel):
    version: str | None = Field(default=None, max_length=64)
    spool_depth: int | None = Field(default=None, ge=0, le=2**62)
    dropped: int | None = Field(default=None, ge=0, le=2**62)
    last_capture: str | int | None = Field(
        default=None, description="ISO 8601 with a zone or epoch milliseconds")
    paused: bool | None = Field(default=None, description="the user paused capture")
    consent: bool | None = Field(default=None, description="the user accepted the study notice")
    capturing: bool | None = Field(default=None, description="capture is running now")


class OkOut(BaseModel):
    ok: bool = True


class StudyIn(StorableModel):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=10_000)
    settings: dict[str, Any] = Field(default_factory=dict,
                                     description="policy overrides merged over the default policy")


class StudyPatch(StorableModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)
    settings: dict[str, Any] | None = None


class TokenIn(StorableModel):
    uses: int = Field(default=1, ge=1, le=100_000)
    expires_in_s: int = Field(default=7 * 86400, ge=60, le=365 * 86400)


if TYPE_CHECKING:  # to the type checker a response model is the row it is made from
    RejectedOut = rows.RejectedEvent
    IngestOut = rows.IngestResult
    StudyOut = rows.Study
    TokenOut = rows.NewEnrollmentToken
    TokenInfo = rows.EnrollmentTokenInfo
    AdminTokenOut = rows.AdminTokenInfo
    DeviceOut = rows.DeviceInfo
    DeviceDetail = rows.DeviceInfo
    QuarantineOut = rows.QuarantineEntry
    ImportOut = rows.ImportInfo
    PreviewOut = Preview
else:
    RejectedOut = response_of(rows.RejectedEvent, "RejectedOut")
    IngestOut = response_of(
        rows.IngestResult, "IngestOut",
        accepted="event ids stored now or before (safe to drop from the spool)",
        rejected=(list[RejectedOut], "events quarantined with the reason"))
    StudyOut = response_of(rows.Study, "StudyOut")
    TokenOut = response_of(rows.NewEnrollmentToken, "TokenOut",
                           token="the enrolment token; shown once, stored hashed")
    TokenInfo = response_of(rows.EnrollmentTokenInfo, "TokenInfo")
    AdminTokenOut = response_of(rows.AdminTokenInfo, "AdminTokenOut")
    DeviceOut = response_of(rows.DeviceInfo, "DeviceOut",
                            seq_missing="sequence numbers between seq_min and seq_max never received")
    DeviceDetail = response_of(
        rows.DeviceInfo, "DeviceDetail", base=DeviceOut,
        seq_gaps=(list[tuple[int, int]], "missing ranges (first, last), up to 100"))
    QuarantineOut = response_of(rows.QuarantineEntry, "QuarantineOut")
    ImportOut = response_of(rows.ImportInfo, "ImportOut")
    PreviewOut = response_of(Preview, "PreviewOut")

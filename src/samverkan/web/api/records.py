"""Single records and catalogue counts."""

from __future__ import annotations

import os
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from samverkan.web.deps import Core

router = APIRouter(tags=["catalogue"])

RecordKind = Literal[
    "call", "organisation", "hub", "platform", "working_group", "solution", "project", "region", "municipality"
]


class Health(BaseModel):
    status: Literal["ok"] = Field(description="The server answers.", examples=["ok"])
    warm: bool = Field(
        description="Whether the indexes are built (samverkan serve builds them in the background at start; "
        "until then the first searches wait for them).",
        examples=[True],
    )
    worker: int = Field(
        description="The process id of the web process that answered (`serve --workers` runs several on one "
        "port; each warms up on its own).",
        examples=[4242],
    )


@router.get("/health", response_model=Health, summary="Whether the server is up and its indexes are built")
async def health(app: Core) -> dict[str, Any]:
    return {"status": "ok", "warm": app.warm.is_set(), "worker": os.getpid()}


@router.get(
    "/stats",
    summary="Number of records per table",
    description="Rows as stored, duplicates included: a hub held by two catalogues is two rows here and one hub "
    "in /statistics, which counts each hub, organisation and participation once.",
    responses={
        200: {"content": {"application/json": {"example": {"calls": 4124, "hubs": 1012, "organisations": 15476}}}}
    },
)
async def stats(app: Core) -> dict[str, int]:
    return await run_in_threadpool(app.counts)


@router.get(
    "/records/{kind}/{record_id:path}",
    summary="One record by kind and id",
    description="Every stored field of the record (geometry left out), with its provenance (`source`, "
    "`source_id`, `imported_at`); a project also lists its participants and topics, a platform its working "
    "groups. The fields per kind are the catalogue's tables, described in docs/architecture.md.",
    responses={200: {"content": {"application/json": {"example": {
        "id": "10556", "name": "Smart Dementia project", "countries": ["NL"], "source": "solutions",
        "source_id": "10556", "imported_at": "2026-11-23T06:22:40+00:00"}}}}},
)  # fmt: skip
async def record(
    kind: Annotated[RecordKind, Path(description="Kind of record.", examples=["solution"])],
    record_id: Annotated[str, Path(description="Its id (topic code, PIC, NUTS code …).", examples=["10556"])],
    app: Core,
) -> dict[str, Any]:
    return await run_in_threadpool(app.record, kind, record_id)

"""Single records and catalogue counts."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from samverkan.web.deps import Core

router = APIRouter(tags=["catalogue"])

RecordKind = Literal["call", "organisation", "hub", "platform", "solution", "project", "region", "municipality"]


@router.get("/stats", summary="Number of records per table")
async def stats(app: Core) -> dict[str, int]:
    return await run_in_threadpool(app.counts)


@router.get("/records/{kind}/{record_id:path}", summary="One record by kind and id")
async def record(kind: RecordKind, record_id: str, app: Core) -> dict[str, Any]:
    return await run_in_threadpool(app.record, kind, record_id)

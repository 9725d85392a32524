"""Entity details for pages and programs: a call with eligibility and partners, a hub with
similar hubs, a region's organisations, hubs and participation, and the figures behind the maps.
The HTML pages call the same library functions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.concurrency import run_in_threadpool

from samverkan.web.deps import Core

router = APIRouter(tags=["details"])


@router.get("/calls/{call_id}", summary="A call with its eligibility rule, funded or similar projects and partners")
async def call(
    call_id: Annotated[str, Path(description="Funding & Tenders topic id.", examples=["HORIZON-CL5-2026-09-D3-03"])],
    app: Core,
) -> dict[str, Any]:
    return await run_in_threadpool(app.call_page, call_id)


@router.get("/hubs/{hub_id}", summary="A digital innovation hub with its NUTS region and similar hubs")
async def hub(
    hub_id: Annotated[str, Path(description="JRC hub catalogue id.", examples=["17480"])], app: Core
) -> dict[str, Any]:
    return await run_in_threadpool(app.hub_page, hub_id)


@router.get("/regions/{code}", summary="A NUTS region's organisations, hubs and EU participation per year")
async def region(
    code: Annotated[str, Path(description="NUTS 2021 code of any level.", examples=["SE23"], max_length=5)], app: Core
) -> dict[str, Any]:
    return await run_in_threadpool(app.region_page, code.upper())


@router.get("/statistics", summary="Hubs and EU participation per country and per NUTS 2 region")
async def statistics(app: Core) -> dict[str, Any]:
    return await run_in_threadpool(app.statistics)

"""Entity details for pages and programs: a call with eligibility and partners, a hub with
similar hubs, a region's organisations, hubs and participation, and the figures behind the maps.
The HTML pages call the same library functions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from samverkan.web.api.partners import PartnerResult
from samverkan.web.api.schemas import Eligibility, FundedProject, RegionDetail, Sources, Statistics
from samverkan.web.api.search import SearchResult
from samverkan.web.deps import Core

router = APIRouter(tags=["details"])


class CallDetail(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str = Field(description="Funding & Tenders topic id.", examples=["HORIZON-CL5-2026-09-D3-03"])
    title: str | None = Field(description="Topic title.", examples=["Wind energy research and innovation partnership"])
    programme: str | None = Field(description="Programme.", examples=["Horizon Europe"])
    status: str = Field(
        description="open, forthcoming or closed today, computed from the call's dates (the portal's status "
        "decides only where the dates do not).",
        examples=["open"],
    )
    deadline: str | None = Field(
        description="The next deadline, ISO 8601 (the last one once all have passed).", examples=["2026-09-16"]
    )
    days_left: int | None = Field(description="Days until the next deadline (0: today).", examples=[23])
    opens_in: int | None = Field(description="Days until a forthcoming call opens, where known.", examples=[None])
    budget_min: float | None = Field(description="Smallest EU contribution per project, EUR.", examples=[1_000_000])
    budget_max: float | None = Field(description="Largest EU contribution per project, EUR.", examples=[3_000_000])
    budget_total: float | None = Field(description="The topic's whole budget, EUR.", examples=[37_000_000])
    opening: str | None = Field(description="When submission opens (opened), ISO 8601.", examples=["2026-05-12"])
    deadlines: list[str] | None = Field(
        description="Every deadline, ISO 8601, in order (two-stage calls, cut-offs).", examples=[["2026-09-16"]]
    )
    as_of: str | None = Field(
        description="When the newest source said what this record holds (ISO 8601), not when it was imported.",
        examples=["2026-08-22T05:41:38+00:00"],
    )
    sources: list[dict[str, str]] = Field(
        description="Each source's record of the call: feed (ft-export, ft-search) and its as_of.",
        examples=[[{"feed": "ft-search", "as_of": "2026-08-22T05:41:38+00:00"}]],
    )
    description: str | None = Field(description="The topic text.", examples=["Expected Outcome: …"])
    portal_url: str | None = Field(
        description="The topic on the Funding & Tenders portal.",
        examples=[
            "https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/opportunities/topic-details/x"
        ],
    )
    eligibility: Eligibility = Field(description="Who may apply, as samverkan reads the call.")
    funded_count: int = Field(description="Projects the call funded, in all.", examples=[12])
    funded: list[FundedProject] = Field(description="The newest projects it funded (at most 50).")
    similar_projects: list[SearchResult] = Field(
        description="For a call that funded nothing yet: past projects found for its title and keywords."
    )
    partners: list[PartnerResult] = Field(description="Suggested partners for the call (as /partners?call=).")


class ListedAs(BaseModel):
    id: str = Field(description="The record's id.", examples=["18801"])
    name: str = Field(description="Its name there.", examples=["DigIT Hub Sweden"])
    source: str = Field(description="The import source: edih or hubs (JRC).", examples=["hubs"])
    source_name: str | None = Field(description="The catalogue.", examples=["JRC S3 DIH catalogue (2022)"])


class HubDetail(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str = Field(
        description="Hub id: the JRC catalogue id, or edih-<country>-<name> for the EDIH network's catalogue.",
        examples=["edih-se-digit-hub-sweden"],
    )
    name: str = Field(description="Hub name.", examples=["DigIT Hub Sweden"])
    title: str | None = Field(description="Full title, where the catalogue gives one.", examples=["DigIT Hub Sweden"])
    kind: str = Field(
        description="EDIH (European Digital Innovation Hub), SoE (Seal of Excellence) or DIH (another hub).",
        examples=["EDIH"],
    )
    same_as: str | None = Field(
        description="For a hub listed again in another catalogue: the id of the record shown for it.",
        examples=[None],
    )
    also_listed: list[ListedAs] = Field(
        description="The same hub's records in other catalogues (their empty fields are filled from these)."
    )
    country: str | None = Field(description="ISO 3166-1 alpha-2 country code.", examples=["SE"])
    city: str | None = Field(description="City.", examples=["Luleå"])
    sectors: list[str] = Field(description="Sectors served.", examples=[["Health care", "Manufacturing"]])
    services: list[str] = Field(description="Services offered.", examples=[["Test before invest"]])
    technologies: list[str] = Field(description="Technologies.", examples=[["Artificial Intelligence"]])
    nuts: str | None = Field(description="NUTS region it was placed in.", examples=["SE332"])
    nuts_name: str | None = Field(description="Name of that region.", examples=["Norrbottens län"])
    similar: list[SearchResult] = Field(description="The hubs most like it.")


@router.get(
    "/calls/{call_id:path}",  # some topic codes hold slashes (EuropeAid/167264/DD/ACT/Multi)
    response_model=CallDetail,
    summary="A call with its eligibility rule, funded or similar projects and partners",
)
async def call(
    call_id: Annotated[str, Path(description="Funding & Tenders topic id.", examples=["HORIZON-CL5-2026-09-D3-03"])],
    app: Core,
) -> dict[str, Any]:
    return await run_in_threadpool(app.call_page, call_id)


@router.get(
    "/hubs/{hub_id}", response_model=HubDetail, summary="A digital innovation hub with its NUTS region and similar hubs"
)
async def hub(
    hub_id: Annotated[str, Path(description="Hub id (JRC id or edih-…).", examples=["edih-se-digit-hub-sweden"])],
    app: Core,
) -> dict[str, Any]:
    return await run_in_threadpool(app.hub_page, hub_id)


@router.get(
    "/regions/{code}",
    response_model=RegionDetail,
    summary="A NUTS region's organisations, hubs and EU participation per year",
)
async def region(
    code: Annotated[str, Path(description="NUTS 2021 code of any level.", examples=["SE23"], max_length=5)], app: Core
) -> dict[str, Any]:
    return await run_in_threadpool(app.region_page, code.upper())


@router.get(
    "/statistics", response_model=Statistics, summary="Hubs and EU participation per country and per NUTS 2 region"
)
async def statistics(app: Core) -> dict[str, Any]:
    return await run_in_threadpool(app.statistics)


@router.get(
    "/sources",
    response_model=Sources,
    summary="Where the catalogue's data comes from: each source's last import or sync and how current its data is",
)
async def sources(app: Core) -> dict[str, Any]:
    return await run_in_threadpool(app.sources)

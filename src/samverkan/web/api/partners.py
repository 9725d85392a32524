"""``GET /api/v1/partners`` — partner suggestions from project history (see PRODUCT.md)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from samverkan.match.partners import PartnerFilters
from samverkan.web.deps import Core

router = APIRouter(tags=["partners"])


class PartnerResult(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str = Field(description="CORDIS organisationID (PIC), or a name hash for organisations known only by name.",
                    examples=["999979015"])  # fmt: skip
    name: str = Field(description="Legal name.", examples=["CHALMERS TEKNISKA HOEGSKOLA AB"])
    country: str | None = Field(description="ISO 3166-1 alpha-2 country code.", examples=["SE"])
    region: str | None = Field(description="NUTS 2021 region it was placed in, if known.", examples=["SE232"])
    activity_type: str | None = Field(description="HES, REC, PRC, PUB or OTH.", examples=["HES"])
    sme: bool | None = Field(description="Declared SME in CORDIS.", examples=[False])
    projects: int = Field(description="Projects in the history.", examples=[42])
    coordinated: int = Field(description="Projects it coordinated.", examples=[5])
    score: float = Field(description="Weighted sum of the signals; comparable within one answer only.")
    why: str = Field(description="Reasons a person can check.",
                     examples=["worked with KTH in 3 projects, e.g. ELSA (633411); adds a country: FI"])  # fmt: skip


class PartnerAnswer(BaseModel):
    call: dict[str, Any] | None = Field(description="The call asked about: id, title, number of funded projects.")
    text: str | None = Field(description="The need text, if given.")
    team: list[dict[str, Any]] = Field(description="The organisations given in `with` (never suggested).")
    filters: dict[str, Any] = Field(description="Filters applied.", examples=[{"country": "FI", "sme": True}])
    results: list[PartnerResult]


@router.get("/partners", response_model=PartnerAnswer, summary="Suggest partners for a call and/or a need")
async def partners(
    app: Core,
    call: Annotated[
        str | None, Query(max_length=100, description="Topic id of the call.", examples=["LC-SC3-EE-1-2018-2019-2020"])
    ] = None,  # fmt: skip
    text: Annotated[str | None, Query(max_length=20_000, description="The need, in Swedish or English.")] = None,
    with_: Annotated[
        list[str] | None,
        Query(alias="with", max_length=50, description="Organisations already in the team (the first leads)."),
    ] = None,  # fmt: skip
    limit: Annotated[int, Query(ge=1, le=1000, description="Number of suggestions.")] = 20,
    country: Annotated[str | None, Query(min_length=2, max_length=2, description="Only this country.")] = None,
    region: Annotated[
        str | None,
        Query(min_length=2, max_length=5, description="Only this NUTS region (with subregions).", examples=["SE23"]),
    ] = None,  # fmt: skip
    org_type: Annotated[
        Literal["HES", "REC", "PRC", "PUB", "OTH"] | None, Query(description="Only this activity type.")
    ] = None,
    sme: Annotated[bool | None, Query(description="Only SMEs (true) or only non-SMEs (false).")] = None,
    coordinated: Annotated[
        bool | None, Query(description="Only organisations that have (true) or have not (false) coordinated.")
    ] = None,
    active_since: Annotated[
        int | None, Query(description="Only organisations in a project that started in or after this year.")
    ] = None,
) -> dict[str, Any]:
    filters = PartnerFilters(country=country, region=region, org_type=org_type, sme=sme,
                             coordinated=coordinated, active_since=active_since)  # fmt: skip
    return await run_in_threadpool(app.partners, call, text, with_ or [], limit, filters)

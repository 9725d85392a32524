"""``GET /api/v1/search`` — the catalogue search contract (README.md, *HTTP API*)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from samverkan.search.filters import Filters
from samverkan.web.api.schemas import Freshness
from samverkan.web.deps import Core

router = APIRouter(tags=["search"])

Kind = Literal["call", "organisation", "hub", "platform", "working_group", "solution", "need", "project"]


class MatchedTerm(BaseModel):
    word: str = Field(description="A word of the query, as the user wrote it.", examples=["äldreomsorgen"])
    via: list[str] = Field(
        description="The glossary terms it was matched through (empty when it matched as written).",
        examples=[["elderly care", "long-term care"]],
    )


class ProjectRef(BaseModel):
    id: str = Field(description="CORDIS project id.", examples=["633411"])
    title: str = Field(description="Its acronym, or its title.", examples=["ELSA"])


class Reason(BaseModel):
    """One checkable reason; which fields are set depends on ``type``."""

    type: Literal[
        "matched", "meaning", "similar_project", "deadline", "projects", "place", "near", "focus_areas",
        "worked_with", "partners_partners", "call_projects", "call_family", "project_work", "adds_country",
        "adds_role", "coordinated",
    ] = Field(
        description="matched: words in common; meaning: close in meaning (dense similarity); similar_project: "
        "the call funded a similar project; deadline: the call's deadline; projects: number of EU projects; "
        "place: where the record is; near (matches of a need or solution): in its NUTS 2 region or country; "
        "focus_areas (matches of a need or solution): focus areas in common. A suggested partner's reasons: "
        "worked_with: it worked with members of the team; partners_partners: with their partners; "
        "call_projects: projects funded under the call; call_family: projects in the same family of calls; "
        "project_work: its project closest to the need or call; adds_country, adds_role: what it adds to the "
        "team; coordinated: how many EU projects it coordinated.",
        examples=["matched"],
    )  # fmt: skip
    terms: list[MatchedTerm] | None = Field(None, description="matched: the words in common.")
    cosine: float | None = Field(None, description="meaning: cosine similarity of the e5 vectors.", examples=[0.86])
    id: str | None = Field(None, description="similar_project: CORDIS project id.", examples=["823383"])
    title: str | None = Field(None, description="similar_project: its title.", examples=["AI4EMS"])
    similarity: float | None = Field(None, description="similar_project: its similarity to the query.", examples=[0.71])
    date: str | None = Field(None, description="deadline: the day, ISO 8601.", examples=["2026-09-16"])
    count: int | None = Field(
        None,
        description="projects, worked_with, call_projects, call_family, coordinated: how many projects.",
        examples=[3],
    )
    names: list[str] | None = Field(None, description="worked_with: the team members.", examples=[["KTH"]])
    project: ProjectRef | None = Field(
        None, description="worked_with, call_projects, project_work: the project that shows it best."
    )
    signal: Literal["text", "meaning", "funded"] | None = Field(
        None,
        description="project_work: how the project is close: its words, its meaning, or like the call's funded "
        "projects.",
        examples=["text"],
    )
    role: str | None = Field(None, description="adds_role: the CORDIS activity type it adds.", examples=["PRC"])
    sme: bool | None = Field(None, description="adds_role: it is an SME.", examples=[True])
    city: str | None = Field(None, description="place: city.", examples=["Luleå"])
    country: str | None = Field(None, description="place, adds_country: country code.", examples=["SE"])
    region: str | None = Field(None, description="place, near: NUTS 2021 code.", examples=["SE332"])
    region_name: str | None = Field(None, description="place, near: NUTS region name.", examples=["Norrbottens län"])
    scope: Literal["region", "country"] | None = Field(
        None, description="near: the same NUTS 2 region, or the same country.", examples=["region"]
    )
    shared: list[str] | None = Field(
        None, description="focus_areas: the focus areas in common.", examples=[["E-hälsa"]]
    )


class SearchResult(BaseModel):
    model_config = ConfigDict(extra="allow")
    kind: Kind = Field(description="Kind of record.", examples=["organisation"])
    id: str = Field(
        description="Record id: topic code for calls, CORDIS organisationID (PIC) for organisations; a published "
        "need or solution is `p<number>` (`p12`), a catalogued (JRC) solution a number.",
        examples=["999905974"],
    )
    title: str = Field(description="Name or title to show.", examples=["THE WELLCOME TRUST LIMITED"])
    hub_type: Literal["EDIH", "SoE", "DIH"] | None = Field(
        None,
        description="Hubs: European Digital Innovation Hub (EDIH), Seal of Excellence (SoE) or another digital "
        "innovation hub (DIH).",
        examples=["EDIH"],
    )
    score: float = Field(
        description="Relevance score; comparable only within one kind and one query.", examples=[0.0328]
    )
    why: str = Field(description="A short reason a person can check.", examples=["matched: wellcome, trust"])
    reasons: list[Reason] = Field(description="The same reasons, structured (the web pages word them in sv or en).")


class SearchAnswer(BaseModel):
    query: str = Field(description="The query as searched.", examples=["AI i äldreomsorgen"])
    language: str = Field(description="Language the query was read in: sv or en.", examples=["sv"])
    kind: Kind | None = Field(description="The kind asked for; null means every kind, grouped.", examples=["call"])
    status: str = Field(
        description="Call status filter applied (`current`: open now, then opening later).", examples=["current"]
    )
    today: str = Field(description="The day calls' statuses were computed for, ISO 8601.", examples=["2026-12-04"])
    calls_as_of: Freshness | None = Field(
        None, description="When calls are asked for (no kind, or kind=call): how current the calls' data is."
    )
    filters: dict[str, str | bool] = Field(
        description="Filters applied (each narrows only the kinds that carry its attribute).",
        examples=[{"country": "SE", "sme": True}],
    )
    results: list[SearchResult] = Field(description="Best first; without `kind`, grouped by kind.")
    facets: dict[str, dict[str, dict[str, int]]] = Field(
        description="Per kind, counts of each facet value among its best 100 candidates.",
        examples=[{"organisation": {"country": {"SE": 12, "FI": 3}, "activity_type": {"PRC": 9, "HES": 6}}}],
    )


@router.get("/search", response_model=SearchAnswer, response_model_exclude_unset=True, summary="Search the catalogue")
async def search(
    app: Core,
    q: Annotated[str, Query(min_length=1, description="What you need, in Swedish or English.")],
    kind: Annotated[Kind | None, Query(description="Only this kind of record; omit for every kind, grouped.")] = None,
    status: Annotated[
        Literal["current", "open", "forthcoming", "closed", "all"],
        Query(
            description="Calls only: their status today, computed from their dates. `current` (the default): what "
            "one can still apply to, open now first, then opening later; never a passed deadline."
        ),
    ] = "current",
    limit: Annotated[int, Query(ge=1, le=1000, description="Results per kind.")] = 10,
    programme: Annotated[
        str | None,
        Query(max_length=200, description="Calls and projects: programme name.", examples=["Horizon Europe"]),
    ] = None,
    deadline_from: Annotated[dt.date | None, Query(description="Calls: deadline on or after this day.")] = None,
    deadline_to: Annotated[dt.date | None, Query(description="Calls: deadline on or before this day.")] = None,
    country: Annotated[
        str | None,
        Query(min_length=2, max_length=2, description="Organisations, hubs, solutions: country code.", examples=["SE"]),
    ] = None,
    region: Annotated[
        str | None,
        Query(
            min_length=2,
            max_length=5,
            description="Organisations, hubs: NUTS 2021 region of any level; it holds its subregions.",
            examples=["SE23"],
        ),
    ] = None,
    org_type: Annotated[
        Literal["HES", "REC", "PRC", "PUB", "OTH"] | None,
        Query(description="Organisations: activity type (higher education, research, private, public, other)."),
    ] = None,
    sme: Annotated[bool | None, Query(description="Organisations: only SMEs (true) or only non-SMEs (false).")] = None,
    hub_type: Annotated[
        Literal["EDIH", "SoE", "DIH"] | None,
        Query(
            description="Hubs: European Digital Innovation Hub (EDIH), Seal of Excellence (SoE) or another digital "
            "innovation hub (DIH)."
        ),
    ] = None,
) -> Mapping[str, Any]:
    filters = Filters(
        programme=programme,
        country=country,
        region=region,
        org_type=org_type,
        sme=sme,
        hub_type=hub_type,
        deadline_from=deadline_from,
        deadline_to=deadline_to,
    )
    return await run_in_threadpool(app.search, q, kind, status, limit, filters)

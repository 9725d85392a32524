"""``GET /api/v1/partners`` — partner suggestions from project history (README.md, *HTTP API*)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from samverkan.match.partners import PartnerFilters
from samverkan.web.api.schemas import OrganisationProfile
from samverkan.web.api.search import Reason
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
    score: float = Field(
        description="Weighted sum of the signals; comparable within one answer only.", examples=[0.4731]
    )
    why: str = Field(description="Reasons a person can check.",
                     examples=["worked with KTH in 3 projects, e.g. ELSA (633411); adds a country: FI"])  # fmt: skip
    reasons: list[Reason] = Field(
        description="The same reasons, structured (`type` and its values), for programs and for pages that word "
        "them in the reader's language."
    )


class PartnerAnswer(BaseModel):
    call: dict[str, Any] | None = Field(
        description="The call asked about: id, title, number of funded projects.",
        examples=[
            {"id": "LC-SC3-EE-1-2018-2019-2020", "title": "Decarbonisation of the EU building stock", "funded": 8}
        ],
    )
    text: str | None = Field(description="The need text, if given.", examples=["energy renovation of schools"])
    team: list[dict[str, Any]] = Field(
        description="The organisations given in `with` (never suggested).",
        examples=[
            [{"id": "999990946", "name": "KUNGLIGA TEKNISKA HOEGSKOLAN", "country": "SE", "activity_type": "HES"}]
        ],
    )
    filters: dict[str, Any] = Field(description="Filters applied.", examples=[{"country": "FI", "sme": True}])
    results: list[PartnerResult] = Field(description="Suggested organisations, best first.")


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
) -> Mapping[str, Any]:
    filters = PartnerFilters(country=country, region=region, org_type=org_type, sme=sme,
                             coordinated=coordinated, active_since=active_since)  # fmt: skip
    return await run_in_threadpool(app.partners, call, text, with_ or [], limit, filters)


class ConsortiumMember(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str = Field(description="CORDIS organisationID (PIC) or name hash.", examples=["999980373"])
    name: str = Field(description="Legal name.", examples=["CHALMERS TEKNISKA HOEGSKOLA AB"])
    country: str | None = Field(description="ISO 3166-1 alpha-2 country code.", examples=["SE"])
    activity_type: str | None = Field(description="HES, REC, PRC, PUB or OTH.", examples=["HES"])
    sme: bool | None = Field(description="Declared SME in CORDIS.", examples=[False])
    role: Literal["lead", "locked", "proposed"] = Field(description="Who put it in the team.", examples=["proposed"])
    score: float | None = Field(
        description="Builder score when proposed; null for the lead and locked members.", examples=[1.2345]
    )
    why: str = Field(
        description="Reasons a person can check.",
        examples=["worked with CHALMERS in 3 projects, e.g. LOWUP (723930); adds a country: ES"],
    )
    fills: list[str] = Field(
        description="The gaps it closes (eligibility, roles, SME, themes), or what it adds.",
        examples=[["eligibility: country 2 of 3 (ES)", "an SME, as the call expects industry"]],
    )
    on_topic: dict[str, Any] = Field(
        description="How well its past work fits the call's subject: `similarity` (centred e5 cosine of its closest "
        "project to the call's title), `label` (close, related, distant or unknown), `near_projects`, `project`.",
        examples=[{"similarity": 0.38, "label": "close", "text": "close to the subject", "near_projects": 2,
                   "project": {"id": "643588", "title": "DECI"}}],
    )  # fmt: skip


class ConsortiumCheck(BaseModel):
    kind: Literal["eligibility", "balance", "themes", "on topic", "by hand"] = Field(
        description="`eligibility`: the call's rule; `balance`: roles and SME; `themes`: the call's subjects; "
        "`on topic`: every member has past work near the call's subject; "
        "`by hand`: conditions samverkan cannot check (ok is null).",
        examples=["eligibility"],
    )
    check: str = Field(
        description="What is checked.", examples=["at least 3 different member states or associated countries"]
    )
    ok: bool | None = Field(
        description="Whether the team passes; null when it must be checked by hand.", examples=[True]
    )
    detail: str | None = Field(description="The evidence.", examples=["DE, ES, SE"])
    code: str = Field(
        description="What is checked, as a stable code: `min_entities`, `min_countries`, `min_member_states`, "
        "`restricted_countries`, `further_condition`, `role`, `sme`, `themes_covered`, `members_on_topic`, "
        "`independent` (`check` and `detail` are its English wording).",
        examples=["min_countries"],
    )
    params: dict[str, Any] = Field(
        description="What the wording needs: numbers, country codes, names and the call's own words; for `role`, "
        "`need`, `types` and `why`, the reason the call needs the role as a code (`research_action`, "
        "`innovation_action`, `industry_words` with `count`, `public_words` with `words`).",
        examples=[{"num": 3, "countries": ["DE", "ES", "SE"]}],
    )


class ConsortiumAnswer(BaseModel):
    call: dict[str, Any] = Field(
        description="The call: id, title, programme, type of action, status, deadline.",
        examples=[{"id": "HORIZON-CL5-2026-09-D3-03", "programme": "Horizon Europe", "type_of_action": "IA",
                   "status": "open", "deadline": "2026-09-16"}],
    )  # fmt: skip
    rule: dict[str, Any] = Field(
        description="The consortium rule applied (as `eligibility` of /calls/{id}), its source, and conditions quoted "
        "from the call.",
        examples=[{"kind": "consortium", "min_entities": 3, "min_countries": 3, "min_member_states": 1}],
    )
    needs: dict[str, Any] = Field(
        description="Roles, SME and themes the call asks for.",
        examples=[{"roles": {"research": ["HES", "REC"]}, "sme": True, "themes": ["wind energy"]}],
    )
    size: int = Field(description="Number of members aimed at.", examples=[8])
    eligible: bool = Field(
        description="Whether every eligibility check passes (the call's rule only, not the fit).", examples=[True]
    )
    on_topic: bool | None = Field(
        description="Whether every member has past work near the call's subject; null when not measured.",
        examples=[True],
    )
    members: list[ConsortiumMember] = Field(description="The team: the lead, locked members, then proposed ones.")
    dropped: list[str] = Field(description="Organisations the user dropped (never proposed).", examples=[["999980373"]])
    checks: list[ConsortiumCheck] = Field(description="What the team was checked against, and the outcome.")
    notes: list[str] = Field(
        description="How the size was chosen, and anything to watch.",
        examples=[["size 8: the median of past IA projects"]],
    )


@router.get("/consortium", response_model=ConsortiumAnswer, summary="Propose a complete, eligible team for a call")
async def consortium(
    app: Core,
    call: Annotated[
        str, Query(max_length=100, description="Topic id of the call.", examples=["HORIZON-CL5-2026-09-D3-03"])
    ],
    lead: Annotated[str, Query(max_length=100, description="The lead organisation.", examples=["999990946"])],
    lock: Annotated[
        list[str] | None, Query(max_length=20, description="Organisations that must stay in the team.")
    ] = None,
    drop: Annotated[list[str] | None, Query(max_length=100, description="Organisations never to propose.")] = None,
    size: Annotated[
        int | None, Query(ge=1, le=20, description="Members wanted (default: the typical size for the type of action).")
    ] = None,
) -> Mapping[str, Any]:
    return await run_in_threadpool(app.consortium, call, lead, lock or [], drop or [], size)


@router.get(
    "/organisations/{organisation_id}/profile",
    response_model=OrganisationProfile,
    summary="An organisation's profile from its project history",
    description="Projects with its role, activity and partners per year, most frequent partners, countries "
    "worked with, types of action, and fields (Horizon 2020 programme parts, euroSciVoc where CORDIS gives it). "
    "A duplicate record's id (name hash) answers with the merged profile.",
)
async def organisation_profile(
    app: Core,
    organisation_id: Annotated[str, Path(max_length=100, description="Organisation id.", examples=["999990946"])],
) -> dict[str, Any]:
    return await run_in_threadpool(app.profile, organisation_id)

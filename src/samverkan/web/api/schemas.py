"""Response models of the detail endpoints that need no other endpoint's models, so that the
OpenAPI document explains every field with a description and an example (tests/web/test_openapi.py
keeps it so)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

NUTS = Field(description="NUTS 2021 code.", examples=["SE232"])


class Eligibility(BaseModel):
    kind: str = Field(
        description="consortium, open (one entity is enough), single (one applicant) or unknown.",
        examples=["consortium"],
    )
    text: str = Field(
        description="The rule in words.",
        examples=["at least three independent legal entities, each established in a different member state …"],
    )
    source: str = Field(description="Where the rule comes from.", examples=["Horizon Europe General Annex B (IA)"])
    min_entities: int = Field(description="Fewest independent legal entities.", examples=[3])
    min_countries: int = Field(description="Fewest different eligible countries.", examples=[3])
    min_member_states: int = Field(description="Fewest entities in EU member states.", examples=[1])
    restriction: str | None = Field(
        description="The call's own words when it limits who may take part.",
        examples=["participation is limited to legal entities established in Member States, Norway and Iceland"],
    )
    other_conditions: list[str] = Field(
        description="Further conditions quoted from the call, to check by hand.",
        examples=[["additional eligibility criteria apply: the consortium must include an end user"]],
    )


class FundedProject(BaseModel):
    id: str = Field(description="CORDIS project id.", examples=["870245"])
    acronym: str | None = Field(description="Project acronym.", examples=["GEOCEP"])
    title: str = Field(description="Project title.", examples=["Geodesy and cosmic events"])
    start_date: str | None = Field(description="Start day, ISO 8601.", examples=["2020-01-01"])
    programme: str | None = Field(description="Framework programme.", examples=["Horizon 2020"])


class RegionRef(BaseModel):
    id: str = NUTS
    name: str = Field(description="Region name.", examples=["Västra Götalands län"])
    level: int = Field(description="NUTS level, 0–3.", examples=[3])


class Named(BaseModel):
    code: str = Field(description="Official code (länskod or kommunkod).", examples=["14"])
    name: str = Field(description="Name.", examples=["Västra Götalands län"])


class Placed(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str = Field(description="Record id.", examples=["999990946"])
    title: str = Field(description="Name.", examples=["CHALMERS TEKNISKA HOEGSKOLA AB"])
    country: str | None = Field(description="Country code.", examples=["SE"])
    city: str | None = Field(None, description="City.", examples=["Goteborg"])
    region: str | None = Field(None, description="NUTS code it was placed in.", examples=["SE232"])
    hub_type: str | None = Field(
        None, description="Hubs: EDIH, SoE (Seal of Excellence) or DIH (another hub).", examples=["EDIH"]
    )


class YearParticipation(BaseModel):
    year: int = Field(description="Start year of the projects.", examples=[2018])
    participations: int = Field(description="Participations of the region's organisations.", examples=[42])
    coordinated: int = Field(description="Of which as coordinator.", examples=[6])


class RegionDetail(BaseModel):
    id: str = NUTS
    name: str = Field(description="Region name.", examples=["Västsverige"])
    level: int = Field(description="NUTS level, 0–3.", examples=[2])
    country: str = Field(description="Country code.", examples=["SE"])
    parents: list[RegionRef] = Field(description="The regions it lies in, nearest first.")
    children: list[RegionRef] = Field(description="Its subregions one level down.")
    county: Named | None = Field(description="The Swedish län it is, if it is one.")
    municipalities: list[Named] = Field(description="A län's municipalities (kommuner).")
    organisation_count: int = Field(
        description="Organisations with EU projects in the region (a country: every organisation of the country, "
        "placed in a region or not; duplicates not counted).",
        examples=[130],
    )
    organisations: list[Placed] = Field(description="The 20 with most projects.")
    hubs: list[Placed] = Field(
        description="Innovation hubs in the region, each once, EDIHs first (a country also holds its hubs that "
        "could not be placed in a region)."
    )
    hubs_per_type: dict[str, int] = Field(
        description="Those hubs per type: EDIH (European Digital Innovation Hub), SoE (Seal of Excellence), DIH.",
        examples=[{"EDIH": 4, "SoE": 4, "DIH": 20}],
    )
    participations: int = Field(
        description="Participations in EU projects of those organisations (one organisation in one project, dated "
        "or not): for a country, the number /statistics gives.",
        examples=[1067],
    )
    undated: int = Field(
        description="Of them, in projects without a start date (not in `participation`).", examples=[118]
    )
    participation: list[YearParticipation] = Field(description="Participation per start year.")


COUNTS = {"SE": 18, "FI": 20}


class Statistics(BaseModel):
    hubs_per_country: dict[str, int] = Field(
        description="Hubs per ISO country code (GB, GR), most first, each hub once, placed in a region or not: "
        "the hubs of the country's /regions page.",
        examples=[COUNTS],
    )
    hubs_per_region: dict[str, int] = Field(
        description="Hubs per NUTS 2 code (UK…, EL…), those placed in a region only.", examples=[{"SE23": 3}]
    )
    hubs_not_in_a_region: int = Field(
        description="Hubs a country counts but no NUTS 2 region holds (their address placed them no closer).",
        examples=[590],
    )
    hubs_per_type: dict[str, int] = Field(
        description="Hubs per type: EDIH (European Digital Innovation Hub), SoE (Seal of Excellence), DIH (other).",
        examples=[{"EDIH": 168, "SoE": 83, "DIH": 730}],
    )
    hubs_per_country_and_type: dict[str, dict[str, int]] = Field(
        description="Per country code (most hubs first): hubs per type.",
        examples=[{"SE": {"EDIH": 4, "SoE": 4, "DIH": 20}}],
    )
    participation_per_country: dict[str, int] = Field(
        description="Participations in EU projects (one organisation in one project) per ISO country code, most "
        "first: the participations of the country's /regions page.",
        examples=[{"DE": 4727}],
    )
    participation_per_region: dict[str, int] = Field(
        description="Participations in EU projects per NUTS 2 code, of organisations placed in a region only.",
        examples=[{"SE23": 310}],
    )
    participation_not_in_a_region: int = Field(
        description="Participations a country counts but no NUTS 2 region holds.", examples=[12941]
    )


class ProfileProject(BaseModel):
    id: str = Field(description="CORDIS project id.", examples=["813367"])
    acronym: str | None = Field(description="Acronym.", examples=["POLKA"])
    title: str | None = Field(description="Title.", examples=["POLlution Know-how and Abatement"])
    year: int | None = Field(description="Start year.", examples=[2019])
    role: str = Field(description="coordinator or partner.", examples=["partner"])
    type_of_action: str | None = Field(description="Funding scheme.", examples=["MSCA-ITN-ETN"])
    calls: list[str] = Field(description="Topics that funded it.", examples=[["MSCA-ITN-2018"]])
    partners: int = Field(description="Other organisations in the project.", examples=[9])


class ProfileYear(BaseModel):
    year: int = Field(description="Start year.", examples=[2016])
    projects: int = Field(description="Projects started.", examples=[19])
    coordinated: int = Field(description="Of which coordinated.", examples=[4])
    partners: int = Field(description="Distinct partners in them.", examples=[145])
    new_partners: int = Field(description="Partners not met in earlier years.", examples=[97])


class ProfilePartner(BaseModel):
    id: str = Field(description="Organisation id.", examples=["999992401"])
    name: str = Field(
        description="Legal name.", examples=["COMMISSARIAT A L ENERGIE ATOMIQUE ET AUX ENERGIES ALTERNATIVES"]
    )
    country: str | None = Field(description="Country code.", examples=["FR"])
    activity_type: str | None = Field(description="HES, REC, PRC, PUB or OTH.", examples=["REC"])
    shared_projects: int = Field(description="Projects together.", examples=[9])
    last_year: int | None = Field(description="Start year of the latest shared project.", examples=[2016])


class ProfileCountry(BaseModel):
    country: str | None = Field(description="Country code (null: unknown).", examples=["DE"])
    partners: int = Field(description="Partners from there.", examples=[108])
    projects: int = Field(description="Projects with a partner from there.", examples=[53])


class ProfileField(BaseModel):
    source: str = Field(description="programme (Horizon 2020 programme part) or euroscivoc.", examples=["programme"])
    code: str = Field(description="Code of the field.", examples=["H2020-EU.2.1.1."])
    title: str | None = Field(description="Its name.", examples=["Information and Communication Technologies"])
    projects: int = Field(description="Projects in the field.", examples=[16])


class OrganisationProfile(BaseModel):
    id: str = Field(description="Organisation id (the merged record's).", examples=["999990946"])
    aliases: list[str] = Field(description="Ids of duplicate records merged into it.", examples=[["a1b2c3"]])
    name: str = Field(description="Legal name.", examples=["KUNGLIGA TEKNISKA HOEGSKOLAN"])
    short_name: str | None = Field(description="Short name.", examples=["KTH"])
    country: str | None = Field(description="Country code.", examples=["SE"])
    region: str | None = Field(description="NUTS region it was placed in.", examples=["SE110"])
    city: str | None = Field(description="City.", examples=["Stockholm"])
    activity_type: str | None = Field(description="HES, REC, PRC, PUB or OTH.", examples=["HES"])
    sme: bool | None = Field(description="Declared SME.", examples=[False])
    url: str | None = Field(description="Website.", examples=["http://www.kth.se"])
    projects: list[ProfileProject] = Field(description="Its projects, newest first.")
    roles: dict[str, int] = Field(description="Projects per role.", examples=[{"coordinator": 15, "partner": 69}])
    years: list[ProfileYear] = Field(description="Activity per start year.")
    partners: list[ProfilePartner] = Field(description="The 20 most frequent partners.")
    partner_count: int = Field(description="Distinct partners in all.", examples=[663])
    countries: list[ProfileCountry] = Field(description="Countries worked with, most partners first.")
    fields: list[ProfileField] = Field(description="Fields of its projects.")
    types_of_action: dict[str, int] = Field(description="Projects per funding scheme.", examples=[{"RIA": 28}])


class Problem(BaseModel):
    """What every error of the API answers, except a 422 (which lists each invalid parameter)."""

    detail: str = Field(
        description="What was wrong, naming the parameter or field.",
        examples=["body.datastream: 9223372036854775808 is outside the 64-bit whole numbers"],
    )
    code: str | None = Field(
        default=None,
        description="What went wrong, for programs: a short, stable word (`not_found`, `unauthorized`, "
        "`too_long` …) to decide by; `detail` is prose for people and may be reworded.",
        examples=["out_of_bounds"],
    )


# the answers any operation of the API may give besides its own (documented for clients and
# checked by the schemathesis run in tests/web/test_schemathesis.py)
ERRORS: dict[int | str, dict[str, object]] = {
    status: {"model": Problem, "description": text}
    for status, text in (
        (400, "Malformed input (a query without words, JSON nested too deep, a value out of range …)."),
        (401, "No token, or one that is unknown, revoked or expired (where one is needed)."),
        (403, "The token's scope is too small, or the data is someone else's."),
        (404, "Nothing by that id (or nothing visible to you)."),
        (408, "The body did not arrive within the request's time budget."),
        (413, "The body is larger than the server accepts."),
        (415, "A body that is not application/json."),
        (429, "Too many requests: see Retry-After."),
        (503, "The request ran out of its time budget: see Retry-After."),
    )
}


class Freshness(BaseModel):
    as_of: str | None = Field(
        description="The newest day the calls' data was true (their sources' snapshot), ISO 8601; null if unknown.",
        examples=["2026-08-22"],
    )
    days_old: int | None = Field(description="Its age today, in days.", examples=[104])
    stale: bool = Field(
        description="Older than 30 days (or of unknown date): check a call on the portal before relying on it, "
        "or run `samverkan sync calls`.",
        examples=[True],
    )


class SourceInfo(BaseModel):
    name: str = Field(description="The source (importer) name.", examples=["calls"])
    method: str | None = Field(description="How it came last: import or sync.", examples=["sync"])
    location: str | None = Field(description="The file, folder or address read last.", examples=["calls"])
    finished_at: str | None = Field(
        description="When its last import or sync finished.", examples=["2026-12-04T06:00:00+00:00"]
    )
    data_as_of: str | None = Field(
        description="The newest day its data was true (not the import time); null if the data does not say.",
        examples=["2026-08-22"],
    )
    days_old: int | None = Field(description="Age of the data today, in days.", examples=[104])
    holds: dict[str, int] = Field(description="Records per table that came from it.", examples=[{"calls": 1186}])
    counts: dict[str, Any] = Field(
        description="What its last run read and changed (the import report).",
        examples=[{"source": "calls", "counts": {"calls": {"read": 1186, "inserted": 0, "updated": 3}}}],
    )


class Sources(BaseModel):
    today: str = Field(description="The day ages are computed for.", examples=["2026-12-04"])
    calls_as_of: Freshness = Field(description="How current the calls are.")
    sources: list[SourceInfo] = Field(description="Each source of the catalogue.")

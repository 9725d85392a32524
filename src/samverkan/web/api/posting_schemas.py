"""Request and response models of needs and solutions (``web/api/postings.py``): every field
described, with an example, for the OpenAPI document.

The request models check the shape of a body (JSON types; no field beyond these: a 422 names an
unknown one); lengths, vocabularies, links and places are checked once by the library
(:mod:`samverkan.postings.fields`), which answers a 422 of the same form naming the field.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from samverkan.postings.fields import LINKS, MATURITY, TEXT_CHARS, TITLE_CHARS
from samverkan.web.api.search import SearchResult

FIELDS: dict[str, tuple[Any, Any]] = {
    "title": (
        str | None,
        Field(
            None,
            description=f"Title, at most {TITLE_CHARS} characters (required to create).",
            examples=["AI och sensordata i äldreomsorgen"],
        ),
    ),
    "text": (
        str | None,
        Field(
            None,
            description=f"The story: the problem or goal, or what the solution does; at most "
            f"{TEXT_CHARS:,} characters; required to publish.",
            examples=["Vi söker partner och finansiering för att pröva fallsensorer i hemtjänsten."],
        ),
    ),
    "status": (
        str | None,
        Field(
            None,
            description="draft (seen by your organisation only), published, or withdrawn (final). A new "
            "posting is a draft unless published; a published one never returns to draft.",
            examples=["published"],
        ),
    ),
    "language": (
        str | None,
        Field(None, description="Language of title and text; detected when not given.", examples=["sv"]),
    ),
    "region": (
        str | None,
        Field(
            None,
            description="NUTS 2021 code of where it is (any level); it must exist in the catalogue.",
            examples=["SE232"],
        ),
    ),
    "municipality": (
        str | None,
        Field(
            None,
            description="Swedish municipality code (kommunkod); gives the region when none is given.",
            examples=["1480"],
        ),
    ),
    "focus_areas": (
        list[str] | None,
        Field(
            None,
            description="Up to 10 focus areas (free words, e.g. a strategy's areas).",
            examples=[["E-hälsa", "Offentlig sektors digitala transformation"]],
        ),
    ),
    "technologies": (
        list[str] | None,
        Field(None, description="Up to 20 technologies.", examples=[["IoT", "AI"]]),
    ),
    "maturity": (
        str | None,
        Field(
            None,
            description=f"One of {', '.join(MATURITY)}: an idea, tried in a pilot, in daily use, or in use in "
            "several places.",
            examples=["pilot"],
        ),
    ),
    "links": (
        list[str] | None,
        Field(None, description=f"Up to {LINKS} http(s) links.", examples=[["https://www.vgregion.se/"]]),
    ),
    "contact": (
        str | None,
        Field(
            None,
            description="A contact shown publicly (only when you give one).",
            examples=["Anna Andersson, digitalisering@example.se"],
        ),
    ),
}
LICENCE = (
    str | None,
    Field(None, description="Solutions: licence (SPDX id or name).", examples=["EUPL-1.2"]),
)
ORGANISATION = (
    str | None,
    Field(
        None, description="Slug of the publishing organisation; needed only when you edit several.", examples=["vgr"]
    ),
)
FORBID = ConfigDict(extra="forbid")

NeedIn = create_model("NeedIn", __config__=FORBID, **FIELDS, organisation=ORGANISATION)  # type: ignore[call-overload]
NeedPatch = create_model("NeedPatch", __config__=FORBID, **FIELDS)  # type: ignore[call-overload]
SolutionIn = create_model(  # type: ignore[call-overload]
    "SolutionIn", __config__=FORBID, **FIELDS, licence=LICENCE, organisation=ORGANISATION
)
SolutionPatch = create_model("SolutionPatch", __config__=FORBID, **FIELDS, licence=LICENCE)  # type: ignore[call-overload]


class Organisation(BaseModel):
    slug: str = Field(description="The organisation's slug (its data-space tenant).", examples=["vgr"])
    name: str = Field(description="Its name.", examples=["Västra Götalandsregionen"])


class PostingSummary(BaseModel):
    id: str = Field(description="Id: p<number>.", examples=["p12"])
    kind: Literal["need", "solution"] = Field(description="need or solution.", examples=["need"])
    status: Literal["draft", "published", "withdrawn"] = Field(description="Its status.", examples=["published"])
    title: str = Field(description="Title.", examples=["AI och sensordata i äldreomsorgen"])
    language: str = Field(description="sv or en.", examples=["sv"])
    organisation: Organisation = Field(description="Who published it.")
    region: str | None = Field(description="NUTS 2021 code.", examples=["SE232"])
    region_name: str | None = Field(description="Its name.", examples=["Västra Götalands län"])
    focus_areas: list[str] = Field(description="Focus areas.", examples=[["E-hälsa"]])
    technologies: list[str] = Field(description="Technologies.", examples=[["IoT"]])
    maturity: str | None = Field(description="idea, pilot, in_use or scaled.", examples=["pilot"])
    version: int = Field(description="Its version: 1 when created, one more per saved change.", examples=[3])
    updated_at: str = Field(description="Last change, UTC.", examples=["2026-12-04T10:00:00+00:00"])
    published_at: str | None = Field(description="When first published.", examples=["2026-12-04T10:00:00+00:00"])
    url: str = Field(description="Its page.", examples=["/needs/p12"])
    editable: bool = Field(description="Whether you may change it (an editor of its organisation).", examples=[False])
    yours: bool = Field(description="Whether it is your organisation's.", examples=[False])


class Posting(PostingSummary):
    text: str = Field(description="The story.", examples=["Vi söker partner …"])
    municipality: str | None = Field(description="Swedish municipality code.", examples=["1480"])
    municipality_name: str | None = Field(description="Its name.", examples=["Göteborgs kommun"])
    links: list[str] = Field(description="Links.", examples=[["https://www.vgregion.se/"]])
    contact: str | None = Field(description="Public contact, when the owner gave one.", examples=[None])
    created_at: str = Field(description="When created, UTC.", examples=["2026-12-01T09:00:00+00:00"])
    withdrawn_at: str | None = Field(description="When withdrawn.", examples=[None])
    licence: str | None = Field(None, description="Solutions: licence.", examples=["EUPL-1.2"])


class PostingList(BaseModel):
    kind: Literal["need", "solution"] = Field(description="need or solution.", examples=["need"])
    total: int = Field(description="How many match, in all.", examples=[42])
    limit: int = Field(description="Page size.", examples=[20])
    offset: int = Field(description="Skipped.", examples=[0])
    results: list[PostingSummary] = Field(description="Last changed first.")


class Version(BaseModel):
    version: int = Field(description="Version number.", examples=[2])
    at: str = Field(description="When saved, UTC.", examples=["2026-12-04T10:00:00+00:00"])
    by_user: int | None = Field(description="Who saved it (a person's id; null for a token).", examples=[7])
    changed: list[str] = Field(description="Fields changed since the version before.", examples=[["text"]])
    fields: dict[str, Any] = Field(description="The fields as saved.", examples=[{"title": "…", "status": "draft"}])


class History(BaseModel):
    id: str = Field(description="The posting.", examples=["p12"])
    kind: str = Field(description="need or solution.", examples=["need"])
    title: str = Field(description="Its title now.", examples=["AI och sensordata i äldreomsorgen"])
    versions: list[Version] = Field(description="Newest first.")


class NeedMatches(BaseModel):
    calls: list[SearchResult] = Field(description="Calls open or opening today, open ones first.")
    partners: list[SearchResult] = Field(description="Organisations from the project history (kind organisation).")
    hubs: list[SearchResult] = Field(description="Innovation hubs, those of its region first.")
    platforms: list[SearchResult] = Field(description="EU platforms and working groups.")
    solutions: list[SearchResult] = Field(description="Published solutions of others and catalogued (JRC) ones.")
    needs: list[SearchResult] = Field(description="Similar needs of other organisations.")


class SolutionMatches(BaseModel):
    needs: list[SearchResult] = Field(description="Needs of other organisations it could answer.")
    solutions: list[SearchResult] = Field(description="Similar solutions.")
    hubs: list[SearchResult] = Field(description="Innovation hubs, those of its region first.")
    calls: list[SearchResult] = Field(description="Calls open or opening today (to pilot or scale it).")


class InterestIn(BaseModel):
    model_config = FORBID
    message: str | None = Field(
        None,
        description="A message to the owner, at most 2,000 characters.",
        examples=["Vi har samma behov och vill gärna samarbeta."],
    )
    organisation: str | None = Field(
        None, description="Your organisation's slug, when you belong to several.", examples=["boras"]
    )


class Interest(BaseModel):
    id: int = Field(description="Interest id.", examples=[5])
    posting: str = Field(description="The posting.", examples=["p12"])
    organisation: Organisation = Field(description="The interested organisation.")
    message: str | None = Field(description="Its message.", examples=["Vi vill gärna samarbeta."])
    created_at: str = Field(description="When, UTC.", examples=["2026-12-04T10:00:00+00:00"])
    created: bool = Field(description="Whether this request recorded it (false: it was already).", examples=[True])


class Person(BaseModel):
    name: str = Field(description="Name.", examples=["Anna Andersson"])
    email: str = Field(description="E-mail address.", examples=["anna@example.se"])


class InterestSeen(Interest):
    person: Person | None = Field(description="Who sent it (null when sent with a token).")


class BoardItem(BaseModel):
    id: str = Field(description="The posting.", examples=["p12"])
    kind: str = Field(description="need or solution.", examples=["need"])
    title: str = Field(description="Title.", examples=["AI och sensordata i äldreomsorgen"])
    organisation: Organisation = Field(description="Who published it.")
    region: str | None = Field(description="NUTS code.", examples=["SE232"])
    focus_areas: list[str] = Field(description="Focus areas.", examples=[["E-hälsa"]])
    url: str = Field(description="Its page.", examples=["/needs/p12"])


class BoardGroup(BaseModel):
    model_config = ConfigDict(extra="allow")
    focus_area: str | None = Field(None, description="The focus area (null: none given).", examples=["E-hälsa"])
    region: str | None = Field(None, description="The NUTS 2 region (null: none given).", examples=["SE23"])
    region_name: str | None = Field(None, description="Its name.", examples=["Västsverige"])
    needs: int = Field(description="Published needs.", examples=[4])
    solutions: int = Field(description="Published solutions.", examples=[2])
    need_list: list[BoardItem] = Field(description="The needs (at most 25), newest first.")
    solution_list: list[BoardItem] = Field(description="The solutions (at most 25), newest first.")


class Totals(BaseModel):
    needs: int = Field(description="Published needs.", examples=[10])
    solutions: int = Field(description="Published solutions.", examples=[6])


class Board(BaseModel):
    region: str | None = Field(description="The region asked for.", examples=["SE23"])
    region_name: str | None = Field(description="Its name.", examples=["Västsverige"])
    focus_area: str | None = Field(description="The focus area asked for.", examples=[None])
    totals: Totals = Field(description="Published needs and solutions in all.")
    focus_areas: list[BoardGroup] = Field(description="Per focus area, most postings first.")
    regions: list[BoardGroup] = Field(description="Per NUTS 2 region, most postings first.")


class Problem(BaseModel):
    loc: list[str | int] = Field(description="Where: body or query, then the field.", examples=[["body", "title"]])
    msg: str = Field(description="What is wrong.", examples=["title: 240 characters; at most 200 are accepted"])
    type: str = Field(description="value_error.", examples=["value_error"])


class Invalid(BaseModel):
    detail: list[Problem] = Field(description="The invalid fields.")

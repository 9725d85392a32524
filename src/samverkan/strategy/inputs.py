"""What may be written to a strategy, validated once at the door (the API's bodies and the
pages' forms read the same models).

Invariants of every accepted input: texts are storable (no NUL, no half surrogate) and bounded
(a line ≤ 300 characters, prose ≤ 10,000); a line is one line (no line break or other control
character); slugs are lower-case words joined by hyphens; a NUTS
code has the NUTS shape; statuses are one of :data:`STATUSES`; a period does not end before it
starts; an amount is ≥ 0 with at most two decimals and carries a three-letter currency; a
document link is http(s). What depends on the database (a focus area of this strategy, a
published need, a known organisation) is checked by the service, which names the field too.
A patch changes only the fields it gives (``None`` clears an optional field).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator

from samverkan.errors import SamverkanError

STATUSES = ("planned", "ongoing", "completed", "paused")
Status = Literal["planned", "ongoing", "completed", "paused"]
NUTS = re.compile(r"^[A-Z]{2}[0-9A-Z]{0,3}$")
MAX_LINE = 300
MAX_PROSE = 10_000
MAX_AMOUNT = Decimal("10") ** 13
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_BREAKS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class FieldError(SamverkanError):
    """A field whose value cannot be used here (HTTP 400, ``{"detail": "field: reason", "code":
    "invalid_field"}``; a body the models refuse is FastAPI's 422); ``field`` names it."""

    status = 400
    code = "invalid_field"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def _storable(value: str) -> str:
    bad = _UNSTORABLE.search(value)
    if bad is not None:
        raise ValueError(f"holds an unstorable character at position {bad.start() + 1}")
    return value


def _one_line(value: str) -> str:
    """A line holds no line break nor other control character (a newsletter's title, and the
    strategy's name in it, become an e-mail's subject, where a line break would start a header)."""
    bad = _BREAKS.search(value)
    if bad is not None:
        raise ValueError(f"holds a line break or control character at position {bad.start() + 1}; write one line")
    return value


def _nuts(value: str) -> str:
    code = value.strip().upper()
    if not NUTS.match(code):
        raise ValueError(f"{value!r} is not a NUTS code (e.g. SE232)")
    return code


def _currency(value: str) -> str:
    code = value.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise ValueError(f"{value!r} is not a three-letter currency code (e.g. SEK)")
    return code


def _link(value: str) -> str:
    if not re.match(r"^https?://[^\s<>\"]+$", value.strip()):
        raise ValueError("give an http:// or https:// address")
    return value.strip()


Line = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_LINE),
    AfterValidator(_storable),
    AfterValidator(_one_line),
]
Prose = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_PROSE), AfterValidator(_storable)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")]
RESERVED = {"new"}  # /strategies/new is the page that defines one


def _free(value: str) -> str:
    if value in RESERVED:
        raise ValueError(f"{value!r} is reserved; choose another slug")
    return value


StrategySlug = Annotated[Slug, AfterValidator(_free)]
Nuts = Annotated[str, StringConstraints(max_length=10), AfterValidator(_nuts)]
Currency = Annotated[str, StringConstraints(max_length=3), AfterValidator(_currency)]
Link = Annotated[str, StringConstraints(max_length=2000), AfterValidator(_link)]
Amount = Annotated[Decimal, Field(ge=0, lt=MAX_AMOUNT, decimal_places=2, allow_inf_nan=False)]
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def given(self) -> dict[str, Any]:
        """The fields the request gave (for a patch)."""
        return self.model_dump(exclude_unset=True)


def _ends_after_start(value: dt.date | None, info: ValidationInfo) -> dt.date | None:
    starts = info.data.get("starts")
    if value is not None and starts is not None and value < starts:
        raise ValueError(f"{value} is before starts {starts}")
    return value


def _currency_with(amount: str) -> Any:
    def check(value: str | None, info: ValidationInfo) -> str | None:
        if value is None and info.data.get(amount) is not None:
            raise ValueError(f"required with {amount} (e.g. SEK)")
        return value

    return check


class StrategyIn(Input):
    slug: StrategySlug = Field(
        description="Address of the board: lower-case words joined by hyphens.", examples=["vgr-digital"]
    )
    name: Line = Field(description="Name of the strategy.", examples=["Västsvensk kraftsamling digitalisering"])
    organisation: Slug | None = Field(
        default=None,
        description="Slug of the owning organisation (needed when you are admin of several).",
        examples=["vgr"],
    )
    region: Nuts | None = Field(default=None, description="NUTS 2021 code of the region.", examples=["SE232"])
    language: Literal["sv", "en"] = Field(
        default="sv", description="Language of its texts and newsletter.", examples=["sv"]
    )
    description: Prose = Field(default="", description="What the strategy is; opens each newsletter.", examples=["…"])
    newsletter_title: Line | None = Field(
        default=None,
        description="Title of a newsletter number, with {name} and {number}; default by language.",
        examples=["Uppdatering från {name} nr {number}"],
    )
    source: Prose | None = Field(default=None, description="Where its facts come from.", examples=[None])


class StrategyPatch(Input):
    name: Line | None = Field(
        default=None, description="Name of the strategy.", examples=["Kraftsamling digitalisering"]
    )
    region: Nuts | None = Field(default=None, description="NUTS 2021 code of the region.", examples=["SE232"])
    language: Literal["sv", "en"] | None = Field(default=None, description="Language.", examples=["sv"])
    description: Prose | None = Field(default=None, description="What the strategy is.", examples=["…"])
    newsletter_title: Line | None = Field(
        default=None, description="Title with {name} and {number}.", examples=["Uppdatering från {name} nr {number}"]
    )
    source: Prose | None = Field(default=None, description="Where its facts come from.", examples=[None])


class FocusAreaIn(Input):
    name: Line = Field(description="Name of the focus area.", examples=["Säker och hållbar digital infrastruktur"])
    description: Prose = Field(
        default="", description="What it focuses on.", examples=["Fokus på öppna och delade data."]
    )
    parent_id: Id | None = Field(default=None, description="The focus area this is a sub-area of.", examples=[None])
    position: int | None = Field(default=None, ge=0, le=10_000, description="Order (default: last).", examples=[1])
    source: Prose | None = Field(default=None, description="Where its text comes from.", examples=[None])


class FocusAreaPatch(Input):
    name: Line | None = Field(default=None, description="Name.", examples=["Digital kompetens och lärande"])
    description: Prose | None = Field(default=None, description="What it focuses on.", examples=["…"])
    position: int | None = Field(default=None, ge=0, le=10_000, description="Order.", examples=[2])
    source: Prose | None = Field(default=None, description="Where its text comes from.", examples=[None])


class InitiativeIn(Input):
    title: Line = Field(description="Name of the initiative.", examples=["Industry in West"])
    description: Prose = Field(default="", description="What it does.", examples=["Stöttar små och medelstora …"])
    focus_area_id: Id | None = Field(default=None, description="Its focus area or sub-area.", examples=[3])
    owner: Slug | None = Field(
        default=None, description="Slug of the owning organisation, if it is one here.", examples=[None]
    )
    owner_name: Line | None = Field(
        default=None, description="The owner as stated, otherwise.", examples=["IDC och fyra IUC-bolag"]
    )
    status: Status = Field(
        default="planned", description="planned, ongoing, completed or paused.", examples=["ongoing"]
    )
    starts: dt.date | None = Field(default=None, description="First day.", examples=["2023-10-01"])
    ends: dt.date | None = Field(default=None, description="Last day.", examples=["2026-09-30"])
    budget: Amount | None = Field(default=None, description="Budget.", examples=[34600000])
    currency: Currency | None = Field(
        default=None, validate_default=True, description="Currency of the budget (ISO 4217).", examples=["SEK"]
    )
    need_id: Id | None = Field(
        default=None, description="A published need describing it, for matching.", examples=[None]
    )
    source: Prose | None = Field(default=None, description="Where its facts come from.", examples=[None])

    _ends = field_validator("ends")(_ends_after_start)
    _currency = field_validator("currency")(_currency_with("budget"))


class InitiativePatch(Input):
    title: Line | None = Field(default=None, description="Name.", examples=["Industry in West"])
    description: Prose | None = Field(default=None, description="What it does.", examples=["…"])
    focus_area_id: Id | None = Field(default=None, description="Its focus area or sub-area.", examples=[3])
    owner: Slug | None = Field(default=None, description="Slug of the owning organisation.", examples=[None])
    owner_name: Line | None = Field(default=None, description="The owner as stated.", examples=["Innovatum"])
    status: Status | None = Field(
        default=None, description="planned, ongoing, completed or paused.", examples=["paused"]
    )
    starts: dt.date | None = Field(default=None, description="First day.", examples=["2023-10-01"])
    ends: dt.date | None = Field(default=None, description="Last day.", examples=["2026-09-30"])
    budget: Amount | None = Field(default=None, description="Budget.", examples=[4900000])
    currency: Currency | None = Field(default=None, description="Currency of the budget.", examples=["SEK"])
    need_id: Id | None = Field(default=None, description="A published need describing it.", examples=[None])
    source: Prose | None = Field(default=None, description="Where its facts come from.", examples=[None])

    _ends = field_validator("ends")(_ends_after_start)


class UpdateIn(Input):
    text: Annotated[Prose, StringConstraints(min_length=1)] = Field(
        description="What happened.", examples=["Förstudien är i slutskedet; webbinarier planeras."]
    )
    on: dt.date | None = Field(default=None, description="Day of the update (default: today).", examples=["2026-08-01"])
    status: Status | None = Field(
        default=None, description="The initiative's status from then on (default: unchanged).", examples=["ongoing"]
    )
    source: Prose | None = Field(default=None, description="Where it comes from.", examples=[None])


class DecisionIn(Input):
    body: Line = Field(description="Who decided.", examples=["Miljö- och regionutvecklingsnämnden"])
    on: dt.date = Field(description="Day of the decision.", examples=["2026-06-12"])
    title: Line = Field(description="What it is about.", examples=["Industry in West"])
    text: Prose = Field(default="", description="The decision in words.", examples=["34,6 miljoner kr till IDC …"])
    amount: Amount | None = Field(default=None, description="Amount decided.", examples=[34600000])
    currency: Currency | None = Field(
        default=None, validate_default=True, description="Currency of the amount.", examples=["SEK"]
    )
    initiative_id: Id | None = Field(default=None, description="The initiative it concerns.", examples=[7])
    focus_area_id: Id | None = Field(default=None, description="The focus area it concerns.", examples=[None])
    document: Line | None = Field(default=None, description="The document's reference.", examples=["3369318.PDF"])
    document_url: Link | None = Field(default=None, description="Link to the document.", examples=[None])
    source: Prose | None = Field(default=None, description="Where it comes from.", examples=[None])

    _currency = field_validator("currency")(_currency_with("amount"))


class DecisionPatch(Input):
    body: Line | None = Field(default=None, description="Who decided.", examples=["Kulturnämnden"])
    on: dt.date | None = Field(default=None, description="Day of the decision.", examples=["2026-06-12"])
    title: Line | None = Field(default=None, description="What it is about.", examples=["Digidelcenter"])
    text: Prose | None = Field(default=None, description="The decision in words.", examples=["…"])
    amount: Amount | None = Field(default=None, description="Amount decided.", examples=[300000])
    currency: Currency | None = Field(default=None, description="Currency of the amount.", examples=["SEK"])
    initiative_id: Id | None = Field(default=None, description="The initiative it concerns.", examples=[7])
    focus_area_id: Id | None = Field(default=None, description="The focus area it concerns.", examples=[None])
    document: Line | None = Field(default=None, description="The document's reference.", examples=["3366022.PDF"])
    document_url: Link | None = Field(default=None, description="Link to the document.", examples=[None])
    source: Prose | None = Field(default=None, description="Where it comes from.", examples=[None])


class SectionEdit(Input):
    key: Literal["status", "decisions", "calls", "postings", "notes"] = Field(
        description="Which section.", examples=["decisions"]
    )
    heading: Line | None = Field(default=None, description="Its heading (none: the default).", examples=[None])
    text: Prose | None = Field(default=None, description="A text shown before its items.", examples=["Nya beslut:"])


class NewsletterEdit(Input):
    title: Line | None = Field(default=None, description="Title of the number.", examples=["Uppdatering … nr 9"])
    intro: Prose | None = Field(default=None, description="The opening text.", examples=["Det här mejlet är …"])
    closing: Prose | None = Field(default=None, description="The closing text.", examples=["Hör av er!"])
    sections: list[SectionEdit] = Field(default_factory=list, max_length=10, description="Texts of sections.")
    remove: list[Annotated[str, StringConstraints(max_length=200)]] = Field(
        default_factory=list, max_length=1000, description="Ids of the items to remove.", examples=[["call:3:X-1"]]
    )


class DraftIn(Input):
    regenerate: bool = Field(
        default=False, description="Write the open draft again from the board (its edits are lost).", examples=[False]
    )

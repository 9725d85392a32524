"""Lists to browse the catalogue: rows narrowed by chosen facet values, counted per option, paged.

A :class:`Listing` says, for one list page, which facets it has (a query parameter and the row
field it reads: one value, or a list of values) and which columns its CSV and JSON carry. The
selection (:func:`select`) is pure:

- a chosen value must be one of the facet's options over *all* the list's rows (else a
  :class:`ParameterError` naming the parameter: HTTP 400); country codes are read as ISO
  (``UK`` → ``GB``, ``EL`` → ``GR``) and case does not matter;
- rows pass when they hold every chosen value (facets combine with AND);
- a facet's option counts are taken over the rows that pass every *other* chosen facet, so
  the count beside an option is exactly the number of rows that choosing it gives — with no
  choice in a facet, its counts are those of the rows listed;
- ``page`` (1 …) and ``per_page`` (1 … :data:`MAX_PER_PAGE`) cut the rows shown, and the CSV
  and JSON of a page hold that page's rows.

The rows themselves are built by the ``*_rows`` functions below from what the catalogue,
search and the published postings hold (:meth:`samverkan.core.Samverkan.listing_rows`).
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from samverkan.catalogue.countries import NON_ISO_CODES
from samverkan.catalogue.hubs import TYPES
from samverkan.errors import SamverkanError

PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 10_000
MAX_VALUE_CHARS = 200
DIGITS = re.compile(r"[0-9]{1,9}")
COUNTRY_ALIASES = NON_ISO_CODES  # CORDIS and NUTS codes → ISO 3166-1 (UK → GB, EL → GR)
CALL_STATUSES = ("open", "forthcoming")  # what a call list shows: open now, opening soon
PLATFORM_STATUSES = ("active", "proposed", "ended")
SOLUTION_SOURCES = ("catalogue", "published")  # the JRC's public-sector cases; organisations' postings
MATURITIES = ("idea", "pilot", "in_use", "scaled")

Row = dict[str, Any]


class ParameterError(SamverkanError):
    """A list's query parameter that cannot be used (unknown value, page out of range); ``field``
    names the parameter."""

    status = 400
    code = "parameter"

    def __init__(self, message: str, field: str, value: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.value = value


@dataclass(frozen=True)
class Facet:
    """A filter of a list and its option counts: query parameter ``name`` reads row ``field``
    (a value or a list); ``prefix`` keeps the first characters of a value (NUTS 2 of a NUTS 3
    code); ``label`` is a row field naming the value; ``order`` fixes the options' order."""

    name: str
    field: str
    prefix: int | None = None
    label: str | None = None
    order: tuple[str, ...] = ()
    aliases: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def values(self, row: Row) -> list[str]:
        held = row.get(self.field)
        items = held if isinstance(held, list | tuple) else [held]
        out = [str(v) for v in items if v is not None and v != ""]
        if self.prefix:  # a value too short to have the prefix (a hub placed in its country only) has none
            out = [v[: self.prefix] for v in out if len(v) >= self.prefix]
        return list(dict.fromkeys(out))


@dataclass(frozen=True)
class Listing:
    kind: str
    facets: tuple[Facet, ...]
    columns: tuple[str, ...]


@dataclass
class Option:
    value: str
    count: int
    label: str | None = None
    chosen: bool = False


@dataclass
class Selection:
    """One page of a list: its rows, how many pass the filters, and each facet's options."""

    kind: str
    total: int
    page: int
    per_page: int
    rows: list[Row]
    chosen: dict[str, str]
    facets: dict[str, list[Option]]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def as_json(self, columns: Sequence[str]) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "filters": self.chosen,
            "facets": {name: {o.value: o.count for o in options} for name, options in self.facets.items()},
            "results": [{c: row.get(c) for c in columns} for row in self.rows],
        }


def _country(code: str) -> str:
    return COUNTRY_ALIASES.get(code, code)


HUBS = Listing(
    "hub",
    (
        Facet("hub_type", "hub_type", order=TYPES),
        Facet("country", "country", aliases=COUNTRY_ALIASES),
        Facet("region", "region", prefix=4, label="nuts2_name"),
        Facet("service", "services"),
        Facet("technology", "technologies"),
    ),
    ("id", "name", "hub_type", "country", "region", "region_name", "city", "services", "technologies", "url"),
)
PLATFORMS = Listing(
    "platform",
    (Facet("status", "status", order=PLATFORM_STATUSES), Facet("audience", "audience"), Facet("topic", "topics")),
    (
        "id",
        "name",
        "status",
        "operator",
        "audience",
        "topics",
        "purpose_en",
        "purpose_sv",
        "how_to_join_en",
        "how_to_join_sv",
        "working_groups",
        "url",
    ),
)
WORKING_GROUPS = Listing(
    "working_group",
    (Facet("platform", "platform_id", label="platform"), Facet("topic", "topics")),
    (
        "id",
        "name",
        "platform_id",
        "platform",
        "topics",
        "description_en",
        "description_sv",
        "how_to_join_en",
        "how_to_join_sv",
        "url",
    ),
)
SOLUTIONS = Listing(
    "solution",
    (
        Facet("source", "source", order=SOLUTION_SOURCES),
        Facet("country", "countries", aliases=COUNTRY_ALIASES),
        Facet("sector", "sector"),
        Facet("technology", "technologies"),
    ),
    ("id", "name", "source", "organisation", "countries", "sector", "technologies", "url"),
)
CALLS = Listing(
    "call",
    (Facet("status", "status", order=CALL_STATUSES), Facet("programme", "programme")),
    ("id", "title", "programme", "status", "opening", "deadline", "days_left", "opens_in", "budget_max", "url"),
)
NEEDS = Listing(
    "need",
    (
        Facet("country", "country", aliases=COUNTRY_ALIASES),
        Facet("region", "region", prefix=4, label="nuts2_name"),
        Facet("focus_area", "focus_areas"),
        Facet("technology", "technologies"),
        Facet("maturity", "maturity", order=MATURITIES),
    ),
    ("id", "title", "organisation", "country", "region", "focus_areas", "technologies", "maturity", "published_at"),
)
LISTINGS = {listing.kind: listing for listing in (HUBS, PLATFORMS, WORKING_GROUPS, SOLUTIONS, CALLS, NEEDS)}


# --------------------------------------------------------------------------- the request


def paging(params: Mapping[str, str]) -> tuple[int, int]:
    """``page`` and ``per_page`` of a request, validated (:class:`ParameterError` naming the one
    that is not a number in its range)."""
    out = []
    for name, default, top in (("page", 1, MAX_PAGE), ("per_page", PER_PAGE, MAX_PER_PAGE)):
        text = (params.get(name) or "").strip()
        if not text:
            out.append(default)
            continue
        if not DIGITS.fullmatch(text) or not 1 <= int(text) <= top:  # str.isdigit takes "²"
            raise ParameterError(f"{name} must be a whole number from 1 to {top}", name, text[:MAX_VALUE_CHARS])
        out.append(int(text))
    return out[0], out[1]


def choices(listing: Listing, params: Mapping[str, str]) -> dict[str, str]:
    """The facet values a request chose (an empty value chooses nothing); other parameters are
    not the list's business (``lang``, ``format``, paging)."""
    out = {}
    for facet in listing.facets:
        value = (params.get(facet.name) or "").strip()
        if len(value) > MAX_VALUE_CHARS:
            raise ParameterError(f"{facet.name} is longer than {MAX_VALUE_CHARS} characters", facet.name)
        if value:
            out[facet.name] = value
    return out


# --------------------------------------------------------------------------- the selection


def select(
    listing: Listing, rows: Sequence[Row], chosen: Mapping[str, str], page: int = 1, per_page: int = PER_PAGE
) -> Selection:
    """The rows that hold every chosen value, the page asked for, and each facet's options
    counted over the rows that pass the other facets (see the module)."""
    facets = {f.name: f for f in listing.facets}
    held = [{f.name: set(f.values(row)) for f in listing.facets} for row in rows]
    wanted = {}
    for name, value in chosen.items():
        facet = facets.get(name)
        if facet is None:
            raise ParameterError(f"{name} is not a filter of this list", name, value)
        wanted[name] = _known(facet, value, (h[name] for h in held))
    passing = [i for i, h in enumerate(held) if all(v in h[n] for n, v in wanted.items())]
    options = {}
    for facet in listing.facets:
        others = {n: v for n, v in wanted.items() if n != facet.name}
        counts: Counter[str] = Counter()
        for h in held:
            if all(v in h[n] for n, v in others.items()):
                counts.update(h[facet.name])
        options[facet.name] = _options(facet, counts, wanted.get(facet.name), rows)
    start = (page - 1) * per_page
    shown = [rows[i] for i in passing[start : start + per_page]]
    return Selection(listing.kind, len(passing), page, per_page, shown, wanted, options)


def _known(facet: Facet, value: str, held: Iterable[set[str]]) -> str:
    """``value`` as the rows spell it, if some row holds it (case aside, aliases read)."""
    value = facet.aliases.get(value.upper(), value)
    spelt = {v.casefold(): v for values in held for v in values} | {v.casefold(): v for v in facet.order}
    known = spelt.get(value.casefold())
    if known is None:
        raise ParameterError(f"{facet.name} {value!r} is not one of this list's values", facet.name, value)
    return known


def _options(facet: Facet, counts: Counter[str], chosen: str | None, rows: Sequence[Row]) -> list[Option]:
    """A facet's options with their counts: those with rows, and the chosen one; in the facet's
    fixed order, else most rows first."""
    values = [v for v in counts if counts[v]]
    if chosen is not None and chosen not in values:
        values.append(chosen)
    if facet.order:
        values.sort(key=lambda v: (facet.order.index(v) if v in facet.order else len(facet.order), v))
    else:
        values.sort(key=lambda v: (-counts[v], v.casefold()))
    labels = _labels(facet, rows) if facet.label else {}
    return [Option(v, counts[v], labels.get(v), v == chosen) for v in values]


def _labels(facet: Facet, rows: Sequence[Row]) -> dict[str, str]:
    out: dict[str, str] = {}
    for row in rows:
        name = row.get(facet.label or "")
        for value in facet.values(row):
            if name and value not in out:
                out[value] = name
    return out


def table(listing: Listing, rows: Iterable[Row]) -> list[list[Any]]:
    """Rows as CSV cells in the listing's columns: a list joined by "; ", nothing for no value."""
    out = []
    for row in rows:
        cells = []
        for column in listing.columns:
            value = row.get(column)
            if isinstance(value, list | tuple):
                value = "; ".join(map(str, value))
            cells.append("" if value is None else value)
        out.append(cells)
    return out


# --------------------------------------------------------------------------- the rows


def _by_name(rows: list[Row], key: str = "name") -> list[Row]:
    return sorted(rows, key=lambda r: ((r.get(key) or "").casefold(), r["id"]))


def hub_rows(records: Iterable[Row], shown: Iterable[Row], region_names: Mapping[str, str]) -> list[Row]:
    """Each hub once: search's record (placed in its NUTS region) with what the hub offers
    (:func:`samverkan.catalogue.hubs.shown_hubs`), by name."""
    offers = {h["id"]: h for h in shown}
    rows = []
    for r in records:
        hub = offers.get(r["id"], {})
        region = r.get("region")
        rows.append(
            {
                "id": r["id"],
                "name": r["title"],
                "hub_type": r.get("hub_type"),
                "country": _country(r["country"]) if r.get("country") else None,
                "region": region,
                "region_name": r.get("region_name"),
                "nuts2_name": region_names.get(region[:4]) if region else None,
                "city": r.get("city"),
                "services": sorted(set(hub.get("services") or [])),
                "technologies": sorted(set(hub.get("technologies") or [])),
                "url": r.get("url"),
            }
        )
    return _by_name(rows)


def platform_rows(platforms: Iterable[Any], groups: Iterable[Any]) -> list[Row]:
    """Platforms (:class:`~samverkan.db.models.Platform`) with what they are, who they are for
    and how to join, and how many working groups they have."""
    count = Counter(g.platform_id for g in groups)
    rows = [
        {
            "id": p.id,
            "name": p.name,
            "status": p.status,
            "operator": p.operator,
            "audience": list(p.audience or []),
            "topics": list(p.topics or []),
            "purpose_en": p.purpose_en,
            "purpose_sv": p.purpose_sv,
            "how_to_join_en": p.how_to_join_en,
            "how_to_join_sv": p.how_to_join_sv,
            "working_groups": count[p.id],
            "url": p.url,
        }
        for p in platforms
    ]
    return _by_name(rows)


def working_group_rows(platforms: Iterable[Any], groups: Iterable[Any]) -> list[Row]:
    """Working groups with their platform, and how to join it (a group is joined through its
    platform)."""
    of = {p.id: p for p in platforms}
    rows = []
    for g in groups:
        platform = of.get(g.platform_id)
        rows.append(
            {
                "id": g.id,
                "name": g.name,
                "platform_id": g.platform_id,
                "platform": platform.name if platform else None,
                "topics": list(g.topics or []),
                "description_en": g.description_en,
                "description_sv": g.description_sv,
                "how_to_join_en": platform.how_to_join_en if platform else None,
                "how_to_join_sv": platform.how_to_join_sv if platform else None,
                "url": g.url,
            }
        )
    return _by_name(rows)


def case_rows(catalogued: Iterable[Any]) -> list[Row]:
    """The catalogue's public-sector cases (:class:`~samverkan.db.models.Solution`) as solution rows."""
    return [
        {
            "id": s.id,
            "name": s.name,
            "source": "catalogue",
            "organisation": s.lead_organisation,
            "countries": sorted({_country(c) for c in s.countries or []}),
            "sector": s.primary_sector,
            "technologies": [s.technology] if s.technology else [],
            "url": s.url,
        }
        for s in catalogued
    ]


def solution_rows(cases: Iterable[Row], published: Iterable[Row]) -> list[Row]:
    """Reusable solutions: the catalogue's cases (:func:`case_rows`) and the solutions
    organisations published (records of :func:`samverkan.search.documents.posting_documents`,
    published only), by name."""
    rows = list(cases)
    rows += [
        {
            "id": p["id"],
            "name": p["title"],
            "source": "published",
            "language": p.get("language"),  # of its title (pages mark it: WCAG 3.1.2)
            "organisation": p.get("organisation"),
            "countries": list(p.get("countries") or []),
            "sector": None,
            "technologies": list(p.get("technologies") or []),
            "url": None,
        }
        for p in published
    ]
    return _by_name(rows)


def need_rows(published: Iterable[Row], region_names: Mapping[str, str]) -> list[Row]:
    """Published needs (records of :func:`samverkan.search.documents.posting_documents`), the
    last published first."""
    rows = [
        {
            "id": p["id"],
            "title": p["title"],
            "language": p.get("language"),  # of its title (pages mark it: WCAG 3.1.2)
            "organisation": p.get("organisation"),
            "country": p.get("country"),
            "region": p.get("region"),
            "nuts2_name": region_names.get(p["region"][:4]) if p.get("region") else None,
            "focus_areas": list(p.get("focus_areas") or []),
            "technologies": list(p.get("technologies") or []),
            "maturity": p.get("maturity"),
            "summary": p.get("summary"),
            "published_at": p.get("published_at"),
        }
        for p in published
    ]
    return sorted(rows, key=lambda r: (r["published_at"] or "", r["id"]), reverse=True)


def call_rows(calls: Iterable[Row]) -> list[Row]:
    """Calls as they are on a day (:func:`samverkan.catalogue.calls.on_day`) that one can still
    apply to: open ones by the nearest deadline, then those opening soon by their opening."""
    rows = [c for c in calls if c.get("status") in CALL_STATUSES]

    def order(c: Row) -> tuple[Any, ...]:
        if c["status"] == "open":
            return (0, c.get("days_left") if c.get("days_left") is not None else 10**6, c["id"])
        return (1, c.get("opens_in") if c.get("opens_in") is not None else 10**6, c["id"])

    return sorted(rows, key=order)

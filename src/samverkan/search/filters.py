"""Search filters and facets.

A filter narrows the kinds of record that carry the attribute and leaves the others alone:
``country=SE`` keeps Swedish organisations, hubs and solutions and does not hide calls, which
have no country. Facets count the values of those attributes among a kind's best candidates,
so a user can see how to narrow a search before doing it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

from samverkan.catalogue.countries import is_iso_code, iso_from_code
from samverkan.catalogue.hubs import TYPES
from samverkan.catalogue.places import in_region
from samverkan.errors import SamverkanError

ORG_TYPES = ("HES", "REC", "PRC", "PUB", "OTH")
HUB_TYPES = {t.casefold(): t for t in TYPES}  # EDIH, SoE, DIH, in any case
NUTS_CODE = re.compile(r"[A-Z]{2}[0-9A-Z]{0,3}")

# kind → attributes it can be filtered on (and counted in facets)
APPLIES = {
    "call": ("programme", "deadline"),
    "project": ("programme",),
    "organisation": ("country", "region", "org_type", "sme"),
    "hub": ("country", "region", "hub_type"),
    "solution": ("country",),
    "need": ("country", "region"),
    "platform": (),
}
FACETS = {  # "region" counts NUTS 2 regions
    "call": ("programme", "status"),
    "project": ("programme",),
    "organisation": ("country", "region", "activity_type", "sme"),
    "hub": ("hub_type", "country", "region"),
    "solution": ("countries",),
    "need": ("region", "focus_areas"),
    "platform": (),
}


class FilterError(SamverkanError):
    """A filter value that cannot be used (unknown organisation type, reversed dates …);
    ``field`` names the parameter (HTTP 422, with ``field`` as the ``loc`` of the error)."""

    status = 422
    code = "filter"

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Filters:
    programme: str | None = None  # e.g. "Horizon Europe" (case-insensitive)
    country: str | None = None  # ISO 3166-1 alpha-2; CORDIS "EL"/"UK" are read as GR/GB
    region: str | None = None  # NUTS 2021 code of any level; holds its subregions
    org_type: str | None = None  # HES, REC, PRC, PUB or OTH
    sme: bool | None = None
    hub_type: str | None = None  # EDIH, SoE (Seal of Excellence) or DIH (case-insensitive)
    deadline_from: dt.date | None = None
    deadline_to: dt.date | None = None

    def __post_init__(self) -> None:
        if self.country is not None:
            iso = iso_from_code(self.country)
            if not is_iso_code(iso):
                raise FilterError(f"country {self.country!r} is not a two-letter country code", "country")
            object.__setattr__(self, "country", iso)
        if self.region is not None:
            code = self.region.strip().upper()
            if not NUTS_CODE.fullmatch(code):
                raise FilterError(f"region {self.region!r} is not a NUTS code (e.g. SE, SE2, SE23, SE232)", "region")
            object.__setattr__(self, "region", code)
        if self.org_type is not None:
            value = self.org_type.strip().upper()
            if value not in ORG_TYPES:
                raise FilterError(
                    f"organisation type {self.org_type!r} is unknown; use one of {', '.join(ORG_TYPES)}", "org_type"
                )
            object.__setattr__(self, "org_type", value)
        if self.hub_type is not None:
            hub_type = HUB_TYPES.get(self.hub_type.strip().casefold())
            if hub_type is None:
                raise FilterError(f"hub type {self.hub_type!r} is unknown; use one of {', '.join(TYPES)}", "hub_type")
            object.__setattr__(self, "hub_type", hub_type)
        if self.deadline_from and self.deadline_to and self.deadline_from > self.deadline_to:
            raise FilterError(
                f"deadline_from {self.deadline_from} is after deadline_to {self.deadline_to}", "deadline_from"
            )

    def active(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}

    def for_kind(self, kind: str) -> bool:
        """Whether any active filter applies to ``kind``."""
        attributes = APPLIES.get(kind, ())
        active = self.active()
        return any(_attribute(name) in attributes for name in active)

    def allows(self, kind: str, record: dict[str, Any]) -> bool:
        attributes = APPLIES.get(kind, ())
        if "programme" in attributes and self.programme is not None:
            if (record.get("programme") or "").casefold() != self.programme.strip().casefold():
                return False
        if "deadline" in attributes and (self.deadline_from or self.deadline_to):
            deadline = record.get("deadline")
            if deadline is None:
                return False
            day = dt.date.fromisoformat(deadline[:10])
            if (self.deadline_from and day < self.deadline_from) or (self.deadline_to and day > self.deadline_to):
                return False
        if "country" in attributes and self.country is not None:
            countries = record.get("countries") or [record.get("country")]
            if self.country not in countries:
                return False
        if "region" in attributes and self.region is not None and not self._in_region(record):
            return False
        if "org_type" in attributes and self.org_type is not None and record.get("activity_type") != self.org_type:
            return False
        if "sme" in attributes and self.sme is not None and record.get("sme") is not self.sme:
            return False
        if "hub_type" in attributes and self.hub_type is not None and record.get("hub_type") != self.hub_type:
            return False
        return True

    def _in_region(self, record: dict[str, Any]) -> bool:
        """Placed in the region or one of its subregions; a country-level region (``SE``) also
        holds the records of that country that could not be placed more precisely."""
        assert self.region is not None
        if in_region(record.get("region"), self.region):
            return True
        return len(self.region) == 2 and record.get("country") == iso_from_code(self.region)

    def allowed(self, kind: str, records: list[dict[str, Any]]) -> set[int] | None:
        """Positions of the records that pass, or ``None`` when no filter applies to ``kind``."""
        if not self.for_kind(kind):
            return None
        return {i for i, record in enumerate(records) if self.allows(kind, record)}


def _attribute(name: str) -> str:
    return "deadline" if name.startswith("deadline") else name


def facets(kind: str, records: Iterable[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Counts of each facet value among ``records`` (most frequent first)."""
    counters: dict[str, Counter[str]] = {name: Counter() for name in FACETS.get(kind, ())}
    for record in records:
        for name, counter in counters.items():
            value = record.get(name)
            if name == "region" and value:
                value = value[:4]
            values = value if isinstance(value, list) else [value]
            for v in values:
                if v is not None:
                    counter[str(v).lower() if isinstance(v, bool) else str(v)] += 1
    return {name: dict(counter.most_common(20)) for name, counter in counters.items() if counter}

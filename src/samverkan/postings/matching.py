"""Matching both ways, with reasons: what a need could use, and what a solution could answer.

A posting's text (title, focus areas, technologies, text) is the query; every list is an
ordinary search of the catalogue or of the live postings index, so its results carry the
search's own reasons (matched words with their translations, closeness in meaning, the call's
deadline and funded projects, a hub's place), and this module adds the reasons that come from
the posting itself:

- ``near``: in the same NUTS 2 region as the posting, or the same country;
- ``focus_areas``: focus areas in common (needs and solutions).

Per list:

- ``calls``: search kind ``call`` with status ``current``: only calls open today or opening
  later, open ones first (so the first results are ones to apply to now);
- ``partners``: the partner finder for the text (project history, words, meaning); when the
  posting has a region, up to ``NEARBY_PARTNERS`` more from its NUTS 2 region are added after;
- ``hubs``: up to ``NEARBY_HUBS`` hubs of the posting's NUTS 2 region first, then of its country,
  then the best anywhere (a hub serves its region);
- ``platforms``: platforms and working groups, fused by score;
- ``solutions``, ``needs``: published postings of *other* organisations (and, for solutions, the
  catalogued JRC cases), re-ranked by a small bonus for shared focus areas and the same region,
  and kept only with evidence: a shared focus area, ``MIN_WORDS`` matched words, or a cosine of
  at least ``MEANING_FLOOR`` (e5 cosines are compressed: related ≈ 0.87–0.9, unrelated ≈ 0.75–0.84;
  among a handful of postings the nearest is not necessarily near).

Cost: one embedding of the text (search keeps the last query vectors), one search per kind, one
or two partner rankings; the service caches the answer per posting version, catalogue revision,
postings state and day.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from samverkan.catalogue.calls import CURRENT
from samverkan.errors import QueryError
from samverkan.match.partners import PartnerFilters
from samverkan.search import reasons
from samverkan.search.filters import FilterError, Filters
from samverkan.search.hybrid import POSTING_COSINE

if TYPE_CHECKING:
    from samverkan.core import Samverkan

NEARBY_PARTNERS = 2
NEARBY_HUBS = 3
COUNTRY_HUBS = 2
MEANING_FLOOR = POSTING_COSINE
MIN_WORDS = 2
FOCUS_BONUS = 0.15  # per shared focus area, at most two
REGION_BONUS = 0.10
COUNTRY_BONUS = 0.05
NEED_LISTS = ("calls", "partners", "hubs", "platforms", "solutions", "needs")
SOLUTION_LISTS = ("needs", "solutions", "hubs", "calls")


@dataclass(frozen=True)
class Origin:
    """What is matched: a posting (or a catalogued case), as matching needs it."""

    kind: str  # need or solution
    id: str  # p12, or a JRC case's id
    query: str
    organisation: str | None = None  # the owner's slug: its own postings are left out
    region: str | None = None
    focus_areas: tuple[str, ...] = ()


def query_text(title: str, text: str, focus_areas: list[str], technologies: list[str], limit: int) -> str:
    """A posting as a search query: title first (the call finder weighs repeated words)."""
    parts = [title, ", ".join(focus_areas), ", ".join(technologies), text]
    return "\n".join(p for p in parts if p)[:limit]


class Matcher:
    """Matches postings against the catalogue and each other (see the module)."""

    def __init__(self, app: Samverkan) -> None:
        self.app = app

    def matches(self, origin: Origin, limit: int) -> dict[str, list[dict[str, Any]]]:
        """Each list of the origin's kind (``NEED_LISTS`` or ``SOLUTION_LISTS``), best first."""
        self.names = self.app.searcher.places().names  # NUTS code → name, for the reasons
        lists = NEED_LISTS if origin.kind == "need" else SOLUTION_LISTS
        makers: dict[str, Callable[[], list[dict[str, Any]]]] = {
            "calls": lambda: self._search(origin.query, "call", limit),
            "partners": lambda: self._partners(origin, limit),
            "hubs": lambda: self._hubs(origin, limit),
            "platforms": lambda: self._platforms(origin, limit),
            "solutions": lambda: self._postings("solution", origin, limit),
            "needs": lambda: self._postings("need", origin, limit),
        }
        return {name: makers[name]() for name in lists}

    # --- the lists ----------------------------------------------------------------------------

    def _search(self, query: str, kind: str, limit: int, filters: Filters | None = None) -> list[dict[str, Any]]:
        """A search's results; none when the text cannot be searched (no words, a language
        samverkan does not read) or the filter names a region the catalogue does not place."""
        try:
            return self.app.search(query, kind=kind, status=CURRENT, limit=limit, filters=filters)["results"]
        except (QueryError, FilterError):
            return []

    def _partners(self, origin: Origin, limit: int) -> list[dict[str, Any]]:
        try:
            found = [self._partner(r, origin) for r in self.app.partners(text=origin.query, limit=limit)["results"]]
            if origin.region and len(origin.region) >= 4:
                nearby = PartnerFilters(region=origin.region[:4])
                shown = {r["id"] for r in found}
                extra = self.app.partners(text=origin.query, limit=NEARBY_PARTNERS + limit, filters=nearby)["results"]
                found += [self._partner(r, origin) for r in extra if r["id"] not in shown][:NEARBY_PARTNERS]
        except (QueryError, FilterError):
            return []
        return found

    def _hubs(self, origin: Origin, limit: int) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        steps: list[tuple[Filters | None, int]] = [(None, limit)]
        if origin.region:
            steps.insert(0, (Filters(region=origin.region[:2]), COUNTRY_HUBS + NEARBY_HUBS))
            if len(origin.region) >= 4:
                steps.insert(0, (Filters(region=origin.region[:4]), NEARBY_HUBS))
        for filters, most in steps:
            shown = {r["id"] for r in found}
            fresh = [r for r in self._search(origin.query, "hub", limit, filters) if r["id"] not in shown]
            found += [self._placed(r, origin) for r in fresh[: max(0, min(most, limit - len(found)))]]
        return found

    def _platforms(self, origin: Origin, limit: int) -> list[dict[str, Any]]:
        both = self._search(origin.query, "platform", limit) + self._search(origin.query, "working_group", limit)
        return sorted(both, key=lambda r: (-r["score"], r["kind"], r["id"]))[:limit]

    def _postings(self, kind: str, origin: Origin, limit: int) -> list[dict[str, Any]]:
        """Postings of other organisations (and catalogued cases), with evidence, re-ranked."""
        wide = min(self.app.settings.search_max_limit, 4 * limit + 5)
        kept = []
        for r in self._search(origin.query, kind, wide):
            if r["id"] == origin.id or (origin.organisation and r.get("organisation_slug") == origin.organisation):
                continue
            shared = _shared(origin.focus_areas, r.get("focus_areas") or [])
            if not shared and not _evidence(r["reasons"]):
                continue
            added = []
            if shared:
                added.append(reasons.focus_areas(shared))
            where = self._near(origin, r.get("region"))
            if where is not None:
                added.append(where)
            bonus = FOCUS_BONUS * min(len(shared), 2)
            if where is not None:
                bonus += REGION_BONUS if where["scope"] == "region" else COUNTRY_BONUS
            found = [*r["reasons"], *added]
            kept.append(r | {"score": round(r["score"] * (1 + bonus), 4), "reasons": found, "why": reasons.why(found)})
        kept.sort(key=lambda r: (-r["score"], r["id"]))
        return kept[:limit]

    def _near(self, origin: Origin, region: str | None) -> dict[str, Any] | None:
        """The ``near`` reason when ``region`` is in the origin's NUTS 2 region or country."""
        if not origin.region or not region:
            return None
        if len(origin.region) >= 4 and region[:4] == origin.region[:4]:
            return reasons.near(origin.region[:4], self.names.get(origin.region[:4]), "region")
        if region[:2] == origin.region[:2]:
            return reasons.near(origin.region[:2], self.names.get(origin.region[:2]), "country")
        return None

    def _placed(self, result: dict[str, Any], origin: Origin) -> dict[str, Any]:
        where = self._near(origin, result.get("region"))
        if where is None:
            return result
        found = [*result["reasons"], where]
        return result | {"reasons": found, "why": reasons.why(found)}

    def _partner(self, result: dict[str, Any], origin: Origin) -> dict[str, Any]:
        """A partner finder's organisation as a search result (``kind``, ``id``, ``title`` …)."""
        where = self._near(origin, result.get("region"))
        found = [*result.get("reasons", []), *([where] if where is not None else [])]
        return {"kind": "organisation", **result, "title": result["name"], "why": reasons.why(found), "reasons": found}


# --- reasons ------------------------------------------------------------------------------------


def _evidence(found: list[dict[str, Any]]) -> bool:
    for reason in found:
        if reason["type"] == "matched" and len(reason["terms"]) >= MIN_WORDS:
            return True
        if reason["type"] == "meaning" and reason["cosine"] >= MEANING_FLOOR:
            return True
    return False


def _shared(mine: tuple[str, ...], theirs: list[str]) -> list[str]:
    folded = {f.casefold() for f in theirs}
    return [f for f in mine if f.casefold() in folded]

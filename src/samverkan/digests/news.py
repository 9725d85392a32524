"""What is new for a follow since its last digest: each item once, with its reason.

A follow watches *candidates*: the best :data:`DEPTH` results of its search per kind (for a
followed posting: its matches). Among them, an item is new when:

* **a call opened**: open today and not open on the day of the last digest (``call:ID:opened``);
* **a call comes soon**: forthcoming today, opening within :data:`SOON_DAYS` days, and not so on
  the day of the last digest (``call:ID:soon``); both by the search service's call statuses,
  computed from the calls' dates for each day;
* **a need or solution was published**: a posting published after ``since`` and published still
  (``need:ID:published``); a withdrawn posting is never a candidate;
* **a partner (or hub, platform, working group, project, catalogued solution) came newly among
  the results**: not among them when the follow was made (those are recorded as known,
  :func:`samverkan.digests.follows.remember_known`) and never reported (``organisation:ID:new``).

The ledger (``digest_items``) holds every item a follow reported; an item in it is never
reported again, whatever the dates say. Each item carries ``why``, the search's own reason.

Postings are found through the search service's kinds ``need`` and ``solution`` when it has
them (:data:`samverkan.search.KINDS`); until then, published postings are read from the
``postings`` table and matched on the words of the search (the search's analyzer, both
languages), with the words in common as their reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from samverkan.accounts.actor import Actor
from samverkan.catalogue.calls import Timing
from samverkan.catalogue.countries import iso_from_code
from samverkan.catalogue.places import in_region
from samverkan.db.community import Follow, Posting
from samverkan.digests.follows import POSTING_KINDS, FollowedSearch, aware
from samverkan.search import KINDS, reasons
from samverkan.search.analysis import UnsupportedLanguage
from samverkan.search.documents import posting_key
from samverkan.search.filters import Filters

if TYPE_CHECKING:
    from samverkan.core import Samverkan

DEPTH = 20  # the best results per kind a follow watches
SOON_DAYS = 30  # a forthcoming call opening within this many days "comes soon"
EVERY_KIND = ("call", "organisation", "need", "solution")  # what a search of every kind watches
NEWLY_AMONG = ("organisation", "hub", "platform", "working_group", "project", "solution")
POSTING_TEXT = 4000  # characters of a followed posting searched for its matches
MATCH_GROUPS = {  # Postings.matches() group → kind of its results
    "calls": "call",
    "partners": "organisation",
    "hubs": "hub",
    "platforms": "platform",
    "solutions": "solution",
    "needs": "need",
}


@dataclass
class Item:
    """One new thing for a follow: its ledger key and what a digest and the feed show."""

    kind: str
    id: str
    event: str  # opened, soon, published or new
    title: str
    url: str
    why: str
    reasons: list[dict[str, Any]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}:{self.event}"[:200]

    def entry(self, day: dt.date) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "event": self.event,
            "title": self.title,
            "url": self.url,
            "why": self.why,
            "reasons": self.reasons,
            "details": self.details,
            "day": day.isoformat(),
        }


def searchable_postings() -> bool:
    """Whether the search service searches published needs and solutions itself."""
    return "need" in KINDS


def posting_id_of(result: dict[str, Any]) -> int | None:
    """The posting a search result stands for (None: a catalogue record, e.g. a JRC solution).
    The postings' search kinds mark their results with ``posting_id``."""
    value = result.get("posting_id")
    return value if isinstance(value, int) else None


class Finder:
    """Candidates and new items for follows, in one digest run (searches are cached per run: many
    people following one search cost one search)."""

    def __init__(self, app: Samverkan, today: dt.date) -> None:
        self.app = app
        self.today = today
        self.base = app.settings.base_url
        self._searches: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        self._timings: dict[dt.date, dict[str, Timing]] = {}

    # -- searching ---------------------------------------------------------------------------

    def search(self, search: FollowedSearch, kind: str, status: str = "current") -> list[dict[str, Any]]:
        key = (search.text, kind, status, search.filters)
        if key not in self._searches:
            answer = self.app.searcher.search(
                search.text, kind=kind, status=status, limit=DEPTH, filters=search.filters, today=self.today
            )
            self._searches[key] = answer["results"]
        return self._searches[key]

    def validate(self, search: FollowedSearch) -> None:
        """Raise the search service's own error (QueryError, FilterError) for a search it
        would refuse: the kind, the text and the filters, as ``GET /api/v1/search`` does."""
        kind = search.kind if search.kind in KINDS else None
        if search.kind is not None and search.kind not in KINDS and search.kind not in POSTING_KINDS:
            kind = search.kind  # unknown: the search service names it
        self.search(search, kind or "organisation")

    def timings(self, day: dt.date) -> dict[str, Timing]:
        """Each call's status on ``day`` (by the search service's call statuses)."""
        if day not in self._timings:
            records = self.app.searcher.records("call")
            found = self.app.searcher.call_timings(day)
            self._timings[day] = {r["id"]: t for r, t in zip(records, found, strict=True)}
        return self._timings[day]

    # -- candidates --------------------------------------------------------------------------

    def candidates(self, follow: Follow, session: Session) -> dict[str, list[dict[str, Any]]]:
        """What the follow watches, per kind: search results (calls open and forthcoming)."""
        if follow.target == "search":
            search = FollowedSearch.from_json(follow.query)
            kinds = EVERY_KIND if search.kind is None else (search.kind,)
            return {kind: self._kind_candidates(search, kind) for kind in kinds}
        posting = session.get(Posting, follow.target_id)
        if posting is None or posting.status != "published" or posting.kind != follow.target:
            return {}
        matches = getattr(self.app.postings, "matches", None)
        if matches is not None:
            found = matches(Actor.public(), posting.kind, posting.id)
            out: dict[str, list[dict[str, Any]]] = {}
            for group, results in found.items():
                if group in MATCH_GROUPS:
                    out.setdefault(MATCH_GROUPS[group], []).extend(results)
            return out
        text = f"{posting.title}\n{posting.text}"[:POSTING_TEXT]
        search = FollowedSearch(text)
        return {kind: self._kind_candidates(search, kind) for kind in EVERY_KIND}

    def _kind_candidates(self, search: FollowedSearch, kind: str) -> list[dict[str, Any]]:
        if kind == "call":
            return self.search(search, "call", "open") + self.search(search, "call", "forthcoming")
        if kind in POSTING_KINDS and not searchable_postings():
            fallback = self.search(search, kind) if kind in KINDS else []  # the catalogue's solutions
            return fallback + [{"kind": kind, "posting_id": None, "_search": search}]
        return self.search(search, kind)

    # -- what is new -------------------------------------------------------------------------

    def known_now(self, follow: Follow, session: Session) -> set[str]:
        """The keys of what is among the follow's results now and could later come "newly"
        among them (recorded when the follow is made)."""
        keys = set()
        for kind, results in self.candidates(follow, session).items():
            for r in results:
                if kind in NEWLY_AMONG and "_search" not in r and posting_id_of(r) is None:
                    keys.add(f"{kind}:{r['id']}:new")
        return keys

    def new_items(self, follow: Follow, session: Session, reported: set[str]) -> list[Item]:
        """What is new for ``follow`` since its ``since`` and not in ``reported`` (its ledger)."""
        since = aware(follow.since)
        before = self.timings(since.date())
        now = self.timings(self.today)
        items: dict[str, Item] = {}
        exclude = follow.target_id if follow.target in POSTING_KINDS else None

        def add(item: Item) -> None:
            if item.key not in reported and item.key not in items:
                items[item.key] = item

        for kind, results in self.candidates(follow, session).items():
            for r in results:
                if "_search" in r:
                    for item in self._postings_by_words(session, kind, r["_search"], since):
                        if int(item.id) != exclude:
                            add(item)
                elif kind == "call":
                    event = call_event(now.get(r["id"]), before.get(r["id"]))
                    if event is not None:
                        add(self._call_item(r, event, now[r["id"]]))
                elif (pid := posting_id_of(r)) is not None:
                    if pid != exclude:
                        posting = _published_since(session, r.get("kind", kind), pid, since)
                        if posting is not None:
                            add(self._posting_item(posting, r.get("why", ""), r.get("reasons", [])))
                elif kind in NEWLY_AMONG:
                    add(self._item(r, kind, "new"))
        order = {"call": 0, "need": 1, "solution": 2, "organisation": 3}
        return sorted(items.values(), key=lambda i: (order.get(i.kind, 9), i.event != "opened", i.title.casefold()))

    # -- items -------------------------------------------------------------------------------

    def _item(self, r: dict[str, Any], kind: str, event: str) -> Item:
        details = {k: r.get(k) for k in ("country", "city", "region_name", "programme", "hub_type") if r.get(k)}
        return Item(
            kind=kind,
            id=str(r["id"]),
            event=event,
            title=str(r.get("title") or r["id"]),
            url=self.base + _entity_path(kind, str(r["id"])),
            why=str(r.get("why") or ""),
            reasons=list(r.get("reasons") or []),
            details=details,
        )

    def _call_item(self, r: dict[str, Any], event: str, timing: Timing) -> Item:
        item = self._item(r, "call", event)
        opening = r.get("opening")
        item.details = {
            "programme": r.get("programme"),
            "opening": opening[:10] if isinstance(opening, str) else None,
            "deadline": timing.next_deadline.isoformat() if timing.next_deadline else None,
            "opens_in": timing.opens_in,
        }
        return item

    def _posting_item(self, posting: Posting, why: str, found: list[dict[str, Any]]) -> Item:
        return Item(
            kind=posting.kind,
            id=posting_key(posting.id),
            event="published",
            title=posting.title,
            url=f"{self.base}/{posting.kind}s/{posting_key(posting.id)}",
            why=why,
            reasons=found,
            details={
                "region": posting.region,
                "language": posting.language,
                "published": aware(posting.published_at).date().isoformat() if posting.published_at else None,
            },
        )

    def _postings_by_words(self, session: Session, kind: str, search: FollowedSearch, since: dt.datetime) -> list[Item]:
        """Published postings of ``kind`` since ``since`` that share words with the search
        (until the search service searches postings itself)."""
        rows = session.scalars(
            select(Posting).where(
                Posting.kind == kind, Posting.status == "published", Posting.published_at.is_not(None)
            )
        ).all()
        fresh = [p for p in rows if aware(p.published_at) > since and _passes(search.filters, p)]  # type: ignore[arg-type]
        if not fresh:
            return []
        analyzer = self.app.searcher.analyzer
        try:
            analysed = analyzer.analyse_query(search.text)
        except UnsupportedLanguage:
            return []
        out = []
        for posting in fresh:
            terms = set(analyzer.index_terms(f"{posting.title}\n{posting.text}"))
            reason = reasons.matched_terms([t for t in analysed.terms if t in terms], analysed)
            if reason is not None:  # content words of the search that the posting's text carries
                out.append(self._posting_item(posting, reasons.why([reason]), [reason]))
        return out


def _entity_path(kind: str, record_id: str) -> str:
    from samverkan.web.templating import entity_url  # the web app imports the core, which imports this

    return entity_url(kind, record_id)


def call_event(today: Timing | None, before: Timing | None) -> str | None:
    """``opened``, ``soon`` or None: how a call's status moved between two days."""
    if today is None:
        return None
    if today.status == "open":
        return None if before is not None and before.status == "open" else "opened"
    if today.status == "forthcoming" and today.opens_in is not None and today.opens_in <= SOON_DAYS:
        was_soon = before is not None and before.status == "forthcoming" and (before.opens_in or 0) <= SOON_DAYS
        return None if was_soon else "soon"
    return None


def _published_since(session: Session, kind: str, posting_id: int, since: dt.datetime) -> Posting | None:
    posting = session.get(Posting, posting_id)
    if posting is None or posting.kind != kind or posting.status != "published" or posting.published_at is None:
        return None
    return posting if aware(posting.published_at) > since else None


def _passes(filters: Filters, posting: Posting) -> bool:
    """A posting within the search's region or country filter (the filters a posting carries)."""
    if filters.region is not None and not in_region(posting.region, filters.region):
        return False
    # a region is a NUTS code: its country is spelt UK and EL where the filter says GB and GR
    if filters.country is not None and iso_from_code((posting.region or "")[:2]) != iso_from_code(filters.country):
        return False
    return True

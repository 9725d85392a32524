"""Catalogue search: one lexical index per kind of record, rebuilt when the catalogue changes.

The indexes live in process memory and are keyed by the catalogue revision that every
import bumps, so a search after an import sees the new records.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from samverkan import budget
from samverkan.catalogue.calls import CHOICES, CURRENT, Timing, by_status, call_timings, on_day, wanted
from samverkan.catalogue.hubs import hub_names, shown_hubs
from samverkan.catalogue.places import Place, Places, load_places
from samverkan.catalogue.programmes import PROGRAMME_NAMES
from samverkan.catalogue.queries import COHESION_PREFIX
from samverkan.db import revision as catalogue_revision
from samverkan.db.models import (
    Call,
    CohesionProject,
    Embedding,
    Organisation,
    Participation,
    Platform,
    Project,
    ProjectTopic,
    Solution,
    WorkingGroup,
)
from samverkan.errors import SamverkanError
from samverkan.search import reasons
from samverkan.search.analysis import Analysed, Analyzer, UnsupportedLanguage
from samverkan.search.calls import CallFinder, CallMatch, VectorSource
from samverkan.search.dense import (
    RRF_K,
    TEXTS,
    E5Embedder,
    Embedder,
    by_score,
    embed_query,
    load_vectors,
    rrf_scores,
    top_k,
)
from samverkan.search.filters import FilterError, Filters, facets
from samverkan.search.lexical import LexicalIndex
from samverkan.search.names import Name, build_name_index, matched_names, name_scores, query_names
from samverkan.search.reasons import why

CANDIDATES = 100  # per method, before fusion

KINDS = ("call", "organisation", "hub", "platform", "working_group", "solution", "project")


class QueryError(SamverkanError):
    """The query cannot be answered as asked (empty, too long, unknown kind …)."""


@dataclass
class KindIndex:
    index: LexicalIndex
    records: list[dict[str, Any]]
    names: LexicalIndex | None = None  # the records' names, folded (search/names.py)


# kind → function yielding (record, [(text, weight), …]); record has id, title and extras
Loader = Callable[[Session], Iterator[tuple[dict[str, Any], list[tuple[str | None, int]]]]]


def _calls(session: Session, exclude_projects: frozenset[str] = frozenset()):
    """A call is described by its own text and by the projects it funded (title, objective)."""
    funded: dict[str, list[str]] = {}
    rows = session.execute(
        select(ProjectTopic.call_id, Project.id, Project.title, Project.objective)
        .join(Project, Project.id == ProjectTopic.project_id)
        .where(Project.title.is_not(None))
    )
    for call_id, project_id, title, objective in rows:
        if project_id not in exclude_projects:
            funded.setdefault(call_id, []).append(f"{title}\n{objective or ''}")
    for c in session.execute(select(Call).order_by(Call.id)).scalars():
        record = {
            "id": c.id,
            "title": c.title or c.id,
            "portal_status": c.status,  # as the source saw it; the status of today is computed
            "programme": c.programme,
            "deadline": c.deadline.isoformat() if c.deadline else None,
            "deadlines": c.deadlines or None,
            "opening": c.opening.isoformat() if c.opening else None,
            "budget_min": c.budget_min,
            "budget_max": c.budget_max,
            "expected_grants": c.expected_grants,
            "url": c.portal_url,
        }
        yield (
            record,
            [
                (c.id, 2),
                (c.title, 3),
                (c.call_title, 1),
                (c.keywords, 2),
                (c.description, 1),
                (" \n".join(funded.get(c.id, [])), 1),
            ],
        )


def _organisations(session: Session):
    """An organisation is described by its name and by what it did: its projects' titles and
    objectives and the titles of the topics that funded them."""
    topics: dict[str, list[str]] = {}
    for project_id, title in session.execute(
        select(ProjectTopic.project_id, Call.title).join(Call, Call.id == ProjectTopic.call_id)
    ):
        if title:
            topics.setdefault(project_id, []).append(title)
    projects = {
        pid: (title, objective)
        for pid, title, objective in session.execute(select(Project.id, Project.title, Project.objective))
    }
    places = load_places(session)
    work: dict[str, list[str]] = {}
    for organisation_id, project_id in session.execute(
        select(Participation.organisation_id, Participation.project_id).distinct()
    ):
        work.setdefault(organisation_id, []).append(project_id)
    for o in session.execute(select(Organisation).order_by(Organisation.id)).scalars():
        done = sorted(work.get(o.id, []))
        record = {
            "id": o.id,
            "title": o.name,
            "short_name": o.short_name,
            "country": o.country,
            **_region(places, places.locate(o.country, o.nuts_code, o.lat, o.lon, o.city)),
            "activity_type": o.activity_type,
            "sme": o.sme,
            "city": o.city,
            "same_as": o.same_as_id,
            "projects": len(done),
        }
        titles = " \n".join(t for pid in done for t in [projects.get(pid, (None, None))[0], *topics.get(pid, [])] if t)
        objectives = " \n".join(t for pid in done for t in [projects.get(pid, (None, None))[1]] if t)
        yield (
            record,
            [
                (Name(o.name), 2),
                (Name(o.source_name) if o.source_name else None, 2),
                (Name(o.short_name) if o.short_name else None, 2),
                (o.city, 1),
                (titles, 1),
                (objectives, 1),
            ],
        )


def _region(places: Places, place: Place | None) -> dict[str, str | None]:
    """The record fields for where it is: NUTS code, region name, how it was placed."""
    if place is None:
        return {"region": None}
    return {"region": place.nuts, "region_name": places.names.get(place.nuts), "placed_by": place.how}


def _hubs(session: Session):
    """A hub once, as shown (:func:`samverkan.catalogue.hubs.shown_hubs`): found also by the
    names it has in the catalogues that list it again."""
    places = load_places(session)
    for h in shown_hubs(session):
        record = {
            "id": h["id"],
            "title": h["name"],
            "full_title": h["title"],
            "hub_type": h["kind"],
            "country": h["country"],
            "city": h["city"],
            **_region(places, places.locate(h["country"], None, None, None, h["city"])),
            "url": h["url"],
        }
        yield (
            record,
            [
                (Name(" \n".join(hub_names(h))), 3),
                (Name(h["source_name"]) if h.get("source_name") else None, 3),
                (" ".join(h["sectors"]), 2),
                (" ".join(h["technologies"] + h["services"]), 2),
                (h["city"], 1),
                (h["description"], 1),
            ],
        )


def _platforms(session: Session):
    groups: dict[str, list[WorkingGroup]] = {}
    for g in session.execute(select(WorkingGroup).order_by(WorkingGroup.id)).scalars():
        groups.setdefault(g.platform_id, []).append(g)
    for p in session.execute(select(Platform).order_by(Platform.id)).scalars():
        record = {"id": p.id, "title": p.name, "status": p.status, "url": p.url}
        own = groups.get(p.id, [])
        yield (
            record,
            [
                (p.name, 3),
                (" ".join(p.topics), 2),
                (p.purpose_en, 1),
                (p.purpose_sv, 1),
                (" ".join(g.name + " " + " ".join(g.topics) for g in own), 1),
            ],
        )


def _working_groups(session: Session):
    """A platform's working group, on its own: what it works on and how to reach it."""
    names = dict(session.execute(select(Platform.id, Platform.name)).all())
    for g in session.execute(select(WorkingGroup).order_by(WorkingGroup.id)).scalars():
        record = {"id": g.id, "title": g.name, "platform_id": g.platform_id, "platform": names.get(g.platform_id)}
        yield (
            record,
            [
                (g.name, 3),
                (" ".join(g.topics), 2),
                (g.description_en, 1),
                (g.description_sv, 1),
                (names.get(g.platform_id), 1),
            ],
        )


def _solutions(session: Session):
    for s in session.execute(select(Solution).order_by(Solution.id)).scalars():
        record = {"id": s.id, "title": s.name, "countries": s.countries, "url": s.url}
        yield (
            record,
            [
                (s.name, 3),
                (s.primary_sector, 1),
                (s.technology, 1),
                (s.lead_organisation, 1),
                (s.description, 1),
            ],
        )


def _projects(session: Session):
    for p in session.execute(select(Project).order_by(Project.id)).scalars():
        record = {
            "id": p.id,
            "title": p.title or p.acronym or p.id,
            "acronym": p.acronym,
            "programme": PROGRAMME_NAMES.get(p.framework_programme or "", p.framework_programme),
            "start_date": p.start_date.isoformat() if p.start_date else None,
        }
        yield record, [(p.acronym, 3), (p.title, 3), (p.objective, 1)]
    # Swedish ERDF/ESF projects (Tillväxtverket's project bank): past projects too, in Swedish
    for c in session.execute(select(CohesionProject).order_by(CohesionProject.id)).scalars():
        record = {
            "id": COHESION_PREFIX + c.id,
            "title": c.name,
            "acronym": None,
            "programme": c.fund,
            "start_date": c.start_date.isoformat() if c.start_date else None,
            "beneficiary": c.beneficiary,
            "county": c.county,
        }
        yield record, [(c.name, 3), (c.beneficiary, 1), (c.description, 1), (c.thematic_objective, 1)]


LOADERS: dict[str, Loader] = {
    "call": _calls,
    "organisation": _organisations,
    "hub": _hubs,
    "platform": _platforms,
    "working_group": _working_groups,
    "solution": _solutions,
    "project": _projects,
}


class SearchService:
    """Plain lexical (BM25) search over the catalogue, per kind of record."""

    def __init__(
        self,
        engine: Engine,
        max_query_chars: int = 20_000,
        max_limit: int = 100,
        embedder: Embedder | None = None,
        model: str = E5Embedder.name,
        dense: bool = True,
        today: Callable[[], dt.date] = lambda: dt.datetime.now(dt.UTC).date(),
    ) -> None:
        self.model = model
        self.today = today
        self.dense = dense
        self.engine = engine
        self.max_query_chars = max_query_chars
        self.max_limit = max_limit
        self._lock = threading.Lock()
        self._indexes: dict[str, tuple[str, KindIndex]] = {}
        self._analyzer: Analyzer | None = None
        self._embedder: Embedder | None = embedder
        self._dense: dict[str, tuple[tuple[str, int], tuple[list[int], np.ndarray] | None]] = {}
        self._finder: tuple[tuple[str, int], CallFinder] | None = None
        self._filtered: dict[tuple[str, str, Filters], set[int]] = {}
        self._places: tuple[str, Places] | None = None
        self._timings: tuple[CallFinder, dt.date, list[Timing]] | None = None

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            with budget.exempt():  # loading the model, once for everyone
                self._embedder = E5Embedder()
        return self._embedder

    def _vectors(self, kind: str, built: KindIndex, revision: str) -> tuple[list[int], np.ndarray] | None:
        """Stored vectors of a kind, rows mapped to index documents; None if there are none.

        Cached until the catalogue revision or the number of stored vectors changes.
        """
        if kind not in TEXTS:
            return None
        count = self._stored_vectors(kind)
        key = (revision, count)
        with budget.exempt(), self._lock:
            cached = self._dense.get(kind)
            if cached and cached[0] == key:
                return cached[1]
            value = None
            if count:
                ids, matrix = load_vectors(self.engine, kind, self.model)
                position = {record["id"]: i for i, record in enumerate(built.records)}
                keep = [(row, position[record_id]) for row, record_id in enumerate(ids) if record_id in position]
                if keep:
                    value = ([doc for _, doc in keep], matrix[[row for row, _ in keep]])
            self._dense[kind] = (key, value)
            return value

    def _stored_vectors(self, *kinds: str) -> int:
        """Number of stored vectors of ``kinds`` for our model (0 when dense search is off)."""
        if not self.dense:
            return 0
        with Session(self.engine) as session:
            return (
                session.scalar(
                    select(func.count())
                    .select_from(Embedding)
                    .where(Embedding.kind.in_(kinds), Embedding.model == self.model)
                )
                or 0
            )

    def call_finder(self, revision: str) -> CallFinder:
        """The call finder; rebuilt when the catalogue or its stored vectors change."""
        key = (revision, self._stored_vectors("call", "project"))
        with budget.exempt(), self._lock:
            if self._finder is None or self._finder[0] != key:
                source = (lambda kind: load_vectors(self.engine, kind, self.model)) if key[1] else None
                with Session(self.engine) as session:
                    self._finder = (key, build_call_finder(session, self.analyzer, source))
            return self._finder[1]

    def places(self, revision: str) -> Places:
        with budget.exempt(), self._lock:
            if self._places is None or self._places[0] != revision:
                with Session(self.engine) as session:
                    self._places = (revision, load_places(session))
            return self._places[1]

    def _embed(self, query: str) -> np.ndarray:
        return embed_query(self.embedder, query)

    def call_timings(self, today: dt.date | None = None) -> list[Timing]:
        """Where each call (as :meth:`records` lists them) stands on ``today`` (default: the
        ``today`` setting); computed once per catalogue revision and day."""
        day = today or self.today()
        finder = self.call_finder(self.revision())
        with self._lock:  # the cache holds the finder itself, so its identity is never reused
            cached = self._timings
            if cached is not None and cached[0] is finder and cached[1] == day:
                return cached[2]
        computed = call_timings(finder.records, day)
        with self._lock:
            self._timings = (finder, day, computed)
        return computed

    def _allowed(
        self,
        kind: str,
        records: list[dict[str, Any]],
        revision: str,
        filters: Filters,
        by_status: dict[str, set[int]] | None = None,
        status: str = "all",
    ) -> set[int] | None:
        """Records of ``kind`` that pass the status and the filters; ``None`` if all do."""
        allowed = None
        if by_status is not None and status != "all":
            allowed = set().union(*(by_status[s] for s in wanted(status)))
        if filters.for_kind(kind):
            key = (kind, revision, filters)
            with self._lock:
                passing = self._filtered.get(key)
            if passing is None:
                passing = filters.allowed(kind, records) or set()
                with self._lock:
                    if len(self._filtered) > 64:
                        self._filtered.clear()
                    self._filtered[key] = passing
            allowed = passing if allowed is None else allowed & passing
        return allowed

    @property
    def analyzer(self) -> Analyzer:
        if self._analyzer is None:
            with budget.exempt():
                self._analyzer = Analyzer()
        return self._analyzer

    def revision(self) -> str:
        return catalogue_revision.current(self.engine)

    def _index(self, kind: str, revision: str) -> KindIndex:
        with budget.exempt(), self._lock:
            cached = self._indexes.get(kind)
            if cached and cached[0] == revision:
                return cached[1]
            with Session(self.engine) as session:
                built = build_kind_index(LOADERS[kind](session), self.analyzer)
            self._indexes[kind] = (revision, built)
            return built

    def records(self, kind: str) -> list[dict[str, Any]]:
        """Every record of ``kind`` as search returns it (organisations and hubs placed in
        their NUTS region), for the current catalogue revision. Shared: do not modify."""
        if kind == "call":
            return self.call_finder(self.revision()).records
        return self._index(kind, self.revision()).records

    def search(
        self,
        query: str,
        kind: str | None = None,
        status: str = CURRENT,
        limit: int = 10,
        filters: Filters | None = None,
        today: dt.date | None = None,
    ) -> dict[str, Any]:
        """Search ``query``; ``kind=None`` searches every kind, up to ``limit`` results each.

        Calls are filtered by their status on ``today`` (default: the ``today`` setting):
        ``status=current`` (the default) gives what one can still apply to, open calls first,
        then those opening later; ``filters`` narrow the kinds they apply to. The answer carries
        facet counts among each kind's candidates.
        """
        filters = filters or Filters()
        query = (query or "").strip()
        if not query:
            raise QueryError("the query is empty: describe what you are looking for")
        if len(query) > self.max_query_chars:
            raise QueryError(f"the query is {len(query):,} characters long; the limit is {self.max_query_chars:,}")
        if kind is not None and kind not in KINDS:
            raise QueryError(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")
        if status not in CHOICES:
            raise QueryError(f"unknown status {status!r}; use one of {', '.join(CHOICES)}")
        if not 1 <= limit <= self.max_limit:
            raise QueryError(f"limit must be between 1 and {self.max_limit}")
        try:
            analysed = self.analyzer.analyse_query(query)
        except UnsupportedLanguage as exc:
            raise QueryError(
                f"the query looks like {exc.language!r}; samverkan understands Swedish and English"
            ) from exc
        if not analysed.terms:
            raise QueryError("the query has no words to search for")
        results = []
        revision = self.revision()
        if filters.region is not None:
            places = self.places(revision)
            if places and filters.region not in places.codes:
                raise FilterError(f"region {filters.region!r} is not a NUTS 2021 code in the catalogue", "region")
        query_vector: np.ndarray | None = None  # embedded once, only if some kind has stored vectors
        facet_counts: dict[str, dict[str, dict[str, int]]] = {}
        for k in [kind] if kind else list(KINDS):
            if k == "call":
                finder = self.call_finder(revision)
                if finder.has_vectors and query_vector is None:
                    query_vector = self._embed(query)
                timings = self.call_timings(today)
                allowed = self._allowed(k, finder.records, revision, filters, by_status(timings), status)
                matches = finder.find(
                    analysed.terms,
                    query_vector,
                    allowed,
                    max(limit, CANDIDATES),
                    language=analysed.language,
                    explain=limit,
                )
                facet_counts[k] = facets(k, (on_day(finder.records[m.doc], timings[m.doc]) for m in matches))
                best = matches[:limit]  # the most relevant; of those, what one can apply to now first
                if status == CURRENT:
                    best.sort(key=lambda m: timings[m.doc].status != "open")
                for match in best:
                    record = on_day(finder.records[match.doc], timings[match.doc])
                    found = _call_reasons(match, record, analysed)
                    results.append(
                        {"kind": k, **record, "score": round(match.score, 4), "why": why(found), "reasons": found}
                    )
                continue
            built = self._index(k, revision)
            allowed = self._allowed(k, built.records, revision, filters)
            named = query_names(query) if built.names is not None else {}
            boost = name_scores(built.names, named) if built.names is not None and named else None
            hits = built.index.search(analysed.terms, allowed=allowed, limit=max(limit, CANDIDATES), extra=boost)
            lexical = {h.doc: h for h in hits}
            ranking = [h.doc for h in hits]
            dense: dict[int, float] = {}
            vectors = self._vectors(k, built, revision)
            if vectors is not None:
                if query_vector is None:
                    query_vector = self._embed(query)
                rows, matrix = vectors
                with_vector = set(rows)
                if allowed is not None:  # score only the records the filters let through
                    keep = [i for i, doc in enumerate(rows) if doc in allowed]
                    rows, matrix = [rows[i] for i in keep], matrix[keep]
                for row, cosine in top_k(matrix, query_vector, CANDIDATES):
                    dense[rows[row]] = cosine
                scores = rrf_scores([[str(d) for d in ranking], [str(d) for d in dense]])
                # a record without a vector (imported since the last `samverkan embed`, or with no
                # text to embed, as a project known by its acronym) has no evidence of meaning
                # either way: its rank by words stands in for it, or it would rank below every
                # record with both (a new hub was not even first for its own name)
                for rank, doc in enumerate(ranking, start=1):
                    if doc not in with_vector:
                        scores[str(doc)] += 1.0 / (RRF_K + rank)
                ranking = [int(d) for d in by_score(scores)]
            else:
                scores = {str(h.doc): h.score for h in hits}
            facet_counts[k] = facets(k, (built.records[doc] for doc in ranking[:CANDIDATES]))
            for doc in ranking[:limit]:
                record = built.records[doc]
                found = []
                if doc in lexical:
                    words = [analysed.origin[t] for t in lexical[doc].matched]
                    if boost is not None and built.names is not None:
                        words += matched_names(built.names, named, doc)
                    found.append(reasons.matched(words))
                if doc in dense:
                    found.append(reasons.meaning(dense[doc]))
                if record.get("projects"):
                    found.append(reasons.projects(record["projects"]))
                if k in ("hub", "organisation") and (where := reasons.place(record)):
                    found.append(where)
                results.append(
                    {"kind": k, **record, "score": round(scores[str(doc)], 4), "why": why(found), "reasons": found}
                )
        # With no kind, results come grouped by kind (scores are only comparable within a kind).
        return {
            "query": query,
            "language": analysed.language,
            "kind": kind,
            "status": status,
            "today": (today or self.today()).isoformat(),
            "filters": {name: v if isinstance(v, bool | str) else str(v) for name, v in filters.active().items()},
            "results": results,
            "facets": facet_counts,
        }


def _call_reasons(match: CallMatch, record: dict[str, Any], analysed: Analysed) -> list[reasons.Reason]:
    found = []
    if match.matched:
        found.append(reasons.matched(analysed.origin[t] for t in match.matched))
    if match.cosine is not None:
        found.append(reasons.meaning(match.cosine))
    if match.project:
        found.append(reasons.similar_project(match.project))
    if record.get("deadline"):
        found.append(reasons.deadline(record["deadline"]))
    return found


def build_call_finder(
    session: Session,
    analyzer: Analyzer,
    vectors: VectorSource | None = None,
    exclude: frozenset[str] = frozenset(),
) -> CallFinder:
    """The call finder over every call, with the projects in ``exclude`` hidden from its evidence."""
    built = build_kind_index(_calls(session, exclude), analyzer)
    return CallFinder.build(session, built.index, built.records, analyzer, vectors, exclude=exclude)


def build_kind_index(loaded, analyzer: Analyzer) -> KindIndex:
    """Index (record, fields) pairs from a loader."""
    records, docs = [], []
    # sorted here, not by the database: collations differ, results must not (SQLite = PostgreSQL)
    for record, fields in sorted(loaded, key=lambda pair: pair[0]["id"]):
        records.append(record)
        docs.append(fields)
    return KindIndex(LexicalIndex.build(docs, analyse=analyzer.index_terms), records, build_name_index(docs))

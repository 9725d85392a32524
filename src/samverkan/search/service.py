"""Catalogue search: one lexical index per kind of record, fused with meaning where vectors are
stored. What search reads is derived from one revision of the catalogue, a
:class:`~samverkan.catalogue.snapshot.Snapshot`: built once per revision (or read from its
files), so a search after an import sees the new records.

The kinds ``need`` and ``solution`` are searched in the live postings index
(:mod:`samverkan.search.postings`): the published needs, and the published solutions together with
the catalogue's JRC cases, rebuilt when the postings change, without moving the catalogue revision.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any, NotRequired, TypedDict

import numpy as np
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from samverkan import budget
from samverkan.catalogue.calls import CHOICES, CURRENT, Timing, by_status, call_timings, wanted
from samverkan.catalogue.places import Places, load_places
from samverkan.catalogue.snapshot import Snapshot, Snapshots
from samverkan.errors import QueryError
from samverkan.search import hybrid
from samverkan.search.analysis import Analysed, Analyzer, UnsupportedLanguage, language_model
from samverkan.search.calls import CallFinder, VectorSource
from samverkan.search.dense import E5Embedder, Embedder, embed_query, load_vectors
from samverkan.search.documents import LOADERS, TEXTS, KindIndex, build_kind_index, call_documents
from samverkan.search.filters import FilterError, Filters
from samverkan.search.postings import Documents, LiveKind, LivePostings

KINDS = ("call", "organisation", "hub", "platform", "working_group", "solution", "need", "project")
# kinds searched in the live postings index (search/postings.py), not only in the catalogue's snapshot:
# published needs; published solutions together with the catalogue's JRC cases
LIVE = ("need", "solution")
EMBEDDED_QUERIES = 32  # the last query vectors kept (matching a posting searches several kinds with one text)


class Answer(TypedDict):
    """What a search answers (the API's JSON; results carry their kind's own fields too).
    ``calls_as_of`` (how current the calls are) is added by :class:`samverkan.core.Samverkan`."""

    query: str
    language: str
    kind: str | None
    status: str
    today: str
    filters: dict[str, bool | str]
    results: list[dict[str, Any]]
    facets: dict[str, dict[str, dict[str, int]]]
    calls_as_of: NotRequired[dict[str, Any]]


class SearchService:
    """Search over the catalogue, per kind of record: BM25 and meaning, fused."""

    def __init__(
        self,
        engine: Engine,
        max_query_chars: int = 20_000,
        max_limit: int = 100,
        embedder: Embedder | None = None,
        model: str = E5Embedder.name,
        dense: bool = True,
        today: Callable[[], dt.date] = lambda: dt.datetime.now(dt.UTC).date(),
        snapshots: Snapshots | None = None,
    ) -> None:
        self.model = model
        self.today = today
        self.dense = dense
        self.engine = engine
        self.max_query_chars = max_query_chars
        self.max_limit = max_limit
        self.snapshots = snapshots or Snapshots(engine)
        self._lock = threading.Lock()
        self._analyzer: Analyzer | None = None
        self._embedder: Embedder | None = embedder
        self._filtered: dict[tuple[str, str, Filters], set[int]] = {}
        self._timings: tuple[CallFinder, dt.date, list[Timing]] | None = None
        self._queries: dict[str, np.ndarray] = {}  # the last query vectors, oldest first
        self.live_postings = LivePostings(
            engine, lambda: self.analyzer, (lambda: self.embedder) if dense else None, model
        )

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            with budget.exempt():  # loading the model, once for everyone
                self._embedder = E5Embedder()
        return self._embedder

    @property
    def analyzer(self) -> Analyzer:
        if self._analyzer is None:
            with budget.exempt():
                self._analyzer = Analyzer(model=lambda: self.snapshots.lasting("language-model", language_model))
        return self._analyzer

    def snapshot(self) -> Snapshot:
        """The catalogue's current revision and what search derives from it."""
        return self.snapshots.current()

    def vector_source(self) -> VectorSource | None:
        """Where the finders read stored vectors from (``None`` when dense search is off)."""
        return (lambda kind: load_vectors(self.engine, kind, self.model)) if self.dense else None

    def dense_part(self, name: str) -> str:
        """A part's name, told apart by the model of the vectors it holds."""
        return f"{name}-{self.model}" if self.dense else name

    def _index(self, kind: str, snapshot: Snapshot) -> KindIndex:
        def build() -> KindIndex:
            places = self.places(snapshot)
            with Session(self.engine) as session:
                return build_kind_index(LOADERS[kind](session, places), self.analyzer)

        with budget.exempt():
            return snapshot.part(f"index-{kind}", build)

    def _vectors(self, kind: str, built: KindIndex, snapshot: Snapshot) -> tuple[list[int], np.ndarray] | None:
        """Stored vectors of a kind, rows mapped to index documents; None if there are none."""
        if not self.dense or kind not in TEXTS:
            return None

        def build() -> tuple[list[int], np.ndarray] | None:
            ids, matrix = load_vectors(self.engine, kind, self.model)
            keep = [(row, built.position[i]) for row, i in enumerate(ids) if i in built.position]
            return ([doc for _, doc in keep], matrix[[row for row, _ in keep]]) if keep else None

        with budget.exempt():
            return snapshot.part(f"vectors-{kind}-{self.model}", build)

    def call_finder(self, snapshot: Snapshot | None = None) -> CallFinder:
        """The call finder of the catalogue's current revision (or ``snapshot``'s)."""
        snapshot = snapshot or self.snapshot()

        def build() -> CallFinder:
            with Session(self.engine) as session:
                return build_call_finder(session, self.analyzer, self.vector_source())

        with budget.exempt():
            return snapshot.part(self.dense_part("call-finder"), build)

    def places(self, snapshot: Snapshot | None = None) -> Places:
        def build() -> Places:
            with Session(self.engine) as session:
                return load_places(session)

        with budget.exempt():
            return (snapshot or self.snapshot()).part("places", build)

    def _embed(self, query: str) -> np.ndarray:
        """The query's vector; the last ``EMBEDDED_QUERIES`` are kept (a text matched against
        several kinds, one search each, is embedded once)."""
        with self._lock:
            vector = self._queries.get(query)
        if vector is None:
            vector = embed_query(self.embedder, query)
            with self._lock:
                self._queries[query] = vector
                while len(self._queries) > EMBEDDED_QUERIES:
                    del self._queries[next(iter(self._queries))]
        return vector

    def live(self, kind: str, snapshot: Snapshot | None = None) -> LiveKind:
        """The live index of ``need`` or ``solution`` (published postings, and for solutions the
        catalogue's JRC cases of the current revision, or of ``snapshot``'s)."""
        snapshot = snapshot or self.snapshot()
        if kind != "solution":
            return self.live_postings.index(kind, snapshot.key)

        def catalogue() -> tuple[Documents, dict[str, np.ndarray]]:
            places = self.places(snapshot)
            with Session(self.engine) as session:
                documents = list(LOADERS[kind](session, places))
            built = self._index(kind, snapshot)
            vectors = self._vectors(kind, built, snapshot)
            by_id = {} if vectors is None else {built.records[d]["id"]: vectors[1][r] for r, d in enumerate(vectors[0])}
            return documents, by_id

        return self.live_postings.index(kind, snapshot.key, catalogue)

    def call_timings(self, today: dt.date | None = None, finder: CallFinder | None = None) -> list[Timing]:
        """Where each call (as :meth:`records` lists them, or as ``finder`` holds them) stands on
        ``today`` (default: the ``today`` setting); computed once per catalogue revision and day."""
        day = today or self.today()
        finder = finder or self.call_finder()
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

    def prepare(self) -> None:
        """Build (or map) every part search reads from the current revision's snapshot."""
        snapshot = self.snapshot()
        self.places(snapshot)
        self.call_finder(snapshot)
        for kind in KINDS:
            if kind in LOADERS and kind != "call":
                self._vectors(kind, self._index(kind, snapshot), snapshot)

    def record(self, kind: str, record_id: str) -> dict[str, Any] | None:
        """One catalogue record of a kind other than calls as search returns it (placed), if it
        exists (published postings are not catalogue records: see :meth:`live`)."""
        return self._index(kind, self.snapshot()).record(record_id)

    def records(self, kind: str, snapshot: Snapshot | None = None) -> list[dict[str, Any]]:
        """Every record of ``kind`` as search returns it (organisations and hubs placed in
        their NUTS region), for the current catalogue revision (or ``snapshot``'s). Shared: do
        not modify."""
        snapshot = snapshot or self.snapshot()
        if kind == "call":
            return self.call_finder(snapshot).records
        return self._index(kind, snapshot).records

    def search(
        self,
        query: str,
        kind: str | None = None,
        status: str = CURRENT,
        limit: int = 10,
        filters: Filters | None = None,
        today: dt.date | None = None,
    ) -> Answer:
        """Search ``query``; ``kind=None`` searches every kind, up to ``limit`` results each.

        Calls are filtered by their status on ``today`` (default: the ``today`` setting):
        ``status=current`` (the default) gives what one can still apply to, open calls first,
        then those opening later; ``filters`` narrow the kinds they apply to. The answer carries
        facet counts among each kind's candidates. With no kind, results come grouped by kind
        (scores are only comparable within a kind).
        """
        filters = filters or Filters()
        query = (query or "").strip()
        analysed = self._analysed(query, kind, status, limit)
        snapshot = self.snapshot()
        if filters.region is not None:
            places = self.places(snapshot)
            if places and filters.region not in places.codes:
                raise FilterError(f"region {filters.region!r} is not a NUTS 2021 code in the catalogue", "region")
        vector: list[np.ndarray] = []  # the query embedded once, only if some kind has stored vectors

        def query_vector() -> np.ndarray:
            if not vector:
                vector.append(self._embed(query))
            return vector[0]

        results: list[dict[str, Any]] = []
        counts: dict[str, dict[str, dict[str, int]]] = {}
        for k in [kind] if kind else list(KINDS):
            if k == "call":
                finder = self.call_finder(snapshot)
                timings = self.call_timings(today, finder)  # the same revision's calls, whatever moved since
                allowed = self._allowed(k, finder.records, snapshot.key, filters, by_status(timings), status)
                found, counts[k] = finder.answer(analysed, query_vector, allowed, timings, status, limit)
            elif k in LIVE:
                live = self.live(k, snapshot)
                allowed = self._allowed(k, live.built.records, live.key, filters)
                found, counts[k] = hybrid.answer(
                    k, live.built, live.vectors, query, analysed, query_vector, allowed, limit, live.strict
                )
            else:
                built = self._index(k, snapshot)
                allowed = self._allowed(k, built.records, snapshot.key, filters)
                vectors = self._vectors(k, built, snapshot)
                found, counts[k] = hybrid.answer(k, built, vectors, query, analysed, query_vector, allowed, limit)
            results += found
        return Answer(
            query=query,
            language=analysed.language,
            kind=kind,
            status=status,
            today=(today or self.today()).isoformat(),
            filters={name: v if isinstance(v, bool | str) else str(v) for name, v in filters.active().items()},
            results=results,
            facets=counts,
        )

    def _analysed(self, query: str, kind: str | None, status: str, limit: int) -> Analysed:
        """The query, analysed, once the request is known to be answerable (else QueryError)."""
        if not query:
            raise QueryError("the query is empty: describe what you are looking for", code="empty")
        if len(query) > self.max_query_chars:
            raise QueryError(
                f"the query is {len(query):,} characters long; the limit is {self.max_query_chars:,}",
                code="too_long",
                length=len(query),
                limit=self.max_query_chars,
            )
        if kind is not None and kind not in KINDS:
            raise QueryError(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}", code="kind", value=kind)
        if status not in CHOICES:
            raise QueryError(f"unknown status {status!r}; use one of {', '.join(CHOICES)}", code="status", value=status)
        if not 1 <= limit <= self.max_limit:
            raise QueryError(f"limit must be between 1 and {self.max_limit}", code="limit", limit=self.max_limit)
        try:
            analysed = self.analyzer.analyse_query(query)
        except UnsupportedLanguage as exc:
            raise QueryError(
                f"the query looks like {exc.language!r}; samverkan understands Swedish and English",
                code="language",
                language=exc.language,
            ) from exc
        if not analysed.terms:
            raise QueryError("the query has no words to search for", code="no_words")
        return analysed


def build_call_finder(
    session: Session,
    analyzer: Analyzer,
    vectors: VectorSource | None = None,
    exclude: frozenset[str] = frozenset(),
) -> CallFinder:
    """The call finder over every call, with the projects in ``exclude`` hidden from its evidence."""
    built = build_kind_index(call_documents(session, exclude_projects=exclude), analyzer)
    return CallFinder.build(session, built.index, built.records, analyzer, vectors, exclude=exclude)

"""The call finder: which calls fit a need, from several kinds of evidence, fused.

A call is described by its own text *and* by the projects it funded. One document per call
that holds both is unfair to calls known only by a title (most closed Horizon 2020 topics):
a long document matches some words of any long query and outranks them. So each kind of
evidence ranks the calls on its own and the rankings are fused:

- ``title``: BM25 over the call title alone (every call has one);
- ``text``: BM25 over everything — the call's own text and its funded projects';
- ``projects``: BM25 over each funded project (title + objective); a call ranks as its best;
- ``meaning``: cosine of the query vector to the call's stored vector (an English query less
  the mean project vector: see ``CENTRED``);
- ``title meaning``: cosine of the query vector to the vector of the call's title alone, so a
  topic known only by its title competes on meaning with calls whose long texts read like any
  project (plain cosine: a title is no project description);
- ``funded``: cosine to the mean vector of the call's funded projects.

Fusion adds a max term to reciprocal rank fusion (Cormack, Clarke & Büttcher, SIGIR 2009):
``score = maxᵢ wᵢ/(k + rᵢ) + α · Σᵢ wᵢ/(k + rᵢ)``, so a call that one kind of evidence puts
first is not buried under calls that appear, lower, in many lists. On top, a call gains
from its *family* (the topic code before its first number: ``LC-SC3-EE`` of
``LC-SC3-EE-1-2018-2019-2020``) when the funded projects nearest to the query were funded in
that family: a topic known only by its title is found through its siblings' projects. ``k``,
``α`` and the weights were chosen on the development split of ``samverkan eval`` only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from samverkan.catalogue.calls import CURRENT, Timing, on_day
from samverkan.catalogue.programmes import call_family
from samverkan.db.models import Project, ProjectTopic
from samverkan.search import reasons
from samverkan.search.analysis import Analysed, Analyzer
from samverkan.search.dense import normalise, top_k
from samverkan.search.filters import facets
from samverkan.search.lexical import Hit, LexicalIndex

LEXICAL = ("title", "text", "projects")
DENSE = ("meaning", "title meaning", "funded")
SIGNALS = LEXICAL + DENSE
FUSION_K = 5
FUSION_ALPHA = 1.0
# per query language, tuned on the dev split (held-out projects for English, the dev half of
# the Swedish needs for Swedish). ``title meaning`` (issue 26) at 1.0, and Swedish titles at 1.0
# (they weighed 0 while translated queries had only the glossary; with the dictionary behind it,
# :mod:`samverkan.search.lexicon`, they help), chosen together on the dev cases: see
# docs/evaluation.md for the figures of each step
WEIGHTS = {
    "en": {"title": 1.25, "text": 1.0, "projects": 1.0, "meaning": 0.75, "title meaning": 1.0, "funded": 1.0},
    "sv": {"title": 1.0, "text": 1.5, "projects": 1.0, "meaning": 1.0, "title meaning": 1.0, "funded": 1.0},
}
# A title is short: its meaning answers a need of a few sentences better than a long project
# description, whose meaning matches the call's long text (``meaning``). Beyond ``LONG_QUERY``
# content words ``title meaning`` weighs ``LONG_TITLE_MEANING`` times as much. On the dev split
# (R@10 of held-out projects / external English needs): English title meaning at 1.0 for every
# query 0.674 / 0.800, at 0.5 for every query 0.682 / 0.733; at 1.0 with this rule and a factor
# of 0.25 / 0.5 / 0.75: 0.678 / 0.681 / 0.679, external needs 0.800 with each.
LONG_QUERY = 64
LONG_TITLE_MEANING = 0.5
# the family vote, per query language and per kind of project evidence (BM25, meaning). With the
# English weights above, tuned with it on the dev split (`samverkan eval`, queries embedded as
# the API embeds them): R@10 0.593 without the vote, 0.613 with it and the weights before,
# 0.637 with these (thematic 0.536, 0.544, 0.571). It found fewer Swedish needs (0.857 →
# 0.714), whose open calls share broad families ("HORIZON-CL5"): so English only. With query
# term frequency and the centred meaning (0.670, thematic 0.659), a grid of 144 weightings
# tuned on one half of the dev split did no better on the other half than these (0.670 and
# 0.675 against 0.673 and 0.667): kept.
FAMILY_WEIGHTS = {"en": {"projects": 0.3, "funded": 0.2}, "sv": {"projects": 0.0, "funded": 0.0}}
FAMILY_DEPTH = 30  # nearest projects that vote
FAMILY_MASS = sum(1.0 / (FUSION_K + rank) for rank in range(1, FAMILY_DEPTH + 1))
# Queries in these languages are centred for ``meaning``: ranked by ``(q − p̄)·c``, p̄ the mean of
# the stored project vectors. A call's plain cosine mostly says how much its text reads like a
# project description: long Horizon Europe calls outrank every title-only Horizon 2020 topic
# for any project-like query (the hubness of embedding spaces, Radovanović et al., JMLR 2010).
# Taking p̄ off the query removes that share, ``c·p̄``, from every call alike. On the dev split,
# meaning alone found the call of 7.7 % of thematic held-out projects, centred 42.9 %; the
# dense method went 0.443 → 0.557 (thematic 0.315 → 0.539), hybrid 0.653 → 0.670. Swedish
# needs are not centred: p̄ is the mean of English texts, and centred they were found by
# meaning in none of 21 dev cases (0.619 plain). Centring the ``funded`` evidence too lost.
CENTRED = ("en",)
CANDIDATES = 100
PROJECT_CANDIDATES = 300


# (kind, model) → (record ids, matrix of stored vectors), or ([], empty) when none are stored
VectorSource = Callable[[str], tuple[list[str], np.ndarray]]


@dataclass
class CallMatch:
    doc: int  # position of the call in ``CallFinder.records``
    score: float
    matched: tuple[str, ...] = ()  # index terms of the query found in the call's text
    cosine: float | None = None  # to the call's own vector
    project: dict[str, Any] | None = None  # the most similar funded project: id, title, similarity


@dataclass
class CallFinder:
    records: list[dict[str, Any]]  # one per call, in the order of the text index
    text: LexicalIndex
    title: LexicalIndex
    projects: LexicalIndex  # one document per funded project with a text
    project_info: list[dict[str, Any]]  # id and title of each project document
    project_calls: list[list[int]]  # calls (positions) each project document was funded by
    call_vectors: tuple[np.ndarray, np.ndarray] | None = None  # (call positions, matrix)
    centroids: tuple[np.ndarray, np.ndarray] | None = None  # (call positions, mean project vectors)
    title_vectors: tuple[np.ndarray, np.ndarray] | None = None  # (call positions, vectors of titles alone)
    project_vectors: np.ndarray | None = None  # per project document; zero rows where none stored
    funded_by: dict[int, list[int]] = field(default_factory=dict)  # call → its project documents
    families: list[str] = field(default_factory=list)  # family of each call (position)
    centre: np.ndarray | None = None  # mean of the project vectors, taken off English queries (CENTRED)
    call_bias: np.ndarray | None = None  # per call (position): its vector · centre
    _vector_rows: dict[int, int] | None = None  # call position → row of ``call_vectors`` (made on first use)

    @classmethod
    def build(
        cls,
        session: Session,
        text: LexicalIndex,
        records: list[dict[str, Any]],
        analyzer: Analyzer,
        vectors: VectorSource | None = None,
        exclude: frozenset[str] = frozenset(),
    ) -> CallFinder:
        """Build on the call index ``text`` (and its ``records``); ``exclude`` hides projects."""
        position = {record["id"]: i for i, record in enumerate(records)}
        title = LexicalIndex.build(([(r["title"], 1)] for r in records), analyse=analyzer.index_terms)
        info: list[dict[str, Any]] = []
        texts: list[str] = []
        calls: list[list[int]] = []
        row_of: dict[str, int] = {}
        links = session.execute(
            select(ProjectTopic.project_id, ProjectTopic.call_id, Project.title, Project.objective)
            .join(Project, Project.id == ProjectTopic.project_id)
            .where(Project.title.is_not(None))
        ).all()
        # ordered here, not by the database, whose collation may differ (SQLite = PostgreSQL)
        for project_id, call_id, project_title, objective in sorted(links, key=lambda row: (row[0], row[1])):
            if project_id in exclude or call_id not in position:
                continue
            if project_id not in row_of:
                row_of[project_id] = len(info)
                info.append({"id": project_id, "title": project_title})
                texts.append(f"{project_title}\n{objective or ''}")
                calls.append([])
            calls[row_of[project_id]].append(position[call_id])
        projects = LexicalIndex.build(([(t, 1)] for t in texts), analyse=analyzer.index_terms)
        funded_by: dict[int, list[int]] = {}
        for row, owners in enumerate(calls):
            for call in owners:
                funded_by.setdefault(call, []).append(row)
        finder = cls(
            records,
            text,
            title,
            projects,
            info,
            calls,
            funded_by=funded_by,
            families=[call_family(record["id"]) for record in records],
        )
        if vectors is not None:
            finder._add_vectors(vectors, position, row_of)
        return finder

    def _add_vectors(self, vectors: VectorSource, position: dict[str, int], row_of: dict[str, int]) -> None:
        ids, matrix = vectors("call")
        keep = [(row, position[i]) for row, i in enumerate(ids) if i in position]
        if not keep:
            return
        self.call_vectors = (np.array([d for _, d in keep]), matrix[[r for r, _ in keep]])
        ids, matrix = vectors("call_title")
        titled = [(row, position[i]) for row, i in enumerate(ids) if i in position]
        if titled:
            self.title_vectors = (np.array([d for _, d in titled]), matrix[[r for r, _ in titled]])
        ids, matrix = vectors("project")
        project_vectors = np.zeros((len(self.project_info), self.call_vectors[1].shape[1]), dtype=np.float32)
        for row, project_id in enumerate(ids):
            if project_id in row_of:
                project_vectors[row_of[project_id]] = matrix[row]
        self.project_vectors = project_vectors
        stored = project_vectors[project_vectors.any(axis=1)]
        if len(stored):
            self.centre = stored.mean(axis=0)
            self.call_bias = np.zeros(len(self.records), dtype=np.float32)
            self.call_bias[self.call_vectors[0]] = self.call_vectors[1] @ self.centre
        docs = sorted(d for d, rows in self.funded_by.items() if project_vectors[rows].any())
        if docs:
            means = np.stack([project_vectors[self.funded_by[d]].mean(axis=0) for d in docs])
            self.centroids = (np.array(docs), normalise(means))

    @property
    def has_vectors(self) -> bool:
        return self.call_vectors is not None

    # ------------------------------------------------------------------ ranking

    def rankings(
        self,
        terms: dict[str, float],
        vector: np.ndarray | None = None,
        allowed: set[int] | None = None,
        signals: Iterable[str] = SIGNALS,
        votes_from: Iterable[str] = (),
        centred: bool = False,
    ) -> tuple[dict[str, list[int]], dict[int, Hit], dict[int, float], dict[str, dict[str, float]]]:
        """Each signal's ranked calls (positions); the ``text`` hits and own-vector cosines by
        call; the family votes of the nearest projects for the kinds of evidence in ``votes_from``
        (``projects``: BM25, ``funded``: meaning; see :meth:`_family_votes`). With ``centred``,
        ``meaning`` ranks by the query less the mean project vector (see ``CENTRED``)."""
        votes_from = set(votes_from)
        signals = set(signals)
        out: dict[str, list[int]] = {}
        hits: dict[int, Hit] = {}
        cosines: dict[int, float] = {}
        votes: dict[str, dict[str, float]] = {}
        if "text" in signals:
            found = self.text.search(terms, allowed=allowed, limit=CANDIDATES)
            out["text"] = [h.doc for h in found]
            hits = {h.doc: h for h in found}
        if "title" in signals:
            out["title"] = [h.doc for h in self.title.search(terms, allowed=allowed, limit=CANDIDATES)]
        if "projects" in signals:
            rows = [h.doc for h in self.projects.search(terms, limit=PROJECT_CANDIDATES)]
            out["projects"] = self._by_best_project(rows, allowed)
            if "projects" in votes_from:
                votes["projects"] = self._family_votes(rows[:FAMILY_DEPTH])
        if vector is not None and self.call_vectors is not None:
            if "meaning" in signals:
                if centred and self.centre is not None:
                    assert self.call_bias is not None  # set with the centre
                    ranked = self._nearest(self.call_vectors, vector - self.centre, allowed)
                    cosines = {d: score + float(self.call_bias[d]) for d, score in ranked}
                else:
                    ranked = self._nearest(self.call_vectors, vector, allowed)
                    cosines = dict(ranked)
                out["meaning"] = [d for d, _ in ranked]
            if "title meaning" in signals and self.title_vectors is not None:
                out["title meaning"] = [d for d, _ in self._nearest(self.title_vectors, vector, allowed)]
            if "funded" in signals and self.centroids is not None:
                out["funded"] = [d for d, _ in self._nearest(self.centroids, vector, allowed)]
                if "funded" in votes_from:  # a scan of every project vector: only where it counts
                    assert self.project_vectors is not None  # the centroids are made from them
                    nearest = top_k(self.project_vectors, vector, FAMILY_DEPTH)
                    votes["funded"] = self._family_votes([row for row, cosine in nearest if cosine > 0])
        return out, hits, cosines, votes

    def _family_votes(self, project_rows: list[int]) -> dict[str, float]:
        """Families of the calls that funded these projects (nearest first), each voted for
        ``1/(k + rank)`` by every project it funded, as a share of what ``FAMILY_DEPTH`` projects
        can give (so that one weak neighbour is no landslide)."""
        votes: dict[str, float] = {}
        for rank, row in enumerate(project_rows, start=1):
            for name in {self.families[call] for call in self.project_calls[row]}:
                votes[name] = votes.get(name, 0.0) + 1.0 / (FUSION_K + rank)
        return {name: vote / FAMILY_MASS for name, vote in votes.items()}

    def _by_best_project(self, project_rows: list[int], allowed: set[int] | None) -> list[int]:
        ranked: dict[int, None] = {}
        for row in project_rows:
            for call in self.project_calls[row]:
                if allowed is None or call in allowed:
                    ranked.setdefault(call, None)
        return list(ranked)[:CANDIDATES]

    @staticmethod
    def _nearest(
        table: tuple[np.ndarray, np.ndarray], vector: np.ndarray, allowed: set[int] | None
    ) -> list[tuple[int, float]]:
        docs, matrix = table
        if allowed is not None:
            keep = np.flatnonzero(np.isin(docs, np.fromiter(allowed, dtype=np.int64, count=len(allowed))))
            docs, matrix = docs[keep], matrix[keep]
        return [(int(docs[row]), cosine) for row, cosine in top_k(matrix, vector, CANDIDATES)]

    def find(
        self,
        terms: dict[str, float],
        vector: np.ndarray | None = None,
        allowed: set[int] | None = None,
        limit: int = 10,
        signals: Iterable[str] = SIGNALS,
        language: str = "en",
        explain: int | None = None,
        words: int = 0,
    ) -> list[CallMatch]:
        """The best ``limit`` calls for a query (analysed ``terms`` and, if any, its vector) of
        ``words`` content words (see ``LONG_QUERY``).

        The most similar funded project is looked up for the first ``explain`` (default: all).
        """
        weights = WEIGHTS[language]
        if words > LONG_QUERY:
            weights = {**weights, "title meaning": weights["title meaning"] * LONG_TITLE_MEANING}
        signals = [s for s in signals if weights.get(s, 0.0) > 0]
        family_weights = {evidence: w for evidence, w in FAMILY_WEIGHTS[language].items() if w}
        centred = language in CENTRED
        ranked, hits, cosines, votes = self.rankings(terms, vector, allowed, signals, family_weights, centred)
        scores = fuse(ranked, weights)
        for evidence, vote in votes.items():
            for doc in scores:
                scores[doc] += family_weights[evidence] * vote.get(self.families[doc], 0.0)
        best = sorted(scores, key=lambda doc: (-scores[doc], doc))[:limit]
        explain = len(best) if explain is None else explain
        return [
            CallMatch(
                doc,
                scores[doc],
                hits[doc].matched if doc in hits else (),
                cosines.get(doc, self._cosine(doc, vector) if i < explain else None),
                self.closest_project(doc, terms, vector) if i < explain else None,
            )
            for i, doc in enumerate(best)
        ]

    def answer(
        self,
        analysed: Analysed,
        query_vector: Callable[[], np.ndarray],
        allowed: set[int] | None,
        timings: list[Timing],
        status: str,
        limit: int,
    ) -> tuple[list[dict[str, Any]], dict[str, dict[str, int]]]:
        """The ``limit`` calls most relevant to a query, as they stand on the day of ``timings``,
        with their reasons, and the facet counts among the best ``CANDIDATES``. With
        ``status=current``, the open ones among them come first. ``query_vector`` embeds the
        query when first called (only if calls have vectors)."""
        vector = query_vector() if self.has_vectors else None
        matches = self.find(
            analysed.terms,
            vector,
            allowed,
            max(limit, CANDIDATES),
            language=analysed.language,
            explain=limit,
            words=analysed.words,
        )
        counts = facets("call", (on_day(self.records[m.doc], timings[m.doc]) for m in matches))
        best = matches[:limit]  # the most relevant; of those, what one can apply to now first
        if status == CURRENT:
            best.sort(key=lambda m: timings[m.doc].status != "open")
        results = []
        for match in best:
            record = on_day(self.records[match.doc], timings[match.doc])
            found = match_reasons(match, record, analysed)
            results.append(
                {"kind": "call", **record, "score": round(match.score, 4), "why": reasons.why(found), "reasons": found}
            )
        return results, counts

    def _cosine(self, doc: int, vector: np.ndarray | None) -> float | None:
        """The plain cosine of a query to call ``doc``'s own vector, for a call found by other
        evidence (its title's meaning, its words) than the ``meaning`` candidates: its reason
        says how close it is in meaning all the same."""
        if vector is None or self.call_vectors is None:
            return None
        if self._vector_rows is None:
            self._vector_rows = {int(d): row for row, d in enumerate(self.call_vectors[0])}
        row = self._vector_rows.get(doc)
        return None if row is None else float(self.call_vectors[1][row] @ vector)

    def closest_project(self, doc: int, terms: dict[str, float], vector: np.ndarray | None) -> dict[str, Any] | None:
        """The funded project of call ``doc`` most similar to the query (by meaning if possible)."""
        rows = self.funded_by.get(doc)
        if not rows:
            return None
        if vector is not None and self.project_vectors is not None and self.project_vectors[rows].any():
            similarity = self.project_vectors[rows] @ vector
            best = int(np.argmax(similarity))
            return {**self.project_info[rows[best]], "similarity": round(float(similarity[best]), 2)}
        allowed = set(rows)
        hit = next(iter(self.projects.search(terms, allowed=allowed, limit=1)), None)
        return self.project_info[hit.doc] if hit else None


def match_reasons(match: CallMatch, record: dict[str, Any], analysed: Analysed) -> list[reasons.Reason]:
    """Why a call was found: the words, the meaning, its closest funded project, its deadline."""
    found = []
    if match.matched and (words := reasons.matched_terms(match.matched, analysed)) is not None:
        found.append(words)
    if match.cosine is not None:
        found.append(reasons.meaning(match.cosine))
    if match.project:
        found.append(reasons.similar_project(match.project))
    if record.get("deadline"):
        found.append(reasons.deadline(record["deadline"]))
    return found


def fuse(
    rankings: dict[str, list[int]],
    weights: dict[str, float] | None = None,
    k: int = FUSION_K,
    alpha: float = FUSION_ALPHA,
) -> dict[int, float]:
    """``maxᵢ wᵢ/(k + rᵢ) + α·Σᵢ wᵢ/(k + rᵢ)`` for every call in any ranking."""
    weights = weights or WEIGHTS["en"]
    best: dict[int, float] = {}
    total: dict[int, float] = {}
    for name, ranking in rankings.items():
        weight = weights.get(name, 1.0)
        for rank, doc in enumerate(ranking, start=1):
            value = weight / (k + rank)
            total[doc] = total.get(doc, 0.0) + value
            if value > best.get(doc, 0.0):
                best[doc] = value
    return {doc: best[doc] + alpha * total[doc] for doc in total}

"""Evaluation of the call finder on held-out real cases, runnable by anyone (``samverkan eval``).

Cases are built from the catalogue itself:

- **projects → their call**: a CORDIS project with a title and an objective, funded under
  one topic; its text is the query and its topic the answer. Projects are split by a hash of
  their id into a *dev* half (tune on this only) and a *test* half. Each half is cut into
  ``FOLDS`` folds; a project is looked up with its fold hidden from the call descriptions and
  from the project evidence (a call is otherwise also described by the projects it funded),
  the rest of the catalogue visible — as for a new applicant. *Thematic* cases leave out
  generic schemes (ERC, MSCA, SME instrument, EIC, Fast Track to Innovation), where the topic
  says little about the subject. Calls of any status are candidates (``status="all"``), or
  only closed ones (``status="closed"``), as a user looking for a past topic would filter.
- **Swedish needs → a call**: needs written in Swedish by the team (``data/eval/needs_sv.toml``),
  each mapped to the open or forthcoming call it should find; split into dev and test halves
  by the same hash of their id.

Reported: recall@10 and MRR per method, all measured in the same run: a popularity baseline
(the calls that funded most projects), BM25 over one document per call, the lexical evidence
of the call finder fused (``bm25``), its dense evidence fused (``dense``) and all of it
(``hybrid``, what ``/api/v1/search`` does).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from samverkan.catalogue.calls import by_status, call_timings, wanted
from samverkan.db.models import Call, Project, ProjectTopic
from samverkan.search.analysis import Analyzer
from samverkan.search.calls import DENSE, LEXICAL, SIGNALS, CallFinder
from samverkan.search.dense import Embedder, embed_query, load_vectors
from samverkan.search.service import build_call_finder

GENERIC = re.compile(r"^(ERC|MSCA|SMEInst|EIC|FTIPilot|H2020-SMEINST|H2020-EIC)", re.IGNORECASE)
K = 10


@dataclass
class Case:
    id: str
    query: str
    answers: frozenset[str]
    thematic: bool = True
    language: str = "en"


@dataclass
class Scores:
    cases: int = 0
    hits: int = 0
    reciprocal: float = 0.0
    ranks: list[int | None] = field(default_factory=list)

    def add(self, rank: int | None) -> None:
        self.cases += 1
        self.ranks.append(rank)
        if rank is not None and rank <= K:
            self.hits += 1
        if rank is not None:
            self.reciprocal += 1.0 / rank

    @property
    def recall(self) -> float:
        return self.hits / self.cases if self.cases else 0.0

    @property
    def mrr(self) -> float:
        return self.reciprocal / self.cases if self.cases else 0.0


def split_of(project_id: str) -> str:
    """Deterministic 50/50 split of projects into ``dev`` and ``test``."""
    return "dev" if hashlib.sha1(project_id.encode()).digest()[0] % 2 == 0 else "test"


Links = list[tuple[str, str]]  # (project id, call id) for every project funded under a topic


def topic_links(session: Session) -> Links:
    return [(project, call) for project, call in session.execute(select(ProjectTopic.project_id, ProjectTopic.call_id))]


def project_cases(session: Session, split: str, links: Links) -> list[Case]:
    topics: dict[str, list[str]] = {}
    for project_id, call_id in links:
        topics.setdefault(project_id, []).append(call_id)
    cases = []
    rows = session.execute(
        select(Project.id, Project.title, Project.objective).where(
            Project.title.is_not(None), Project.objective.is_not(None)
        )
    )
    for project_id, title, objective in rows:
        calls = topics.get(project_id, [])
        if len(calls) != 1 or (split != "all" and split_of(project_id) != split):
            continue
        cases.append(Case(project_id, f"{title}\n{objective}", frozenset(calls), not GENERIC.match(calls[0])))
    return sorted(cases, key=lambda c: c.id)


def swedish_cases() -> list[Case]:
    path = resources.files("samverkan") / "data" / "eval" / "needs_sv.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [
        Case(n["id"], n["text"], frozenset([n["call"], *n.get("also_relevant", [])]), not n.get("generic"), "sv")
        for n in data["need"]
    ]


# (query text, id of the held-out project it comes from, or None) → call ids, best first
Ranker = Callable[[str, str | None], list[str]]

FOLDS = 5


def fold_of(project_id: str) -> int:
    """Which of the ``FOLDS`` folds a held-out project is hidden in."""
    return hashlib.sha1(f"fold:{project_id}".encode()).digest()[0] % FOLDS


def popularity_ranker(links: Links, hidden: Iterable[str]) -> Ranker:
    """The same list for every query: calls by number of funded (visible) projects."""
    hidden = set(hidden)
    counts = Counter(call_id for project_id, call_id in links if project_id not in hidden)
    top = [call_id for call_id, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:100]]

    def ranker(_query: str, _case_id: str | None = None) -> list[str]:
        return top

    return ranker


class HeldOut:
    """The live call finder, rebuilt once per fold with that fold's projects hidden.

    A held-out project is looked up with the projects of its own fold (a fifth of the split)
    left out of every call description and of the project evidence; the rest of the catalogue
    is visible, as it would be for a new applicant. Queries that are not projects (the Swedish
    needs) see the whole catalogue.
    """

    def __init__(self, engine: Engine, analyzer: Analyzer, cases: list[Case], embedder: Embedder | None) -> None:
        self.engine = engine
        self.analyzer = analyzer
        self.embedder = embedder
        self.hidden: dict[int | None, frozenset[str]] = {None: frozenset()}
        for fold in range(FOLDS):
            self.hidden[fold] = frozenset(c.id for c in cases if c.language == "en" and fold_of(c.id) == fold)
        self._finders: dict[int | None, CallFinder] = {}
        self._vectors: dict[str, tuple[list[str], np.ndarray]] = {}
        if embedder is not None:
            for kind in ("call", "project"):
                self._vectors[kind] = load_vectors(engine, kind, embedder.name)
        self.has_vectors = bool(self._vectors and self._vectors["call"][0])
        self._query_vectors: dict[str, np.ndarray] = {}

    def finder(self, fold: int | None) -> CallFinder:
        if fold not in self._finders:
            source = self._vectors.__getitem__ if self.has_vectors else None
            with Session(self.engine) as session:
                self._finders[fold] = build_call_finder(session, self.analyzer, source, self.hidden[fold])
        return self._finders[fold]

    def vector(self, query: str) -> np.ndarray | None:
        """The query embedded as ``/api/v1/search`` embeds it (a held-out project's stored passage
        vector would be a different, kinder vector: a passage of the same text, not a query)."""
        if not self.has_vectors:
            return None
        if query not in self._query_vectors:
            assert self.embedder is not None  # there are vectors only with an embedder
            self._query_vectors[query] = embed_query(self.embedder, query)
        return self._query_vectors[query]

    def ranker(self, signals: tuple[str, ...], status: str = "all", today: dt.date | None = None) -> Ranker:
        """Rank with ``signals``; a held-out project looks among calls of ``status`` on ``today``."""
        day = today or dt.datetime.now(dt.UTC).date()

        def rank(query: str, case_id: str | None = None) -> list[str]:
            fold = fold_of(case_id) if case_id is not None else None
            finder = self.finder(fold)
            allowed = None
            if status != "all" and case_id is not None:
                statuses = by_status(call_timings(finder.records, day))
                allowed = set().union(*(statuses[s] for s in wanted(status)))
            vector = self.vector(query) if set(signals) & set(DENSE) else None
            analysed = self.analyzer.analyse_query(query)
            found = finder.find(analysed.terms, vector, allowed, 100, signals, analysed.language, explain=0)
            return [finder.records[m.doc]["id"] for m in found]

        return rank


def score(cases: list[Case], ranker: Ranker) -> dict[str, Scores]:
    out = {"all": Scores(), "thematic": Scores()}
    for case in cases:
        ranked = ranker(case.query, case.id if case.language == "en" else None)
        rank = next((i for i, call_id in enumerate(ranked, start=1) if call_id in case.answers), None)
        out["all"].add(rank)
        if case.thematic:
            out["thematic"].add(rank)
    return out


def evaluate(
    engine: Engine,
    split: str = "dev",
    analyzer: Analyzer | None = None,
    max_cases: int | None = None,
    embedder: Embedder | None = None,
    status: str = "all",
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Run every method on the cases of ``split`` (dev, test or all) and the Swedish needs.

    ``max_cases`` keeps only the first project cases (by id), for a quick check. With an
    ``embedder`` whose vectors are stored (``samverkan embed``), dense and hybrid are measured too.
    """
    analyzer = analyzer or Analyzer()
    with Session(engine) as session:
        links = topic_links(session)
        projects = project_cases(session, split, links)[:max_cases]
        known = set(session.execute(select(Call.id)).scalars())
    needs = [c for c in swedish_cases() if c.answers & known and split in ("all", split_of(c.id))]
    held_out = HeldOut(engine, analyzer, projects, embedder)
    methods: dict[str, Ranker] = {
        "popularity": popularity_ranker(links, [c.id for c in projects]),
        "bm25 one doc": held_out.ranker(("text",), status, today),
        "bm25": held_out.ranker(LEXICAL, status, today),
    }
    if held_out.has_vectors:
        methods["dense"] = held_out.ranker(DENSE, status, today)
        methods["hybrid"] = held_out.ranker(SIGNALS, status, today)
    report: dict[str, Any] = {
        "split": split,
        "status": status,
        "folds": FOLDS,
        "k": K,
        "cases": {"projects": len(projects), "needs_sv": len(needs)},
        "methods": {},
    }
    for name, ranker in methods.items():
        on_projects = score(projects, ranker)
        on_needs = score(needs, ranker)
        report["methods"][name] = {
            "projects": {k: {"recall": v.recall, "mrr": v.mrr, "cases": v.cases} for k, v in on_projects.items()},
            "needs_sv": {"recall": on_needs["all"].recall, "mrr": on_needs["all"].mrr, "cases": on_needs["all"].cases},
        }
    return report


def render(report: dict[str, Any]) -> str:
    lines = [
        f"call finder, split {report['split']}: {report['cases']['projects']} projects "
        f"(each hidden in 1 of {report['folds']} folds, among {report['status']} calls), "
        f"{report['cases']['needs_sv']} Swedish needs",
        f"{'method':<12}{'R@10 all':>10}{'MRR all':>9}{'R@10 them.':>12}{'MRR them.':>11}{'R@10 sv':>9}{'MRR sv':>8}",
    ]
    for name, r in report["methods"].items():
        p, t, s = r["projects"]["all"], r["projects"]["thematic"], r["needs_sv"]
        lines.append(
            f"{name:<12}{p['recall']:>10.3f}{p['mrr']:>9.3f}{t['recall']:>12.3f}{t['mrr']:>11.3f}"
            f"{s['recall']:>9.3f}{s['mrr']:>8.3f}"
        )
    return "\n".join(lines)

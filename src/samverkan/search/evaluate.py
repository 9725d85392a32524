"""Evaluation of the call finder on held-out real cases, runnable by anyone (``samverkan eval``).

Cases are built from the catalogue itself:

- **projects → their call**: a CORDIS project with a title and an objective, funded under
  one topic; its text is the query and its topic the answer. Projects are split by a hash of
  their id into a *dev* half (tune on this only) and a *test* half. The evaluated projects
  are hidden from the call descriptions (a call is otherwise also described by the projects
  it funded). *Thematic* cases leave out generic schemes (ERC, MSCA, SME instrument, EIC,
  Fast Track to Innovation), where the topic says little about the subject.
- **Swedish needs → a call**: needs written in Swedish by the team (``data/eval/needs_sv.toml``),
  each mapped to the open or forthcoming call it should find.

Reported: recall@10 and MRR per method, with a popularity baseline (the calls that funded
most projects) in the same run.
"""

from __future__ import annotations

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

from samverkan.db.models import Call, Project, ProjectTopic
from samverkan.search.analysis import Analyzer
from samverkan.search.dense import Embedder, load_vectors, normalise, reciprocal_rank_fusion
from samverkan.search.service import _calls, build_kind_index

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
    return [tuple(row) for row in session.execute(select(ProjectTopic.project_id, ProjectTopic.call_id))]


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


def lexical_ranker(engine: Engine, analyzer: Analyzer, hidden: Iterable[str]) -> Ranker:
    """BM25 over every call (any status), with the hidden projects left out of call texts."""
    with Session(engine) as session:
        built = build_kind_index(_calls(session, frozenset(hidden)), analyzer)

    def rank(query: str, _case_id: str | None = None) -> list[str]:
        terms = analyzer.analyse_query(query).terms
        return [built.records[h.doc]["id"] for h in built.index.search(terms, limit=100)]

    return rank


def popularity_ranker(links: Links, hidden: Iterable[str]) -> Ranker:
    """The same list for every query: calls by number of funded (visible) projects."""
    hidden = set(hidden)
    counts = Counter(call_id for project_id, call_id in links if project_id not in hidden)
    top = [call_id for call_id, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:100]]
    return lambda _query, _case_id=None: top


def dense_ranker(engine: Engine, embedder: Embedder, links: Links, hidden: Iterable[str]) -> Ranker | None:
    """Cosine to each call's own vector and to the centroid of its visible funded projects.

    A held-out project's query vector is its stored passage vector (the same text); other
    queries are embedded as e5 queries. ``None`` when the calls have no stored vectors.
    """
    call_ids, call_matrix = load_vectors(engine, "call", embedder.name)
    if not call_ids:
        return None
    project_ids, project_matrix = load_vectors(engine, "project", embedder.name)
    project_row = {pid: i for i, pid in enumerate(project_ids)}
    hidden = set(hidden)
    members: dict[str, list[int]] = {}
    for project_id, call_id in links:
        if project_id not in hidden and project_id in project_row:
            members.setdefault(call_id, []).append(project_row[project_id])
    centroids = np.zeros_like(call_matrix)
    for i, call_id in enumerate(call_ids):
        rows = members.get(call_id)
        if rows:
            centroids[i] = project_matrix[rows].mean(axis=0)
    centroids = normalise(centroids)

    def rank(query: str, case_id: str | None = None) -> list[str]:
        if case_id is not None and case_id in project_row:
            vector = project_matrix[project_row[case_id]]
        else:
            vector = embedder.query(query)
        scores = np.maximum(call_matrix @ vector, centroids @ vector)
        best = np.argsort(-scores, kind="stable")[:100]
        return [call_ids[i] for i in best]

    return rank


def hybrid_ranker(rankers: list[Ranker], weights: list[float] | None = None) -> Ranker:
    """Reciprocal rank fusion of several rankers."""

    def rank(query: str, case_id: str | None = None) -> list[str]:
        return reciprocal_rank_fusion([r(query, case_id) for r in rankers], weights)[:100]

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
    needs = [c for c in swedish_cases() if c.answers & known]
    hidden = [c.id for c in projects]
    methods: dict[str, Ranker] = {
        "popularity": popularity_ranker(links, hidden),
        "bm25": lexical_ranker(engine, analyzer, hidden),
    }
    if embedder is not None:
        dense = dense_ranker(engine, embedder, links, hidden)
        if dense is not None:
            methods["dense"] = dense
            methods["hybrid"] = hybrid_ranker([methods["bm25"], dense])
    report: dict[str, Any] = {
        "split": split,
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
        f"call finder, split {report['split']}: {report['cases']['projects']} projects, "
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

"""Evaluation of the partner finder on held-out real consortia (``samverkan eval-partners``).

A case is a CORDIS project with a known coordinator, one topic and at least one other
participant. Projects are split into *dev* (tune and fit on this only) and *test* halves by
the same hash as the call-finder evaluation, and each half into ``FOLDS`` folds. The
projects of a fold are hidden — removed from the history entirely, as if never imported —
and each is then asked for: partners for its topic, with its coordinator as the team. Its
real partners are the other participants that still appear in the history (an organisation
seen only in hidden projects cannot be suggested by any method).

Reported: recall@20 (the share of a project's real partners among the 20 suggestions,
averaged over projects) and MRR of the first real partner, for two baselines and the
finder, all in the same run:

- ``topic popularity``: organisations by their number of projects under the same topic,
  then by their number of projects overall;
- ``co-partners + popularity``: the coordinator's past partners by number of shared
  projects, then by number of projects overall;
- ``finder``: what ``/api/v1/partners`` does.

Beside them, two ceilings (not methods: they look at the answer) say how far a ranking of
the co-participation graph could go: ``ceiling: past partners`` puts the real partners among
the coordinator's past partners first, ``ceiling: two hops`` those among its partners'
partners too. A ranking that suggests only past partners cannot beat the first, one that
stays within two hops cannot beat the second (topic and text signals reach further).

Topical similarity (``on topic``): of an organisation to a case's topic, the closeness of its
closest project to the topic's title (:mod:`partners`: centred e5 cosine, the project's own
vector or its funding topic's). Reported as the median over the finder's top 10 per case and
over the real partners, and the share of each with no project near the subject (``NEAR``).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from samverkan.db.models import Participation, ProjectTopic
from samverkan.errors import NotFound
from samverkan.match.partners import (
    COORDINATOR_ROLES,
    FEATURES,
    WEIGHTS,
    History,
    PartnerFinder,
    Team,
    VectorSource,
    best_first,
    call_text,
    topic_popularity,
)
from samverkan.match.topicality import LEANING, NEAR, STRICT_TOP, on_subject
from samverkan.search.analysis import Analyzer
from samverkan.search.dense import E5Embedder, embed_query, load_vectors
from samverkan.search.evaluate import split_of

K = 20
TOPICAL_TOP = 10  # proposed partners per case whose topical similarity is reported
FOLDS = 5
METHODS = ("topic popularity", "co-partners + popularity", "finder")
CEILINGS = ("ceiling: past partners", "ceiling: two hops")


def fold_of(project_id: str) -> int:
    return hashlib.sha1(f"partners:{project_id}".encode()).digest()[0] % FOLDS


@dataclass
class PartnerCase:
    project: str
    topic: str
    coordinator: str
    partners: frozenset[str]  # organisation ids (as stored)


@dataclass
class Recall:
    cases: int = 0
    recall: float = 0.0
    reciprocal: float = 0.0
    seconds: list[float] = field(default_factory=list)

    def add(self, ranked: list[str], real: set[str], seconds: float) -> None:
        self.cases += 1
        self.recall += len(set(ranked[:K]) & real) / len(real)
        first = next((i for i, o in enumerate(ranked, 1) if o in real), None)
        self.reciprocal += 1.0 / first if first else 0.0
        self.seconds.append(seconds)

    def summary(self) -> dict[str, Any]:
        n = self.cases or 1
        ms = sorted(1000 * s for s in self.seconds) or [0.0]
        return {
            "cases": self.cases,
            f"recall@{K}": round(self.recall / n, 4),
            "mrr": round(self.reciprocal / n, 4),
            "median_ms": round(ms[len(ms) // 2], 2),
        }


def partner_cases(session: Session, split: str) -> list[PartnerCase]:
    topics: dict[str, list[str]] = {}
    for project_id, call_id in session.execute(select(ProjectTopic.project_id, ProjectTopic.call_id)):
        topics.setdefault(project_id, []).append(call_id)
    members: dict[str, dict[str, bool]] = {}
    for project_id, organisation_id, role in session.execute(
        select(Participation.project_id, Participation.organisation_id, Participation.role)
    ):
        roles = members.setdefault(project_id, {})
        roles[organisation_id] = roles.get(organisation_id, False) or role in COORDINATOR_ROLES
    cases = []
    for project_id, roles in sorted(members.items()):
        if split != "all" and split_of(project_id) != split:
            continue
        coordinators = [o for o, c in roles.items() if c]
        calls = topics.get(project_id, [])
        if len(coordinators) != 1 or len(calls) != 1 or len(roles) < 2:
            continue
        partners = frozenset(o for o in roles if o != coordinators[0])
        cases.append(PartnerCase(project_id, calls[0], coordinators[0], partners))
    return cases


def _ranked(history: History, score: np.ndarray, team: Team, limit: int = K) -> list[str]:
    keep = np.ones(len(history), dtype=bool)
    keep[team.members] = False
    return [history.org_ids[i] for i in best_first(score, keep, limit)]


def run_folds(
    engine: Engine,
    split: str,
    visit: Callable[[PartnerFinder, PartnerCase, Team, set[str]], None],
    vectors: VectorSource | None = None,
    max_cases: int | None = None,
    progress: Callable[[str], None] | None = None,
    weights: dict[str, float] | None = None,
    embed: Callable[[str], np.ndarray] | None = None,
) -> int:
    """Build the history without each fold and call ``visit`` for each of its cases."""
    analyzer = Analyzer()
    cache: dict[str, list[str]] = {}
    with Session(engine) as session:
        cases = partner_cases(session, split)
        if max_cases is not None and len(cases) > max_cases:
            step = len(cases) / max_cases
            cases = [cases[int(i * step)] for i in range(max_cases)]
        visited = 0
        for fold in range(FOLDS):
            hidden = [c for c in cases if fold_of(c.project) == fold]
            if not hidden:
                continue
            started = time.perf_counter()
            history = History(
                session, analyzer, vectors, exclude=frozenset(c.project for c in hidden), terms_cache=cache
            )
            finder = PartnerFinder(history, weights, embed)
            if progress:
                progress(
                    f"fold {fold + 1}/{FOLDS}: history built in {time.perf_counter() - started:.1f} s, "
                    f"{len(hidden)} cases"
                )
            for case in hidden:
                real = {history.canonical.get(o, o) for o in case.partners}
                real = {o for o in real if o in history.org_at} - {
                    history.canonical.get(case.coordinator, case.coordinator)
                }
                if not real:
                    continue
                at = history.position(case.coordinator)
                team = finder.team([case.coordinator]) if at is not None else Team([])
                visit(finder, case, team, real)
                visited += 1
    return visited


def _ceilings(h: History, team: Team, one: np.ndarray, real: set[str], results: dict[str, Recall]) -> None:
    """Recall@K if the real partners within one hop (``one``: projects shared with the team),
    then within two hops, came first."""
    circle = one > 0
    circle[team.members] = False
    two = h.per_org_sum(h.members_in_project(np.flatnonzero(circle)))
    first = sorted(o for o in real if one[h.org_at[o]] > 0)
    then = sorted(o for o in real if one[h.org_at[o]] == 0 and two[h.org_at[o]] > 0)
    results["ceiling: past partners"].add(first, real, 0.0)
    results["ceiling: two hops"].add(first + then, real, 0.0)


def _call_query(session: Session, call: str) -> tuple[str | None, str | None]:
    """A topic's title and text; neither for a topic known only from topics.csv."""
    try:
        return call_text(session, call)
    except NotFound:
        return None, None


def _embedder(model: str | None) -> Callable[[str], np.ndarray] | None:
    """The service's query embedding (for call titles), when the evaluation uses vectors."""
    if model is None:
        return None
    embedder = E5Embedder()
    return lambda text: embed_query(embedder, text)


def _topical_summary(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"members": 0, "median": None, "none_near": None}
    return {
        "members": len(values),
        "median": round(float(np.median(values)), 4),
        "none_near": round(float(np.mean(np.array(values) < NEAR)), 4),
    }


def evaluate(
    engine: Engine,
    split: str = "dev",
    model: str | None = None,
    max_cases: int | None = None,
    progress: Callable[[str], None] | None = None,
    weights: dict[str, float] | None = None,
) -> dict[str, Any]:
    vectors = (lambda kind: load_vectors(engine, kind, model)) if model else None
    results = {m: Recall() for m in METHODS + CEILINGS}
    texts: dict[str, tuple[str | None, str | None]] = {}
    topical: dict[str, list[float]] = {"finder top 10": [], "real partners": []}

    def visit(finder: PartnerFinder, case: PartnerCase, team: Team, real: set[str]) -> None:
        h = finder.history
        started = time.perf_counter()
        score = topic_popularity(h, case.topic)
        results["topic popularity"].add(_ranked(h, score, team), real, time.perf_counter() - started)
        started = time.perf_counter()
        shared = h.per_org_sum(h.members_in_project(team.members))
        score = shared + 1e-4 * h.org_projects
        results["co-partners + popularity"].add(_ranked(h, score, team), real, time.perf_counter() - started)
        _ceilings(h, team, shared, real, results)
        started = time.perf_counter()
        if case.topic not in texts:
            with Session(engine) as session:
                texts[case.topic] = _call_query(session, case.topic)
        title, words = texts[case.topic]
        ranked, projects = finder.rank(team, call=case.topic, call_text=words, limit=K, call_title=title)
        results["finder"].add([h.org_ids[p.org] for p in ranked], real, time.perf_counter() - started)
        if "closeness" in projects:
            similarity = h.topical(projects["closeness"])
            topical["finder top 10"] += [float(similarity[p.org]) for p in ranked[:TOPICAL_TOP]]
            topical["real partners"] += [float(similarity[h.org_at[o]]) for o in sorted(real)]

    cases = run_folds(engine, split, visit, vectors, max_cases, progress, weights, _embedder(model))
    return {
        "split": split,
        "k": K,
        "cases": cases,
        "methods": {m: r.summary() for m, r in results.items()},
        "topical": {name: _topical_summary(values) for name, values in topical.items()},
    }


def render(report: dict[str, Any]) -> str:
    lines = [f"partner finder, {report['split']} split: {report['cases']} held-out projects, recall@{report['k']}"]
    lines.append(f"{'method':<28}{'recall@' + str(report['k']):>10}{'MRR':>8}{'median ms':>11}")
    for method, s in report["methods"].items():
        recall = s[f"recall@{report['k']}"]
        if method in CEILINGS:
            lines.append(f"{method:<28}{recall:>10.3f}")
        else:
            lines.append(f"{method:<28}{recall:>10.3f}{s['mrr']:>8.3f}{s['median_ms']:>11.1f}")
    topical = report.get("topical", {})
    if any(t["members"] for t in topical.values()):
        lines.append(f"topical similarity (closest project to the topic's title; near ≥ {NEAR})")
        lines.append(f"{'':<28}{'members':>10}{'median':>8}{'none near':>11}")
        for name, t in topical.items():
            if t["members"]:
                lines.append(f"{name:<28}{t['members']:>10}{t['median']:>8.3f}{t['none_near']:>11.3f}")
    return "\n".join(lines)


def fit(
    engine: Engine,
    model: str | None = None,
    max_cases: int | None = None,
    progress: Callable[[str], None] | None = None,
    rounds: int = 3,
) -> dict[str, float]:
    """Tune the signal weights on the dev split by coordinate ascent on recall@20: the
    metric itself, measured on every dev case's signals (computed once)."""
    vectors = (lambda kind: load_vectors(engine, kind, model)) if model else None
    cases: list[tuple[np.ndarray, np.ndarray, list[int], np.ndarray]] = []
    texts: dict[str, tuple[str | None, str | None]] = {}

    def visit(finder: PartnerFinder, case: PartnerCase, team: Team, real: set[str]) -> None:
        h = finder.history
        if case.topic not in texts:
            with Session(engine) as session:
                texts[case.topic] = _call_query(session, case.topic)
        title, words = texts[case.topic]
        signals, projects = finder.signals(team, case.topic, words, call_title=title)
        matrix = np.stack([signals[n] for n in FEATURES], axis=1).astype(np.float32)
        near = leaning = np.ones(len(h), dtype=bool)
        if "closeness" in projects:  # the on-topic rule, as ``PartnerFinder.rank`` applies it
            near, leaning = on_subject(signals), on_subject(signals, LEANING)
        matrix[~leaning] = -1e3  # never suggested: sinks below everyone
        matrix[team.members] = -1e3
        cases.append((matrix, np.array([h.org_at[o] for o in real]), team.members, near))

    run_folds(engine, "dev", visit, vectors, max_cases, progress, embed=_embedder(model))
    names = list(FEATURES)

    def recall(w: np.ndarray) -> float:
        total = 0.0
        for matrix, real, members, near in cases:
            score = matrix @ w
            score[members] = -np.inf
            masked = np.where(near, score, -np.inf)
            first = np.argpartition(-masked, STRICT_TOP)[:STRICT_TOP]
            first = first[np.isfinite(masked[first])]
            score[first] = np.inf
            top = np.argpartition(-score, K)[:K]
            total += np.isin(real, top).mean()
        return total / len(cases)

    w = np.array([WEIGHTS.get(n, 0.0) for n in names], dtype=np.float32)
    best = recall(w)
    for name in names:  # each signal alone, for the record
        alone = np.zeros_like(w)
        alone[names.index(name)] = 1.0
        alone[names.index("projects")] += 1e-3
        if progress:
            progress(f"{name:<14} alone: recall@{K} {recall(alone):.3f}")
    grid = (0.0, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
    for r in range(rounds):
        improved = False
        for i, name in enumerate(names):
            for value in grid:
                trial = w.copy()
                trial[i] = value
                got = recall(trial)
                if got > best + 1e-4:
                    best, w, improved = got, trial, True
            if progress:
                progress(f"round {r + 1}: {name:<14} {w[i]:>5}  recall@{K} {best:.3f}")
        if not improved:
            break
    return {n: float(v) for n, v in zip(names, w, strict=True)}

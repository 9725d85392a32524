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
- **External needs → calls**: needs written outside the team (``data/eval/needs-external.jsonl``,
  or another file of that shape), each in Swedish and in English, with the topics whose title
  answers them — mostly Horizon 2020 topics known only by their title. They are a development
  set for generalisation and reported apart from the team's own, in every split; a larger set of
  such needs, never seen here, checks what tuning on them would hide.

Reported: recall@10 and MRR per method and per set of cases, and separately for cases whose
answers all lack a description (topics known only by their title) and the others, all
measured in the same run: a popularity baseline
(the calls that funded most projects), BM25 over one document per call, the lexical evidence
of the call finder fused (``bm25``), its dense evidence fused (``dense``) and all of it
(``hybrid``, what ``/api/v1/search`` does).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
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
    held_out: bool = False  # a project of the catalogue, hidden while it is asked for


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
        query = f"{title}\n{objective}"
        cases.append(Case(project_id, query, frozenset(calls), not GENERIC.match(calls[0]), held_out=True))
    return sorted(cases, key=lambda c: c.id)


def swedish_cases() -> list[Case]:
    path = resources.files("samverkan") / "data" / "eval" / "needs_sv.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [
        Case(n["id"], n["text"], frozenset([n["call"], *n.get("also_relevant", [])]), not n.get("generic"), "sv")
        for n in data["need"]
    ]


def external_cases(path: Path | None = None) -> dict[str, list[Case]]:
    """The needs written outside the team, by language (``sv``, ``en``): one case per need and
    language, its answers the topics listed for it. ``path`` defaults to the bundled file."""
    if path is None:
        text = (resources.files("samverkan") / "data" / "eval" / "needs-external.jsonl").read_text(encoding="utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    out: dict[str, list[Case]] = {"sv": [], "en": []}
    for number, line in enumerate(filter(str.strip, text.splitlines()), start=1):
        need = json.loads(line)
        for language in out:
            query = need[f"need_{language}"]
            out[language].append(Case(f"external-{number}-{language}", query, frozenset(need["calls"]), True, language))
    return out


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
            for kind in ("call", "call_title", "project"):
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


def score(cases: list[Case], ranker: Ranker, described: set[str] | frozenset[str] = frozenset()) -> dict[str, Scores]:
    """Scores of all cases, the thematic ones, and those with an answer among the ``described``
    calls (``described``) or none (``title_only``)."""
    out = {"all": Scores(), "thematic": Scores(), "described": Scores(), "title_only": Scores()}
    for case in cases:
        ranked = ranker(case.query, case.id if case.held_out else None)
        rank = next((i for i, call_id in enumerate(ranked, start=1) if call_id in case.answers), None)
        out["all"].add(rank)
        if case.thematic:
            out["thematic"].add(rank)
        out["described" if case.answers & described else "title_only"].add(rank)
    return out


def _figures(scores: Scores) -> dict[str, float | int]:
    return {"recall": scores.recall, "mrr": scores.mrr, "cases": scores.cases}


def evaluate(
    engine: Engine,
    split: str = "dev",
    analyzer: Analyzer | None = None,
    max_cases: int | None = None,
    embedder: Embedder | None = None,
    status: str = "all",
    today: dt.date | None = None,
    external: Path | None = None,
) -> dict[str, Any]:
    """Run every method on the cases of ``split`` (dev, test or all), the team's Swedish needs
    of that split and the external needs (all of them, in Swedish and English; ``external``
    names another file of their shape).

    ``max_cases`` keeps only the first project cases (by id), for a quick check. With an
    ``embedder`` whose vectors are stored (``samverkan embed``), dense and hybrid are measured too.
    """
    analyzer = analyzer or Analyzer()
    with Session(engine) as session:
        links = topic_links(session)
        projects = project_cases(session, split, links)[:max_cases]
        known = set(session.execute(select(Call.id)).scalars())
        described = set(
            session.execute(select(Call.id).where(Call.description.is_not(None), Call.description != "")).scalars()
        )
    needs = [c for c in swedish_cases() if c.answers & known and split in ("all", split_of(c.id))]
    outside = {
        language: [c for c in cases if c.answers & known] for language, cases in external_cases(external).items()
    }
    sets = {"needs_sv": needs, "external_sv": outside["sv"], "external_en": outside["en"]}
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
        "cases": {"projects": len(projects), **{name: len(cases) for name, cases in sets.items()}},
        "methods": {},
    }
    for name, ranker in methods.items():
        on_projects = score(projects, ranker, described)
        figures: dict[str, Any] = {"projects": {k: _figures(v) for k, v in on_projects.items()}}
        for set_name, cases in sets.items():
            on_set = score(cases, ranker, described)
            figures[set_name] = {
                **_figures(on_set["all"]),
                "described": _figures(on_set["described"]),
                "title_only": _figures(on_set["title_only"]),
            }
        report["methods"][name] = figures
    return report


SETS = (("projects", "projects"), ("team sv", "needs_sv"), ("ext sv", "external_sv"), ("ext en", "external_en"))


def render(report: dict[str, Any]) -> str:
    cases = report["cases"]
    lines = [
        f"call finder, split {report['split']}: {cases['projects']} projects "
        f"(each hidden in 1 of {report['folds']} folds, among {report['status']} calls), "
        f"{cases['needs_sv']} Swedish needs of the team's, "
        f"{cases['external_sv']} external needs (in Swedish and in English)",
        f"{'':<14}{'projects':^42}{'team sv':^16}{'external sv':^16}{'external en':^16}",
        f"{'method':<14}{'R@10 all':>10}{'MRR all':>9}{'R@10 them.':>12}{'MRR them.':>11}"
        + f"{'R@10':>8}{'MRR':>8}" * 3,
    ]
    for name, r in report["methods"].items():
        p, t = r["projects"]["all"], r["projects"]["thematic"]
        row = f"{name:<14}{p['recall']:>10.3f}{p['mrr']:>9.3f}{t['recall']:>12.3f}{t['mrr']:>11.3f}"
        for set_name in ("needs_sv", "external_sv", "external_en"):
            row += f"{r[set_name]['recall']:>8.3f}{r[set_name]['mrr']:>8.3f}"
        lines.append(row)
    lines.append("R@10 where an answer has a description / where every answer is known only by its title:")
    for name, r in report["methods"].items():
        parts = [
            f"{label} {r[key]['described']['recall']:.3f} ({r[key]['described']['cases']}) / "
            f"{r[key]['title_only']['recall']:.3f} ({r[key]['title_only']['cases']})"
            for label, key in (
                ("projects", "projects"),
                ("team sv", "needs_sv"),
                ("ext sv", "external_sv"),
                ("ext en", "external_en"),
            )
        ]
        lines.append(f"  {name:<14}" + ";  ".join(parts))
    return "\n".join(lines)

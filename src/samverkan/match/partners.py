"""Partner finder: organisations for a call and/or a need, given the team so far.

Everything comes from real project history (CORDIS participations). Each organisation gets a
few measurable signals, computed for all organisations at once with numpy:

- ``partners``: projects it did with a team member (the co-participation graph, one hop);
- ``partners2``: how strongly it worked with the team's partners (two hops, each project
  weighted by how much of it is the team's circle, divided by its size);
- ``topic`` / ``family``: projects it did under the same topic, or in the same strand of
  calls (:func:`~samverkan.catalogue.programmes.call_strand`: ``HORIZON-CL5-2024-D3-01-05`` →
  ``HORIZON-CL5-D3``);
- ``text``: BM25 of the call's or the need's words against its projects' titles and
  objectives (its best project, relative to the best project overall);
- ``meaning``: cosine of its best project's vector to the call's or the need's vector;
- ``funded``: cosine of its best project to the mean of the projects the call funded;
- ``topical``: how near its closest project is to the call's or the need's subject (below);
- ``projects``, ``recent``: how active it is, and how lately;
- ``lead_country``, ``new_country``, ``new_role``: where and what it adds to the team.

**On topic** (:mod:`samverkan.match.topicality`): a need's partners and a call's first ten need
past work near the subject (``topical``), never a graph path alone; a call's later ones work
leaning toward it.

The score is a weighted sum of the signals (``WEIGHTS``: tuned on the development split by
coordinate ascent on recall@20, ``samverkan eval-partners --fit``). Duplicate organisations (the same
organisation under its PIC and under a name hash) are merged before anything is counted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from samverkan.catalogue.countries import iso_from_code
from samverkan.catalogue.places import load_places
from samverkan.catalogue.programmes import call_strand
from samverkan.db.models import Call, Organisation, Participation, Project, ProjectTopic
from samverkan.errors import NotFound
from samverkan.match import topicality
from samverkan.match.topicality import LEANING, NEAR, STRICT_TOP, on_subject
from samverkan.search.analysis import Analyzer
from samverkan.search.filters import FilterError, Filters
from samverkan.search.lexical import LexicalIndex

FEATURES = (
    "partners",
    "partners_close",
    "partners_related",
    "partners2",
    "partners2_related",
    "topic",
    "family",
    "text",
    "meaning",
    "funded",
    "topical",
    "projects",
    "recent",
    "lead_country",
    "new_country",
    "new_role",
)
# tuned on the dev split by coordinate ascent on recall@20 (samverkan eval-partners --fit), before
# the on-topic rule; with the rule (``rank``) these still do best on dev: 0.186 (refitted under the
# strict gate: 0.181)
WEIGHTS = dict.fromkeys(FEATURES, 0.0) | {
    "partners": 2.0,
    "partners_close": 0.5,
    "partners_related": 2.0,
    "partners2": 0.25,
    "partners2_related": 0.1,
    "topic": 1.0,
    "family": 1.0,
    "text": 0.5,
    "meaning": 0.05,
    "projects": 0.1,
    "lead_country": 0.5,
}

# A need without a call or a team has only the competence signals to go on: they weigh more.
# Not tuned (there are no held-out needs with known partners); checked by hand on the demo.
NEED_WEIGHTS = WEIGHTS | {"text": 1.0, "meaning": 0.5}

COORDINATOR_ROLES = ("coordinator",)
CALL_TEXT_WORDS = 300  # words of a call's text used as its lexical query
TITLE_CACHE = 2_000  # call titles' vectors kept per finder

VectorSource = Callable[[str], tuple[list[str], np.ndarray]]  # kind → (ids, unit vectors)


@dataclass(frozen=True)
class PartnerFilters:
    country: str | None = None
    region: str | None = None  # NUTS code; holds its subregions
    org_type: str | None = None
    sme: bool | None = None
    coordinated: bool | None = None  # has coordinated a project before
    active_since: int | None = None  # took part in a project starting in or after this year

    def __post_init__(self) -> None:
        shared = self.organisations  # checks and normalises them as search does
        for name in ("country", "region", "org_type"):
            object.__setattr__(self, name, getattr(shared, name))
        if self.region is not None and self.country is not None and iso_from_code(self.region[:2]) != self.country:
            raise FilterError(
                f"region {self.region} is not in country {self.country}: the filters contradict", "region"
            )
        if self.sme is True and self.org_type in ("HES", "PUB"):
            raise FilterError(f"sme=true and org_type={self.org_type} contradict: SMEs are companies", "sme")
        if self.active_since is not None and not 1980 <= self.active_since <= dt.date.today().year:
            raise FilterError(f"active_since {self.active_since} is not a year between 1980 and now", "active_since")

    @property
    def organisations(self) -> Filters:
        """The filters search has too (country, region, organisation type, SME)."""
        return Filters(country=self.country, region=self.region, org_type=self.org_type, sme=self.sme)

    def active(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


@dataclass
class Team:
    """The organisations already in the team (canonical positions), the first is the lead."""

    members: list[int]
    countries: set[str] = field(default_factory=set)
    roles: set[str] = field(default_factory=set)


@dataclass
class Partner:
    org: int
    score: float
    signals: dict[str, float]


ORG_FIELDS = ("id", "name", "short_name", "country", "activity_type", "sme", "city", "region")


def _organisations(session: Session) -> list[dict[str, Any]]:
    """Every organisation with what the history keeps of it, placed in its NUTS region."""
    places = load_places(session)
    out = []
    for o in session.execute(select(Organisation).order_by(Organisation.id)).scalars():
        place = places.locate(o.country, o.nuts_code, o.lat, o.lon, o.city)
        out.append(
            {"id": o.id, "name": o.name, "short_name": o.short_name, "country": o.country,
             "activity_type": o.activity_type, "sme": o.sme, "city": o.city,
             "region": place.nuts if place else None, "same_as": o.same_as_id}
        )  # fmt: skip
    return out


def _canonical(by_id: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Each organisation's canonical id: where its ``same_as`` chain ends (cycles stop)."""
    same_as = {oid: o["same_as"] for oid, o in by_id.items() if o.get("same_as")}
    canonical = {}
    for oid in by_id:
        target, seen = oid, set()
        while target in same_as and target not in seen:
            seen.add(target)
            target = same_as[target]
        canonical[oid] = target
    return canonical


class History:
    """Who worked with whom on which project, duplicates merged, some projects hidden."""

    def __init__(
        self,
        session: Session,
        analyzer: Analyzer,
        vectors: VectorSource | None = None,
        exclude: frozenset[str] = frozenset(),
        terms_cache: dict[str, list[str]] | None = None,
        organisations: Sequence[dict[str, Any]] | None = None,
    ) -> None:
        """The history of every project but those in ``exclude``. ``organisations`` are the
        organisation records as search has them (placed, with ``same_as``); read and placed here
        when not given."""
        self.analyzer = analyzer
        by_id = {o["id"]: o for o in (organisations if organisations is not None else _organisations(session))}
        self.canonical = _canonical(by_id)
        projects = {
            p.id: p for p in session.execute(select(Project).order_by(Project.id)).scalars() if p.id not in exclude
        }
        pairs = self._participations(session, projects)
        self.project_ids = sorted({p for p, _ in pairs})
        self.org_ids = sorted({o for _, o in pairs if o in by_id})
        self.project_at = {p: i for i, p in enumerate(self.project_ids)}
        self.org_at = {o: i for i, o in enumerate(self.org_ids)}
        self.orgs: list[dict[str, Any]] = [{k: by_id[o][k] for k in ORG_FIELDS} for o in self.org_ids]
        self.countries = np.array([o["country"] or "" for o in self.orgs])
        self.roles = np.array([o["activity_type"] or "" for o in self.orgs])
        self._graph(pairs, projects)
        self._call_projects(session)
        self.index = self._project_index(projects, analyzer, terms_cache)
        self.project_vectors: np.ndarray | None = None
        self.call_vectors: dict[str, np.ndarray] = {}
        self.title_vectors: dict[str, np.ndarray] = {}  # a call's title alone (``call_title``)
        self.subject_vectors: np.ndarray | None = None  # centred, unit; zero where a project has none
        self.call_mean: np.ndarray | None = None
        if vectors is not None:
            self._vectors(vectors)

    @classmethod
    def from_snapshot(
        cls, session: Session, organisations: Sequence[dict[str, Any]], analyzer: Analyzer, vectors: VectorSource | None
    ) -> History:
        """The whole history, on the organisation records of the catalogue's snapshot (search's,
        placed once) instead of reading and placing every organisation again."""
        records = [
            {"id": r["id"], "name": r["title"], **{k: r.get(k) for k in ORG_FIELDS[2:]}, "same_as": r.get("same_as")}
            for r in organisations
        ]
        return cls(session, analyzer, vectors, organisations=records)

    def _participations(self, session: Session, projects: dict[str, Project]) -> dict[tuple[str, str], bool]:
        """(project, canonical organisation) → whether it coordinated, for the projects kept."""
        pairs: dict[tuple[str, str], bool] = {}
        for project_id, organisation_id, role in session.execute(
            select(Participation.project_id, Participation.organisation_id, Participation.role)
        ):
            if project_id in projects:
                key = (project_id, self.canonical.get(organisation_id, organisation_id))
                pairs[key] = pairs.get(key, False) or role in COORDINATOR_ROLES
        return pairs

    def _graph(self, pairs: dict[tuple[str, str], bool], projects: dict[str, Project]) -> None:
        """The participations as flat arrays, and what follows per project and organisation."""
        kept = sorted((self.project_at[p], self.org_at[o], c) for (p, o), c in pairs.items() if o in self.org_at)
        self.part_project = np.array([p for p, _, _ in kept], dtype=np.int64)
        self.part_org = np.array([o for _, o, _ in kept], dtype=np.int64)
        self.part_coordinator = np.array([c for _, _, c in kept], dtype=bool)
        n_orgs, n_projects = len(self.org_ids), len(self.project_ids)
        self.project_size = np.bincount(self.part_project, minlength=n_projects).astype(np.float64)
        self.org_projects = np.bincount(self.part_org, minlength=n_orgs).astype(np.float64)
        self.coordinated = np.bincount(self.part_org, weights=self.part_coordinator, minlength=n_orgs)
        years = np.array([_year(projects[p]) for p in self.project_ids], dtype=np.float64)
        self.project_year = years
        last = np.zeros(n_orgs)
        np.maximum.at(last, self.part_org, np.nan_to_num(years[self.part_project], nan=0.0))
        self.last_year = last
        self.project_titles = [projects[p].acronym or projects[p].title or p for p in self.project_ids]
        schemes: dict[str, list[float]] = {}
        for i, p in enumerate(self.project_ids):
            schemes.setdefault((projects[p].funding_scheme or "").upper(), []).append(self.project_size[i])
        self.scheme_sizes = {scheme: np.array(sizes) for scheme, sizes in schemes.items()}  # organisations per project

    def _call_projects(self, session: Session) -> None:
        """The projects of each call and of each strand of calls."""
        self.topics: dict[str, list[int]] = {}
        self.families: dict[str, list[int]] = {}
        for project_id, call_id in session.execute(select(ProjectTopic.project_id, ProjectTopic.call_id)):
            at = self.project_at.get(project_id)
            if at is not None:
                self.topics.setdefault(call_id, []).append(at)
                self.families.setdefault(call_strand(call_id), []).append(at)

    def _project_index(
        self, projects: dict[str, Project], analyzer: Analyzer, cache: dict[str, list[str]] | None
    ) -> LexicalIndex:
        """BM25 over the projects' titles (twice) and objectives; texts analysed once per cache."""
        memo = cache if cache is not None else {}

        def analyse(text: str) -> list[str]:
            terms = memo.get(text)
            if terms is None:
                terms = memo[text] = analyzer.index_terms(text)
            return terms

        return LexicalIndex.build(
            ([(projects[p].title, 2), (projects[p].objective, 1)] for p in self.project_ids), analyse=analyse
        )

    def _vectors(self, vectors: VectorSource) -> None:
        ids, matrix = vectors("project")
        if len(ids):
            full = np.zeros((len(self.project_ids), matrix.shape[1]), dtype=np.float32)
            self.has_vector = np.zeros(len(self.project_ids), dtype=bool)
            for row, pid in enumerate(ids):
                at = self.project_at.get(pid)
                if at is not None:
                    full[at] = matrix[row]
                    self.has_vector[at] = True
            self.project_vectors = full
        ids, matrix = vectors("call")
        self.call_vectors = {cid: matrix[row] for row, cid in enumerate(ids)}
        if len(ids):
            self._subjects(matrix)
        ids, matrix = vectors("call_title")
        self.title_vectors = {cid: matrix[row] for row, cid in enumerate(ids)}

    def _subjects(self, calls: np.ndarray) -> None:
        """Each project's subject vector (:mod:`topicality`)."""
        self.call_mean = calls.mean(axis=0)
        self.subject_vectors = topicality.subject_vectors(
            len(self.project_ids), self.project_vectors, self.has_vector, self.topics, self.call_vectors, self.call_mean
        )

    def closeness(self, vector: np.ndarray | None) -> np.ndarray | None:
        """Per project, the centred cosine of its subject to ``vector`` (−1 without a subject);
        ``None`` when there are no vectors to compare."""
        if vector is None or self.subject_vectors is None or self.call_mean is None:
            return None
        return topicality.closeness(self.subject_vectors, self.call_mean, vector)

    def topical(self, closeness: np.ndarray) -> np.ndarray:
        """Per organisation, the closeness of its closest project (−1 without any)."""
        out = np.full(len(self.org_ids), -1.0)
        np.maximum.at(out, self.part_org, closeness[self.part_project])
        return out

    def near_projects(self, org: int, closeness: np.ndarray) -> int:
        """How many of ``org``'s projects are near the subject."""
        return int((closeness[self.part_project[self.part_org == org]] >= NEAR).sum())

    def __getstate__(self) -> dict[str, Any]:
        """What a snapshot stores: everything but the analyzer, which the reader gives back."""
        return {name: value for name, value in self.__dict__.items() if name != "analyzer"}

    def __len__(self) -> int:
        return len(self.org_ids)

    def position(self, organisation_id: str) -> int | None:
        return self.org_at.get(self.canonical.get(organisation_id, organisation_id))

    def team(self, positions: list[int]) -> Team:
        """The team of these organisations, with the countries and roles it already has."""
        return Team(
            positions,
            {self.orgs[i]["country"] for i in positions if self.orgs[i]["country"]},
            {self.orgs[i]["activity_type"] for i in positions if self.orgs[i]["activity_type"]},
        )

    def summary(self, org: int) -> dict[str, Any]:
        """What an answer shows of an organisation: who and where it is, how active."""
        o = self.orgs[org]
        return {k: o[k] for k in ("id", "name", "short_name", "country", "region", "activity_type", "sme")} | {
            "projects": int(self.org_projects[org]),
            "coordinated": int(self.coordinated[org]),
        }

    # --- signals ---------------------------------------------------------------------------

    def per_org_max(self, project_scores: np.ndarray) -> np.ndarray:
        out = np.zeros(len(self.org_ids))
        np.maximum.at(out, self.part_org, project_scores[self.part_project])
        return out

    def per_org_sum(self, project_weights: np.ndarray) -> np.ndarray:
        return np.bincount(self.part_org, weights=project_weights[self.part_project], minlength=len(self.org_ids))

    def per_project_sum(self, org_weights: np.ndarray) -> np.ndarray:
        """Per project, the sum of its participants' weights (the reverse of :meth:`per_org_sum`)."""
        return np.bincount(self.part_project, weights=org_weights[self.part_org], minlength=len(self.project_ids))

    def members_in_project(self, members: Iterable[int]) -> np.ndarray:
        """Per project, how many of these organisations (positions) took part in it."""
        chosen = np.zeros(len(self.org_ids))
        chosen[list(members)] = 1.0
        return self.per_project_sum(chosen)

    def best_project(self, org: int, project_scores: np.ndarray) -> int | None:
        mine = self.part_project[self.part_org == org]
        if not len(mine):
            return None
        return int(mine[np.argmax(project_scores[mine])])

    def signals(
        self,
        team: Team,
        call: str | None,
        terms: list[str] | dict[str, float] | None,
        vector: np.ndarray | None,
        funded_vector: np.ndarray | None,
        closeness: np.ndarray | None = None,
    ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Every signal for every organisation, and the per-project scores behind some of them
        (``closeness``: of each project to the subject, when it is known)."""
        n_orgs, n_projects = len(self.org_ids), len(self.project_ids)
        projects: dict[str, np.ndarray] = {}
        if closeness is not None:
            projects["closeness"] = closeness
        topic = np.zeros(n_projects)
        family = np.zeros(n_projects)
        if call:
            topic[self.topics.get(call, [])] = 1.0
            family[self.families.get(call_strand(call), [])] = 1.0
        projects["topic"], projects["family"] = topic, family
        text = np.zeros(n_projects)
        if terms:
            text = self.index.scores(terms).astype(np.float64)
            if text.size and text.max() > 0:  # no projects yet (only calls synced): nothing to scale
                text /= text.max()
        projects["text"] = text
        for name, query in (("meaning", vector), ("funded", funded_vector)):
            z = np.zeros(n_projects)
            if query is not None and self.project_vectors is not None:
                cosine = self.project_vectors @ query
                known = cosine[self.has_vector]
                z = (cosine - known.mean()) / (known.std() or 1.0)
                z[~self.has_vector] = 0.0
            projects[name] = np.maximum(z, 0.0)
        # how much a past project is like this call: same family, same words, same meaning
        related = np.maximum.reduce([family, text, projects["meaning"] / 3.0, projects["funded"] / 3.0])
        in_team = np.zeros(n_orgs)
        in_team[team.members] = 1.0
        team_in_project = self.members_in_project(team.members)
        projects["team"] = team_in_project
        spread = 1.0 / np.log(2.0 + self.project_size)  # a shared project of 40 says less than one of 4
        direct = self.per_org_sum(team_in_project * spread)
        circle = direct * (1.0 - in_team)
        circle_in_project = self.per_project_sum(circle)
        second = self.per_org_sum(circle_in_project * spread / np.maximum(self.project_size, 1.0))
        out = {
            "partners": np.log1p(self.per_org_sum(team_in_project)),
            "partners_close": np.log1p(direct),
            "partners_related": np.log1p(self.per_org_sum(team_in_project * related)),
            "partners2": np.log1p(second),
            "partners2_related": np.log1p(self.per_org_sum(circle_in_project * spread * related)),
            "topic": np.log1p(self.per_org_sum(topic)),
            "family": np.log1p(self.per_org_sum(family)),
            "text": self.per_org_max(text),
            "meaning": self.per_org_max(projects["meaning"]),
            "funded": self.per_org_max(projects["funded"]),
            "topical": np.zeros(n_orgs) if closeness is None else np.maximum(self.topical(closeness), 0.0),
            "projects": np.log1p(self.org_projects),
            "recent": np.clip((self.last_year - 2010.0) / 10.0, 0.0, 1.5),
        }
        countries, roles = self.countries, self.roles
        lead = self.orgs[team.members[0]]["country"] if team.members else None
        out["lead_country"] = (countries == (lead or "-")).astype(np.float64)
        out["new_country"] = ((countries != "") & ~np.isin(countries, list(team.countries))).astype(np.float64)
        out["new_role"] = ((roles != "") & ~np.isin(roles, list(team.roles))).astype(np.float64)
        return out, projects


def strict_first(score: np.ndarray, keep: np.ndarray, signals: dict[str, np.ndarray], limit: int) -> np.ndarray:
    """The best ``limit`` among ``keep`` for a call: the first ``STRICT_TOP`` with work near its
    subject, those after with work at least leaning toward it (``LEANING``)."""
    first = best_first(score, keep & on_subject(signals), min(limit, STRICT_TOP))
    rest = keep & on_subject(signals, LEANING)
    rest[first] = False
    return np.concatenate([first, best_first(score, rest, limit - len(first))]).astype(int)


def best_first(score: np.ndarray, keep: np.ndarray, limit: int) -> np.ndarray:
    """Positions of the ``limit`` best-scoring organisations among ``keep``; ties by position."""
    candidates = np.flatnonzero(keep)
    return candidates[np.lexsort((candidates, -score[candidates]))][:limit]


def topic_popularity(history: History, call: str) -> np.ndarray:
    """The baseline: organisations by projects under the topic, then by projects overall."""
    topic = np.zeros(len(history.project_ids))
    topic[history.topics.get(call, [])] = 1.0
    return history.per_org_sum(topic) + 1e-4 * history.org_projects


def _year(project: Project) -> float:
    day = project.start_date or project.ec_signature_date
    return float(day.year) if day else float("nan")


class PartnerFinder:
    """Ranks organisations for a call and/or a need text, given the team (``with``)."""

    def __init__(
        self,
        history: History,
        weights: dict[str, float] | None = None,
        embed: Callable[[str], np.ndarray] | None = None,
    ) -> None:
        self.history = history
        self.weights = weights or WEIGHTS
        self.embed = embed
        self._titles: dict[str, np.ndarray] = {}

    def team(self, members: Sequence[str]) -> Team:
        h = self.history
        positions = []
        for organisation_id in members:
            at = h.position(organisation_id)
            if at is None:
                raise NotFound(f"organisation {organisation_id!r} is not in the catalogue's project history")
            if at not in positions:
                positions.append(at)
        return h.team(positions)

    def subject(
        self, call: str | None = None, call_title: str | None = None, text: str | None = None
    ) -> np.ndarray | None:
        """The vector of what the partners should have worked on: the need's text (embedded), else
        the call's stored title vector, else its stored vector, else its title embedded here (once
        per title: calls synced since the last ``samverkan embed``)."""
        if text and self.embed is not None:
            return self.embed(text)
        h = self.history
        stored = getattr(h, "title_vectors", {}).get(call) if call else None  # older snapshots have none
        if stored is None and call:
            stored = h.call_vectors.get(call)
        if stored is not None or not call_title or self.embed is None:
            return stored
        vector = self._titles.get(call_title)
        if vector is None:
            if len(self._titles) > TITLE_CACHE:
                self._titles.clear()
            vector = self._titles[call_title] = self.embed(call_title)
        return vector

    def signals(
        self,
        team: Team,
        call: str | None = None,
        call_text: str | None = None,
        text: str | None = None,
        call_title: str | None = None,
    ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Every organisation's signals for a call and/or need, and the per-project scores behind them."""
        h = self.history
        terms: dict[str, float] = {}
        for source in (call_text, text):
            if source:
                analysed = h.analyzer.analyse_query(" ".join(source.split()[:CALL_TEXT_WORDS]))
                for term, weight in analysed.terms.items():
                    terms[term] = terms.get(term, 0.0) + weight
        vector = None
        if text and self.embed is not None:
            vector = self.embed(text)
        elif call and call in h.call_vectors:
            vector = h.call_vectors[call]
        funded_vector = None
        if call and h.project_vectors is not None:
            funded = [p for p in h.topics.get(call, []) if h.has_vector[p]]
            if funded:
                mean = h.project_vectors[funded].mean(axis=0)
                funded_vector = mean / (np.linalg.norm(mean) or 1.0)
        subject = vector if text else self.subject(call, call_title)
        return h.signals(team, call, terms or None, vector, funded_vector, h.closeness(subject))

    def rank(
        self,
        team: Team,
        call: str | None = None,
        call_text: str | None = None,
        text: str | None = None,
        filters: PartnerFilters | None = None,
        limit: int = 20,
        call_title: str | None = None,
    ) -> tuple[list[Partner], dict[str, np.ndarray]]:
        """The best ``limit`` organisations (never a team member) with work near the subject
        (when it can be measured), and the per-project scores."""
        signals, projects = self.signals(team, call, call_text, text, call_title)
        weights = NEED_WEIGHTS if call is None and not team.members and self.weights is WEIGHTS else self.weights
        score = np.zeros(len(self.history))
        for name in FEATURES:
            if weights.get(name):
                score += weights[name] * signals[name]
        keep = self._passing(filters)
        keep[team.members] = False
        if "closeness" not in projects:
            order = best_first(score, keep, limit)
        elif call is None or text:  # a need: every partner near its subject
            order = best_first(score, keep & on_subject(signals), limit)
        else:
            order = strict_first(score, keep, signals, limit)
        return [Partner(int(i), float(score[i]), {n: float(signals[n][i]) for n in FEATURES}) for i in order], projects

    def _passing(self, filters: PartnerFilters | None) -> np.ndarray:
        h = self.history
        keep = np.ones(len(h), dtype=bool)
        if filters is None:
            return keep
        passing = filters.organisations.allowed("organisation", h.orgs)
        if passing is not None:
            keep[:] = False
            keep[list(passing)] = True
        if filters.coordinated is not None:
            keep &= (h.coordinated > 0) == filters.coordinated
        if filters.active_since is not None:
            keep &= h.last_year >= filters.active_since
        return keep


def call_text(session: Session, call_id: str) -> tuple[str, str | None]:
    """A call's title and the text used as its lexical query; ``NotFound`` if unknown."""
    call = session.get(Call, call_id)
    if call is None:
        raise NotFound(f"call {call_id!r} is not in the catalogue")
    text = "\n".join(t for t in (call.title, call.keywords, call.description) if t)
    return call.title or call.id, text or None

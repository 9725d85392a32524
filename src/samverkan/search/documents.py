"""How each kind of record is described: the one place that says what a record is (the fields
search shows and filters on), which texts find it by words (weighted fields for BM25) and which
text its meaning is embedded from.

Every loader reads the catalogue in one pass per table and yields, per record, the record
and its weighted fields; :func:`build_kind_index` turns them into a :class:`KindIndex`. The
embedded texts (``TEXTS``) are shorter: a record's name, topics and description.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from samverkan.catalogue.countries import iso_from_code
from samverkan.catalogue.hubs import hub_names, shown_hubs
from samverkan.catalogue.places import Place, Places
from samverkan.catalogue.programmes import PROGRAMME_NAMES
from samverkan.catalogue.queries import COHESION_PREFIX
from samverkan.db.community import Posting
from samverkan.db.dataspace import Tenant
from samverkan.db.engine import aware
from samverkan.db.models import (
    Call,
    CohesionProject,
    Organisation,
    Participation,
    Platform,
    Project,
    ProjectTopic,
    Region,
    Solution,
    WorkingGroup,
)
from samverkan.search.analysis import Analyzer
from samverkan.search.lexical import LexicalIndex
from samverkan.search.names import Name, build_name_index, build_name_terms


@dataclass
class KindIndex:
    """The records of one kind (sorted by id), their BM25 index and their names' index."""

    index: LexicalIndex
    records: list[dict[str, Any]]
    names: LexicalIndex | None = None  # the records' names, folded (search/names.py)
    position: dict[str, int] = field(default_factory=dict)  # record id → document
    name_terms: LexicalIndex | None = None  # the names as the text index has them (search/names.py)

    def record(self, record_id: str) -> dict[str, Any] | None:
        """The record with this id, if any (a lookup, not a scan)."""
        at = self.position.get(record_id)
        return None if at is None else self.records[at]


# kind → function of (session, places) yielding (record, [(text, weight), …]); record has id,
# title and extras; organisations and hubs are placed with the snapshot's places (read once)
Loader = Callable[[Session, Places], Iterator[tuple[dict[str, Any], list[tuple[str | None, int]]]]]


def call_documents(session: Session, places: Places | None = None, exclude_projects: frozenset[str] = frozenset()):
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


def _organisations(session: Session, places: Places):
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


def _hubs(session: Session, places: Places):
    """A hub once, as shown (:func:`samverkan.catalogue.hubs.shown_hubs`): found also by the
    names it has in the catalogues that list it again."""
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


def _platforms(session: Session, places: Places | None = None):
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


def _working_groups(session: Session, places: Places | None = None):
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


def _solutions(session: Session, places: Places | None = None):
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


def _projects(session: Session, places: Places | None = None):
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


# --------------------------------------------------------------------------- published postings

POSTING_PREFIX = "p"  # a published need's or solution's id in search and URLs (the JRC cases' ids are numbers)
SUMMARY_CHARS = 300


def posting_key(number: int) -> str:
    """The public id of posting ``number``: ``p<number>``."""
    return f"{POSTING_PREFIX}{number}"


def posting_documents(session: Session, kind: str) -> Iterator[tuple[dict[str, Any], list[tuple[str | None, int]]]]:
    """The *published* needs (``kind="need"``) or solutions (``"solution"``) that organisations
    publish, as search shows them. Drafts and withdrawn postings are never read here: what is
    not published is not found. Read by the live postings index (:mod:`samverkan.search.postings`),
    not by the catalogue's snapshot."""
    rows = session.execute(
        select(Posting, Tenant.name, Tenant.slug)
        .join(Tenant, Tenant.id == Posting.tenant_id)
        .where(Posting.kind == kind, Posting.status == "published")
    ).all()
    codes = {p.region for p, _, _ in rows if p.region}
    names = dict(session.execute(select(Region.id, Region.name).where(Region.id.in_(codes))).all()) if codes else {}
    for p, organisation, slug in rows:
        country = iso_from_code(p.region[:2]) if p.region else None
        record = {
            "id": posting_key(p.id),
            "posting_id": p.id,  # the posting's number (digests tell postings from catalogue records by it)
            "title": p.title,
            "organisation": organisation,
            "organisation_slug": slug,
            "region": p.region,
            "region_name": names.get(p.region) if p.region else None,
            "country": country,
            "countries": [country] if country else [],
            "focus_areas": list(p.focus_areas or []),
            "technologies": list(p.technologies or []),
            "maturity": p.maturity,
            "language": p.language,
            "summary": _summary(p.text),
            "published_at": aware(p.published_at).isoformat() if p.published_at else None,
        }
        yield (
            record,
            [
                (p.title, 3),
                (" \n".join(p.focus_areas or []), 2),
                (" \n".join(p.technologies or []), 2),
                (p.text, 1),
                (organisation, 1),
            ],
        )


def posting_text(p: Posting) -> str:
    """The text a posting's meaning is embedded from."""
    return _join(p.title, ", ".join(p.focus_areas or []), ", ".join(p.technologies or []), p.text)


def _summary(text: str) -> str:
    """The start of a text, cut at a word, for lists."""
    text = " ".join(text.split())
    if len(text) <= SUMMARY_CHARS:
        return text
    return text[:SUMMARY_CHARS].rsplit(" ", 1)[0] + " …"


LOADERS: dict[str, Loader] = {
    "call": call_documents,
    "organisation": _organisations,
    "hub": _hubs,
    "platform": _platforms,
    "working_group": _working_groups,
    "solution": _solutions,
    "project": _projects,
}


def build_kind_index(
    loaded: Iterable[tuple[dict[str, Any], list[tuple[str | None, int]]]], analyzer: Analyzer
) -> KindIndex:
    """Index (record, fields) pairs from a loader."""
    records, docs = [], []
    # sorted here, not by the database: collations differ, results must not (SQLite = PostgreSQL)
    for record, fields in sorted(loaded, key=lambda pair: pair[0]["id"]):
        records.append(record)
        docs.append(fields)
    return KindIndex(
        LexicalIndex.build(docs, analyse=analyzer.index_terms),
        records,
        build_name_index(docs),
        {record["id"]: i for i, record in enumerate(records)},
        build_name_terms(docs, analyzer.index_terms),
    )


# --------------------------------------------------------------------------- embedded texts


def _join(*parts: str | None) -> str:
    return "\n".join(p for p in parts if p)


def _call_texts(session: Session) -> Iterator[tuple[str, str]]:
    for c in session.execute(select(Call)).scalars():
        yield c.id, _join(c.title, c.keywords, c.description)


def _call_title_texts(session: Session) -> Iterator[tuple[str, str]]:
    """A call's title alone: most closed topics are known only by it, and a title's vector is
    not drowned by a long description's (the ``title meaning`` of :mod:`samverkan.search.calls`)."""
    for call_id, title in session.execute(select(Call.id, Call.title)):
        if title:
            yield call_id, title


def _project_texts(session: Session) -> Iterator[tuple[str, str]]:
    for p in session.execute(select(Project).where(Project.title.is_not(None))).scalars():
        yield p.id, _join(p.title, p.objective)


def _hub_texts(session: Session) -> Iterator[tuple[str, str]]:
    """Each hub once, as shown (a record linked to another is not shown, so not embedded)."""
    for h in shown_hubs(session):
        yield h["id"], _join(h["name"], ", ".join(h["sectors"]), h["description"])


def _platform_texts(session: Session) -> Iterator[tuple[str, str]]:
    for p in session.execute(select(Platform)).scalars():
        yield p.id, _join(p.name, ", ".join(p.topics), p.purpose_en)


def _solution_texts(session: Session) -> Iterator[tuple[str, str]]:
    for s in session.execute(select(Solution)).scalars():
        yield s.id, _join(s.name, s.primary_sector, s.technology, s.description)


TEXTS: dict[str, Callable[[Session], Iterable[tuple[str, str]]]] = {
    "call": _call_texts,
    "call_title": _call_title_texts,
    "project": _project_texts,
    "hub": _hub_texts,
    "platform": _platform_texts,
    "solution": _solution_texts,
}

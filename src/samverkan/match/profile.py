"""An organisation's profile from its project history: the basis for reasons and web pages.

Projects (with its role), activity and partners year by year, its most frequent partners, the
countries it worked with, and its fields: Horizon 2020 programme parts from the projects' legal
bases (``H2020-EU.3.3.2.`` → "Low-cost, low-carbon energy supply") and euroSciVoc fields where
CORDIS gives them. Duplicate records of the organisation (PIC and name hash) are one profile.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from samverkan.catalogue.programmes import programme_part
from samverkan.db.models import Organisation, Project, ProjectField, ProjectLegalBasis, ProjectTopic
from samverkan.errors import NotFound
from samverkan.match.partners import History

TOP_PARTNERS = 20
TOP_FIELDS = 15
CHUNK = 500  # ids per IN (...) query


def organisation_profile(session: Session, history: History, organisation_id: str) -> dict[str, Any]:
    canonical = history.canonical.get(organisation_id)
    if canonical is None:
        raise NotFound(f"organisation {organisation_id!r} is not in the catalogue")
    record = session.get(Organisation, canonical)
    if record is None:  # pragma: no cover - canonical ids come from the same table
        raise NotFound(f"organisation {organisation_id!r} is not in the catalogue")
    at = history.org_at.get(canonical)
    aliases = sorted(i for i, c in history.canonical.items() if c == canonical and i != canonical)
    profile: dict[str, Any] = {
        "id": record.id,
        "aliases": aliases,
        "name": record.name,
        "source_name": record.source_name,
        "short_name": record.short_name,
        "country": record.country,
        "region": history.orgs[at]["region"] if at is not None else None,
        "city": record.city,
        "activity_type": record.activity_type,
        "sme": record.sme,
        "url": record.url,
        "projects": [],
        "roles": {"coordinator": 0, "partner": 0},
        "years": [],
        "partners": [],
        "partner_count": 0,
        "countries": [],
        "fields": [],
        "types_of_action": {},
    }
    if at is None:
        return profile

    h = history
    mine = h.part_org == at
    positions = h.part_project[mine]
    coordinated = dict(zip(positions.tolist(), h.part_coordinator[mine].tolist(), strict=True))
    ids = [h.project_ids[p] for p in positions]
    projects, topics, parts, fields = _project_details(session, ids)

    # partners: everyone else in its projects
    shared = np.isin(h.part_project, positions) & ~mine
    partner_orgs, partner_projects = h.part_org[shared], h.part_project[shared]
    counts = Counter(partner_orgs.tolist())
    last: dict[int, float] = {}
    for org, project in zip(partner_orgs.tolist(), partner_projects.tolist(), strict=True):
        year = h.project_year[project]
        if not np.isnan(year):
            last[org] = max(last.get(org, 0.0), year)
    profile["partner_count"] = len(counts)
    for org, n in sorted(counts.items(), key=lambda kv: (-kv[1], h.orgs[kv[0]]["name"] or ""))[:TOP_PARTNERS]:
        o = h.orgs[org]
        profile["partners"].append(
            {
                "id": o["id"],
                "name": o["name"],
                "country": o["country"],
                "activity_type": o["activity_type"],
                "shared_projects": n,
                "last_year": int(last[org]) if org in last else None,
            }
        )
    by_country: Counter[str | None] = Counter()
    projects_by_country: dict[str | None, set[int]] = {}
    for org, project in zip(partner_orgs.tolist(), partner_projects.tolist(), strict=True):
        projects_by_country.setdefault(h.orgs[org]["country"], set()).add(project)
    for org in counts:
        by_country[h.orgs[org]["country"]] += 1
    profile["countries"] = [  # country null: partners whose country CORDIS does not give
        {"country": c, "partners": n, "projects": len(projects_by_country[c])}
        for c, n in sorted(by_country.items(), key=lambda kv: (-kv[1], kv[0] or ""))
    ]

    # projects and years
    seen_partners: set[int] = set()
    years: dict[int, dict[str, Any]] = {}
    for position in sorted(positions.tolist(), key=lambda p: (-np.nan_to_num(h.project_year[p]), h.project_ids[p])):
        pid = h.project_ids[position]
        p = projects.get(pid)
        role = "coordinator" if coordinated[position] else "partner"
        profile["roles"][role] += 1
        year = None if np.isnan(h.project_year[position]) else int(h.project_year[position])
        profile["projects"].append(
            {
                "id": pid,
                "acronym": p.acronym if p else None,
                "title": p.title if p else None,
                "year": year,
                "role": role,
                "type_of_action": p.funding_scheme if p else None,
                "calls": topics.get(pid, []),
                "partners": int(h.project_size[position]) - 1,
            }
        )
        if p and p.funding_scheme:
            profile["types_of_action"][p.funding_scheme] = profile["types_of_action"].get(p.funding_scheme, 0) + 1
    for position in sorted(positions.tolist(), key=lambda p: np.nan_to_num(h.project_year[p])):
        if np.isnan(h.project_year[position]):
            continue
        year = int(h.project_year[position])
        entry = years.setdefault(year, {"year": year, "projects": 0, "coordinated": 0, "partners": set(), "new": 0})
        entry["projects"] += 1
        entry["coordinated"] += int(coordinated[position])
        others = set(h.part_org[(h.part_project == position) & ~mine].tolist())
        entry["new"] += len(others - seen_partners)
        seen_partners |= others
        entry["partners"] |= others
    profile["years"] = [
        {
            "year": y["year"],
            "projects": y["projects"],
            "coordinated": y["coordinated"],
            "partners": len(y["partners"]),
            "new_partners": y["new"],
        }
        for y in sorted(years.values(), key=lambda y: y["year"])
    ]
    profile["types_of_action"] = dict(sorted(profile["types_of_action"].items(), key=lambda kv: (-kv[1], kv[0])))

    # fields of work
    field_counts: Counter[tuple[str, str, str]] = Counter()
    for pid in ids:
        for kind, code, title in set(parts.get(pid, [])) | set(fields.get(pid, [])):
            field_counts[(kind, code, title)] += 1
    profile["fields"] = [
        {"source": kind, "code": code, "title": title, "projects": n}
        for (kind, code, title), n in sorted(field_counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_FIELDS]
    ]
    return profile


def _project_details(
    session: Session, ids: list[str]
) -> tuple[dict[str, Project], dict[str, list[str]], dict[str, list[tuple]], dict[str, list[tuple]]]:
    projects: dict[str, Project] = {}
    topics: dict[str, list[str]] = {}
    parts: dict[str, list[tuple]] = {}
    fields: dict[str, list[tuple]] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        for p in session.execute(select(Project).where(Project.id.in_(chunk))).scalars():
            projects[p.id] = p
        for pid, call in session.execute(
            select(ProjectTopic.project_id, ProjectTopic.call_id)
            .where(ProjectTopic.project_id.in_(chunk))
            .order_by(ProjectTopic.project_id, ProjectTopic.call_id)
        ):
            topics.setdefault(pid, []).append(call)
        for pid, basis in session.execute(
            select(ProjectLegalBasis.project_id, ProjectLegalBasis.legal_basis).where(
                ProjectLegalBasis.project_id.in_(chunk)
            )
        ):
            part = programme_part(basis)
            if part:
                parts.setdefault(pid, []).append(("programme", *part))
        for pid, code, path, title in session.execute(
            select(ProjectField.project_id, ProjectField.code, ProjectField.path, ProjectField.title).where(
                ProjectField.project_id.in_(chunk)
            )
        ):
            # euroSciVoc paths run from the broad field down: keep the second level ("/natural sciences/biology")
            levels = [p for p in (path or "").split("/") if p]
            name = levels[1] if len(levels) > 1 else (levels[0] if levels else title or code)
            fields.setdefault(pid, []).append(("euroSciVoc", "/" + "/".join(levels[:2]) if levels else code, name))
    return projects, topics, parts, fields

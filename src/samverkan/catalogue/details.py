"""What an entity page shows beyond the record itself: a call's funded projects, a region's
organisations, hubs and participation, and the counts behind the maps and charts.

Where a record is (its NUTS region) comes from the search records, which place every
organisation and hub once per catalogue revision (:mod:`samverkan.catalogue.places`); the
pages, the API and the search filters so agree on what lies in a region.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from samverkan.catalogue import queries
from samverkan.catalogue.countries import iso_from_code
from samverkan.catalogue.hubs import per_type, type_rank
from samverkan.catalogue.places import in_region
from samverkan.catalogue.programmes import PROGRAMME_NAMES
from samverkan.db.models import CallSource, County, Municipality, Participation, Project, ProjectTopic, Region
from samverkan.errors import NotFound

Record = dict[str, Any]


def call_detail(session: Session, call_id: str, most: int = 50) -> Record:
    """The call's record and the ``most`` newest projects it funded (``funded_count`` in all)."""
    out = queries.record(session, "call", call_id)
    held = session.execute(
        select(CallSource.feed, CallSource.as_of).where(CallSource.call_id == call_id).order_by(CallSource.as_of)
    )
    out["sources"] = [{"feed": feed, "as_of": queries.plain(as_of)} for feed, as_of in held]
    rows = session.execute(
        select(Project.id, Project.acronym, Project.title, Project.start_date, Project.framework_programme)
        .join(ProjectTopic, ProjectTopic.project_id == Project.id)
        .where(ProjectTopic.call_id == call_id)
    ).all()
    out["funded_count"] = len(rows)
    out["funded"] = [
        {
            "id": pid,
            "acronym": acronym,
            "title": title or acronym or pid,
            "start_date": start.isoformat() if start else None,
            "programme": PROGRAMME_NAMES.get(fp or "", fp),
        }
        for pid, acronym, title, start, fp in sorted(
            rows, key=lambda r: (r.start_date is not None, r.start_date or dt.date.min, r.id), reverse=True
        )[:most]
    ]
    return out


def region_detail(
    session: Session, code: str, organisations: list[Record], hubs: list[Record], most: int = 20
) -> Record:
    """A NUTS region: its place in the hierarchy, the organisations and hubs in it (a region
    holds its subregions), their EU participation per year and, for a Swedish län, its
    municipalities."""
    region = session.get(Region, code)
    if region is None:
        raise NotFound(f"no NUTS 2021 region {code!r}")
    parents = []
    parent = region.parent_id
    while parent and (row := session.get(Region, parent)) is not None:
        parents.append({"id": row.id, "name": row.name, "level": row.level})
        parent = row.parent_id
    children = [
        {"id": r.id, "name": r.name, "level": r.level}
        for r in session.execute(select(Region).where(Region.parent_id == code).order_by(Region.id)).scalars()
    ]
    inside = [o for o in organisations if in_region(o.get("region"), code) and not o.get("same_as")]
    inside.sort(key=lambda o: (-(o.get("projects") or 0), o["title"], o["id"]))
    # a country also holds its hubs that could not be placed more precisely (as the region filter does)
    country = iso_from_code(code) if region.level == 0 else None
    hubs_inside = sorted(
        (h for h in hubs if in_region(h.get("region"), code) or (country and h.get("country") == country)),
        key=lambda h: (type_rank(h.get("hub_type")), h["title"], h["id"]),
    )
    ids = {o["id"] for o in inside}
    years: Counter[int] = Counter()
    coordinated: Counter[int] = Counter()
    for organisation_id, role, start in session.execute(
        select(Participation.organisation_id, Participation.role, Project.start_date).join(
            Project, Project.id == Participation.project_id
        )
    ):
        if organisation_id in ids and start is not None:
            years[start.year] += 1
            coordinated[start.year] += role == "coordinator"
    municipalities = []
    county = session.execute(select(County).where(County.nuts3 == code)).scalars().first()
    if county is not None:
        municipalities = [
            {"code": m.code, "name": m.name}
            for m in session.execute(
                select(Municipality).where(Municipality.county_code == county.code).order_by(Municipality.name)
            ).scalars()
        ]
    return {
        "id": region.id,
        "name": region.name,
        "level": region.level,
        "country": region.country,
        "parents": parents,
        "children": children,
        "county": {"code": county.code, "name": county.name} if county else None,
        "municipalities": municipalities,
        "organisation_count": len(inside),
        "organisations": [_brief(o) for o in inside[:most]],
        "hubs": [_brief(h) for h in hubs_inside],
        "hubs_per_type": per_type(hubs_inside),
        "participation": [
            {"year": year, "participations": years[year], "coordinated": coordinated[year]} for year in sorted(years)
        ],
    }


def municipality_detail(session: Session, code: str) -> Record:
    """A Swedish kommun with its län and NUTS 3 region."""
    m = session.get(Municipality, code)
    if m is None:
        raise NotFound(f"no Swedish municipality with code {code!r}")
    county = session.get(County, m.county_code)
    return {
        "code": m.code,
        "name": m.name,
        "county": {"code": county.code, "name": county.name} if county else None,
        "nuts3": m.nuts3,
        "lat": m.lat,
        "lon": m.lon,
    }


def _brief(record: Record) -> Record:
    keys = ("id", "title", "hub_type", "country", "city", "region", "region_name", "activity_type", "sme", "projects")
    return {k: record[k] for k in keys if k in record}


def per_country(records: Iterable[Record], weight: str | None = None) -> dict[str, int]:
    """Records (or the sum of their ``weight`` field) per country code, largest first; a
    record that is another's duplicate (``same_as``) is not counted twice."""
    counts: Counter[str] = Counter()
    for r in records:
        if r.get("country") and not r.get("same_as"):
            counts[r["country"]] += (r.get(weight) or 0) if weight else 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def per_region(records: Iterable[Record], level: int, weight: str | None = None) -> dict[str, int]:
    """Records (or the sum of their ``weight`` field) per NUTS region of ``level`` (0–3)."""
    counts: Counter[str] = Counter()
    for r in records:
        code = r.get("region")
        if code and len(code) >= level + 2 and not r.get("same_as"):
            counts[code[: level + 2]] += (r.get(weight) or 0) if weight else 1
    return dict(sorted(counts.items()))


def region_shapes(session: Session, level: int, country: str | None = None) -> list[tuple[str, str, dict]]:
    """(code, name, GeoJSON geometry) of every region at ``level``, optionally in one country."""
    query = select(Region.id, Region.name, Region.geometry).where(Region.level == level, Region.geometry.is_not(None))
    if country:
        query = query.where(Region.country == country)
    return [(code, name, geometry) for code, name, geometry in session.execute(query.order_by(Region.id))]


def municipality_shapes(session: Session, county: str | None = None) -> list[tuple[str, str, dict]]:
    query = select(Municipality.code, Municipality.name, Municipality.geometry).where(
        Municipality.geometry.is_not(None)
    )
    if county:
        query = query.where(Municipality.county_code == county)
    return [(code, name, geometry) for code, name, geometry in session.execute(query.order_by(Municipality.code))]


def region_choices(session: Session, country: str = "SE") -> list[tuple[str, str]]:
    """Regions to pick as "your region": the län (NUTS 3) of ``country``, then every country (NUTS 0)."""
    local = session.execute(
        select(Region.id, Region.name).where(Region.country == country, Region.level == 3).order_by(Region.name)
    ).all()
    countries = session.execute(select(Region.id, Region.name).where(Region.level == 0).order_by(Region.name)).all()
    return [(code, name) for code, name in [*local, *countries]]


def closing_soon(calls: Iterable[Record], limit: int) -> list[Record]:
    """Calls open on their day with a deadline ahead (``days_left`` known), soonest first."""
    ahead = [c for c in calls if c.get("status") == "open" and c.get("days_left") is not None]
    return sorted(ahead, key=lambda c: (c["days_left"], c["id"]))[:limit]

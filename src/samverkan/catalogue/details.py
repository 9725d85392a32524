"""What an entity page shows beyond the record itself: a call's funded projects, a region's
organisations, hubs and participation, and the counts behind the maps and charts.

Where a record is (its NUTS region) comes from the search records, which place every
organisation and hub once per catalogue revision (:mod:`samverkan.catalogue.places`); the
pages, the API and the search filters so agree on what lies in a region.

**What a place counts** — one rule for every page, map and API answer (:func:`holds`):

- a *country* holds every record whose country it is (ISO code; NUTS ``UK`` is ``GB``,
  ``EL`` is ``GR``), placed in a region or not;
- a *region* below a country holds the records placed in it or in its subregions;
- a record that duplicates another (``same_as``) is never counted;
- a *participation* is one organisation in one project: an organisation counts its projects
  (each once, whatever its roles), dated or not. Per year, only projects with a start date
  can be drawn; those without are counted apart (``undated``).

So the hubs and participations of a country on ``/statistics`` are those of its region page;
the NUTS 2 maps count only what could be placed in a region, and say how much could not.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from samverkan.catalogue import queries
from samverkan.catalogue.countries import iso_from_code
from samverkan.catalogue.hubs import per_type, type_rank
from samverkan.catalogue.places import in_region, place_keys
from samverkan.catalogue.programmes import PROGRAMME_NAMES
from samverkan.db.models import (
    CallSource,
    CohesionProject,
    County,
    Municipality,
    Participation,
    Project,
    ProjectTopic,
    Region,
)
from samverkan.errors import NotFound

Record = dict[str, Any]
Town = TypeVar("Town")


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
    out["funded_per_year"] = funded_per_year(session, call_id)
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
    inside = [o for o in organisations if holds(code, region.level, o)]
    inside.sort(key=lambda o: (-(o.get("projects") or 0), o["title"], o["id"]))
    hubs_inside = sorted(
        (h for h in hubs if holds(code, region.level, h)),
        key=lambda h: (type_rank(h.get("hub_type")), h["title"], h["id"]),
    )
    years, coordinated, undated = _participation_years(session, {o["id"] for o in inside})
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
        "participations": sum(o.get("projects") or 0 for o in inside),
        "undated": undated,
        "participation": [
            {"year": year, "participations": years[year], "coordinated": coordinated[year]} for year in sorted(years)
        ],
    }


def holds(code: str, level: int, record: Record) -> bool:
    """Whether the region ``code`` of NUTS ``level`` counts ``record`` (the module's rule):
    a country its records of that country, a region those placed in it; never a duplicate."""
    if record.get("same_as"):
        return False
    if level == 0:
        return record.get("country") == iso_from_code(code)
    return in_region(record.get("region"), code)


def _participation_years(session: Session, organisations: set[str]) -> tuple[Counter[int], Counter[int], int]:
    """Participations (organisation, project — each pair once) of ``organisations`` per start
    year, those coordinated per year, and how many have no start date."""
    pairs: dict[tuple[str, str], tuple[dt.date | None, bool]] = {}
    for organisation_id, project_id, role, start in session.execute(
        select(Participation.organisation_id, Participation.project_id, Participation.role, Project.start_date).join(
            Project, Project.id == Participation.project_id
        )
    ):
        if organisation_id in organisations:
            known = pairs.get((organisation_id, project_id))
            pairs[(organisation_id, project_id)] = (start, role == "coordinator" or bool(known and known[1]))
    years: Counter[int] = Counter()
    coordinated: Counter[int] = Counter()
    undated = 0
    for start, leads in pairs.values():
        if start is None:
            undated += 1
        else:
            years[start.year] += 1
            coordinated[start.year] += leads
    return years, coordinated, undated


def municipality_detail(
    session: Session, code: str, organisations: list[Record], hubs: list[Record], most: int = 20, near_km: float = 100
) -> Record:
    """A Swedish kommun: its län and NUTS 3 region; the organisations its name places there
    (by their city) and their EU projects; the hubs within ``near_km`` of its centre (each at
    the place its address names, see :func:`hub_places`); the ERDF/ESF projects of the
    project bank that name it; and its län's municipalities with their organisations."""
    m = session.get(Municipality, code)
    if m is None:
        raise NotFound(f"no Swedish municipality with code {code!r}")
    county = session.get(County, m.county_code)
    neighbours = session.execute(select(Municipality).where(Municipality.county_code == m.county_code)).scalars().all()
    towns = {key: (n.code,) for n in neighbours for key in place_keys(n.short_name)}
    per_town: Counter[str] = Counter()
    inside = []
    for o in organisations:
        if o.get("country") != "SE" or o.get("same_as"):
            continue
        town = _town(towns, o)
        if town is not None:
            per_town[town[0]] += 1
            if town[0] == code:
                inside.append(o)
    inside.sort(key=lambda o: (-(o.get("projects") or 0), o["title"], o["id"]))
    projects = _projects_of(session, {o["id"] for o in inside})
    near = []
    if m.lat is not None and m.lon is not None:
        locate = _hub_locator(session)
        for h in hubs:
            place = None if h.get("same_as") else locate(h)
            if place is not None and (km := distance_km((m.lat, m.lon), (place[2], place[3]))) <= near_km:
                near.append({**_brief(h), "place": place[1], "km": round(km)})
        near.sort(key=lambda h: (h["km"], type_rank(h.get("hub_type")), h["title"]))
    cohesion = _cohesion_in(session, m.short_name)
    return {
        "code": m.code,
        "name": m.name,
        "county": {"code": county.code, "name": county.name} if county else None,
        "nuts3": m.nuts3,
        "lat": m.lat,
        "lon": m.lon,
        "organisation_count": len(inside),
        "organisations": [_brief(o) for o in inside[:most]],
        "project_count": len(projects),
        "projects": projects[:most],
        "hubs_nearby": near[:most],
        "near_km": near_km,
        "cohesion_count": len(cohesion),
        "cohesion_sek": sum(c["amount_sek"] or 0 for c in cohesion),
        "cohesion": cohesion[:most],
        "county_municipalities": [
            {"code": n.code, "name": n.name, "organisations": per_town[n.code]}
            for n in sorted(neighbours, key=lambda n: n.name)
        ],
    }


def _projects_of(session: Session, organisations: set[str]) -> list[Record]:
    """The EU projects of ``organisations``, each once, the newest first."""
    if not organisations:
        return []
    rows = session.execute(
        select(Project.id, Project.acronym, Project.title, Project.start_date, Participation.organisation_id)
        .join(Participation, Participation.project_id == Project.id)
        .where(Participation.organisation_id.in_(sorted(organisations)))
    ).all()
    found: dict[str, Record] = {}
    for pid, acronym, title, start, _org in rows:
        found.setdefault(
            pid,
            {"id": pid, "acronym": acronym, "title": title or acronym or pid, "start_date": queries.plain(start)},
        )
    return sorted(found.values(), key=lambda p: (p["start_date"] or "", p["id"]), reverse=True)


def _cohesion_in(session: Session, municipality: str) -> list[Record]:
    """The ERDF/ESF projects of the project bank whose municipalities name ``municipality``
    (names there lose spaces and hyphens: "UpplandsVäsby"), the newest first."""
    keys = {k.replace(" ", "") for k in place_keys(municipality)}
    out = []
    for c in session.execute(select(CohesionProject)).scalars():
        named = {k.replace(" ", "") for name in c.municipalities or [] for k in place_keys(str(name))}
        if keys & named:
            out.append(
                {
                    "id": queries.COHESION_PREFIX + c.id,
                    "title": c.name,
                    "fund": c.fund,
                    "beneficiary": c.beneficiary,
                    "amount_sek": c.amount_sek,
                    "start_date": queries.plain(c.start_date),
                }
            )
    return sorted(out, key=lambda c: (c["start_date"] or "", c["id"]), reverse=True)


def partner_links(session: Session, organisation_id: str, partners: Iterable[str]) -> dict[tuple[str, str], int]:
    """Of the organisation's projects, how many each two of ``partners`` shared (pairs in id order)."""
    wanted = set(partners)
    own = select(Participation.project_id).where(Participation.organisation_id == organisation_id)
    members: dict[str, set[str]] = {}
    for project_id, partner in session.execute(
        select(Participation.project_id, Participation.organisation_id)
        .where(Participation.project_id.in_(own), Participation.organisation_id.in_(sorted(wanted)))
        .distinct()
    ):
        members.setdefault(project_id, set()).add(partner)
    links: Counter[tuple[str, str]] = Counter()
    for present in members.values():
        ordered = sorted(present)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                links[(a, b)] += 1
    return dict(links)


def funded_per_year(session: Session, call_id: str) -> list[Record]:
    """Projects the call funded per start year (those without a start date as year ``None``, last)."""
    counts: Counter[int | None] = Counter(
        start.year if start else None
        for (start,) in session.execute(
            select(Project.start_date)
            .join(ProjectTopic, ProjectTopic.project_id == Project.id)
            .where(ProjectTopic.call_id == call_id)
        )
    )
    return [{"year": y, "projects": counts[y]} for y in sorted(counts, key=lambda y: (y is None, y or 0))]


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


def not_in_a_region(records: Iterable[Record], level: int, weight: str | None = None) -> int:
    """Records (or the sum of their ``weight``) a country counts but no region of ``level`` holds."""
    return sum(
        ((r.get(weight) or 0) if weight else 1)
        for r in records
        if r.get("country") and not r.get("same_as") and len(r.get("region") or "") < level + 2
    )


def region_shapes(session: Session, level: int, country: str | None = None) -> list[tuple[str, str, dict]]:
    """(code, name, GeoJSON geometry) of every region at ``level``, optionally in one country
    (ISO code). Countries (level 0) come keyed by their ISO code, as every count per country
    is (``GB``, ``GR``; NUTS says ``UK``, ``EL``): the one place where maps join the two."""
    query = select(Region.id, Region.name, Region.geometry).where(Region.level == level, Region.geometry.is_not(None))
    if country:
        query = query.where(Region.country == country)
    key = iso_from_code if level == 0 else str
    return [(key(code), name, geometry) for code, name, geometry in session.execute(query.order_by(Region.id))]


# (place code, place name, latitude, longitude, hubs there)
HubPlace = tuple[str, str, float, float, int]


def hub_places(session: Session, hubs: Iterable[Record]) -> list[HubPlace]:
    """Where hubs are, as points: the hub records carry an address (city, street) but no
    coordinates, so a hub stands at the place its address was placed in — a Swedish
    municipality its city names (its centre), else the label point of the NUTS region it was
    placed in (the most precise level known). Hubs not placed are not drawn. Most hubs first."""
    locate = _hub_locator(session)
    counts: Counter[tuple[str, str, float, float]] = Counter()
    for h in hubs:
        place = None if h.get("same_as") else locate(h)
        if place is not None:
            counts[place] += 1
    return [(*place, n) for place, n in sorted(counts.items(), key=lambda item: (-item[1], item[0][0]))]


def _hub_locator(session: Session) -> Callable[[Record], tuple[str, str, float, float] | None]:
    labels = {
        code: (code, name, lat, lon)
        for code, name, lat, lon in session.execute(select(Region.id, Region.name, Region.label_lat, Region.label_lon))
        if lat is not None and lon is not None
    }
    towns = _municipality_keys(session)

    def locate(hub: Record) -> tuple[str, str, float, float] | None:
        town = _town(towns, hub) if hub.get("country") == "SE" else None
        if town is not None:
            return town
        region = hub.get("region") or ""
        while region and region not in labels:
            region = region[:-1] if len(region) > 2 else ""
        return labels[region] if region else None

    return locate


def _municipality_keys(session: Session) -> dict[str, tuple[str, str, float, float]]:
    """Swedish municipalities with a centre, by every lookup key of their name."""
    out = {}
    for m in session.execute(select(Municipality)).scalars():
        if m.lat is not None and m.lon is not None:
            for key in place_keys(m.short_name):
                out[key] = (m.code, m.short_name, m.lat, m.lon)
    return out


def _town(towns: dict[str, Town], record: Record) -> Town | None:
    """The municipality a record's city names (any lookup key of both names agrees)."""
    for key in sorted(place_keys(record.get("city") or "")):
        if key in towns:
            return towns[key]
    return None


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lat, lon) points (haversine, mean Earth radius)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


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

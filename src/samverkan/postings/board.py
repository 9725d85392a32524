"""The board: supply and demand side by side — published needs and solutions per focus area and
per region, counted and listed.

Invariants: only published postings (a withdrawn one is gone at once: the board is read from the
database on each call); focus areas meet whatever their case ("E-hälsa" and "e-hälsa" are one,
shown as first written); regions are NUTS 2 (a posting placed at NUTS 3 counts in its NUTS 2
region; one placed at country level in its country); a posting without a focus area or a region
counts under ``null``. Each group lists at most ``LISTED`` postings per side, newest first, and
counts them all.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from samverkan.db.community import Posting
from samverkan.db.dataspace import Tenant
from samverkan.db.engine import aware
from samverkan.db.models import Region
from samverkan.postings.fields import ITEM_CHARS, NUTS_CODE, FieldError
from samverkan.search.documents import posting_key

LISTED = 25
SIDES = {"need": "needs", "solution": "solutions"}


def board(engine: Engine, region: str | None = None, focus_area: str | None = None) -> dict[str, Any]:
    """Published needs and solutions per focus area and per NUTS 2 region (see the module);
    ``region`` (a NUTS code: it holds its subregions) and ``focus_area`` narrow both views."""
    if region is not None and not NUTS_CODE.fullmatch(region := region.strip().upper()):
        raise FieldError("region", "expected a NUTS 2021 code (e.g. SE, SE2, SE23, SE232)")
    if focus_area is not None and (not focus_area.strip() or len(focus_area) > ITEM_CHARS):
        raise FieldError("focus_area", f"expected a focus area of 1 to {ITEM_CHARS} characters")
    folded = focus_area.strip().casefold() if focus_area else None
    with Session(engine) as session:
        published = session.execute(
            select(Posting, Tenant.name, Tenant.slug)
            .join(Tenant, Tenant.id == Posting.tenant_id)
            .where(Posting.status == "published")
        ).all()
        rows: list[tuple[Posting, str, str]] = [
            (p, name, slug)
            for p, name, slug in published
            if (region is None or (p.region or "").startswith(region))
            and (folded is None or folded in {f.casefold() for f in p.focus_areas or []})
        ]
        rows.sort(key=lambda row: (aware(row[0].published_at or row[0].updated_at), row[0].id), reverse=True)
        codes = {_nuts2(p.region) for p, _, _ in rows if p.region} | ({region} if region else set())
        names = dict(session.execute(select(Region.id, Region.name).where(Region.id.in_(codes))).all()) if codes else {}
    areas: dict[str | None, dict[str, Any]] = {}
    places: dict[str | None, dict[str, Any]] = {}
    totals = {"needs": 0, "solutions": 0}
    for posting, organisation, slug in rows:
        side = SIDES[posting.kind]
        totals[side] += 1
        item = {
            "id": posting_key(posting.id),
            "kind": posting.kind,
            "title": posting.title,
            "language": posting.language,  # of its title and text (pages mark it: WCAG 3.1.2)
            "organisation": {"slug": slug, "name": organisation},
            "region": posting.region,
            "focus_areas": list(posting.focus_areas or []),
            "url": ("/needs/" if posting.kind == "need" else "/solutions/") + posting_key(posting.id),
        }
        areas_of: list[str | None] = list(posting.focus_areas or []) or [None]
        for area in areas_of:
            key = area.casefold() if area else None
            _add(areas.setdefault(key, _group("focus_area", area)), side, item)
        code = _nuts2(posting.region) if posting.region else None
        _add(places.setdefault(code, _group("region", code, names.get(code) if code else None)), side, item)
    return {
        "region": region,
        "region_name": names.get(region) if region else None,
        "focus_area": focus_area.strip() if focus_area else None,
        "totals": totals,
        "focus_areas": _ordered(areas, "focus_area"),
        "regions": _ordered(places, "region"),
    }


def _nuts2(code: str) -> str:
    return code[:4] if len(code) >= 4 else code


def _group(name: str, value: str | None, label: str | None = None) -> dict[str, Any]:
    group: dict[str, Any] = {name: value, "needs": 0, "solutions": 0, "need_list": [], "solution_list": []}
    if name == "region":
        group["region_name"] = label
    return group


def _add(group: dict[str, Any], side: str, item: dict[str, Any]) -> None:
    group[side] += 1
    listed = group["need_list" if side == "needs" else "solution_list"]
    if len(listed) < LISTED:
        listed.append(item)


def _ordered(groups: dict[str | None, dict[str, Any]], name: str) -> list[dict[str, Any]]:
    """Most postings first; the unnamed group (no focus area, no region) last."""
    return sorted(groups.values(), key=lambda g: (g[name] is None, -(g["needs"] + g["solutions"]), str(g[name])))

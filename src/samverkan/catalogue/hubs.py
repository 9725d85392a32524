"""Hubs as they are shown: one record per hub, its types, and what it borrows from its other records.

A hub listed in two catalogues is stored twice and linked (``same_as_id``, see
:mod:`samverkan.importers.hub_links`): the linked record is not shown on its own. The record
shown keeps its own values and borrows, for each field it has empty (description, sectors,
services, technologies, website, city), the value of its linked records — the JRC catalogue
describes many hubs that the EDIH export lists without a description.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from samverkan.catalogue import queries
from samverkan.db.models import Hub

# hub types, in the order they are listed: European Digital Innovation Hub, Seal of Excellence, other
TYPES = ("EDIH", "SoE", "DIH")
BORROWED = ("description", "sectors", "services", "technologies", "url", "city")
SOURCE_NAMES = {"edih": "EDIH network catalogue", "hubs": "JRC S3 DIH catalogue (2022)"}


def type_rank(hub_type: str | None) -> int:
    return TYPES.index(hub_type) if hub_type in TYPES else len(TYPES)


def _fields(hub: Hub) -> dict[str, Any]:
    return {c.key: getattr(hub, c.key) for c in Hub.__mapper__.column_attrs}


def _listed(hub: Hub) -> dict[str, Any]:
    return {"id": hub.id, "name": hub.name, "source": hub.source, "source_name": SOURCE_NAMES.get(hub.source)}


def _borrow(own: dict[str, Any], others: Iterable[Hub]) -> dict[str, Any]:
    out = dict(own)
    for other in others:
        for field in BORROWED:
            if not out.get(field) and getattr(other, field):
                out[field] = getattr(other, field)
    return out


def shown_hubs(session: Session) -> list[dict[str, Any]]:
    """Every hub once, ordered by id: the record shown, with what it borrows (see the module
    docstring) and ``also_listed``, its linked records (id, name, source)."""
    hubs = list(session.execute(select(Hub).order_by(Hub.id)).scalars())
    linked: dict[str, list[Hub]] = defaultdict(list)
    for h in hubs:
        if h.same_as_id:
            linked[h.same_as_id].append(h)
    out = []
    for h in hubs:
        if h.same_as_id:
            continue
        record = _borrow(_fields(h), linked.get(h.id, []))
        record["also_listed"] = [_listed(other) for other in linked.get(h.id, [])]
        out.append(record)
    return out


def hub_names(hub: dict[str, Any]) -> list[str]:
    """A shown hub's names: its name, its title and its linked records' names, each once (a
    name another holds, such as "Health Data Sweden" in "Health Data Sweden (HDS)", left out)."""
    names = [hub["name"], hub.get("title"), *(other["name"] for other in hub.get("also_listed", []))]
    unique = list(dict.fromkeys(n.strip() for n in names if n and n.strip()))
    return [n for n in unique if not any(n.casefold() in m.casefold() for m in unique if m != n)]


def hub_detail(session: Session, hub_id: str) -> dict[str, Any]:
    """One hub as its page shows it: the record (with what it borrows from its linked records),
    ``also_listed`` and, for a record that is another's duplicate, ``same_as``: the id of the
    record shown for the hub."""
    out = queries.record(session, "hub", hub_id)
    out["same_as"] = out.pop("same_as_id")
    others = list(session.execute(select(Hub).where(Hub.same_as_id == hub_id).order_by(Hub.id)).scalars())
    out.update(_borrow(out, others))
    out["also_listed"] = [_listed(other) for other in others]
    return out


def per_type(records: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Hubs per type (``hub_type`` of search records), in the order of :data:`TYPES`."""
    counts = Counter(r.get("hub_type") for r in records)
    return {t: counts[t] for t in TYPES}


def per_country_and_type(records: Iterable[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Per country code (most hubs first): hubs per type."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for r in records:
        if r.get("country"):
            counts[r["country"]][r["hub_type"]] += 1
    ordered = sorted(counts.items(), key=lambda item: (-sum(item[1].values()), item[0]))
    return {country: {t: c[t] for t in TYPES} for country, c in ordered}

"""A strategy as its board shows it: focus areas and sub-areas, their initiatives with status,
period, budget, updates and decisions, a progress summary per focus area, and what changed
since a day (by default the last newsletter's).

Everything here reads the database only (one strategy, a few queries) and returns plain JSON
values; the service adds the matching opportunities. Order is stable on both databases: focus
areas by position then id, initiatives by id, updates and decisions newest first (day, then id).
A focus area's progress counts the initiatives of the area and of its sub-areas by status.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from samverkan.db.community import Decision, FocusArea, Initiative, InitiativeUpdate, Newsletter, Posting, Strategy
from samverkan.db.dataspace import Tenant
from samverkan.db.models import Region
from samverkan.errors import NotFound
from samverkan.strategy.inputs import STATUSES


def strategy_by_slug(session: Session, slug: str) -> Strategy:
    found = session.scalar(select(Strategy).where(Strategy.slug == slug))
    if found is None:
        raise NotFound(f"no strategy {slug!r}")
    return found


def iso(value: dt.date | dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def number(value: Any) -> float | None:
    """A stored amount (Decimal) as a JSON number."""
    return None if value is None else float(value)


def progress(initiatives: list[Initiative]) -> dict[str, int]:
    counted = Counter(i.status for i in initiatives)
    return {status: counted.get(status, 0) for status in STATUSES} | {"total": len(initiatives)}


@dataclass
class Loaded:
    """One strategy's rows, read once."""

    strategy: Strategy
    tenant: Tenant
    areas: list[FocusArea]
    initiatives: list[Initiative]
    updates: dict[int, list[InitiativeUpdate]]
    decisions: list[Decision]
    newsletters: list[Newsletter]
    owners: dict[int, Tenant] = field(default_factory=dict)
    needs: dict[int, Posting] = field(default_factory=dict)
    region_name: str | None = None

    def last_sent(self) -> Newsletter | None:
        sent = [n for n in self.newsletters if n.status == "sent"]
        return max(sent, key=lambda n: n.number) if sent else None

    def sub_areas(self, area_id: int) -> list[FocusArea]:
        return [a for a in self.areas if a.parent_id == area_id]

    def initiatives_in(self, area_ids: set[int]) -> list[Initiative]:
        return [i for i in self.initiatives if i.focus_area_id in area_ids]


def load(session: Session, strategy: Strategy) -> Loaded:
    areas = list(
        session.scalars(
            select(FocusArea).where(FocusArea.strategy_id == strategy.id).order_by(FocusArea.position, FocusArea.id)
        )
    )
    initiatives = list(
        session.scalars(select(Initiative).where(Initiative.strategy_id == strategy.id).order_by(Initiative.id))
    )
    updates: dict[int, list[InitiativeUpdate]] = {i.id: [] for i in initiatives}
    if initiatives:
        rows = session.scalars(
            select(InitiativeUpdate)
            .where(InitiativeUpdate.initiative_id.in_(list(updates)))
            .order_by(InitiativeUpdate.on.desc(), InitiativeUpdate.id.desc())
        )
        for row in rows:
            updates[row.initiative_id].append(row)
    decisions = list(
        session.scalars(
            select(Decision).where(Decision.strategy_id == strategy.id).order_by(Decision.on.desc(), Decision.id.desc())
        )
    )
    newsletters = list(
        session.scalars(select(Newsletter).where(Newsletter.strategy_id == strategy.id).order_by(Newsletter.number))
    )
    owner_ids = {i.owner_tenant_id for i in initiatives if i.owner_tenant_id is not None} | {strategy.tenant_id}
    owners = {t.id: t for t in session.scalars(select(Tenant).where(Tenant.id.in_(owner_ids)))}
    need_ids = [i.need_id for i in initiatives if i.need_id is not None]
    needs = {p.id: p for p in session.scalars(select(Posting).where(Posting.id.in_(need_ids)))} if need_ids else {}
    region = session.get(Region, strategy.region) if strategy.region else None
    return Loaded(
        strategy=strategy,
        tenant=owners[strategy.tenant_id],
        areas=areas,
        initiatives=initiatives,
        updates=updates,
        decisions=decisions,
        newsletters=newsletters,
        owners=owners,
        needs=needs,
        region_name=region.name if region else None,
    )


def default_since(loaded: Loaded, today: dt.date) -> dt.date:
    """What "since the last update" means by default: the day of the last newsletter sent, or
    30 days ago when none was."""
    last = loaded.last_sent()
    return last.period_to if last is not None else today - dt.timedelta(days=30)


def update_json(row: InitiativeUpdate) -> dict[str, Any]:
    return {"id": row.id, "on": iso(row.on), "status": row.status, "text": row.text, "source": row.source}


def decision_json(row: Decision, titles: dict[int, str] | None = None) -> dict[str, Any]:
    return {
        "id": row.id,
        "body": row.body,
        "on": iso(row.on),
        "title": row.title,
        "text": row.text,
        "amount": number(row.amount),
        "currency": row.currency,
        "initiative_id": row.initiative_id,
        "initiative": (titles or {}).get(row.initiative_id) if row.initiative_id else None,
        "focus_area_id": row.focus_area_id,
        "document": row.document,
        "document_url": row.document_url,
        "source": row.source,
    }


def owner_json(loaded: Loaded, initiative: Initiative) -> dict[str, Any] | None:
    if initiative.owner_tenant_id is not None and initiative.owner_tenant_id in loaded.owners:
        tenant = loaded.owners[initiative.owner_tenant_id]
        return {"organisation": tenant.slug, "name": tenant.name}
    if initiative.owner_name:
        return {"organisation": None, "name": initiative.owner_name}
    return None


def initiative_json(loaded: Loaded, initiative: Initiative, since: dt.date | None) -> dict[str, Any]:
    updates = loaded.updates.get(initiative.id, [])
    decisions = [d for d in loaded.decisions if d.initiative_id == initiative.id]
    need = loaded.needs.get(initiative.need_id) if initiative.need_id else None
    return {
        "id": initiative.id,
        "title": initiative.title,
        "description": initiative.description,
        "focus_area_id": initiative.focus_area_id,
        "status": initiative.status,
        "owner": owner_json(loaded, initiative),
        "starts": iso(initiative.starts),
        "ends": iso(initiative.ends),
        "budget": number(initiative.budget),
        "currency": initiative.currency,
        "need_id": initiative.need_id,
        "need_title": need.title if need is not None and need.status == "published" else None,
        "source": initiative.source,
        "latest_update": update_json(updates[0]) if updates else None,
        "updates": [update_json(u) for u in updates],
        "decisions": [decision_json(d) for d in decisions],
        "changes": {
            "updates": [u.id for u in updates if since is not None and u.on > since],
            "decisions": [d.id for d in decisions if since is not None and d.on > since],
        },
    }


def area_json(loaded: Loaded, area: FocusArea, since: dt.date | None) -> dict[str, Any]:
    subs = loaded.sub_areas(area.id) if area.parent_id is None else []
    ids = {area.id, *(s.id for s in subs)}
    own = loaded.initiatives_in({area.id})
    everything = loaded.initiatives_in(ids)
    decisions = [d for d in loaded.decisions if d.focus_area_id in ids]
    return {
        "id": area.id,
        "parent_id": area.parent_id,
        "position": area.position,
        "name": area.name,
        "description": area.description,
        "source": area.source,
        "progress": progress(everything),
        "initiatives": [initiative_json(loaded, i, since) for i in own],
        "decisions": [decision_json(d) for d in decisions],
        "sub_areas": [area_json(loaded, s, since) for s in subs],
    }


def board_json(loaded: Loaded, since: dt.date | None, members_see_drafts: bool) -> dict[str, Any]:
    """The board as plain values (without opportunities)."""
    s = loaded.strategy
    titles = {i.id: i.title for i in loaded.initiatives}
    area_ids = {a.id for a in loaded.areas}
    tops = [a for a in loaded.areas if a.parent_id is None]
    last = loaded.last_sent()
    updates = [u for rows in loaded.updates.values() for u in rows if since is not None and u.on > since]
    updates.sort(key=lambda u: (u.on, u.id), reverse=True)
    return {
        "slug": s.slug,
        "name": s.name,
        "organisation": {"organisation": loaded.tenant.slug, "name": loaded.tenant.name},
        "region": s.region,
        "region_name": loaded.region_name,
        "language": s.language,
        "description": s.description,
        "source": s.source,
        "since": iso(since),
        "last_newsletter": None if last is None else {"number": last.number, "sent_at": iso(last.sent_at)},
        "progress": progress(loaded.initiatives),
        "focus_areas": [area_json(loaded, a, since) for a in tops],
        "unassigned": [
            initiative_json(loaded, i, since)
            for i in loaded.initiatives
            if i.focus_area_id is None or i.focus_area_id not in area_ids
        ],
        "decisions": [decision_json(d, titles) for d in loaded.decisions],
        "changes": {
            "updates": [
                update_json(u) | {"initiative_id": u.initiative_id, "initiative": titles[u.initiative_id]}
                for u in updates
            ],
            "decisions": [decision_json(d, titles) for d in loaded.decisions if since is not None and d.on > since],
        },
        "newsletters": [
            {"number": n.number, "title": n.title, "status": n.status, "sent_at": iso(n.sent_at)}
            for n in loaded.newsletters
            if n.status == "sent" or members_see_drafts
        ],
    }


def summary_json(strategy: Strategy, tenant: Tenant, initiatives: int, sent: int) -> dict[str, Any]:
    return {
        "slug": strategy.slug,
        "name": strategy.name,
        "organisation": {"organisation": tenant.slug, "name": tenant.name},
        "region": strategy.region,
        "language": strategy.language,
        "initiatives": initiatives,
        "newsletters": sent,
    }

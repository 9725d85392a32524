"""The demo strategy: Västra Götaland's "Västsvensk kraftsamling digitalisering" as its
newsletters nr 2 (December 2021) and nr 8 (September 2023) state it
(``data/demo/strategy/*.toml``; provenance in ``data/README.md``).

Loading is idempotent: when a strategy with the file's slug exists, nothing is written. In one
transaction it writes the owning organisation (the tenant ``vgr``, linked to its CORDIS
organisation when the catalogue has it; an existing tenant of that slug is used as it is), the
strategy, its five focus areas with the sub-areas nr 2 names, the initiatives with their dated
updates, the decisions, one published Swedish need for each initiative the file gives one (ten),
and the two numbers as sent newsletters. Every row cites its number in ``source``.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from samverkan.dataspace.tenants import create_tenant
from samverkan.db.community import (
    Decision,
    FocusArea,
    Initiative,
    InitiativeUpdate,
    Newsletter,
    Posting,
    PostingVersion,
    Strategy,
)
from samverkan.db.dataspace import Tenant
from samverkan.db.models import Organisation
from samverkan.strategy.board import iso
from samverkan.strategy.newsletter import section

DEMO_FILE = "vastsvensk-kraftsamling-digitalisering.toml"


def demo_path() -> Path:
    return Path(str(resources.files("samverkan") / "data" / "demo" / "strategy" / DEMO_FILE))


def read_demo(path: Path | None = None) -> dict[str, Any]:
    with (path or demo_path()).open("rb") as handle:
        return tomllib.load(handle)


class _Facts:
    """The file's numbers: a fact's day and citation from its ``nr…`` keys."""

    def __init__(self, numbers: dict[str, dict[str, Any]]) -> None:
        self.numbers = numbers

    def day(self, key: str) -> dt.date:
        return self.numbers[key]["day"]

    def cite(self, keys: str | None) -> str | None:
        if not keys:
            return None
        return "; ".join(self.numbers[k]["citation"] for k in keys.split())


def publish_need(
    session: Session, tenant_id: int, title: str, text: str, region: str, focus_area: str, moment: dt.datetime
) -> Posting:
    """A published Swedish need, with its first version in the history. (The one place the demo
    writes a posting; once the postings package is merged, its own publishing may replace it.)"""
    posting = Posting(
        kind="need",
        tenant_id=tenant_id,
        status="published",
        language="sv",
        title=title,
        text=text,
        region=region,
        focus_areas=[focus_area],
        technologies=[],
        links=[],
        version=1,
        created_at=moment,
        updated_at=moment,
        published_at=moment,
    )
    session.add(posting)
    session.flush()
    fields = {"title": title, "text": text, "status": "published", "language": "sv", "region": region}
    session.add(
        PostingVersion(posting_id=posting.id, version=1, at=moment, fields=fields | {"focus_areas": [focus_area]})
    )
    return posting


def _tenant(session: Session, spec: dict[str, Any]) -> Tenant:
    found = session.scalar(select(Tenant).where(Tenant.slug == spec["slug"]))
    if found is not None:
        return found
    organisation = spec.get("cordis")
    if organisation is not None and session.get(Organisation, organisation) is None:
        organisation = None  # the catalogue demo is not loaded: the organisation stays unlinked
    tenant, _token = create_tenant(session, spec["slug"], spec["name"], organisation)  # the token is not kept
    return tenant


def load_demo_strategy(session: Session, path: Path | None = None) -> Strategy | None:
    """Write the demo strategy in ``session`` (the caller commits); None when it exists."""
    data = read_demo(path)
    spec = data["strategy"]
    if session.scalar(select(Strategy.id).where(Strategy.slug == spec["slug"])) is not None:
        return None
    facts = _Facts(data["numbers"])
    moment = dt.datetime.now(dt.UTC)
    tenant = _tenant(session, data["organisation"])
    strategy = Strategy(
        slug=spec["slug"],
        tenant_id=tenant.id,
        name=spec["name"],
        region=spec["region"],
        language=spec["language"],
        description=spec["description"],
        newsletter_title=spec["newsletter_title"],
        source=facts.cite(spec["source"]),
        created_at=moment,
    )
    session.add(strategy)
    session.flush()
    areas: dict[str, FocusArea] = {}
    tops: dict[str, str] = {}  # area key → the name of its top-level area
    for position, item in enumerate(data["focus_areas"]):
        top = _area(session, strategy, item, position, None, facts)
        areas[item["key"]] = top
        tops[item["key"]] = top.name
        for sub_position, sub in enumerate(item.get("sub_areas", [])):
            areas[sub["key"]] = _area(session, strategy, sub, sub_position, top.id, facts)
            tops[sub["key"]] = top.name
    initiatives: dict[str, Initiative] = {}
    for item in data["initiatives"]:
        owner = session.scalar(select(Tenant.id).where(Tenant.slug == item["owner"])) if "owner" in item else None
        need = None
        if "need" in item:
            need = publish_need(
                session,
                tenant.id,
                item["need"]["title"],
                item["need"]["text"],
                spec["region"],
                tops[item["area"]],
                moment,
            )
        initiative = Initiative(
            strategy_id=strategy.id,
            focus_area_id=areas[item["area"]].id,
            title=item["title"],
            description=item.get("description", ""),
            owner_tenant_id=owner,
            owner_name=item.get("owner_name"),
            status=item["status"],
            budget=item.get("budget"),
            currency=item.get("currency"),
            need_id=need.id if need else None,
            source=facts.cite(item["source"]),
            created_at=moment,
        )
        session.add(initiative)
        session.flush()
        initiatives[item["key"]] = initiative
        for update in item.get("updates", []):
            session.add(
                InitiativeUpdate(
                    initiative_id=initiative.id,
                    on=facts.day(update["on"]),
                    status=update["status"],
                    text=update["text"],
                    source=facts.cite(update["source"]),
                    created_at=moment,
                )
            )
    for item in data["decisions"]:
        initiative = initiatives[item["initiative"]]
        session.add(
            Decision(
                strategy_id=strategy.id,
                initiative_id=initiative.id,
                focus_area_id=initiative.focus_area_id,
                body=item["body"],
                on=facts.day(item["on"]),
                title=item["title"],
                text=item.get("text", ""),
                amount=item.get("amount"),
                currency=item.get("currency"),
                document=item.get("document"),
                source=facts.cite(item["source"]),
                created_at=moment,
            )
        )
    session.flush()
    for item in data["newsletters"]:
        _archived(session, strategy, item, facts)
    return strategy


def _area(
    session: Session, strategy: Strategy, item: dict[str, Any], position: int, parent: int | None, facts: _Facts
) -> FocusArea:
    area = FocusArea(
        strategy_id=strategy.id,
        parent_id=parent,
        position=position,
        name=item["name"],
        description=item.get("description", ""),
        source=facts.cite(item.get("source")),
    )
    session.add(area)
    session.flush()
    return area


def _archived(session: Session, strategy: Strategy, item: dict[str, Any], facts: _Facts) -> None:
    """A number as it was sent: its status and decisions are the facts that cite it."""
    key = item["number"]
    citation = facts.cite(key)
    day = facts.day(key)
    names = {a.id: a.name for a in session.scalars(select(FocusArea).where(FocusArea.strategy_id == strategy.id))}
    status = []
    for initiative in session.scalars(
        select(Initiative).where(Initiative.strategy_id == strategy.id).order_by(Initiative.id)
    ):
        updates = session.scalars(
            select(InitiativeUpdate).where(
                InitiativeUpdate.initiative_id == initiative.id, InitiativeUpdate.source == citation
            )
        ).all()
        if updates:
            status.append(
                {
                    "id": f"initiative:{initiative.id}",
                    "initiative_id": initiative.id,
                    "title": initiative.title,
                    "focus_area": names.get(initiative.focus_area_id or 0),
                    "status": updates[0].status,
                    "updates": [{"on": iso(u.on), "status": u.status, "text": u.text} for u in updates],
                }
            )
    titles = {i.id: i.title for i in session.scalars(select(Initiative).where(Initiative.strategy_id == strategy.id))}
    decisions = [
        {
            "id": f"decision:{d.id}",
            "decision_id": d.id,
            "body": d.body,
            "on": iso(d.on),
            "title": d.title,
            "text": d.text,
            "amount": float(d.amount) if d.amount is not None else None,
            "currency": d.currency,
            "document": d.document,
            "document_url": d.document_url,
            "initiative": titles.get(d.initiative_id or 0),
        }
        for d in session.scalars(
            select(Decision)
            .where(Decision.strategy_id == strategy.id, Decision.source == citation)
            .order_by(Decision.id)
        )
    ]
    notes = [{"id": f"note:{i}", "text": text} for i, text in enumerate(item.get("notes", []), start=1)]
    sent = dt.datetime.combine(day, dt.time(), dt.UTC)  # the number's day; no time of day is stated
    content = {
        "intro": item["intro"],
        "closing": "",
        "since_number": None,
        "source": citation,
        "sections": [section("status", status), section("decisions", decisions), section("notes", notes)],
    }
    session.add(
        Newsletter(
            strategy_id=strategy.id,
            number=facts.numbers[key]["number"],
            title=item["title"],
            status="sent",
            period_from=None,  # the number before is not among the sources
            period_to=day,
            content=content,
            created_at=sent,
            updated_at=sent,
            sent_at=sent,
        )
    )

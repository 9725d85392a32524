"""The newsletter that writes itself: a draft number made from the board, which the editor
changes, then sends (``strategy.mailing``) and which stays as an archived page.

A number's ``content`` is structured, so that the page and the e-mail word it in the strategy's
language and the editor can remove single items::

    {"intro": str, "closing": str, "since_number": int | None,
     "sections": [{"key": "status" | "decisions" | "calls" | "postings" | "notes",
                   "heading": str | None,   # None: the default heading, in the reader's language
                   "text": str,             # the editor's words before the items
                   "items": [{"id": str, …}]}]}

Invariants of a generated draft: number N is one more than the highest number the strategy has
(so the demo's first is nr 9); "since the last number" means after the day of the last number
*sent* (its ``period_to``; all of it when none was sent); the status section holds the initiatives
with updates after that day (each with those updates, newest first); the decisions section the
decisions dated after it; the calls section, per top-level focus area, the calls open or opening
on ``today`` that match the area (its name, its sub-areas' names and texts), with their reasons;
the postings section the needs and solutions published after that day whose region lies in the
strategy's region — and only those still published when a number is shown or sent
(:func:`without_withdrawn`). Item ids are unique within a number. A sent number is never changed again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from samverkan.db.community import FocusArea, Newsletter, Posting, Strategy
from samverkan.db.dataspace import Tenant
from samverkan.strategy.board import Loaded, iso, number
from samverkan.strategy.inputs import FieldError, NewsletterEdit

SECTIONS = ("status", "decisions", "calls", "postings")
DEFAULT_TITLES = {"sv": "Uppdatering från {name} nr {number}", "en": "Update from {name} no. {number}"}
CALLS_PER_AREA = 5
POSTING_EXCERPT = 400

CallsFor = Callable[[str], list[dict[str, Any]]]


def title_of(strategy: Strategy, number_: int) -> str:
    template = strategy.newsletter_title or DEFAULT_TITLES.get(strategy.language, DEFAULT_TITLES["en"])
    return template.replace("{name}", strategy.name).replace("{number}", str(number_))


def next_number(loaded: Loaded) -> int:
    return max((n.number for n in loaded.newsletters), default=0) + 1


def open_draft(loaded: Loaded) -> Newsletter | None:
    drafts = [n for n in loaded.newsletters if n.status == "draft"]
    return max(drafts, key=lambda n: n.number) if drafts else None


def area_text(area: FocusArea, subs: list[FocusArea]) -> str:
    """What a focus area is about, as search reads it: its name and text, its sub-areas'."""
    parts = [area.name, area.description, *(f"{s.name}. {s.description}" for s in subs)]
    return ". ".join(p.strip().rstrip(".") for p in parts if p and p.strip()) + "."


def section(key: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"key": key, "heading": None, "text": "", "items": items}


def status_items(loaded: Loaded, since: dt.date | None) -> list[dict[str, Any]]:
    names = {a.id: a.name for a in loaded.areas}
    items = []
    for initiative in loaded.initiatives:
        fresh = [u for u in loaded.updates.get(initiative.id, []) if since is None or u.on > since]
        if fresh:
            items.append(
                {
                    "id": f"initiative:{initiative.id}",
                    "initiative_id": initiative.id,
                    "title": initiative.title,
                    "focus_area": names.get(initiative.focus_area_id or 0),
                    "status": initiative.status,
                    "updates": [{"on": iso(u.on), "status": u.status, "text": u.text} for u in fresh],
                }
            )
    return items


def decision_items(loaded: Loaded, since: dt.date | None) -> list[dict[str, Any]]:
    titles = {i.id: i.title for i in loaded.initiatives}
    chosen = [d for d in loaded.decisions if since is None or d.on > since]
    chosen.sort(key=lambda d: (d.body, d.on, d.id))  # grouped by body, as the newsletter lists them
    return [
        {
            "id": f"decision:{d.id}",
            "decision_id": d.id,
            "body": d.body,
            "on": iso(d.on),
            "title": d.title,
            "text": d.text,
            "amount": number(d.amount),
            "currency": d.currency,
            "document": d.document,
            "document_url": d.document_url,
            "initiative": titles.get(d.initiative_id or 0),
        }
        for d in chosen
    ]


def call_items(loaded: Loaded, calls_for: CallsFor) -> list[dict[str, Any]]:
    items = []
    for area in (a for a in loaded.areas if a.parent_id is None):
        for call in calls_for(area_text(area, loaded.sub_areas(area.id)))[:CALLS_PER_AREA]:
            items.append(
                {
                    "id": f"call:{area.id}:{call['id']}",
                    "group": area.name,
                    "group_id": area.id,
                    "call_id": call["id"],
                    "title": call.get("title") or call["id"],
                    "status": call.get("status"),
                    "deadline": call.get("deadline"),
                    "opening": call.get("opening"),
                    "programme": call.get("programme"),
                    "reasons": call.get("reasons", []),
                    "why": call.get("why", ""),
                }
            )
    return items


def posting_items(session: Session, strategy: Strategy, since: dt.date | None) -> list[dict[str, Any]]:
    """Needs and solutions published in the strategy's region after ``since`` (none without a region)."""
    if not strategy.region:
        return []
    query = (
        select(Posting, Tenant)
        .join(Tenant, Tenant.id == Posting.tenant_id)
        .where(Posting.status == "published", Posting.region.startswith(strategy.region, autoescape=True))
        .order_by(Posting.published_at, Posting.id)
    )
    if since is not None:
        query = query.where(
            Posting.published_at >= dt.datetime.combine(since + dt.timedelta(days=1), dt.time(), dt.UTC)
        )
    items = []
    for posting, tenant in session.execute(query):
        text = (
            posting.text
            if len(posting.text) <= POSTING_EXCERPT
            else posting.text[:POSTING_EXCERPT].rsplit(" ", 1)[0] + " …"
        )
        items.append(
            {
                "id": f"{posting.kind}:{posting.id}",
                "kind": posting.kind,
                "posting_id": posting.id,
                "title": posting.title,
                "text": text,
                "organisation": tenant.name,
                "region": posting.region,
                "published_at": iso(posting.published_at),
            }
        )
    return items


def without_withdrawn(session: Session, content: dict[str, Any]) -> dict[str, Any]:
    """``content`` without the needs and solutions that are no longer published (withdrawn
    since the draft was made): a withdrawn posting is never shown or sent again, as in the
    digests. A new dict when something goes; ``content`` itself is left as it is."""
    listed = {
        item.get("posting_id")
        for part in content.get("sections", [])
        if part.get("key") == "postings"
        for item in part.get("items", [])
    }
    ids = {i for i in listed if isinstance(i, int)}
    if not ids:
        return content
    live = set(session.scalars(select(Posting.id).where(Posting.id.in_(ids), Posting.status == "published")))
    if live == ids:
        return content
    return {
        **content,
        "sections": [
            dict(part, items=[i for i in part["items"] if i.get("posting_id") in live])
            if part.get("key") == "postings"
            else part
            for part in content["sections"]
        ],
    }


def generate(session: Session, loaded: Loaded, calls_for: CallsFor) -> tuple[dict[str, Any], dt.date | None]:
    """The content of the next number, and the day it runs from (the last number sent's)."""
    last = loaded.last_sent()
    since = last.period_to if last is not None else None
    content = {
        "intro": loaded.strategy.description,
        "closing": "",
        "since_number": last.number if last is not None else None,
        "sections": [
            section("status", status_items(loaded, since)),
            section("decisions", decision_items(loaded, since)),
            section("calls", call_items(loaded, calls_for)),
            section("postings", posting_items(session, loaded.strategy, since)),
        ],
    }
    return content, since


def edit(content: dict[str, Any], change: NewsletterEdit) -> dict[str, Any]:
    """``content`` with the editor's change applied (a new dict; ``content`` is left as it was)."""
    edited = {**content, "sections": [dict(s, items=list(s["items"])) for s in content["sections"]]}
    given = change.given()
    for name in ("intro", "closing"):
        if name in given:
            edited[name] = given[name] or ""
    by_key = {s["key"]: s for s in edited["sections"]}
    for i, part in enumerate(change.sections):
        target = by_key.get(part.key)
        if target is None:
            raise FieldError(f"sections[{i}].key", f"this number has no section {part.key!r}")
        fields = part.given()
        if "heading" in fields:
            target["heading"] = fields["heading"]
        if "text" in fields:
            target["text"] = fields["text"] or ""
    known = {item["id"] for s in edited["sections"] for item in s["items"]}
    for i, item_id in enumerate(change.remove):
        if item_id not in known:
            raise FieldError(f"remove[{i}]", f"this number has no item {item_id!r}")
    gone = set(change.remove)
    for part in edited["sections"]:
        part["items"] = [item for item in part["items"] if item["id"] not in gone]
    return edited


def newsletter_json(strategy: Strategy, row: Newsletter) -> dict[str, Any]:
    return {
        "strategy": strategy.slug,
        "strategy_name": strategy.name,
        "number": row.number,
        "title": row.title,
        "status": row.status,
        "language": strategy.language,
        "period_from": iso(row.period_from),
        "period_to": iso(row.period_to),
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
        "sent_at": iso(row.sent_at),
        "content": row.content,
    }

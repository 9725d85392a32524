"""Writing a strategy: the strategy, its focus areas and sub-areas, initiatives, their dated
updates, and decisions. The caller has checked who may write; the inputs are validated models
(:mod:`samverkan.strategy.inputs`); what depends on the database is checked here and refused
with a :class:`~samverkan.strategy.inputs.FieldError` naming the field.

Invariants: every focus area, initiative and decision written belongs to one strategy and
refers only to focus areas and initiatives of that strategy; focus areas nest one level (a
sub-area's parent is a top-level area); an initiative's need is a published need; an
initiative's status is that of its latest update (by day, then id) once it has updates, unless
changed later by hand; required fields are never cleared by a patch.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from samverkan.dataspace.times import now
from samverkan.db.community import Decision, FocusArea, Initiative, InitiativeUpdate, Posting, Strategy
from samverkan.db.dataspace import Tenant
from samverkan.db.models import Region
from samverkan.errors import Conflict, NotFound
from samverkan.strategy.inputs import (
    DecisionIn,
    DecisionPatch,
    FieldError,
    FocusAreaIn,
    FocusAreaPatch,
    InitiativeIn,
    InitiativePatch,
    StrategyIn,
    StrategyPatch,
    UpdateIn,
)
from samverkan.strategy.newsletter import DEFAULT_TITLES

REQUIRED = {"name", "title", "body", "on", "status", "language"}


def _no_clearing(given: dict[str, Any]) -> None:
    for name, value in given.items():
        if value is None and name in REQUIRED:
            raise FieldError(name, "may not be empty")


def check_region(session: Session, code: str | None, field: str = "region") -> str | None:
    """A NUTS code the catalogue knows (any code of the right shape while no regions are loaded)."""
    if code is None:
        return None
    if session.get(Region, code) is None and session.scalar(select(func.count()).select_from(Region)):
        raise FieldError(field, f"{code!r} is not a NUTS 2021 region in the catalogue")
    return code


def tenant_by_slug(session: Session, slug: str, field: str) -> Tenant:
    tenant = session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise FieldError(field, f"no organisation {slug!r}")
    return tenant


def area_of(session: Session, strategy: Strategy, area_id: int | None, field: str) -> FocusArea | None:
    if area_id is None:
        return None
    area = session.get(FocusArea, area_id)
    if area is None or area.strategy_id != strategy.id:
        raise FieldError(field, f"no focus area {area_id} in this strategy")
    return area


def initiative_of(session: Session, strategy: Strategy, initiative_id: int | None, field: str) -> Initiative | None:
    if initiative_id is None:
        return None
    initiative = session.get(Initiative, initiative_id)
    if initiative is None or initiative.strategy_id != strategy.id:
        raise FieldError(field, f"no initiative {initiative_id} in this strategy")
    return initiative


def published_need(session: Session, need_id: int | None, field: str = "need_id") -> int | None:
    if need_id is None:
        return None
    posting = session.get(Posting, need_id)
    if posting is None or posting.kind != "need" or posting.status != "published":
        raise FieldError(field, f"no published need {need_id}")
    return need_id


# --- strategies ------------------------------------------------------------------------------


def create_strategy(session: Session, tenant: Tenant, data: StrategyIn) -> Strategy:
    if session.scalar(select(Strategy.id).where(Strategy.slug == data.slug)) is not None:
        raise Conflict(f"a strategy {data.slug!r} exists already")
    strategy = Strategy(
        slug=data.slug,
        tenant_id=tenant.id,
        name=data.name,
        region=check_region(session, data.region),
        language=data.language,
        description=data.description,
        newsletter_title=data.newsletter_title or DEFAULT_TITLES[data.language],
        source=data.source,
        created_at=now(),
    )
    session.add(strategy)
    session.flush()
    return strategy


def patch_strategy(session: Session, strategy: Strategy, patch: StrategyPatch) -> None:
    given = patch.given()
    _no_clearing(given)
    if "region" in given:
        check_region(session, given["region"])
    if given.get("newsletter_title") is None and "newsletter_title" in given:
        given["newsletter_title"] = DEFAULT_TITLES[given.get("language") or strategy.language]
    for name, value in given.items():
        setattr(strategy, name, "" if value is None and name == "description" else value)


# --- focus areas -----------------------------------------------------------------------------


def add_focus_area(session: Session, strategy: Strategy, data: FocusAreaIn) -> FocusArea:
    parent = area_of(session, strategy, data.parent_id, "parent_id")
    if parent is not None and parent.parent_id is not None:
        raise FieldError("parent_id", "a sub-area cannot have sub-areas of its own")
    position = data.position
    if position is None:
        last = session.scalar(
            select(func.max(FocusArea.position)).where(
                FocusArea.strategy_id == strategy.id,
                FocusArea.parent_id.is_(None) if parent is None else FocusArea.parent_id == parent.id,
            )
        )
        position = 0 if last is None else last + 1
    area = FocusArea(
        strategy_id=strategy.id,
        parent_id=parent.id if parent else None,
        position=position,
        name=data.name,
        description=data.description,
        source=data.source,
    )
    session.add(area)
    session.flush()
    return area


def patch_focus_area(area: FocusArea, patch: FocusAreaPatch) -> None:
    given = patch.given()
    _no_clearing(given)
    for name, value in given.items():
        setattr(area, name, "" if value is None and name == "description" else value)
    if area.position is None:
        area.position = 0


def delete_focus_area(session: Session, area: FocusArea) -> None:
    """Its sub-areas go with it; its initiatives and decisions stay, without a focus area."""
    ids = [area.id, *session.scalars(select(FocusArea.id).where(FocusArea.parent_id == area.id))]
    for initiative in session.scalars(select(Initiative).where(Initiative.focus_area_id.in_(ids))):
        initiative.focus_area_id = None
    for decision in session.scalars(select(Decision).where(Decision.focus_area_id.in_(ids))):
        decision.focus_area_id = None
    session.delete(area)


# --- initiatives and their updates -------------------------------------------------------------


def _initiative_fields(session: Session, strategy: Strategy, given: dict[str, Any]) -> dict[str, Any]:
    out = dict(given)
    if "focus_area_id" in given:
        area_of(session, strategy, given["focus_area_id"], "focus_area_id")
    if "owner" in given:
        slug = out.pop("owner")
        out["owner_tenant_id"] = tenant_by_slug(session, slug, "owner").id if slug else None
    if "need_id" in given:
        published_need(session, given["need_id"])
    if "description" in out and out["description"] is None:
        out["description"] = ""
    return out


def add_initiative(session: Session, strategy: Strategy, data: InitiativeIn) -> Initiative:
    fields = _initiative_fields(session, strategy, data.model_dump())
    initiative = Initiative(strategy_id=strategy.id, created_at=now(), **fields)
    session.add(initiative)
    session.flush()
    return initiative


def patch_initiative(session: Session, strategy: Strategy, initiative: Initiative, patch: InitiativePatch) -> None:
    given = patch.given()
    _no_clearing(given)
    fields = _initiative_fields(session, strategy, given)
    for name, value in fields.items():
        setattr(initiative, name, value)
    if initiative.starts and initiative.ends and initiative.ends < initiative.starts:
        raise FieldError("ends", f"{initiative.ends} is before starts {initiative.starts}")
    if initiative.budget is not None and not initiative.currency:
        raise FieldError("currency", "required with budget (e.g. SEK)")


def add_update(session: Session, initiative: Initiative, data: UpdateIn, today: dt.date) -> InitiativeUpdate:
    update = InitiativeUpdate(
        initiative_id=initiative.id,
        on=data.on or today,
        status=data.status or initiative.status,
        text=data.text,
        source=data.source,
        created_at=now(),
    )
    session.add(update)
    session.flush()
    latest = session.scalar(
        select(InitiativeUpdate)
        .where(InitiativeUpdate.initiative_id == initiative.id)
        .order_by(InitiativeUpdate.on.desc(), InitiativeUpdate.id.desc())
        .limit(1)
    )
    if latest is not None:
        initiative.status = latest.status
    return update


def update_of(session: Session, initiative: Initiative, update_id: int) -> InitiativeUpdate:
    update = session.get(InitiativeUpdate, update_id)
    if update is None or update.initiative_id != initiative.id:
        raise NotFound(f"no update {update_id} of this initiative")
    return update


# --- decisions ---------------------------------------------------------------------------------


def _decision_fields(session: Session, strategy: Strategy, given: dict[str, Any]) -> dict[str, Any]:
    if "initiative_id" in given:
        initiative = initiative_of(session, strategy, given["initiative_id"], "initiative_id")
        if initiative is not None and given.get("focus_area_id") is None:
            given = {**given, "focus_area_id": initiative.focus_area_id}
    if "focus_area_id" in given:
        area_of(session, strategy, given["focus_area_id"], "focus_area_id")
    if "text" in given and given["text"] is None:
        given = {**given, "text": ""}
    return given


def add_decision(session: Session, strategy: Strategy, data: DecisionIn) -> Decision:
    fields = _decision_fields(session, strategy, data.model_dump())
    decision = Decision(strategy_id=strategy.id, created_at=now(), **fields)
    session.add(decision)
    session.flush()
    return decision


def patch_decision(session: Session, strategy: Strategy, decision: Decision, patch: DecisionPatch) -> None:
    given = patch.given()
    _no_clearing(given)
    for name, value in _decision_fields(session, strategy, given).items():
        setattr(decision, name, value)
    if decision.amount is not None and not decision.currency:
        raise FieldError("currency", "required with amount (e.g. SEK)")


def decision_of(session: Session, strategy: Strategy, decision_id: int) -> Decision:
    decision = session.get(Decision, decision_id)
    if decision is None or decision.strategy_id != strategy.id:
        raise NotFound(f"no decision {decision_id} in this strategy")
    return decision

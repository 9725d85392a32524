"""Strategies, their boards and newsletters: what the API, the pages and the CLI call.

Who may do what (``actor`` is who acts; ``None`` is the operator on the command line, who may
do everything):

- anyone reads a strategy's board, its initiatives and its sent newsletters;
- an ``admin`` of the owning organisation defines the strategy: creates it, changes it, adds,
  changes and removes focus areas and sub-areas;
- an ``editor`` of the owning organisation edits its content: initiatives, updates, decisions,
  and newsletters (draft, edit, send); an editor of an initiative's owning organisation may
  add updates to that initiative;
- a draft newsletter is seen only by members of the owning organisation (404 to others);
- a signed-in person subscribes to and unsubscribes from the newsletter (a token cannot, it is
  nobody's address); a signed one-click link unsubscribes without signing in.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from samverkan.accounts.actor import Actor
from samverkan.db.community import Follow, Initiative, Newsletter, Strategy, User
from samverkan.db.dataspace import Tenant
from samverkan.errors import Conflict, Forbidden, NotFound, Unauthorized
from samverkan.strategy import board as boards
from samverkan.strategy import edits, mailing
from samverkan.strategy import newsletter as letters
from samverkan.strategy.inputs import (
    DecisionIn,
    DecisionPatch,
    FieldError,
    FocusAreaIn,
    FocusAreaPatch,
    InitiativeIn,
    InitiativePatch,
    NewsletterEdit,
    StrategyIn,
    StrategyPatch,
    UpdateIn,
)
from samverkan.strategy.opportunities import Opportunities, empty

if TYPE_CHECKING:
    from samverkan.core import Samverkan

Json = dict[str, Any]


def _require(actor: Actor | None, tenant_id: int | None, role: str) -> None:
    if actor is not None:
        actor.require(tenant_id, role)


def _can(actor: Actor | None, tenant_id: int, role: str) -> bool:
    return actor is None or actor.can(tenant_id, role)


class Strategies:
    """Strategies, their boards and newsletters (see the module's rules of who may do what)."""

    def __init__(self, app: Samverkan) -> None:
        self.app = app
        self.engine = app.engine
        self.settings = app.settings

    @cached_property
    def opportunities(self) -> Opportunities:
        return Opportunities(self.app)

    # --- reading ------------------------------------------------------------------------------

    def summaries(self) -> list[Json]:
        """Every strategy, with how many initiatives and sent newsletters it has."""
        with Session(self.engine) as session:
            rows = session.execute(select(Strategy, Tenant).join(Tenant).order_by(Strategy.name, Strategy.id)).all()
            out = []
            for strategy, tenant in rows:
                initiatives = session.scalar(
                    select(func.count()).select_from(Initiative).where(Initiative.strategy_id == strategy.id)
                )
                sent = session.scalar(
                    select(func.count())
                    .select_from(Newsletter)
                    .where(Newsletter.strategy_id == strategy.id, Newsletter.status == "sent")
                )
                out.append(boards.summary_json(strategy, tenant, initiatives or 0, sent or 0))
            return out

    def board(
        self, slug: str, actor: Actor | None = None, since: dt.date | None = None, opportunities: int = 3
    ) -> Json:
        """The board: focus areas, initiatives, decisions, progress, what changed since ``since``
        (default: the last newsletter sent) and, per initiative and focus area, ``opportunities``
        of each kind (0: none)."""
        with Session(self.engine) as session:
            strategy = boards.strategy_by_slug(session, slug)
            loaded = boards.load(session, strategy)
            since = since or boards.default_since(loaded, self.settings.current_day())
            out = boards.board_json(loaded, since, _can(actor, strategy.tenant_id, "member"))
            texts = self._texts(loaded)
            exclude = [loaded.tenant.organisation_id] if loaded.tenant.organisation_id else []
        out["today"] = self.settings.current_day().isoformat()
        out["permissions"] = self._permissions(actor, strategy.tenant_id)
        for area in out["focus_areas"]:
            for part in (area, *area["sub_areas"]):
                part["opportunities"] = self._find(texts["area", part["id"]], opportunities, exclude, since)
                for initiative in part["initiatives"]:
                    key = ("initiative", initiative["id"])
                    initiative["opportunities"] = self._find(texts[key], opportunities, exclude, since)
        for initiative in out["unassigned"]:
            initiative["opportunities"] = self._find(
                texts["initiative", initiative["id"]], opportunities, exclude, since
            )
        return out

    def initiative(self, slug: str, initiative_id: int, actor: Actor | None = None, opportunities: int = 5) -> Json:
        """One initiative with every update and decision and its opportunities."""
        with Session(self.engine) as session:
            strategy = boards.strategy_by_slug(session, slug)
            loaded = boards.load(session, strategy)
            found = next((i for i in loaded.initiatives if i.id == initiative_id), None)
            if found is None:
                raise NotFound(f"no initiative {initiative_id} in strategy {slug!r}")
            since = boards.default_since(loaded, self.settings.current_day())
            out = boards.initiative_json(loaded, found, since)
            text = self._texts(loaded)["initiative", found.id]
            exclude = [loaded.tenant.organisation_id] if loaded.tenant.organisation_id else []
            area = next((a for a in loaded.areas if a.id == found.focus_area_id), None)
            out["focus_area"] = None if area is None else {"id": area.id, "name": area.name}
            out["strategy"] = {"slug": strategy.slug, "name": strategy.name, "language": strategy.language}
            may_update = _can(actor, strategy.tenant_id, "editor") or (
                found.owner_tenant_id is not None and _can(actor, found.owner_tenant_id, "editor")
            )
        out["since"] = since.isoformat()
        out["permissions"] = self._permissions(actor, strategy.tenant_id) | {"update": may_update}
        out["opportunities"] = self._find(text, opportunities, exclude, since, found.need_id)
        return out

    def _permissions(self, actor: Actor | None, tenant_id: int) -> dict[str, bool]:
        return {
            "define": _can(actor, tenant_id, "admin"),
            "edit": _can(actor, tenant_id, "editor"),
            "update": _can(actor, tenant_id, "editor"),
        }

    def _texts(self, loaded: boards.Loaded) -> dict[tuple[str, int], str]:
        """What describes each focus area and initiative, for matching."""
        texts: dict[tuple[str, int], str] = {}
        for area in loaded.areas:
            subs = loaded.sub_areas(area.id) if area.parent_id is None else []
            texts["area", area.id] = letters.area_text(area, subs)
        for initiative in loaded.initiatives:
            need = loaded.needs.get(initiative.need_id) if initiative.need_id else None
            if need is not None and need.status == "published":
                texts["initiative", initiative.id] = f"{need.title}. {need.text}"
            else:  # not its updates: they name committees and amounts, which match the wrong calls
                parts = [initiative.title, initiative.description]
                texts["initiative", initiative.id] = ". ".join(p for p in parts if p)
        return texts

    def _find(
        self, text: str, limit: int, exclude: list[str], since: dt.date | None, need_id: int | None = None
    ) -> dict[str, list[Json]]:
        return self.opportunities.find(text, limit, exclude, since, need_id) if limit > 0 else empty()

    # --- defining and editing -------------------------------------------------------------------

    def _strategy(self, session: Session, slug: str, actor: Actor | None, role: str) -> Strategy:
        strategy = boards.strategy_by_slug(session, slug)
        _require(actor, strategy.tenant_id, role)
        return strategy

    def create(self, actor: Actor | None, data: StrategyIn) -> Json:
        """A new strategy of the organisation ``data.organisation`` (or the actor's only one)."""
        with Session(self.engine) as session, session.begin():
            if data.organisation is not None:
                tenant = edits.tenant_by_slug(session, data.organisation, "organisation")
            elif actor is not None and len(actor.organisations("admin")) == 1:
                tenant = session.get_one(Tenant, actor.organisations("admin")[0])
            elif actor is not None and not actor.signed_in:
                raise Unauthorized("sign in, or send 'Authorization: Bearer TOKEN'")
            elif actor is not None and not actor.organisations("admin"):
                raise Forbidden("this needs the role 'admin' in an organisation")
            else:
                raise FieldError("organisation", "say which organisation owns the strategy (its slug)")
            _require(actor, tenant.id, "admin")
            strategy = edits.create_strategy(session, tenant, data)
            return boards.summary_json(strategy, tenant, 0, 0)

    def change(self, actor: Actor | None, slug: str, patch: StrategyPatch) -> Json:
        with Session(self.engine) as session, session.begin():
            strategy = self._strategy(session, slug, actor, "admin")
            edits.patch_strategy(session, strategy, patch)
            tenant = session.get_one(Tenant, strategy.tenant_id)
            return boards.summary_json(strategy, tenant, 0, 0) | {"description": strategy.description}

    def add_focus_area(self, actor: Actor | None, slug: str, data: FocusAreaIn) -> Json:
        with Session(self.engine) as session, session.begin():
            strategy = self._strategy(session, slug, actor, "admin")
            area = edits.add_focus_area(session, strategy, data)
            return boards.area_json(boards.load(session, strategy), area, None)

    def change_focus_area(self, actor: Actor | None, slug: str, area_id: int, patch: FocusAreaPatch) -> Json:
        with Session(self.engine) as session, session.begin():
            strategy = self._strategy(session, slug, actor, "admin")
            area = self._area(session, strategy, area_id)
            edits.patch_focus_area(area, patch)
            session.flush()
            return boards.area_json(boards.load(session, strategy), area, None)

    def remove_focus_area(self, actor: Actor | None, slug: str, area_id: int) -> None:
        with Session(self.engine) as session, session.begin():
            strategy = self._strategy(session, slug, actor, "admin")
            edits.delete_focus_area(session, self._area(session, strategy, area_id))

    def _area(self, session: Session, strategy: Strategy, area_id: int) -> Any:
        try:
            area = edits.area_of(session, strategy, area_id, "focus_area")
        except FieldError:
            raise NotFound(f"no focus area {area_id} in strategy {strategy.slug!r}") from None
        assert area is not None
        return area

    def _initiative(self, session: Session, strategy: Strategy, initiative_id: int) -> Initiative:
        try:
            initiative = edits.initiative_of(session, strategy, initiative_id, "initiative")
        except FieldError:
            raise NotFound(f"no initiative {initiative_id} in strategy {strategy.slug!r}") from None
        assert initiative is not None
        return initiative

    def _initiative_json(self, session: Session, strategy: Strategy, initiative: Initiative) -> Json:
        loaded = boards.load(session, strategy)
        found = next(i for i in loaded.initiatives if i.id == initiative.id)
        return boards.initiative_json(loaded, found, None)

    def add_initiative(self, actor: Actor | None, slug: str, data: InitiativeIn) -> Json:
        with Session(self.engine) as session, session.begin():
            strategy = self._strategy(session, slug, actor, "editor")
            initiative = edits.add_initiative(session, strategy, data)
            return self._initiative_json(session, strategy, initiative)

    def change_initiative(self, actor: Actor | None, slug: str, initiative_id: int, patch: InitiativePatch) -> Json:
        with Session(self.engine) as session, session.begin():
            strategy = self._strategy(session, slug, actor, "editor")
            initiative = self._initiative(session, strategy, initiative_id)
            edits.patch_initiative(session, strategy, initiative, patch)
            session.flush()
            return self._initiative_json(session, strategy, initiative)

    def remove_initiative(self, actor: Actor | None, slug: str, initiative_id: int) -> None:
        with Session(self.engine) as session, session.begin():
            strategy = self._strategy(session, slug, actor, "editor")
            session.delete(self._initiative(session, strategy, initiative_id))

    def add_update(self, actor: Actor | None, slug: str, initiative_id: int, data: UpdateIn) -> Json:
        """A dated update; by the strategy's editors or the initiative's owning organisation's."""
        with Session(self.engine) as session, session.begin():
            strategy = boards.strategy_by_slug(session, slug)
            initiative = self._initiative(session, strategy, initiative_id)
            owner = initiative.owner_tenant_id
            if actor is not None and not (owner is not None and actor.can(owner, "editor")):
                actor.require(strategy.tenant_id, "editor")
            update = edits.add_update(session, initiative, data, self.settings.current_day())
            return boards.update_json(update) | {"initiative_status": initiative.status}

    def remove_update(self, actor: Actor | None, slug: str, initiative_id: int, update_id: int) -> None:
        with Session(self.engine) as session, session.begin():
            strategy = self._strategy(session, slug, actor, "editor")
            initiative = self._initiative(session, strategy, initiative_id)
            session.delete(edits.update_of(session, initiative, update_id))

    def add_decision(self, actor: Actor | None, slug: str, data: DecisionIn) -> Json:
        with Session(self.engine) as session, session.begin():
            strategy = self._strategy(session, slug, actor, "editor")
            return boards.decision_json(edits.add_decision(session, strategy, data))

    def change_decision(self, actor: Actor | None, slug: str, decision_id: int, patch: DecisionPatch) -> Json:
        with Session(self.engine) as session, session.begin():
            strategy = self._strategy(session, slug, actor, "editor")
            decision = edits.decision_of(session, strategy, decision_id)
            edits.patch_decision(session, strategy, decision, patch)
            return boards.decision_json(decision)

    def remove_decision(self, actor: Actor | None, slug: str, decision_id: int) -> None:
        with Session(self.engine) as session, session.begin():
            strategy = self._strategy(session, slug, actor, "editor")
            session.delete(edits.decision_of(session, strategy, decision_id))

    # --- newsletters ----------------------------------------------------------------------------

    def newsletters(self, slug: str, actor: Actor | None = None) -> Json:
        """The numbers: sent ones for everyone, drafts too for the organisation's members."""
        with Session(self.engine) as session:
            strategy = boards.strategy_by_slug(session, slug)
            members = _can(actor, strategy.tenant_id, "member")
            rows = session.scalars(
                select(Newsletter).where(Newsletter.strategy_id == strategy.id).order_by(Newsletter.number.desc())
            )
            listed = [
                {"number": n.number, "title": n.title, "status": n.status, "sent_at": boards.iso(n.sent_at)}
                for n in rows
                if n.status == "sent" or members
            ]
            return {"strategy": strategy.slug, "name": strategy.name, "newsletters": listed}

    def _newsletter(self, session: Session, strategy: Strategy, number: int, actor: Actor | None) -> Newsletter:
        query = select(Newsletter).where(Newsletter.strategy_id == strategy.id, Newsletter.number == number)
        if self.engine.dialect.name == "postgresql":
            query = query.with_for_update()
        row = session.scalar(query)
        if row is None or (row.status != "sent" and not _can(actor, strategy.tenant_id, "member")):
            raise NotFound(f"no newsletter number {number} of {strategy.slug!r}")
        return row

    def newsletter(self, slug: str, number: int, actor: Actor | None = None) -> Json:
        with Session(self.engine) as session:
            strategy = boards.strategy_by_slug(session, slug)
            row = self._newsletter(session, strategy, number, actor)
            out = self._json(session, strategy, row)
            out["permissions"] = self._permissions(actor, strategy.tenant_id)
            return out

    @staticmethod
    def _json(session: Session, strategy: Strategy, row: Newsletter) -> Json:
        """A number as shown: without the postings withdrawn since it was made."""
        return letters.newsletter_json(strategy, row) | {"content": letters.without_withdrawn(session, row.content)}

    def draft(self, actor: Actor | None, slug: str, regenerate: bool = False) -> tuple[Json, bool]:
        """The open draft (made from the board when there is none, or ``regenerate``d); and
        whether it was written now."""
        with Session(self.engine) as session:
            strategy = self._strategy(session, slug, actor, "editor")
            loaded = boards.load(session, strategy)
            existing = letters.open_draft(loaded)
            if existing is not None and not regenerate:
                return self._json(session, strategy, existing), False
            exclude = [loaded.tenant.organisation_id] if loaded.tenant.organisation_id else []
            content, since = letters.generate(
                session, loaded, lambda text: self.opportunities.find(text, letters.CALLS_PER_AREA, exclude)["calls"]
            )
            number = existing.number if existing is not None else letters.next_number(loaded)
        today, moment = self.settings.current_day(), mailing.now()
        try:
            with Session(self.engine) as session, session.begin():
                strategy = boards.strategy_by_slug(session, slug)
                row = session.scalar(
                    select(Newsletter).where(Newsletter.strategy_id == strategy.id, Newsletter.number == number)
                )
                if row is not None and row.status == "sent":
                    raise Conflict(f"number {number} was sent meanwhile; make the next draft")
                if row is None:
                    row = Newsletter(strategy_id=strategy.id, number=number, status="draft", created_at=moment)
                    session.add(row)
                row.title = letters.title_of(strategy, number)
                row.period_from, row.period_to, row.content, row.updated_at = since, today, content, moment
                session.flush()
                return letters.newsletter_json(strategy, row), True
        except IntegrityError:
            raise Conflict("another draft was made at the same time; reload it") from None

    def edit_newsletter(self, actor: Actor | None, slug: str, number: int, change: NewsletterEdit) -> Json:
        with Session(self.engine) as session, session.begin():
            strategy = self._strategy(session, slug, actor, "editor")
            row = self._newsletter(session, strategy, number, actor)
            if row.status == "sent":
                raise Conflict(f"number {number} was sent: it is archived as it went out")
            row.content = letters.edit(letters.without_withdrawn(session, row.content), change)
            if change.title is not None:
                row.title = change.title
            row.updated_at = mailing.now()
            return letters.newsletter_json(strategy, row)

    def send(self, actor: Actor | None, slug: str, number: int) -> Json:
        """Write one e-mail per subscriber to the outbox and mark the number sent (a number
        sent before writes nothing). ``app.deliver_mail()`` (or ``serve``) delivers them."""
        with Session(self.engine) as session, session.begin():
            strategy = self._strategy(session, slug, actor, "editor")
            row = self._newsletter(session, strategy, number, actor)
            before = row.status == "sent"
            if not before:  # what goes out, and is archived, holds no posting withdrawn since the draft
                row.content = letters.without_withdrawn(session, row.content)
            signer = self.app.signer(mailing.UNSUBSCRIBE)
            written = mailing.send(session, strategy, row, self.settings.base_url, signer)
            return {"number": number, "enqueued": written, "already_sent": before, "sent_at": boards.iso(row.sent_at)}

    # --- subscriptions ----------------------------------------------------------------------------

    def _person(self, session: Session, actor: Actor | None) -> User:
        if actor is None or not actor.signed_in:
            raise Unauthorized("sign in to subscribe")
        if actor.user_id is None:
            raise Forbidden("a person subscribes, signed in; a token has no address")
        user = session.get(User, actor.user_id)
        if user is None:
            raise Unauthorized("sign in to subscribe")
        return user

    def subscription(self, actor: Actor | None, slug: str) -> Json:
        with Session(self.engine) as session:
            strategy = boards.strategy_by_slug(session, slug)
            user = self._person(session, actor)
            follow = mailing.follow_of(session, user.id, strategy.id)
            return {"strategy": slug, "subscribed": follow is not None, "email": user.email}

    def subscribe(self, actor: Actor | None, slug: str) -> Json:
        with Session(self.engine) as session, session.begin():
            strategy = boards.strategy_by_slug(session, slug)
            user = self._person(session, actor)
            mailing.subscribe(session, user, strategy)
            return {"strategy": slug, "subscribed": True, "email": user.email}

    def unsubscribe(self, actor: Actor | None, slug: str) -> Json:
        with Session(self.engine) as session, session.begin():
            strategy = boards.strategy_by_slug(session, slug)
            user = self._person(session, actor)
            mailing.unsubscribe(session, user.id, strategy.id)
            return {"strategy": slug, "subscribed": False, "email": user.email}

    def unsubscribe_signed(self, slug: str, follow_id: int, signature: str) -> bool:
        """One-click unsubscribe from an e-mail's link; False if the link is not ours."""
        if not self.app.signer(mailing.UNSUBSCRIBE).valid(str(follow_id), signature):
            return False
        with Session(self.engine) as session, session.begin():
            strategy = boards.strategy_by_slug(session, slug)
            follow = session.get(Follow, follow_id)
            if follow is None or follow.target != mailing.TARGET or follow.target_id != strategy.id:
                return False
            if follow.stopped_at is None:
                follow.stopped_at = mailing.now()
            return True

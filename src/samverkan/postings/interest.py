"""We are interested: another organisation tells the owner of a need or solution.

Invariants:
- Only a published posting, and never by its own organisation. One interest per interested
  organisation and posting (a second one returns the first, unchanged): ``interests`` has a
  unique key on (posting, organisation).
- The owner's editors and admins with a confirmed, enabled account are told by e-mail, each in
  their own language, through the outbox in the same transaction (key
  ``interest:<interest id>:<user id>``), so a rolled-back interest sends nothing and nothing is
  sent twice.
- Who is interested — the person's name and e-mail address when a signed-in person sent it, the
  organisation, the message — is shown to the owner's members only (:func:`interests`); no page
  or answer shows it to anyone else.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from samverkan import mail
from samverkan.accounts.actor import Actor
from samverkan.db.community import Interest, Membership, Posting, User
from samverkan.db.dataspace import Tenant
from samverkan.db.engine import aware
from samverkan.errors import Conflict, Forbidden, Unauthorized
from samverkan.postings.fields import FieldError, message
from samverkan.postings.store import Store
from samverkan.search.documents import posting_key

NOTIFIED_ROLES = ("editor", "admin")


class Interests:
    """Interests in postings, and the owners' e-mails."""

    def __init__(self, store: Store, base_url: str) -> None:
        self.store = store
        self.base_url = base_url.rstrip("/")

    def interest(
        self, actor: Actor, kind: str, key: int | str, text: Any = None, organisation: str | None = None
    ) -> dict[str, Any]:
        """Mark the actor's organisation as interested (``organisation``: its slug, when the
        actor belongs to several); ``created`` says whether this call recorded it."""
        if not actor.signed_in:
            raise Unauthorized("sign in, or send 'Authorization: Bearer TOKEN', to say you are interested")
        note = message(text)
        with Session(self.store.engine) as session, session.begin():
            posting = self.store.load(session, actor, kind, key)
            if posting.status != "published":
                raise Conflict(f"{posting_key(posting.id)} is not published: only a published {kind} takes interest")
            tenant = self._organisation(session, actor, posting, organisation)
            existing = self._existing(session, posting.id, tenant.id)
            if existing is not None:
                return _interest(existing, tenant, created=False)
            interest = Interest(
                posting_id=posting.id,
                tenant_id=tenant.id,
                user_id=actor.user_id,
                message=note,
                created_at=dt.datetime.now(dt.UTC),
            )
            try:
                with session.begin_nested():
                    session.add(interest)
            except IntegrityError:  # the same organisation, at the same moment, in another request
                found = self._existing(session, posting.id, tenant.id)
                assert found is not None
                return _interest(found, tenant, created=False)
            self._notify(session, posting, interest, tenant)
            return _interest(interest, tenant, created=True)

    def _existing(self, session: Session, posting_id: int, tenant_id: int) -> Interest | None:
        return session.scalar(
            select(Interest).where(Interest.posting_id == posting_id, Interest.tenant_id == tenant_id)
        )

    def _organisation(self, session: Session, actor: Actor, posting: Posting, slug: str | None) -> Tenant:
        """The interested organisation: named, or the actor's only one (any role)."""
        if slug is not None:
            tenant = session.scalar(select(Tenant).where(Tenant.slug == slug))
            if tenant is None or not actor.can(tenant.id, "member"):
                raise FieldError("organisation", f"you are not a member of an organisation {slug[:40]!r}")
        else:
            mine = actor.organisations("member")
            others = [t for t in mine if t != posting.tenant_id]
            if not mine:
                raise Forbidden("interest is shown by an organisation: join one first")
            if not others:
                raise Conflict(f"this is your own organisation's {posting.kind}")
            if len(others) > 1:
                raise FieldError("organisation", "you belong to several organisations: name one by its slug")
            tenant = session.get_one(Tenant, others[0])
        if tenant.id == posting.tenant_id:
            raise Conflict(f"this is your own organisation's {posting.kind}")
        return tenant

    def _notify(self, session: Session, posting: Posting, interest: Interest, tenant: Tenant) -> int:
        """One e-mail per editor or admin of the owner, in their language; how many."""
        from samverkan.web.posting_mail import interest_mail  # the texts live with the translations

        person = session.get(User, interest.user_id) if interest.user_id is not None else None
        owners = session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.tenant_id == posting.tenant_id,
                Membership.role.in_(NOTIFIED_ROLES),
                User.confirmed_at.is_not(None),
                User.disabled_at.is_(None),
            )
            .order_by(User.id)
        ).all()
        path = ("/needs/" if posting.kind == "need" else "/solutions/") + posting_key(posting.id)
        sent = 0
        for owner in owners:
            subject, text, html = interest_mail(
                owner.language,
                kind=posting.kind,
                title=posting.title,
                organisation=tenant.name,
                person=(person.name, person.email) if person is not None else None,
                message=interest.message,
                url=self.base_url + path,
            )
            sent += mail.enqueue(session, f"interest:{interest.id}:{owner.id}", owner.email, subject, text, html)
        return sent

    def interests(self, actor: Actor, kind: str, key: int | str) -> list[dict[str, Any]]:
        """Who is interested in a posting, with their contact: for its organisation's members."""
        with Session(self.store.engine) as session:
            posting = self.store.load(session, actor, kind, key)
            if not actor.can(posting.tenant_id, "member"):
                raise Forbidden("who is interested is shown to the posting's organisation only")
            rows = session.execute(
                select(Interest, Tenant, User)
                .join(Tenant, Tenant.id == Interest.tenant_id)
                .outerjoin(User, User.id == Interest.user_id)
                .where(Interest.posting_id == posting.id)
                .order_by(Interest.created_at, Interest.id)
            ).all()
            return [
                _interest(i, t, created=False)
                | {"person": {"name": u.name, "email": u.email} if u is not None else None}
                for i, t, u in rows
            ]

    def shown(self, actor: Actor, posting_id: int) -> list[str]:
        """The slugs of the actor's organisations that are interested in a posting (for a page's
        button: "you told them")."""
        if not actor.roles:
            return []
        with Session(self.store.engine) as session:
            return list(
                session.scalars(
                    select(Tenant.slug)
                    .join(Interest, Interest.tenant_id == Tenant.id)
                    .where(Interest.posting_id == posting_id, Interest.tenant_id.in_(list(actor.roles)))
                )
            )


def _interest(interest: Interest, tenant: Tenant, created: bool) -> dict[str, Any]:
    return {
        "id": interest.id,
        "posting": posting_key(interest.posting_id),
        "organisation": {"slug": tenant.slug, "name": tenant.name},
        "message": interest.message,
        "created_at": aware(interest.created_at).isoformat(),
        "created": created,
    }

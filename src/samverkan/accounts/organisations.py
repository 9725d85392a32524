"""Organisations and their members. An organisation *is* a data-space tenant (``ds_tenants``):
one slug, one name, one set of members (``memberships``) and of API tokens (``ds_tokens``).

Each function works inside the caller's transaction and trusts that the caller checked the
actor's right (:class:`~samverkan.accounts.service.Accounts` does, for every door).

Invariants:

- public about an organisation: its slug, its name and its CORDIS organisation; its members,
  their addresses, its invitations and its tokens are shown to its administrators only;
- an organisation that has an administrator keeps one: the last one can be neither demoted
  nor removed (changes to one organisation's members take its row's lock on PostgreSQL, so
  two administrators demoting each other at once cannot leave none);
- joining is by invitation: a link to the invited address (``email_tokens``, purpose
  ``invite``, with the organisation and the role), used once, within 7 days; accepting never
  lowers a role the person already holds;
- a token's secret is shown once, when it is made, and never stored.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from samverkan import mail
from samverkan.accounts import letters, links
from samverkan.accounts.actor import ROLES
from samverkan.dataspace import tenants
from samverkan.dataspace.service import token_json
from samverkan.dataspace.times import now
from samverkan.db.community import EmailToken, Membership, User
from samverkan.db.dataspace import Tenant, Token
from samverkan.db.engine import aware
from samverkan.db.models import Organisation
from samverkan.errors import Conflict, NotFound

MAX_TOKEN_DAYS = 36_500


def organisation_json(tenant: Tenant) -> dict[str, Any]:
    """What anyone may know of an organisation."""
    return {"slug": tenant.slug, "name": tenant.name, "organisation": tenant.organisation_id}


def by_slug(session: Session, slug: str, lock: bool = False) -> Tenant:
    query = select(Tenant).where(Tenant.slug == slug)
    if lock and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    tenant = session.scalar(query)
    if tenant is None:
        raise NotFound(f"no organisation {slug!r}")
    return tenant


def create(
    session: Session, slug: str, name: str, organisation_id: str | None = None, admin: User | None = None
) -> tuple[Tenant, str | None]:
    """A new organisation (a tenant). With ``admin`` (a person creating it on the web), that
    person is its administrator and no token is made; without (the command line), its first
    token is (scope ``admin``), returned once."""
    tenant, token = tenants.create_tenant(session, slug, name, organisation_id)
    if admin is None:
        return tenant, token
    # create_tenant always makes a first token; nobody would ever see this one
    session.execute(delete(Token).where(Token.tenant_id == tenant.id))
    join(session, tenant, admin, "admin")
    return tenant, None


def of_person(session: Session, user_id: int) -> list[dict[str, Any]]:
    """The person's organisations with their role, by name."""
    rows = session.execute(
        select(Tenant, Membership.role)
        .join(Membership, Membership.tenant_id == Tenant.id)
        .where(Membership.user_id == user_id)
        .order_by(Tenant.name, Tenant.slug)
    )
    return [{**organisation_json(tenant), "role": role} for tenant, role in rows]


def members(session: Session, tenant: Tenant) -> list[dict[str, Any]]:
    rows = session.execute(
        select(User, Membership)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.tenant_id == tenant.id)
        .order_by(User.name, User.email)
    )
    return [
        {
            "user": user.id,
            "name": user.name,
            "email": user.email,
            "role": membership.role,
            "since": aware(membership.created_at).isoformat(),
        }
        for user, membership in rows
    ]


def people_of(session: Session, tenant_id: int, role: str = "member") -> list[dict[str, Any]]:
    """Whom to write to for an organisation: its confirmed, enabled members holding at least
    ``role``, with the language of their e-mails (for "we are interested", newsletters …)."""
    held = ROLES[ROLES.index(role) :]
    rows = session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.tenant_id == tenant_id,
            Membership.role.in_(held),
            User.confirmed_at.is_not(None),
            User.disabled_at.is_(None),
        )
        .order_by(User.id)
    )
    return [{"id": u.id, "email": u.email, "name": u.name, "language": u.language} for u in rows]


def join(session: Session, tenant: Tenant, user: User, role: str) -> Membership:
    """Make the person a member with ``role``, or raise their role to it (never lower it)."""
    membership = session.get(Membership, (user.id, tenant.id))
    if membership is None:
        membership = Membership(user_id=user.id, tenant_id=tenant.id, role=role, created_at=now())
        session.add(membership)
    elif ROLES.index(role) > ROLES.index(membership.role):
        membership.role = role
    session.flush()
    return membership


def _membership(session: Session, tenant: Tenant, user_id: int) -> Membership:
    membership = session.get(Membership, (user_id, tenant.id))
    if membership is None:
        raise NotFound(f"person {user_id} is not a member of {tenant.slug!r}")
    return membership


def _keep_an_admin(session: Session, tenant: Tenant, membership: Membership) -> None:
    if membership.role != "admin":
        return
    admins = session.scalar(select(func.count()).where(Membership.tenant_id == tenant.id, Membership.role == "admin"))
    if (admins or 0) <= 1:
        raise Conflict("an organisation keeps at least one administrator: make another one first", code="last_admin")


def set_role(session: Session, tenant: Tenant, user_id: int, role: str) -> dict[str, Any]:
    membership = _membership(session, tenant, user_id)
    if role != "admin":
        _keep_an_admin(session, tenant, membership)
    membership.role = role
    session.flush()
    return next(m for m in members(session, tenant) if m["user"] == user_id)


def remove(session: Session, tenant: Tenant, user_id: int) -> dict[str, Any]:
    """Remove a member; what the membership was."""
    membership = _membership(session, tenant, user_id)
    _keep_an_admin(session, tenant, membership)
    was = next(m for m in members(session, tenant) if m["user"] == user_id)
    session.delete(membership)
    session.flush()
    return was


def invite(
    session: Session,
    base_url: str,
    tenant: Tenant,
    address: str,
    role: str,
    lang: str | None = None,
    inviter: User | None = None,
) -> dict[str, Any]:
    """Send an invitation link to ``address``. Its language: ``lang``, else the invited
    person's own, else the inviter's, else Swedish."""
    invited = session.scalar(select(User).where(User.email == address))
    language = lang or (invited.language if invited else None) or (inviter.language if inviter else None) or "sv"
    token, row = links.issue(session, "invite", address, tenant_id=tenant.id, role=role)
    letter = letters.invite(
        language, tenant.name, inviter.name if inviter else None, role, f"{base_url}/invitations/{token}"
    )
    mail.enqueue(session, f"invite:{tenant.id}:{row.digest[:16]}", address, letter.subject, letter.text, letter.html)
    return invitation_json(row)


def invitation_json(row: EmailToken) -> dict[str, Any]:
    return {
        "id": row.digest[:16],
        "email": row.email,
        "role": row.role,
        "created_at": aware(row.created_at).isoformat(),
        "expires_at": aware(row.expires_at).isoformat(),
    }


def invitations(session: Session, tenant: Tenant) -> list[dict[str, Any]]:
    return [invitation_json(row) for row in links.pending_invitations(session, tenant.id)]


def cancel_invitation(session: Session, tenant: Tenant, invitation_id: str) -> dict[str, Any]:
    """Cancel one of the organisation's open invitations (its link stops working); what it was."""
    if len(invitation_id) != 16 or not all(c in "0123456789abcdef" for c in invitation_id):
        raise NotFound(f"no invitation {invitation_id!r}")
    row = session.scalar(
        select(EmailToken).where(
            EmailToken.purpose == "invite",
            EmailToken.tenant_id == tenant.id,
            EmailToken.digest.startswith(invitation_id, autoescape=True),
            EmailToken.used_at.is_(None),
        )
    )
    if row is None:
        raise NotFound(f"no open invitation {invitation_id!r}")
    row.used_at = now()
    session.flush()
    return invitation_json(row)


def invitation(session: Session, token: str) -> dict[str, Any]:
    """What an invitation link offers (without using it): the organisation, the role, the
    invited address and whether it has an account."""
    row = links.peek(session, token, "invite")
    tenant = session.get(Tenant, row.tenant_id)
    if tenant is None or row.role is None:
        raise NotFound("the organisation of this invitation no longer exists")
    has_account = session.scalar(select(User.id).where(User.email == row.email)) is not None
    return {**organisation_json(tenant), "role": row.role, "email": row.email, "has_account": has_account}


def accept(session: Session, token: str, user: User) -> Tenant:
    """Use an invitation: the person joins with its role."""
    row = links.use(session, token, "invite")
    tenant = session.get(Tenant, row.tenant_id)
    if tenant is None or row.role is None:
        raise NotFound("the organisation of this invitation no longer exists")
    join(session, tenant, user, row.role)
    return tenant


def in_catalogue(session: Session, organisation_id: str) -> bool:
    """Whether the catalogue has this organisation (a CORDIS organisation id)."""
    return session.get(Organisation, organisation_id) is not None


def link(session: Session, tenant: Tenant, organisation_id: str | None) -> dict[str, Any]:
    """Link the organisation to its CORDIS organisation (None: unlink); the caller checked
    that the catalogue has it (:func:`in_catalogue`)."""
    tenant.organisation_id = organisation_id
    session.flush()
    return organisation_json(tenant)


def token_list(session: Session, tenant: Tenant) -> list[dict[str, Any]]:
    rows = session.scalars(select(Token).where(Token.tenant_id == tenant.id).order_by(Token.id))
    return [token_json(r) for r in rows]


def new_token(session: Session, tenant: Tenant, scope: str, label: str | None, days: float | None) -> dict[str, Any]:
    lifetime = dt.timedelta(days=days) if days is not None else None
    plain, row = tenants.issue_token(session, tenant, scope, label, lifetime)
    return {"tenant": tenant.slug, "token": plain, **token_json(row)}


def revoke_token(session: Session, tenant: Tenant, token_id: int) -> dict[str, Any]:
    """Revoke one of the organisation's tokens (another's is :class:`NotFound`)."""
    return token_json(tenants.revoke_token(session, tenant.id, token_id))

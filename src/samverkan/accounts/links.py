"""Links sent by e-mail (``email_tokens``): confirm an address, reset a password, join an
organisation.

Invariants:

- a link carries 256 random bits (``secrets.token_urlsafe(32)``); only the SHA-256 digest is
  stored, so the table gives nobody a working link;
- a link is good for one purpose, until it expires (:data:`LIFETIMES`), and once: :func:`use`
  marks it used with a single conditional ``UPDATE``, so two requests racing with one link
  cannot both succeed (on SQLite and PostgreSQL alike);
- at most one link per person and purpose is made a minute (:data:`RESEND_AFTER`), so nobody
  can fill someone's mailbox by asking again and again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from samverkan.accounts.rules import LinkError
from samverkan.dataspace.times import now
from samverkan.db.community import EmailToken
from samverkan.db.engine import aware

LIFETIMES = {
    "confirm": dt.timedelta(hours=48),
    "reset": dt.timedelta(hours=1),
    "invite": dt.timedelta(days=7),
}
RESEND_AFTER = dt.timedelta(minutes=1)
MAX_TOKEN_CHARS = 100  # a link's token is 43 characters; anything much longer is not one of ours


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def issue(
    session: Session,
    purpose: str,
    email: str,
    user_id: int | None = None,
    tenant_id: int | None = None,
    role: str | None = None,
) -> tuple[str, EmailToken]:
    """A new link's token (returned once, never stored) and its row."""
    token = secrets.token_urlsafe(32)
    created = now()
    row = EmailToken(
        digest=digest(token),
        user_id=user_id,
        purpose=purpose,
        email=email,
        tenant_id=tenant_id,
        role=role,
        created_at=created,
        expires_at=created + LIFETIMES[purpose],
    )
    session.add(row)
    session.flush()
    return token, row


def made_recently(session: Session, purpose: str, email: str) -> bool:
    """Whether a link for ``purpose`` went to ``email`` less than :data:`RESEND_AFTER` ago."""
    since = now() - RESEND_AFTER
    query = select(EmailToken.digest).where(
        EmailToken.purpose == purpose, EmailToken.email == email, EmailToken.created_at > since
    )
    return session.scalar(query.limit(1)) is not None


def peek(session: Session, token: str, purpose: str) -> EmailToken:
    """The link's row if it can be used now (not used, not expired), else :class:`LinkError`."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        raise LinkError("link_unknown")
    row = session.get(EmailToken, digest(token))
    if row is None or row.purpose != purpose:
        raise LinkError("link_unknown")
    if row.used_at is not None:
        raise LinkError("link_used")
    if aware(row.expires_at) <= now():
        raise LinkError("link_expired")
    return row


def use(session: Session, token: str, purpose: str) -> EmailToken:
    """Use the link: its row, now marked used. Exactly one caller succeeds per link."""
    row = peek(session, token, purpose)
    done = session.execute(
        update(EmailToken)
        .where(EmailToken.digest == row.digest, EmailToken.used_at.is_(None))
        .values(used_at=now())
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise LinkError("link_used")
    session.refresh(row)
    return row


def retire(session: Session, purpose: str, email: str) -> None:
    """Mark every unused link of ``purpose`` to ``email`` used (after one of them was)."""
    session.execute(
        update(EmailToken)
        .where(EmailToken.purpose == purpose, EmailToken.email == email, EmailToken.used_at.is_(None))
        .values(used_at=now())
        .execution_options(synchronize_session=False)
    )


def pending_invitations(session: Session, tenant_id: int) -> list[EmailToken]:
    """An organisation's invitations not used and not expired, newest first."""
    query = (
        select(EmailToken)
        .where(
            EmailToken.purpose == "invite",
            EmailToken.tenant_id == tenant_id,
            EmailToken.used_at.is_(None),
            EmailToken.expires_at > now(),
        )
        .order_by(EmailToken.created_at.desc())
    )
    return list(session.scalars(query))

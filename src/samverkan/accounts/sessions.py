"""Signed-in browsers (``user_sessions``).

Invariants:

- the cookie holds 256 random bits; the table holds only their SHA-256 digest, so reading the
  table signs nobody in;
- a session is valid until ``expires_at``, which slides: each use moves it to
  :data:`LIFETIME` from now (written at most every :data:`TOUCH_EVERY`, so a busy page does not
  write on every request); revoked (``revoked_at``) it is never valid again;
- each session has its own CSRF secret, compared with every form it posts;
- a disabled person's sessions give the public: nothing they held still works.

A session is named to its person (the "your sessions" page) by :func:`public_id`, the first 16
hex digits of its digest, never by the digest itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from samverkan.accounts.actor import Actor
from samverkan.dataspace.times import now
from samverkan.db.community import Membership, User, UserSession
from samverkan.db.engine import aware

LIFETIME = dt.timedelta(days=14)
TOUCH_EVERY = dt.timedelta(minutes=10)
MAX_COOKIE_CHARS = 100
USER_AGENT_CHARS = 200


def digest(cookie: str) -> str:
    return hashlib.sha256(cookie.encode("utf-8", "replace")).hexdigest()


def public_id(row: UserSession) -> str:
    return row.digest[:16]


def open_session(session: Session, user_id: int, user_agent: str | None) -> str:
    """A new session for the person; returns the cookie's value (shown to the browser once)."""
    cookie = secrets.token_urlsafe(32)
    moment = now()
    session.add(
        UserSession(
            digest=digest(cookie),
            user_id=user_id,
            csrf=secrets.token_urlsafe(32),
            created_at=moment,
            seen_at=moment,
            expires_at=moment + LIFETIME,
            user_agent=(user_agent or "")[:USER_AGENT_CHARS] or None,
        )
    )
    session.flush()
    return cookie


def valid(session: Session, cookie: str) -> UserSession | None:
    """The live session of ``cookie`` (slid forward when due), or None."""
    if not cookie or len(cookie) > MAX_COOKIE_CHARS:
        return None
    row = session.get(UserSession, digest(cookie))
    moment = now()
    if row is None or row.revoked_at is not None or aware(row.expires_at) <= moment:
        return None
    if moment - aware(row.seen_at) >= TOUCH_EVERY:
        row.seen_at = moment
        row.expires_at = moment + LIFETIME
    return row


def actor(session: Session, cookie: str) -> Actor:
    """Who the cookie stands for: the person with their roles, or the public."""
    row = valid(session, cookie)
    if row is None:
        return Actor.public()
    user = session.get(User, row.user_id)
    if user is None or user.disabled_at is not None:
        return Actor.public()
    found = session.execute(select(Membership.tenant_id, Membership.role).where(Membership.user_id == user.id))
    roles = {tenant_id: role for tenant_id, role in found}
    return Actor(user_id=user.id, roles=roles, via="session", csrf=row.csrf)


def close(session: Session, cookie: str) -> None:
    """Sign out: the cookie's session is revoked (nothing happens for an unknown cookie)."""
    if cookie and len(cookie) <= MAX_COOKIE_CHARS:
        row = session.get(UserSession, digest(cookie))
        if row is not None and row.revoked_at is None:
            row.revoked_at = now()


def revoke(session: Session, user_id: int, session_id: str) -> bool:
    """Revoke one of the person's sessions by its :func:`public_id`; False if none matched."""
    if len(session_id) != 16 or not all(c in "0123456789abcdef" for c in session_id):
        return False
    done = session.execute(
        update(UserSession)
        .where(
            UserSession.user_id == user_id,
            UserSession.digest.startswith(session_id, autoescape=True),
            UserSession.revoked_at.is_(None),
        )
        .values(revoked_at=now())
        .execution_options(synchronize_session=False)
    )
    return bool(done.rowcount)  # type: ignore[attr-defined]


def revoke_all(session: Session, user_id: int, keep: str | None = None) -> int:
    """Revoke every live session of the person but the one of cookie ``keep``; how many."""
    query = update(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
    if keep:
        query = query.where(UserSession.digest != digest(keep))
    done = session.execute(query.values(revoked_at=now()).execution_options(synchronize_session=False))
    return int(done.rowcount)  # type: ignore[attr-defined]


def listing(session: Session, user_id: int, current: str | None = None) -> list[dict[str, Any]]:
    """The person's live sessions, most recently used first; ``current`` marks this browser's."""
    here = digest(current) if current else None
    rows = session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None), UserSession.expires_at > now())
        .order_by(UserSession.seen_at.desc())
    )
    return [
        {
            "id": public_id(r),
            "created_at": aware(r.created_at).isoformat(),
            "seen_at": aware(r.seen_at).isoformat(),
            "expires_at": aware(r.expires_at).isoformat(),
            "user_agent": r.user_agent,
            "current": r.digest == here,
        }
        for r in rows
    ]

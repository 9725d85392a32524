"""Helpers of the digest tests: people (rows of ``users``), published postings, an app on a
writable copy of the demo catalogue with its own ``today``, and a web client whose requests
carry a person's session.

Sessions: until the accounts package signs people in (``app.accounts.actor_for_session``), the
client's ``actor`` dependency reads the session row that :func:`sign_in` writes (the cookie's
SHA-256 in ``user_sessions``, as the schema states); once accounts answers for the cookie
itself, its actor is used and this stand-in does nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import Request
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from samverkan.accounts.actor import Actor
from samverkan.core import Samverkan
from samverkan.dataspace.tenants import create_tenant
from samverkan.db.community import Posting, User, UserSession
from samverkan.settings import load_settings
from samverkan.web import create_app, deps
from tests.conftest import TESTSERVER

OPENS = dt.date(2026, 8, 13)  # the demo's quantum-computing calls open the day after the demo's today
QUANTUM = "quantum computers integrated in HPC supercomputers"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def make_app(db_url: str, today: dt.date = dt.date(2026, 8, 12), **settings: Any) -> Samverkan:
    settings.setdefault("public_url", TESTSERVER)
    return Samverkan(load_settings(db=db_url, today=today, **settings))


def add_user(app: Samverkan, email: str, language: str = "sv", confirmed: bool = True) -> int:
    with Session(app.engine) as session, session.begin():
        user = User(
            email=email,
            name=email.split("@")[0].title(),
            password_hash="x",
            language=language,
            created_at=now(),
            confirmed_at=now() if confirmed else None,
            site_admin=False,
        )
        session.add(user)
        session.flush()
        return user.id


def person(user_id: int) -> Actor:
    return Actor(user_id=user_id, via="session", csrf="test-csrf")


def add_tenant(app: Samverkan, slug: str) -> tuple[int, str]:
    with Session(app.engine) as session, session.begin():
        tenant, token = create_tenant(session, slug, slug.title())
        return tenant.id, token


def publish(
    app: Samverkan,
    tenant_id: int,
    kind: str,
    title: str,
    text: str,
    at: dt.datetime,
    region: str | None = "SE232",
    status: str = "published",
) -> int:
    with Session(app.engine) as session, session.begin():
        posting = Posting(
            kind=kind,
            tenant_id=tenant_id,
            status=status,
            language="sv",
            title=title,
            text=text,
            region=region,
            focus_areas=[],
            technologies=[],
            links=[],
            version=1,
            created_at=at,
            updated_at=at,
            published_at=at if status == "published" else None,
        )
        session.add(posting)
        session.flush()
        return posting.id


def withdraw(app: Samverkan, posting_id: int) -> None:
    with Session(app.engine) as session, session.begin():
        posting = session.get_one(Posting, posting_id)
        posting.status, posting.withdrawn_at = "withdrawn", now()


def sign_in(client: TestClient, app: Samverkan, user_id: int) -> str:
    """Give ``client`` a session of ``user_id``; returns the session's CSRF token."""
    cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(16)
    with Session(app.engine) as session, session.begin():
        session.add(
            UserSession(
                digest=hashlib.sha256(cookie.encode()).hexdigest(),
                user_id=user_id,
                csrf=csrf,
                created_at=now(),
                seen_at=now(),
                expires_at=now() + dt.timedelta(days=1),
            )
        )
    client.cookies.set(deps.SESSION_COOKIE, cookie)
    return csrf


def _actor_with_sessions(request: Request, app: deps.Core) -> Actor:
    actor = deps.actor(request, app)
    cookie = request.cookies.get(deps.SESSION_COOKIE)
    if actor.signed_in or not cookie or request.headers.get("authorization"):
        return actor
    with Session(app.engine) as session:
        row = session.get(UserSession, hashlib.sha256(cookie.encode()).hexdigest())
        if row is None or row.revoked_at is not None:
            return actor
        return Actor(user_id=row.user_id, via="session", csrf=row.csrf)


@pytest.fixture
def web(demo_copy: str) -> Iterator[tuple[TestClient, Samverkan]]:
    """A web client on a writable copy of the demo (today: the demo's day)."""
    app = make_app(demo_copy)
    web_app = create_app(app.settings, app=app)
    web_app.dependency_overrides[deps.actor] = _actor_with_sessions
    with TestClient(web_app) as client:
        yield client, app
    app.close()

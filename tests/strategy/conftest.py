"""Fixtures of the strategy tests: the demo catalogue with the demo strategy loaded (the
catalogue fixtures do not load it), organisations with real tokens, and people acting through
pages (see :func:`acting`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from samverkan.accounts import sessions
from samverkan.accounts.actor import Actor
from samverkan.core import Samverkan
from samverkan.dataspace.tenants import create_tenant, issue_token
from samverkan.db.community import Membership, User, UserSession
from samverkan.settings import load_settings
from samverkan.strategy.demo import load_demo_strategy
from samverkan.web import create_app
from samverkan.web.deps import actor as actor_dependency
from tests.conftest import TESTSERVER

SLUG = "vastsvensk-kraftsamling-digitalisering"
CSRF = "csrf-secret-of-the-test-session"


def with_demo_strategy(url: str) -> str:
    app = Samverkan(load_settings(db=url))
    with Session(app.engine) as session, session.begin():
        load_demo_strategy(session)
    app.close()
    return url


@pytest.fixture(scope="module")
def demo_strategy_module(demo_copy_module: str) -> str:
    """A demo catalogue with the demo strategy, shared by one module (read only)."""
    return with_demo_strategy(demo_copy_module)


@pytest.fixture
def demo_strategy(demo_copy: str) -> str:
    """A private demo catalogue with the demo strategy, for a test that writes."""
    return with_demo_strategy(demo_copy)


@pytest.fixture(scope="module")
def board_client(demo_strategy_module: str) -> Iterator[TestClient]:
    web = create_app(load_settings(db=demo_strategy_module, public_url=TESTSERVER))
    with TestClient(web) as client:
        yield client
    web.state.samverkan.close()


def served(url: str, **settings: object) -> tuple[FastAPI, TestClient]:
    web = create_app(load_settings(db=url, public_url=TESTSERVER, **settings))
    return web, TestClient(web)


def organisation(engine: Engine, slug: str, name: str | None = None) -> tuple[int, dict[str, str]]:
    """A new organisation (data-space tenant) and a bearer header of each scope."""
    with Session(engine) as session, session.begin():
        tenant, admin = create_tenant(session, slug, name or slug.title())
        write, _ = issue_token(session, tenant, "write")
        read, _ = issue_token(session, tenant, "read")
        return tenant.id, {scope: f"Bearer {t}" for scope, t in (("admin", admin), ("write", write), ("read", read))}


def person(
    engine: Engine, email: str, roles: dict[int, str] | None = None, language: str = "sv", confirmed: bool = True
) -> int:
    """A person as the accounts package leaves one: confirmed (or not), with memberships."""
    now = dt.datetime.now(dt.UTC)
    with Session(engine) as session, session.begin():
        user = User(
            email=email,
            name=email.split("@")[0],
            password_hash="not-used-here",
            language=language,
            created_at=now,
            confirmed_at=now if confirmed else None,
            site_admin=False,
        )
        session.add(user)
        session.flush()
        for tenant_id, role in (roles or {}).items():
            session.add(Membership(user_id=user.id, tenant_id=tenant_id, role=role, created_at=now))
        return user.id


def acting(web: FastAPI, user_id: int | None, roles: dict[int, str] | None = None) -> Actor:
    """Make every request of ``web`` come from this person, signed in through a real session
    (the accounts package's: its roles are the person's memberships in the database, ``roles``
    only says what the test expects), or from the public with ``None``. Only carrying the cookie
    is simulated; the session's CSRF secret is set to :data:`CSRF` so forms can name it."""
    if user_id is None:
        web.dependency_overrides[actor_dependency] = Actor.public
        return Actor.public()
    core = web.state.samverkan
    with Session(core.engine) as session, session.begin():
        cookie = sessions.open_session(session, user_id, "tests")
        session.get_one(UserSession, sessions.digest(cookie)).csrf = CSRF
    who = core.accounts.actor_for_session(cookie)
    assert who.user_id == user_id and dict(who.roles) == (roles or {}), (who, roles)
    web.dependency_overrides[actor_dependency] = lambda: core.accounts.actor_for_session(cookie)
    return who

"""Fixtures of the needs-and-solutions tests: an app of our own on a writable database (the
shared ``client`` is read-only), organisations with tokens, and people signed in to pages."""

from __future__ import annotations

import datetime as dt
import itertools
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from samverkan.accounts import sessions
from samverkan.dataspace.tenants import tenant_by_slug
from samverkan.db.community import Membership, User, UserSession
from samverkan.settings import load_settings
from samverkan.web import create_app
from samverkan.web.deps import SESSION_COOKIE
from tests.conftest import TESTSERVER

_numbers = itertools.count(1)


@dataclass
class Organisation:
    slug: str
    id: int
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Site:
    """The app and its HTTP client; people sign in through real sessions (:meth:`person`)."""

    web: FastAPI
    client: TestClient

    @property
    def core(self) -> Any:
        return self.web.state.samverkan

    def organisation(self, name: str = "Organisation", scope: str = "admin") -> Organisation:
        """A new organisation (data-space tenant) with a token of ``scope``."""
        slug = f"org-{next(_numbers)}-{secrets.token_hex(2)}"
        token = self.core.dataspace.create_tenant(slug, name)["token"]
        if scope != "admin":
            token = self.core.dataspace.issue_token(token, scope)["token"]
        with Session(self.core.engine) as session:
            tenant = tenant_by_slug(session, slug)
        return Organisation(slug, tenant.id, token)

    def person(
        self, organisation: Organisation, role: str = "editor", language: str = "sv", email: str | None = None
    ) -> tuple[int, dict[str, str], str]:
        """A confirmed person with ``role`` in the organisation, signed in: (user id, the headers
        of their browser (its session cookie), their CSRF token)."""
        email = email or f"person{next(_numbers)}@example.se"
        with Session(self.core.engine) as session, session.begin():
            user = User(
                email=email,
                name=f"Person {email.split('@')[0]}",
                password_hash="-",
                language=language,
                created_at=dt.datetime.now(dt.UTC),
                confirmed_at=dt.datetime.now(dt.UTC),
            )
            session.add(user)
            session.flush()
            session.add(
                Membership(user_id=user.id, tenant_id=organisation.id, role=role, created_at=dt.datetime.now(dt.UTC))
            )
            user_id = user.id
            cookie = sessions.open_session(session, user_id, "tests")
            csrf = session.get_one(UserSession, sessions.digest(cookie)).csrf
        return user_id, {"Cookie": f"{SESSION_COOKIE}={cookie}"}, csrf


def serve(url: str, **settings: Any) -> Iterator[Site]:
    web = create_app(load_settings(db=url, public_url=TESTSERVER, **settings))
    with TestClient(web) as client:
        site = Site(web, client)
        # each request says who it is (a person's headers, or none: the public), so the cookies
        # pages set (a session's sliding expiry, the form cookie) are not kept between requests
        client.event_hooks["response"].append(lambda response: client.cookies.clear())
        yield site
    web.state.samverkan.close()


@pytest.fixture(scope="module")
def site(demo_copy_module: str) -> Iterator[Site]:
    """The app on a writable copy of the demo catalogue, shared by a test module."""
    yield from serve(demo_copy_module)


@pytest.fixture
def empty_site(db_url: str) -> Iterator[Site]:
    """The app on a fresh empty database (no catalogue), for one test."""
    yield from serve(db_url)

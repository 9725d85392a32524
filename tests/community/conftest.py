"""The world the attacks of :mod:`tests.community.test_attacks` run against: the app on a
writable copy of the demo catalogue, three organisations with real tokens and people signed in
through real sessions (the accounts package's own), and organisation A's private things.

Organisation A holds what B must never see or change: a draft and a withdrawn need and
solution, a published need in which C is interested (with a message only A may read), an
API token, an open invitation, a person's follow, a strategy with a focus area, initiative,
update, decision and a draft newsletter. Every private string of A is listed in
:attr:`World.secrets`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, select
from sqlalchemy.orm import Session

from samverkan.accounts import sessions
from samverkan.db.community import Outbox
from samverkan.web.deps import SESSION_COOKIE
from tests.conftest import TESTSERVER
from tests.postings.conftest import Organisation, Site, serve

TEXT = "Vi söker sensorer för luftkvalitet i skolor och en öppen plattform för mätdata."
A_DRAFT_NEED = "Hemlig fjärrvärmeplan A-PRIVAT-UTKAST-BEHOV"
A_DRAFT_SOLUTION = "Hemlig fjärrvärmetjänst A-PRIVAT-UTKAST-LOSNING"
A_WITHDRAWN_NEED = "Indragen fjärrvärmeplan A-PRIVAT-INDRAGET-BEHOV"
A_WITHDRAWN_SOLUTION = "Indragen fjärrvärmetjänst A-PRIVAT-INDRAGEN-LOSNING"
A_PUBLISHED_NEED = "Alfa söker sensorer för luftkvalitet i skolor"
A_ADMIN_EMAIL = "a-admin-privat@alfa.example"
A_INVITEE = "a-inbjuden-privat@alfa.example"
A_TOKEN_LABEL = "A-PRIVAT-TOKEN"
A_FOLLOW_LABEL = "A-PRIVAT-BEVAKNING"
A_LETTER_TITLE = "A-PRIVAT-NUMMER nr 1"
A_LETTER_INTRO = "A-PRIVAT-NYHETSBREV om luftkvalitet"
C_MESSAGE = "C-PRIVAT-INTRESSE vill samarbeta"
C_EMAIL = "c-person-privat@gamma.example"
STRATEGY = "alfa-strategi"

# the tables a request could change (community, tenants and their tokens)
TABLES = (
    "users",
    "memberships",
    "user_sessions",
    "email_tokens",
    "postings",
    "posting_versions",
    "interests",
    "follows",
    "digest_items",
    "outbox",
    "strategies",
    "focus_areas",
    "initiatives",
    "initiative_updates",
    "decisions",
    "newsletters",
    "ds_tenants",
    "ds_tokens",
)


@dataclass
class Who:
    """Someone who sends requests: their headers (a session cookie or a bearer token) and, for
    a session, its CSRF token."""

    name: str
    headers: dict[str, str] = field(default_factory=dict)
    csrf: str | None = None

    @property
    def token(self) -> bool:
        return "Authorization" in self.headers


@dataclass
class World:
    site: Site
    client: TestClient  # the same app; a 500 is an answer here, not an exception
    a: Organisation
    b: Organisation
    c: Organisation
    a_admin: Who
    a_admin_id: int
    a_read: Who
    b_admin: Who
    b_admin_id: int
    b_token: Who
    c_person: Who
    public: Who
    ids: dict[str, Any]
    secrets: tuple[str, ...]

    @property
    def core(self) -> Any:
        return self.site.core


def session_person(site: Site, org: Organisation, role: str, email: str) -> tuple[int, Who]:
    user_id, headers, csrf = site.person(org, role, email=email)
    return user_id, Who(email, headers, csrf)


def cookie_of(who: Who) -> str:
    return who.headers["Cookie"].split("=", 1)[1]


def ok(answer: Any, status: int = 200) -> Any:
    assert answer.status_code == status, (answer.request.method, answer.request.url, answer.status_code, answer.text)
    return answer.json() if answer.headers.get("content-type", "").startswith("application/json") else answer


def snapshot(engine: Any) -> dict[str, list[tuple[str, ...]]]:
    """Every row of the tables a request could change, as text (to compare before and after)."""
    meta = MetaData()
    meta.reflect(engine, only=TABLES)
    out: dict[str, list[tuple[str, ...]]] = {}
    with Session(engine) as session:
        for name in TABLES:
            rows = session.execute(select(meta.tables[name])).all()
            out[name] = sorted(tuple(str(v) for v in row) for row in rows)
    return out


def outbox(engine: Any) -> list[Outbox]:
    with Session(engine) as session:
        rows = list(session.scalars(select(Outbox).order_by(Outbox.id)))
        session.expunge_all()
        return rows


LINK = re.compile(r"https?://\S+")


def link_in(engine: Any, recipient: str, part: str) -> str:
    """The path of the newest e-mailed link to ``recipient`` that holds ``part``."""
    for row in reversed(outbox(engine)):
        if row.recipient == recipient:
            for url in LINK.findall(row.text):
                if part in url:
                    return url.removeprefix(TESTSERVER)
    raise AssertionError(f"no link with {part!r} to {recipient}")


class Unhandled(logging.Handler):
    """Counts what the app logs as an unhandled error (its answer to a 500)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if "unhandled error" in record.getMessage():
            self.records.append(record)

    def __enter__(self) -> Unhandled:
        logging.getLogger("samverkan.web").addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.getLogger("samverkan.web").removeHandler(self)


@pytest.fixture(scope="module")
def site(demo_copy_module: str) -> Iterator[Site]:
    yield from serve(demo_copy_module)


@pytest.fixture(scope="module")
def world(site: Site) -> Iterator[World]:
    c = site.client
    a, b, gamma = site.organisation("Alfa"), site.organisation("Beta"), site.organisation("Gamma")
    a_admin_id, a_admin = session_person(site, a, "admin", A_ADMIN_EMAIL)
    b_admin_id, b_admin = session_person(site, b, "admin", "b-admin@beta.example")
    _, c_person = session_person(site, gamma, "editor", C_EMAIL)

    def posting(kind: str, title: str, status: str) -> str:
        made = ok(
            c.post(
                f"/api/v1/{kind}s",
                json={"title": title, "text": TEXT, "status": status, "region": "SE232"},
                headers=a.headers,
            ),
            201,
        )
        return str(made["id"])

    ids: dict[str, Any] = {
        "draft_need": posting("need", A_DRAFT_NEED, "draft"),
        "draft_solution": posting("solution", A_DRAFT_SOLUTION, "draft"),
        "withdrawn_need": posting("need", A_WITHDRAWN_NEED, "published"),
        "withdrawn_solution": posting("solution", A_WITHDRAWN_SOLUTION, "published"),
        "published_need": posting("need", A_PUBLISHED_NEED, "published"),
        "a_slug": a.slug,
        "b_slug": b.slug,
        "strategy": STRATEGY,
        "a_admin": a_admin_id,
    }
    for kind in ("need", "solution"):
        ok(c.delete(f"/api/v1/{kind}s/{ids['withdrawn_' + kind]}", headers=a.headers))
    interest = f"/api/v1/needs/{ids['published_need']}/interest"
    ok(c.post(interest, json={"message": C_MESSAGE}, headers=c_person.headers), 201)
    token = ok(
        c.post(
            f"/api/v1/organisations/{a.slug}/tokens", json={"scope": "read", "label": A_TOKEN_LABEL}, headers=a.headers
        ),
        201,
    )
    ids["token_id"] = token["id"]
    invited = ok(
        c.post(
            f"/api/v1/organisations/{a.slug}/members", json={"email": A_INVITEE, "role": "editor"}, headers=a.headers
        ),
        202,
    )
    ids["invitation"] = invited["id"]
    ids["invite_link"] = link_in(site.core.engine, A_INVITEE, "/invitations/").rsplit("/", 1)[1]
    follow = ok(
        c.post(
            "/api/v1/follows",
            json={"text": "luftkvalitet sensorer skolor", "label": A_FOLLOW_LABEL, "frequency": "daily"},
            headers=a_admin.headers,
        ),
        201,
    )
    ids["follow_id"], ids["feed_key"] = follow["id"], follow["feed_key"]
    ids["a_session"] = sessions.digest(cookie_of(a_admin))[:16]

    base = f"/api/v1/strategies/{STRATEGY}"
    ok(
        c.post(
            "/api/v1/strategies",
            json={"slug": STRATEGY, "name": "Alfa strategi", "region": "SE232", "description": "Luftkvalitet i Alfa."},
            headers=a.headers,
        ),
        201,
    )
    area = ok(
        c.post(
            f"{base}/focus-areas",
            json={"name": "Luftkvalitet", "description": "Sensorer för luftkvalitet"},
            headers=a.headers,
        ),
        201,
    )
    initiative = ok(
        c.post(
            f"{base}/initiatives", json={"title": "Sensorer i skolor", "focus_area_id": area["id"]}, headers=a.headers
        ),
        201,
    )
    update = ok(
        c.post(
            f"{base}/initiatives/{initiative['id']}/updates",
            json={"text": "Förstudien pågår.", "status": "ongoing"},
            headers=a.headers,
        ),
        201,
    )
    decision = ok(
        c.post(
            f"{base}/decisions",
            json={
                "body": "Nämnden",
                "on": "2026-06-01",
                "title": "Sensorbeslut",
                "amount": 100000,
                "currency": "SEK",
                "initiative_id": initiative["id"],
            },
            headers=a.headers,
        ),
        201,
    )
    letter = ok(c.post(f"{base}/newsletters", json={}, headers=a.headers), 201)
    ok(
        c.patch(
            f"{base}/newsletters/{letter['number']}",
            json={"title": A_LETTER_TITLE, "intro": A_LETTER_INTRO},
            headers=a.headers,
        )
    )
    ids |= {
        "area_id": area["id"],
        "initiative_id": initiative["id"],
        "update_id": update["id"],
        "decision_id": decision["id"],
        "number": letter["number"],
    }
    a_read = Who("A's read token", {"Authorization": f"Bearer {token['token']}"})
    client = TestClient(site.web, raise_server_exceptions=False)
    client.event_hooks["response"].append(lambda response: client.cookies.clear())
    yield World(
        site=site,
        client=client,
        a=a,
        b=b,
        c=gamma,
        a_admin=a_admin,
        a_admin_id=a_admin_id,
        a_read=a_read,
        b_admin=b_admin,
        b_admin_id=b_admin_id,
        b_token=Who("B's admin token", b.headers),
        c_person=c_person,
        public=Who("the public"),
        ids=ids,
        secrets=(
            "A-PRIVAT",  # every title, label and text of A's private things holds it
            "a-admin-privat",
            "a-inbjuden-privat",
            "C-PRIVAT",
            "c-person-privat",
            token["token"],
        ),
    )
    client.close()


def session_headers(cookie: str) -> dict[str, str]:
    return {"Cookie": f"{SESSION_COOKIE}={cookie}"}


def send(w: World, who: Who, method: str, path: str, body: dict[str, Any] | None = None, form: bool = False) -> Any:
    headers = dict(who.headers)
    if form:
        data = {**(body or {}), **({"csrf": who.csrf} if who.csrf else {})}
        return w.client.request(method, path, data=data, headers=headers, follow_redirects=False)
    if body is not None:
        return w.client.request(method, path, json=body, headers=headers, follow_redirects=False)
    return w.client.request(method, path, headers=headers, follow_redirects=False)


def leaks(w: World, answer: Any, who: Who) -> list[str]:
    """A's private strings in an answer to ``who`` (C's message and address are C's own too)."""
    own = ("C-PRIVAT", "c-person-privat") if who is w.c_person else ()
    return [s for s in w.secrets if s in answer.text and s not in own]

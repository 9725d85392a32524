"""A site to act on: the web app over a fresh database, with a real SMTP server that keeps what
it receives, and browsers (test clients with their own cookies) that fill in its forms."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from fastapi.testclient import TestClient

from samverkan.settings import load_settings
from samverkan.web import create_app
from tests.conftest import TESTSERVER
from tests.smtp import Inbox, smtp_server

CSRF = re.compile(r'name="csrf" value="([^"]*)"')
LINK = re.compile(r"https?://\S+")
PASSWORD = "korrekt häst batteri"


class Site:
    """The app, its SMTP server's inbox and a way to open browsers on it."""

    def __init__(self, web: Any, inbox: Inbox) -> None:
        self.web = web
        self.core = web.state.samverkan
        self.inbox = inbox
        self.sent = 0  # accepted by the SMTP server so far

    def browser(self, address: str = "testclient", base_url: str = TESTSERVER) -> TestClient:
        return TestClient(self.web, base_url=base_url, client=(address, 50000))

    def mail(self, to: str) -> EmailMessage:
        """The newest e-mail to ``to``, after delivering what waits in the outbox."""
        self.sent += self.core.deliver_mail().sent
        assert len(self.inbox.wait_for(self.sent, timeout=5)) == self.sent
        received = self.inbox.to(to)
        assert received, f"no e-mail to {to}"
        return received[-1]

    def link(self, to: str) -> str:
        """The link of the newest e-mail to ``to``, as a path of the site."""
        body = self.mail(to).get_body(("plain",))
        assert body is not None
        (url,) = LINK.findall(body.get_content())
        assert url.startswith(TESTSERVER + "/")
        return url[len(TESTSERVER) :]

    def person(self, email: str, name: str = "Anna Svensson", language: str = "sv") -> TestClient:
        """A browser signed in as a new, confirmed person."""
        self.core.accounts.create_user(email, name, PASSWORD, language, confirmed=True)
        browser = self.browser()
        sign_in(browser, email)
        return browser


def token_of(browser: TestClient, path: str) -> str:
    """The CSRF token of the form on the page at ``path``."""
    page = browser.get(path)
    assert page.status_code == 200, (path, page.status_code)
    found = CSRF.findall(page.text)
    assert found, f"no form on {path}"
    return found[-1]


def post(browser: TestClient, path: str, data: dict[str, str], page: str, **kwargs: Any) -> Any:
    """Fill in and send a form of the page ``page`` (with its CSRF token)."""
    return browser.post(path, data={**data, "csrf": token_of(browser, page)}, **kwargs)


def sign_in(browser: TestClient, email: str, password: str = PASSWORD) -> Any:
    answer = post(
        browser, "/account/sign-in", {"email": email, "password": password}, "/account/sign-in", follow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    return answer


@pytest.fixture
def site(db_url: str) -> Iterator[Site]:
    with smtp_server() as (inbox, smtp):
        web = create_app(load_settings(db=db_url, public_url=TESTSERVER, **smtp))
        yield Site(web, inbox)
        web.state.samverkan.close()

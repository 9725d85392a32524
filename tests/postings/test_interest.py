""" "We are interested": once per organisation, one e-mail per editor or admin of the owner, in
their language, over a real SMTP server; the interested party's contact reaches the owner only."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from samverkan.db.community import Outbox
from tests.postings.conftest import Site, serve
from tests.smtp import smtp_server


@pytest.fixture
def mailing_site(db_url: str):
    with smtp_server() as (inbox, smtp):
        for site in serve(db_url, **smtp):
            yield site, inbox


def test_interest_sends_one_mail_to_the_owners_editor_in_their_language(mailing_site):
    site, inbox = mailing_site
    owner = site.organisation("Region Halland")
    site.person(owner, role="editor", language="sv", email="redaktor@halland.example")
    site.person(owner, role="member", email="medlem@halland.example")  # a member is not told
    visitor = site.organisation("Linnéuniversitetet")
    _, browser, csrf = site.person(visitor, role="member", language="en", email="forskare@lnu.example")
    c = site.client
    need = c.post(
        "/api/v1/needs",
        json={"title": "Hälsodata <i>nu</i>", "text": "Vi söker partner för e-hälsa.", "status": "published"},
        headers=owner.headers,
    ).json()
    told = c.post(need["url"] + "/interest", data={"csrf": csrf, "message": "Vi vill <b>gärna</b> vara med."},
                  headers=browser, follow_redirects=False)  # fmt: skip
    assert told.status_code == 303
    again = c.post(f"/api/v1/needs/{need['id']}/interest", json={"message": "igen"}, headers=visitor.headers)
    assert again.status_code == 200 and again.json()["created"] is False  # once per organisation
    assert site.core.deliver_mail().sent == 1
    assert site.core.deliver_mail().sent == 0
    (mail,) = inbox.wait_for(1)
    assert inbox.recipients == [["redaktor@halland.example"]]
    assert mail["Subject"] == "Linnéuniversitetet är intresserade av ert behov ”Hälsodata <i>nu</i>”"
    text = mail.get_body(("plain",)).get_content()
    assert "forskare@lnu.example" in text and "Vi vill <b>gärna</b> vara med." in text
    assert "http://testserver" + need["url"] in text
    html = mail.get_body(("html",)).get_content()
    assert "&lt;b&gt;gärna&lt;/b&gt;" in html and "<b>" not in html
    with Session(site.core.engine) as session:
        keys = session.scalars(select(Outbox.key)).all()
    assert len(keys) == 1 and keys[0].startswith("interest:")
    seen = c.get(f"/api/v1/needs/{need['id']}/interests", headers=owner.headers).json()
    assert seen[0]["person"]["email"] == "forskare@lnu.example" and seen[0]["message"].startswith("Vi vill")
    public = c.get(f"/api/v1/needs/{need['id']}").text + c.get(need["url"]).text
    assert "forskare@lnu.example" not in public and "gärna" not in public


def test_who_may_say_it(empty_site: Site):
    site = empty_site
    owner, other = site.organisation(), site.organisation()
    c = site.client
    key = c.post("/api/v1/needs", json={"title": "Behov", "text": "Text.", "status": "published"},
                 headers=owner.headers).json()["id"]  # fmt: skip
    assert c.post(f"/api/v1/needs/{key}/interest", json={}).status_code == 401
    assert c.post(f"/api/v1/needs/{key}/interest", json={}, headers=owner.headers).status_code == 409  # its own
    long = c.post(f"/api/v1/needs/{key}/interest", json={"message": "x" * 2001}, headers=other.headers)
    assert long.status_code == 422 and "message" in str(long.json()["detail"])
    made = c.post(f"/api/v1/needs/{key}/interest", json={"message": None}, headers=other.headers)
    assert made.status_code == 201 and made.json()["organisation"]["slug"] == other.slug
    draft = c.post("/api/v1/solutions", json={"title": "Utkast"}, headers=owner.headers).json()["id"]
    assert c.post(f"/api/v1/solutions/{draft}/interest", json={}, headers=other.headers).status_code == 404

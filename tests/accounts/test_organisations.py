"""Organisations through the web app and the API: founding one, inviting (a new person and one
with an account), roles and the last administrator, API tokens shown once, the link to the
catalogue, and isolation: an organisation never sees another's members, invitations or tokens,
on any endpoint or page."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from samverkan.accounts.actor import Actor
from samverkan.catalogue.names import name_key
from samverkan.db.community import Membership, User
from samverkan.db.dataspace import Token
from samverkan.db.models import Organisation
from tests.accounts.conftest import PASSWORD, Site, post, sign_in

ANNA, BO, CECILIA = "anna@vgregion.se", "bo@boras.se", "cecilia@beta.se"


def found(site: Site, browser, slug: str, name: str):
    answer = post(browser, "/account/organisations", {"slug": slug, "name": name}, "/account/organisations",
                  follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303 and answer.headers["location"] == f"/orgs/{slug}/settings?done=created"
    return answer


def user_id(site: Site, email: str) -> int:
    with Session(site.core.engine) as session:
        found_id = session.scalar(select(User.id).where(User.email == email))
        assert found_id is not None
        return found_id


def test_found_an_organisation_invite_people_and_they_join(site: Site):
    anna = site.person(ANNA)
    found(site, anna, "alfa", "Alfa kommun")
    settings = anna.get("/orgs/alfa/settings")
    assert settings.status_code == 200 and ANNA in settings.text
    assert anna.get("/api/v1/me").json()["organisations"] == [
        {"slug": "alfa", "name": "Alfa kommun", "organisation": None, "role": "admin"}
    ]
    taken = post(anna, "/account/organisations", {"slug": "alfa", "name": "Another"}, "/account/organisations")
    assert taken.status_code == 422 and 'href="#slug"' in taken.text

    # a new person, invited in English, registers through the invitation and is in at once
    invited = post(anna, "/orgs/alfa/invite", {"email": BO, "role": "editor", "language": "en"}, "/orgs/alfa/settings")
    assert invited.status_code == 200 and BO in invited.text  # listed as an open invitation
    mail = site.mail(BO)
    assert mail["Subject"] == "Join Alfa kommun at samverkan"
    plain = mail.get_body(("plain",))
    assert (
        plain is not None
        and "Anna Svensson invites you to join Alfa kommun at samverkan as editor." in plain.get_content()
    )
    link = site.link(BO)
    bo = site.browser()
    page = bo.get(link)
    assert page.status_code == 200 and "/register" in page.text
    joined = post(bo, link + "/register", {"name": "Bo Ek", "password": PASSWORD, "language": "en"}, link,
                  follow_redirects=False)  # fmt: skip
    assert joined.status_code == 303
    assert bo.get("/api/v1/me").json()["organisations"][0]["role"] == "editor"
    assert bo.get(link).status_code == 410  # used

    # a person with an account accepts while signed in (the API invites too)
    cecilia = site.person(CECILIA, "Cecilia")
    answer = anna.post("/api/v1/organisations/alfa/members", json={"email": CECILIA, "role": "member"})
    assert answer.status_code == 202 and answer.json()["email"] == CECILIA
    link = site.link(CECILIA)
    offered = cecilia.get(link).text
    assert link + "/accept" in offered and link + "/register" not in offered
    accepted = post(cecilia, link + "/accept", {}, link, follow_redirects=False)
    assert accepted.status_code == 303 and accepted.headers["location"] == "/orgs/alfa?done=joined"
    members = anna.get("/api/v1/organisations/alfa/members").json()
    assert {(m["email"], m["role"]) for m in members} == {(ANNA, "admin"), (BO, "editor"), (CECILIA, "member")}
    gone = anna.delete(f"/api/v1/organisations/alfa/members/{user_id(site, CECILIA)}")
    assert gone.status_code == 200 and gone.json()["email"] == CECILIA
    assert cecilia.get("/api/v1/me").json()["organisations"] == []
    anna.post("/api/v1/organisations/alfa/members", json={"email": "dan@alfa.se"})
    (open_one,) = anna.get("/api/v1/organisations/alfa/invitations").json()
    cancelled = anna.delete(f"/api/v1/organisations/alfa/invitations/{open_one['id']}")
    assert cancelled.status_code == 200 and cancelled.json()["email"] == "dan@alfa.se"
    assert anna.get("/api/v1/organisations/alfa/invitations").json() == []
    assert site.browser().get(site.link("dan@alfa.se")).status_code == 410


def test_an_organisation_keeps_an_administrator(site: Site):
    anna = site.person(ANNA)
    found(site, anna, "alfa", "Alfa")
    me = user_id(site, ANNA)
    demoted = anna.patch(f"/api/v1/organisations/alfa/members/{me}", json={"role": "editor"})
    assert demoted.status_code == 409 and demoted.json()["code"] == "last_admin"
    removed = post(anna, f"/orgs/alfa/members/{me}/remove", {}, "/orgs/alfa/settings")
    assert removed.status_code == 409 and "måste ha minst en administratör" in removed.text  # her language
    left = post(anna, "/orgs/alfa/leave", {}, "/orgs/alfa")
    assert left.status_code == 409
    site.core.accounts.create_user(BO, "Bo", PASSWORD, "sv", confirmed=True)
    site.core.accounts.add_member("alfa", BO, "admin")
    assert anna.patch(f"/api/v1/organisations/alfa/members/{me}", json={"role": "member"}).json()["role"] == "member"
    assert anna.get("/orgs/alfa/settings").status_code == 403  # no longer an administrator


def test_tokens_are_shown_once_listed_without_secret_and_revoked(site: Site):
    anna = site.person(ANNA)
    found(site, anna, "alfa", "Alfa")
    page = post(anna, "/orgs/alfa/tokens", {"scope": "write", "label": "publiceringsskript"}, "/orgs/alfa/settings")
    assert page.status_code == 200 and page.headers["cache-control"] == "private, no-store"
    token = page.text.split('id="token" class="token" type="text" readonly value="')[1].split('"')[0]
    assert token.startswith("svk_")
    settings = anna.get("/orgs/alfa/settings").text
    assert token not in settings and token[:10] in settings
    listed = anna.get("/api/v1/organisations/alfa/tokens").json()
    assert [t["label"] for t in listed] == ["publiceringsskript"] and "token" not in listed[0]
    script = site.browser()
    me = script.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    alfa = {"slug": "alfa", "name": "Alfa", "organisation": None, "role": "editor"}
    assert me == {"via": "token", "person": None, "organisations": [alfa]}
    # a write token is no administrator
    assert (
        script.get("/api/v1/organisations/alfa/members", headers={"Authorization": f"Bearer {token}"}).status_code
        == 403
    )
    made = anna.post("/api/v1/organisations/alfa/tokens", json={"scope": "admin", "label": "admin", "days": 30}).json()
    assert made["token"].startswith("svk_") and made["tenant"] == "alfa"
    admin = {"Authorization": f"Bearer {made['token']}"}
    assert script.get("/api/v1/organisations/alfa/members", headers=admin).status_code == 200
    revoked = post(anna, f"/orgs/alfa/tokens/{listed[0]['id']}/revoke", {}, "/orgs/alfa/settings")
    assert revoked.status_code == 200
    assert script.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert script.delete(f"/api/v1/organisations/alfa/tokens/{made['id']}", headers=admin).json()["revoked_at"]


def test_the_link_to_the_catalogue_must_exist(site: Site):
    with Session(site.core.engine) as session, session.begin():
        name = "Västra Götalands läns landsting"
        when = dt.datetime.now(dt.UTC)
        session.add(Organisation(id="999874649", name=name, name_key=name_key(name), source="cordis", imported_at=when))
    anna = site.person(ANNA)
    found(site, anna, "vgr", "Västra Götalandsregionen")
    unknown = post(anna, "/orgs/vgr/link", {"organisation": "123"}, "/orgs/vgr/settings")
    assert unknown.status_code == 422 and 'href="#organisation"' in unknown.text
    linked = post(anna, "/orgs/vgr/link", {"organisation": "999874649"}, "/orgs/vgr/settings")
    assert linked.status_code == 200
    public = site.browser().get("/orgs/vgr")
    assert 'href="/organisations/999874649"' in public.text
    assert site.core.accounts.organisation("vgr")["organisation"] == "999874649"
    post(anna, "/orgs/vgr/link", {"organisation": ""}, "/orgs/vgr/settings")
    assert site.core.accounts.organisation("vgr")["organisation"] is None


def test_a_script_in_an_organisation_name_is_shown_escaped(site: Site):
    anna = site.person(ANNA)
    found(site, anna, "alfa", "<img src=x onerror=alert(1)>")
    for path in ("/orgs/alfa", "/orgs/alfa/settings", "/account/organisations"):
        text = anna.get(path).text
        assert "<img src=x" not in text and "&lt;img src=x onerror=alert(1)&gt;" in text, path
    anna.post("/api/v1/organisations/alfa/members", json={"email": BO})
    html = site.mail(BO).get_body(("html",))
    assert html is not None and "<img src=x" not in html.get_content()


def test_the_api_checks_bodies_at_the_door_naming_the_field(site: Site):
    anna = site.person(ANNA)
    found(site, anna, "alfa", "Alfa")
    for path, body, field in (
        ("/api/v1/organisations/alfa/members", {"email": "inte en adress"}, "email"),
        ("/api/v1/organisations/alfa/members", {"email": BO, "role": "owner"}, "role"),
        ("/api/v1/organisations/alfa/members", {"email": BO, "language": "de"}, "language"),
        ("/api/v1/organisations/alfa/tokens", {"scope": "all"}, "scope"),
        ("/api/v1/organisations/alfa/tokens", {"scope": "read", "label": "x" * 201}, "label"),
        ("/api/v1/organisations/alfa/tokens", {"scope": "read", "days": -1}, "days"),
    ):
        answer = anna.post(path, json=body)
        assert answer.status_code == 422, (path, body)
        assert answer.json()["detail"][0]["loc"] == ["body", field]
    assert anna.patch("/api/v1/organisations/alfa/members/1", json={"role": "boss"}).status_code == 422
    assert anna.get("/api/v1/organisations/" + "x" * 41 + "/members").status_code == 422
    assert anna.get("/api/v1/organisations/nobody/members").status_code == 404


@pytest.fixture
def two(site: Site):
    """Two organisations: alfa (Anna administers it, Dan is a member) and beta (Bo administers
    it, Cecilia is a member, with a token and an open invitation)."""
    accounts = site.core.accounts
    for email, name in ((ANNA, "Anna"), (BO, "Bo"), (CECILIA, "Cecilia Hemlig"), ("dan@alfa.se", "Dan")):
        accounts.create_user(email, name, PASSWORD, "sv", confirmed=True)
    alfa = accounts.create_organisation(Actor.operator(), "alfa", "Alfa", admin=ANNA)
    beta = accounts.create_organisation(Actor.operator(), "beta", "Beta", admin=BO)
    accounts.add_member("alfa", "dan@alfa.se", "member")
    accounts.add_member("beta", CECILIA, "member")
    accounts.invite(Actor.operator(), "beta", "hemlig.inbjudan@beta.se", "editor")
    return {"alfa": alfa, "beta": beta}


def test_an_organisation_never_sees_or_changes_anothers_members_or_tokens(site: Site, two):
    accounts = site.core.accounts
    secrets = [CECILIA, "Cecilia Hemlig", "hemlig.inbjudan@beta.se", two["beta"]["token"][:10], BO]
    cecilia, bo = user_id(site, CECILIA), user_id(site, BO)
    beta_token = two["beta"]["token"]
    with Session(site.core.engine) as session:
        beta_token_id = session.scalars(select(Token.id).where(Token.prefix == beta_token[:10])).one()
    invitation = accounts.invitations(Actor.operator(), "beta")[0]["id"]
    anna = site.browser()
    sign_in(anna, ANNA)
    dan = site.browser()
    sign_in(dan, "dan@alfa.se")
    alfa_admin = {"Authorization": f"Bearer {two['alfa']['token']}"}

    api = [
        ("GET", "/api/v1/organisations/beta/members", None),
        ("POST", "/api/v1/organisations/beta/members", {"email": "inkraktare@alfa.se", "role": "admin"}),
        ("PATCH", f"/api/v1/organisations/beta/members/{cecilia}", {"role": "admin"}),
        ("DELETE", f"/api/v1/organisations/beta/members/{cecilia}", None),
        ("GET", "/api/v1/organisations/beta/invitations", None),
        ("DELETE", f"/api/v1/organisations/beta/invitations/{invitation}", None),
        ("GET", "/api/v1/organisations/beta/tokens", None),
        ("POST", "/api/v1/organisations/beta/tokens", {"scope": "admin"}),
        ("DELETE", f"/api/v1/organisations/beta/tokens/{beta_token_id}", None),
    ]
    for method, path, body in api:
        for who, headers, expected in ((anna, {}, 403), (anna, alfa_admin, 403), (site.browser(), {}, 401)):
            answer = who.request(method, path, json=body, headers=headers)
            assert answer.status_code == expected, (method, path, headers)
            assert not any(s in answer.text for s in secrets), (method, path)
    # through its own organisation's door, another's member or token is simply not there
    for method, path, body in (
        ("PATCH", f"/api/v1/organisations/alfa/members/{cecilia}", {"role": "admin"}),
        ("DELETE", f"/api/v1/organisations/alfa/members/{bo}", None),
        ("DELETE", f"/api/v1/organisations/alfa/tokens/{beta_token_id}", None),
        ("DELETE", f"/api/v1/organisations/alfa/invitations/{invitation}", None),
    ):
        answer = anna.request(method, path, json=body)
        assert answer.status_code == 404, (method, path)
        assert not any(s in answer.text for s in secrets)
    # a member who is no administrator sees none of her own organisation's either
    for path in ("/api/v1/organisations/alfa/members", "/api/v1/organisations/alfa/tokens"):
        assert dan.get(path).status_code == 403
    assert dan.get("/orgs/alfa/settings").status_code == 403

    pages = [
        ("/orgs/beta/settings", None),
        ("/orgs/beta/invite", {"email": "inkraktare@alfa.se", "role": "admin", "language": "sv"}),
        (f"/orgs/beta/invitations/{invitation}/cancel", {}),
        (f"/orgs/beta/members/{cecilia}/role", {"role": "admin"}),
        (f"/orgs/beta/members/{cecilia}/remove", {}),
        ("/orgs/beta/tokens", {"scope": "admin", "label": "stulen"}),
        (f"/orgs/beta/tokens/{beta_token_id}/revoke", {}),
        ("/orgs/beta/link", {"organisation": ""}),
    ]
    for path, data in pages:
        if data is None:
            answer = anna.get(path)
        else:
            answer = post(anna, path, data, "/account")
        assert answer.status_code == 403, path
        assert not any(s in answer.text for s in secrets), path
    public = site.browser().get("/orgs/beta")
    assert public.status_code == 200 and "Beta" in public.text
    assert not any(s in public.text for s in secrets)
    assert site.browser().get("/orgs/beta/settings", follow_redirects=False).status_code == 303  # sign in first

    # nothing of beta changed
    assert {(m["email"], m["role"]) for m in accounts.members(Actor.operator(), "beta")} == {
        (BO, "admin"),
        (CECILIA, "member"),
    }
    assert [t["revoked_at"] for t in accounts.tokens(Actor.operator(), "beta")] == [None]
    assert len(accounts.invitations(Actor.operator(), "beta")) == 1
    assert two["beta"]["token"] not in anna.get("/api/v1/me").text
    with Session(site.core.engine) as session:
        assert session.scalar(select(Membership.role).where(Membership.user_id == cecilia)) == "member"


def test_whom_to_write_to_confirmed_members_by_role_in_their_language(site: Site, two):
    from samverkan.db.dataspace import Tenant

    accounts = site.core.accounts
    accounts.create_user("ny@beta.se", "Ny", PASSWORD, "en", confirmed=False)
    accounts.add_member("beta", "ny@beta.se", "admin")
    with Session(site.core.engine) as session:
        beta = session.scalars(select(Tenant.id).where(Tenant.slug == "beta")).one()
    admins = accounts.people_of(beta, "admin")
    assert [(p["email"], p["language"]) for p in admins] == [(BO, "sv")]  # not the unconfirmed one
    assert {p["email"] for p in accounts.people_of(beta)} == {BO, CECILIA}
    assert accounts.contact(user_id(site, CECILIA)) == {
        "id": user_id(site, CECILIA), "email": CECILIA, "name": "Cecilia Hemlig", "language": "sv"
    }  # fmt: skip
    assert accounts.contact(user_id(site, "ny@beta.se")) is None
    accounts.disable_user(CECILIA)
    assert accounts.contact(user_id(site, CECILIA)) is None
    assert {p["email"] for p in accounts.people_of(beta)} == {BO}

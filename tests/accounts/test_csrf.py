"""Every form of accounts and organisations refuses a post whose CSRF token is missing or wrong
(403), signed in or not, and does nothing then; a form token is bound to its browser's cookie."""

from __future__ import annotations

import pytest

from samverkan.accounts.actor import Actor
from tests.accounts.conftest import CSRF, PASSWORD, Site, sign_in, token_of

ANNA = "anna@vgregion.se"

SIGNED_OUT = [
    ("/account/register", {"email": "ny@example.se", "name": "Ny", "password": PASSWORD, "language": "sv"}),
    ("/account/sign-in", {"email": ANNA, "password": PASSWORD}),
    ("/account/confirm/resend", {"email": ANNA}),
    ("/account/reset", {"email": ANNA}),
    ("/account/reset/{reset}", {"password": "ett nytt lösenord"}),
    ("/account/confirm/{confirm}", {}),
    ("/invitations/{invite}/register", {"name": "Ny", "password": PASSWORD, "language": "sv"}),
]
SIGNED_IN = [
    ("/account/profile", {"name": "Mallory", "language": "en"}),
    ("/account/password", {"current": PASSWORD, "password": "ett nytt lösenord"}),
    ("/account/sessions/revoke", {"session": "{session}"}),
    ("/account/sessions/revoke-others", {}),
    ("/account/sessions/revoke-all", {}),
    ("/account/organisations", {"slug": "mallory", "name": "Mallory"}),
    ("/orgs/alfa/invite", {"email": "mallory@example.se", "role": "admin", "language": "sv"}),
    ("/orgs/alfa/invitations/{invitation}/cancel", {}),
    ("/orgs/alfa/members/{bo}/role", {"role": "admin"}),
    ("/orgs/alfa/members/{bo}/remove", {}),
    ("/orgs/alfa/tokens", {"scope": "admin", "label": "mallory"}),
    ("/orgs/alfa/tokens/{token}/revoke", {}),
    ("/orgs/alfa/link", {"organisation": ""}),
    ("/orgs/alfa/leave", {}),
    ("/invitations/{invite}/accept", {}),
    ("/account/sign-out", {}),
]


@pytest.fixture
def world(site: Site) -> dict[str, str]:
    accounts = site.core.accounts
    accounts.create_user(ANNA, "Anna", PASSWORD, "sv", confirmed=True)
    accounts.create_user("bo@boras.se", "Bo", PASSWORD, "sv", confirmed=True)
    accounts.create_organisation(Actor.operator(), "alfa", "Alfa", admin=ANNA)
    accounts.add_member("alfa", "bo@boras.se", "editor")
    invitation = accounts.invite(Actor.operator(), "alfa", "ny@example.se", "member")
    accounts.request_reset(ANNA)
    reset = site.link(ANNA).rsplit("/", 1)[1]
    accounts.register("ny2@example.se", "Ny", PASSWORD, "sv")
    confirm = site.link("ny2@example.se").rsplit("/", 1)[1]
    invite = site.link("ny@example.se").rsplit("/", 1)[1]
    bo = accounts.members(Actor.operator(), "alfa")[1]["user"]
    token = accounts.tokens(Actor.operator(), "alfa")[0]["id"]
    ids = {"invitation": invitation["id"], "bo": str(bo), "token": str(token), "session": "0" * 16}
    return {"reset": reset, "confirm": confirm, "invite": invite, **ids}


def fill(text: str, world: dict[str, str]) -> str:
    return text.format(**world)


def state(site: Site) -> tuple:
    """What a forged form could change."""
    accounts = site.core.accounts
    return (
        accounts.users(),
        accounts.organisations(),
        accounts.members(Actor.operator(), "alfa"),
        accounts.invitations(Actor.operator(), "alfa"),
        accounts.tokens(Actor.operator(), "alfa"),
        accounts.user_sessions(ANNA),
    )


@pytest.mark.parametrize("token", [None, "wrong", "from another browser"])
def test_every_form_refuses_a_missing_or_wrong_csrf_token(site: Site, world, token):
    anna = site.browser()
    sign_in(anna, ANNA)
    stranger = site.browser()
    other = site.browser()
    foreign = CSRF.findall(other.get("/account/sign-in").text)[0]  # valid, for the other browser's cookie
    stranger.get("/account/sign-in")  # the stranger has a form cookie of its own
    before = state(site)
    for browser, forms in ((stranger, SIGNED_OUT), (anna, SIGNED_IN)):
        for path, data in forms:
            body = {k: fill(v, world) for k, v in data.items()}
            if token == "wrong":
                body["csrf"] = "x" * 43
            elif token == "from another browser":
                body["csrf"] = foreign
            answer = browser.post(fill(path, world), data=body, follow_redirects=False)
            assert answer.status_code == 403, (path, token)
            assert "Formulärets säkerhetskontroll" in answer.text or "security check failed" in answer.text
    assert state(site) == before
    assert anna.get("/api/v1/me").json()["via"] == "session"


def test_a_form_without_its_cookie_is_refused_and_with_it_accepted(site: Site, world):
    browser = site.browser()
    token = token_of(browser, "/account/sign-in")
    cookie = browser.cookies["samverkan_form"]
    browser.cookies.clear()
    refused = browser.post("/account/sign-in", data={"email": ANNA, "password": PASSWORD, "csrf": token})
    assert refused.status_code == 403
    browser.cookies.set("samverkan_form", cookie)
    accepted = browser.post(
        "/account/sign-in", data={"email": ANNA, "password": PASSWORD, "csrf": token}, follow_redirects=False
    )
    assert accepted.status_code == 303


def test_a_form_is_read_only_as_urlencoded(site: Site, world):
    browser = site.browser()
    token = token_of(browser, "/account/sign-in")
    multipart = browser.post("/account/sign-in", files={"email": (None, ANNA)}, data={"csrf": token})
    assert multipart.status_code == 415

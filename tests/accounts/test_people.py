"""A person's account through the web app: register, confirm by the link an SMTP server
received, sign in and out, reset the password, sessions; what never leaks (whether an address
has an account), what is throttled (guessing passwords), and the cookies' flags."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from samverkan.accounts import links, throttle
from samverkan.db.community import EmailToken, SignInFailure, User, UserSession
from tests.accounts.conftest import PASSWORD, Site, post, sign_in, token_of

ANNA = "anna@vgregion.se"


def register(browser, email: str = ANNA, name: str = "Anna Svensson", password: str = PASSWORD, language="sv"):
    data = {"email": email, "name": name, "password": password, "language": language}
    return post(browser, "/account/register", data, "/account/register")


def test_register_confirm_by_the_emailed_link_sign_in_and_out(site: Site):
    browser = site.browser()
    answer = register(browser, email=" Anna@VGRegion.se ")
    assert answer.status_code == 200 and "anna@vgregion.se" in answer.text
    mail = site.mail(ANNA)
    assert mail["Subject"] == "Bekräfta din e-postadress för samverkan"  # her language
    html = mail.get_body(("html",))
    assert html is not None and "/account/confirm/" in html.get_content()
    link = site.link(ANNA)

    shown = browser.get(link)  # following the link only shows a button (mail filters open links)
    assert shown.status_code == 200 and "Anna Svensson" in shown.text and f'action="{link}"' in shown.text
    assert (
        post(browser, "/account/sign-in", {"email": ANNA, "password": PASSWORD}, "/account/sign-in").status_code == 403
    )
    confirmed = post(browser, link, {}, link)
    assert confirmed.status_code == 200 and "Anna Svensson" in confirmed.text
    assert browser.get(link).status_code == 410  # used once

    signed = sign_in(browser, ANNA)
    assert signed.headers["location"] == "/account"
    page = browser.get("/account")
    assert page.status_code == 200 and ANNA in page.text
    assert page.headers["cache-control"] == "private, no-store"
    me = browser.get("/api/v1/me").json()
    assert me["via"] == "session" and me["person"]["email"] == ANNA and me["organisations"] == []

    cookie = browser.cookies["samverkan_session"]
    out = post(browser, "/account/sign-out", {}, "/account", follow_redirects=False)
    assert out.status_code == 303
    assert browser.get("/account", follow_redirects=False).headers["location"] == "/account/sign-in?next=%2Faccount"
    browser.cookies.set("samverkan_session", cookie)  # the old cookie is worth nothing now
    assert browser.get("/api/v1/me").json()["via"] == "public"


def test_signing_in_before_confirming_says_so_only_with_the_right_password(site: Site):
    browser = site.browser()
    register(browser)
    site.mail(ANNA)
    wrong = post(browser, "/account/sign-in", {"email": ANNA, "password": "fel lösenord!"}, "/account/sign-in")
    assert wrong.status_code == 401 and "/account/confirm/resend" not in wrong.text
    for _ in range(6):  # the right password is no failure: it is never throttled for this
        right = post(browser, "/account/sign-in", {"email": ANNA, "password": PASSWORD}, "/account/sign-in")
        assert right.status_code == 403 and "/account/confirm/resend" in right.text
    token = token_of(browser, "/account/sign-in")
    again = browser.post("/account/confirm/resend", data={"email": ANNA, "csrf": token})
    assert again.status_code == 200
    with Session(site.core.engine) as session:  # a new link goes a minute after the last at the soonest
        assert session.scalar(select(func.count()).select_from(EmailToken)) == 1
    with Session(site.core.engine) as session, session.begin():
        session.execute(update(EmailToken).values(created_at=EmailToken.created_at - links.RESEND_AFTER))
    browser.post("/account/confirm/resend", data={"email": ANNA, "csrf": token})
    link = site.link(ANNA)
    assert post(browser, link, {}, link).status_code == 200
    sign_in(browser, ANNA)


def test_the_answers_never_tell_whether_an_address_has_an_account(site: Site):
    site.core.accounts.create_user(ANNA, "Anna Svensson", PASSWORD, "sv", confirmed=True)
    browser = site.browser()
    known = register(browser, email=ANNA, name="Someone Else")
    unknown = register(browser, email="nobody@example.se", name="Someone Else")
    assert known.status_code == unknown.status_code == 200
    assert known.text.replace(ANNA, "X") == unknown.text.replace("nobody@example.se", "X")
    # the holder of the address learns of it, in her mailbox
    assert site.mail(ANNA)["Subject"] == "Du har redan ett konto på samverkan"
    with Session(site.core.engine) as session:
        assert session.scalar(select(User.name).where(User.email == ANNA)) == "Anna Svensson"

    a = post(browser, "/account/reset", {"email": ANNA}, "/account/reset")
    b = post(browser, "/account/reset", {"email": "nobody@example.se"}, "/account/reset")
    assert a.status_code == b.status_code == 200
    assert a.text.replace(ANNA, "X") == b.text.replace("nobody@example.se", "X")
    wrong_password = post(browser, "/account/sign-in", {"email": ANNA, "password": "x" * 12}, "/account/sign-in")
    no_account = post(
        browser, "/account/sign-in", {"email": "nobody@example.se", "password": "x" * 12}, "/account/sign-in"
    )
    assert wrong_password.status_code == no_account.status_code == 401


def test_ten_wrong_passwords_in_a_row_are_throttled(site: Site):
    site.core.accounts.create_user(ANNA, "Anna Svensson", PASSWORD, "sv", confirmed=True)
    browser = site.browser(address="10.0.0.1")
    statuses = []
    for _ in range(10):
        answer = post(browser, "/account/sign-in", {"email": ANNA, "password": "gissning123"}, "/account/sign-in")
        statuses.append(answer.status_code)
    assert statuses == [401] * 5 + [429] * 5
    assert 0 < int(answer.headers["retry-after"]) <= 15 * 60
    assert "Too many failed attempts" in answer.text or "För många misslyckade" in answer.text
    # the right password is refused too, from anywhere, while the window lasts
    assert (
        post(browser, "/account/sign-in", {"email": ANNA, "password": PASSWORD}, "/account/sign-in").status_code == 429
    )
    elsewhere = site.browser(address="10.0.0.2")
    assert (
        post(elsewhere, "/account/sign-in", {"email": ANNA, "password": PASSWORD}, "/account/sign-in").status_code
        == 429
    )
    # and the guessing client may not try another address either
    other = post(browser, "/account/sign-in", {"email": "bo@boras.se", "password": "gissning123"}, "/account/sign-in")
    assert other.status_code == 429
    with Session(site.core.engine) as session:  # the refused attempts were not counted
        assert session.query(SignInFailure).count() == 10
        keys = set(session.scalars(select(SignInFailure.key)))
        assert keys == set(throttle.keys(ANNA, "10.0.0.1")) and ANNA not in str(keys)

    with Session(site.core.engine) as session, session.begin():  # 15 minutes later
        session.execute(update(SignInFailure).values(at=SignInFailure.at - throttle.WINDOW))
    sign_in(elsewhere, ANNA)
    with Session(site.core.engine) as session:
        assert session.query(SignInFailure).count() == 0


def test_reset_by_the_emailed_link_signs_out_everywhere(site: Site):
    first = site.person(ANNA)
    assert first.get("/api/v1/me").json()["via"] == "session"
    browser = site.browser()
    post(browser, "/account/reset", {"email": ANNA}, "/account/reset")
    link = site.link(ANNA)
    assert "/account/reset/" in link
    page = browser.get(link)
    assert page.status_code == 200 and ANNA in page.text

    short = post(browser, link, {"password": "kort"}, link)
    assert short.status_code == 422 and 'href="#password"' in short.text
    done = post(browser, link, {"password": "ett helt nytt lösenord"}, link, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/account/sign-in?done=reset"
    assert first.get("/api/v1/me").json()["via"] == "public"  # signed out
    assert browser.get(link).status_code == 410  # once
    assert (
        post(browser, "/account/sign-in", {"email": ANNA, "password": PASSWORD}, "/account/sign-in").status_code == 401
    )
    sign_in(browser, ANNA, "ett helt nytt lösenord")


def test_sessions_are_listed_and_revoked_one_or_all(site: Site):
    phone = site.person(ANNA)
    laptop = site.browser()
    sign_in(laptop, ANNA)
    page = laptop.get("/account/sessions")
    assert page.text.count('name="session"') == 2
    with Session(site.core.engine) as session:
        phone_session = session.scalars(select(UserSession).order_by(UserSession.created_at)).first()
        assert phone_session is not None
    revoked = post(laptop, "/account/sessions/revoke", {"session": phone_session.digest[:16]}, "/account/sessions")
    assert revoked.status_code == 200
    assert phone.get("/api/v1/me").json()["via"] == "public"
    assert laptop.get("/api/v1/me").json()["via"] == "session"
    # another person's session cannot be revoked by its id
    bo = site.person("bo@boras.se", "Bo")
    with Session(site.core.engine) as session:
        laptop_session = session.scalars(select(UserSession).where(UserSession.revoked_at.is_(None))).first()
        assert laptop_session is not None and laptop_session.user_id != session.scalar(
            select(User.id).where(User.email == "bo@boras.se")
        )
    refused = post(bo, "/account/sessions/revoke", {"session": laptop_session.digest[:16]}, "/account/sessions")
    assert refused.status_code == 404
    assert laptop.get("/api/v1/me").json()["via"] == "session"
    # a password change keeps this session and ends the others
    sign_in(phone, ANNA)
    changed = post(laptop, "/account/password", {"current": PASSWORD, "password": "nytt lösenord 2026"}, "/account")
    assert changed.status_code == 200
    assert laptop.get("/api/v1/me").json()["via"] == "session"
    assert phone.get("/api/v1/me").json()["via"] == "public"
    wrong = post(laptop, "/account/password", {"current": "inte det", "password": "nytt lösenord 2027"}, "/account")
    assert wrong.status_code == 422 and 'href="#current"' in wrong.text
    everywhere = post(laptop, "/account/sessions/revoke-all", {}, "/account/sessions", follow_redirects=False)
    assert everywhere.status_code == 303
    assert laptop.get("/api/v1/me").json()["via"] == "public"


def test_cookies_are_httponly_lax_and_over_https_secure_with_the_host_prefix(db_url):
    from samverkan.settings import load_settings
    from samverkan.web import create_app
    from tests.accounts.conftest import Site

    for public_url, name, secure in (
        ("http://testserver", "samverkan_session", False),
        ("https://testserver", "__Host-samverkan_session", True),
    ):
        web = create_app(load_settings(db=db_url, public_url=public_url))
        site = Site(web, None)  # type: ignore[arg-type]
        email = f"anna{int(secure)}@vgregion.se"
        site.core.accounts.create_user(email, "Anna", PASSWORD, "sv", confirmed=True)
        browser = site.browser(base_url=public_url)
        page = browser.get("/account/sign-in")
        form_cookie = page.headers["set-cookie"]
        assert form_cookie.startswith(name.replace("session", "form") + "=")
        answer = sign_in(browser, email)
        (session_cookie,) = [c for c in answer.headers.get_list("set-cookie") if c.startswith(name + "=")]
        flags = [f.strip().lower() for f in session_cookie.split(";")]
        assert "httponly" in flags and "samesite=lax" in flags and "path=/" in flags
        assert ("secure" in flags) is secure
        assert browser.get("/api/v1/me").json()["via"] == "session"
        web.state.samverkan.close()


def test_a_script_in_a_name_is_shown_escaped(site: Site):
    browser = site.person(ANNA, name='<script>alert("x")</script> Anna')
    page = browser.get("/account")
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Anna" in page.text


def test_the_person_changes_name_and_language_and_her_mail_follows(site: Site):
    browser = site.person(ANNA, language="sv")
    saved = post(browser, "/account/profile", {"name": "Anna S", "language": "en"}, "/account", follow_redirects=False)
    assert saved.status_code == 303
    assert browser.cookies["lang"] == "en"
    post(browser, "/account/reset", {"email": ANNA}, "/account/reset")
    assert site.mail(ANNA)["Subject"] == "Choose a new password for samverkan"
    bad = post(browser, "/account/profile", {"name": " ", "language": "de"}, "/account")
    assert bad.status_code == 422 and 'href="#name"' in bad.text and 'href="#language"' in bad.text


def test_guessing_the_current_password_on_the_account_page_is_throttled_too(site: Site):
    browser = site.person(ANNA)
    statuses = [
        post(
            browser, "/account/password", {"current": f"gissning {i}", "password": "nytt lösenord 2026"}, "/account"
        ).status_code
        for i in range(6)
    ]
    assert statuses == [422] * 5 + [429]
    right = post(browser, "/account/password", {"current": PASSWORD, "password": "nytt lösenord 2026"}, "/account")
    assert right.status_code == 429 and 'href="#current"' in right.text
    assert browser.get("/api/v1/me").json()["via"] == "session"


def test_signing_in_again_ends_the_session_it_replaces(site: Site):
    browser = site.person(ANNA)
    old = browser.cookies["samverkan_session"]
    site.core.accounts.create_user("bo@boras.se", "Bo", PASSWORD, "sv", confirmed=True)
    answer = post(browser, "/account/sign-in", {"email": "bo@boras.se", "password": PASSWORD}, "/account/register",
                  follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303
    assert browser.get("/api/v1/me").json()["person"]["email"] == "bo@boras.se"
    assert site.core.accounts.actor_for_session(old).via == "public"
    assert len(site.core.accounts.user_sessions(ANNA)) == 0

"""Attacks on the community's doors — accounts and organisations, needs and solutions, follows
and digests, strategy boards and newsletters — across every route of the app at once.

The routes are read from the app's route table and every one must be classified in
:mod:`tests.community.routes` (attacked with A's ids, read as public, or skipped with a reason):
a new route fails :func:`test_every_community_route_is_classified` until it says how.

1. Isolation: B (its admin's session, its admin token), the public, and A's own read token
   for writes never read or change A's drafts, withdrawn postings, tokens, members, invitations,
   follows, interests, newsletter drafts or strategy edit pages (401/403/404, never 2xx, never
   500); none of A's private strings is in any answer; nothing changes.
2. CSRF: every form route refuses a missing or another session's token with 403 and changes
   nothing; the signed one-click unsubscribes refuse a wrong signature; the JSON API refuses a
   cookie-carried write sent from another origin.
3. Escaping: a script in every free text a user sets is escaped on every page showing it and in
   the HTML part of every e-mail.
4. Hostile input: odd ids, bodies, forms and parameters are a 4xx naming the field, never a 500
   (the app logs a 500 as "unhandled error": none is); a withdrawn posting leaves search, the
   boards, newsletters and digests.
5. Sessions: sign-in throttled across clients, no session fixation, sign-out and disabling end a
   session on the server, a reset link works once.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from typing import Any
from urllib.parse import quote

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from samverkan.accounts import sessions
from samverkan.db.community import Follow, User
from samverkan.web.deps import SESSION_COOKIE
from tests.community.conftest import (
    TEXT,
    Unhandled,
    Who,
    World,
    cookie_of,
    leaks,
    link_in,
    ok,
    outbox,
    send,
    session_headers,
    session_person,
    snapshot,
)
from tests.community.routes import (
    BODIES,
    CLAIMS,
    GIVEN_FIELDS,
    LINK_PAGES,
    ODD_FIELDS,
    ODD_IDS,
    ODD_VALUES,
    PARAM,
    PUBLIC,
    SKIPPED,
    address,
    community_operations,
    community_routes,
    const,
    deep,
    form_routes,
    own_values,
    query_of,
    schema_of,
    slug,
    values,
)


def test_every_community_route_is_classified(world: World):
    routes = community_routes(world.site.web)
    assert len(routes) > 100, routes  # the route table was read
    unclassified = []
    for route in routes:
        method, path = route
        attacked = bool(PARAM.search(path)) and route not in PUBLIC and route not in SKIPPED
        known = attacked or route in PUBLIC or route in CLAIMS or route in SKIPPED
        if not known or (
            method in ("POST", "PUT", "PATCH")
            and attacked
            and route not in BODIES
            and not path.endswith(("/withdraw", "/send", "/feed-key", "/remove", "/revoke", "/cancel", "/leave"))
        ):
            unclassified.append(route)
    assert not unclassified, f"say how these routes are attacked (tests/community/routes.py): {unclassified}"
    assert {r for r in BODIES} <= set(routes) and PUBLIC <= set(routes) and set(SKIPPED) <= set(routes)


# --- 1. isolation -----------------------------------------------------------------------------------


def test_another_organisation_never_reads_or_changes_what_is_a_s(world: World):
    w = world
    routes = community_routes(w.site.web)
    before = snapshot(w.core.engine)
    failures: list[str] = []
    tried = 0
    with Unhandled() as unhandled:
        for route in routes:
            method, path = route
            if route in SKIPPED:
                continue
            api = path.startswith("/api/")
            write = method in ("POST", "PUT", "PATCH", "DELETE")
            actors = [w.b_admin, w.b_token, w.public] + ([w.a_read] if api and write else [])
            body = BODIES.get(route)
            for given in values(route, w.ids):
                target = address(path, given)
                for who in actors:
                    payload = body(w.ids) if body is not None else ({} if write and not api else None)
                    answer = send(w, who, method, target, payload, form=not api and method == "POST")
                    tried += 1
                    status = answer.status_code
                    where = f"{method} {target} as {who.name}: {status}"
                    if found := leaks(w, answer, who):
                        failures.append(f"{where} shows {found}")
                    if status >= 500:
                        failures.append(f"{where} {answer.text[:200]}")
                    elif route in PUBLIC:
                        continue
                    elif status == 303 and not api and (who is w.public or who.token):  # pages for people
                        if not answer.headers["location"].startswith("/account/sign-in"):
                            failures.append(f"{where} → {answer.headers['location']}")
                    elif route in CLAIMS:
                        if status not in (401, 403, 404, 422) or (
                            status == 422 and api and "organisation" not in answer.text
                        ):
                            failures.append(where)
                    elif status not in ((403, 404, 409) if who is w.a_read else (401, 403, 404)):
                        failures.append(f"{where} {answer.text[:200]}")
        for path in reads(w):
            for who in (w.b_admin, w.b_token, w.public, w.c_person):
                answer = send(w, who, "GET", path)
                tried += 1
                if answer.status_code >= 500 or leaks(w, answer, who):
                    failures.append(f"GET {path} as {who.name}: {answer.status_code} shows {leaks(w, answer, who)}")
    assert not failures, "\n".join(failures)
    assert not unhandled.records
    assert snapshot(w.core.engine) == before
    assert tried > 400, tried


def reads(w: World) -> list[str]:
    """Reads beyond the route table's plain addresses: lists filtered for A's things, searches
    for them, A's published posting (whose interested parties are A's only), the boards."""
    ids, a = w.ids, w.a.slug
    published = ids["published_need"]
    return [
        *(f"/api/v1/{k}s?status={s}" for k in ("need", "solution") for s in ("all", "draft", "withdrawn")),
        f"/api/v1/needs?organisation={a}&status=all",
        f"/needs?organisation={a}&status=draft",
        f"/solutions?organisation={a}&status=all",
        "/needs?status=withdrawn",
        "/api/v1/search?q=fjärrvärmeplan&kind=need",
        "/api/v1/search?q=fjärrvärmetjänst&kind=solution",
        "/api/v1/search?q=fjärrvärmeplan",
        "/search?q=fjärrvärmeplan",
        "/search?q=fjärrvärmetjänst&kind=solution",
        f"/api/v1/needs/{published}",
        f"/api/v1/needs/{published}/matches",
        f"/needs/{published}",
        f"/needs/{published}?lang=en",
        "/api/v1/board",
        "/board",
        f"/api/v1/strategies/{ids['strategy']}/newsletters",
        f"/strategies/{ids['strategy']}",
        f"/strategies/{ids['strategy']}?since=2000-01-01",
        f"/api/v1/strategies/{ids['strategy']}?since=2000-01-01",
    ]


# --- 2. CSRF ------------------------------------------------------------------------------------------

CSRF_FIELD = re.compile(r'name="csrf" value="([^"]*)"')
PASSWORD = "korrekt häst batteri"


def test_every_form_refuses_a_missing_or_wrong_csrf_token_and_changes_nothing(world: World):
    w = world
    accounts = w.core.accounts
    accounts.request_reset(w.a_admin.name)
    accounts.register("ny-person@delta.example", "Ny Person", PASSWORD, "sv")
    links = {
        "/account/reset/": link_in(w.core.engine, w.a_admin.name, "/account/reset/"),
        "/account/confirm/": link_in(w.core.engine, "ny-person@delta.example", "/account/confirm/"),
        "/invitations/": f"/invitations/{w.ids['invite_link']}",
    }
    stranger = TestClient(w.site.web)
    foreign = CSRF_FIELD.findall(stranger.get("/account/sign-in").text)[0]  # valid for that browser's cookie
    given = {
        **{k: str(v) for k, v in w.ids.items()},
        "id": w.ids["published_need"],
        "key": w.ids["published_need"],
        "user_id": str(w.a_admin_id),
    }
    fields = {
        "/account/register": {"email": "mallory@x.example", "name": "M", "password": PASSWORD, "language": "sv"},
        "/account/sign-in": {"email": w.a_admin.name, "password": PASSWORD},
        "/account/password": {"current": PASSWORD, "password": "ett nytt lösenord"},
        "/account/profile": {"name": "Mallory", "language": "en"},
        "/account/sessions/revoke": {"session": w.ids["a_session"]},
    }
    before = snapshot(w.core.engine)
    failures = []
    routes = form_routes(w)
    with Unhandled() as unhandled:
        for method, path in routes:
            target = next(
                (
                    link + path.split("}", 1)[1]
                    for part, link in links.items()
                    if path.startswith(part) and "{token}" in path
                ),
                None,
            ) or address(path, given | slug(path, w.ids))
            body = fields.get(path) or BODIES.get((method, path), const({}))(w.ids)
            for token in (None, w.b_admin.csrf, "x" * 43, foreign):
                data = {**body, **({"csrf": token} if token else {})}
                answer = w.client.post(target, data=data, headers=w.a_admin.headers, follow_redirects=False)
                if answer.status_code != 403:
                    failures.append(f"POST {target} with csrf {token!r}: {answer.status_code} {answer.text[:200]}")
    assert not failures, "\n".join(failures)
    assert not unhandled.records
    assert snapshot(w.core.engine) == before
    assert len(routes) > 40, routes
    # the control: the same person's own token is taken
    name = w.core.accounts.person(w.core.accounts.actor_for_session(cookie_of(w.a_admin)))["name"]
    done = w.client.post(
        "/account/profile",
        data={"name": name, "language": "sv", "csrf": w.a_admin.csrf},
        headers=w.a_admin.headers,
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text


def test_the_signed_one_click_unsubscribes_refuse_a_wrong_signature(world: World):
    w = world
    follow = w.ids["follow_id"]
    wrong = w.core.signer("newsletter-unsubscribe").sign(f"follow:{follow}")  # ours, for another purpose
    before = snapshot(w.core.engine)
    for signature in ("x", "A" * 32, wrong):
        assert (
            w.client.post(f"/unsubscribe/{follow}/{signature}", content=b"List-Unsubscribe=One-Click").status_code
            == 404
        )
        assert w.client.get(f"/unsubscribe/{follow}/{signature}").status_code == 404
        shown = w.client.post(f"/strategies/{w.ids['strategy']}/unsubscribe?follow={follow}&sig={signature}")
        assert shown.status_code == 400
    assert snapshot(w.core.engine) == before


def test_the_api_refuses_a_cookie_carried_write_from_another_origin(world: World):
    """A form of another site can post to the API with the session cookie (an empty body needs no
    media type): such a write is refused by its ``Origin`` or ``Sec-Fetch-Site``."""
    w = world
    draft = f"/api/v1/strategies/{w.ids['strategy']}/newsletters"
    rotate = f"/api/v1/follows/{w.ids['follow_id']}/feed-key"
    before = snapshot(w.core.engine)
    for foreign in (
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ):
        for path in (draft, rotate):
            answer = w.client.post(path, headers={**w.a_admin.headers, **foreign})
            assert answer.status_code == 403 and answer.json()["code"] == "csrf", (foreign, path, answer.text)
    assert snapshot(w.core.engine) == before
    same = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}
    assert w.client.post(draft, headers={**w.a_admin.headers, **same}).status_code == 200  # the open draft
    assert w.client.post(draft, headers={**w.a.headers, "Origin": "http://evil.example"}).status_code == 200  # a token
    read = w.client.get(f"/api/v1/follows/{w.ids['follow_id']}", headers={**w.a_admin.headers, **foreign})
    assert read.status_code == 200  # a read from anywhere is answered (no other site can read the answer)


# --- 3. escaping --------------------------------------------------------------------------------------

SCRIPT = '<script>alert(1)</script> "><img src=x onerror=alert(1)>'
SHOWN = "&lt;script&gt;alert(1)&lt;/script&gt; &#34;&gt;&lt;img src=x onerror=alert(1)&gt;"
RAW = ("<script>alert(1)", "<img src=x onerror")
XSS_LINK = 'https://example.se/"><script>alert(1)</script>'


def xss(tag: str) -> str:
    return f"{tag} {SCRIPT}"


def escaped(tag: str) -> str:
    return f"{tag} {SHOWN}"


def test_a_script_in_any_free_text_is_shown_escaped_on_every_page_and_in_every_e_mail(world: World):
    w = world
    c = w.client
    helper = w.site.organisation("Epsilon")
    e_id, e = session_person(w.site, helper, "admin", "e-person@epsilon.example")

    def form(path: str, who: Who, data: dict[str, Any], status: int = 303) -> Any:
        answer = c.post(path, data={**data, "csrf": who.csrf}, headers=who.headers, follow_redirects=False)
        assert answer.status_code == status, (path, answer.status_code, answer.text[:500])
        return answer

    def api(method: str, path: str, who: Who, body: Any = None, status: int = 200) -> Any:
        answer = c.request(method, path, json=body, headers=who.headers)
        assert answer.status_code == status, (method, path, answer.status_code, answer.text[:500])
        return answer.json()

    # what a person and their organisation type in
    form("/account/profile", e, {"name": xss("pname"), "language": "sv"})
    form("/account/profile", w.c_person, {"name": xss("cname"), "language": "sv"})
    form("/account/organisations", e, {"slug": "xss-epsilon", "name": xss("orgname")})
    token = api(
        "POST", "/api/v1/organisations/xss-epsilon/tokens", e, {"scope": "admin", "label": xss("tokenlabel")}, 201
    )["token"]
    org = Who("xss-epsilon's token", {"Authorization": f"Bearer {token}"})
    made = form(
        "/needs/new",
        e,
        {
            "title": xss("ptitle"),
            "text": f"{TEXT}\n\n{xss('ptext')}",
            "status": "published",
            "region": "SE232",
            "focus_areas": xss("pfocus"),
            "technologies": xss("ptech"),
            "links": XSS_LINK,
            "contact": xss("pcontact"),
            "organisation": "xss-epsilon",
        },
    )
    need = made.headers["location"]
    solution = api(
        "POST",
        "/api/v1/solutions",
        org,
        {
            "title": xss("stitle"),
            "text": f"{TEXT} {xss('stext')}",
            "status": "published",
            "licence": xss("slicence"),
            "focus_areas": [xss("sfocus")],
        },
        201,
    )["url"]
    form(
        f"{need}/edit",
        e,
        {
            "title": xss("ptitle"),
            "text": f"{TEXT}\n\n{xss('ptext')} {xss('pedit')}",
            "status": "published",
            "region": "SE232",
            "focus_areas": xss("pfocus"),
            "technologies": xss("ptech"),
            "links": XSS_LINK,
            "contact": xss("pcontact"),
        },
    )
    form(f"{need}/interest", w.c_person, {"message": xss("imessage")})
    form(f"/needs/{w.ids['published_need']}/interest", e, {"message": xss("emessage"), "organisation": "xss-epsilon"})
    form("/orgs/xss-epsilon/invite", e, {"email": "f-person@epsilon.example", "role": "editor", "language": "sv"})
    form(
        "/follows",
        e,
        {
            "target": "search",
            "q": "luftkvalitet sensorer skolor",
            "label": xss("flabel"),
            "frequency": "daily",
            "language": "sv",
        },
        201,
    )
    (follow,) = [f for f in api("GET", "/api/v1/follows", e)["follows"] if f["label"].startswith("flabel")]
    feed = api("POST", f"/api/v1/follows/{follow['id']}/feed-key", e)["feed_url"].removeprefix("http://testserver")
    strategy = "/strategies/xss-strategi"
    base = "/api/v1" + strategy
    api(
        "POST",
        "/api/v1/strategies",
        org,
        {
            "slug": "xss-strategi",
            "name": xss("sname"),
            "region": "SE232",
            "description": xss("sdesc"),
            "source": xss("ssource"),
        },
        201,
    )
    area = api("POST", f"{base}/focus-areas", org, {"name": xss("aname"), "description": xss("adesc")}, 201)["id"]
    api(
        "POST",
        f"{base}/focus-areas",
        org,
        {"name": xss("subname"), "description": xss("subdesc"), "parent_id": area},
        201,
    )
    initiative = api(
        "POST",
        f"{base}/initiatives",
        org,
        {
            "title": xss("ititle"),
            "description": xss("idesc"),
            "owner_name": xss("iowner"),
            "focus_area_id": area,
            "budget": 1000,
            "currency": "SEK",
        },
        201,
    )["id"]
    form(
        f"{strategy}/initiatives/{initiative}/updates",
        e,
        {"text": xss("utext"), "on": "2026-08-01", "status": "ongoing"},
    )
    form(
        f"{strategy}/decisions",
        e,
        {
            "body": xss("dbody"),
            "on": "2026-08-02",
            "title": xss("dtitle"),
            "text": xss("dtext"),
            "document": xss("ddoc"),
            "document_url": "https://example.se/d?a=1&b=2",
            "initiative_id": str(initiative),
        },
    )
    form(f"{strategy}/newsletters", e, {})
    (number,) = [n["number"] for n in api("GET", f"{base}/newsletters", e)["newsletters"]]
    form(
        f"{strategy}/newsletters/{number}",
        e,
        {
            "title": xss("ntitle"),
            "intro": xss("nintro"),
            "closing": xss("nclosing"),
            "heading_status": xss("nheading"),
            "text_status": xss("nsection"),
        },
    )
    api("PUT", f"{base}/subscription", e)
    form(f"{strategy}/newsletters/{number}/send", e, {})
    w.core.accounts.register("g-person@epsilon.example", xss("gname"), PASSWORD, "sv")  # a confirmation e-mail
    w.core.accounts.request_reset("e-person@epsilon.example")  # a reset e-mail
    api(
        "POST",
        "/api/v1/needs",
        org,
        {
            "title": f"Luftkvalitet sensorer skolor {xss('dgtitle')}",
            "text": TEXT,
            "status": "published",
            "region": "SE232",
        },
        201,
    )
    with Session(w.core.engine) as session:
        since = session.get_one(Follow, follow["id"]).since
    w.core.digests.run(now=since + dt.timedelta(days=2), deliver=False)

    a_page = f"/needs/{w.ids['published_need']}"
    pages: dict[str, tuple[Who, tuple[str, ...]]] = {
        need: (w.public, ("ptitle", "ptext", "pedit", "pfocus", "ptech", "pcontact", "orgname")),
        need + "?lang=en": (w.c_person, ("ptitle", "ptext", "pfocus", "ptech", "pcontact")),
        need + "#owner": (e, ("ptitle", "imessage", "cname")),
        need + "/edit": (e, ("ptitle", "ptext", "pfocus", "ptech", "pcontact")),
        need + "/history": (e, ("ptitle",)),
        solution: (w.public, ("stitle", "stext", "slicence", "sfocus")),
        a_page: (w.a_admin, ("orgname", "pname", "emessage")),
        "/needs": (w.public, ("ptitle",)),
        "/needs?focus_area=" + quote(xss("pfocus")): (w.public, ("ptitle", "pfocus")),
        "/solutions": (w.public, ("stitle",)),
        "/board": (w.public, ("ptitle", "pfocus")),
        "/board?focus_area=" + quote(xss("pfocus")): (w.public, ("pfocus",)),
        "/search?q=" + quote("luftkvalitet sensorer skolor") + "&kind=need": (w.public, ("ptitle",)),
        "/search?q=" + quote("luftkvalitet sensorer skolor"): (w.public, ()),
        "/orgs/xss-epsilon": (w.public, ("orgname",)),
        "/orgs/xss-epsilon/settings": (e, ("orgname", "pname", "tokenlabel")),
        "/account": (e, ("pname",)),
        "/account/organisations": (e, ("orgname",)),
        "/follows": (e, ("flabel",)),
        "/follows/new?q=" + quote(xss("fquery")): (e, ("fquery",)),
        "/strategies": (w.public, ("sname", "orgname")),
        strategy: (
            w.public,
            (
                "sname",
                "sdesc",
                "aname",
                "adesc",
                "subname",
                "ititle",
                "iowner",
                "utext",
                "dbody",
                "dtitle",
                "dtext",
                "ddoc",
            ),
        ),
        f"{strategy}/initiatives/{initiative}": (w.public, ("ititle", "idesc", "iowner", "utext", "dtitle")),
        f"{strategy}/edit": (e, ("sname", "sdesc", "ssource", "aname", "adesc", "subname", "ititle", "dtitle")),
        f"{strategy}/newsletters": (w.public, ("ntitle",)),
        f"{strategy}/newsletters/{number}": (
            w.public,
            ("ntitle", "nintro", "nclosing", "nheading", "nsection", "utext", "dtitle", "dbody"),
        ),
    }
    failures = []
    for path, (who, tags) in pages.items():
        answer = c.get(path, headers=who.headers)
        if answer.status_code != 200:
            failures.append(f"{path}: {answer.status_code}")
            continue
        failures += [f"{path} holds {raw!r} unescaped" for raw in RAW if raw in answer.text]
        failures += [f"{path} does not show {tag} escaped" for tag in tags if escaped(tag) not in answer.text]
    shown_link = "https://example.se/&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"
    assert c.get(need).text.count(shown_link) >= 2  # the link's address and its text
    atom = c.get(feed)
    assert atom.status_code == 200 and "flabel &lt;script&gt;" in atom.text and "<script" not in atom.text

    mails = {(row.key.split(":")[0], row.recipient): row for row in outbox(w.core.engine)}
    expected = {
        ("interest", "e-person@epsilon.example"): ("ptitle", "cname", "imessage"),
        ("interest", w.a_admin.name): ("orgname", "pname", "emessage"),
        ("invite", "f-person@epsilon.example"): ("orgname", "pname"),
        ("digest", "e-person@epsilon.example"): ("flabel", "dgtitle"),
        ("newsletter", "e-person@epsilon.example"): (
            "ntitle",
            "nintro",
            "nclosing",
            "nheading",
            "nsection",
            "utext",
            "dtitle",
            "dbody",
            "sname",
        ),
        ("confirm", "g-person@epsilon.example"): ("gname",),
        ("reset", "e-person@epsilon.example"): ("pname",),
    }
    for key, tags in expected.items():
        row = mails.get(key)
        if row is None or row.html is None:
            failures.append(f"no {key} e-mail with an HTML part")
            continue
        failures += [f"the {key} e-mail holds {raw!r} unescaped" for raw in RAW if raw in row.html]
        failures += [f"the {key} e-mail does not show {tag} escaped" for tag in tags if escaped(tag) not in row.html]
    for row in outbox(w.core.engine):
        failures += [f"e-mail {row.key} holds {raw!r} unescaped" for raw in RAW if raw in (row.html or "")]
    assert not failures, "\n".join(failures)


def test_markup_in_what_a_digest_reports_is_escaped_in_its_html_part():
    """Whatever a digest item carries (titles, reasons, a call's programme — catalogue text, and
    the words of the follower's search) is text in the HTML part, never markup."""
    from samverkan.digests import mailing
    from samverkan.digests.news import Item

    reasons = [
        {"type": "matched", "terms": [{"word": xss("rword"), "via": [xss("rvia")]}]},
        {"type": "similar_project", "title": xss("rproject")},
        {"type": "place", "city": xss("rcity"), "country": "SE", "region_name": xss("rregion")},
    ]
    items = [
        Item(
            "call",
            "C-1",
            "opened",
            xss("ctitle"),
            "https://x.example/c",
            xss("cwhy"),
            reasons,
            {"programme": xss("cprogramme"), "deadline": "2026-09-01"},
        ),
        Item("organisation", "999", "new", xss("otitle"), "https://x.example/o", xss("owhy")),
    ]
    for language in ("sv", "en"):
        letter = mailing.compose(
            language, xss("flabel"), "daily", dt.date(2026, 8, 1), items, "https://x.example/u", "https://x.example/f"
        )
        assert not [raw for raw in RAW if raw in letter.html], letter.html
        for tag in ("flabel", "ctitle", "otitle", "rword", "rproject", "rcity", "cprogramme"):
            assert escaped(tag) in letter.html, (tag, letter.html)
        assert "\n" not in letter.subject and "\r" not in letter.subject


# --- 4. hostile input ---------------------------------------------------------------------------------


def test_odd_ids_in_every_address_are_a_4xx_never_a_500(world: World):
    w = world
    failures = []
    tried = 0
    before = snapshot(w.core.engine)
    with Unhandled() as unhandled:
        for route in community_routes(w.site.web):
            method, path = route
            api = path.startswith("/api/")
            names = PARAM.findall(path)
            body = BODIES.get(route, const({}))(w.ids) if method in ("POST", "PUT", "PATCH") else None
            for name, odd in itertools.product(names, ODD_IDS):
                given = own_values(route, w) | {name: odd}
                target = address(path, given) + query_of(route)
                for who in (w.a_admin, w.a_read) if api else (w.a_admin,):
                    answer = send(w, who, method, target, body, form=not api and method == "POST")
                    tried += 1
                    if not 400 <= answer.status_code < 500 and route not in LINK_PAGES:
                        failures.append(f"{method} {target!r} as {who.name}: {answer.status_code} {answer.text[:120]}")
                    elif answer.status_code >= 500:
                        failures.append(f"{method} {target!r}: {answer.status_code}")
    assert not failures, "\n".join(failures)
    assert not unhandled.records
    assert snapshot(w.core.engine) == before
    assert tried > 500, tried


def test_hostile_json_bodies_are_a_4xx_naming_the_field(world: World):
    w = world
    openapi = w.site.web.openapi()
    failures = []
    before = snapshot(w.core.engine)
    checked = 0
    with Unhandled() as unhandled:
        for route, operation in community_operations(w):
            schema = schema_of(openapi, operation)
            if schema is None:
                continue
            checked += 1
            target = address(route[1], own_values(route, w))
            base = BODIES.get(route, const({}))(w.ids)
            strings = [
                n
                for n, p in schema["properties"].items()
                if p.get("type") == "string" or any(a.get("type") == "string" for a in p.get("anyOf", []))
            ]
            attempts: list[tuple[Any, str | None]] = [([], None), ("text", None), (7, None)]
            attempts.append(({**base, "zz_unknown": 1}, "zz_unknown"))
            attempts += [({**base, name: {"zz": [1]}}, name) for name in schema["properties"]]
            attempts += [({**base, name: "a\x00b"}, None) for name in strings[:1]]
            attempts.append(({**base, "zz_deep": deep(200)}, None))
            for body, field in attempts:
                answer = w.client.request(route[0], target, json=body, headers=w.a.headers)
                if not 400 <= answer.status_code < 500 or (field and field not in answer.text):
                    failures.append(f"{route} {str(body)[:80]}: {answer.status_code} {answer.text[:160]}")
            big = w.client.request(
                route[0],
                target,
                content=b'{"x": "' + b"x" * (1024 * 1024) + b'"}',
                headers={**w.a.headers, "Content-Type": "application/json"},
            )
            if big.status_code != 413:
                failures.append(f"{route} with a body of 1 MiB: {big.status_code}")
            plain = w.client.request(
                route[0],
                target,
                content=b"title=x",
                headers={**w.a.headers, "Content-Type": "application/x-www-form-urlencoded"},
            )
            if plain.status_code != 415:
                failures.append(f"{route} as a form: {plain.status_code}")
    assert not failures, "\n".join(failures)
    assert not unhandled.records
    assert snapshot(w.core.engine) == before
    assert checked >= 20, checked


def test_hostile_query_parameters_are_a_4xx_naming_the_parameter(world: World):
    w = world
    failures = []
    with Unhandled() as unhandled:
        for route, operation in community_operations(w):
            if route[0] != "GET":
                continue
            target = address(route[1], own_values(route, w))
            for parameter in operation.get("parameters", []):
                if parameter["in"] != "query":
                    continue
                name = parameter["name"]
                for odd in ("99999999999999999999", "-1", "x" * 300, "1e9999", "2026-02-30"):
                    answer = w.client.get(target, params={name: odd}, headers=w.a.headers)
                    if answer.status_code >= 500 or (answer.status_code >= 400 and name not in answer.text):
                        failures.append(f"{route} {name}={odd[:20]}: {answer.status_code} {answer.text[:160]}")
        for page in ("/needs", "/solutions", "/board", f"/strategies/{w.ids['strategy']}", "/search"):
            for query in (
                "page=99999999999999999999",
                "page=-4",
                "page=²",
                "region=" + "x" * 300,
                "focus_area=" + "y" * 5000,
                "since=99999-01-01",
                "status=x",
                "organisation=%3Cscript%3E",
                "q=" + "z" * 5000,
            ):
                answer = w.client.get(f"{page}?{query}", headers=w.a_admin.headers)
                if answer.status_code >= 500 or "<script>" in answer.text:
                    failures.append(f"{page}?{query[:40]}: {answer.status_code}")
    assert not failures, "\n".join(failures)
    assert not unhandled.records


def test_hostile_forms_are_a_4xx_and_change_nothing(world: World):
    w = world
    _, admin = session_person(w.site, w.a, "admin", "a-second-admin@alfa.example")  # not the world's own session
    failures = []
    before = snapshot(w.core.engine)
    form_type = {"Content-Type": "application/x-www-form-urlencoded"}
    with Unhandled() as unhandled:
        for route in form_routes(w):
            target = address(route[1], own_values(route, w))
            csrf = f"csrf={quote(admin.csrf or '')}".encode()
            headers = {**admin.headers, **form_type}
            attempts = {
                "not UTF-8": (csrf + b"&name=%FF%FE&title=\xff\xfe", headers, 400),
                "a NUL": (csrf + b"&name=a%00b&title=a%00b&text=a%00b&zz=%00", headers, 400),
                "too many fields": (csrf + b"".join(b"&f%d=x" % i for i in range(300)), headers, 400),
                "JSON": (b'{"csrf": "x"}', {**admin.headers, "Content-Type": "application/json"}, 415),
                "multipart": (
                    b"--b\r\n\r\n--b--",
                    {**admin.headers, "Content-Type": "multipart/form-data; boundary=b"},
                    415,
                ),
                "1 MiB": (csrf + b"&text=" + b"x" * (1024 * 1024), headers, 413),
            }
            for what, (content, sent, status) in attempts.items():
                answer = w.client.post(target, content=content, headers=sent, follow_redirects=False)
                if answer.status_code != status:
                    failures.append(f"POST {target} with {what}: {answer.status_code} {answer.text[:160]}")
            for name, odd in itertools.product(ODD_FIELDS.get(route, ()), ODD_VALUES):
                fields = {**GIVEN_FIELDS, name: odd, "csrf": admin.csrf or ""}
                answer = w.client.post(target, data=fields, headers=admin.headers, follow_redirects=False)
                if not 400 <= answer.status_code < 500:
                    failures.append(f"POST {target} with {name}={odd[:20]!r}: {answer.status_code} {answer.text[:160]}")
    assert not failures, "\n".join(failures)
    assert not unhandled.records
    assert snapshot(w.core.engine) == before


INJECTED = (
    "a@b.se\r\nBcc: x@y.se",
    "a@b.se\nBcc: x@y.se",
    "a@b.se%0d%0aBcc:x@y.se",
    "<a@b.se>",
    "a@b.se, x@y.se",
    "a\x00@b.se",
    "A" * 300 + "@b.se",
)


def test_e_mail_addresses_with_header_injection_are_refused_naming_the_field(world: World):
    w = world
    before = len(outbox(w.core.engine))
    failures = []
    with Unhandled() as unhandled:
        for address_ in INJECTED:
            api = w.client.post(
                f"/api/v1/organisations/{w.a.slug}/members", json={"email": address_}, headers=w.a.headers
            )
            if api.status_code not in (400, 422) or "email" not in api.text:
                failures.append(f"invite {address_!r} by the API: {api.status_code} {api.text[:160]}")
            for path in ("/account/register", "/account/reset", "/account/confirm/resend", f"/orgs/{w.a.slug}/invite"):
                signed_out = TestClient(w.site.web)
                token = CSRF_FIELD.findall(signed_out.get("/account/sign-in").text)[0]
                data = {"email": address_, "name": "Mallory", "password": PASSWORD, "language": "en", "role": "member"}
                if path.startswith("/orgs"):  # the organisation's administrator invites
                    answer = w.client.post(path, data={**data, "csrf": w.a_admin.csrf}, headers=w.a_admin.headers)
                else:
                    answer = signed_out.post(path, data={**data, "csrf": token}, follow_redirects=False)
                named = answer.status_code == 400 or "e-mail address like name@example.se" in answer.text
                if answer.status_code not in (400, 422) or not named:
                    failures.append(f"{path} with {address_!r}: {answer.status_code}")
    assert not failures, "\n".join(failures)
    assert not unhandled.records
    rows = outbox(w.core.engine)
    assert len(rows) == before and not [r for r in rows if "x@y" in r.recipient]


def test_one_line_texts_that_become_e_mail_headers_hold_no_line_break(world: World):
    """A newsletter's title is an e-mail's subject (and the strategy's name goes into it): a line
    break there is refused at the door, naming the field, rather than failing the sending."""
    w = world
    base = f"/api/v1/strategies/{w.ids['strategy']}"
    for path, body, field in (
        (f"{base}/newsletters/{w.ids['number']}", {"title": "Nr 1\r\nBcc: x@y.se"}, "title"),
        (base, {"name": "Alfa\nBcc: x@y.se"}, "name"),
        (base, {"newsletter_title": "{name}\r\nBcc: x@y.se"}, "newsletter_title"),
        (f"{base}/focus-areas/{w.ids['area_id']}", {"name": "Luft\u2028kvalitet\x0b"}, "name"),
    ):
        answer = w.client.patch(path, json=body, headers=w.a.headers)
        assert answer.status_code == 422 and field in answer.text, (path, answer.status_code, answer.text)
    page = w.client.post(
        f"/strategies/{w.ids['strategy']}/newsletters/{w.ids['number']}",
        data={"title": "Nr 1\r\nBcc: x@y.se", "csrf": w.a_admin.csrf},
        headers=w.a_admin.headers,
    )
    assert page.status_code in (400, 422) and "title" in page.text


def test_a_withdrawn_posting_leaves_search_boards_newsletters_and_digests(world: World):
    w = world
    c = w.client
    words = "kvartersodling bikupor stadsodling"
    _, follower = session_person(w.site, w.c, "member", "follower@gamma.example")
    follow = ok(
        c.post("/api/v1/follows", json={"text": words, "frequency": "daily", "kind": "need"}, headers=follower.headers),
        201,
    )

    def need(title: str) -> dict[str, Any]:
        return ok(
            c.post(
                "/api/v1/needs",
                json={
                    "title": f"{title} {words}",
                    "text": f"Vi söker {words} i skolor.",
                    "status": "published",
                    "region": "SE232",
                },
                headers=w.b.headers,
            ),
            201,
        )

    gone, stays = need("Indragen"), need("Kvar")
    strategy = f"/api/v1/strategies/{w.ids['strategy']}"
    ok(
        c.patch(
            f"{strategy}/initiatives/{w.ids['initiative_id']}",
            json={"need_id": int(gone["id"][1:])},
            headers=w.a.headers,
        )
    )
    letter = ok(c.post(f"{strategy}/newsletters", json={"regenerate": True}, headers=w.a.headers), 201)
    number = letter["number"]
    assert gone["title"] in str(letter["content"])  # the draft was made while it was published

    def seen(title: str) -> list[str]:
        where = {
            "search": c.get("/api/v1/search", params={"q": words, "kind": "need"}).text,
            "grouped search": c.get("/search", params={"q": words}).text,
            "needs": c.get("/api/v1/needs?limit=100").text,
            "board": c.get("/api/v1/board").text + c.get("/board").text,
            "strategy board": c.get(strategy).text + c.get(f"/strategies/{w.ids['strategy']}").text,
            "draft": c.get(f"{strategy}/newsletters/{number}", headers=w.a.headers).text
            + c.get(f"/strategies/{w.ids['strategy']}/newsletters/{number}", headers=w.a_admin.headers).text,
        }
        return [name for name, text in where.items() if title in text]

    assert seen(gone["title"]) == ["search", "grouped search", "needs", "board", "strategy board", "draft"]
    ok(c.delete(f"/api/v1/needs/{gone['id']}", headers=w.b.headers))
    assert seen(gone["title"]) == []
    assert "search" in seen(stays["title"])
    assert c.get(f"/api/v1/needs/{gone['id']}").status_code == 404
    assert c.post(f"/api/v1/needs/{gone['id']}/interest", json={}, headers=w.a.headers).status_code == 404
    assert (
        c.post(
            "/api/v1/follows", json={"target": "need", "target_id": int(gone["id"][1:])}, headers=follower.headers
        ).status_code
        == 404
    )

    ok(c.put(f"{strategy}/subscription", headers=follower.headers))
    ok(c.post(f"{strategy}/newsletters/{number}/send", headers=w.a.headers))
    sent = [r for r in outbox(w.core.engine) if r.key.startswith("newsletter:") and r.recipient == follower.name]
    assert sent and gone["title"] not in sent[-1].html + sent[-1].text
    assert gone["title"] not in c.get(f"/strategies/{w.ids['strategy']}/newsletters/{number}").text

    with Session(w.core.engine) as session:
        since = session.get_one(Follow, follow["id"]).since
    w.core.digests.run(now=since + dt.timedelta(days=2), deliver=False)
    digests = [r for r in outbox(w.core.engine) if r.key.startswith(f"digest:{follow['id']}:")]
    assert len(digests) == 1 and stays["title"] in digests[0].text and gone["title"] not in digests[0].text
    feed = c.get(follow["feed_url"].removeprefix("http://testserver"))
    assert feed.status_code == 200 and stays["title"] in feed.text and gone["title"] not in feed.text


# --- 5. sessions --------------------------------------------------------------------------------------


def browser(w: World, address_: str) -> TestClient:
    return TestClient(w.site.web, client=(address_, 50000))


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> Any:
    token = CSRF_FIELD.findall(client.get("/account/sign-in").text)[0]
    return client.post(
        "/account/sign-in", data={"email": email, "password": password, "csrf": token}, follow_redirects=False
    )


def me(w: World, cookie: str) -> str:
    return w.client.get("/api/v1/me", headers=session_headers(cookie)).json()["via"]


def test_ten_wrong_passwords_from_two_clients_are_throttled(world: World):
    w = world
    w.core.accounts.create_user("throttled@delta.example", "T", PASSWORD, "sv", confirmed=True)
    one, two = browser(w, "10.0.0.1"), browser(w, "10.0.0.2")
    answers = [
        sign_in((one, two)[i % 2], "throttled@delta.example", f"fel lösenord {i}").status_code for i in range(10)
    ]
    assert answers[:5] == [401] * 5 and answers[5:] == [429] * 5, answers
    right = sign_in(browser(w, "10.0.0.3"), "THROTTLED@delta.example ", PASSWORD)
    assert right.status_code == 429 and int(right.headers["Retry-After"]) > 0  # the right one too, from anywhere
    others = browser(w, "10.0.0.1")  # the clients are not locked out of other accounts at once
    w.core.accounts.create_user("other@delta.example", "O", PASSWORD, "sv", confirmed=True)
    assert sign_in(others, "other@delta.example").status_code == 303


def test_a_session_cookie_from_before_signing_in_is_never_the_session_after(world: World):
    w = world
    w.core.accounts.create_user("fixed@delta.example", "F", PASSWORD, "sv", confirmed=True)
    planted = "planted-by-an-attacker-" + "x" * 20
    client = browser(w, "10.0.1.1")
    client.cookies.set(SESSION_COOKIE, planted)
    first = sign_in(client, "fixed@delta.example")
    assert first.status_code == 303
    issued = first.cookies[SESSION_COOKIE]
    assert issued != planted and me(w, planted) == "public" and me(w, issued) == "session"
    client.cookies.set(SESSION_COOKIE, issued)
    again = sign_in(client, "fixed@delta.example")  # signing in again replaces the session
    renewed = again.cookies[SESSION_COOKIE]
    assert renewed != issued and me(w, issued) == "public" and me(w, renewed) == "session"
    cookie = [h for h in again.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE)][0].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_signing_out_ends_the_session_on_the_server(world: World):
    w = world
    w.core.accounts.create_user("out@delta.example", "U", PASSWORD, "sv", confirmed=True)
    client = browser(w, "10.0.2.1")
    cookie = sign_in(client, "out@delta.example").cookies[SESSION_COOKIE]
    headers = session_headers(cookie)
    page = w.client.get("/account", headers=headers)
    token = CSRF_FIELD.findall(page.text)[0]
    out = w.client.post("/account/sign-out", data={"csrf": token}, headers=headers, follow_redirects=False)
    assert out.status_code == 303
    assert me(w, cookie) == "public"  # the old cookie, kept by an attacker, opens nothing
    assert w.client.get("/account", headers=headers, follow_redirects=False).status_code == 303
    assert w.client.post("/api/v1/follows", json={"text": "x"}, headers=headers).status_code == 401


def test_a_disabled_persons_sessions_stop_working(world: World):
    w = world
    accounts = w.core.accounts
    for email, how in (("disabled@delta.example", "operator"), ("flagged@delta.example", "flag only")):
        accounts.create_user(email, "D", PASSWORD, "sv", confirmed=True)
        cookie = sign_in(browser(w, "10.0.3.1"), email).cookies[SESSION_COOKIE]
        assert me(w, cookie) == "session"
        if how == "operator":
            accounts.disable_user(email)
        else:  # disabled without its sessions revoked: the session still gives nothing
            with Session(w.core.engine) as session, session.begin():
                user = session.scalars(sessions.select(User).where(User.email == email)).one()
                user.disabled_at = dt.datetime.now(dt.UTC)
        assert me(w, cookie) == "public", how
        assert w.client.get("/account", headers=session_headers(cookie), follow_redirects=False).status_code == 303
        assert sign_in(browser(w, "10.0.3.2"), email).status_code in (401, 403)


def test_a_password_reset_link_works_once(world: World):
    w = world
    accounts = w.core.accounts
    accounts.create_user("reset@delta.example", "R", PASSWORD, "sv", confirmed=True)
    old = sign_in(browser(w, "10.0.4.1"), "reset@delta.example").cookies[SESSION_COOKIE]
    client = browser(w, "10.0.4.2")
    asked = client.post(
        "/account/reset",
        data={"email": "reset@delta.example", "csrf": CSRF_FIELD.findall(client.get("/account/reset").text)[0]},
    )
    assert asked.status_code == 200
    link = link_in(w.core.engine, "reset@delta.example", "/account/reset/")

    def reset(password: str) -> Any:
        page = client.get(link)
        tokens = CSRF_FIELD.findall(page.text) or CSRF_FIELD.findall(client.get("/account/sign-in").text)
        return client.post(link, data={"password": password, "csrf": tokens[0]}, follow_redirects=False)

    assert reset("ett nytt lösenord 1").status_code == 303
    assert me(w, old) == "public"  # every session ended
    second = reset("ett nytt lösenord 2")
    assert second.status_code == 410, second.status_code
    assert sign_in(browser(w, "10.0.4.3"), "reset@delta.example", "ett nytt lösenord 1").status_code == 303
    assert sign_in(browser(w, "10.0.4.4"), "reset@delta.example", "ett nytt lösenord 2").status_code == 401
    assert client.get(link).status_code == 410

"""Follows through the API and the pages: a person's own, validated by the search service,
bounded, and invisible to everyone else (someone else's follow is 404)."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from samverkan.db.community import DigestItem, Follow
from samverkan.digests.follows import MAX_FOLLOWS
from tests.digests.conftest import QUANTUM, add_tenant, add_user, now, publish, sign_in


def test_a_person_follows_a_search_and_only_they_see_it(web):
    client, app = web
    anna, bo = add_user(app, "anna@example.se"), add_user(app, "bo@example.se", "en")
    sign_in(client, app, anna)
    body = {"text": QUANTUM, "filters": {"country": "SE"}, "frequency": "daily", "label": "Kvant <HPC>"}
    made = client.post("/api/v1/follows", json=body)
    assert made.status_code == 201, made.text
    follow = made.json()
    assert follow["query"] == {"text": QUANTUM, "kind": None, "filters": {"country": "SE"}}
    assert follow["language"] == "sv" and follow["frequency"] == "daily" and follow["active"] is True
    key = follow["feed_key"]
    assert follow["feed_url"] == f"http://testserver/feeds/{key}.atom"
    with Session(app.engine) as session:  # only the key's digest is stored
        row = session.get_one(Follow, follow["id"])
        assert row.feed_digest == hashlib.sha256(key.encode()).hexdigest() and key not in str(row.query)
        known = session.scalar(select(func.count()).select_from(DigestItem).where(DigestItem.follow_id == row.id))
        assert known and known > 0  # the partners among the results now: never reported as new
    listed = client.get("/api/v1/follows").json()["follows"]
    assert [f["id"] for f in listed] == [follow["id"]] and "feed_key" not in listed[0]
    changed = client.patch(f"/api/v1/follows/{follow['id']}", json={"frequency": "weekly", "active": False})
    assert changed.status_code == 200 and changed.json()["frequency"] == "weekly"
    assert changed.json()["active"] is False

    sign_in(client, app, bo)  # someone else: 404 everywhere, as for a follow that does not exist
    assert client.get("/api/v1/follows").json() == {"follows": []}
    for method, path, json in [
        ("GET", f"/api/v1/follows/{follow['id']}", None),
        ("PATCH", f"/api/v1/follows/{follow['id']}", {"label": "mine now"}),
        ("DELETE", f"/api/v1/follows/{follow['id']}", None),
        ("POST", f"/api/v1/follows/{follow['id']}/feed-key", None),
    ]:
        answer = client.request(method, path, json=json)
        assert answer.status_code == 404, (method, path, answer.text)
    missing = client.get("/api/v1/follows/999999")
    assert missing.status_code == 404 and missing.json() == {"detail": "no follow 999999", "code": "not_found"}
    page = client.post(f"/follows/{follow['id']}", data={"csrf": sign_in(client, app, bo), "action": "delete"})
    assert page.status_code == 404

    sign_in(client, app, anna)
    assert client.delete(f"/api/v1/follows/{follow['id']}").json() == {"id": follow["id"], "removed": True}
    assert client.get(f"/api/v1/follows/{follow['id']}").status_code == 404
    assert client.get(f"/feeds/{key}.atom").status_code == 404


def test_the_public_and_tokens_cannot_follow(web):
    client, app = web
    answer = client.post("/api/v1/follows", json={"text": QUANTUM})
    assert answer.status_code == 401 and answer.headers["www-authenticate"].startswith("Bearer")
    _, token = add_tenant(app, "boras-stad")
    answer = client.post("/api/v1/follows", json={"text": QUANTUM}, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 403 and "person" in answer.json()["detail"]
    assert client.get("/api/v1/follows", headers={"Authorization": f"Bearer {token}"}).status_code == 403


def test_inputs_are_validated_by_the_search_service_and_bounded(web):
    client, app = web
    sign_in(client, app, add_user(app, "anna@example.se"))

    def refused(body, status, words):
        answer = client.post("/api/v1/follows", json=body)
        assert answer.status_code == status, (body, answer.text)
        assert words in answer.text, (body, answer.text)

    refused({"text": "   "}, 400, "text: describe what to follow")
    refused({"text": "x" * 2001}, 422, "string_too_long")
    refused({"text": QUANTUM, "kind": "people"}, 422, "kind")
    refused({"text": QUANTUM, "filters": {"region": "XX9"}}, 400, "filters.region")
    refused({"text": QUANTUM, "filters": {"org_type": "ABC"}}, 422, "org_type")
    refused({"text": QUANTUM, "filters": {"colour": "red"}}, 422, "colour")
    refused({"text": QUANTUM, "frequency": "hourly"}, 422, "frequency")
    refused({"text": "Wir suchen Partner für Quantencomputer in Bayern und Baden"}, 400, "Swedish and English")
    refused({"target": "need", "target_id": 12345}, 404, "no published need")
    refused({"target": "need"}, 400, "target_id")

    assert client.get("/api/v1/follows").json() == {"follows": []}  # nothing refused was written
    anna_id = _user_id(app, "anna@example.se")
    with Session(app.engine) as session, session.begin():  # the most one person may follow
        for i in range(MAX_FOLLOWS):
            session.add(
                Follow(
                    user_id=anna_id,
                    target="search",
                    query={"text": f"ai {i}"},
                    label=f"ai {i}",
                    frequency="weekly",
                    language="sv",
                    created_at=now(),
                    since=now(),
                )
            )
    refused({"text": QUANTUM, "kind": "call"}, 409, str(MAX_FOLLOWS))


def _user_id(app, email: str) -> int:
    from samverkan.db.community import User

    with Session(app.engine) as session:
        return session.scalar(select(User.id).where(User.email == email))


def test_a_published_need_can_be_followed_but_not_a_draft(web):
    client, app = web
    sign_in(client, app, add_user(app, "anna@example.se"))
    tenant, _ = add_tenant(app, "vgr")
    need = publish(app, tenant, "need", "Kvantdatorer i regionens HPC", "Vi vill koppla kvantdatorer till HPC.", now())
    draft = publish(app, tenant, "need", "Utkast", "Inte publicerat.", now(), status="draft")
    made = client.post("/api/v1/follows", json={"target": "need", "target_id": need})
    assert made.status_code == 201 and made.json()["label"] == "Kvantdatorer i regionens HPC"
    assert made.json()["url"] == f"http://testserver/needs/p{need}"
    assert client.post("/api/v1/follows", json={"target": "need", "target_id": draft}).status_code == 404
    assert client.post("/api/v1/follows", json={"target": "solution", "target_id": need}).status_code == 404


def test_pages_follow_with_csrf_and_show_the_feed_once(web):
    client, app = web
    results = client.get("/search", params={"q": QUANTUM, "country": "SE"})
    link = re.search(r'href="(/follows/new\?[^"]+)"', results.text)
    assert link and "country=SE" in link.group(1)
    signed_out = client.get(link.group(1).replace("&amp;", "&"))
    assert signed_out.status_code == 401  # and the button leads to the accounts' sign-in page, back here after
    assert 'class="button" href="/account/sign-in?next=%2Ffollows%2Fnew%3Fq%3D' in signed_out.text

    csrf = sign_in(client, app, add_user(app, "anna@example.se"))
    form = client.get(link.group(1).replace("&amp;", "&"))
    assert form.status_code == 200 and f'value="{csrf}"' in form.text and 'name="country" value="SE"' in form.text
    fields = {"target": "search", "q": QUANTUM, "country": "SE", "frequency": "daily", "label": "Kvant"}
    assert client.post("/follows", data=fields).status_code == 403  # no CSRF token
    assert client.post("/follows", data=fields | {"csrf": "wrong"}).status_code == 403
    made = client.post("/follows", data=fields | {"csrf": csrf})
    assert made.status_code == 201
    feed = re.search(r'value="(http://testserver/feeds/[^"]+\.atom)"', made.text)
    assert feed is not None
    mine = client.get("/follows")
    assert mine.status_code == 200 and "Kvant" in mine.text and feed.group(1) not in mine.text
    follow_id = client.get("/api/v1/follows").json()["follows"][0]["id"]
    stopped = client.post(f"/follows/{follow_id}", data={"csrf": csrf, "action": "stop"}, follow_redirects=False)
    assert stopped.status_code == 303
    assert client.get(f"/api/v1/follows/{follow_id}").json()["active"] is False
    rotated = client.post(f"/follows/{follow_id}", data={"csrf": csrf, "action": "feed-key"})
    assert rotated.status_code == 200 and feed.group(1) not in rotated.text
    assert client.get(feed.group(1).removeprefix("http://testserver")).status_code == 404
    bad = client.post("/follows", data=fields | {"csrf": csrf, "q": ""})
    assert bad.status_code == 400 and "describe what to follow" in bad.text

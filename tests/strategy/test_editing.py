"""Defining and editing a strategy: its admins define it, its editors edit it, nobody else
does; every bad input is a 4xx naming the field; forms need their CSRF token; texts are shown
escaped."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from samverkan.settings import load_settings
from samverkan.web import create_app
from tests.conftest import TESTSERVER
from tests.strategy.conftest import CSRF, acting, organisation, person

STRATEGY = {"slug": "test-strategi", "name": "Teststrategi", "region": "SE232", "description": "Om strategin."}


@pytest.fixture
def world(db_url):
    """An empty database served, with the region that owns the strategy, a municipality and
    another region, each with tokens."""
    web = create_app(load_settings(db=db_url, public_url=TESTSERVER))
    engine = web.state.samverkan.engine
    region, region_tokens = organisation(engine, "region")
    town, town_tokens = organisation(engine, "kommunen")
    _, other_tokens = organisation(engine, "annan-region")
    with TestClient(web) as client:
        yield {
            "web": web,
            "client": client,
            "engine": engine,
            "region": region,
            "town": town,
            "admin": {"Authorization": region_tokens["admin"]},
            "editor": {"Authorization": region_tokens["write"]},
            "member": {"Authorization": region_tokens["read"]},
            "town_editor": {"Authorization": town_tokens["write"]},
            "other": {"Authorization": other_tokens["admin"]},
        }
    web.state.samverkan.close()


def _define(world) -> dict:
    client = world["client"]
    made = client.post("/api/v1/strategies", json=STRATEGY, headers=world["admin"])
    assert made.status_code == 201, made.text
    area = client.post(
        "/api/v1/strategies/test-strategi/focus-areas", json={"name": "Öppna data"}, headers=world["admin"]
    ).json()
    sub = client.post(
        "/api/v1/strategies/test-strategi/focus-areas",
        json={"name": "Dataportal", "parent_id": area["id"], "description": "Fokus på publicering."},
        headers=world["admin"],
    ).json()
    return {"area": area["id"], "sub": sub["id"]}


def test_an_admin_defines_and_an_editor_edits(world):
    client = world["client"]
    ids = _define(world)
    assert client.get("/api/v1/strategies").json()[0]["slug"] == "test-strategi"
    # an editor may not define focus areas, but adds initiatives, updates and decisions
    assert (
        client.post(
            "/api/v1/strategies/test-strategi/focus-areas", json={"name": "X"}, headers=world["editor"]
        ).status_code
        == 403
    )
    made = client.post(
        "/api/v1/strategies/test-strategi/initiatives",
        json={"title": "Dataportal Väst", "focus_area_id": ids["sub"], "status": "planned", "budget": 1500000,
              "currency": "SEK", "starts": "2026-01-01", "ends": "2027-12-31", "owner": "kommunen"},
        headers=world["editor"],
    )  # fmt: skip
    assert made.status_code == 201, made.text
    initiative = made.json()
    assert initiative["owner"] == {"organisation": "kommunen", "name": "Kommunen"}
    update = client.post(
        f"/api/v1/strategies/test-strategi/initiatives/{initiative['id']}/updates",
        json={"text": "Upphandlingen är klar.", "on": "2026-08-01", "status": "ongoing"},
        headers=world["editor"],
    )
    assert update.status_code == 201 and update.json()["initiative_status"] == "ongoing"
    decision = client.post(
        "/api/v1/strategies/test-strategi/decisions",
        json={"body": "Regionstyrelsen", "on": "2026-07-01", "title": "Medel till dataportalen", "amount": 34600000,
              "currency": "SEK", "initiative_id": initiative["id"], "document": "123.PDF"},
        headers=world["editor"],
    )  # fmt: skip
    assert decision.status_code == 201, decision.text
    assert decision.json()["focus_area_id"] == ids["sub"]  # the initiative's focus area by default
    board = client.get("/api/v1/strategies/test-strategi?since=2026-06-30&opportunities=0").json()
    area = board["focus_areas"][0]
    assert area["progress"] == {"planned": 0, "ongoing": 1, "completed": 0, "paused": 0, "total": 1}
    shown = area["sub_areas"][0]["initiatives"][0]
    assert shown["status"] == "ongoing" and shown["latest_update"]["text"] == "Upphandlingen är klar."
    assert shown["budget"] == 1500000 and shown["starts"] == "2026-01-01"
    assert [d["title"] for d in board["changes"]["decisions"]] == ["Medel till dataportalen"]
    assert board["changes"]["updates"][0]["initiative"] == "Dataportal Väst"
    assert client.get("/api/v1/strategies/test-strategi?since=2026-08-01&opportunities=0").json()["changes"] == {
        "updates": [],
        "decisions": [],
    }
    # changing and removing
    changed = client.patch(
        f"/api/v1/strategies/test-strategi/initiatives/{initiative['id']}",
        json={"status": "paused", "owner": None, "owner_name": "Kommunerna"},
        headers=world["editor"],
    )
    assert changed.status_code == 200 and changed.json()["owner"] == {"organisation": None, "name": "Kommunerna"}
    gone = client.delete(f"/api/v1/strategies/test-strategi/decisions/{decision.json()['id']}", headers=world["editor"])
    assert gone.status_code == 200 and gone.json() == {"removed": "decision", "id": decision.json()["id"]}
    assert client.get("/api/v1/strategies/test-strategi?opportunities=0").json()["decisions"] == []
    page = client.get("/strategies/test-strategi?lang=sv")
    assert page.status_code == 200 and "Dataportal Väst" in page.text and "pausat" in page.text


def test_only_the_owners_admins_and_editors_write(world):
    client = world["client"]
    ids = _define(world)
    initiative = client.post(
        "/api/v1/strategies/test-strategi/initiatives", json={"title": "Ett initiativ"}, headers=world["editor"]
    ).json()
    base = "/api/v1/strategies/test-strategi"
    writes = [
        ("patch", base, {"name": "Kapad"}),
        ("post", base + "/focus-areas", {"name": "Kapat"}),
        ("patch", f"{base}/focus-areas/{ids['area']}", {"name": "Kapat"}),
        ("delete", f"{base}/focus-areas/{ids['area']}", None),
        ("post", base + "/initiatives", {"title": "Kapat"}),
        ("patch", f"{base}/initiatives/{initiative['id']}", {"title": "Kapat"}),
        ("delete", f"{base}/initiatives/{initiative['id']}", None),
        ("post", f"{base}/initiatives/{initiative['id']}/updates", {"text": "Kapat"}),
        ("post", base + "/decisions", {"body": "X", "on": "2026-01-01", "title": "Kapat"}),
        ("post", base + "/newsletters", None),
    ]
    for method, path, body in writes:
        kwargs = {"json": body} if body is not None else {}
        for who, status in (("other", 403), ("member", 403), (None, 401)):
            headers = world[who] if who else {}
            answer = client.request(method.upper(), path, headers=headers, **kwargs)
            assert answer.status_code == status, (method, path, who, answer.text)
    # a strategy of the owner is not created for another organisation
    taken = client.post("/api/v1/strategies", json={**STRATEGY, "slug": "kapad", "organisation": "region"},
                        headers=world["other"])  # fmt: skip
    assert taken.status_code == 403
    assert client.get(base + "?opportunities=0").json()["name"] == "Teststrategi"


def test_the_owner_of_an_initiative_may_add_its_updates_only(world):
    client = world["client"]
    _define(world)
    owned = client.post(
        "/api/v1/strategies/test-strategi/initiatives", json={"title": "Kommunens", "owner": "kommunen"},
        headers=world["editor"],
    ).json()  # fmt: skip
    theirs = client.post(
        "/api/v1/strategies/test-strategi/initiatives", json={"title": "Regionens"}, headers=world["editor"]
    ).json()
    path = "/api/v1/strategies/test-strategi/initiatives"
    assert (
        client.post(f"{path}/{owned['id']}/updates", json={"text": "Klart."}, headers=world["town_editor"]).status_code
        == 201
    )
    assert (
        client.post(f"{path}/{theirs['id']}/updates", json={"text": "Nej."}, headers=world["town_editor"]).status_code
        == 403
    )
    assert client.patch(f"{path}/{owned['id']}", json={"title": "Nej"}, headers=world["town_editor"]).status_code == 403


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/initiatives", {"description": "utan titel"}, "title"),
        ("/initiatives", {"title": "X", "status": "done"}, "status"),
        ("/initiatives", {"title": "X", "starts": "2026-05-01", "ends": "2026-01-01"}, "ends"),
        ("/initiatives", {"title": "X", "budget": 100}, "currency"),
        ("/initiatives", {"title": "X", "budget": -1, "currency": "SEK"}, "budget"),
        ("/initiatives", {"title": "X", "currency": "kronor"}, "currency"),
        ("/initiatives", {"title": "X" * 301}, "title"),
        ("/initiatives", {"title": "X", "colour": "red"}, "colour"),
        ("/initiatives", {"title": "X", "focus_area_id": 999}, "focus_area_id"),
        ("/initiatives", {"title": "X", "need_id": 999}, "need_id"),
        ("/initiatives", {"title": "X", "owner": "finns-inte"}, "owner"),
        ("/decisions", {"body": "X", "title": "Y"}, "on"),
        ("/decisions", {"body": "X", "title": "Y", "on": "2026-13-01"}, "on"),
        ("/decisions", {"body": "X", "title": "Y", "on": "2026-01-01", "document_url": "javascript:x"}, "document_url"),
        ("/decisions", {"body": "X", "title": "Y", "on": "2026-01-01", "initiative_id": 999}, "initiative_id"),
        ("/focus-areas", {"name": ""}, "name"),
        ("", {"region": "nowhere"}, "region"),
    ],
)  # fmt: skip
def test_bad_input_is_a_4xx_naming_the_field(world, path, body, field):
    _define(world)
    client = world["client"]
    method = "PATCH" if path == "" else "POST"
    answer = client.request(method, "/api/v1/strategies/test-strategi" + path, json=body, headers=world["admin"])
    assert answer.status_code in (400, 422), (
        answer.text
    )  # the models' 422 names it in loc, the database's 400 in detail
    detail = answer.json()["detail"]
    named = (
        {str(p) for problem in detail for p in problem["loc"]} if isinstance(detail, list) else {detail.split(":")[0]}
    )
    assert field in named, detail


def test_a_slug_is_taken_once_and_a_nul_never_reaches_the_database(world):
    _define(world)
    client = world["client"]
    again = client.post("/api/v1/strategies", json=STRATEGY, headers=world["admin"])
    assert again.status_code == 409
    nul = client.post(
        "/api/v1/strategies/test-strategi/initiatives", json={"title": "a\u0000b"}, headers=world["admin"]
    )
    assert nul.status_code == 400 and "body.title" in nul.json()["detail"]
    missing = client.get("/api/v1/strategies/finns-inte")
    assert missing.status_code == 404


def test_forms_need_their_csrf_token_and_texts_are_escaped(world):
    client, web = world["client"], world["web"]
    ids = _define(world)
    editor = person(world["engine"], "redaktor@example.se", {world["region"]: "editor"})
    acting(web, editor, {world["region"]: "editor"})
    form = {"title": "<script>alert('x')</script>", "focus_area_id": str(ids["area"]), "status": "ongoing"}
    assert client.post("/strategies/test-strategi/initiatives", data=form).status_code == 403
    assert client.post("/strategies/test-strategi/initiatives", data={**form, "csrf": "wrong"}).status_code == 403
    made = client.post("/strategies/test-strategi/initiatives", data={**form, "csrf": CSRF}, follow_redirects=False)
    assert made.status_code == 303
    page = client.get(made.headers["location"])
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page.text
    board = client.get("/strategies/test-strategi?lang=en")
    assert "<script>alert" not in board.text and "&lt;script&gt;" in board.text
    bad = client.post(
        "/strategies/test-strategi/decisions", data={"csrf": CSRF, "body": "X", "title": "Y", "on": "igår"}
    )
    assert bad.status_code == 400 and "on:" in bad.text
    # a person of another organisation gets the forms refused, with a valid token of their own
    outsider = person(world["engine"], "annan@example.se")
    acting(web, outsider, {})
    assert client.post("/strategies/test-strategi/initiatives", data={**form, "csrf": CSRF}).status_code == 403
    assert client.get("/strategies/test-strategi/edit").status_code == 403
    acting(web, None)
    assert client.get("/strategies/test-strategi/edit").status_code == 401


def test_the_edit_page_offers_what_the_role_allows(world):
    client, web = world["client"], world["web"]
    _define(world)
    editor = person(world["engine"], "red@example.se", {world["region"]: "editor"})
    acting(web, editor, {world["region"]: "editor"})
    page = client.get("/strategies/test-strategi/edit?lang=sv")
    assert page.status_code == 200
    assert "Lägg till ett initiativ" in page.text and "Lägg till ett fokusområde" not in page.text
    admin = person(world["engine"], "adm@example.se", {world["region"]: "admin"})
    acting(web, admin, {world["region"]: "admin"})
    page = client.get("/strategies/test-strategi/edit?lang=en")
    assert "Add a focus area or sub-area" in page.text and 'name="csrf" value="' + CSRF in page.text
    changed = client.post(
        "/strategies/test-strategi/edit",
        data={"csrf": CSRF, "name": "Ny strategi", "language": "sv", "region": "SE232", "description": "Ny text."},
    )
    assert changed.status_code == 200  # after the redirect
    assert client.get("/api/v1/strategies/test-strategi?opportunities=0").json()["name"] == "Ny strategi"

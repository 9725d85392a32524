"""The JSON API of needs and solutions: the contracts (201 with an id; GET, PATCH, DELETE; drafts
and withdrawn items 404 to others), validation at the door (4xx naming the field, never 500),
status moves, history, lists, and search kinds need and solution."""

from __future__ import annotations

import pytest

from tests.postings.conftest import Site

NEED = {
    "title": "Fallsensorer i hemtjänsten",
    "text": "Vi vill pröva fallsensorer och trygghetslarm i hemtjänsten och söker partner och finansiering.",
    "status": "published",
    "region": "SE232",
    "focus_areas": ["E-hälsa"],
}


def test_publish_read_change_and_withdraw_a_need(site: Site):
    org = site.organisation("Västra Götalandsregionen")
    c = site.client
    made = c.post("/api/v1/needs", json=NEED, headers=org.headers)
    assert made.status_code == 201
    body = made.json()
    key = body["id"]
    assert key.startswith("p") and body["status"] == "published" and body["language"] == "sv"
    assert body["region_name"] == "Västra Götalands län" and body["organisation"]["slug"] == org.slug
    assert c.get(f"/api/v1/needs/{key}").json()["title"] == NEED["title"]  # public: published
    assert c.get(f"/api/v1/needs/{key[1:]}").json()["id"] == key  # a need's bare number is accepted
    changed = c.patch(f"/api/v1/needs/{key}", json={"text": "Ny text.", "maturity": "pilot"}, headers=org.headers)
    assert changed.status_code == 200 and changed.json()["version"] == 2 and changed.json()["maturity"] == "pilot"
    same = c.patch(f"/api/v1/needs/{key}", json={"text": "Ny text."}, headers=org.headers)
    assert same.json()["version"] == 2  # nothing changed: no new version
    gone = c.delete(f"/api/v1/needs/{key}", headers=org.headers)
    assert gone.status_code == 200 and gone.json()["status"] == "withdrawn"
    assert c.delete(f"/api/v1/needs/{key}", headers=org.headers).json()["version"] == 3  # again: nothing new
    assert c.get(f"/api/v1/needs/{key}").status_code == 404
    assert c.get(f"/api/v1/needs/{key}", headers=org.headers).json()["status"] == "withdrawn"
    final = c.patch(f"/api/v1/needs/{key}", json={"status": "published"}, headers=org.headers)
    assert final.status_code == 409 and "status" in final.json()["detail"]
    history = c.get(f"/api/v1/needs/{key}/history", headers=org.headers).json()["versions"]
    assert [v["version"] for v in history] == [3, 2, 1]
    assert set(history[1]["changed"]) == {"text", "maturity"} and history[0]["changed"] == ["status"]
    assert history[2]["fields"]["text"] == NEED["text"]


def test_a_solution_with_licence_links_and_a_municipality(site: Site):
    org = site.organisation("Borås stad", scope="write")
    fields = {
        "title": "Digital nattillsyn",
        "text": "Kameror och sensorer för nattillsyn i hemtjänsten, i daglig drift.",
        "status": "draft",
        "municipality": "1490",
        "maturity": "in use",
        "licence": "EUPL-1.2",
        "links": ["https://www.boras.se/"],
        "contact": "digitalisering@example.se",
    }
    made = site.client.post("/api/v1/solutions", json=fields, headers=org.headers)
    assert made.status_code == 201, made.text
    body = made.json()
    assert (
        body["region"] == "SE232" and body["municipality_name"] == "Borås kommun"
    )  # the municipality gives the region
    assert body["maturity"] == "in_use" and body["licence"] == "EUPL-1.2" and body["status"] == "draft"
    published = site.client.patch(f"/api/v1/solutions/{body['id']}", json={"status": "published"}, headers=org.headers)
    back = site.client.patch(f"/api/v1/solutions/{body['id']}", json={"status": "draft"}, headers=org.headers)
    assert published.json()["published_at"] and back.status_code == 409
    assert site.client.get(f"/api/v1/solutions/{body['id']}").json()["contact"] == "digitalisering@example.se"


def test_an_organisation_never_sees_or_changes_another_ones_drafts(site: Site):
    owner, other = site.organisation(), site.organisation()
    reader = site.core.dataspace.issue_token(owner.token, "read")["token"]
    c = site.client
    draft = c.post("/api/v1/needs", json={**NEED, "status": "draft"}, headers=owner.headers).json()["id"]
    for headers in ({}, other.headers):
        assert c.get(f"/api/v1/needs/{draft}", headers=headers).status_code == 404
        assert c.patch(f"/api/v1/needs/{draft}", json={"title": "x"}, headers=headers).status_code == 404
        assert c.delete(f"/api/v1/needs/{draft}", headers=headers).status_code == 404
        assert c.get(f"/api/v1/needs/{draft}/matches", headers=headers).status_code == 404
        assert c.get(f"/api/v1/needs/{draft}/history", headers=headers).status_code == 404
        assert c.post(f"/api/v1/needs/{draft}/interest", json={}, headers=headers).status_code in (401, 404)
        assert draft not in {p["id"] for p in c.get("/api/v1/needs?status=all", headers=headers).json()["results"]}
    member = {"Authorization": f"Bearer {reader}"}
    assert c.get(f"/api/v1/needs/{draft}", headers=member).status_code == 200  # its own organisation sees it
    assert c.patch(f"/api/v1/needs/{draft}", json={"title": "x"}, headers=member).status_code == 403  # reads only
    assert draft in {p["id"] for p in c.get("/api/v1/needs", headers=owner.headers).json()["results"]}
    assert draft not in {p["id"] for p in c.get("/api/v1/needs").json()["results"]}
    published = c.post("/api/v1/needs", json=NEED, headers=owner.headers).json()["id"]
    assert c.patch(f"/api/v1/needs/{published}", json={"title": "x"}, headers=other.headers).status_code == 403
    assert c.patch(f"/api/v1/needs/{published}", json={"title": "x"}).status_code == 401
    assert c.get(f"/api/v1/needs/{published}/history", headers=other.headers).status_code == 403
    assert c.get(f"/api/v1/needs/{published}/interests", headers=other.headers).status_code == 403


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "x", "colour": "red"}, "colour"),
        ({"title": "x" * 201}, "title"),
        ({"title": "x", "text": "y" * 20_001}, "text"),
        ({"title": "  "}, "title"),
        ({"text": "no title"}, "title"),
        ({"title": "x", "status": "withdrawn"}, "status"),
        ({"title": "x", "status": "shown"}, "status"),
        ({"title": "x", "status": "published"}, "text"),  # a published need says something
        ({"title": "x", "region": "XX9"}, "region"),
        ({"title": "x", "region": "not a code"}, "region"),
        ({"title": "x", "municipality": "9999"}, "municipality"),
        ({"title": "x", "region": "SE11", "municipality": "1490"}, "municipality"),
        ({"title": "x", "focus_areas": ["a"] * 11}, "focus_areas"),
        ({"title": "x", "focus_areas": "E-hälsa"}, "focus_areas"),
        ({"title": "x", "technologies": ["t" * 81]}, "technologies"),
        ({"title": "x", "links": ["javascript:alert(1)"]}, "links"),
        ({"title": "x", "links": ["https://a.se/"] * 11}, "links"),
        ({"title": "x", "licence": "MIT"}, "licence"),  # a need has no licence
        ({"title": "x", "maturity": "mature"}, "maturity"),
        ({"title": "x", "language": "de"}, "language"),
        ({"title": 5}, "title"),
        ({"title": "x", "contact": "c" * 501}, "contact"),
        ({"title": "x\u0000"}, "title"),
        ({"title": "x", "organisation": "someone-else"}, "organisation"),
    ],
)
def test_bad_fields_are_refused_naming_the_field(site: Site, fields, field):
    org = getattr(site, "_validation_org", None) or site.organisation()
    site._validation_org = org  # type: ignore[attr-defined]
    answer = site.client.post("/api/v1/needs", json=fields, headers=org.headers)
    assert 400 <= answer.status_code < 500, answer.text
    assert field in str(answer.json()["detail"])


def test_bodies_that_are_not_objects_and_unknown_fields_in_a_patch(site: Site):
    org = site.organisation()
    c = site.client
    for raw in (b"[1, 2]", b"null", b'"title"', b"{", b""):
        answer = c.post("/api/v1/needs", content=raw, headers={**org.headers, "Content-Type": "application/json"})
        assert 400 <= answer.status_code < 500, (raw, answer.status_code)
    key = c.post("/api/v1/needs", json={"title": "Ett behov"}, headers=org.headers).json()["id"]
    answer = c.patch(f"/api/v1/needs/{key}", json={"organisation": "x"}, headers=org.headers)
    assert answer.status_code == 422 and "organisation" in str(answer.json()["detail"])
    text = c.patch(f"/api/v1/needs/{key}", json={"text": None}, headers=org.headers)
    assert text.status_code == 422 and "text" in str(text.json()["detail"])
    cleared = c.patch(f"/api/v1/needs/{key}", json={"region": "SE23", "contact": "x"}, headers=org.headers).json()
    cleared = c.patch(f"/api/v1/needs/{key}", json={"region": None, "contact": None}, headers=org.headers).json()
    assert cleared["region"] is None and cleared["contact"] is None
    assert c.get("/api/v1/needs/p99999999").status_code == 404
    assert c.get("/api/v1/needs/nonsense").status_code == 404
    assert c.get("/api/v1/solutions/12").status_code == 404  # a catalogued case's number: not a posting


def test_search_kinds_need_and_solution(site: Site):
    org = site.organisation("Region Halland")
    c = site.client
    need = {
        "title": "Sensorer för vattenkvalitet i Lagan",
        "text": "Vi behöver mäta vattenkvalitet med sensorer i Lagan och dela data öppet.",
        "status": "published",
        "region": "SE231",
    }
    key = c.post("/api/v1/needs", json=need, headers=org.headers).json()["id"]
    draft = c.post("/api/v1/needs", json={**need, "status": "draft"}, headers=org.headers).json()["id"]
    found = c.get("/api/v1/search", params={"q": "vattenkvalitet sensorer", "kind": "need"}).json()["results"]
    assert found[0]["id"] == key and found[0]["kind"] == "need" and "vattenkvalitet" in found[0]["why"]
    assert draft not in {r["id"] for r in found}
    grouped = c.get("/api/v1/search", params={"q": "vattenkvalitet sensorer Lagan"}).json()["results"]
    assert key in {r["id"] for r in grouped if r["kind"] == "need"}
    english = c.get("/api/v1/search", params={"q": "water quality sensors", "kind": "need"}).json()["results"]
    assert key in {r["id"] for r in english}  # found in the other language too
    solution = c.post(
        "/api/v1/solutions",
        json={
            "title": "Öppen plattform för vattendata",
            "text": "Sensorer mäter vattenkvalitet.",
            "status": "published",
        },
        headers=org.headers,
    ).json()["id"]
    solutions = c.get("/api/v1/search", params={"q": "vattenkvalitet sensorer", "kind": "solution", "limit": 50})
    ids = [r["id"] for r in solutions.json()["results"]]
    assert solution in ids and any(i.isdigit() for i in ids)  # published ones beside the JRC cases
    assert c.get(f"/solutions/{next(i for i in ids if i.isdigit())}").status_code == 200
    c.delete(f"/api/v1/needs/{key}", headers=org.headers)
    found = c.get("/api/v1/search", params={"q": "vattenkvalitet sensorer", "kind": "need"}).json()["results"]
    assert key not in {r["id"] for r in found}  # withdrawn: gone at once


def test_lists_and_the_board(site: Site):
    org = site.organisation("Region Värmland")
    c = site.client
    made = [
        c.post(
            "/api/v1/needs",
            json={**NEED, "region": "SE311", "focus_areas": ["Digital kompetens", "E-hälsa"]},
            headers=org.headers,
        ).json()["id"]
        for _ in range(2)
    ]
    solution = c.post(
        "/api/v1/solutions",
        json={"title": "Kompetenslyft", "text": "Kurser.", "status": "published", "region": "SE311",
              "focus_areas": ["digital kompetens"]},
        headers=org.headers,
    ).json()["id"]  # fmt: skip
    listed = c.get("/api/v1/needs", params={"organisation": org.slug}).json()
    assert listed["total"] == 2 and {p["id"] for p in listed["results"]} == set(made)
    assert c.get("/api/v1/needs", params={"region": "SE3", "focus_area": "digital KOMPETENS"}).json()["total"] >= 2
    assert c.get("/api/v1/needs", params={"limit": 0}).status_code == 422
    board = c.get("/api/v1/board", params={"region": "SE31"}).json()
    areas = {g["focus_area"].casefold(): g for g in board["focus_areas"] if g["focus_area"]}
    assert areas["digital kompetens"]["needs"] == 2 and areas["digital kompetens"]["solutions"] == 1
    assert board["regions"][0]["region"] == "SE31" and board["regions"][0]["region_name"]
    c.delete(f"/api/v1/needs/{made[0]}", headers=org.headers)
    c.delete(f"/api/v1/solutions/{solution}", headers=org.headers)
    board = c.get("/api/v1/board", params={"region": "SE31"}).json()
    areas = {g["focus_area"].casefold(): g for g in board["focus_areas"] if g["focus_area"]}
    assert areas["digital kompetens"]["needs"] == 1 and areas["digital kompetens"]["solutions"] == 0
    assert made[0] not in str(board) and solution not in str(board)
    assert c.get("/api/v1/board", params={"region": "<b>"}).status_code == 422

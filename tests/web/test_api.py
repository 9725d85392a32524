"""The JSON API through real HTTP requests against the app on the demo catalogue."""

from __future__ import annotations

import pytest


def test_wellcome_trust_is_found_by_name(client):
    answer = client.get("/api/v1/search", params={"q": "Wellcome Trust", "kind": "organisation"}).json()
    first = answer["results"][0]
    assert first["id"] == "999905974"
    assert first["kind"] == "organisation" and first["country"] == "GB"
    assert first["why"].startswith("matched: wellcome, trust; ") and " EU projects; " in first["why"]
    assert first["why"].endswith("in LONDON, GB (London, UKI)")  # placed by its city


def test_calls_default_to_what_one_can_apply_to_open_first_and_all_includes_closed(client):
    def statuses(**params):
        answer = client.get("/api/v1/search", params={"q": "hydrogen", "kind": "call", "limit": 100, **params})
        return [r["status"] for r in answer.json()["results"]]

    current = statuses()  # open now, then opening later; never a passed deadline
    assert set(current) == {"open", "forthcoming"}
    assert current == sorted(current, key=lambda s: s != "open")
    assert set(statuses(status="open")) == {"open"}
    assert set(statuses(status="forthcoming")) == {"forthcoming"}
    everything = statuses(status="all")
    assert {"closed", "open", "forthcoming"} <= set(everything) or len(everything) == 100
    assert "closed" in everything


def test_hubs_platforms_solutions_and_projects_are_searchable(client):
    hubs = client.get("/api/v1/search", params={"q": "robotics healthcare", "kind": "hub"}).json()["results"]
    assert hubs and all(r["kind"] == "hub" for r in hubs)
    platforms = client.get("/api/v1/search", params={"q": "interoperability", "kind": "platform"}).json()["results"]
    assert "joinup" in {r["id"] for r in platforms}
    solutions = client.get("/api/v1/search", params={"q": "chatbot", "kind": "solution"}).json()["results"]
    assert solutions
    projects = client.get("/api/v1/search", params={"q": "GEOCEP", "kind": "project"}).json()["results"]
    assert projects[0]["id"] == "870245"
    groups = client.get("/api/v1/search", params={"q": "financing renovation", "kind": "working_group"}).json()
    assert groups["results"] and all("/" in g["id"] and g["platform_id"] for g in groups["results"])
    swedish = client.get("/api/v1/search", params={"q": "ortsammanbindande nät Arjeplog", "kind": "project"}).json()[
        "results"
    ]
    assert swedish and swedish[0]["id"].startswith("se-") and swedish[0]["programme"] in ("ERDF", "ESF")


def test_without_kind_results_are_grouped_by_kind(client):
    results = client.get("/api/v1/search", params={"q": "smart city energy", "limit": 3}).json()["results"]
    kinds = [r["kind"] for r in results]
    order = ["call", "organisation", "hub", "platform", "working_group", "solution", "project"]
    assert kinds == sorted(kinds, key=order.index)
    assert len(set(kinds)) >= 4


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"q": ""}, 422),
        ({"q": "   "}, 400),
        ({"q": "x" * 20_001}, 400),
        ({"q": "!!! ???"}, 400),
        ({"q": "energy", "kind": "spaceship"}, 422),
        ({"q": "energy", "limit": 0}, 422),
        ({"q": "energy", "limit": 101}, 400),
        ({"q": "energy", "status": "soon"}, 422),
    ],
)
def test_bad_queries_get_a_clear_4xx(client, params, status):
    response = client.get("/api/v1/search", params=params)
    assert response.status_code == status
    assert response.json()["detail"]


def test_records_and_stats(client):
    call = client.get("/api/v1/records/call/ERC-2026-POC").json()
    assert call["status"] == "closed" and call["source"] == "calls" and call["imported_at"]
    project = client.get("/api/v1/records/project/870245").json()
    assert any(p["role"] == "coordinator" for p in project["participants"])
    platform = client.get("/api/v1/records/platform/living-in-eu").json()
    assert platform["working_groups"]
    assert client.get("/api/v1/records/call/NOPE").status_code == 404
    stats = client.get("/api/v1/stats").json()
    assert stats["calls"] > 629 and stats["regions"] == 2010 and stats["municipalities"] == 290


def test_home_page_and_openapi(client):
    page = client.get("/")
    assert page.status_code == 200 and "samverkan" in page.text and 'lang="sv"' in page.text
    spec = client.get("/openapi.json").json()
    assert "/api/v1/search" in spec["paths"]


def test_a_swedish_need_finds_english_calls_and_says_why(client):
    answer = client.get(
        "/api/v1/search", params={"q": "fjärrvärmenätet i vår kommun", "kind": "call", "status": "all"}
    ).json()
    assert answer["language"] == "sv"
    heating = next(r for r in answer["results"][:3] if "heat" in r["title"].lower())
    assert "fjärrvärmenätet (district heating" in heating["why"]


def test_a_query_in_another_language_gets_a_clear_400(client):
    response = client.get("/api/v1/search", params={"q": "Künstliche Intelligenz in der öffentlichen Verwaltung"})
    assert response.status_code == 400
    assert "Swedish and English" in response.json()["detail"]

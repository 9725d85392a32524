"""Search filters and facets through the HTTP API on the demo catalogue."""

from __future__ import annotations

import datetime as dt

import pytest

from samverkan.search.filters import FilterError, Filters


def search(client, **params):
    response = client.get("/api/v1/search", params={"limit": 50, **params})
    assert response.status_code == 200, response.text
    return response.json()


def test_country_narrows_hubs_and_organisations_but_not_calls(client):
    everywhere = search(client, q="artificial intelligence manufacturing", kind="hub")
    assert len({r["country"] for r in everywhere["results"]}) > 1
    swedish = search(client, q="artificial intelligence manufacturing", kind="hub", country="se")
    assert swedish["results"] and {r["country"] for r in swedish["results"]} == {"SE"}
    assert all(f"in {r['city']}, SE" in r["why"] for r in swedish["results"] if r["city"])
    assert swedish["filters"] == {"country": "SE"}
    # CORDIS writes Greece as EL: both spellings mean the same filter
    assert search(client, q="energy", kind="organisation", country="EL")["filters"] == {"country": "GR"}
    calls = search(client, q="artificial intelligence", kind="call", country="SE", status="all")
    assert calls["results"] == search(client, q="artificial intelligence", kind="call", status="all")["results"]


def test_region_holds_its_subregions(client):
    south = search(client, q="digitalisering inom tillverkningsindustrin", kind="hub", region="se2")
    assert south["filters"] == {"region": "SE2"}
    assert south["results"] and all(r["region"].startswith("SE2") for r in south["results"])
    # Göteborg (mangled to "Goteborg" in the DIH catalogue, restored on import) is in Västra Götalands län
    chalmers = next(r for r in south["results"] if r["city"] == "Göteborg")
    assert chalmers["region"] == "SE232" and "(Västra Götalands län, SE232)" in chalmers["why"]
    west = search(client, q="digitalisering inom tillverkningsindustrin", kind="hub", region="SE232")
    assert {r["id"] for r in west["results"]} < {r["id"] for r in south["results"]}
    assert south["facets"]["hub"]["region"] and all(len(code) <= 4 for code in south["facets"]["hub"]["region"])
    # a country-level region also holds the organisations that could not be placed more precisely
    sweden = search(client, q="batteries recycling", kind="organisation", region="SE")
    assert sweden["results"] and {r["country"] for r in sweden["results"]} == {"SE"}
    assert any(r["region"] is None for r in sweden["results"])
    placed = search(client, q="batteries recycling", kind="organisation", region="SE1")
    assert placed["results"] and all(r["region"].startswith("SE1") for r in placed["results"])
    # calls carry no region: not narrowed
    calls = search(client, q="artificial intelligence", kind="call", region="SE2", status="all")
    assert calls["results"] == search(client, q="artificial intelligence", kind="call", status="all")["results"]


@pytest.mark.parametrize("region", ["XX9", "SE2X", "S", "SE-2", "SE2320"])
def test_unknown_or_malformed_region_is_422(client, region):
    response = client.get("/api/v1/search", params={"q": "energy", "kind": "hub", "region": region})
    assert response.status_code == 422, response.text
    assert "region" in response.text


def test_deadline_window_and_programme_narrow_calls(client):
    window = {"deadline_from": "2026-09-01", "deadline_to": "2026-12-31"}
    answer = search(client, q="hydrogen", kind="call", status="all", **window)
    assert answer["results"]
    for call in answer["results"]:
        assert "2026-09-01" <= call["deadline"][:10] <= "2026-12-31"
    programme = search(client, q="hydrogen", kind="call", status="all", programme="horizon europe")
    assert programme["results"] and {r["programme"] for r in programme["results"]} == {"Horizon Europe"}


def test_organisation_type_and_sme(client):
    answer = search(client, q="energy", kind="organisation", org_type="PRC", sme="true")
    assert answer["filters"] == {"org_type": "PRC", "sme": True}
    assert answer["results"]
    assert all(r["activity_type"] == "PRC" and r["sme"] is True for r in answer["results"])
    universities = search(client, q="energy", kind="organisation", org_type="HES")
    assert all(r["activity_type"] == "HES" for r in universities["results"])


def test_facets_count_the_candidates(client):
    answer = search(client, q="energy", kind="organisation")
    countries = answer["facets"]["organisation"]["country"]
    assert sum(countries.values()) <= 100 and countries
    shown = [r["country"] for r in answer["results"]]
    assert all(countries.get(c, 0) >= shown.count(c) for c in set(shown) if c)
    calls = search(client, q="hydrogen", kind="call", status="all")["facets"]["call"]
    assert set(calls) >= {"programme", "status"}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"deadline_from": "2027-01-01", "deadline_to": "2026-01-01"}, "is after"),
        ({"country": "S1"}, "country"),
        ({"org_type": "UNI"}, "org_type"),
        ({"deadline_from": "next week"}, "deadline_from"),
    ],
)
def test_bad_or_contradictory_filters_are_422(client, params, message):
    response = client.get("/api/v1/search", params={"q": "energy", **params})
    assert response.status_code == 422
    assert message in response.text


def test_filters_validate_their_values():
    assert Filters(country="uk").country == "GB"
    with pytest.raises(FilterError):
        Filters(deadline_from=dt.date(2027, 1, 1), deadline_to=dt.date(2026, 1, 1))
    assert not Filters().for_kind("call") and Filters(programme="LIFE").for_kind("call")
    assert not Filters(programme="LIFE").for_kind("hub")

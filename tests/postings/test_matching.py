"""Matching both ways, with reasons, on the demo catalogue: real Swedish needs (in the words of
the seed texts) get calls one can apply to on SAMVERKAN_TODAY, partners, hubs near them first,
platforms, solutions and other organisations' needs; a solution gets the needs it could answer."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.postings.conftest import Site

# Needs as Swedish regions write them (shared/seeds: Västra Götaland's newsletters, the Brussels
# office's articles on platforms and hubs)
NEEDS = [
    {
        "title": "IoT-plattform för Smart region Västra Götaland",
        "text": "Vi förbereder upphandling av en branschneutral teknisk IoT-plattform dit sensordata kan samlas, "
        "där varje deltagande aktör får en egen flik och data kan delas om man vill. Sensordata ska bli "
        "beslutsunderlag för ett mer hållbart samhälle. Vi söker partner och finansiering.",
        "region": "SE232",
        "focus_areas": ["Säker och hållbar digital infrastruktur"],
        "technologies": ["IoT", "sensorer"],
    },
    {
        "title": "Regional samverkan kring AI i offentlig sektor",
        "text": "Förstudien om regional samverkan kring artificiell intelligens är i slutskedet. Nu planerar vi "
        "nästa steg: att pröva AI i kommunernas och regionens verksamheter, dela data och bygga kompetens.",
        "region": "SE232",
        "focus_areas": ["Offentlig sektors digitala transformation"],
    },
    {
        "title": "E-hälsa och hälsodata i hälso- och sjukvården",
        "text": "Regionen vill utveckla e-hälsa och använda hälsodata för en bättre hälso- och sjukvård, med "
        "digitala vårdtjänster på distans för invånare på landsbygden.",
        "region": "SE231",
        "focus_areas": ["E-hälsa"],
    },
    {
        "title": "Digital kompetens för små och medelstora företag i tillverkningsindustrin",
        "text": "Vi behöver stärka den digitala kompetensen hos små och medelstora företag i "
        "tillverkningsindustrin för en grön och digital omställning.",
        "region": "SE232",
        "focus_areas": ["Näringslivets digitala transformation", "Digital kompetens och lärande"],
    },
]
LISTS = ("calls", "partners", "hubs", "platforms", "solutions", "needs")


@pytest.fixture(scope="module")
def published(site: Site) -> dict[str, str]:
    region = site.organisation("Västra Götalandsregionen")
    made = {}
    for need in NEEDS:
        answer = site.client.post("/api/v1/needs", json={**need, "status": "published"}, headers=region.headers)
        made[need["title"]] = answer.json()["id"]
    return made


@pytest.mark.parametrize("need", NEEDS, ids=lambda n: n["title"][:30])
def test_a_needs_top_calls_are_open_or_opening_today_with_reasons(site: Site, published, need):
    today = dt.date.fromisoformat(site.client.get("/api/v1/search", params={"q": "ai"}).json()["today"])
    key = published[need["title"]]
    answer = site.client.get(f"/api/v1/needs/{key}/matches")
    assert answer.status_code == 200
    matches = answer.json()
    assert set(matches) == set(LISTS)
    calls = matches["calls"]
    assert len(calls) == 5
    for call in calls:
        assert call["kind"] == "call" and call["status"] in ("open", "forthcoming"), call
        assert call["why"] and call["reasons"]
        deadline = call.get("next_deadline") or call.get("deadline")
        assert deadline is None or dt.date.fromisoformat(deadline[:10]) >= today
    for name in LISTS:
        for result in matches[name]:
            assert {"kind", "id", "title", "score", "why"} <= set(result), (name, result)
            assert result["why"], (name, result)
    assert matches["hubs"] and matches["partners"] and matches["platforms"]


def test_hubs_of_the_needs_region_come_first_with_the_reason(site: Site, published):
    key = published[NEEDS[0]["title"]]
    hubs = site.client.get(f"/api/v1/needs/{key}/matches").json()["hubs"]
    assert hubs[0]["region"].startswith("SE23")
    assert any(r["type"] == "near" and r["scope"] == "region" for r in hubs[0]["reasons"])
    assert "same region" in hubs[0]["why"]


def test_both_ways_other_organisations_only(site: Site, published):
    """A solution of another organisation meets the need it answers, and the need meets it; an
    organisation's own postings are left out of its matches."""
    borås = site.organisation("Borås stad")
    c = site.client
    solution = c.post(
        "/api/v1/solutions",
        json={
            "title": "Öppen IoT-plattform för sensordata",
            "text": "Borås stad driver en leverantörsoberoende IoT-plattform där sensordata samlas och delas mellan "
            "kommunens förvaltningar och företag; vi delar upphandlingsunderlag och erfarenheter.",
            "status": "published",
            "municipality": "1490",
            "focus_areas": ["Säker och hållbar digital infrastruktur"],
            "technologies": ["IoT"],
        },
        headers=borås.headers,
    ).json()["id"]
    need = published[NEEDS[0]["title"]]
    for_need = c.get(f"/api/v1/needs/{need}/matches").json()
    found = next(r for r in for_need["solutions"] if r["id"] == solution)
    assert {r["type"] for r in found["reasons"]} >= {"focus_areas", "near"}
    assert "Säker och hållbar digital infrastruktur" in found["why"]
    assert all(r["id"] not in published.values() for r in for_need["needs"])  # not its own organisation's
    for_solution = c.get(f"/api/v1/solutions/{solution}/matches").json()
    assert set(for_solution) == {"needs", "solutions", "hubs", "calls"}
    assert for_solution["needs"][0]["id"] == need
    assert all(r["status"] in ("open", "forthcoming") for r in for_solution["calls"])
    case = c.get("/api/v1/solutions/10556/matches")  # a catalogued JRC case is matched too
    assert case.status_code == 200 and set(case.json()) == {"needs", "solutions", "hubs", "calls"}
    assert c.get("/api/v1/needs/p1/matches", params={"limit": 21}).status_code == 422

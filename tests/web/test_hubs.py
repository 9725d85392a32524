"""Hubs on the demo catalogue: the EDIH network beside the JRC catalogue, each hub once, its type
on pages, in search and in the figures, Sweden's EDIHs, and the Swedish seed need."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from samverkan.db import make_engine
from samverkan.db.models import Hub
from samverkan.search import SearchService
from samverkan.search.filters import Filters

SV = {"Accept-Language": "sv-SE,sv;q=0.9"}
EN = {"Accept-Language": "en-GB,en;q=0.9"}
SEED = "e-hälsa och hälsodata i Småland, Blekinge och Halland"
HDS, DIGIT = "edih-se-health-data-sweden-hds", "edih-se-digit-hub-sweden"


@pytest.fixture(scope="module")
def stored(demo_db) -> dict[str, Hub]:
    engine = make_engine(demo_db.url)
    with Session(engine) as session:
        hubs = {h.id: h for h in session.scalars(select(Hub))}
        session.expunge_all()
    engine.dispose()
    return hubs


def test_a_linked_pair_is_shown_once(client, stored):
    shown = [h for h in stored.values() if h.same_as_id is None]
    assert len(stored) == 701 + 457 and len(shown) == len(stored) - 177
    numbers = client.get("/api/v1/statistics").json()
    assert sum(numbers["hubs_per_country"].values()) == len(shown)
    assert sum(numbers["hubs_per_type"].values()) == len(shown)
    found = client.get("/api/v1/search", params={"q": "DigIT Hub Sweden", "kind": "hub", "limit": 100}).json()
    ids = [r["id"] for r in found["results"]]
    assert DIGIT in ids[:2] and "18801" not in ids  # 18801: the same hub in the JRC catalogue
    assert not {h.id for h in stored.values() if h.same_as_id} & set(ids)


def test_the_jrc_record_leads_to_the_edih_one(client, stored):
    assert stored["18801"].same_as_id == DIGIT
    page = client.get("/hubs/18801?lang=sv", follow_redirects=False)
    assert page.status_code == 302 and page.headers["location"] == f"/hubs/{DIGIT}?lang=sv"
    record = client.get("/api/v1/hubs/18801").json()
    assert record["same_as"] == DIGIT and record["similar"] == []
    edih = client.get(f"/api/v1/hubs/{DIGIT}").json()
    assert edih["same_as"] is None and edih["kind"] == "EDIH" and edih["nuts"] == "SE224"
    assert [(a["id"], a["source"]) for a in edih["also_listed"]] == [("18801", "hubs")]
    text = client.get(f"/hubs/{DIGIT}", headers=EN).text
    assert "European Digital Innovation Hub (EDIH)" in text and "in the JRC catalogue of 2022" in text


def test_a_record_borrows_what_it_lacks_from_its_linked_record(client, stored):
    links = stored_links(stored)
    lacking = [
        (h, other)
        for h in stored.values()
        if h.source == "edih" and not h.description
        for other in links.get(h.id, [])
        if other.description
    ]
    assert lacking, "some hubs of the export have no description, but their JRC record has one"
    hub, other = lacking[0]
    detail = client.get(f"/api/v1/hubs/{hub.id}").json()
    assert detail["description"] == other.description and detail["name"] == hub.name


def stored_links(stored: dict[str, Hub]) -> dict[str, list[Hub]]:
    links: dict[str, list[Hub]] = {}
    for h in stored.values():
        if h.same_as_id:
            links.setdefault(h.same_as_id, []).append(h)
    return links


def test_the_hub_page_shows_its_type_in_both_languages(client):
    sv = client.get(f"/hubs/{HDS}", headers=SV).text
    en = client.get(f"/hubs/{HDS}", headers=EN).text
    assert "Europeiskt digitalt innovationsnav (EDIH)" in sv and "Typ av nav" in sv
    assert "European Digital Innovation Hub (EDIH)" in en and "Type of hub" in en
    soe = client.get("/hubs/edih-se-mighty-edih", headers=SV).text
    assert "Spetskompetensstämpel (Seal of Excellence)" in soe and "Mid Sweden Industry and GovTech EDIH" in soe


def test_sweden_has_its_edihs_on_its_region_page(client, stored):
    swedish_edihs = {h.id for h in stored.values() if h.country == "SE" and h.kind == "EDIH" and not h.same_as_id}
    assert swedish_edihs >= {HDS, DIGIT}
    region = client.get("/api/v1/regions/SE").json()
    listed = [h for h in region["hubs"] if h["hub_type"] == "EDIH"]
    assert {h["id"] for h in listed} == swedish_edihs
    assert region["hubs_per_type"]["EDIH"] == len(swedish_edihs)
    assert region["hubs"][: len(listed)] == listed  # EDIHs first
    swedish = {h.id for h in stored.values() if h.country == "SE" and not h.same_as_id}
    assert {h["id"] for h in region["hubs"]} == swedish  # placed or not, each Swedish hub once
    for headers, label in ((SV, "Europeiskt digitalt innovationsnav (EDIH)"), (EN, "European Digital Innovation Hub")):
        page = client.get("/regions/SE", headers=headers).text
        assert label in page and "Health Data Sweden (HDS)" in page and "DigIT Hub Sweden" in page


def test_hub_type_filters_search_and_is_a_facet(client):
    params = {"q": "artificial intelligence manufacturing", "kind": "hub", "limit": 50}
    everything = client.get("/api/v1/search", params=params).json()
    assert {r["hub_type"] for r in everything["results"]} == {"EDIH", "SoE", "DIH"}
    assert set(everything["facets"]["hub"]["hub_type"]) == {"EDIH", "SoE", "DIH"}
    edih = client.get("/api/v1/search", params=params | {"hub_type": "EDIH"}).json()
    assert edih["filters"] == {"hub_type": "EDIH"}
    assert edih["results"] and {r["hub_type"] for r in edih["results"]} == {"EDIH"}
    assert client.get("/api/v1/search", params=params | {"hub_type": "XYZ"}).status_code == 422
    page = client.get("/search", params=params | {"hub_type": "SoE"}, headers=SV).text
    assert 'name="hub_type"' in page and '<option value="SoE" selected>' in page
    assert "Spetskompetensstämpel (Seal of Excellence)" in page  # on each result
    facets = client.get("/search", params=params, headers=EN).text
    assert "Type of hub" in facets and "hub_type=EDIH" in facets


def test_statistics_show_hubs_per_type_and_per_country_and_type(client):
    numbers = client.get("/api/v1/statistics").json()
    per_type, per_country = numbers["hubs_per_type"], numbers["hubs_per_country_and_type"]
    assert list(per_type) == ["EDIH", "SoE", "DIH"]
    assert {c: sum(n.values()) for c, n in per_country.items()} == numbers["hubs_per_country"]
    for t in per_type:
        assert sum(n[t] for n in per_country.values()) == per_type[t]
    rows = list(csv.reader(io.StringIO(client.get("/statistics/hubs-per-country-and-type.csv").text)))
    assert rows[0] == ["country", "EDIH", "SoE", "DIH"]
    assert {r[0]: dict(zip(rows[0][1:], map(int, r[1:]), strict=True)) for r in rows[1:]} == per_country
    page = client.get("/statistics", headers=SV).text
    sweden = per_country["SE"]
    assert f"Av dem är {sweden['EDIH']} europeiska digitala innovationsnav (EDIH)" in page
    assert "Innovationsnav per land och typ" in page


@pytest.fixture(scope="module")
def lexical(demo_db):
    """Search by words alone: the new hubs have no bundled vectors yet."""
    engine = make_engine(demo_db.url)
    yield SearchService(engine, dense=False)
    engine.dispose()


def test_the_swedish_seed_need_finds_the_swedish_health_edihs(lexical):
    anywhere = [r["id"] for r in lexical.search(SEED, kind="hub", limit=10)["results"]]
    assert HDS in anywhere[:3] and DIGIT in anywhere[:10], anywhere
    sweden = [r["id"] for r in lexical.search(SEED, kind="hub", limit=5, filters=Filters(country="SE"))["results"]]
    assert {HDS, DIGIT} <= set(sweden[:3]), sweden
    south = [r["id"] for r in lexical.search(SEED, kind="hub", limit=5, filters=Filters(region="SE2"))["results"]]
    assert DIGIT in south[:2], south  # Lund, Skåne (SE224); Health Data Sweden is in Stockholm
    found = lexical.search(SEED, kind="hub", limit=3)["results"]
    reasons = [reason for r in found for reason in r["reasons"] if reason["type"] == "matched"]
    words = {t["word"] for reason in reasons for t in reason["terms"]}
    assert "hälsodata" in words  # split into hälsa + data and matched as "health data"


def test_a_hub_without_a_vector_is_still_found_by_hybrid_search(client, stored):
    hybrid = client.get("/api/v1/search", params={"q": "Health Data Sweden", "kind": "hub"}).json()["results"]
    assert hybrid[0]["id"] == HDS


def test_every_hub_is_counted_in_the_catalogue_counts(client, demo_db):
    engine = make_engine(demo_db.url)
    with Session(engine) as session:
        total = session.scalar(select(func.count()).select_from(Hub))
    engine.dispose()
    assert client.get("/api/v1/stats").json()["hubs"] == total == 701 + 457

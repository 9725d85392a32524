"""The HTML pages through real HTTP requests on the demo catalogue (SQLite and PostgreSQL):
the same library calls as the API, in Swedish and English, escaped, with friendly errors."""

from __future__ import annotations

import csv
import io
import os
import re

import pytest

from samverkan.search.reasons import why

NEED = "Vi söker partner och finansiering för att använda AI och sensordata i äldreomsorgen i vår kommun"
SV = {"Accept-Language": "sv-SE,sv;q=0.9"}
EN = {"Accept-Language": "en-GB,en;q=0.9"}


def test_results_page_shows_each_kind_with_reasons_and_links_the_api_results(client):
    page = client.get("/search", params={"q": NEED}, headers=SV)
    assert page.status_code == 200 and page.headers["content-language"] == "sv"
    api = client.get("/api/v1/search", params={"q": NEED, "limit": 5}).json()["results"]
    from samverkan.web.templating import entity_url

    for r in api:  # the page shows what the API finds, in the same order, each linked
        assert f'href="{entity_url(r["kind"], r["id"])}"' in page.text, r
    order = [page.text.index(f'href="{entity_url(r["kind"], r["id"])}"') for r in api if r["kind"] == "call"]
    assert order == sorted(order)
    for heading in ("Utlysningar att söka", "Partnerorganisationer", "Innovationsnav", "Återanvändbara lösningar"):
        assert f">{heading}</h2>" in page.text
    assert '<h3 class="part">Öppna nu</h3>' in page.text  # open now first, then opening soon
    assert page.text.count('<ul class="why">') >= 6 * 5
    assert "Matchar era ord:" in page.text and "äldreomsorgen" in page.text
    assert len(page.content) <= 300_000


def test_reasons_are_structured_in_the_api_and_match_why(client):
    results = client.get("/api/v1/search", params={"q": NEED, "limit": 3}).json()["results"]
    for r in results:
        assert r["reasons"] and why(r["reasons"]) == r["why"]
        assert all(None not in reason.values() or reason["type"] == "place" for reason in r["reasons"])


def test_language_follows_the_browser_and_an_explicit_choice_is_remembered(client):
    assert '<html lang="sv">' in client.get("/", headers=SV).text
    english = client.get("/", headers=EN).text
    assert '<html lang="en">' in english and "Describe your need" in english
    chosen = client.get("/", params={"lang": "en"}, headers=SV)
    assert "Describe your need" in chosen.text and chosen.cookies.get("lang") == "en"
    assert '<html lang="en">' in client.get("/statistics", headers=SV).text  # the cookie is kept
    client.cookies.clear()


def test_pages_are_escaped_and_sent_with_a_content_security_policy(client):
    page = client.get("/search", params={"q": "energy <script>alert(1)</script>"}, headers=EN)
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "script-src" not in page.headers["content-security-policy"]  # default-src 'self' covers it
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert "<script" not in page.text  # no script at all: the pages work without one


@pytest.mark.parametrize(
    "path",
    [
        "/calls/HORIZON-CL5-2026-09-D3-03",
        "/calls/MSCA-IF-2020",
        "/organisations/999990946",
        "/hubs/17480",
        "/platforms/living-in-eu",
        "/solutions/10556",
        "/projects/870245",
        "/projects/se-20200357",  # a Swedish ERDF/ESF project
        "/sources",
        "/regions/SE",
        "/regions/SE23",
        "/regions/SE232",
        "/municipalities/1480",
        "/statistics",
        "/statistics/regions",
        "/statistics/regions/participation",
    ],
)
def test_entity_pages_render_in_both_languages(client, path):
    for headers in (SV, EN):
        page = client.get(path, headers=headers)
        assert page.status_code == 200, page.text[-2000:]
        assert page.text.count("<h1>") == 1 and 'id="main"' in page.text


def test_a_working_group_leads_to_its_place_on_its_platforms_page(client):
    moved = client.get("/working-groups/living-in-eu/technical", follow_redirects=False)
    assert moved.status_code == 303 and moved.headers["location"] == "/platforms/living-in-eu#living-in-eu/technical"
    page = client.get(moved.headers["location"], headers=SV).text
    assert 'id="living-in-eu/technical"' in page
    assert client.get("/working-groups/no-such/group").status_code == 404


def test_call_page_shows_the_eligibility_rule_and_suggested_partners_from_the_library(client):
    page = client.get("/calls/HORIZON-CL5-2026-09-D3-03", headers=EN).text
    detail = client.get("/api/v1/calls/HORIZON-CL5-2026-09-D3-03").json()
    assert detail["eligibility"]["kind"] == "consortium" and detail["eligibility"]["text"] in page
    assert detail["partners"] and all(f'href="/organisations/{p["id"]}"' in page for p in detail["partners"])
    assert "Where the suggested partners are" in page  # the partner map
    # each partner's reasons, structured in the API and worded in the reader's language on the page
    assert all(p["reasons"] and why(p["reasons"]) == p["why"] for p in detail["partners"])
    swedish = client.get("/calls/HORIZON-CL5-2026-09-D3-03", headers=SV).text
    partners = swedish.split('id="partners-h"', 1)[1].split("</ol>", 1)[0]
    assert "Har koordinerat" in partners and "coordinated" not in partners and "projects under" not in partners


def test_organisation_page_agrees_with_its_profile_and_csv(client):
    profile = client.get("/api/v1/organisations/999990946/profile").json()
    page = client.get("/organisations/999990946", headers=EN).text
    assert profile["name"] in page
    rows = list(csv.DictReader(io.StringIO(client.get("/organisations/999990946/years.csv").text)))
    assert [int(r["projects"]) for r in rows] == [y["projects"] for y in profile["years"]]
    assert sum(int(r["projects"]) for r in rows) == sum(1 for p in profile["projects"] if p["year"])
    assert '<svg class="chart"' in page and "<title id=" in page  # the chart is named for screen readers


def test_a_large_organisation_lists_its_newest_projects_and_all_of_them_as_csv(client):
    """The page lists the 50 newest projects (a wall of hundreds helps nobody and weighs more than
    the page's budget); projects.csv has every one, in the profile's order."""
    profile = client.get("/api/v1/organisations/999997930/profile").json()
    assert len(profile["projects"]) > 50
    page = client.get("/organisations/999997930", headers=SV).text
    listed = page[page.index('aria-labelledby="projects-h"') :].split("</section>")[0]
    assert listed.count('<th scope="row">') == 50 and "Alla projekt (CSV)" in listed
    rows = list(csv.DictReader(io.StringIO(client.get("/organisations/999997930/projects.csv").text)))
    assert [r["id"] for r in rows] == [p["id"] for p in profile["projects"]]


def test_region_page_counts_what_search_places_in_it(client):
    region = client.get("/api/v1/regions/SE23").json()
    found = client.get(
        "/api/v1/search", params={"q": "university research", "kind": "organisation", "region": "SE23", "limit": 100}
    ).json()["results"]
    assert found and all(r["region"].startswith("SE23") for r in found)
    assert region["organisation_count"] >= len({r["id"] for r in found if not r["same_as"]})
    assert {c["id"] for c in region["children"]} == {"SE231", "SE232"}
    assert client.get("/api/v1/regions/SE232").json()["municipalities"][0]["name"] == "Ale kommun"
    rows = list(csv.DictReader(io.StringIO(client.get("/regions/SE23/participation.csv").text)))
    assert [int(r["participations"]) for r in rows] == [y["participations"] for y in region["participation"]]


def test_statistics_csv_matches_the_api(client):
    numbers = client.get("/api/v1/statistics").json()
    rows = list(csv.reader(io.StringIO(client.get("/statistics/hubs-per-country.csv").text)))
    assert rows[0] == ["country", "hubs"]
    assert {c: int(n) for c, n in rows[1:]} == numbers["hubs_per_country"]
    assert 0 < sum(numbers["hubs_per_country"].values()) <= client.get("/api/v1/stats").json()["hubs"]
    page = client.get("/statistics", headers=SV).text
    assert page.count('<svg class="map"') == 1 and page.count('<svg class="chart"') == 2
    assert 'href="/statistics/regions"' in page  # the NUTS 2 maps have a page of their own
    regions = client.get("/statistics/regions", headers=SV).text
    assert regions.count('<svg class="map"') == 1 and 'href="/statistics/hubs-per-region.csv"' in regions
    assert 'href="/statistics/regions/participation"' in regions
    participation = client.get("/statistics/regions/participation", headers=SV).text
    assert participation.count('<svg class="map"') == 1
    assert 'href="/statistics/participation-per-region.csv"' in participation
    assert client.get("/statistics/nothing.csv").status_code == 404


def test_unknown_entities_get_a_friendly_404_in_the_readers_language(client):
    for path in ("/calls/NO-SUCH-CALL", "/organisations/0", "/regions/ZZ9", "/no/such/page"):
        sv = client.get(path, headers=SV)
        assert sv.status_code == 404 and "Sidan finns inte" in sv.text and "Traceback" not in sv.text
    assert "Page not found" in client.get("/hubs/0", headers=EN).text
    api = client.get("/api/v1/calls/NO-SUCH-CALL")
    assert api.status_code == 404 and api.json() == {"detail": "no call with id 'NO-SUCH-CALL'", "code": "not_found"}


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"q": ""}, 400, "sökrutan är tom"),
        ({"q": "x" * 20_001}, 400, "högst 20\xa0000."),
        ({"q": "bonjour je cherche des partenaires pour un projet"}, 400, "svenska och engelska"),
        ({"q": "energi", "kind": "spaceship"}, 400, "ingen sådan resultatsida"),
        ({"q": "energi", "kind": "call", "page": "99"}, 400, "ingen sådan resultatsida"),
        ({"q": "energi", "org_type": "XYZ"}, 422, "XYZ"),
        ({"q": "energi", "region": "XX99"}, 422, "XX99"),
    ],
)
def test_bad_searches_get_a_clear_page_never_a_500(client, params, status, message):
    page = client.get("/search", params=params, headers=SV)
    assert page.status_code == status and message in page.text
    assert 'role="alert"' in page.text and "Traceback" not in page.text


def test_paging_through_one_kind(client):
    first = client.get("/search", params={"q": "energy", "kind": "organisation"}, headers=EN).text
    second = client.get("/search", params={"q": "energy", "kind": "organisation", "page": 2}, headers=EN).text
    links = re.compile(r'<h3><a href="(/organisations/[^"]+)"')
    assert len(links.findall(first)) == 10 and len(links.findall(second)) == 10
    assert not set(links.findall(first)) & set(links.findall(second))
    assert 'rel="next"' in first and 'rel="prev"' in second and '<ol class="results" start="11">' in second


def test_health_says_when_the_indexes_are_built_and_which_process_answered(client):
    core = client.app.state.samverkan
    worker = os.getpid()  # the test client runs the app in this process
    assert client.get("/api/v1/health").json() == {"status": "ok", "warm": core.warm.is_set(), "worker": worker}
    core.warm_up()
    assert client.get("/api/v1/health").json() == {"status": "ok", "warm": True, "worker": worker}


def test_a_calls_funded_projects_are_drawn_per_start_year_with_their_table(client):
    """A picture of issue 27: a call's funded projects per start year; its table sums to the
    funded count of the API."""
    detail = client.get("/api/v1/calls/MSCA-IF-2015-EF").json()
    for headers, caption in ((EN, "Funded projects per start year"), (SV, "Finansierade projekt per startår")):
        page = client.get("/calls/MSCA-IF-2015-EF", headers=headers).text
        figure = page[page.index('aria-labelledby="funded-h"') :]
        assert "<svg" in figure.split("</figure>")[0] and caption in figure
    table = figure[figure.index(caption) :].split("</table>")[0]
    counts = [int(n) for n in re.findall(r"<td[^>]*>(\d+)</td>", table)]
    assert sum(counts) == detail["funded_count"] == sum(y["projects"] for y in detail["funded_per_year"])

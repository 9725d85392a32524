"""The lists to browse (/browse, /hubs, /platforms, /working-groups, /calls, /browse/solutions,
/browse/needs) on the demo catalogue: filters narrow the rows and their counts say what choosing
gives, the CSV and JSON hold the page's rows, refused parameters are a 400 naming them, and only
published postings are listed."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest

from samverkan.accounts.actor import Actor
from samverkan.web.templating import entity_url
from tests.postings.conftest import Site, serve

SV = {"Accept-Language": "sv-SE,sv;q=0.9"}
EN = {"Accept-Language": "en-GB,en;q=0.9"}
LISTS = {
    "hub": "/hubs",
    "platform": "/platforms",
    "working_group": "/working-groups",
    "call": "/calls",
    "solution": "/browse/solutions",
    "need": "/browse/needs",
}


def linked(page: str, kind: str) -> list[str]:
    """The entity links of ``kind`` on a page, in order, each once."""
    prefix = re.escape(entity_url(kind, "x")[:-1])
    return list(dict.fromkeys(re.findall(f'href="({prefix}[^"#?]+)"', page)))


def ids_of_csv(text: str) -> list[str]:
    return [row["id"] for row in csv.DictReader(io.StringIO(text))]


@pytest.mark.parametrize("headers", [SV, EN])
def test_every_list_and_the_index_answer_in_the_readers_language(client, headers):
    index = client.get("/browse", headers=headers)
    assert index.status_code == 200
    lang = headers["Accept-Language"][:2]
    assert f'<html lang="{lang}">' in index.text
    for path in LISTS.values():
        page = client.get(path, headers=headers)
        assert page.status_code == 200 and page.headers["content-language"] == lang, path
        assert f'href="{path}"' in index.text
        assert f'href="{path}.csv"' in page.text and f'href="{path}.json"' in page.text
    assert "Bläddra i katalogen" in client.get("/browse", headers=SV).text


def test_hub_filters_narrow_the_rows_and_each_count_is_what_choosing_it_gives(client):
    everything = client.get("/hubs.json").json()
    assert everything["total"] > 500 and len(everything["results"]) == 20
    assert sum(everything["facets"]["hub_type"].values()) == everything["total"]
    swedish = client.get("/hubs.json", params={"country": "SE"}).json()
    assert 0 < swedish["total"] == everything["facets"]["country"]["SE"] < everything["total"]
    assert all(r["country"] == "SE" for r in swedish["results"])
    for name in ("hub_type", "region", "service", "technology"):  # each option, chosen with Sweden
        for value, count in list(swedish["facets"][name].items())[:4]:
            chosen = client.get("/hubs.json", params={"country": "SE", name: value, "per_page": 100}).json()
            assert chosen["total"] == count == len(chosen["results"]), (name, value)
    edih = client.get("/hubs.json", params={"country": "SE", "hub_type": "EDIH", "per_page": 100}).json()
    assert edih["total"] < swedish["total"] and {r["hub_type"] for r in edih["results"]} == {"EDIH"}
    page = client.get("/hubs", params={"country": "SE", "hub_type": "EDIH"}, headers=SV).text
    assert f"{edih['total']} träff" in page


def test_hub_counts_are_those_of_the_statistics(client):
    stats = client.app.state.samverkan.statistics()
    facets = client.get("/hubs.json").json()["facets"]
    aliases = {"UK": "GB", "EL": "GR"}
    per_country: dict[str, int] = {}
    for code, count in stats["hubs_per_country"].items():
        per_country[aliases.get(code, code)] = per_country.get(aliases.get(code, code), 0) + count
    assert facets["country"] == per_country
    assert facets["hub_type"] == {t: n for t, n in stats["hubs_per_type"].items() if n}
    assert facets["region"] == stats["hubs_per_region"]


@pytest.mark.parametrize("kind", list(LISTS))
def test_the_csv_and_json_hold_the_pages_rows(client, kind):
    path = LISTS[kind]
    params = {"page": 2, "per_page": 7}
    if kind == "hub":
        params["country"] = "DE"
    page = client.get(path, params=params, headers=EN)
    data = client.get(path + ".json", params=params).json()
    as_csv = client.get(path, params={**params, "format": "csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert client.get(path + ".csv", params=params).text == as_csv.text
    ids = [r["id"] for r in data["results"]]
    assert ids_of_csv(as_csv.text) == ids and len(ids) == min(7, max(0, data["total"] - 7))
    assert linked(page.text, kind) == [entity_url(kind, i) for i in ids]
    assert as_csv.text.splitlines()[0].startswith("id,")


def test_calls_are_open_now_or_opening_soon_as_on_the_today_setting(client):
    core = client.app.state.samverkan
    counts = core.call_counts()["programmes"]
    calls = client.get("/calls.json", params={"per_page": 100}).json()
    assert calls["facets"]["status"] == {
        s: sum(c[s] for c in counts.values()) for s in ("open", "forthcoming") if any(c[s] for c in counts.values())
    }
    assert calls["total"] == sum(calls["facets"]["status"].values())
    soon = [c["id"] for c in core.closing_soon(limit=5)]
    assert [c["id"] for c in calls["results"][:5]] == soon  # open ones, the nearest deadline first
    horizon = client.get("/calls.json", params={"programme": "horizon europe", "status": "forthcoming"}).json()
    assert horizon["total"] == counts["Horizon Europe"]["forthcoming"]
    assert {r["status"] for r in horizon["results"]} == {"forthcoming"}


def test_platforms_and_working_groups_say_what_who_and_how_to_join(client):
    sv = client.get("/platforms", headers=SV).text
    for words in ("Vad det är", "Vem den är till för", "Så går ni med", "kommuner"):
        assert words in sv
    groups = client.get("/working-groups.json", params={"platform": "joinup"}).json()
    platforms = {r["id"]: r for r in client.get("/platforms.json").json()["results"]}
    assert 0 < groups["total"] == platforms["joinup"]["working_groups"]
    assert {r["platform_id"] for r in groups["results"]} == {"joinup"}
    assert all(r["how_to_join_en"] for r in groups["results"])


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/hubs", {"country": "XX"}, "country"),
        ("/hubs", {"hub_type": "ABC"}, "hub_type"),
        ("/hubs", {"region": "SE9"}, "region"),
        ("/hubs", {"per_page": "101"}, "per_page"),
        ("/calls", {"page": "0"}, "page"),
        ("/calls", {"status": "closed"}, "status"),
        ("/calls", {"format": "xml"}, "format"),
        ("/platforms", {"audience": "x" * 300}, "audience"),
        ("/browse/solutions", {"page": "²"}, "page"),
        ("/browse/needs", {"maturity": "ancient"}, "maturity"),
    ],
)
def test_refused_parameters_are_a_400_naming_them(client, path, params, field):
    page = client.get(path, params=params, headers=SV)
    assert page.status_code == 400 and (f"({field})" in page.text or f"{field} måste" in page.text)
    assert '<html lang="sv">' in page.text
    if field != "format":
        data = client.get(path + ".json", params=params)
        assert data.status_code == 400 and data.json()["field"] == field
        assert client.get(path + ".csv", params=params).status_code == 400


@pytest.fixture(scope="module")
def site(databases, demo_db, client) -> Iterator[Site]:
    """The app on a writable copy of the demo. PostgreSQL copies a database only while nobody is
    connected to it: the module's read-only app lets go of its idle connections first."""
    client.app.state.samverkan.engine.dispose()
    copy = databases.copy(demo_db.url)
    try:
        yield from serve(copy)
    finally:
        databases.drop(copy)


def test_only_published_postings_are_listed(site: Site):
    one, other = site.organisation("Region Östergötland"), site.organisation("Kommun B")
    a, b = Actor.token(one.id, "admin"), Actor.token(other.id, "admin")
    text = {"text": "Vi vill använda AI i äldreomsorgen.", "region": "SE123"}
    shown = site.core.postings.create(a, "need", {"title": "Synligt behov", "status": "published", **text})
    site.core.postings.create(a, "need", {"title": "Hemligt utkast", **text})
    gone = site.core.postings.create(b, "need", {"title": "Tillbakadraget behov", "status": "published", **text})
    site.core.postings.withdraw(b, "need", gone["id"])
    solution = site.core.postings.create(b, "solution", {"title": "Publicerad lösning", "status": "published", **text})
    site.core.postings.create(b, "solution", {"title": "Lösningsutkast", **text})
    _, member, _ = site.person(one)  # a member of the draft's organisation sees nothing more here
    for headers in ({}, member):
        needs = site.client.get("/browse/needs.json", headers=headers).json()
        assert [r["id"] for r in needs["results"]] == [shown["id"]]
        page = site.client.get("/browse/needs", headers=headers).text
        assert "Synligt behov" in page and "Hemligt utkast" not in page and "Tillbakadraget" not in page
        published = site.client.get("/browse/solutions.json", params={"source": "published"}, headers=headers).json()
        assert [r["id"] for r in published["results"]] == [solution["id"]]
        everything = site.client.get("/browse/solutions.csv", params={"per_page": 100}, headers=headers).text
        assert "Lösningsutkast" not in everything
    assert site.client.get("/browse/needs.json", params={"region": "SE12"}).json()["total"] == 1


@pytest.mark.parametrize("path", list(LISTS.values()))
def test_odd_values_are_a_400_or_nothing_never_a_500(client, path):
    kind = next(k for k, p in LISTS.items() if p == path)
    from samverkan.catalogue.listing import LISTINGS

    names = [f.name for f in LISTINGS[kind].facets] + ["page", "per_page", "format"]
    for name in names:
        for value in ("%", "😀", " ", "SE\n", "-1", "1.5", "[]", "<script>", "\u202e"):
            answer = client.get(path + ".json", params={name: value})
            assert answer.status_code in (200, 400), (name, value)
            if answer.status_code == 400:
                assert answer.json()["field"] == name


def test_the_call_list_says_how_current_its_calls_are(client):
    """Statuses are computed for `today` from a snapshot of the portal: the list says of when."""
    page = client.get("/calls", headers=EN).text
    assert re.search(r"Calls as of [^<]+\.|The calls are from [^<]+ days ago", page), "no date of the calls"
    assert "Calls as of" not in client.get("/hubs", headers=EN).text
    assert re.search(r"Utlysningarna gäller per [^<]+\.|Utlysningarna är från", client.get("/calls", headers=SV).text)

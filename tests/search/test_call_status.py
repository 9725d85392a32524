"""A call's status is computed for a day from its dates; search, the API and the pages offer by
default what one can still apply to (open now, then opening soon), never a passed deadline."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re

import pytest
from fastapi.testclient import TestClient

from samverkan.catalogue.calls import timing
from samverkan.settings import load_settings
from samverkan.web import create_app
from tests.conftest import SHARED, TESTSERVER

D = dt.date
TODAY = D(2026, 12, 4)


@pytest.mark.parametrize(
    ("portal", "deadlines", "opening", "status", "next_deadline"),
    [
        ("forthcoming", [D(2027, 3, 1)], D(2027, 1, 10), "forthcoming", D(2027, 3, 1)),
        ("forthcoming", [D(2027, 3, 1)], D(2026, 11, 1), "open", D(2027, 3, 1)),  # it has opened since
        ("open", [D(2026, 9, 16)], None, "closed", None),  # exported as open in August, passed since
        ("open", [D(2026, 12, 4)], None, "open", D(2026, 12, 4)),  # the deadline day itself is open
        ("open", [D(2026, 10, 1), D(2027, 2, 1)], D(2026, 6, 1), "open", D(2027, 2, 1)),  # two stages
        ("open", [D(2026, 10, 1), D(2026, 11, 1)], D(2026, 6, 1), "closed", None),
        ("forthcoming", [D(2027, 3, 1)], None, "forthcoming", D(2027, 3, 1)),  # opening unknown: the portal
        ("closed", [], None, "closed", None),  # no dates: the portal decides
        ("closed", [D(2027, 3, 1)], D(2026, 6, 1), "closed", None),  # withdrawn before its deadline
        ("open", [], None, "open", None),
    ],
)
def test_the_status_of_today_comes_from_the_dates(portal, deadlines, opening, status, next_deadline):
    found = timing(TODAY, portal, deadlines, opening)
    assert (found.status, found.next_deadline) == (status, next_deadline)
    if next_deadline is not None:
        assert found.days_left == (next_deadline - TODAY).days
    if status == "forthcoming" and opening is not None:
        assert found.opens_in == (opening - TODAY).days


@pytest.fixture(scope="module")
def december(demo_db):
    """The app on the demo catalogue on 4 December 2026, months after the portal's export."""
    app = create_app(load_settings(db=demo_db.url, public_url=TESTSERVER, today=TODAY))
    with TestClient(app) as client:
        yield client
    app.state.samverkan.close()


def _needs() -> list[str]:
    path = SHARED.parent / "eval" / "needs-sv-external.jsonl"
    if not path.is_file():
        pytest.skip(f"needs the needs written outside the team at {path}")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["need_sv"] for r in rows[:10]] + [r["need_en"] for r in rows[:10]]


def test_default_results_never_offer_a_passed_deadline(december):
    needs = _needs()
    offered = 0
    for need in needs:
        answer = december.get("/api/v1/search", params={"q": need, "kind": "call", "limit": 20}).json()
        assert answer["today"] == "2026-12-04" and answer["status"] == "current"
        for call in answer["results"]:
            offered += 1
            assert call["status"] in ("open", "forthcoming"), call["id"]
            assert call["deadline"] is None or call["deadline"] >= "2026-12-04", call
            assert call["days_left"] is None or call["days_left"] >= 0
        statuses = [c["status"] for c in answer["results"]]
        assert statuses == sorted(statuses, key=lambda s: s != "open")  # open now first
    closed = december.get("/api/v1/search", params={"q": needs[0], "kind": "call", "status": "closed"}).json()
    assert closed["results"] and all(c["status"] == "closed" for c in closed["results"])
    assert all(c["deadline"] is None or c["deadline"] < "2026-12-04" for c in closed["results"])
    assert offered > 0  # the August export still has calls to apply for in December, and none passed


def test_pages_show_the_status_of_the_day(december):
    page = december.get(
        "/search",
        params={"q": "ERC proof of concept", "kind": "call", "status": "closed"},
        headers={"Accept-Language": "sv"},
    )
    assert page.status_code == 200 and "stängd" in page.text
    assert "passerades för" in page.text  # a closed call says its deadline passed, and when
    call = december.get("/api/v1/calls/ERC-2026-POC").json()
    assert call["status"] == "closed" and call["days_left"] is None
    html = december.get("/calls/ERC-2026-POC", headers={"Accept-Language": "sv"}).text
    assert re.search(
        r"<dt[^>]*>Status</dt><dd[^>]*>\s*<strong class=\"govuk-tag govuk-tag--grey status closed\">stängd", html
    )
    assert html.count("Sista dag") <= 1  # the deadline is labelled once
    home = december.get("/", headers={"Accept-Language": "sv"}).text
    deadlines = re.findall(r'<time datetime="(\d{4}-\d{2}-\d{2})"', home)
    assert all(d >= "2026-12-04" for d in deadlines)  # "closing soon" lists no passed deadline


def test_a_command_counts_calls_open_today_and_opening_later_per_programme(demo_db, demo_dir, monkeypatch):
    from click.testing import CliRunner

    from samverkan.cli import main

    monkeypatch.setenv("SAMVERKAN_TODAY", "2026-12-04")
    result = CliRunner().invoke(main, ["--db", demo_db.url, "calls", "--json"], catch_exceptions=False)
    counts = json.loads(result.output)
    assert counts["today"] == "2026-12-04"
    programmes = counts["programmes"]
    expected = _open_and_opening_from_the_files(demo_dir, dt.date(2026, 12, 4))
    assert sum(row["open"] for row in programmes.values()) == expected["open"] > 0
    assert sum(row["forthcoming"] for row in programmes.values()) == expected["forthcoming"] > 0
    assert programmes["Horizon 2020"]["open"] == programmes["Horizon 2020"]["forthcoming"] == 0
    august = CliRunner().invoke(main, ["--db", demo_db.url, "calls"], env={"SAMVERKAN_TODAY": "2026-08-12"})
    assert "calls on 2026-08-12" in august.output and "Horizon Europe" in august.output


def _open_and_opening_from_the_files(demo_dir, today):
    """An oracle read straight from the bundled files: each topic's dates from its newest record
    (the export counts as of 2026-08-12 and has no opening dates), open if it has opened and its
    last deadline is ahead, forthcoming if it opens later."""
    newest: dict[str, tuple[str, dict]] = {}
    for path in sorted((demo_dir / "calls").glob("*.jsonl.gz")):
        for line in gzip.open(path, "rt", encoding="utf-8"):
            row = json.loads(line)
            if "identifier" in row:
                code, said = row["identifier"], row["snapshot"][:10]
                dates = {"opening": (row["startDate"] or "")[:10], "deadline": (row["deadlineDate"] or "")[:10]}
            else:
                code, said = row["topicId"], "2026-08-12"
                dates = {"deadline": row.get("deadline") or ""}
            held = newest.get(code, ("", {}))
            merged = (
                {**held[1], **{k: v for k, v in dates.items() if v}}
                if said >= held[0]
                else {
                    **{k: v for k, v in dates.items() if v},
                    **held[1],
                }
            )
            newest[code] = (max(said, held[0]), merged)
    day = today.isoformat()
    counts = {"open": 0, "forthcoming": 0}
    for _, dates in newest.values():
        if dates.get("opening") and dates["opening"] > day:
            counts["forthcoming"] += 1
        elif dates.get("opening") and (dates.get("deadline") or "9999") >= day:  # no deadline: open for good
            counts["open"] += 1
    return counts


def test_every_answer_and_results_page_says_how_current_the_calls_are(december, demo_db):
    answer = december.get("/api/v1/search", params={"q": "hydrogen", "kind": "call"}).json()
    fresh = answer["calls_as_of"]
    assert fresh["as_of"] == "2026-08-22"  # the newest snapshot of the bundled search-API records
    assert fresh["days_old"] == (TODAY - D(2026, 8, 22)).days == 104 and fresh["stale"] is True
    grouped = december.get("/api/v1/search", params={"q": "hydrogen"}).json()
    assert grouped["calls_as_of"] == fresh
    assert "calls_as_of" not in december.get("/api/v1/search", params={"q": "hydrogen", "kind": "hub"}).json()
    page = december.get("/search", params={"q": "vätgas"}, headers={"Accept-Language": "sv"}).text
    assert "Utlysningarna är från" in page and "för 104 dagar sedan" in page  # older than 30 days: said plainly
    august = create_app(load_settings(db=demo_db.url, public_url=TESTSERVER, today=D(2026, 8, 30)))
    with TestClient(august) as client:
        page = client.get("/search", params={"q": "hydrogen"}, headers={"Accept-Language": "en"}).text
        assert "Calls as of" in page and "days ago: deadlines" not in page  # 8 days old: no warning
    august.state.samverkan.close()


def test_the_sources_say_what_they_hold_and_how_current_their_data_is(december):
    listed = december.get("/api/v1/sources").json()
    by_name = {s["name"]: s for s in listed["sources"]}
    assert by_name["calls"]["data_as_of"] == "2026-08-22" and by_name["calls"]["days_old"] == 104
    assert by_name["calls"]["holds"]["calls"] == 1186 and by_name["calls"]["method"] == "import"
    assert by_name["cordis"]["holds"]["projects"] > 0
    assert by_name["hubs"]["data_as_of"] is None  # the JRC catalogue says not when: never invented
    page = december.get("/sources", headers={"Accept-Language": "sv"}).text
    assert "Katalogens källor" in page and "anges inte av källan" in page and "104 dagar gamla" in page


def test_a_call_page_shows_its_opening_every_deadline_and_its_sources(december):
    call = december.get("/api/v1/calls/EuropeAid/167264/DD/ACT/Multi").json()  # a code with slashes
    assert call["status"] == "open" and call["deadline"] is None and call["opening"] == "2019-11-19"
    detail = december.get("/api/v1/calls/ERC-2026-POC").json()
    assert {s["feed"] for s in detail["sources"]} == {"ft-export", "ft-search"}
    assert detail["as_of"].startswith(max(s["as_of"] for s in detail["sources"])[:10])
    html = december.get("/calls/ERC-2026-POC", headers={"Accept-Language": "sv"}).text
    assert "Öppnar" in html and "Som portalen angav den" in html

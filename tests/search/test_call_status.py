"""A call's status is computed for a day from its dates; search, the API and the pages offer by
default what one can still apply to (open now, then opening soon), never a passed deadline."""

from __future__ import annotations

import datetime as dt
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
    assert re.search(r"<dt>Status</dt><dd>\s*<span class=\"status closed\">stängd", html)
    assert html.count("Sista dag") <= 1  # the deadline is labelled once
    home = december.get("/", headers={"Accept-Language": "sv"}).text
    deadlines = re.findall(r'<time datetime="(\d{4}-\d{2}-\d{2})"', home)
    assert all(d >= "2026-12-04" for d in deadlines)  # "closing soon" lists no passed deadline


def test_a_command_counts_calls_open_today_and_opening_later_per_programme(demo_db, monkeypatch):
    from click.testing import CliRunner

    from samverkan.cli import main

    monkeypatch.setenv("SAMVERKAN_TODAY", "2026-12-04")
    result = CliRunner().invoke(main, ["--db", demo_db.url, "calls", "--json"], catch_exceptions=False)
    counts = json.loads(result.output)
    assert counts["today"] == "2026-12-04"
    programmes = counts["programmes"]
    assert sum(row["open"] for row in programmes.values()) == 7  # of the August export, still open in December
    assert programmes["Horizon 2020"]["open"] == programmes["Horizon 2020"]["forthcoming"] == 0
    august = CliRunner().invoke(main, ["--db", demo_db.url, "calls"], env={"SAMVERKAN_TODAY": "2026-08-12"})
    assert "calls on 2026-08-12" in august.output and "Horizon Europe" in august.output

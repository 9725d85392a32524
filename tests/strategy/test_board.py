"""The demo strategy board (Västra Götaland's "Västsvensk kraftsamling digitalisering", from
its newsletters nr 2 and nr 8) as JSON, as pages in Swedish and English, and on the command line."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from samverkan.cli import main
from samverkan.db.community import Decision, FocusArea, Initiative, InitiativeUpdate, Newsletter, Posting, Strategy
from samverkan.db.dataspace import Tenant
from samverkan.strategy.amounts import amount_text
from samverkan.strategy.demo import load_demo_strategy
from tests.strategy.conftest import SLUG

AREAS = [
    "Näringslivets digitala transformation",
    "Digital kompetens och lärande",
    "Säker och hållbar digital infrastruktur",
    "Offentlig sektors digitala transformation",
    "Invånarnas digitala delaktighet och tillit",
]
NR8 = "nr 8, september 2023"
NR2 = "nr 2, december 2021"


def _initiatives(board: dict) -> dict[str, dict]:
    found = [i for a in board["focus_areas"] for p in (a, *a["sub_areas"]) for i in p["initiatives"]]
    return {i["title"]: i for i in found + board["unassigned"]}


def test_the_board_holds_the_five_focus_areas_and_the_facts_of_the_newsletters(board_client):
    board = board_client.get(f"/api/v1/strategies/{SLUG}?opportunities=0").json()
    assert board["organisation"] == {"organisation": "vgr", "name": "Västra Götalandsregionen"}
    assert (board["region"], board["region_name"], board["language"]) == ("SE232", "Västra Götalands län", "sv")
    assert [a["name"] for a in board["focus_areas"]] == AREAS
    assert [len(a["sub_areas"]) for a in board["focus_areas"]] == [2, 1, 2, 1, 2]
    open_data = board["focus_areas"][3]["sub_areas"][0]
    assert open_data["description"] == "Fokus på öppna och delade data som främjar innovation och tjänsteutveckling."
    assert open_data["source"].endswith(NR2 + ": delområden i fokus inför 2022")
    initiatives = _initiatives(board)
    assert len(initiatives) == 17 and board["progress"]["total"] == 17
    industry = initiatives["Industry in West"]
    assert (industry["status"], industry["budget"], industry["currency"]) == ("planned", 34600000, "SEK")
    assert industry["owner"] == {"organisation": None, "name": "IDC och fyra IUC-bolag"}
    (decision,) = industry["decisions"]
    assert (decision["body"], decision["document"], decision["document_url"]) == (
        "Miljö- och regionutvecklingsnämnden",
        "3369318.PDF",
        None,
    )  # the seeds' links are placeholders: the number is kept, no address is made up
    assert decision["on"] == "2023-09-05" and NR8 in decision["source"]
    open_data = initiatives["Regional samverkan öppna data"]
    assert "30 kommuner" in open_data["latest_update"]["text"] and NR8 in open_data["latest_update"]["source"]
    workshop = initiatives["Nationella dataverkstaden"]
    assert [u["on"] for u in workshop["updates"]] == ["2023-09-05", "2021-12-15"]  # newest first
    assert workshop["owner"] == {"organisation": "vgr", "name": "Västra Götalandsregionen"}
    mik = initiatives["MIK – medie- och informationskunnighet"]
    assert mik["focus_area_id"] == board["focus_areas"][4]["sub_areas"][1]["id"]
    assert sorted(d["title"] for d in board["decisions"])[:2] == ["Exportcenter Väst", "Industry in West"]
    assert sum(d["amount"] for d in board["decisions"]) == 34.6e6 + 4.9e6 + 6.5e6 + 13.5e6 + 7.1e6 + 0.3e6 + 21e6
    assert board["focus_areas"][0]["progress"] == {"planned": 5, "ongoing": 3, "completed": 0, "paused": 0, "total": 8}
    assert board["last_newsletter"]["number"] == 8 and board["since"] == "2023-09-05"
    assert board["changes"] == {"updates": [], "decisions": []}  # nothing after nr 8 in the sources
    since = board_client.get(f"/api/v1/strategies/{SLUG}?opportunities=0&since=2023-01-01").json()
    assert len(since["changes"]["decisions"]) == 6 and len(since["changes"]["updates"]) == 12
    assert board["permissions"] == {"define": False, "edit": False, "update": False}


def test_ten_initiatives_are_described_by_published_swedish_needs(board_client):
    board = board_client.get(f"/api/v1/strategies/{SLUG}?opportunities=0").json()
    described = [i for i in _initiatives(board).values() if i["need_id"] is not None]
    assert len(described) == 10
    engine = board_client.app.state.samverkan.engine
    with Session(engine) as session:
        vgr = session.scalar(select(Tenant.id).where(Tenant.slug == "vgr"))
        for initiative in described:
            need = session.get_one(Posting, initiative["need_id"])
            assert (need.kind, need.status, need.language, need.region, need.tenant_id) == (
                "need", "published", "sv", "SE232", vgr,
            )  # fmt: skip
            assert need.focus_areas and need.focus_areas[0] in AREAS
            assert need.title == initiative["need_title"] and len(need.text) > 60


def test_each_initiative_and_focus_area_shows_opportunities_with_reasons(board_client):
    board = board_client.get(f"/api/v1/strategies/{SLUG}").json()
    today = board["today"]
    for area in board["focus_areas"]:
        found = area["opportunities"]
        assert set(found) == {"calls", "partners", "hubs", "platforms", "solutions", "needs"}
        assert found["calls"] and found["hubs"] and found["partners"], area["name"]
        for initiative in area["initiatives"] + [i for s in area["sub_areas"] for i in s["initiatives"]]:
            for call in initiative["opportunities"]["calls"]:
                assert call["status"] in ("open", "forthcoming") and call["why"]
                assert call["deadline"] is None or call["deadline"][:10] >= today
                # every call here opened after nr 8 (September 2023) or opens later
                assert call["new"] is (call["status"] == "open" and call["opening"] is not None)
        # the strategy's own organisation is never proposed as its partner
        assert "999651640" not in [p["id"] for p in found["partners"]]


def test_the_board_page_in_swedish_and_english(board_client):
    sv = board_client.get(f"/strategies/{SLUG}?lang=sv")
    assert sv.status_code == 200 and sv.headers["content-language"] == "sv"
    for text in (*AREAS, "Läget per fokusområde", "34,6 miljoner kr", "3369318.PDF", "Industry in West", "planerat"):
        assert text in sv.text, text
    assert "Vad som hänt sedan 5 sep. 2023" in sv.text
    assert "Utlysningarna gäller per den 22 aug. 2026." in sv.text  # how current the matched calls are
    en = board_client.get(f"/strategies/{SLUG}?lang=en")
    assert en.status_code == 200 and en.headers["content-language"] == "en"
    for text in (
        "Progress per focus area",
        "SEK 34.6 million",
        "What changed since Sep 5, 2023",
        "planned",
        "Calls as of Aug 22, 2026.",
    ):
        assert text in en.text, text
    assert '<h1 lang="sv">Västsvensk kraftsamling digitalisering</h1>' in en.text  # its own language, marked
    listed = board_client.get("/strategies?lang=sv")
    assert listed.status_code == 200 and f'href="/strategies/{SLUG}"' in listed.text


def test_an_initiative_page_and_its_json(board_client):
    board = board_client.get(f"/api/v1/strategies/{SLUG}?opportunities=0").json()
    mik = _initiatives(board)["MIK – medie- och informationskunnighet"]
    shown = board_client.get(f"/api/v1/strategies/{SLUG}/initiatives/{mik['id']}").json()
    assert shown["focus_area"]["name"] == "Medie- och informationskunnighet (MIK)"
    assert len(shown["opportunities"]["calls"]) == 5 and shown["opportunities"]["hubs"]
    page = board_client.get(f"/strategies/{SLUG}/initiatives/{mik['id']}?lang=sv")
    assert page.status_code == 200
    assert (
        "26 oktober" in page.text
        and "Matchande möjligheter" in page.text
        and f'href="/needs/{mik["need_id"]}"' in page.text
    )
    assert board_client.get(f"/strategies/{SLUG}/initiatives/999999").status_code == 404


def test_the_sent_numbers_are_archived(board_client):
    listed = board_client.get(f"/api/v1/strategies/{SLUG}/newsletters").json()["newsletters"]
    assert [(n["number"], n["status"]) for n in listed] == [(8, "sent"), (2, "sent")]
    nr8 = board_client.get(f"/api/v1/strategies/{SLUG}/newsletters/8").json()
    assert nr8["sent_at"].startswith("2023-09-05") and nr8["title"].endswith("nr 8 September 2023")
    sections = {s["key"]: s["items"] for s in nr8["content"]["sections"]}
    assert [d["title"] for d in sections["decisions"]][0] == "Industry in West" and len(sections["decisions"]) == 6
    assert len(sections["status"]) == 12 and sections["notes"]
    page = board_client.get(f"/strategies/{SLUG}/newsletters/8?lang=sv")
    assert page.status_code == 200
    for text in (
        "Statusuppdatering",
        "Industry in West",
        "34,6 miljoner kr",
        "300\u00a0000 kr",
        "3384044.PDF",
        "Utblick EU",
    ):
        assert text in page.text, text
    nr2 = board_client.get(f"/strategies/{SLUG}/newsletters/2?lang=sv")
    assert "21 miljoner kr" in nr2.text and "Högskolan i Skövde" in nr2.text
    assert board_client.get(f"/strategies/{SLUG}/newsletters/5").status_code == 404
    archive = board_client.get(f"/strategies/{SLUG}/newsletters?lang=sv")
    assert "logga in för att prenumerera" in archive.text


def test_loading_the_demo_again_writes_nothing(board_client):
    engine = board_client.app.state.samverkan.engine
    tables = (Strategy, FocusArea, Initiative, InitiativeUpdate, Decision, Newsletter, Posting, Tenant)

    def counts() -> list[int]:
        with Session(engine) as session:
            return [session.scalar(select(func.count()).select_from(t)) or 0 for t in tables]

    before = counts()
    with Session(engine) as session, session.begin():
        assert load_demo_strategy(session) is None
    assert counts() == before
    assert before == [1, 13, 17, 19, 7, 2, 10, 1]


def test_the_command_line_lists_and_shows(demo_strategy_module):
    runner = CliRunner()
    listed = runner.invoke(main, ["--db", demo_strategy_module, "strategy", "list"])
    assert listed.exit_code == 0 and SLUG in listed.output and "17 initiatives" in listed.output
    shown = runner.invoke(main, ["--db", demo_strategy_module, "strategy", "show", SLUG])
    assert shown.exit_code == 0 and "Industry in West (planned, 34,6 miljoner kr)" in shown.output
    as_json = runner.invoke(
        main, ["--db", demo_strategy_module, "strategy", "show", SLUG, "--json", "--opportunities", "0"]
    )
    assert json.loads(as_json.output)["focus_areas"][0]["name"] == AREAS[0]
    missing = runner.invoke(main, ["--db", demo_strategy_module, "strategy", "show", "finns-inte"])
    assert missing.exit_code == 1 and "no strategy 'finns-inte'" in missing.output


def test_amounts_are_written_as_the_newsletter_writes_them():
    assert amount_text(34_600_000, "SEK") == "34,6 miljoner kr"
    assert amount_text(21_000_000, "SEK") == "21 miljoner kr"
    assert amount_text(1_000_000, "SEK") == "1 miljon kr"
    assert amount_text(300_000, "SEK") == "300\u00a0000 kr"
    assert amount_text(1_250_000_000, "EUR") == "1,25 miljarder euro"
    assert amount_text(34_650_000, "SEK", "en") == "SEK 34.65 million"
    assert amount_text(300_000, "SEK", "en") == "SEK 300,000"
    assert amount_text(None, "SEK") == ""


def test_the_board_draws_its_progress_per_focus_area_beside_the_table(board_client):
    board = board_client.get(f"/strategies/{SLUG}").text
    progress = board[board.index('aria-labelledby="progress-h"') :].split("</section>")[0]
    assert "<figure><svg" in progress and "<table" in progress
    areas = board_client.get(f"/api/v1/strategies/{SLUG}?opportunities=0").json()["focus_areas"]
    assert progress.count("<rect") >= sum(1 for a in areas if a["progress"]["total"])

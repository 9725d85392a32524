"""The consortium builder's page: the team the API proposes, in the reader's language, with its
checks, and the JSON kept for machines."""

from __future__ import annotations

import html
import re

SV = {"Accept-Language": "sv-SE,sv;q=0.9"}
EN = {"Accept-Language": "en-GB,en;q=0.9"}
CALL = "/calls/HORIZON-CL5-2026-09-D3-03"


def team_link(client) -> str:
    page = client.get(CALL, headers=EN).text
    found = re.search(r'href="(/consortium\?[^"]+)"', page)
    assert found, "the call page links the builder's page, not raw JSON"
    assert re.search(r'href="/api/v1/consortium\?[^"]+" type="application/json"', page)
    return html.unescape(found.group(1))


def test_the_page_shows_the_apis_team_with_roles_countries_and_checks(client):
    link = team_link(client)
    answer = client.get("/api/v1" + link).json()
    for headers, words in ((EN, ("lead", "passes", "Checks")), (SV, ("ledande", "uppfylls", "Kontroller"))):
        page = client.get(link, headers=headers)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        text = page.text
        assert all(f'href="/organisations/{m["id"]}"' in text for m in answer["members"])
        assert text.count("<tr>") == len(answer["members"]) + 1  # a row per member, and the header
        assert all(w in text for w in words)
        assert text.count("<li><strong>") == len(answer["checks"])
        assert 'type="application/json"' in text and "/api/v1/consortium?" in text
    swedish = client.get(link, headers=SV).text
    assert "Tyskland" in swedish and "minst 3 olika medlemsstater eller associerade länder" in swedish
    assert "at least 3 different" not in swedish  # the API's English check is worded again
    assert "insatsen bygger på forskning" in swedish and "builds on research" not in swedish


def test_bad_questions_get_a_clear_page_never_a_500(client):
    link = team_link(client)
    assert client.get(link + "&size=99", headers=SV).status_code == 422
    assert client.get("/consortium", params={"call": "HORIZON-CL5-2026-09-D3-03"}).status_code == 422
    missing = client.get("/consortium", params={"call": "HORIZON-CL5-2026-09-D3-03", "lead": "0"}, headers=SV)
    assert missing.status_code == 404 and "Traceback" not in missing.text


def test_a_page_with_invalid_parameters_names_each_in_the_readers_language(client):
    """A page's 422 names the parameter and says what is wrong without pydantic's English."""
    swedish = client.get("/consortium", params={"call": "HORIZON-CL5-2026-09-D3-03"}, headers=SV)
    assert swedish.status_code == 422 and "lead: krävs" in swedish.text and "Field required" not in swedish.text
    english = client.get(
        "/consortium", params={"call": "HORIZON-CL5-2026-09-D3-03", "lead": "1", "size": "x"}, headers=EN
    )
    assert english.status_code == 422 and "size: must be a whole number" in english.text


def test_script_in_the_parameters_comes_back_escaped_or_not_at_all(client):
    evil = "<script>alert(1)</script>"
    for params in ({"call": evil, "lead": "999997930"}, {"call": "HORIZON-CL5-2026-09-D3-03", "lead": evil}):
        answer = client.get("/consortium", params=params, headers=SV)
        assert 400 <= answer.status_code < 500 and evil not in answer.text
    listed = client.get("/hubs", params={"service": evil}, headers=SV)
    assert listed.status_code == 400 and evil not in listed.text

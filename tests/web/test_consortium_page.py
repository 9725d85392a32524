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


def test_every_check_code_and_role_reason_is_worded_in_swedish_from_its_code():
    """The page words the builder's checks from ``code`` and ``params``, never from its English:
    each known code in Swedish (no ``lang="en"`` but on the call's own words), an unknown one kept
    in the builder's English, marked."""
    from samverkan.match.consortium_checks import check
    from samverkan.web.templating import environment
    from samverkan.web.views.consortium import word_check

    country = environment("sv").filters["country"]
    research = {"need": "research", "types": ["HES", "REC"]}
    industry = {"need": "industry", "types": ["PRC"]}
    cases = [
        (check("min_entities", True, num=3, counted=3, members=4),
         "minst 3 oberoende juridiska personer från stödberättigade länder", "3 av 4 medlemmar räknas", None),
        (check("min_countries", False, num=3, countries=["DE", "DK"]),
         "minst 3 olika medlemsstater eller associerade länder", "Tyskland, Danmark", None),
        (check("min_countries", False, num=3, countries=[]),
         "minst 3 olika medlemsstater eller associerade länder", "inga", None),
        (check("min_member_states", True, num=1, countries=["SE"]), "minst 1 i EU:s medlemsstater", "Sverige", None),
        (check("restricted_countries", False, outside=["ACME Ltd"], restriction="limited to Member States"),
         "bara organisationer från de länder utlysningen tillåter", "utanför: ACME Ltd", None),
        (check("restricted_countries", True, outside=[], restriction="limited to Member States"),
         "bara organisationer från de länder utlysningen tillåter", "limited to Member States", "en"),
        (check("further_condition", None, text="one partner must be a port"),
         "ytterligare ett villkor i utlysningen, att kontrollera för hand", "one partner must be a port", "en"),
        (check("role", True, **research, why={"code": "research_action"}),
         "en partner för forskning (lärosäte, forskningsorganisation)", "insatsen bygger på forskning", None),
        (check("role", True, **industry, why={"code": "innovation_action"}),
         "en partner för näringslivet (företag)", "innovationsinsatser för ut resultaten på marknaden", None),
        (check("role", True, **industry, why={"code": "industry_words", "count": 4}),
         "en partner för näringslivet (företag)", "utlysningen talar om industri eller företag (4 gånger)", None),
        (check("role", False, need="public", types=["PUB"], why={"code": "public_words", "words": ["cities"]}),
         "en partner för offentlig sektor (offentlig organisation)",
         'utlysningen talar om <span lang="en">cities</span>', None),
        (check("sme", True),
         "minst ett litet eller medelstort företag", "utlysningen förväntar sig näringslivet", None),
        (check("themes_covered", False, covered=2, themes=3, missing=["offshore wind"]),
         "utlysningens teman täcks av tidigare arbete", "2 av 3 täckta", None),
        (check("members_on_topic", False, near=3, members=4, far=["ACME AB"]),
         "varje medlem har tidigare arbete nära utlysningens ämne", "3 av 4 medlemmar", None),
        (check("independent", None), "medlemmarna är oberoende av varandra",
         "samverkan slår ihop dubbletter av en organisation men kan inte se ägande eller kontroll", None),
    ]  # fmt: skip
    for made, text, detail, detail_lang in cases:
        worded = word_check(made, "sv", country)
        assert (worded["text"], worded["text_lang"]) == (text, None), made
        assert (str(worded["detail"]), worded["detail_lang"]) == (detail, detail_lang), made
        assert worded["ok"] is made["ok"]
    themes = word_check(cases[12][0], "sv", country)
    far = word_check(cases[13][0], "sv", country)
    assert themes["missing"] == "offshore wind" and far["far"] == "ACME AB"
    unknown = {"kind": "balance", "check": "a new check", "ok": True, "detail": "why", "code": "new", "params": {}}
    assert word_check(unknown, "sv", country) == {
        "ok": True, "text": "a new check", "text_lang": "en", "detail": "why", "detail_lang": "en"
    }  # fmt: skip
    new_reason = check("role", True, **research, why={"code": "research_action"}) | {
        "params": {**research, "why": {"code": "new_reason"}}
    }
    assert word_check(new_reason, "sv", country)["detail_lang"] == "en"


def test_a_role_the_call_needs_for_its_public_words_is_worded_in_swedish_around_the_calls_words(client):
    link = "/consortium?call=HORIZON-CL2-2026-01-DEMOCRACY-02&lead=999990946"
    answer = client.get("/api/v1" + link).json()
    public = next(c for c in answer["checks"] if c["code"] == "role" and c["params"]["need"] == "public")
    words = ", ".join(public["params"]["why"]["words"])
    swedish = client.get(link, headers=SV).text
    assert f'utlysningen talar om <span lang="en">{html.escape(words)}</span>' in swedish
    assert "the call speaks of" not in swedish and "partner for" not in swedish
    # no check of a known code is kept in English: only the call's own words are marked
    quoted = {words} | {", ".join(c["params"]["missing"]) for c in answer["checks"] if c["code"] == "themes_covered"}
    quoted |= {c["detail"] for c in answer["checks"] if c["code"] in ("restricted_countries", "further_condition")}
    checks = swedish.split('id="checks-h"', 1)[1].split("</ul>", 1)[0]
    for marked in re.findall(r'<span lang="en">([^<]*)</span>', checks):
        assert html.unescape(marked) in quoted, marked


def test_words_quoted_in_a_role_reason_are_escaped_where_the_page_builds_markup():
    """The one place the page builds HTML itself (a role reason around the call's own words)
    escapes them; every other detail is plain text for the autoescaping template."""
    from samverkan.match.consortium_checks import check
    from samverkan.web.templating import environment
    from samverkan.web.views.consortium import word_check

    country = environment("sv").filters["country"]
    evil = '<script>alert(1)</script>"'
    made = check("role", False, need="public", types=["PUB"], why={"code": "public_words", "words": [evil]})
    detail = str(word_check(made, "sv", country)["detail"])
    assert "<script>" not in detail and "&lt;script&gt;alert(1)&lt;/script&gt;&#34;" in detail
    outside = word_check(check("restricted_countries", False, outside=[evil], restriction="x"), "sv", country)
    assert not hasattr(outside["detail"], "__html__")  # plain text: the template escapes it

"""The pages of needs and solutions: escaped everywhere, drafts hidden from other organisations,
forms protected by CSRF, and the owner's journey (publish, edit, withdraw) and another
organisation's "we are interested", in Swedish and English."""

from __future__ import annotations

import re

from tests.postings.conftest import Site

SCRIPT = "<script>alert('x')</script>"
ESCAPED = "&lt;script&gt;"


def _no_script(html: str) -> None:
    assert "<script" not in html.lower()


def test_script_in_any_field_is_shown_escaped_on_every_page(site: Site):
    org = site.organisation(f"Org {SCRIPT}")
    c = site.client
    need = c.post(
        "/api/v1/needs",
        json={
            "title": f"Behov {SCRIPT}",
            "text": f"Vi söker sensorer för luftkvalitet. {SCRIPT}\n\nAndra stycket <b>fet</b>.",
            "status": "published",
            "region": "SE232",
            "focus_areas": [f"Fokus {SCRIPT}"],
            "technologies": [f"IoT {SCRIPT}"],
            "contact": f"Anna {SCRIPT}",
            "links": ['https://example.org/?a=<b>&c="d"'],
        },
        headers=org.headers,
    ).json()
    solution = c.post(
        "/api/v1/solutions",
        json={"title": f"Lösning {SCRIPT}", "text": f"Sensorer för luftkvalitet {SCRIPT}", "status": "published",
              "licence": f"L {SCRIPT}", "focus_areas": [f"Fokus {SCRIPT}"]},
        headers=org.headers,
    ).json()  # fmt: skip
    pages = [
        (need["url"], {}),
        (need["url"] + "?lang=sv", {}),
        (need["url"], org.headers),
        (need["url"] + "/edit", org.headers),
        (need["url"] + "/history", org.headers),
        (solution["url"], {}),
        ("/needs", {}),
        ("/solutions", {}),
        ("/board", {}),
        ("/board?focus_area=" + SCRIPT, {}),
        ("/needs?focus_area=" + SCRIPT, {}),
        ("/search?q=sensorer+luftkvalitet&kind=need", {}),
        ("/search?q=sensorer+luftkvalitet", {}),
    ]
    for path, headers in pages:
        page = c.get(path, headers=headers)
        assert page.status_code in (200, 422), (path, page.status_code)
        _no_script(page.text)
    shown = c.get(need["url"]).text
    assert shown.count(ESCAPED) >= 4 and "&lt;b&gt;fet&lt;/b&gt;" in shown
    assert 'href="https://example.org/?a=&lt;b&gt;&amp;c=&#34;d&#34;"' in shown


def test_other_organisations_drafts_are_not_found_on_pages(site: Site):
    owner, other = site.organisation(), site.organisation()
    draft = site.client.post(
        "/api/v1/needs", json={"title": "Hemligt utkast", "text": "Ännu inte klart."}, headers=owner.headers
    ).json()
    for headers in ({}, other.headers):
        for path in ("", "/edit", "/history"):
            assert site.client.get(draft["url"] + path, headers=headers).status_code == 404
        assert "Hemligt utkast" not in site.client.get("/needs", headers=headers).text
    mine = site.client.get(draft["url"], headers=owner.headers)
    assert mine.status_code == 200 and "Hemligt utkast" in mine.text
    assert "Hemligt utkast" in site.client.get("/needs", headers=owner.headers).text


def test_forms_need_the_csrf_token(site: Site):
    org = site.organisation()
    _, browser, csrf = site.person(org)
    c = site.client
    key = c.post("/api/v1/needs", json={"title": "Ett behov", "text": "Text."}, headers=org.headers).json()["id"]
    for path in ("/needs/new", f"/needs/{key}/edit", f"/needs/{key}/withdraw", f"/needs/{key}/interest"):
        for token in (None, "wrong"):
            data = {"title": "x", "text": "y"} | ({"csrf": token} if token else {})
            answer = c.post(path, data=data, headers=browser, follow_redirects=False)
            assert answer.status_code == 403, (path, token)
    assert c.get(f"/api/v1/needs/{key}", headers=org.headers).json()["version"] == 1  # nothing changed
    assert c.post(f"/needs/{key}/withdraw", data={"csrf": csrf}, headers=org.headers).status_code == 403  # a token


def test_the_owners_journey_and_another_organisations_interest(site: Site):
    org = site.organisation("Region Kalmar län")
    _, browser, csrf = site.person(org, role="editor")
    c = site.client
    form = c.get("/needs/new", headers=browser)
    assert form.status_code == 200 and f'value="{csrf}"' in form.text and 'for="f-title"' in form.text
    bad = c.post("/needs/new", data={"csrf": csrf, "title": "x" * 201, "text": ""}, headers=browser)
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text and 'href="#f-title"' in bad.text
    made = c.post(
        "/needs/new",
        data={
            "csrf": csrf,
            "title": "Hälsodata på distans",
            "text": "Vi vill erbjuda digitala vårdtjänster på distans på landsbygden.\nMed e-hälsa.",
            "focus_areas": "E-hälsa\nDigital inkludering\n",
            "region": "SE213",
            "status": "published",
        },
        headers=browser,
        follow_redirects=False,
    )
    assert made.status_code == 303
    url = made.headers["location"]
    assert re.fullmatch(r"/needs/p\d+", url)
    page = c.get(url, headers=browser)
    assert "Hälsodata på distans" in page.text and 'action="' + url + '/withdraw"' in page.text
    assert "Calls as of Aug 22, 2026." in page.text  # how current the matched calls are
    assert "Calls you can apply for" in page.text or "Utlysningar" in page.text
    edited = c.post(
        url + "/edit",
        data={"csrf": csrf, "title": "Hälsodata på distans i Kalmar län", "text": "Ny text.", "region": "SE213",
              "status": "published", "focus_areas": "E-hälsa"},
        headers=browser,
        follow_redirects=False,
    )  # fmt: skip
    assert edited.status_code == 303
    history = c.get(url + "/history", headers=browser)
    assert history.status_code == 200 and "Hälsodata på distans i Kalmar län" in history.text

    visitor = site.organisation("Linnéuniversitetet")
    _, their_browser, their_csrf = site.person(visitor, role="member")
    seen = c.get(url, headers=their_browser)
    assert 'action="' + url + '/interest"' in seen.text and 'action="' + url + '/withdraw"' not in seen.text
    told = c.post(
        url + "/interest", data={"csrf": their_csrf, "message": "Vi gör samma sak!"}, headers=their_browser,
        follow_redirects=False,
    )  # fmt: skip
    assert told.status_code == 303
    assert 'action="' + url + '/interest"' not in c.get(url, headers=their_browser).text  # told already
    owner_view = c.get(url, headers=browser).text
    assert "Linnéuniversitetet" in owner_view and "Vi gör samma sak!" in owner_view
    public = c.get(url).text
    assert "Vi gör samma sak!" not in public and "@example.se" not in public  # nothing of it is public

    gone = c.post(url + "/withdraw", data={"csrf": csrf}, headers=browser, follow_redirects=False)
    assert gone.status_code == 303
    assert c.get(url).status_code == 404 and c.get(url, headers=browser).status_code == 200
    assert url not in c.get("/board").text


def test_a_catalogued_case_and_the_pages_in_swedish(site: Site):
    c = site.client
    case = c.get("/solutions/10556?lang=sv")
    assert case.status_code == 200 and 'lang="sv"' in case.text
    assert "Smart Dementia" in case.text
    assert c.get("/needs?lang=sv").status_code == 200
    board = c.get("/board?lang=sv")
    assert board.status_code == 200 and "Per fokusområde" in board.text

"""Samverkan as a meeting place, in a real browser (Chromium) against a real ``samverkan serve``
whose mail goes to a real SMTP server (aiosmtpd) started here.

1. The journey: a person registers, confirms the address by the link in the e-mail received,
   signs in, creates an organisation, publishes a Swedish need and sees its matches with their
   reasons, follows it (daily); a second organisation publishes a solution that answers the need
   through the API with its token; the digest run (``samverkan digest run``, a day later) sends
   the first person an e-mail naming the solution.
2. The demo strategy board and its generated newsletter (nr 9) in Swedish, as a page and as the
   e-mail a subscriber receives.

Every page is screenshotted into build/screenshots/ (``community-*``, ``strategy-board-sv``,
``newsletter-sv``, ``newsletter-email-sv``) and checked with axe-core: no serious or critical
violation.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage

import httpx2 as httpx
import pytest
from sqlalchemy.orm import Session

from samverkan.core import Samverkan
from samverkan.settings import load_settings
from samverkan.strategy.demo import load_demo_strategy
from tests.browser.conftest import axe_violations, screenshot
from tests.serving import Server
from tests.smtp import Inbox, smtp_server

STRATEGY = "vastsvensk-kraftsamling-digitalisering"
PASSWORD = "tre gröna äpplen i Alingsås"
NEED_TITLE = "Digital inkludering av äldre med välfärdsteknik"
NEED_TEXT = (
    "Många äldre i våra kommuner står utanför det digitala samhället. Vi vill införa välfärdsteknik i "
    "hemtjänsten och äldreomsorgen – digital tillsyn, trygghetslarm och videosamtal – och samtidigt ge "
    "äldre personer stöd att själva använda digitala tjänster.\n\n"
    "Vi söker partner med erfarenhet av digital inkludering och välfärdsteknik, och finansiering för en pilot."
)
REGION_SOLUTION = "IT-kaféer på biblioteken"
FOCUS_AREA = "Invånarnas digitala delaktighet och tillit"
SOLUTION_TITLE = "Digital tillsyn och videosamtal i hemtjänsten"
SOLUTION_TEXT = (
    "En plattform för välfärdsteknik i hemtjänsten: digital tillsyn, trygghetslarm och videosamtal för "
    "äldre, med utbildning i digital inkludering för de äldre och personalen. I drift i tre kommuner."
)


@dataclass
class Community:
    base: str
    db_url: str
    inbox: Inbox
    env: dict[str, str]  # the server's environment: its database's settings and the SMTP server

    def samverkan(self, *args: str, stdin: str | None = None, **env: str) -> str:
        """Run the command line on the server's database, as an operator would; its output."""
        done = subprocess.run(
            [sys.executable, "-m", "samverkan", "--db", self.db_url, *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env | env,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def mail_to(self, address: str, count: int, timeout: float = 30) -> list[EmailMessage]:
        """The messages to ``address``, once there are ``count`` (waiting up to ``timeout`` s), and
        no more: each mail is sent once."""
        deadline = time.monotonic() + timeout
        while len(self.inbox.to(address)) < count and time.monotonic() < deadline:
            self.inbox.wait_for(len(self.inbox.messages) + 1, timeout=0.5)
        time.sleep(0.6)  # three rounds of serve's postman: a copy would have come by now
        received = self.inbox.to(address)
        assert len(received) == count, f"{len(received)} messages to {address}: {[m['Subject'] for m in received]}"
        return received


@pytest.fixture(scope="module")
def community(databases, demo_db, tmp_path_factory) -> Iterator[Community]:
    """``samverkan serve`` on a private copy of the demo catalogue with the demo strategy, its
    postman delivering every 0.2 s to a real SMTP server."""
    url = databases.copy(demo_db.url, tag="browser-community")
    app = Samverkan(load_settings(db=url))
    with Session(app.engine) as session, session.begin():
        load_demo_strategy(session)  # the catalogue fixture loads the demo without it
    app.close()
    with smtp_server() as (inbox, smtp):
        server = Server(url, tmp_path_factory.mktemp("community-server") / "server.log")
        server.env |= {
            "SAMVERKAN_SMTP_HOST": smtp["smtp_host"],
            "SAMVERKAN_SMTP_PORT": str(smtp["smtp_port"]),
            "SAMVERKAN_SMTP_SECURITY": "none",
            "SAMVERKAN_MAIL_EVERY_SECONDS": "0.2",
            "SAMVERKAN_PUBLIC_URL": server.base,
        }
        try:
            base = server.start(timeout=120)
            httpx.get(base + "/", timeout=120)  # builds the indexes once, before the first page
            yield Community(base, url, inbox, dict(server.env))
        finally:
            server.stop()
        server.check_log()
    databases.drop(url)


@pytest.fixture
def swedish(browser, community):
    """A fresh browser context that prefers Swedish, on the community's server."""
    context = browser.new_context(
        base_url=community.base,
        locale="sv-SE",
        extra_http_headers={"Accept-Language": "sv-SE,sv;q=0.9,en;q=0.5"},
        bypass_csp=True,  # lets the test inject axe-core; the app itself allows no foreign script
    )
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


def checked(page, name: str) -> None:
    """Screenshot the page and check it with axe-core."""
    screenshot(page, name)
    assert axe_violations(page) == [], name


def nav(page, name: str) -> None:
    """Follow a link of the site's main navigation."""
    page.locator("header nav").get_by_role("link", name=name, exact=True).click()


def heading(page) -> str:
    return page.get_by_role("heading", level=1).inner_text()


def part(message: EmailMessage, subtype: str) -> str:
    found = message.get_body(preferencelist=(subtype,))
    assert found is not None, f"no text/{subtype} part"
    return found.get_content()


def test_register_confirm_publish_a_need_follow_it_and_get_the_solution_in_the_digest(swedish, community):
    page = swedish
    email = "anna.lindqvist@alingsas.example"

    # register
    page.goto("/")
    page.get_by_role("link", name="Logga in").click()
    page.get_by_role("link", name="Skapa ett konto").click()
    assert heading(page) == "Skapa ett konto"
    checked(page, "community-register")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Ditt namn").fill("Anna Lindqvist")
    page.get_by_label("Lösenord").fill(PASSWORD)
    assert page.get_by_label("Språk på sidor och i mejl").input_value() == "sv"
    page.get_by_role("button", name="Skapa konto").click()
    assert heading(page) == "Titta i din e-post"
    assert email in page.locator("main").inner_text()
    checked(page, "community-registered")

    # the confirmation e-mail, in Swedish, received by the SMTP server
    (letter,) = community.mail_to(email, 1)
    assert letter["Subject"] == "Bekräfta din e-postadress för samverkan"
    text = part(letter, "plain")
    assert "Hej Anna Lindqvist" in text
    link = re.search(re.escape(community.base) + r"/account/confirm/\S+", text)
    assert link is not None, text
    assert link.group(0) in part(letter, "html")

    # the link shows a button; the button confirms
    page.goto(link.group(0))
    assert heading(page) == "Bekräfta din e-postadress"
    checked(page, "community-confirm")
    page.get_by_role("button", name="Bekräfta min adress").click()
    assert heading(page) == "Din e-postadress är bekräftad"
    checked(page, "community-confirmed")

    # sign in
    page.get_by_role("main").get_by_role("link", name="Logga in").click()
    assert heading(page) == "Logga in"
    assert page.get_by_label("E-postadress").input_value() == email
    checked(page, "community-sign-in")
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Logga in").click()
    page.wait_for_url("**/account")
    assert heading(page) == "Mitt konto"
    assert page.get_by_label("Ditt namn").input_value() == "Anna Lindqvist"
    checked(page, "community-account")

    # create the organisation
    page.get_by_role("main").get_by_role("link", name="Mina organisationer").click()
    checked(page, "community-organisations")
    page.get_by_label("Organisationens namn").fill("Alingsås kommun")
    page.get_by_label("Kortnamn i adresser").fill("alingsas")
    page.get_by_role("button", name="Skapa organisation").click()
    page.wait_for_url("**/orgs/alingsas/settings?done=created")
    assert "Organisationen är skapad. Du är dess administratör." in page.locator("main").inner_text()
    checked(page, "community-org-settings")

    # publish a Swedish need
    nav(page, "Behov och lösningar")
    assert heading(page).startswith("Tavlan: behov och lösningar")
    page.get_by_role("main").get_by_role("link", name="Alla behov").click()
    checked(page, "community-needs")
    page.get_by_role("link", name="Publicera ett behov").click()
    assert heading(page) == "Publicera ett behov"
    checked(page, "community-need-form")
    page.get_by_label("Rubrik").fill(NEED_TITLE)
    page.get_by_label("Behovet:").fill(NEED_TEXT)
    page.get_by_label("Fokusområden (ett per rad)").fill(FOCUS_AREA)
    page.get_by_label("Tekniker (en per rad)").fill("Välfärdsteknik\nVideosamtal")
    page.get_by_label("Region", exact=True).select_option("SE232")
    page.get_by_label("Publicerad:").check()
    page.get_by_role("button", name="Spara och visa matchningar").click()
    page.wait_for_url(re.compile(r"/needs/p\d+$"))
    need_url = page.url
    need_id = need_url.rsplit("/", 1)[1]
    assert heading(page) == NEED_TITLE
    main = page.locator("main")
    assert "Alingsås kommun" in main.inner_text() and "Västsverige" in main.inner_text()

    # its matches, each with its reasons, in Swedish
    lists = {
        "calls": "Utlysningar att söka",
        "partners": "Möjliga partner",
        "hubs": "Innovationsnav",
        "platforms": "EU-plattformar och arbetsgrupper",
        "solutions": "Återanvändbara lösningar",
        "needs": "Liknande behov hos andra organisationer",
    }
    for name, title in lists.items():
        group = page.locator(f"section.group:has(> h3#m-{name})")
        assert group.locator("h3").inner_text() == title
        assert group.locator("li.result").count() >= 1, f"no {name}"
    calls = page.locator("section.group:has(> h3#m-calls) li.result")
    assert calls.count() == 5
    for i in range(5):
        assert calls.nth(i).locator("ul.why li").count() >= 1, "a call without its reason"
    assert "Matchar era ord:" in page.locator("section.group:has(> h3#m-calls)").inner_text()
    assert "I samma region" in page.locator("section.group:has(> h3#m-hubs)").inner_text()
    partners = page.locator("section.group:has(> h3#m-partners)")
    assert partners.locator("li.result").first.locator("ul.why li").count() >= 1
    # a partner is proposed for its work near the need's subject (issue 26), said in Swedish
    assert "Liknande arbete i dess projekt" in partners.inner_text() and "Har koordinerat" in partners.inner_text()
    assert "similar work" not in partners.inner_text() and "coordinated" not in partners.inner_text()
    # the demo strategy's needs of Västra Götalandsregionen are similar needs of another organisation
    assert "Västra Götalandsregionen" in page.locator("section.group:has(> h3#m-needs)").inner_text()
    checked(page, "community-need")

    # follow it, daily
    page.get_by_role("link", name="Bevaka dess matchningar").click()
    assert heading(page) == "Bevaka dess matchningar"
    checked(page, "community-follow-new")
    page.get_by_label("Hur ofta").select_option("daily")
    page.get_by_role("button", name="Bevaka").click()
    assert heading(page) == "Nu bevakar ni den"
    assert NEED_TITLE in page.locator("main").inner_text()
    checked(page, "community-follow-created")
    nav(page, "Mina bevakningar")
    follows = page.locator("ul.follows li.result")
    assert follows.count() == 1
    assert NEED_TITLE in follows.inner_text() and "daglig" in follows.inner_text()
    checked(page, "community-follows")

    # a second organisation (made by the operator) publishes a solution with its token
    made = json.loads(community.samverkan("tenant", "create", "omsorgsteknik", "--name", "Omsorgsteknik Väst AB"))
    answer = httpx.post(
        community.base + "/api/v1/solutions",
        headers={"Authorization": f"Bearer {made['token']}"},
        json={
            "title": SOLUTION_TITLE,
            "text": SOLUTION_TEXT,
            "status": "published",
            "region": "SE232",
            "focus_areas": [FOCUS_AREA],
            "technologies": ["Välfärdsteknik"],
            "maturity": "in_use",
            "licence": "EUPL-1.2",
        },
        timeout=60,
    )
    assert answer.status_code == 201, answer.text
    solution_id = answer.json()["id"]

    # the need's page now shows it among its solutions, and the solution's page shows the need
    page.goto(need_url)
    page.locator("section.group:has(> h3#m-solutions)").get_by_role("link", name=SOLUTION_TITLE).click()
    assert heading(page) == SOLUTION_TITLE
    needs = page.locator("section.group:has(> h3#m-needs)")
    assert needs.locator("h3").inner_text() == "Behov den kan möta"
    assert NEED_TITLE in needs.inner_text()
    checked(page, "community-solution")

    # the board: supply and demand side by side in the region
    nav(page, "Behov och lösningar")
    page.get_by_label("Region", exact=True).select_option("SE232")
    page.get_by_role("button", name="Visa").click()
    page.wait_for_url("**/board?region=SE232*")
    board = page.locator("main").inner_text()
    assert NEED_TITLE in board and SOLUTION_TITLE in board
    checked(page, "community-board")

    # the next day's digest run sends Anna the solution, with its reasons, in Swedish
    report = json.loads(community.samverkan("digest", "run", "--json", SAMVERKAN_TODAY="2026-08-13"))
    assert (report["due"], report["composed"], report["failed"]) == (1, 1, 0), report
    digest = community.mail_to(email, 2)[1]
    assert digest["Subject"].endswith(f"nya för ”{NEED_TITLE}”"), digest["Subject"]
    assert digest["List-Unsubscribe"] and digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = part(digest, "plain").replace("\r\n", "\n")
    assert "NYA LÖSNINGAR" in text, text
    solution_part = text.split("NYA LÖSNINGAR", 1)[1]
    assert f"* {SOLUTION_TITLE}\n" in solution_part and f"{community.base}/solutions/{solution_id}\n" in solution_part
    for reason in ("Matchar era ord:", f"Gemensamma fokusområden: {FOCUS_AREA}", "I samma region: Västsverige"):
        assert reason in solution_part, reason
    assert f"/needs/{need_id}\n" not in text  # the followed need is not news to itself
    page.set_content(part(digest, "html"))
    screenshot(page, "community-digest-email")
    page.get_by_role("link", name=SOLUTION_TITLE).click()  # the e-mail's link opens the solution's page
    assert heading(page) == SOLUTION_TITLE


def test_the_demo_strategy_board_and_its_newsletter_as_a_page_and_as_an_email(swedish, community):
    page = swedish
    email = "lars.berg@vgregion.example"
    community.samverkan(
        "user", "create", email, "--name", "Lars Berg", "--language", "sv", "--confirmed", "--password-stdin",
        stdin=PASSWORD + "\n",
    )  # fmt: skip

    # the board, signed out, then signed in from its own link to subscribe
    page.goto("/")
    nav(page, "Strategier")
    checked(page, "community-strategies")
    page.get_by_role("link", name="Västsvensk kraftsamling digitalisering").click()
    assert heading(page) == "Västsvensk kraftsamling digitalisering"
    page.get_by_role("link", name="logga in för att prenumerera").click()
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Logga in").click()
    page.wait_for_url(f"**/strategies/{STRATEGY}")
    page.get_by_role("button", name="Prenumerera på nyhetsbrevet").click()
    assert f"Du får nyhetsbrevet till {email}." in page.locator("main").inner_text()
    board = page.locator("main").inner_text()
    for area in (
        "Näringslivets digitala transformation",
        "Digital kompetens och lärande",
        "Säker och hållbar digital infrastruktur",
        "Offentlig sektors digitala transformation",
        "Invånarnas digitala delaktighet och tillit",
    ):
        assert area.casefold() in board.casefold(), area
    checked(page, "strategy-board-sv")

    # another organisation publishes a solution in the region, then the operator makes the next
    # number's draft from the board and sends it
    made = json.loads(community.samverkan("tenant", "create", "boras-it", "--name", "Borås stad"))
    answer = httpx.post(
        community.base + "/api/v1/solutions",
        headers={"Authorization": f"Bearer {made['token']}"},
        json={"title": REGION_SOLUTION, "status": "published", "region": "SE232", "maturity": "pilot",
              "text": "Digitala lånekort och handledning i bibliotekens IT-kaféer, för invånare som vill bli "
                      "tryggare med e-tjänster."},
        timeout=60,
    )  # fmt: skip
    assert answer.status_code == 201, answer.text
    solution = answer.json()["id"]
    drafted = community.samverkan("newsletter", "draft", STRATEGY)
    assert "made: nr 9 — Uppdatering från Västsvensk kraftsamling digitalisering nr 9" in drafted, drafted
    sent = community.samverkan("newsletter", "send", STRATEGY, "9", "--no-deliver")  # serve delivers it
    assert "nr 9 sent: 1 e-mail written to the outbox" in sent, sent

    # the archived number, reached from the board
    page.reload()
    page.get_by_role("main").get_by_role("link", name="Nyhetsbrev", exact=True).click()
    checked(page, "community-newsletters")
    page.get_by_role("link", name="Uppdatering från Västsvensk kraftsamling digitalisering nr 9").click()
    assert heading(page) == "Uppdatering från Västsvensk kraftsamling digitalisering nr 9"
    shown = page.locator("main").inner_text()
    for part_title in ("Statusuppdatering", "Beslut sedan nr 8", "Öppna och kommande utlysningar per fokusområde"):
        assert part_title in shown, part_title
    assert "Matchande ord:" in shown and "Invånarnas digitala delaktighet och tillit" in shown
    checked(page, "newsletter-sv")
    page.get_by_role("link", name=REGION_SOLUTION).click()  # new in the region since nr 8
    assert heading(page) == REGION_SOLUTION and page.url.endswith(f"/solutions/{solution}")

    # the e-mail the subscriber received: the same number, in Swedish, shown as a mail client would
    (letter,) = community.mail_to(email, 1)
    assert letter["Subject"] == "Uppdatering från Västsvensk kraftsamling digitalisering nr 9"
    assert letter["List-Unsubscribe"] and letter["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html, text = part(letter, "html"), part(letter, "plain")
    assert "Öppna och kommande utlysningar per fokusområde" in html and "Matchande ord:" in html
    assert f'href="{community.base}/solutions/{solution}"' in html and REGION_SOLUTION in text
    assert f"{community.base}/strategies/{STRATEGY}/newsletters/9" in text
    page.set_content(html)
    assert heading(page) == "Uppdatering från Västsvensk kraftsamling digitalisering nr 9"
    screenshot(page, "newsletter-email-sv")


def test_the_other_new_pages_have_no_serious_accessibility_violation(swedish, community):
    """The pages the journeys above do not pass through: reset, sessions, an organisation's public
    and settings pages, a strategy's edit page, an initiative, a newsletter number, in both
    languages for an administrator of the region's organisation."""
    page = swedish
    email = "eva.strand@vgregion.example"
    community.samverkan(
        "user", "create", email, "--name", "Eva Strand", "--language", "sv", "--confirmed", "--password-stdin",
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    community.samverkan("org", "add", "vgr", email, "--role", "admin")
    page.goto("/account/reset")
    checked(page, "community-reset")
    page.goto("/account/sign-in")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Logga in").click()
    page.wait_for_url("**/account")
    page.goto(f"/strategies/{STRATEGY}")
    initiative = page.locator("main a[href*='/initiatives/']").first.get_attribute("href")
    assert initiative is not None
    for path, name in [
        ("/account/sessions", "community-sessions"),
        ("/orgs/vgr", "community-org"),
        ("/orgs/vgr/settings", "community-org-settings-vgr"),
        (f"/strategies/{STRATEGY}/edit", "community-strategy-edit"),
        (initiative, "community-initiative"),
        (f"/strategies/{STRATEGY}/newsletters/8", "community-newsletter-8"),
        ("/solutions/new", "community-solution-form"),
    ]:
        for lang in ("sv", "en"):
            response = page.goto(f"{path}?lang={lang}")
            assert response is not None and response.status == 200, (path, lang)
            assert page.locator("html").get_attribute("lang") == lang
            checked(page, f"{name}-{lang}")

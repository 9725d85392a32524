"""Every page in one language: a crawler over every page kind, in Swedish and in English, that
fails when a page shows UI text of the other language.

Method. The UI's strings are the gettext catalogue's: its msgids are the English UI, its msgstrs
the Swedish. Of each pair that differs, the literal pieces between placeholders are the
*fragments* of that language (``"Deadline %(date)s"`` → ``"Deadline"``). A fragment is a
*tell* of its language when it says something only that language says: two words or more, or
one word of four letters or more, and not a phrase of any string of the other language (the
Swedish catalogue says "SME" and "Horizon Europe" too). Besides the catalogue, labels that reach
pages from data and the API rather than templates are tells (:data:`DATA_LABELS`: call,
platform and posting statuses, audiences, the English reasons of :mod:`samverkan.search.reasons`,
error messages).

A page's *visible text* is its ``<body>``'s text nodes and its ``alt``, ``title``,
``aria-label`` and ``placeholder`` attributes, without what is inside ``<script>``, ``<style>``,
``<code>`` or an element whose ``lang`` differs from the page's: record data in another language
(a call's English title on a Swedish page) is marked so, as WCAG 3.1.2 "language of parts"
asks. A page fails when a tell of the other language stands in its visible text as whole words; a
one-word tell only when it is all a text says but for numbers and punctuation (a label such as
"participations: 40 001"): inside a sentence a single word is more often a name ("Industrial
Technology Center") than a leak of the UI.
"""

from __future__ import annotations

import functools
import html
import re
from html.parser import HTMLParser

import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from samverkan.core import Samverkan
from samverkan.settings import load_settings
from samverkan.strategy.demo import load_demo_strategy
from samverkan.web import create_app, i18n
from tests.conftest import TESTSERVER

NEED = "Vi söker partner och finansiering för att använda AI och sensordata i äldreomsorgen i vår kommun"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%s")
LETTERS = re.compile(r"[^\W\d_]")
SKIPPED = {"script", "style", "code", "head", "svg"}  # svg: charts and maps carry their own tables
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
LONE_WORD_NOISE = re.compile(r"[\d\W_]+")  # what a label stands beside: numbers, punctuation
ATTRIBUTES = ("alt", "title", "aria-label", "placeholder")

# labels that come from data or the API, not from the templates: never shown raw on a page of the
# other language (each is checked as whole words, case-sensitively, like the catalogue's tells)
DATA_LABELS = {
    "sv": {
        # call statuses, platform, posting and initiative statuses, audiences
        "forthcoming",
        "Status: open",
        "Status: closed",
        "ongoing",
        "completed",
        "withdrawn",
        "published",
        "Public authorities",
        "public authorities",
        "Businesses",
        "Citizens",
        "Researchers",
        "public_body",
        # facts of platforms, tables of sources, deadline models, solutions' statuses (raw keys)
        "operator",
        "how_to_join",
        "can_publish",
        "purpose",
        "organisations",
        "participations",
        "working_groups",
        "cohesion_projects",
        "project_topics",
        "single-stage",
        "two-stage",
        "multiple cut-off",
        "In development",
        "In production",
        "Not in use anymore",
        # the consortium rule of a call (match/eligibility.py) in its English wording
        "legal entities",
        "legal entity",
        "consortium rules are not modelled",
        "samverkan's default",
        "the call's conditions",
        # reasons worded in English (search/reasons.english) and the partner finder's signals
        "matched:",
        "close in meaning",
        "funded a similar project",
        "EU projects",
        "in the same region",
        "in the same country",
        "shared focus areas",
        "worked with",
        "your partners' partners",
        "under this call",
        "in the same call family",
        "matching words in",
        "similar work",
        "work like the call's projects",
        "adds a country",
        "adds a role",
        "coordinated",
        # error messages of the library (errors.py, bounds.py) shown raw
        "must be",
        "is empty",
        "no such",
        "not found",
        "at most",
        "Traceback",
    },
    "en": {
        "öppen",
        "kommande",
        "stängd",
        "Sista dag",
        "Matchar",
        "sökrutan",
        "Sidan finns inte",
    },
}


def _bare(text: str) -> str:
    return " ".join(LONE_WORD_NOISE.sub(" ", text).split())


def _visible(text: str) -> str:
    return " ".join(text.split())


@functools.cache
def catalogue_pairs() -> list[tuple[str, str]]:
    """(English, Swedish) of every translated string, plural forms paired."""
    with i18n.catalogue_path("sv").open("rb") as po:
        catalogue = read_po(po, locale="sv")
    pairs = []
    for m in catalogue:
        if not m.id or m.fuzzy:
            continue
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        strings = [m.string] if isinstance(m.string, str) else list(m.string)
        for english, swedish in zip([*ids, ids[-1]], strings, strict=False):
            if swedish and english != swedish:
                pairs.append((english, swedish))
    return pairs


def fragments(string: str) -> list[str]:
    """The literal pieces of a catalogue string, without placeholders, markup or the punctuation
    at their ends: ``"In the same region: %(name)s"`` → ``["In the same region"]``."""
    out = []
    for piece in PLACEHOLDER.split(re.sub(r"<[^>]*>", " ", string)):
        piece = _visible(piece).strip(" .,:;·—–-()[]“”\"'?!/|…")
        if LETTERS.search(piece):
            out.append(piece)
    return out


def _phrase(fragment: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])" + re.escape(fragment) + r"(?![\w-])")


@functools.cache
def tells(language: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The fragments that show a page is in ``language`` (see the module), with their patterns."""
    index = 0 if language == "en" else 1
    own = {f for pair in catalogue_pairs() for f in fragments(pair[index])}
    other_texts = [_visible(pair[1 - index]) for pair in catalogue_pairs()]
    chosen = []
    for fragment in sorted(own):
        words = fragment.split()
        if len(words) < 2 and len(LETTERS.findall(fragment)) < 4:
            continue
        pattern = _phrase(fragment)
        if any(pattern.search(text) for text in other_texts):
            continue  # the other language says it too
        chosen.append((fragment, pattern))
    other = "sv" if language == "en" else "en"
    chosen += [(label, _phrase(label)) for label in sorted(DATA_LABELS[other])]
    return tuple(chosen)


class Visible(HTMLParser):
    """The visible texts of a page's body in its own language (see the module)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page_lang = ""
        self.stack: list[tuple[str, bool]] = []  # (tag, hidden)
        self.texts: list[str] = []

    @property
    def hidden(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.page_lang = values.get("lang") or ""
            return
        lang = values.get("lang")
        hidden = self.hidden or tag in SKIPPED or (lang is not None and lang.split("-")[0] != self.page_lang)
        if not hidden:
            self.texts += [v for k, v in attrs if k in ATTRIBUTES and v]
        if tag not in VOID:
            self.stack.append((tag, hidden))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        lang = dict(attrs).get("lang")
        if not self.hidden and (lang is None or lang.split("-")[0] == self.page_lang):
            self.texts += [v for k, v in attrs if k in ATTRIBUTES and v]

    def handle_endtag(self, tag: str) -> None:
        for at in range(len(self.stack) - 1, -1, -1):  # tolerate unclosed <p>, <li>
            if self.stack[at][0] == tag:
                del self.stack[at:]
                return

    def handle_data(self, data: str) -> None:
        if not self.hidden and data.strip():
            self.texts.append(_visible(data))


def foreign_text(html: str, language: str) -> list[str]:
    """What a page in ``language`` shows of the other language's UI: ``["'Deadline' in 'Deadline 3 Sep'"]``."""
    parser = Visible()
    parser.feed(html)
    assert parser.page_lang == language
    other = "sv" if language == "en" else "en"
    found = []
    for text in parser.texts:
        alone = _bare(text)
        for fragment, pattern in tells(other):
            if (" " in fragment or _bare(fragment) == alone) and pattern.search(text):
                found.append(f"{fragment!r} in {text[:120]!r}")
    return found


PASSWORD = "korrekt häst batteri"


@pytest.fixture(scope="module")
def site(demo_copy_module):
    """The app on the demo catalogue with the demo strategy board and its published needs (the
    shared ``client`` has neither), and a signed-in person's browser for the account pages."""
    loader = Samverkan(load_settings(db=demo_copy_module))
    with Session(loader.engine) as session, session.begin():
        load_demo_strategy(session)
    loader.close()
    app = create_app(load_settings(db=demo_copy_module, public_url=TESTSERVER))
    with TestClient(app) as client:
        core = app.state.samverkan
        core.accounts.create_user("anna@example.org", "Anna Svensson", PASSWORD, "sv", confirmed=True)
        page = client.get("/account/sign-in").text
        csrf = re.search(r'name="csrf" value="([^"]*)"', page)
        assert csrf
        data = {"email": "anna@example.org", "password": PASSWORD, "csrf": csrf.group(1)}
        assert client.post("/account/sign-in", data=data, follow_redirects=False).status_code == 303
        yield client
    app.state.samverkan.close()


def page_paths(client) -> list[str]:
    """Every page kind: what the demo catalogue has of each (postings found from their lists)."""
    need = re.search(r'href="(/needs/p\d+)"', client.get("/needs").text)
    assert need, "the demo has published needs"
    board = client.get("/strategies/vastsvensk-kraftsamling-digitalisering").text
    initiative = re.search(r'href="(/strategies/vastsvensk-kraftsamling-digitalisering/initiatives/\d+)"', board)
    assert initiative, "the demo board lists its initiatives"
    team = re.search(r'href="(/consortium\?[^"]+)"', client.get("/calls/HORIZON-CL5-2026-09-D3-03").text)
    assert team, "the call page links the consortium builder's page"
    return [
        "/",
        "/search?" + "q=" + NEED.replace(" ", "+"),
        "/search?q=digital+twins+for+energy+efficient+buildings",
        "/search?q=energy&kind=organisation",
        "/calls/HORIZON-CL5-2026-09-D3-03",
        "/calls/MSCA-IF-2020",
        html.unescape(team.group(1)),
        "/hubs/17480",
        "/organisations/999990946",
        "/platforms/living-in-eu",
        "/solutions/10556",
        "/projects/870245",
        "/projects/se-20200357",
        "/regions/SE",
        "/regions/SE232",
        "/municipalities/1480",
        "/statistics",
        "/statistics/regions",
        "/statistics/regions/participation",
        "/sources",
        "/strategies",
        "/strategies/vastsvensk-kraftsamling-digitalisering",
        initiative.group(1),
        "/strategies/vastsvensk-kraftsamling-digitalisering/newsletters",
        "/working-groups/living-in-eu/technical",  # its platform's page
        "/browse",  # the list pages
        "/hubs",
        "/platforms",
        "/working-groups",
        "/calls",
        "/browse/solutions",
        "/browse/needs",
        "/board",
        "/needs",
        need.group(1),
        "/solutions",
        "/account",  # signed in
        "/account/sessions",
        "/account/organisations",
        "/follows",
        "/follows/new?q=energi",
        "/needs/new",
        "/calls/NO-SUCH-CALL",  # error pages
        "/no/such/page",
        "/search?q=",
        "/search?q=energi&region=XX99",
        "/search?q=bonjour+je+cherche+des+partenaires+pour+un+projet",
    ]


def test_the_tells_are_the_catalogues_own():
    """The method's pieces hold: a known tell of each language is one, shared words are not."""
    english = dict(tells("en"))
    swedish = dict(tells("sv"))
    assert "Suggested partners" in english and "Föreslagna partner" in swedish
    assert "SME" not in english  # said in both
    assert fragments("In the same region: %(name)s") == ["In the same region"]
    assert foreign_text('<html lang="sv"><body><p>Suggested partners</p></body></html>', "sv")
    assert not foreign_text('<html lang="sv"><body><p lang="en">Suggested partners</p></body></html>', "sv")


@pytest.mark.parametrize("language", ["sv", "en"])
def test_every_page_kind_is_in_one_language(site, language):
    anonymous = TestClient(site.app)  # the sign-in, register and reset pages: a browser not signed in
    paths = [(site, p) for p in page_paths(site)]
    paths += [(anonymous, p) for p in ("/account/sign-in", "/account/register", "/account/reset")]
    assert len(paths) == 50  # every page kind listed above, in both languages
    problems = {}
    for client, path in paths:
        page = client.get(path, params={"lang": language})
        assert page.status_code < 500, (path, page.status_code)
        assert page.headers["content-language"] == language, path
        found = foreign_text(page.text, language)
        if found:
            problems[path] = found
    assert not problems, "\n".join(f"{path}:\n  " + "\n  ".join(found) for path, found in problems.items())

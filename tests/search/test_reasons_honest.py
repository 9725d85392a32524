"""Reasons that hold up (issue 26): a word shown as matched is a real content word of the query
and the record's own text — not only its name — carries it, on the demo catalogue as a user
searches it.

The examples a new user found, each as it was found: the "e" of "e-hälsa" was a matched word,
"medie" matched Italian company names ("PICCOLE E MEDIE IMPRESE"), two Italian organisations
were credited with "digital twin" because their names say "digitale". And over 20 real needs
(the team's Swedish needs and the outside reviewer's, in Swedish and in English), every word
shown for every result of every kind is :func:`~samverkan.search.reasons.checkable` in the
record's analysed text, its names left out.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from samverkan.search import reasons
from samverkan.search.analysis import Analyzer
from samverkan.search.documents import LOADERS, posting_documents
from samverkan.search.names import Name

ROOT = Path(__file__).resolve().parents[2]
TEAM = ROOT / "src" / "samverkan" / "data" / "eval" / "needs_sv.toml"
EXTERNAL = ROOT.parent / "shared" / "eval" / "needs-sv-external.jsonl"
# organisations whose names, not their work, held the user's word (ids in the demo catalogue)
MEDIE_NAMES = {"999961943", "10da3b315890"}  # CONSORZIO … PICCOLE E MEDIE IMPRESE; RETE … PICCOLEE MEDIE IMPRESE
DIGITALE_NAMES = {"998648078", "950972578"}  # FONDAZIONE MONDO DIGITALE; AGENZIA PER L'ITALIA DIGITALE


@pytest.fixture(scope="module")
def app(demo_db):
    from samverkan.core import Samverkan
    from samverkan.settings import load_settings

    app = Samverkan(load_settings(db=demo_db.url))
    yield app
    app.close()


def shown(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The matched words of a result, as the API shows them."""
    return [term for reason in result["reasons"] if reason["type"] == "matched" for term in reason["terms"]]


def words(result: dict[str, Any]) -> set[str]:
    return {term["word"] for term in shown(result)}


# --------------------------------------------------------------------------- the user's examples


def test_the_e_of_e_halsa_is_no_matched_word(app) -> None:
    answer = app.search("e-hälsa för äldre i hemmet", limit=10)
    assert answer["language"] == "sv"
    for result in answer["results"]:
        found = words(result)
        assert "e" not in found, (result["kind"], result["id"], found)
        assert not found & reasons.NOT_SHOWN, (result["kind"], result["id"], found)  # "för" of a name neither
    # and the need is still explained where the records say it
    assert any("äldre" in words(r) for r in answer["results"] if r["kind"] == "call")


def test_medie_does_not_match_italian_company_names(app) -> None:
    results = app.search("medie- och informationskunnighet", kind="organisation", limit=20)["results"]
    named = [r for r in results if r["id"] in MEDIE_NAMES]
    assert named, "the Italian SME consortia are found by their names (else this test shows nothing)"
    for result in named:
        assert "medie" not in words(result), (result["title"], shown(result))


def test_digitale_in_a_name_is_no_digital_twin(app) -> None:
    results = app.search("digital twin", kind="organisation", limit=20)["results"]
    named = [r for r in results if r["id"] in DIGITALE_NAMES]
    assert named, "the Italian agencies are found by their names (else this test shows nothing)"
    for result in named:
        assert not words(result), (result["title"], shown(result))


def test_a_translation_is_shown_only_when_all_its_words_are_there() -> None:
    assert reasons.checkable("digital twin", {"digit", "twin"})
    assert not reasons.checkable("digital twin", {"digit"})  # "digital" alone is no digital twin
    assert not reasons.checkable("e-health", {"e", "health"})  # a lone "e": "e.g." has one
    assert reasons.checkable("vattenrening", {"vattenren"})
    assert reasons.checkable("quality of life", {"qualiti", "life"})  # stop words aside


def test_a_name_query_still_says_it_found_the_name(app) -> None:
    results = app.search("Göteborgs universitet", kind="organisation", limit=1)["results"]
    assert results[0]["id"] == "999981925" and words(results[0]) == {"göteborgs", "universitet"}
    # one word of two in a name is no name query: "CAP DIGITAL" is not credited with "digital"
    results = app.search("digital twin", kind="organisation", limit=20)["results"]
    assert not words(next(r for r in results if r["id"] == "999963883"))


# --------------------------------------------------------------------------- 20 real needs


def twenty_needs() -> list[str]:
    """10 of the team's Swedish needs (every sixth), and 10 of the outside reviewer's: five in
    Swedish, five others in English."""
    team = tomllib.loads(TEAM.read_text(encoding="utf-8"))["need"]
    if not EXTERNAL.is_file():
        pytest.skip(f"needs the external needs at {EXTERNAL}")
    external = [json.loads(line) for line in EXTERNAL.read_text(encoding="utf-8").splitlines() if line.strip()]
    return (
        [need["text"] for need in team[::6][:10]]
        + [need["need_sv"] for need in external[:5]]
        + [need["need_en"] for need in external[5:10]]
    )


def record_texts(app) -> dict[tuple[str, str], set[str]]:
    """Every record's analysed text, its names left out: (kind, id) → index terms."""
    analyzer: Analyzer = app.searcher.analyzer
    places = app.searcher.places()
    texts: dict[tuple[str, str], set[str]] = {}
    with Session(app.searcher.engine) as session:
        loaded = [(kind, pair) for kind, load in LOADERS.items() for pair in load(session, places)]
        loaded += [(kind, pair) for kind in ("need", "solution") for pair in posting_documents(session, kind)]
    for kind, (record, fields) in loaded:
        terms = texts.setdefault((kind, record["id"]), set())
        for text, _ in fields:
            if text and not isinstance(text, Name):
                terms.update(analyzer.index_terms(text))
    return texts


def test_every_word_shown_for_twenty_real_needs_is_in_the_records_text(app) -> None:
    needs = twenty_needs()
    assert len(needs) == 20
    texts = record_texts(app)
    shown_words = unchecked = 0
    wrong = []
    for need in needs:
        for result in app.search(need, limit=10)["results"]:
            terms = texts[(result["kind"], result["id"])]
            for term in shown(result):
                shown_words += 1
                assert reasons.content_word(term["word"]), (need[:40], result["kind"], result["id"], term)
                if not any(reasons.checkable(phrase, terms) for phrase in [term["word"], *term["via"]]):
                    unchecked += 1
                    wrong.append((need[:40], result["kind"], result["id"], term))
    assert shown_words > 500  # the needs are explained, not silenced
    assert not wrong, f"{unchecked} of {shown_words} shown words are not in the record's text: {wrong[:10]}"

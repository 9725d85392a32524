"""Swedish/English analysis: language, stems, compounds, glossary expansion, reasons."""

import pytest

from samverkan.search.analysis import QUERY_TF_K, Analyzer, Glossary, UnsupportedLanguage, query_tf

GLOSSARY = Glossary(
    {
        "fjärrvärme": ["district heating"],
        "nät": ["network", "grid"],
        "äldreomsorg": ["elderly care"],
        "vätgas": ["hydrogen"],
        "lagring": ["storage"],
        "offentlig förvaltning": ["public administration"],
    },
    ["system"],
)


@pytest.fixture(scope="module")
def analyzer():
    return Analyzer(GLOSSARY)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("fjärrvärmenät", "sv"),
        ("AI i offentlig förvaltning", "sv"),
        ("Vi vill digitalisera hemtjänsten", "sv"),
        ("sensorer", "sv"),
        ("energy efficiency in schools", "en"),
        ("hydrogen storage", "en"),
        ("Wellcome Trust", "en"),
        ("smart city", "en"),
        ("Künstliche Intelligenz in der Verwaltung", "de"),
        ("intelligence artificielle pour les villes", "fr"),
    ],
)
def test_language_detection_on_short_text(analyzer, text, language):
    assert analyzer.detect(text) == language


def test_unsupported_language_is_refused(analyzer):
    with pytest.raises(UnsupportedLanguage) as info:
        analyzer.analyse_query("Künstliche Intelligenz in der Verwaltung")
    assert info.value.language == "de"


def test_swedish_compounds_split_into_glossary_words(analyzer):
    assert analyzer.split_compound("fjärrvärmenät") == ("fjärrvärm", "nät")
    assert analyzer.split_compound("vätgaslagring") == ("vätg", "lagring")  # linking s
    assert analyzer.split_compound("kommun") is None
    assert analyzer.split_compound("fjärrvärm") is None  # already a word


def test_an_o_for_a_first_parts_final_a_links_a_compound():
    # hälsa → hälso-: "hälsodata" is health data, and an English hub description says so
    analyzer = Analyzer(Glossary({"hälsa": ["health"], "data": ["data"], "vård": ["care"]}, []))
    assert analyzer.split_compound("hälsodat") == ("häls", "dat")
    assert analyzer.split_compound("hälsovård") == ("häls", "vård")
    analysed = analyzer.analyse_query("hälsodata")
    assert {"health", "data"} <= set(analysed.terms)
    assert analysed.origin["health"] == "hälsodata (health)"
    assert analyzer.split_compound("kontorsrum") is None  # no known part, no split


def test_a_swedish_query_is_expanded_to_english_with_its_reasons(analyzer):
    analysed = analyzer.analyse_query("fjärrvärmenätet i Borås")
    assert analysed.language == "sv"
    assert {"district", "heat", "network", "grid", "fjärrvärmenät", "borås"} <= set(analysed.terms)
    assert analysed.origin["heat"] == "fjärrvärmenätet (district heating)"
    assert analysed.terms["fjärrvärmenät"] > analysed.terms["heat"]  # own words weigh most


def test_a_word_the_query_repeats_weighs_more_with_saturation(analyzer):
    analysed = analyzer.analyse_query(
        "Sodium batteries for grid storage. The batteries store wind power; battery cells are cheap."
    )
    assert analysed.terms["wind"] == 1.0  # once
    assert analysed.terms["batteri"] == pytest.approx(query_tf(3)) and query_tf(3) > query_tf(2) > 1.0
    assert analysed.terms["batteri"] < QUERY_TF_K + 1  # saturates: a word repeated 100 times is no landslide
    assert query_tf(100) < QUERY_TF_K + 1
    # translations of a repeated word do not outweigh the user's own words
    swedish = analyzer.analyse_query("fjärrvärme och fjärrvärme i kommunen")
    assert swedish.terms["fjärrvärm"] == pytest.approx(query_tf(2))
    assert swedish.terms["heat"] <= 1.0


def test_multi_word_glossary_terms_and_english_to_swedish(analyzer):
    swedish = analyzer.analyse_query("AI i offentlig förvaltning")
    assert swedish.origin["administr"] == "offentlig förvaltning (public administration)"
    english = analyzer.analyse_query("district heating networks")
    assert english.language == "en" and "fjärrvärm" in english.terms and "nät" in english.terms


def test_document_terms_are_stemmed_in_their_language(analyzer):
    assert analyzer.index_terms("Projektet ska bygga ett fjärrvärmenät i kommunen") == [
        "projektet",
        "bygg",
        "fjärrvärmenät",
        "fjärrvärm",
        "nät",
        "kommun",
    ]
    assert analyzer.index_terms("Heating networks for the municipalities") == ["heat", "network", "municip"]


def test_the_bundled_glossary_loads_and_covers_core_vocabulary():
    analyzer = Analyzer()
    for swedish in ("fjärrvärme", "äldreomsorg", "vätgas", "digitalisering", "kompetensförsörjning"):
        assert swedish in analyzer.glossary.sv_en, swedish
    assert analyzer.analyse_query("äldreomsorgen").origin.get("elder", "").startswith("äldreomsorgen")


def test_reasons_group_translations_under_the_users_word():
    from samverkan.search import reasons

    origins = ["kommun (municipality)", "ai", "kommun (local authority)", "kommun", "skolor (school)"]
    found = reasons.matched(origins)
    assert found["terms"][0] == {"word": "kommun", "via": ["municipality", "local authority"]}
    assert reasons.english(found) == "matched: kommun (municipality, local authority), ai, skolor (school)"


def test_a_shared_stem_does_not_translate_another_word():
    analyzer = Analyzer()
    # Snowball stems "använda" (to use) and "användare" (user) alike; only the latter means "user"
    assert not any("user" in origin for origin in analyzer.analyse_query("använda AI i vården").origin.values())
    assert "användarna (user)" in analyzer.analyse_query("användarna av tjänsten").origin.values()
    assert "kommunerna (municipality)" in analyzer.analyse_query("kommunerna i länet").origin.values()
    # a definite -n that Snowball keeps still finds the glossary word
    assert "energin (energy)" in analyzer.analyse_query("energin i regionen").origin.values()

"""web/sections.py on texts as the Funding & Tenders portal and the hub catalogues write them."""

from __future__ import annotations

from samverkan.web.sections import lead, sections


def test_run_together_portal_headings_become_sections():
    text = (
        "Expected Outcome:Project results are expected to contribute to targets;"
        "Scope:In this topic, proposals should address grids. expected impacts: Better grids."
    )
    assert sections(text) == [
        ("Expected Outcome", "Project results are expected to contribute to targets;"),
        ("Scope", "In this topic, proposals should address grids."),
        ("Expected impacts", "Better grids."),
    ]


def test_text_before_the_first_heading_keeps_an_empty_heading_and_empty_sections_are_dropped():
    assert sections("A call on hydrogen. Scope: Steel. Objective:") == [
        ("", "A call on hydrogen."),
        ("Scope", "Steel."),
    ]
    assert sections("No headings here, only telescope: a word that ends in scope.") == [
        ("", "No headings here, only telescope: a word that ends in scope.")
    ]
    assert sections("Expected Impact:Expected Impact The actions help.") == [("Expected Impact", "The actions help.")]
    assert sections(None) == [] and sections("  ") == []


def test_a_long_text_is_cut_after_a_sentence_and_a_short_one_is_not():
    first = "The hub helps small firms adopt AI. " * 12
    rest = "It also runs courses on data spaces for municipalities and regions across the country."
    shown, folded = lead(first + rest, limit=300)
    assert len(shown) >= 300 and shown.endswith(".") and (shown + " " + folded).split() == (first + rest).split()
    assert lead("Short text.", limit=300) == ("Short text.", "")
    assert lead("x" * 500, limit=300) == ("x" * 500, "")  # no sentence end: nothing folded
    assert lead(None) == ("", "")

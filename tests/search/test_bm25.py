"""BM25 maths against hand-computed reference values, and the index ranking."""

import math

import pytest

from samverkan.search import bm25
from samverkan.search.lexical import LexicalIndex
from samverkan.search.text import query_terms, tokens


def test_idf_matches_the_lucene_formula():
    # N = 10 documents, term in 2: log(1 + (10 - 2 + 0.5) / (2 + 0.5)) = log(4.4)
    assert bm25.idf(10, 2) == pytest.approx(math.log(4.4))
    assert bm25.idf(10, 10) > 0  # never negative


def test_term_score_reference_value():
    # tf=3, |d|=10, avgdl=5, idf=2: 2 * 3 * 2.2 / (3 + 1.2 * (0.25 + 0.75 * 2)) = 13.2 / 5.1
    assert bm25.term_score(3, 10, 5.0, 2.0) == pytest.approx(13.2 / 5.1)
    assert bm25.term_score(0, 10, 5.0, 2.0) == 0.0


def test_longer_documents_score_lower_for_the_same_tf():
    assert bm25.term_score(1, 5, 10.0, 1.0) > bm25.term_score(1, 50, 10.0, 1.0)


def test_tokens_are_unicode_aware():
    assert tokens("Fjärrvärmenät i Västra Götaland, 2030!") == ["fjärrvärmenät", "i", "västra", "götaland", "2030"]
    assert query_terms("the and") == ["the", "and"]  # only stop words: keep them
    assert query_terms("The Wellcome Trust and the Sanger") == ["wellcome", "trust", "sanger"]


def test_index_ranks_the_document_matching_more_terms_first():
    index = LexicalIndex.build(
        [
            [("Wellcome Trust", 2)],
            [("Genome Research, The Wellcome Trust Sanger Institute", 1)],
            [("Waternet Trust", 2)],
        ]
    )
    hits = index.search(["wellcome", "trust"], limit=3)
    assert [h.doc for h in hits] == [0, 1, 2]
    assert hits[0].matched == ("wellcome", "trust")
    assert index.search(["wellcome"], allowed={1, 2}, limit=3)[0].doc == 1
    assert index.search(["absent"]) == []

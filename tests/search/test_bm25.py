"""BM25 maths against hand-computed reference values, and the index ranking."""

import math

import numpy as np
import pytest

from samverkan.search import bm25
from samverkan.search.lexical import LexicalIndex
from samverkan.search.text import tokens


def test_idf_matches_the_lucene_formula():
    # N = 10 documents, term in 2: log(1 + (10 - 2 + 0.5) / (2 + 0.5)) = log(4.4)
    assert bm25.idf(10, 2) == pytest.approx(math.log(4.4))
    assert bm25.idf(10, 10) > 0  # never negative


def f32(*values: float) -> np.ndarray:
    return np.array(values, dtype=np.float32)


def test_tf_part_reference_value():
    # tf=3, |d|=10, avgdl=5: 3 * 2.2 / (3 + 1.2 * (0.25 + 0.75 * 2)) = 6.6 / 5.1; a term absent scores 0
    parts = bm25.tf_parts(f32(3, 0), f32(10, 10), 5.0)
    assert parts.dtype == np.float32 and parts.tolist() == pytest.approx([6.6 / 5.1, 0.0])
    # no lengths to normalise by (avgdl 0): tf * 2.2 / (tf + 1.2)
    assert bm25.tf_parts(f32(1), f32(0), 0.0).tolist() == pytest.approx([2.2 / 2.2])


def test_longer_documents_score_lower_for_the_same_tf():
    short, long = bm25.tf_parts(f32(1, 1), f32(5, 50), 10.0)
    assert short > long


def test_the_index_scores_idf_times_the_tf_part():
    index = LexicalIndex.build([[("water water twin", 1)], [("water", 1)], [("twin cities of europe", 1)]])
    lengths = f32(3, 1, 4)
    expected = bm25.idf(3, 2) * bm25.tf_parts(f32(2, 1, 0), lengths, float(lengths.mean()))
    assert index.scores(["water"]).tolist() == pytest.approx(expected.tolist())


def test_tokens_are_unicode_aware():
    assert tokens("Fjärrvärmenät i Västra Götaland, 2030!") == ["fjärrvärmenät", "i", "västra", "götaland", "2030"]


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

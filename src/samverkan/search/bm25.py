"""Okapi BM25 scoring, as :class:`~samverkan.search.lexical.LexicalIndex` computes it.

Robertson, S. & Zaragoza, H. (2009). *The Probabilistic Relevance Framework: BM25 and
Beyond.* Foundations and Trends in Information Retrieval 3(4), 333–389 — eq. 3.x; the idf
is the non-negative variant used by Lucene (``log(1 + (N - df + 0.5) / (df + 0.5))``).

A term's score in a document is ``idf(N, df) · tf_parts(...)``: the index stores the
query-independent tf part of every posting (:func:`tf_parts`) and multiplies by the idf (and
the query's weight of the term) when it scores.
"""

from __future__ import annotations

import math

import numpy as np

K1 = 1.2
B = 0.75


def idf(n_docs: int, doc_freq: int) -> float:
    """Inverse document frequency of a term found in ``doc_freq`` of ``n_docs`` documents."""
    return math.log(1.0 + (n_docs - doc_freq + 0.5) / (doc_freq + 0.5))


def tf_parts(tf: np.ndarray, doc_len: np.ndarray, avg_len: float, k1: float = K1, b: float = B) -> np.ndarray:
    """The tf part of BM25, ``tf·(k1+1) / (tf + k1·(1 − b + b·|d|/avgdl))``, for many postings at
    once: ``tf`` their term frequencies, ``doc_len`` the lengths of their documents (float32
    arrays of one length), ``avg_len`` the mean document length (0: no length normalisation).
    A zero ``tf`` gives 0. Float32."""
    norm = k1 * (1.0 - b + b * doc_len / avg_len) if avg_len > 0 else k1
    return (tf * (k1 + 1.0) / (tf + norm)).astype(np.float32)


def tf_from_part(part: float, doc_len: float, avg_len: float, k1: float = K1, b: float = B) -> float:
    """The term frequency whose :func:`tf_parts` is ``part`` (its inverse, for one posting)."""
    if part >= k1 + 1.0:  # only an unbounded frequency reaches the limit
        return math.inf
    norm = k1 * (1.0 - b + b * doc_len / avg_len) if avg_len > 0 else k1
    return part * norm / (k1 + 1.0 - part)

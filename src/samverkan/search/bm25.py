"""Okapi BM25 scoring as small pure functions.

Robertson, S. & Zaragoza, H. (2009). *The Probabilistic Relevance Framework: BM25 and
Beyond.* Foundations and Trends in Information Retrieval 3(4), 333–389 — eq. 3.x; the idf
is the non-negative variant used by Lucene (``log(1 + (N - df + 0.5) / (df + 0.5))``).
"""

from __future__ import annotations

import math

K1 = 1.2
B = 0.75


def idf(n_docs: int, doc_freq: int) -> float:
    """Inverse document frequency of a term found in ``doc_freq`` of ``n_docs`` documents."""
    return math.log(1.0 + (n_docs - doc_freq + 0.5) / (doc_freq + 0.5))


def term_score(tf: int, doc_len: int, avg_len: float, term_idf: float, k1: float = K1, b: float = B) -> float:
    """BM25 contribution of one query term occurring ``tf`` times in a document."""
    if tf <= 0:
        return 0.0
    norm = k1 * (1.0 - b + b * doc_len / avg_len) if avg_len > 0 else k1
    return term_idf * tf * (k1 + 1.0) / (tf + norm)

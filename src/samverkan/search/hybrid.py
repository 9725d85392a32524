"""Search of one kind of record other than calls: words and meaning, fused.

Words: BM25 over the record's weighted fields (:mod:`samverkan.search.documents`), plus the
BM25 of the query's names in the kind's name index (:mod:`samverkan.search.names`), top
``CANDIDATES``. Meaning: an exact cosine scan of the records' stored vectors, top
``CANDIDATES``. The two rankings are fused by reciprocal rank fusion (Cormack, Clarke &
Büttcher, SIGIR 2009); without stored vectors the BM25 order stands. Calls have their own
finder (:mod:`samverkan.search.calls`).

Invariants: only records in ``allowed`` (when given) are ranked, by either method; ties are
broken by document number, so the order is the same on every run and database.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from samverkan.search import reasons
from samverkan.search.analysis import Analysed
from samverkan.search.dense import RRF_K, by_score, rrf_scores, top_k
from samverkan.search.documents import KindIndex
from samverkan.search.filters import facets
from samverkan.search.lexical import Hit
from samverkan.search.names import beyond_name, matched_names, name_scores, query_names

CANDIDATES = 100  # per method, before fusion
# A published need or solution found by meaning alone must be this close (e5 cosine). Among a
# handful of postings the dense scan ranks every one, so without a floor any query found all of
# them ("kvantdatorer och HPC" found "Fler cykelvägar i staden", cosine 0.81); measured on Swedish
# postings against Swedish and English queries: related 0.87–0.89, unrelated 0.75–0.84.
POSTING_COSINE = 0.85
PLACED = ("hub", "organisation", "need", "solution")  # kinds whose records may say where they are

Vectors = tuple[list[int], np.ndarray]  # index documents with a stored vector, and their vectors


def answer(
    kind: str,
    built: KindIndex,
    vectors: Vectors | None,
    query: str,
    analysed: Analysed,
    query_vector: Callable[[], np.ndarray],
    allowed: set[int] | None,
    limit: int,
    strict: frozenset[int] = frozenset(),
) -> tuple[list[dict[str, Any]], dict[str, dict[str, int]]]:
    """The best ``limit`` records of ``kind`` for a query, with their reasons, and the facet
    counts among the best ``CANDIDATES``. ``query_vector`` embeds the query when first called.
    Documents in ``strict`` (published postings) are ranked only with words in common or a
    cosine of at least ``POSTING_COSINE``."""
    named = query_names(query) if built.names is not None else {}
    boost = name_scores(built.names, named) if built.names is not None and named else None
    hits = built.index.search(analysed.terms, allowed=allowed, limit=max(limit, CANDIDATES), extra=boost)
    lexical = {h.doc: h for h in hits}
    dense: dict[int, float] = {}
    if vectors is None:
        ranking = [h.doc for h in hits]
        scores = {h.doc: h.score for h in hits}
    else:
        dense = _nearest(vectors, query_vector(), allowed)
        if strict:
            dense = {d: c for d, c in dense.items() if d not in strict or d in lexical or c >= POSTING_COSINE}
        ranking, scores = _fused(hits, dense, set(vectors[0]))
    counts = facets(kind, (built.records[doc] for doc in ranking[:CANDIDATES]))
    results = []
    for doc in ranking[:limit]:
        record = built.records[doc]
        found = _reasons(kind, record, lexical.get(doc), dense.get(doc), analysed, built, named, doc)
        results.append(
            {"kind": kind, **record, "score": round(scores[doc], 4), "why": reasons.why(found), "reasons": found}
        )
    return results, counts


def _nearest(vectors: Vectors, query: np.ndarray, allowed: set[int] | None) -> dict[int, float]:
    """The ``CANDIDATES`` documents nearest to ``query``, by cosine (best first)."""
    rows, matrix = vectors
    if allowed is not None:  # score only the records the filters let through
        keep = [i for i, doc in enumerate(rows) if doc in allowed]
        rows, matrix = [rows[i] for i in keep], matrix[keep]
    return {rows[row]: cosine for row, cosine in top_k(matrix, query, CANDIDATES)}


def _fused(hits: list[Hit], dense: dict[int, float], with_vector: set[int]) -> tuple[list[int], dict[int, float]]:
    """Reciprocal rank fusion of the BM25 and the dense ranking.

    A record without a vector (imported since the last ``samverkan embed``, or with no text to
    embed, as a project known by its acronym) has no evidence of meaning either way: its rank by
    words stands in for it, or it would rank below every record with both (a new hub was not
    even first for its own name).
    """
    ranking = [h.doc for h in hits]
    scores = rrf_scores([[str(d) for d in ranking], [str(d) for d in dense]])
    for rank, doc in enumerate(ranking, start=1):
        if doc not in with_vector:
            scores[str(doc)] += 1.0 / (RRF_K + rank)
    ordered = by_score(scores)
    return [int(d) for d in ordered], {int(d): scores[d] for d in ordered}


def _reasons(
    kind: str,
    record: dict[str, Any],
    hit: Hit | None,
    cosine: float | None,
    analysed: Analysed,
    built: KindIndex,
    named: dict[str, str],
    doc: int,
) -> list[reasons.Reason]:
    found = []
    if hit is not None:
        carried = beyond_name(built.index, built.name_terms, hit.matched, doc)
        in_name = matched_names(built.names, named, doc) if named and built.names is not None else []
        if (words := reasons.matched_terms(carried, analysed, in_name, named.values())) is not None:
            found.append(words)
    if cosine is not None:
        found.append(reasons.meaning(cosine))
    if record.get("projects"):
        found.append(reasons.projects(record["projects"]))
    if kind in PLACED and (where := reasons.place(record)):
        found.append(where)
    return found

"""An in-memory BM25 inverted index, stored as flat numpy arrays.

Postings are kept term by term in two flat arrays (document numbers and the precomputed BM25
term-frequency part, which does not depend on the query), with one offset per term: about
8 bytes per posting, so a million catalogue records fit in a few hundred MB and a query scores
whole posting lists with vector operations instead of Python loops.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from samverkan.search import bm25
from samverkan.search.text import tokens

Analyse = Callable[[str], list[str]]


@dataclass(frozen=True)
class Hit:
    doc: int
    score: float
    matched: tuple[str, ...]


class LexicalIndex:
    """Documents are weighted field texts; a field's weight repeats its terms (title boost)."""

    def __init__(
        self, vocabulary: dict[str, int], offsets: np.ndarray, docs: np.ndarray, parts: np.ndarray, lengths: np.ndarray
    ) -> None:
        self.vocabulary = vocabulary  # term → term number
        self.offsets = offsets  # postings of term t: [offsets[t], offsets[t + 1])
        self.docs = docs  # int32, ascending within a term
        self.parts = parts  # float32, bm25.tf_parts: tf·(k1+1) / (tf + k1·(1 − b + b·|d|/avgdl))
        self.lengths = lengths

    @classmethod
    def build(cls, documents: Iterable[Iterable[tuple[str | None, int]]], analyse: Analyse = tokens) -> LexicalIndex:
        """Index documents given as (text, weight) fields; ``analyse`` turns text into terms."""
        vocabulary: dict[str, int] = {}
        term_ids, doc_ids, tfs, lengths = array("i"), array("i"), array("f"), array("f")
        for doc, fields in enumerate(documents):
            counts: Counter[str] = Counter()
            for text, weight in fields:
                if not text:
                    continue
                if weight == 1:
                    counts.update(analyse(text))  # counted in C; the same counts, in the same order
                else:
                    for term, n in Counter(analyse(text)).items():
                        counts[term] += n * weight
            lengths.append(sum(counts.values()))
            for term, frequency in counts.items():
                term_ids.append(vocabulary.setdefault(term, len(vocabulary)))
                doc_ids.append(doc)
                tfs.append(frequency)
        terms = np.frombuffer(term_ids, dtype=np.int32)
        order = np.argsort(terms, kind="stable")  # by term, documents stay ascending
        docs = np.frombuffer(doc_ids, dtype=np.int32)[order]
        tf = np.frombuffer(tfs, dtype=np.float32)[order]
        length = np.frombuffer(lengths, dtype=np.float32).copy()
        avg = float(length.mean()) if len(length) else 0.0
        parts = bm25.tf_parts(tf, length[docs], avg)
        offsets = np.zeros(len(vocabulary) + 1, dtype=np.int64)
        np.cumsum(np.bincount(terms, minlength=len(vocabulary)), out=offsets[1:])
        return cls(vocabulary, offsets, docs, parts, length)

    def __len__(self) -> int:
        return len(self.lengths)

    @property
    def nbytes(self) -> int:
        return self.offsets.nbytes + self.docs.nbytes + self.parts.nbytes + self.lengths.nbytes

    def _postings(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        t = self.vocabulary.get(term)
        if t is None:
            return None
        start, end = self.offsets[t], self.offsets[t + 1]
        return self.docs[start:end], self.parts[start:end]

    def documents(self, term: str) -> np.ndarray | None:
        """The documents holding ``term`` (ascending), or ``None`` if no document does."""
        postings = self._postings(term)
        return None if postings is None else postings[0]

    def frequencies(self, terms: Iterable[str], doc: int) -> list[float]:
        """How often each term occurs in document ``doc`` (each field's weight counted; 0 where
        it does not), recovered from the stored BM25 parts (:func:`bm25.tf_from_part`; exact to
        ~1e-4 for the small counts it is asked about)."""
        out = []
        average = None
        for term in terms:
            t = self.vocabulary.get(term)
            start, end = (int(self.offsets[t]), int(self.offsets[t + 1])) if t is not None else (0, 0)
            at = start + int(np.searchsorted(self.docs[start:end], doc)) if end else 0
            if at >= end or self.docs[at] != doc:
                out.append(0.0)
                continue
            if average is None:  # as built: the mean length of the float32 lengths
                average = float(self.lengths.mean())
            out.append(bm25.tf_from_part(float(self.parts[at]), float(self.lengths[doc]), average))
        return out

    def scores(self, terms: list[str] | Mapping[str, float]) -> np.ndarray:
        """The BM25 score of every document (float32, 0 where nothing matched)."""
        return self._scores(terms)[0]

    def _scores(self, terms: list[str] | Mapping[str, float]) -> tuple[np.ndarray, list[tuple[str, np.ndarray]]]:
        weights = dict.fromkeys(terms, 1.0) if isinstance(terms, list) else dict(terms)
        n = len(self.lengths)
        scores = np.zeros(n, dtype=np.float32)  # float32 throughout: half the memory traffic
        found: list[tuple[str, np.ndarray]] = []
        for term, weight in weights.items():
            postings = self._postings(term)
            if postings is None:
                continue
            docs, parts = postings
            scores[docs] += np.float32(weight * bm25.idf(n, len(docs))) * parts
            found.append((term, docs))
        return scores, found

    def search(
        self,
        terms: list[str] | Mapping[str, float],
        allowed: set[int] | None = None,
        limit: int = 10,
        extra: np.ndarray | None = None,
    ) -> list[Hit]:
        """Top ``limit`` documents for ``terms`` (a list, or term → weight), optionally among ``allowed``.

        ``extra`` (one score per document) is added to the BM25 scores before ranking: another
        index's scores over the same documents (names, :mod:`samverkan.search.names`).
        Ties are broken by document number, so the order is the same on every run.
        """
        n = len(self.lengths)
        if n == 0 or limit <= 0:
            return []
        scores, found = self._scores(terms)
        if extra is not None:
            scores = scores + extra.astype(np.float32)
        if allowed is not None:
            keep = np.fromiter(allowed, dtype=np.int64, count=len(allowed))
            masked = np.zeros(n, dtype=np.float32)
            masked[keep] = scores[keep]
            scores = masked
        candidates = np.flatnonzero(scores > 0)
        if len(candidates) > limit:
            # everything scoring at least the limit-th best score, ties included
            threshold = np.partition(scores[candidates], len(candidates) - limit)[len(candidates) - limit]
            candidates = candidates[scores[candidates] >= threshold]
        best = candidates[np.lexsort((candidates, -scores[candidates]))][:limit]
        matched: list[list[str]] = [[] for _ in best]
        for term, docs in found:
            at = np.searchsorted(docs, best)
            present = (at < len(docs)) & (docs[np.minimum(at, len(docs) - 1)] == best)
            for i in np.flatnonzero(present):
                matched[i].append(term)
        return [Hit(int(d), float(scores[d]), tuple(m)) for d, m in zip(best, matched, strict=True)]

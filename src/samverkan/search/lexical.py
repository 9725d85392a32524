"""An in-memory BM25 inverted index over short documents (one per catalogue record)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

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

    def __init__(self) -> None:
        self.postings: dict[str, list[tuple[int, int]]] = {}
        self.lengths: list[int] = []

    @classmethod
    def build(cls, documents: Iterable[Iterable[tuple[str | None, int]]], analyse: Analyse = tokens) -> LexicalIndex:
        """Index documents given as (text, weight) fields; ``analyse`` turns text into terms."""
        index = cls()
        for doc, fields in enumerate(documents):
            counts: Counter[str] = Counter()
            for text, weight in fields:
                if text:
                    for token in analyse(text):
                        counts[token] += weight
            index.lengths.append(sum(counts.values()))
            for term, tf in counts.items():
                index.postings.setdefault(term, []).append((doc, tf))
        return index

    def __len__(self) -> int:
        return len(self.lengths)

    def search(
        self, terms: list[str] | Mapping[str, float], allowed: set[int] | None = None, limit: int = 10
    ) -> list[Hit]:
        """Top ``limit`` documents for ``terms`` (a list, or term → weight), optionally among ``allowed``."""
        weights = dict.fromkeys(terms, 1.0) if isinstance(terms, list) else dict(terms)
        n = len(self.lengths)
        if n == 0:
            return []
        avg = sum(self.lengths) / n
        scores: dict[int, float] = {}
        matched: dict[int, list[str]] = {}
        for term, weight in weights.items():
            postings = self.postings.get(term)
            if not postings:
                continue
            term_idf = weight * bm25.idf(n, len(postings))
            for doc, tf in postings:
                if allowed is not None and doc not in allowed:
                    continue
                scores[doc] = scores.get(doc, 0.0) + bm25.term_score(tf, self.lengths[doc], avg, term_idf)
                matched.setdefault(doc, []).append(term)
        best = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit]
        return [Hit(doc, score, tuple(matched[doc])) for doc, score in best]

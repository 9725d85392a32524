"""Normalised organisation names, used to find the same organisation under two ids."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_NON_ALNUM = re.compile(r"[^0-9A-Z]+")
_UMLAUT_SPELLING = re.compile(r"(?<=[A-Z])([AOU])E")  # FOERDERUNG, FORDERUNG: both lost the "ö"
_INITIALS = re.compile(r"\b([A-Z]) (?=[A-Z]\b)")  # "E V" (from "e.V.") → "EV"


def _plain(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_ALNUM.sub(" ", ascii_only.upper()).strip()


def name_key(name: str) -> str:
    """The key two spellings of one organisation's name share: accents, case and punctuation
    dropped, initials joined, and the two ways of writing a lost umlaut made one.

    ``"Université de Liège, "`` → ``"UNIVERSITE DE LIEGE"``;
    ``"FRAUNHOFER … ZUR FOERDERUNG … E.V."`` and ``"FRAUNHOFER … ZUR FORDERUNG … EV"`` → one key.
    """
    return _UMLAUT_SPELLING.sub(r"\1", _INITIALS.sub(r"\1", _plain(name)))


def name_hash(name: str, country: str | None) -> str:
    """A stable id for an organisation known only by name (and maybe country).

    Built from the plain key, not :func:`name_key`: ids must not change when matching improves.
    """
    return hashlib.md5(f"{_plain(name)}|{country or ''}".encode(), usedforsecurity=False).hexdigest()


def is_pic(organisation_id: str) -> bool:
    """CORDIS organisation ids that are Participant Identification Codes (nine digits)."""
    return organisation_id.isdigit() and len(organisation_id) == 9


# --------------------------------------------------------------------------- folding for search

# letters that do not decompose into a base letter and an accent
_LETTERS = str.maketrans({"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "đ": "d", "ð": "d", "ł": "l", "þ": "th", "ı": "i"})
# how sources without the letters write them: "GOETEBORG" (ö), "MAELARDALEN" (ä), "AARHUS" (å), "MUENCHEN" (ü)
_DIGRAPHS = re.compile(r"oe|ae|aa|ue")
_DIGRAPH_LETTER = {"oe": "o", "ae": "a", "aa": "a", "ue": "u"}
_FOLDED_WORD = re.compile(r"[0-9a-z]+")

# The definite forms of the words Swedish organisation names end in, and what they are the
# definite of: "Högskolan i Borås" and "Chalmers tekniska högskola" share "hogskola".
DEFINITE = {
    "hogskolan": "hogskola",
    "universitetet": "universitet",
    "institutet": "institut",
    "regionen": "region",
    "landstinget": "landsting",
    "kommunen": "kommun",
    "stiftelsen": "stiftelse",
    "verket": "verk",
}
# Swedish names for one kind of body: the regions were the county councils until 2019 and
# many still carry the old name ("Västra Götalands läns landsting" is Västra
# Götalandsregionen; CORDIS lists Region Skåne both as "REGION SKANE" and "SKANE LANS
# LANDSTING" under one PIC), so a landsting also answers to "region".
EQUIVALENT = {"landsting": "region"}
# Words that close Swedish compound names, split off so that "Götalandsregionen" meets
# "Götalands … region" and "Mittuniversitetet" meets "universitet" (folded forms).
COMPOUND_ENDS = ("regionen", "region", "universitetet", "universitet", "hogskolan", "hogskola", "kommun")


def fold(text: str) -> str:
    """The one way a name is folded for search, at index and at query time alike: lower case,
    accents dropped, and every way of writing a Nordic or German letter without it made one.

    ``"Göteborgs universitet"``, ``"Goteborgs universitet"`` and ``"GOETEBORGS UNIVERSITET"``
    all fold to ``"goteborgs universitet"``; ``"Århus"``, ``"Aarhus"`` → ``"arhus"``;
    ``"Linnéuniversitetet"`` → ``"linneuniversitetet"``.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LETTERS))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(_LETTERS)
    return _DIGRAPHS.sub(lambda m: _DIGRAPH_LETTER[m.group(0)], plain)


def name_words(text: str) -> list[str]:
    """The folded search words of a name: each word, its form without a genitive ``s``, the
    parts of a Swedish compound name, and the base and equivalent of a definite form.

    ``"Västra Götalandsregionen"`` → ``vastra, gotalandsregionen, gotalands, gotaland, regionen,
    region``; ``"VASTRA GOTALANDS LANS LANDSTING"`` → ``…, landsting, region``, so they meet.
    """
    out: list[str] = []
    for word in _FOLDED_WORD.findall(fold(text)):
        forms = [word]
        for end in COMPOUND_ENDS:
            if word.endswith(end) and len(word) >= len(end) + 3:
                forms += [word[: -len(end)], end]
                break
        for form in forms:
            out.append(form)
            if len(form) > 3 and form.endswith("s") and not form.endswith("ss"):
                out.append(form[:-1])
            base = DEFINITE.get(form, form)
            if base != form:
                out.append(base)
            if base in EQUIVALENT:
                out.append(EQUIVALENT[base])
    return out

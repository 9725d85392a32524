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

"""Normalised organisation names, used to find the same organisation under two ids."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_NON_ALNUM = re.compile(r"[^0-9A-Z]+")


def name_key(name: str) -> str:
    """``"Université de Liège, "`` → ``"UNIVERSITE DE LIEGE"`` (accents, case, punctuation)."""
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_ALNUM.sub(" ", ascii_only.upper()).strip()


def name_hash(name: str, country: str | None) -> str:
    """A stable id for an organisation known only by name (and maybe country)."""
    return hashlib.md5(f"{name_key(name)}|{country or ''}".encode(), usedforsecurity=False).hexdigest()


def is_pic(organisation_id: str) -> bool:
    """CORDIS organisation ids that are Participant Identification Codes (nine digits)."""
    return organisation_id.isdigit() and len(organisation_id) == 9

"""Plain text analysis for the lexical index: Unicode-aware lower-cased word tokens.

Language-aware analysis (stemming, compounds, sv↔en glossary) belongs to the matching
engine; this is the shared baseline.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[^\W_]+", re.UNICODE)

STOP_WORDS = frozenset(
    """a an and are as at be by for from has have in is it of on or that the to was were with
    och att det som en ett i på för av med till är om de den har inte vi""".split()
)


def tokens(text: str) -> list[str]:
    """``"Wellcome Trust, LTD."`` → ``["wellcome", "trust", "ltd"]`` (stop words kept)."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def query_terms(text: str) -> list[str]:
    """Distinct query tokens in order, stop words dropped unless nothing else is left."""
    seen: dict[str, None] = {}
    for token in tokens(text):
        seen.setdefault(token, None)
    terms = [t for t in seen if t not in STOP_WORDS]
    return terms or list(seen)

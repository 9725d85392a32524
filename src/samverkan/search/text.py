"""Word tokens: Unicode-aware, NFKC-normalised and case-folded. What the Swedish and English
analysis (:mod:`samverkan.search.analysis`) and the folding of names
(:mod:`samverkan.search.names`) start from, and :class:`~samverkan.search.lexical.LexicalIndex`'s
default analyser.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def tokens(text: str) -> list[str]:
    """``"Wellcome Trust, LTD."`` → ``["wellcome", "trust", "ltd"]``."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())

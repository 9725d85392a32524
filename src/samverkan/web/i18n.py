"""The reader's language (Swedish or English) and the gettext catalogues of the web pages.

Strings are written in English in the templates and views and translated through the Babel
catalogue ``web/locale/sv/LC_MESSAGES/messages.po``; the ``.po`` file is the one source and is
compiled in memory when first needed, so there is no compiled file to forget. ``scripts/i18n``
extracts new strings and merges them into the catalogue; a test fails while a string has no
Swedish translation.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LANGUAGES = ("sv", "en")
DEFAULT = "en"
COOKIE = "lang"
LOCALE_DIR = Path(__file__).parent / "locale"
NAMES = {"sv": "Svenska", "en": "English"}


def catalogue_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"


@cache
def translations(language: str) -> NullTranslations:
    """The compiled catalogue for ``language`` (English is the source language)."""
    if language == DEFAULT:
        return NullTranslations()
    with catalogue_path(language).open("rb") as po:
        catalog = read_po(po, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def from_accept_language(header: str | None) -> str | None:
    """The preferred language we speak from an ``Accept-Language`` header, by its q-values:
    ``"sv-SE,sv;q=0.9,en;q=0.8"`` → ``"sv"``; ``"de, fr"`` → ``None``."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        language = tag.strip().lower().split("-")[0]
        if language in LANGUAGES and quality > 0:
            ranked.append((-quality, position, language))
    return min(ranked)[2] if ranked else None


def choose(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The page language: an explicit ``?lang=``, then the cookie, then the browser, then English."""
    for candidate in (query, cookie):
        if candidate in LANGUAGES:
            return candidate
    return from_accept_language(accept_language) or DEFAULT

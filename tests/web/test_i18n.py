"""Every string of the web app has its Swedish translation, and the reader's language is chosen
as a browser would expect."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from samverkan.web import i18n

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "src" / "samverkan" / "web"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def extracted() -> set[str | tuple[str, str]]:
    """The msgids scripts/i18n extracts (same method map as babel.cfg)."""
    method_map = [("templates/**.html", "jinja2"), ("**.py", "python")]
    options = {"templates/**.html": {"trim_blocks": "true", "lstrip_blocks": "true"}}
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2)}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        WEB, method_map, options, keywords=keywords, strip_comment_tags=True
    ):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


def test_every_string_has_a_swedish_translation():
    with i18n.catalogue_path("sv").open("rb") as po:
        catalogue = read_po(po, locale="sv")
    translated = {}
    for m in catalogue:
        if m.id:
            key = m.id if isinstance(m.id, str) else tuple(m.id)
            strings = [m.string] if isinstance(m.string, str) else list(m.string)
            if all(strings) and not m.fuzzy:
                translated[key] = strings
    missing = sorted(map(str, extracted() - set(translated)))
    assert not missing, f"run scripts/i18n and translate: {missing}"
    for key, strings in translated.items():  # a translation keeps every placeholder
        source = key if isinstance(key, str) else key[0]
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) <= set(PLACEHOLDER.findall(source)) | {"num"}, (key, string)


def test_compiled_catalogue_translates_plurals():
    sv = i18n.translations("sv")
    assert sv.gettext("Describe your need") == "Beskriv ert behov"
    assert sv.ngettext("%(num)s day left", "%(num)s days left", 1) == "%(num)s dag kvar"
    assert sv.ngettext("%(num)s day left", "%(num)s days left", 5) == "%(num)s dagar kvar"
    assert i18n.translations("en").gettext("Describe your need") == "Describe your need"


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("sv-SE,sv;q=0.9,en-US;q=0.8,en;q=0.7", "sv"),
        ("en-GB,en;q=0.9,sv;q=0.8", "en"),
        ("de-DE,de;q=0.9,sv;q=0.5,en;q=0.4", "sv"),
        ("fi;q=1, en;q=0.2, sv;q=0.3", "sv"),
        ("sv;q=0, en", "en"),
        ("de, fr", None),
        ("", None),
        ("sv;q=banana", None),
    ],
)
def test_accept_language(header, language):
    assert i18n.from_accept_language(header) == language


def test_explicit_choice_beats_cookie_beats_browser():
    assert i18n.choose("en", "sv", "sv") == "en"
    assert i18n.choose(None, "sv", "en") == "sv"
    assert i18n.choose("xx", None, "sv-SE") == "sv"
    assert i18n.choose(None, None, None) == "en"

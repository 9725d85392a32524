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


def reason_samples() -> list[dict]:
    """One reason of every kind search/reasons.py makes (a project's title stays as it came)."""
    from samverkan.search import reasons

    project = {"id": "101006771", "title": "ORCHESTRA"}
    place = {"city": "Göteborg", "country": "SE", "region": "SE232", "region_name": "Västra Götalands län"}
    return [
        reasons.matched(["kommun (municipality)", "ai"]),
        reasons.meaning(0.42),
        reasons.similar_project({**project, "similarity": 0.8}),
        reasons.deadline("2026-09-16"),
        reasons.projects(3),
        reasons.place(place),
        reasons.near("SE232", "Västra Götalands län", "region"),
        reasons.near("SE", None, "country"),
        reasons.focus_areas(["Digitalisering"]),
        reasons.worked_with(["CHALMERS"], 3, project),
        reasons.partners_partners(),
        reasons.call_projects(2, project),
        reasons.call_family(4),
        *(reasons.project_work(signal, project) for signal in reasons.WORK_SIGNALS),
        reasons.adds_country("ES"),
        reasons.adds_role("PRC", True),
        reasons.coordinated(5),
    ]


def test_every_reason_reaches_a_swedish_page_in_swedish():
    """Each kind of reason has its Swedish wording on the pages (a new kind of reason, or one
    whose wording lacks a translation, fails here); none is shown in the API's English."""
    import inspect

    from samverkan.search import reasons
    from samverkan.web.templating import environment

    samples = reason_samples()
    kinds = set(re.findall(r'kind == "(\w+)"', inspect.getsource(reasons.english)))
    assert {r["type"] for r in samples} == kinds, "a reason kind without a sample here"
    shown_apart = {"deadline"}  # the result's card shows a call's deadline itself (_macros.deadline)
    for language in ("sv", "en"):
        template = environment(language).from_string(
            '{% import "_macros.html" as m with context %}{{ m.reason_list(rs) }}'
        )
        for reason in samples:
            page = template.render(rs=[reason], days_until=lambda iso: 3)
            if reason["type"] in shown_apart:
                continue
            assert "<li>" in page, reason
            if language == "sv":
                item = re.sub(r"<[^>]+>", "", page.split("<li>", 1)[1])
                english = reasons.english(reason).split(":")[0]
                assert english not in item, (reason, item)
                assert re.search(r"[A-Za-zÅÄÖåäö]", item)


def test_every_label_from_data_has_its_swedish_words():
    """Labels that come from data and the API (audiences, platforms' facts, sources' tables,
    deadline models, solutions' statuses, language names, the consortium rule) are translated."""
    from samverkan.web.templating import data_labels, eligibility_text, language_names

    same_in_both = {"status", "pilot"}  # the same word in Swedish
    english, swedish = data_labels("en"), data_labels("sv")
    assert english.keys() == swedish.keys()
    for group, labels in english.items():
        for key, label in labels.items():
            assert swedish[group][key] != label or label in same_in_both, (group, key)
    assert language_names("sv") != language_names("en")
    for kind, states in (("consortium", 1), ("consortium", 2), ("single", 0), ("open", 0), ("unknown", 1)):
        rule = {"kind": kind, "min_member_states": states}
        assert eligibility_text("sv", rule) != eligibility_text("en", rule)

"""The one check of a posting's fields (pure: no database)."""

from __future__ import annotations

import pytest

from samverkan.errors import NotFound
from samverkan.postings.fields import FieldError, clean, is_posting_id, message, posting_number


def test_fields_are_normalised():
    cleaned = clean(
        "solution",
        {
            "title": "  Öppen\n IoT-plattform  ",
            "text": "  Text.\n\nMer.  ",
            "focus_areas": ["E-hälsa", "e-hälsa", " Digital  kompetens "],
            "maturity": "In use",
            "region": " se232 ",
            "links": ["https://example.org/a", "http://example.org/b"],
            "contact": "   ",
        },
        creating=True,
    )
    assert cleaned["title"] == "Öppen IoT-plattform" and cleaned["text"] == "Text.\n\nMer."
    assert cleaned["focus_areas"] == ["E-hälsa", "Digital kompetens"]  # the same area once, as first written
    assert cleaned["maturity"] == "in_use" and cleaned["region"] == "SE232" and cleaned["contact"] is None
    assert cleaned["status"] == "draft"  # the default


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "x", "links": ["https://"]}, "links[0]"),
        ({"title": "x", "links": ["ftp://example.org/"]}, "links[0]"),
        ({"title": "x", "links": ["https://example.org:99999/"]}, "links[0]"),
        ({"title": "x", "focus_areas": [1]}, "focus_areas[0]"),
        ({"title": "x", "focus_areas": [""]}, "focus_areas[0]"),
        ({"title": "x", "text": "a\x07b"}, "text"),
        ({"title": "x", "municipality": "14800"}, "municipality"),
        ({"title": "x" * 10_000, "k" * 5000: 1}, "title"),
    ],
)
def test_bad_values_name_their_field(fields, field):
    with pytest.raises(FieldError) as caught:
        clean("need", fields, creating=True)
    assert caught.value.field == field


def test_unknown_fields_are_named_shortly():
    with pytest.raises(FieldError) as caught:
        clean("need", {"k" * 5000: 1, "title": "x"}, creating=True)
    assert caught.value.field == "k" * 40 and len(str(caught.value)) < 300
    with pytest.raises(FieldError, match="organisation"):
        clean("need", {"organisation": "x"}, creating=False)


def test_ids():
    assert (
        posting_number("need", "p12") == 12 and posting_number("need", "12") == 12 and posting_number("need", 12) == 12
    )
    assert posting_number("solution", "p12") == 12
    for bad in ("12", "p", "p-1", "p99999999999", "x"):
        with pytest.raises(NotFound):
            posting_number("solution", bad)
    assert is_posting_id("solution", "p3") and not is_posting_id("solution", "10556") and is_posting_id("need", "3")
    assert message("  hej  ") == "hej" and message(None) is None
    with pytest.raises(FieldError):
        message("x" * 2001)

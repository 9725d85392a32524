"""The shared import machinery: value parsing and merge policies (pure functions)."""

import datetime as dt

import pytest

from samverkan.importers.base import (
    Row,
    RowInvalid,
    fill_empty,
    newest_wins,
    overwrite,
    parse_date,
    parse_number,
    replace_non_empty,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("125113.75", 125113.75),
        ("125113,75", 125113.75),
        ("1 234,5", 1234.5),
        ("1.234.567,8", 1234567.8),
        ("1,234,567.8", 1234567.8),
        ("3036000.0", 3036000.0),
        ("-2", -2.0),
        ("abc", None),
        ("nan", None),
        ("inf", None),
    ],
)
def test_parse_number(text, expected):
    assert parse_number(text) == expected


def test_parse_date():
    assert parse_date("2023-03-03 18:10:00") == dt.date(2023, 3, 3)
    assert parse_date("2020-10-01") == dt.date(2020, 10, 1)
    assert parse_date("01/10/2020") is None


def test_row_accessors_name_the_field():
    row = Row("f.csv", 7, {"SME": "maybe", "country": "UK", "n": "1,5", "d": "", "c": "EL"})
    with pytest.raises(RowInvalid) as info:
        row.boolean("SME")
    assert info.value.field == "SME"
    assert row.country("country") == "GB"
    assert row.country("c") == "GR"
    assert row.number("n") == 1.5
    assert row.date("d") is None
    with pytest.raises(RowInvalid, match="not a whole number"):
        row.integer("n")
    with pytest.raises(RowInvalid, match="required"):
        row.required("d")


def test_merge_policies():
    old = {"a": 1, "b": None, "c": "x"}
    new = {"a": 2, "b": 3, "c": ""}
    assert overwrite(old, new) == {"a": 2, "b": 3, "c": ""}
    assert replace_non_empty(old, new) == {"a": 2, "b": 3, "c": "x"}
    assert fill_empty(old, new) == {"a": 1, "b": 3, "c": "x"}


def test_newest_wins_uses_the_stamp_and_lets_older_rows_only_fill():
    merge = newest_wins("updated")
    stored = {"updated": "2023-03-03", "name": "OLD", "city": None}
    assert merge(stored, {"updated": "2024-01-01", "name": "NEW", "city": None}) == {
        "updated": "2024-01-01",
        "name": "NEW",
        "city": None,
    }
    assert merge(stored, {"updated": "", "name": "OTHER", "city": "Lund"}) == {
        "updated": "2023-03-03",
        "name": "OLD",
        "city": "Lund",
    }

"""Lists to browse (catalogue/listing.py): filters narrow the rows, each option's count is the
number of rows choosing it gives, refused parameters name themselves."""

from __future__ import annotations

import pytest

from samverkan.catalogue import listing
from samverkan.catalogue.listing import Facet, Listing, ParameterError, select

THINGS = Listing(
    "thing",
    (
        Facet("country", "country", aliases=listing.COUNTRY_ALIASES),
        Facet("region", "region", prefix=4, label="region_name"),
        Facet("tag", "tags"),
        Facet("status", "status", order=("open", "forthcoming")),
    ),
    ("id", "country", "tags"),
)
ROWS = [
    {"id": "a", "country": "SE", "region": "SE123", "region_name": "Östra Mellansverige", "tags": ["ai", "iot"],
     "status": "open"},
    {"id": "b", "country": "SE", "region": "SE110", "region_name": "Stockholm", "tags": ["ai"],
     "status": "forthcoming"},
    {"id": "c", "country": "GB", "region": "UKI31", "region_name": "London", "tags": [], "status": "open"},
    {"id": "d", "country": "FI", "region": "FI", "tags": ["iot"], "status": "open"},
    {"id": "e", "country": None, "region": None, "tags": ["ai", "ai"], "status": "open"},
]  # fmt: skip


def counts(selection: listing.Selection, facet: str) -> dict[str, int]:
    return {o.value: o.count for o in selection.facets[facet]}


def test_no_choice_lists_every_row_and_counts_values_among_them():
    everything = select(THINGS, ROWS, {})
    assert everything.total == 5 and [r["id"] for r in everything.rows] == ["a", "b", "c", "d", "e"]
    assert counts(everything, "country") == {"SE": 2, "FI": 1, "GB": 1}
    assert counts(everything, "tag") == {"ai": 3, "iot": 2}  # a row's repeated value counts once
    assert counts(everything, "region") == {"SE11": 1, "SE12": 1, "UKI3": 1}  # "FI" has no NUTS 2 region
    assert [o.value for o in everything.facets["status"]] == ["open", "forthcoming"]  # the fixed order


def test_choices_narrow_the_rows_and_every_count_is_what_choosing_it_gives():
    for chosen in ({}, {"country": "SE"}, {"tag": "ai"}, {"country": "SE", "tag": "iot"}, {"status": "open"}):
        selection = select(THINGS, ROWS, chosen)
        for facet in THINGS.facets:
            for option in selection.facets[facet.name]:
                again = select(THINGS, ROWS, {**chosen, facet.name: option.value})
                assert again.total == option.count, (chosen, facet.name, option)
    both = select(THINGS, ROWS, {"country": "se", "tag": "IOT"})  # case aside
    assert [r["id"] for r in both.rows] == ["a"] and both.chosen == {"country": "SE", "tag": "iot"}
    assert counts(both, "country") == {"SE": 1, "FI": 1}  # other countries with an iot row
    labels = {o.value: o.label for o in select(THINGS, ROWS, {}).facets["region"]}
    assert labels["SE12"] == "Östra Mellansverige"


def test_the_chosen_option_is_listed_even_with_no_rows():
    selection = select(THINGS, ROWS, {"country": "FI", "status": "forthcoming"})
    assert selection.total == 0 and counts(selection, "status")["forthcoming"] == 0
    assert [o.value for o in selection.facets["status"] if o.chosen] == ["forthcoming"]


def test_country_codes_are_read_as_iso():
    assert [r["id"] for r in select(THINGS, ROWS, {"country": "UK"}).rows] == ["c"]


@pytest.mark.parametrize(
    ("chosen", "field"),
    [({"country": "XX"}, "country"), ({"tag": "blockchain"}, "tag"), ({"region": "SE1"}, "region"),
     ({"colour": "red"}, "colour")],
)  # fmt: skip
def test_unknown_values_are_refused_naming_the_parameter(chosen, field):
    with pytest.raises(ParameterError) as refused:
        select(THINGS, ROWS, chosen)
    assert refused.value.field == field and refused.value.status == 400


def test_pages_cut_the_rows_and_paging_is_bounded():
    assert [r["id"] for r in select(THINGS, ROWS, {}, page=2, per_page=2).rows] == ["c", "d"]
    assert select(THINGS, ROWS, {}, page=3, per_page=2).pages == 3
    assert select(THINGS, ROWS, {}, page=9, per_page=2).rows == []
    assert listing.paging({}) == (1, listing.PER_PAGE)
    assert listing.paging({"page": "3", "per_page": "100"}) == (3, 100)
    for params, field in (({"per_page": "101"}, "per_page"), ({"page": "0"}, "page"), ({"page": "-1"}, "page"),
                          ({"page": "1e3"}, "page"), ({"per_page": "²"}, "per_page")):  # fmt: skip
        with pytest.raises(ParameterError) as refused:
            listing.paging(params)
        assert refused.value.field == field
    with pytest.raises(ParameterError) as refused:
        listing.choices(THINGS, {"tag": "x" * 201})
    assert refused.value.field == "tag"
    assert listing.choices(THINGS, {"tag": " ai ", "country": "", "lang": "sv"}) == {"tag": "ai"}


def test_the_csv_cells_join_lists():
    assert listing.table(THINGS, ROWS[:1] + ROWS[4:]) == [["a", "SE", "ai; iot"], ["e", "", "ai; ai"]]


def test_calls_are_those_one_can_apply_to_open_first():
    calls = [
        {"id": "x", "status": "closed"},
        {"id": "y", "status": "forthcoming", "opens_in": 3},
        {"id": "z", "status": "open", "days_left": 30},
        {"id": "w", "status": "open", "days_left": 2},
        {"id": "v", "status": "open", "days_left": None},
    ]
    assert [c["id"] for c in listing.call_rows(calls)] == ["w", "z", "v", "y"]

"""What a place counts (one rule for every page, map and API answer) and where things are."""

from __future__ import annotations

import pytest

from samverkan.catalogue.countries import iso_from_code, nuts_from_code
from samverkan.catalogue.details import distance_km, holds


@pytest.mark.parametrize(("nuts", "iso"), [("UK", "GB"), ("EL", "GR"), ("SE", "SE"), ("de", "DE")])
def test_country_codes_join_both_ways(nuts, iso):
    assert iso_from_code(nuts) == iso and nuts_from_code(iso) == nuts.upper()
    assert nuts_from_code("UKC1") == "UKC1" and nuts_from_code("EL30") == "EL30"


def test_a_country_holds_its_records_placed_or_not_a_region_those_placed_in_it():
    placed = {"country": "GB", "region": "UKI3"}
    unplaced = {"country": "GB", "region": None}
    duplicate = {"country": "GB", "region": "UKI3", "same_as": "other"}
    assert holds("UK", 0, placed) and holds("UK", 0, unplaced) and not holds("UK", 0, duplicate)
    assert holds("UKI", 1, placed) and not holds("UKI", 1, unplaced) and not holds("UKC", 1, placed)
    assert not holds("SE", 0, placed)


def test_distance_between_stockholm_and_gothenburg():
    assert distance_km((59.33, 18.07), (57.71, 11.97)) == pytest.approx(398, abs=5)
    assert distance_km((57.7, 11.9), (57.7, 11.9)) == 0

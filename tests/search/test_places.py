"""Placing records in NUTS regions, on the real NUTS 2021 shapes and Swedish municipalities."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from samverkan.catalogue.places import Place, common_parent, in_region, load_places, place_keys


@pytest.fixture(scope="module")
def places(demo_db):
    from sqlalchemy import create_engine

    engine = create_engine(demo_db.url)
    with Session(engine) as session:
        yield load_places(session)
    engine.dispose()


def test_place_keys_survive_lost_and_escaped_accents():
    assert "gavle" in place_keys("Gävle") and "gvle" in place_keys("Gävle")
    assert place_keys("Gvle") & place_keys("Gävle")
    assert place_keys("Lule&amp;#229;") == place_keys("Luleå")
    assert "kista" in place_keys("Kista (Sweden)")
    assert "munchen" in place_keys("München, Kreisfreie Stadt")
    assert "stockholms" in place_keys("Stockholms län")


def test_common_parent_and_prefix():
    assert common_parent(["DE212", "DE21H"]) == "DE21"
    assert common_parent(["SE11", "SE110"]) == "SE11"
    assert common_parent(["SE110", "DK011"]) == ""
    assert in_region("SE232", "SE2") and in_region("SE232", "SE232") and not in_region("SE232", "SE1")
    assert not in_region(None, "SE")


@pytest.mark.parametrize(
    ("lat", "lon", "country", "nuts"),
    [
        (57.6887, 11.9780, "SE", "SE232"),  # Chalmers, Göteborg
        (55.7119, 13.2071, "SE", "SE224"),  # Lund University
        (59.3498, 18.0707, "SE", "SE110"),  # KTH, Stockholm
        (48.2632, 11.6714, "DE", "DE21"),  # TU München, Garching (Landkreis München, DE21H)
    ],
)
def test_coordinates_fall_in_their_nuts3_polygon(places, lat, lon, country, nuts):
    place = places.locate(country, lat=lat, lon=lon)
    assert place is not None and place.how == "coordinates" and place.nuts.startswith(nuts)


def test_a_point_in_another_country_is_not_trusted(places):
    # Göteborg's coordinates on an organisation said to be Danish: not placed by them
    assert places.locate("DK", lat=57.6887, lon=11.9780) is None


@pytest.mark.parametrize(
    ("country", "city", "nuts"),
    [
        ("SE", "Goteborg", "SE232"),
        ("SE", "Gvle", "SE313"),
        ("SE", "Lule&#229;", "SE332"),
        ("SE", "Stockholm", "SE11"),  # both the NUTS 2 region and the län: their common parent
        ("DE", "München", "DE21"),  # the city and the Landkreis
        ("NL", "AMSTERDAM", "NL329"),  # Groot-Amsterdam, by one word of its name
    ],
)
def test_cities_by_name(places, country, city, nuts):
    assert places.locate(country, city=city) == Place(nuts, "city")


def test_unknown_city_or_country_is_not_placed(places):
    assert places.locate("SE", city="Kista") is None
    assert places.locate(None, city="Goteborg") is None
    assert places.locate("SE", nuts="SE232") == Place("SE232", "nuts code")

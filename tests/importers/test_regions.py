"""NUTS 2021 GeoJSON/CSV and Swedish municipalities/counties → regions, municipalities, counties."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from samverkan.db.models import County, Municipality, Region
from samverkan.errors import InputError
from samverkan.importers import import_source

from .helpers import snapshot

RG = "NUTS_RG_60M_2021_4326.geojson"
LB = "NUTS_LB_2021_4326.geojson"
KOMMUN_HEADER = "kommunkod,kommun,kommun_kort,lanskod,lan,nuts3,lat,lon,name_in_geojson"
GOTEBORG = "1480,Göteborgs kommun,Göteborg,14,Västra Götalands län,SE232,57.69,11.88,Göteborg"


def swedish_features(shared: Path, name: str = RG) -> dict[str, Any]:
    """The real Swedish NUTS features (33) of a GISCO file, as a FeatureCollection."""
    data = json.loads((shared / "regions" / "nuts2021" / name).read_text(encoding="utf-8"))
    data["features"] = [f for f in data["features"] if f["properties"]["NUTS_ID"].startswith("SE")]
    return data


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def levels(engine) -> Counter[int]:
    with Session(engine) as session:
        return Counter(session.scalars(select(Region.level)))


def test_the_whole_folder_imports_and_reimport_changes_nothing(engine, shared):
    report = import_source(engine, "regions", shared / "regions")
    assert report.counts["regions"].inserted == 2010 and report.counts["NUTS features"].read == 2010
    assert report.counts["NUTS label points"].read == 2010
    assert report.counts["municipalities"].inserted == 290 and report.counts["counties"].inserted == 21
    notes = "\n".join(report.notes)
    for skipped in ("NUTS_BN_60M_2021_4326.geojson", "kommuner_by_lan.json", "nuts2021_regions.csv", "_LEVL_3"):
        assert skipped in notes
    assert "län 21 as 'Värmlands län'/SE311 (officially Gävleborgs län/SE313) on 10 rows" in notes
    assert levels(engine) == {0: 37, 1: 125, 2: 334, 3: 1514}
    again = import_source(engine, "regions", shared / "regions")
    assert not again.changed
    for entity, total in (("regions", 2010), ("municipalities", 290), ("counties", 21)):
        counts = again.counts[entity]
        assert (counts.inserted, counts.updated, counts.unchanged) == (0, 0, total)
    with Session(engine) as session:
        se232 = session.get(Region, "SE232")
        assert (se232.level, se232.parent_id, se232.country, se232.name) == (3, "SE23", "SE", "Västra Götalands län")
        assert (se232.label_lat, se232.label_lon) == (57.9886, 12.9933) and se232.geometry["type"] == "Polygon"
        assert (se232.mount_type, se232.urban_type, se232.coast_type) == (4, 1, 1)
        sweden = session.get(Region, "SE")
        assert sweden.level == 0 and sweden.parent_id is None and sweden.urban_type is None
        attiki = session.get(Region, "EL30")
        assert (attiki.country, attiki.parent_id, attiki.name_latn) == ("GR", "EL3", "Attiki")
        assert session.get(Region, "UKI3").country == "GB"
        assert session.get(Region, "NO0B1").name == "Jan Mayen"  # trailing CR/LF in the source
        goteborg = session.get(Municipality, "1480")
        assert (goteborg.name, goteborg.short_name, goteborg.county_code, goteborg.nuts3) == (
            "Göteborgs kommun",
            "Göteborg",
            "14",
            "SE232",
        )
        assert goteborg.geometry["type"] in ("Polygon", "MultiPolygon") and round(goteborg.lat, 2) == 57.69
        assert session.get(Municipality, "0114").code == "0114"  # zero-padded
        assert session.get(Municipality, "1283").short_name == "Helsingborg"  # kommun_kort says Helsingsborg
        gavle = session.get(Municipality, "2180")
        assert (gavle.county_code, gavle.nuts3) == ("21", "SE313")
        county = session.get(County, "14")
        assert (county.name, county.nuts3, county.geometry["type"]) == ("Västra Götalands län", "SE232", "MultiPolygon")
        assert session.get(County, "21").name == "Gävleborgs län" and session.get(County, "01").nuts3 == "SE110"


def test_subfolders_and_single_files(engine, shared):
    nuts = import_source(engine, "regions", shared / "regions" / "nuts2021")
    assert nuts.counts["regions"].inserted == 2010 and "municipalities" not in nuts.counts
    sweden = import_source(engine, "regions", shared / "regions" / "sweden")
    assert sweden.counts["municipalities"].inserted == 290 and "regions" not in sweden.counts
    # a polygon file alone updates municipalities imported before
    shapes = import_source(engine, "regions", shared / "regions" / "sweden" / "swedish_municipalities.geojson")
    assert shapes.counts["municipalities"].unchanged == 290 and not shapes.changed


def test_per_level_files_are_used_without_the_all_levels_file(engine, shared, tmp_path):
    for level in range(4):
        shutil.copy(shared / "regions" / "nuts2021" / f"NUTS_RG_60M_2021_4326_LEVL_{level}.geojson", tmp_path)
    shutil.copy(shared / "regions" / "nuts2021" / LB, tmp_path)
    report = import_source(engine, "regions", tmp_path)
    assert report.counts["NUTS features"].read == 2010 and levels(engine) == {0: 37, 1: 125, 2: 334, 3: 1514}
    with Session(engine) as session:
        se232 = session.get(Region, "SE232")
        assert se232.geometry["type"] == "Polygon" and se232.label_lat == 57.9886


def test_the_csv_gives_attributes_when_no_geojson_is_given(engine, shared, tmp_path):
    shutil.copy(shared / "regions" / "nuts2021" / "nuts2021_regions.csv", tmp_path)
    report = import_source(engine, "regions", tmp_path)
    assert report.counts["NUTS rows"].read == 2010 and levels(engine) == {0: 37, 1: 125, 2: 334, 3: 1514}
    with Session(engine) as session:
        se232 = session.get(Region, "SE232")
        assert se232.geometry is None and se232.country == "SE" and se232.urban_type == 1
        assert session.get(Region, "EL30").country == "GR"
    labels = import_source(engine, "regions", shared / "regions" / "nuts2021" / LB)
    assert labels.counts["regions"].updated == 2010


def test_boundary_lines_alone_are_not_regions(engine, shared, tmp_path):
    shutil.copy(shared / "regions" / "nuts2021" / "NUTS_BN_60M_2021_4326.geojson", tmp_path)
    with pytest.raises(InputError, match="no NUTS or Swedish region files found"):
        import_source(engine, "regions", tmp_path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"type": "Feature", "properties": {}}, rf"{RG}: field 'type': expected a GeoJSON .*, found 'Feature'"),
        ([1, 2], rf"{RG}: field 'type': expected a GeoJSON FeatureCollection, found 'list'"),
        (
            {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "EPSG:3035"}}, "features": []},
            rf"{RG}: field 'crs': coordinates must be EPSG:4326",
        ),
    ],
)
def test_a_geojson_that_is_not_a_feature_collection_is_rejected(engine, tmp_path, content, message):
    with pytest.raises(InputError, match=message):
        import_source(engine, "regions", write_json(tmp_path / RG, content))


def test_broken_and_non_utf8_geojson_are_clear_errors(engine, tmp_path):
    (tmp_path / RG).write_text('{"type": "FeatureCollection",\n "features": [}\n', encoding="utf-8")
    with pytest.raises(InputError, match=rf"{RG}:2: broken JSON"):
        import_source(engine, "regions", tmp_path / RG)
    latin1 = '{"type": "FeatureCollection",\n"name": "Västsverige", "features": []}'.encode("latin-1")
    (tmp_path / RG).write_bytes(latin1)
    with pytest.raises(InputError, match=rf"{RG}:2: not valid UTF-8"):
        import_source(engine, "regions", tmp_path / RG)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (lambda f: f["properties"].pop("NUTS_ID"), "NUTS_ID", "is required but empty"),
        (lambda f: f["properties"].update(NUTS_ID="S-E"), "NUTS_ID", "'S-E' is not a NUTS code"),
        (lambda f: f["properties"].update(LEVL_CODE=1), "LEVL_CODE", "1 does not match NUTS code"),
        (lambda f: f["properties"].update(CNTR_CODE="NO"), "CNTR_CODE", "'NO' does not match NUTS code"),
        (lambda f: f.update(geometry={"type": "Point", "coordinates": [1, 2]}), "geometry", "expected a Polygon"),
        (lambda f: f.pop("properties"), "properties", "not a GeoJSON Feature"),
    ],
)
def test_a_broken_feature_names_file_feature_and_field_and_changes_nothing(
    engine, shared, tmp_path, change, field, message
):
    data = swedish_features(shared)
    import_source(engine, "regions", write_json(tmp_path / RG, data))
    before = snapshot(engine)
    data["features"][0]["properties"]["NUTS_NAME"] = "Renamed"
    change(data["features"][2])
    with pytest.raises(InputError, match=rf"{RG}: field '{field}': feature 3 \(counting from 1\): {message}"):
        import_source(engine, "regions", write_json(tmp_path / RG, data))
    assert snapshot(engine) == before
    with Session(engine) as session:
        assert session.get(Region, data["features"][0]["properties"]["NUTS_ID"]).name != "Renamed"


def test_a_broken_label_point_is_rejected(engine, shared, tmp_path):
    data = swedish_features(shared, LB)
    data["features"][1]["geometry"] = {"type": "Point", "coordinates": [500, 57]}
    with pytest.raises(InputError, match=rf"{LB}: field 'geometry': feature 2 \(counting from 1\): \[500, 57\] is not"):
        import_source(engine, "regions", write_json(tmp_path / LB, data))


def test_a_broken_nuts_csv_row_names_file_line_and_field(engine, tmp_path):
    path = tmp_path / "nuts.csv"
    path.write_text("NUTS_ID,LEVL_CODE,CNTR_CODE,NAME_LATN,NUTS_NAME\nSE,0,SE,Sverige,Sverige\nSE2,2,SE,X,X\n")
    with pytest.raises(InputError, match=r"nuts\.csv:3: field 'LEVL_CODE': 2 does not match NUTS code SE2 \(level 1\)"):
        import_source(engine, "regions", path)
    assert snapshot(engine)["regions"] == 0


def test_kommuner_csv_missing_column_names_column_and_file(engine, tmp_path):
    path = tmp_path / "kommuner_sweden.csv"
    content = "kommunkod,kommun,kommun_kort,lan,nuts3\n1480,Göteborgs kommun,Göteborg,x,SE232\n"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=r"kommuner_sweden\.csv:1: field 'lanskod': required column is missing"):
        import_source(engine, "regions", path)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("14X0,X kommun,X,14,Västra Götalands län,SE232,,,", r"field 'kommunkod': '14X0' is not a 4-digit code"),
        ("1481,X kommun,X,13,Hallands län,SE231,,,", r"field 'lanskod': 13 does not match kommunkod 1481"),
        ("9901,X kommun,X,99,X län,SE999,,,", r"field 'kommunkod': '9901' is not in a Swedish län"),
        ("1481,X kommun,X,14,Västra Götalands län,SE232,95,11,", r"field 'lat': 95.0 is out of range"),
        ("1481,,X,14,Västra Götalands län,SE232,,,", r"field 'kommun': is required but empty"),
    ],
)
def test_a_broken_kommuner_row_rejects_the_file_and_changes_nothing(engine, tmp_path, bad, message):
    path = tmp_path / "kommuner_sweden.csv"
    path.write_text(f"{KOMMUN_HEADER}\n{GOTEBORG}\n", encoding="utf-8")
    import_source(engine, "regions", path)
    before = snapshot(engine)
    path.write_text(f"{KOMMUN_HEADER}\n{GOTEBORG.replace('57.69', '57.7')}\n{bad}\n", encoding="utf-8")
    with pytest.raises(InputError, match=rf"kommuner_sweden\.csv:3: {message}"):
        import_source(engine, "regions", path)
    assert snapshot(engine) == before
    with Session(engine) as session:
        assert session.get(Municipality, "1480").lat == 57.69


def test_kommuner_csv_non_utf8_is_a_clear_error(engine, tmp_path):
    path = tmp_path / "kommuner_sweden.csv"
    path.write_bytes(f"{KOMMUN_HEADER}\n{GOTEBORG}\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"kommuner_sweden\.csv:2: not valid UTF-8"):
        import_source(engine, "regions", path)


def test_municipality_polygons_need_known_municipalities(engine, shared):
    path = shared / "regions" / "sweden" / "swedish_municipalities.geojson"
    with pytest.raises(InputError, match=r"field 'id': feature 1 \(counting from 1\): kommunkod 0138 is not a known"):
        import_source(engine, "regions", path)
    assert snapshot(engine)["municipalities"] == 0


def test_county_polygons_alone_create_the_official_counties(engine, shared):
    report = import_source(engine, "regions", shared / "regions" / "sweden" / "swedish_regions.geojson")
    assert report.counts["counties"].inserted == 21
    with Session(engine) as session:
        gavleborg = session.get(County, "21")
        assert (gavleborg.name, gavleborg.nuts3) == ("Gävleborgs län", "SE313") and gavleborg.geometry

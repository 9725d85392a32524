"""The demo tenants of the sensor data space parse the bundled time series completely and honestly.

Expected counts are computed here from the raw gzip files with plain csv reading, independently of
the parser.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import re
import shutil
import zipfile
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from samverkan.dataspace.demo_series import bundled_root, demo_tenants
from samverkan.dataspace.demo_series.series import DemoTenant, Series

pytestmark = pytest.mark.filterwarnings("error")

ROOT = Path(__file__).resolve().parents[2]
IOT = ROOT / "src" / "samverkan" / "data" / "demo" / "iot"
CORDIS_ZIP = ROOT / "src" / "samverkan" / "data" / "demo" / "cordis" / "cordis-h2020.zip"

Parsed = dict[str, dict[str, list[tuple[datetime, float]]]]  # tenant slug -> datastream -> observations


def raw_lines(path: Path) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as stream:
        return stream.read().splitlines()


def raw_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO("\n".join(raw_lines(path)))))


@pytest.fixture(scope="module")
def tenants() -> dict[str, DemoTenant]:
    return {tenant.slug: tenant for tenant in demo_tenants()}


@pytest.fixture(scope="module")
def parsed(tenants: dict[str, DemoTenant]) -> Parsed:
    return {
        slug: {series.datastream: list(series.observations()) for thing in tenant.things for series in thing.series}
        for slug, tenant in tenants.items()
    }


def all_series(tenants: dict[str, DemoTenant]) -> Iterator[tuple[str, Series]]:
    for slug, tenant in tenants.items():
        for thing in tenant.things:
            for series in thing.series:
                yield slug, series


def test_every_tenant_parses(tenants: dict[str, DemoTenant], parsed: Parsed):
    assert set(tenants) == {"smhi", "aarhus-kommune", "sensor-community-bristol", "uci-air-quality"}
    for slug, tenant in tenants.items():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug)
        assert tenant.licence.startswith("http")
        assert tenant.things
        for thing in tenant.things:
            assert thing.series and thing.location_description
            assert -180 <= thing.longitude <= 180 and -90 <= thing.latitude <= 90
            names = [series.datastream for series in thing.series]
            assert len(names) == len(set(names))
    for slug, series in all_series(tenants):
        assert parsed[slug][series.datastream], series.datastream
        assert series.property_definition.startswith("http") and series.unit.definition.startswith("http")


def test_times_are_aware_utc_and_strictly_increasing(tenants: dict[str, DemoTenant], parsed: Parsed):
    for slug, series in all_series(tenants):
        observations = parsed[slug][series.datastream]
        times = sorted(when for when, _ in observations)
        assert all(when.utcoffset() == timedelta(0) for when in times), series.datastream
        assert all(a < b for a, b in zip(times, times[1:], strict=False)), series.datastream
        assert [when for when, _ in observations] == times  # already yielded in order
        assert all(isinstance(value, float) and math.isfinite(value) for _, value in observations)


def test_smhi_counts_and_coordinates(tenants: dict[str, DemoTenant], parsed: Parsed):
    things = {thing.series[0].datastream: thing for thing in tenants["smhi"].things}
    for path in sorted((IOT / "smhi").glob("*.csv.gz")):
        lines = raw_lines(path)
        station = lines[1].split(";")[0]
        start = next(i for i, line in enumerate(lines) if line.startswith("Datum;"))
        expected = sum(1 for line in lines[start + 1 :] if line.count(";") >= 3 and line.split(";")[2])
        assert len(parsed["smhi"][f"Air temperature, {station}"]) == expected
        if station == "Borås":
            position = lines[lines.index(next(line for line in lines if line.startswith("Tidsperiod"))) + 1]
            latitude, longitude = (float(x) for x in position.split(";")[3:5])
            thing = things["Air temperature, Borås"]
            assert (thing.latitude, thing.longitude) == (latitude, longitude) == (57.7611, 12.9493)


def test_smhi_times_are_the_files_utc_times(parsed: Parsed):
    first = parsed["smhi"]["Air temperature, Borås"][0]
    assert first == (datetime(1961, 1, 1, 6, tzinfo=UTC), -0.5)  # "1961-01-01;06:00:00;-0.5;G" under "Tid (UTC)"


def test_aarhus_counts(tenants: dict[str, DemoTenant], parsed: Parsed):
    aarhus = parsed["aarhus-kommune"]
    traffic = [row for row in raw_rows(IOT / "citypulse-aarhus" / "trafficData158324.csv.gz") if row["status"] == "OK"]
    assert len(aarhus["Vehicle count, traffic point 158324"]) == len(traffic)
    assert len(aarhus["Average speed, traffic point 158324"]) == len(traffic)

    parking = raw_rows(IOT / "citypulse-aarhus" / "aarhus_parking.csv.gz")
    per_garage = Counter(row["garagecode"] for row in parking)
    spaces = {row["garagecode"]: int(row["totalspaces"]) for row in parking}
    garages = {t.properties["garagecode"]: t for t in tenants["aarhus-kommune"].things if "garagecode" in t.properties}
    assert set(garages) == set(per_garage) and len(garages) == 8
    for code, thing in garages.items():
        assert thing.properties["totalspaces"] == spaces[code]
        assert len(aarhus[f"Parked vehicles, {code}"]) == per_garage[code]

    for column, name in [
        ("tempm", "Air temperature"),
        ("hum", "Relative humidity"),
        ("pressurem", "Air pressure"),
        ("wdird", "Wind direction"),
        ("wspdm", "Wind speed"),
    ]:
        rows = raw_rows(IOT / "citypulse-aarhus" / f"{column}.csv.gz")
        assert len(aarhus[f"{name}, Aarhus"]) == sum(1 for row in rows if row[column].strip())


def test_aarhus_time_zones(parsed: Parsed):
    aarhus = parsed["aarhus-kommune"]
    # weather: local time (CEST, UTC+2); the file's first day starts at 2014-08-01T00:00 local
    assert aarhus["Air temperature, Aarhus"][0][0] == datetime(2014, 7, 31, 22, tzinfo=UTC)
    # traffic: read as UTC (see the module notes); first row 2014-08-01T07:50:00
    assert aarhus["Vehicle count, traffic point 158324"][0] == (datetime(2014, 8, 1, 7, 50, tzinfo=UTC), 5.0)
    # parking: local time; the hour repeated when summer time ended becomes four half-hour steps
    for name, observations in aarhus.items():
        if name.startswith("Parked vehicles"):
            night = [when for when, _ in observations if datetime(2014, 10, 25, 23, tzinfo=UTC) <= when]
            night = night[:8]
            steps = {round((b - a).total_seconds() / 60) for a, b in zip(night, night[1:], strict=False)}
            assert steps == {30}, name


def test_bristol_merges_july_and_august(tenants: dict[str, DemoTenant], parsed: Parsed):
    folder = IOT / "sensor-community-bristol"
    expected: Counter[str] = Counter()
    for path in folder.glob("*.csv.gz"):
        expected[path.name.split("_")[4]] += len(raw_rows(path))
    things = tenants["sensor-community-bristol"].things
    assert {thing.properties["sensorId"] for thing in things} == set(expected) and len(expected) == 3
    for sensor_id, count in expected.items():
        for size in ("PM10", "PM2.5"):
            observations = parsed["sensor-community-bristol"][f"{size}, 24-hour mean, sensor {sensor_id}"]
            assert len(observations) == count
            assert {when.month for when, _ in observations} == {7, 8}
    for thing in things:
        assert all("24-hour" in series.description for series in thing.series)
        assert thing.location_description.startswith("Approximate centre of Bristol")


def test_uci_counts_skip_minus_200(tenants: dict[str, DemoTenant], parsed: Parsed):
    rows = raw_rows(IOT / "uci-air-quality" / "AirQualityUCI.csv.gz")
    columns = [column for column in rows[0] if column not in ("Date", "Time")]
    (device,) = tenants["uci-air-quality"].things
    assert len(device.series) == len(columns) == 13
    uci = parsed["uci-air-quality"]
    for series in device.series:
        column = series.description.split("Column ")[1].split(".")[0]
        assert len(uci[series.datastream]) == sum(1 for row in rows if float(row[column]) != -200), column
        assert all(value != -200 for _, value in uci[series.datastream])


def test_uci_times_are_italian_standard_time(parsed: Parsed):
    # first row "10/03/2004,18:00:00" with CO_GT 2.6; UTC+01:00 all year (no daylight saving in the file)
    assert parsed["uci-air-quality"]["CO, reference, UCI multisensor device"][0] == (
        datetime(2004, 3, 10, 17, tzinfo=UTC),
        2.6,
    )


def test_organisation_ids_are_in_the_catalogue_demo(tenants: dict[str, DemoTenant]):
    with zipfile.ZipFile(CORDIS_ZIP) as archive, archive.open("organization.csv") as raw:
        names: dict[str, set[str]] = {}
        for row in csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8"), delimiter=";"):
            names.setdefault(row["organisationID"], set()).add(row["name"])
    assert "SVERIGES METEOROLOGISKA OCH HYDROLOGISKA INSTITUT" in names[tenants["smhi"].organisation_id]
    assert "AARHUS KOMMUNE" in names[tenants["aarhus-kommune"].organisation_id]
    assert tenants["sensor-community-bristol"].organisation_id is None
    assert tenants["uci-air-quality"].organisation_id is None


def test_parsing_is_lazy(tmp_path: Path):
    copy = tmp_path / "iot"
    shutil.copytree(bundled_root(), copy)
    lazy = demo_tenants(copy)
    shutil.rmtree(copy)  # nothing left to read: every observation must still be unread
    series = [s for tenant in lazy for thing in tenant.things for s in thing.series]
    assert len(series) == 3 + (2 + 8 + 5) + 3 * 2 + 13
    for s in series:
        assert callable(s.observations)
        observations = s.observations()
        assert isinstance(observations, Iterator)
        with pytest.raises(FileNotFoundError):
            next(observations)

"""Demo tenants for the sensor data space, built from the real time series bundled in ``data/demo/iot``.

The files are the shared data set's copies, gzip-compressed and otherwise unchanged (provenance and
licences in ``data/README.md``). This module turns them into the OGC SensorThings API 1.1 shape the
data space stores: a tenant owns Things; a Thing has one Location and Datastreams; each Datastream
has a Sensor, an ObservedProperty, a unitOfMeasurement and Observations (phenomenonTime, numeric
result). Nothing is written anywhere: :func:`demo_tenants` only describes the tenants, and each
series parses its file when its ``observations()`` iterator is first advanced.

Observations come out as timezone-aware UTC datetimes in increasing order. Missing values are
skipped. The data space identifies an observation by datastream + phenomenonTime, so when two rows
of one series carry the same time, the first row in the file wins. Measured on the bundled files,
that rule drops nothing: 0 rows in every file and series (SMHI, traffic, each of the 8 garages after
the daylight-saving fix below, each weather file, each Bristol sensor's merged July+August series,
each UCI column). The parking file also has no exact duplicate rows and no repeated (garage,
updatetime) pair.

Time zones, decided from the files themselves:

- SMHI: the column is ``Tid (UTC)``, so the times are read as UTC.
- CityPulse parking (``updatetime``): local time, Europe/Copenhagen. On 2014-10-26, when summer
  time ended, the file has two readings at 02:28 and two at 02:58 (16 rows more than other days);
  the source's ``_id`` shows the order they were stored in. So for a wall time that occurs twice,
  the reading stored later goes to the second occurrence (standard time).
- CityPulse weather: local time, Europe/Copenhagen. The source repository's raw export (``hum.txt``)
  has one line per calendar day, each from 00:00 to 23:50, which fits a download by local day. The
  mean daily temperature maximum falls at 15:00-16:00. The semidiurnal pressure maximum falls at
  about 11:30 and 23:30: that is 10:10 local solar time if the clock is CEST, the expected phase of
  the atmospheric tide, and 12:10 if it were UTC. August-September has no clock change.
- CityPulse traffic (``TIMESTAMP``): read as **UTC**, not local time. On weekdays the file's
  vehicle count peaks at 05:00-06:00, when the average speed also drops from about 60 to 42 km/h.
  A second peak follows at 13:00-14:00 (12:00 on Fridays), and the fewest 5-minute records fall at
  00:00-01:00. Read as UTC (CEST is UTC+2), those are the usual 07:00-08:00 and 15:00-16:00 rush
  hours and a 02:00 low. Read as local time, the rush hours would fall at 05:00 and 13:00.
- sensor.community: the archive's timestamps are UTC, and the source project's 24-hour means keep
  them unchanged.
- UCI Air Quality: local Italian time, but **without** daylight saving. The series is exactly
  hourly across 2004-03-28, 2004-10-31 and 2005-03-27. It has the hour 02:00 that does not exist on
  the spring days and only one 02:00 in October, and its morning traffic rise in summer comes one
  hour earlier than in winter. The clock is therefore read as a fixed UTC+01:00 (Italian standard
  time, *ora solare*). Europe/Rome would make 02:00 and 03:00 of each spring day the same instant.

Other known properties, kept as they are:

- SMHI: values flagged Y (suspect or aggregated) are kept: 14 in Borås, 77 in Lund and 72 in
  Falun-Lugnet; the rest are G (checked and approved). Most values are at 06, 12 and 18 UTC. Lund
  and Falun-Lugnet moved during their records; the Location is the latest position and the Thing's
  properties list all of them.
- Parking: ``vehiclecount`` exceeds ``totalspaces`` in 4,520 rows (BUSGADEHUSET 3,888, NORREPORT
  630, SKOLEBAKKEN 1, SALLING 1). ``totalspaces`` is constant per garage.
- Weather: wind direction 0 occurs 70 times together with wind speed 0 (calm). Empty values are
  skipped: tempm 1, hum 1, pressurem 2, wdird 40, wspdm 22. Wind speed is in km/h: its values are
  whole knots times 1.852.
- UCI: the documentation gives no unit for AH ("absolute humidity"). The values are not g/m³:
  they match the water-vapour partial pressure in kPa computed from T and RH (Magnus formula; median
  ratio 0.993, 90 % of rows within 0.984-1.010), so the series is described that way.
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from importlib import resources
from itertools import islice
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

# Organisation ids in samverkan's catalogue: the ``organisationID`` column of organization.csv in
# data/demo/cordis/cordis-h2020.zip (CORDIS H2020; both are PICs).
SMHI_ORGANISATION_ID = "999507983"  # SVERIGES METEOROLOGISKA OCH HYDROLOGISKA INSTITUT, SE, NORRKOEPING
AARHUS_KOMMUNE_ORGANISATION_ID = "992597994"  # AARHUS KOMMUNE (also spelt ARHUS KOMMUNE), DK, PUB
# The Bristol sensors are citizen sensors of sensor.community, and the catalogue has no organisation
# for them. The source repository's account (kwmc-lucas) suggests Knowle West Media Centre
# (992226096 in the same file) runs the dashboard, but that does not make it the sensors' owner. The
# UCI device has no organisation in the catalogue either.

CC_BY_4 = "https://creativecommons.org/licenses/by/4.0/"
ODBL_1 = "https://opendatacommons.org/licenses/odbl/1-0/"
# The shared data set names the CityPulse licence only as "CityPulse datasets"; its terms are
# published with the data sets on this page.
CITYPULSE_DATASETS = "http://iot.ee.surrey.ac.uk:8080/datasets.html"
UCI_AIR_QUALITY = "https://archive.ics.uci.edu/dataset/360/air+quality"
SMHI_METOBS_DOCS = "https://opendata.smhi.se/apidocs/metobs/index.html"
SENSOR_COMMUNITY_AIRROHR = "https://sensor.community/en/sensors/airrohr/"
CF_STANDARD_NAME = "http://vocab.nerc.ac.uk/standard_name/{}/"

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
ITALIAN_STANDARD_TIME = timezone(timedelta(hours=1), "UTC+01:00")

Observations = Callable[[], Iterator[tuple[datetime, float]]]


@dataclass(frozen=True)
class Unit:
    """A SensorThings unitOfMeasurement."""

    name: str
    symbol: str
    definition: str


@dataclass(frozen=True)
class Series:
    """One Datastream with its Sensor, ObservedProperty, unit and (lazily parsed) Observations."""

    datastream: str
    description: str
    observed_property: str
    property_definition: str
    unit: Unit
    sensor: str
    sensor_description: str
    sensor_metadata: str
    observations: Observations = field(repr=False, compare=False)


@dataclass(frozen=True)
class DemoThing:
    """A Thing with its single Location and its Datastreams."""

    name: str
    description: str
    location_name: str
    longitude: float
    latitude: float
    location_description: str
    properties: dict[str, Any]
    series: tuple[Series, ...]


@dataclass(frozen=True)
class DemoTenant:
    """One organisation's space in the data space, with the licence of the data it holds."""

    slug: str
    name: str
    organisation_id: str | None
    licence: str
    things: tuple[DemoThing, ...]


DEGREE_CELSIUS = Unit("degree Celsius", "°C", "http://qudt.org/vocab/unit/DEG_C")
PERCENT = Unit("percent", "%", "http://qudt.org/vocab/unit/PERCENT")
HECTOPASCAL = Unit("hectopascal (millibar)", "hPa", "http://qudt.org/vocab/unit/HectoPA")
KILOPASCAL = Unit("kilopascal", "kPa", "http://qudt.org/vocab/unit/KiloPA")
DEGREE = Unit("degree (angle)", "°", "http://qudt.org/vocab/unit/DEG")
KM_PER_HOUR = Unit("kilometre per hour", "km/h", "http://qudt.org/vocab/unit/KiloM-PER-HR")
MICROGRAM_PER_M3 = Unit("microgram per cubic metre", "µg/m³", "http://qudt.org/vocab/unit/MicroGM-PER-M3")
MILLIGRAM_PER_M3 = Unit("milligram per cubic metre", "mg/m³", "http://qudt.org/vocab/unit/MilliGM-PER-M3")
PPB = Unit("part per billion", "ppb", "http://qudt.org/vocab/unit/PPB")
UNITLESS = Unit("dimensionless (raw sensor response)", "", "http://qudt.org/vocab/unit/UNITLESS")
VEHICLES = Unit("vehicles (count)", "{vehicles}", "http://qudt.org/vocab/unit/NUM")


def bundled_root() -> Path:
    """The folder of the bundled sensor time series (``samverkan/data/demo/iot``)."""
    return Path(str(resources.files("samverkan") / "data" / "demo" / "iot"))


def demo_tenants(root: Path | None = None) -> list[DemoTenant]:
    """The four demo tenants and their Things.

    Reads only file headers and the first rows it needs for metadata. Observations are parsed
    when a series' ``observations()`` iterator is advanced.
    """
    root = bundled_root() if root is None else Path(root)
    return [
        _smhi_tenant(root / "smhi"),
        _aarhus_tenant(root / "citypulse-aarhus"),
        _bristol_tenant(root / "sensor-community-bristol"),
        _uci_tenant(root / "uci-air-quality"),
    ]


# -- shared helpers ---------------------------------------------------------------------------


def _open(path: Path) -> IO[str]:
    """A text stream over a gzip-compressed CSV, with any UTF-8 BOM removed."""
    return gzip.open(path, "rt", encoding="utf-8-sig", newline="")


def _rows(path: Path) -> Iterator[dict[str, str]]:
    """The rows of a comma-separated file with a header line."""
    with _open(path) as stream:
        yield from csv.DictReader(stream)


def _first_rows(path: Path, count: int) -> list[dict[str, str]]:
    """The first ``count`` data rows of a comma-separated file with a header line."""
    with _open(path) as stream:
        return list(islice(csv.DictReader(stream), count))


def _first_per_time(pairs: Iterable[tuple[datetime, float]]) -> list[tuple[datetime, float]]:
    """The observations sorted by time, keeping the first (in source order) of those sharing a time."""
    seen: dict[datetime, float] = {}
    for when, value in pairs:
        seen.setdefault(when, value)
    return sorted(seen.items())


def _lazy(parse: Callable[..., Iterable[tuple[datetime, float]]], *args: Any) -> Observations:
    """An ``observations`` callable that parses only when its iterator is first advanced."""

    def observations() -> Iterator[tuple[datetime, float]]:
        yield from _first_per_time(parse(*args))

    return observations


def _number(text: str) -> float | None:
    """A numeric value, or None for an empty field; accepts a decimal comma."""
    text = text.strip()
    if not text:
        return None
    return float(text.replace(",", "."))


def _cf(name: str) -> str:
    return CF_STANDARD_NAME.format(name)


# -- SMHI ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _SmhiPosition:
    valid_from: str
    valid_to: str
    elevation_m: float
    latitude: float
    longitude: float


@dataclass(frozen=True)
class _SmhiHeader:
    station: str
    climate_number: str
    measuring_height_m: float
    parameter: str
    parameter_description: str
    unit: str
    positions: tuple[_SmhiPosition, ...]
    notes: tuple[str, ...]

    @property
    def current(self) -> _SmhiPosition:
        """The latest position of the station."""
        return max(self.positions, key=lambda p: p.valid_to)


def _smhi_header(path: Path) -> _SmhiHeader:
    """Parses SMHI's metadata block and the notes that the first data rows carry in extra columns.

    The block is a series of small tables separated by blank lines (station, parameter, periods
    with positions), then the data table ``Datum;Tid (UTC);<parameter>;Kvalitet``, whose first
    rows carry free-text notes in a sixth column.
    """
    tables: dict[str, list[list[str]]] = {}
    notes: list[str] = []
    with _open(path) as stream:
        current: list[list[str]] | None = None
        for line in stream:
            cells = line.rstrip("\r\n").split(";")
            if cells[0] == "Datum":
                break
            if not any(cells):
                current = None
            elif current is None:
                current = tables.setdefault(cells[0], [])
            else:
                current.append(cells)
        for line in islice(stream, 30):  # the notes end within the first dozen data rows
            cells = line.rstrip("\r\n").split(";")
            if len(cells) > 5 and cells[5].strip():
                notes.append(cells[5].strip())
    station = tables["Stationsnamn"][0]
    parameter = tables["Parameternamn"][0]
    positions = tuple(
        _SmhiPosition(row[0], row[1], float(row[2]), float(row[3]), float(row[4]))
        for row in tables["Tidsperiod (fr.o.m)"]
    )
    return _SmhiHeader(
        station=station[0],
        climate_number=station[1],
        measuring_height_m=float(station[2]),
        parameter=parameter[0],
        parameter_description=parameter[1],
        unit=parameter[2],
        positions=positions,
        notes=tuple(notes),
    )


def _smhi_observations(path: Path) -> Iterator[tuple[datetime, float]]:
    """Rows after the ``Datum;Tid (UTC);...`` line; extra trailing columns are ignored."""
    with _open(path) as stream:
        for line in stream:
            if line.startswith("Datum;"):
                break
        for line in stream:
            cells = line.rstrip("\r\n").split(";")
            if len(cells) < 3:
                continue
            value = _number(cells[2])
            if value is None:
                continue
            yield datetime.fromisoformat(f"{cells[0]}T{cells[1]}").replace(tzinfo=UTC), value


def _smhi_thing(path: Path) -> DemoThing:
    header = _smhi_header(path)
    if header.parameter != "Lufttemperatur" or header.unit != "degree celsius":
        raise ValueError(f"{path.name}: expected air temperature in degree celsius, got {header.parameter!r}")
    here = header.current
    data_period = "; ".join(note for note in header.notes if note.startswith("Tidsperiod"))
    moved = len(header.positions) > 1
    return DemoThing(
        name=f"SMHI weather station {header.station}",
        description=(
            f"SMHI meteorological station {header.station} (climate number {header.climate_number}). "
            f"Air temperature is measured {header.measuring_height_m:g} m above the ground."
        ),
        location_name=f"{header.station} (SMHI {header.climate_number})",
        longitude=here.longitude,
        latitude=here.latitude,
        location_description=(
            f"Station position from {here.valid_from} to {here.valid_to}, {here.elevation_m:g} m above sea level, "
            "taken from the SMHI file header"
            + (". Earlier positions are listed in the Thing's properties." if moved else ".")
        ),
        properties={
            "climateNumber": header.climate_number,
            "measuringHeightM": header.measuring_height_m,
            "positions": [
                {
                    "from": p.valid_from,
                    "to": p.valid_to,
                    "elevationM": p.elevation_m,
                    "latitude": p.latitude,
                    "longitude": p.longitude,
                }
                for p in header.positions
            ],
            "source": "SMHI open data, meteorological observations (parameter Lufttemperatur)",
        },
        series=(
            Series(
                datastream=f"Air temperature, {header.station}",
                description=(
                    f"Air temperature, instantaneous value (SMHI: '{header.parameter_description}'), "
                    f"{header.measuring_height_m:g} m above the ground, mostly at 06, 12 and 18 UTC. "
                    f"Values with SMHI quality code G (checked and approved) and Y (suspect or aggregated) "
                    f"are included. {data_period}."
                ),
                observed_property="Air temperature",
                property_definition=_cf("air_temperature"),
                unit=DEGREE_CELSIUS,
                sensor=f"SMHI thermometer, {header.station}",
                sensor_description=(
                    f"Air temperature sensor of SMHI station {header.station}, "
                    f"{header.measuring_height_m:g} m above the ground. The file does not name the instrument."
                ),
                sensor_metadata=SMHI_METOBS_DOCS,
                observations=_lazy(_smhi_observations, path),
            ),
        ),
    )


def _smhi_tenant(folder: Path) -> DemoTenant:
    files = ("smhi-opendata_Boras.csv.gz", "smhi-opendata_Lund.csv.gz", "smhi-opendata_Falun.csv.gz")
    return DemoTenant(
        slug="smhi",
        name="SMHI - Swedish Meteorological and Hydrological Institute",
        organisation_id=SMHI_ORGANISATION_ID,
        licence=CC_BY_4,
        things=tuple(_smhi_thing(folder / name) for name in files),
    )


# -- CityPulse Aarhus ---------------------------------------------------------------------------

# The CityPulse files give no coordinates for the traffic point, the garages or the weather reports.
AARHUS_CENTRE = (10.2108, 56.1567)  # (longitude, latitude)
AARHUS_CENTRE_NOTE = (
    "Approximate centre of Aarhus. The source gives no coordinates for this {what}, so this point "
    "shows the city only, not where the {what} is."
)


def _local_to_utc(naive: datetime, zone: ZoneInfo, latest: datetime | None = None) -> datetime:
    """A local wall time as UTC.

    A wall time that occurs twice, when summer time ends, is read as its first occurrence unless
    ``latest`` (the latest UTC time already assigned in the source's storage order) shows that the
    first occurrence has passed.
    """
    first = naive.replace(tzinfo=zone, fold=0)
    second = naive.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset() and latest is not None and first.astimezone(UTC) <= latest:
        return second.astimezone(UTC)
    return first.astimezone(UTC)


def _traffic_observations(path: Path, column: str) -> Iterator[tuple[datetime, float]]:
    for row in _rows(path):
        value = _number(row[column])
        if row["status"] != "OK" or value is None:
            continue
        yield datetime.fromisoformat(row["TIMESTAMP"]).replace(tzinfo=UTC), value


def _parking_observations(path: Path, garage: str) -> Iterator[tuple[datetime, float]]:
    """One garage's readings, placed in time in the order the source stored them (``_id``)."""
    readings = sorted(
        (int(row["_id"]), row["updatetime"], float(row["vehiclecount"]))
        for row in _rows(path)
        if row["garagecode"] == garage
    )
    latest: datetime | None = None
    for _, local, value in readings:
        when = _local_to_utc(datetime.fromisoformat(local), COPENHAGEN, latest)
        latest = when if latest is None else max(latest, when)
        yield when, value


def _weather_observations(path: Path, column: str) -> Iterator[tuple[datetime, float]]:
    for row in _rows(path):
        value = _number(row[column])
        if value is not None:
            yield _local_to_utc(datetime.fromisoformat(row["TIMESTAMP"]), COPENHAGEN), value


def _garages(path: Path) -> list[tuple[str, int]]:
    """(garagecode, totalspaces) of each garage, from the file's first block of readings."""
    garages: dict[str, int] = {}
    with _open(path) as stream:
        for row in csv.DictReader(stream):
            if row["garagecode"] in garages:
                break
            garages[row["garagecode"]] = int(row["totalspaces"])
    return list(garages.items())


def _aarhus_tenant(folder: Path) -> DemoTenant:
    traffic_path = folder / "trafficData158324.csv.gz"
    parking_path = folder / "aarhus_parking.csv.gz"
    first = _first_rows(traffic_path, 1)[0]
    report_id, ext_id = first["REPORT_ID"], first["extID"]
    traffic_sensor = f"Aarhus traffic measurement point {report_id}"
    traffic_sensor_description = (
        f"Aarhus municipality's road-traffic measurement between two points (REPORT_ID {report_id}, extID {ext_id}). "
        "Every 5 minutes it reports the number of vehicles counted and their average speed."
    )
    lon, lat = AARHUS_CENTRE
    traffic = DemoThing(
        name=f"Traffic measurement point {report_id}, Aarhus",
        description=(
            f"Road-traffic measurement point {report_id} of Aarhus municipality, 5-minute steps, August-September "
            "2014 (CityPulse road traffic data set). Times are read as UTC (see samverkan.dataspace.demo_series)."
        ),
        location_name="Aarhus (city centre)",
        longitude=lon,
        latitude=lat,
        location_description=AARHUS_CENTRE_NOTE.format(what="measurement point"),
        properties={"REPORT_ID": report_id, "extID": ext_id, "source": "CityPulse road traffic data set, Aarhus"},
        series=(
            Series(
                datastream=f"Vehicle count, traffic point {report_id}",
                description="Vehicles counted at the measurement point in each 5-minute interval (vehicleCount).",
                observed_property="Traffic vehicle count",
                property_definition=CITYPULSE_DATASETS + "#traffic",
                unit=VEHICLES,
                sensor=traffic_sensor,
                sensor_description=traffic_sensor_description,
                sensor_metadata=CITYPULSE_DATASETS + "#traffic",
                observations=_lazy(_traffic_observations, traffic_path, "vehicleCount"),
            ),
            Series(
                datastream=f"Average speed, traffic point {report_id}",
                description="Average speed of the vehicles measured in each 5-minute interval (avgSpeed).",
                observed_property="Average vehicle speed",
                property_definition=CITYPULSE_DATASETS + "#traffic",
                unit=KM_PER_HOUR,
                sensor=traffic_sensor,
                sensor_description=traffic_sensor_description,
                sensor_metadata=CITYPULSE_DATASETS + "#traffic",
                observations=_lazy(_traffic_observations, traffic_path, "avgSpeed"),
            ),
        ),
    )
    garages = tuple(
        DemoThing(
            name=f"Parking garage {code}, Aarhus",
            description=(
                f"Car park {code} in Aarhus with {spaces} spaces: vehicles parked, reported about every 30 minutes, "
                "May-November 2014 (CityPulse parking data set). The source's counts sometimes exceed the spaces."
            ),
            location_name=f"{code} (Aarhus)",
            longitude=lon,
            latitude=lat,
            location_description=AARHUS_CENTRE_NOTE.format(what="garage"),
            properties={"garagecode": code, "totalspaces": spaces, "source": "CityPulse parking data set, Aarhus"},
            series=(
                Series(
                    datastream=f"Parked vehicles, {code}",
                    description=(
                        f"Number of vehicles in car park {code} (vehiclecount) at each update (updatetime, local "
                        "time in Aarhus, converted to UTC)."
                    ),
                    observed_property="Parked vehicle count",
                    property_definition=CITYPULSE_DATASETS + "#parking",
                    unit=VEHICLES,
                    sensor=f"Car park counter, {code}",
                    sensor_description=f"The occupancy count that car park {code} reports to Aarhus municipality.",
                    sensor_metadata=CITYPULSE_DATASETS + "#parking",
                    observations=_lazy(_parking_observations, parking_path, code),
                ),
            ),
        )
        for code, spaces in _garages(parking_path)
    )
    weather_sensor = "Weather Underground observations, Aarhus"
    weather_sensor_description = (
        "Weather reports for Aarhus as collected by the CityPulse project. The field names (tempm, hum, "
        "pressurem, wdird, wspdm) are those of the Weather Underground API. The source names no station or "
        "instrument."
    )

    def weather(name: str, column: str, prop: str, definition: str, unit: Unit, note: str) -> Series:
        return Series(
            datastream=f"{name}, Aarhus",
            description=f"{note} Source field {column}; local time in Aarhus, converted to UTC.",
            observed_property=prop,
            property_definition=definition,
            unit=unit,
            sensor=weather_sensor,
            sensor_description=weather_sensor_description,
            sensor_metadata=CITYPULSE_DATASETS + "#weather",
            observations=_lazy(_weather_observations, folder / f"{column}.csv.gz", column),
        )

    weather_thing = DemoThing(
        name="Weather observations, Aarhus",
        description=(
            "Weather reports for Aarhus, August-September 2014, at :00, :20 and :50 past the hour (CityPulse "
            "weather data set)."
        ),
        location_name="Aarhus (city centre)",
        longitude=lon,
        latitude=lat,
        location_description=AARHUS_CENTRE_NOTE.format(what="weather station"),
        properties={"source": "CityPulse weather data set, Aarhus"},
        series=(
            weather(
                "Air temperature",
                "tempm",
                "Air temperature",
                _cf("air_temperature"),
                DEGREE_CELSIUS,
                "Air temperature.",
            ),
            weather(
                "Relative humidity", "hum", "Relative humidity", _cf("relative_humidity"), PERCENT, "Relative humidity."
            ),
            weather(
                "Air pressure",
                "pressurem",
                "Air pressure",
                _cf("air_pressure"),
                HECTOPASCAL,
                "Air pressure in hPa (mbar); the source does not say whether it is station or sea-level pressure.",
            ),
            weather(
                "Wind direction",
                "wdird",
                "Wind direction",
                _cf("wind_from_direction"),
                DEGREE,
                "Direction the wind blows from, in degrees; 0 together with wind speed 0 means calm.",
            ),
            weather(
                "Wind speed",
                "wspdm",
                "Wind speed",
                _cf("wind_speed"),
                KM_PER_HOUR,
                "Wind speed in km/h (the values are whole knots converted to km/h).",
            ),
        ),
    )
    return DemoTenant(
        slug="aarhus-kommune",
        name="Aarhus Kommune (CityPulse data sets)",
        organisation_id=AARHUS_KOMMUNE_ORGANISATION_ID,
        licence=CITYPULSE_DATASETS,
        things=(traffic, *garages, weather_thing),
    )


# -- sensor.community, Bristol ------------------------------------------------------------------

BRISTOL_CENTRE = (-2.5879, 51.4545)  # (longitude, latitude)
# Site names as listed for these sensor ids in data/luftdaten/aggregated/sensor-summary.json of the
# source repository kwmc-lucas/bristol-air-quality (version 06095742). The host's first name that
# follows each site name there is left out.
BRISTOL_SITES = {"66966": "Richmond Road", "66970": "St. Andrews Road", "66979": "Horley Road"}
SDS011_PATTERN = "*_sds011_sensor_{}_24_hour_means.csv.gz"


def _sds011_files(folder: Path) -> dict[str, tuple[Path, ...]]:
    """Each sensor id's monthly files in month order, e.g. ``2022_07_sds011_sensor_66966_24_hour_means.csv.gz``."""
    files: dict[str, list[Path]] = {}
    for path in sorted(folder.glob(SDS011_PATTERN.format("*"))):
        files.setdefault(path.name.split("_")[4], []).append(path)
    return {sensor_id: tuple(paths) for sensor_id, paths in sorted(files.items())}


def _sds011_observations(paths: tuple[Path, ...], column: str) -> Iterator[tuple[datetime, float]]:
    """One sensor's monthly files in order, merged into one series."""
    for path in paths:
        for row in _rows(path):
            value = _number(row[column])
            if value is not None:
                yield datetime.fromisoformat(row["timestamp"]).replace(tzinfo=UTC), value


def _bristol_thing(sensor_id: str, paths: tuple[Path, ...]) -> DemoThing:
    site = BRISTOL_SITES.get(sensor_id)
    lon, lat = BRISTOL_CENTRE
    sensor = f"Nova Fitness SDS011, sensor.community sensor {sensor_id}"
    sensor_description = (
        "Laser-scattering particulate-matter sensor (PM2.5 and PM10) of a citizen-run sensor.community "
        f"(formerly luftdaten.info) airRohr station; sensor id {sensor_id}."
    )
    rolling = (
        "24-hour rolling mean computed by the source project (kwmc-lucas/bristol-air-quality) over the raw "
        "readings of the 24 hours up to each timestamp, one value per raw reading (about every 2.5 minutes); "
        "after a gap in the raw data a mean covers fewer readings. July and August 2022 merged."
    )

    def pm(size: str, column: str, cf_name: str) -> Series:
        return Series(
            datastream=f"{size}, 24-hour mean, sensor {sensor_id}",
            description=f"{size} mass concentration (sensor.community field {column}), {rolling}",
            observed_property=f"{size} mass concentration (24-hour rolling mean)",
            property_definition=_cf(cf_name),
            unit=MICROGRAM_PER_M3,
            sensor=sensor,
            sensor_description=sensor_description,
            sensor_metadata=SENSOR_COMMUNITY_AIRROHR,
            observations=_lazy(_sds011_observations, paths, column),
        )

    return DemoThing(
        name=f"sensor.community SDS011 sensor {sensor_id}, Bristol",
        description=(
            f"Citizen-run particulate-matter sensor {sensor_id} of the sensor.community network in Bristol"
            + (f", site '{site}' in the source project's sensor list" if site else "")
            + ", July-August 2022."
        ),
        location_name=f"Bristol{f' ({site})' if site else ''}",
        longitude=lon,
        latitude=lat,
        location_description=(
            "Approximate centre of Bristol. The data give no coordinates for this sensor, so this point shows the "
            "city only, not where the sensor is." + (f" The source project names the site '{site}'." if site else "")
        ),
        properties={"sensorId": sensor_id, "sensorType": "SDS011", "site": site, "network": "sensor.community"},
        series=(
            pm("PM10", "P1", "mass_concentration_of_pm10_ambient_aerosol_particles_in_air"),
            pm("PM2.5", "P2", "mass_concentration_of_pm2p5_ambient_aerosol_particles_in_air"),
        ),
    )


def _bristol_tenant(folder: Path) -> DemoTenant:
    return DemoTenant(
        slug="sensor-community-bristol",
        name="sensor.community citizen sensors, Bristol",
        organisation_id=None,
        licence=ODBL_1,
        things=tuple(_bristol_thing(sensor_id, paths) for sensor_id, paths in _sds011_files(folder).items()),
    )


# -- UCI Air Quality ----------------------------------------------------------------------------

UCI_MISSING = -200.0
# Label point of NUTS region IT (Italia) in data/demo/regions/nuts2021/NUTS_LB_2021_4326.geojson.gz.
ITALY_LABEL_POINT = (12.5322, 42.837)  # (longitude, latitude)
REFERENCE_ANALYSER = (
    "Certified reference analyser (co-located)",
    "Co-located certified reference analyser that gives the ground-truth ('GT') hourly concentrations next to "
    "the multisensor device. UCI does not name the instrument.",
)


def _oxide_sensor(number: int, material: str, target: str) -> tuple[str, str]:
    return (
        f"PT08.S{number} {material} sensor",
        f"Metal-oxide ({material}) chemical sensor S{number} of the Air Quality Chemical Multisensor Device, "
        f"nominally targeted at {target}.",
    )


DEVICE_SENSOR = (
    "Multisensor device temperature and humidity readings",
    "Temperature and humidity as recorded with the multisensor device's data. UCI does not name the instrument.",
)

# column -> (datastream label, observed property, definition, unit, (sensor, sensor description), note)
UCI_COLUMNS: dict[str, tuple[str, str, str, Unit, tuple[str, str], str]] = {
    "CO_GT": (
        "CO, reference",
        "Carbon monoxide mass concentration",
        _cf("mass_concentration_of_carbon_monoxide_in_air"),
        MILLIGRAM_PER_M3,
        REFERENCE_ANALYSER,
        "True hourly averaged CO concentration in mg/m³ (reference analyser).",
    ),
    "PT08_S1_CO": (
        "PT08.S1 (CO-targeted) response",
        "Metal-oxide sensor response (CO-targeted)",
        UCI_AIR_QUALITY,
        UNITLESS,
        _oxide_sensor(1, "tin oxide", "CO"),
        "Hourly averaged sensor response.",
    ),
    "NMHC_GT": (
        "NMHC, reference",
        "Non-methane hydrocarbons mass concentration",
        UCI_AIR_QUALITY,
        MICROGRAM_PER_M3,
        REFERENCE_ANALYSER,
        "True hourly averaged overall non-methane hydrocarbons concentration in µg/m³ (reference analyser).",
    ),
    "C6H6_GT": (
        "Benzene, reference",
        "Benzene mass concentration",
        UCI_AIR_QUALITY,
        MICROGRAM_PER_M3,
        REFERENCE_ANALYSER,
        "True hourly averaged benzene concentration in µg/m³ (reference analyser).",
    ),
    "PT08_S2_NMHC": (
        "PT08.S2 (NMHC-targeted) response",
        "Metal-oxide sensor response (NMHC-targeted)",
        UCI_AIR_QUALITY,
        UNITLESS,
        _oxide_sensor(2, "titania", "NMHC"),
        "Hourly averaged sensor response.",
    ),
    "NOx_GT": (
        "NOx, reference",
        "Nitrogen oxides (NOx) concentration",
        UCI_AIR_QUALITY,
        PPB,
        REFERENCE_ANALYSER,
        "True hourly averaged NOx concentration in ppb (reference analyser).",
    ),
    "PT08_S3_NOx": (
        "PT08.S3 (NOx-targeted) response",
        "Metal-oxide sensor response (NOx-targeted)",
        UCI_AIR_QUALITY,
        UNITLESS,
        _oxide_sensor(3, "tungsten oxide", "NOx"),
        "Hourly averaged sensor response.",
    ),
    "NO2_GT": (
        "NO2, reference",
        "Nitrogen dioxide mass concentration",
        _cf("mass_concentration_of_nitrogen_dioxide_in_air"),
        MICROGRAM_PER_M3,
        REFERENCE_ANALYSER,
        "True hourly averaged NO2 concentration in µg/m³ (reference analyser).",
    ),
    "PT08_S4_NO2": (
        "PT08.S4 (NO2-targeted) response",
        "Metal-oxide sensor response (NO2-targeted)",
        UCI_AIR_QUALITY,
        UNITLESS,
        _oxide_sensor(4, "tungsten oxide", "NO2"),
        "Hourly averaged sensor response.",
    ),
    "PT08_S5_O3": (
        "PT08.S5 (O3-targeted) response",
        "Metal-oxide sensor response (O3-targeted)",
        UCI_AIR_QUALITY,
        UNITLESS,
        _oxide_sensor(5, "indium oxide", "O3"),
        "Hourly averaged sensor response.",
    ),
    "T": (
        "Air temperature",
        "Air temperature",
        _cf("air_temperature"),
        DEGREE_CELSIUS,
        DEVICE_SENSOR,
        "Temperature in °C.",
    ),
    "RH": (
        "Relative humidity",
        "Relative humidity",
        _cf("relative_humidity"),
        PERCENT,
        DEVICE_SENSOR,
        "Relative humidity in %.",
    ),
    "AH": (
        "AH ('absolute humidity' in the source)",
        "Water vapour partial pressure",
        _cf("water_vapor_partial_pressure_in_air"),
        KILOPASCAL,
        DEVICE_SENSOR,
        "Labelled 'AH, absolute humidity' by the source, which gives no unit. The values are not g/m³: they match "
        "the water-vapour partial pressure in kPa computed from T and RH (median ratio 0.993), so they are given "
        "in kPa (inferred).",
    ),
}


def _uci_observations(path: Path, column: str) -> Iterator[tuple[datetime, float]]:
    """One column of the UCI file; ``Date`` is D/MM/YYYY, ``Time`` H:MM:SS, -200 marks a missing value."""
    for row in _rows(path):
        value = _number(row[column])
        if value is None or value == UCI_MISSING:
            continue
        local = datetime.strptime(f"{row['Date']} {row['Time']}", "%d/%m/%Y %H:%M:%S")
        yield local.replace(tzinfo=ITALIAN_STANDARD_TIME).astimezone(UTC), value


def _uci_tenant(folder: Path) -> DemoTenant:
    path = folder / "AirQualityUCI.csv.gz"
    with _open(path) as stream:
        header = next(csv.reader(stream))
    missing = [column for column in UCI_COLUMNS if column not in header]
    if missing:
        raise ValueError(f"{path.name}: columns {missing} not found")
    series = tuple(
        Series(
            datastream=f"{label}, UCI multisensor device",
            description=(
                f"{note} Column {column}. Hourly averages; -200 (missing) is skipped. Times are Italian standard time "
                "(UTC+01:00 all year), converted to UTC."
            ),
            observed_property=prop,
            property_definition=definition,
            unit=unit,
            sensor=sensor[0],
            sensor_description=sensor[1],
            sensor_metadata=UCI_AIR_QUALITY,
            observations=_lazy(_uci_observations, path, column),
        )
        for column, (label, prop, definition, unit, sensor, note) in UCI_COLUMNS.items()
    )
    lon, lat = ITALY_LABEL_POINT
    device = DemoThing(
        name="Air Quality Chemical Multisensor Device (UCI)",
        description=(
            "Device with five metal-oxide chemical sensors, at road level in a significantly polluted area of an "
            "Italian city, March 2004 to April 2005, with the hourly concentrations of a co-located certified "
            "reference analyser (UCI Machine Learning Repository, 'Air Quality', De Vito et al.)."
        ),
        location_name="Italy (city not named by the source)",
        longitude=lon,
        latitude=lat,
        location_description=(
            "The source says only 'an Italian city'. This point is the NUTS label point of Italy, so it shows the "
            "country only, not where the device was."
        ),
        properties={"dataset": UCI_AIR_QUALITY, "missingValue": UCI_MISSING},
        series=series,
    )
    return DemoTenant(
        slug="uci-air-quality",
        name="UCI Air Quality multisensor device",
        organisation_id=None,
        licence=CC_BY_4,
        things=(device,),
    )

"""Aarhus (CityPulse data sets): road traffic at one measurement point, eight parking garages
and weather reports.

Time zones:

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

Known properties, kept as they are:

- Parking: ``vehiclecount`` exceeds ``totalspaces`` in 4,520 rows (BUSGADEHUSET 3,888, NORREPORT
  630, SKOLEBAKKEN 1, SALLING 1). ``totalspaces`` is constant per garage.
- Weather: wind direction 0 occurs 70 times together with wind speed 0 (calm). Empty values are
  skipped: tempm 1, hum 1, pressurem 2, wdird 40, wspdm 22. Wind speed is in km/h: its values are
  whole knots times 1.852.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from samverkan.dataspace.demo_series.files import first_rows, lazy, number, open_csv, rows
from samverkan.dataspace.demo_series.series import (
    DEGREE,
    DEGREE_CELSIUS,
    HECTOPASCAL,
    KM_PER_HOUR,
    PERCENT,
    VEHICLES,
    DemoTenant,
    DemoThing,
    Series,
    Unit,
    cf,
)

# the ``organisationID`` in samverkan's catalogue (CORDIS H2020 organization.csv; a PIC)
AARHUS_KOMMUNE_ORGANISATION_ID = "992597994"  # AARHUS KOMMUNE (also spelt ARHUS KOMMUNE), DK, PUB
# The shared data set names the CityPulse licence only as "CityPulse datasets"; its terms are
# published with the data sets on this page.
CITYPULSE_DATASETS = "http://iot.ee.surrey.ac.uk:8080/datasets.html"
COPENHAGEN = ZoneInfo("Europe/Copenhagen")

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
    for row in rows(path):
        value = number(row[column])
        if row["status"] != "OK" or value is None:
            continue
        yield datetime.fromisoformat(row["TIMESTAMP"]).replace(tzinfo=UTC), value


def _parking_observations(path: Path, garage: str) -> Iterator[tuple[datetime, float]]:
    """One garage's readings, placed in time in the order the source stored them (``_id``)."""
    readings = sorted(
        (int(row["_id"]), row["updatetime"], float(row["vehiclecount"]))
        for row in rows(path)
        if row["garagecode"] == garage
    )
    latest: datetime | None = None
    for _, local, value in readings:
        when = _local_to_utc(datetime.fromisoformat(local), COPENHAGEN, latest)
        latest = when if latest is None else max(latest, when)
        yield when, value


def _weather_observations(path: Path, column: str) -> Iterator[tuple[datetime, float]]:
    for row in rows(path):
        value = number(row[column])
        if value is not None:
            yield _local_to_utc(datetime.fromisoformat(row["TIMESTAMP"]), COPENHAGEN), value


def _garages(path: Path) -> list[tuple[str, int]]:
    """(garagecode, totalspaces) of each garage, from the file's first block of readings."""
    garages: dict[str, int] = {}
    with open_csv(path) as stream:
        for row in csv.DictReader(stream):
            if row["garagecode"] in garages:
                break
            garages[row["garagecode"]] = int(row["totalspaces"])
    return list(garages.items())


def tenant(folder: Path) -> DemoTenant:
    traffic_path = folder / "trafficData158324.csv.gz"
    parking_path = folder / "aarhus_parking.csv.gz"
    first = first_rows(traffic_path, 1)[0]
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
                observations=lazy(_traffic_observations, traffic_path, "vehicleCount"),
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
                observations=lazy(_traffic_observations, traffic_path, "avgSpeed"),
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
                    observations=lazy(_parking_observations, parking_path, code),
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
            observations=lazy(_weather_observations, folder / f"{column}.csv.gz", column),
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
                cf("air_temperature"),
                DEGREE_CELSIUS,
                "Air temperature.",
            ),
            weather(
                "Relative humidity", "hum", "Relative humidity", cf("relative_humidity"), PERCENT, "Relative humidity."
            ),
            weather(
                "Air pressure",
                "pressurem",
                "Air pressure",
                cf("air_pressure"),
                HECTOPASCAL,
                "Air pressure in hPa (mbar); the source does not say whether it is station or sea-level pressure.",
            ),
            weather(
                "Wind direction",
                "wdird",
                "Wind direction",
                cf("wind_from_direction"),
                DEGREE,
                "Direction the wind blows from, in degrees; 0 together with wind speed 0 means calm.",
            ),
            weather(
                "Wind speed",
                "wspdm",
                "Wind speed",
                cf("wind_speed"),
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

"""The UCI Air Quality multisensor device (an Italian city, March 2004 to April 2005). The
device has no organisation in the catalogue.

Time zone: local Italian time, but **without** daylight saving. The series is exactly hourly
across 2004-03-28, 2004-10-31 and 2005-03-27. It has the hour 02:00 that does not exist on the
spring days and only one 02:00 in October, and its morning traffic rise in summer comes one hour
earlier than in winter. The clock is therefore read as a fixed UTC+01:00 (Italian standard time,
*ora solare*). Europe/Rome would make 02:00 and 03:00 of each spring day the same instant.

Known properties, kept as they are: the documentation gives no unit for AH ("absolute
humidity"). The values are not g/m³: they match the water-vapour partial pressure in kPa
computed from T and RH (Magnus formula; median ratio 0.993, 90 % of rows within 0.984-1.010),
so the series is described that way.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from samverkan.dataspace.demo_series.files import lazy, number, open_csv, rows
from samverkan.dataspace.demo_series.series import (
    CC_BY_4,
    DEGREE_CELSIUS,
    KILOPASCAL,
    MICROGRAM_PER_M3,
    MILLIGRAM_PER_M3,
    PERCENT,
    PPB,
    UNITLESS,
    DemoTenant,
    DemoThing,
    Series,
    Unit,
    cf,
)

UCI_AIR_QUALITY = "https://archive.ics.uci.edu/dataset/360/air+quality"
ITALIAN_STANDARD_TIME = timezone(timedelta(hours=1), "UTC+01:00")

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
        cf("mass_concentration_of_carbon_monoxide_in_air"),
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
        cf("mass_concentration_of_nitrogen_dioxide_in_air"),
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
        cf("air_temperature"),
        DEGREE_CELSIUS,
        DEVICE_SENSOR,
        "Temperature in °C.",
    ),
    "RH": (
        "Relative humidity",
        "Relative humidity",
        cf("relative_humidity"),
        PERCENT,
        DEVICE_SENSOR,
        "Relative humidity in %.",
    ),
    "AH": (
        "AH ('absolute humidity' in the source)",
        "Water vapour partial pressure",
        cf("water_vapor_partial_pressure_in_air"),
        KILOPASCAL,
        DEVICE_SENSOR,
        "Labelled 'AH, absolute humidity' by the source, which gives no unit. The values are not g/m³: they match "
        "the water-vapour partial pressure in kPa computed from T and RH (median ratio 0.993), so they are given "
        "in kPa (inferred).",
    ),
}


def _uci_observations(path: Path, column: str) -> Iterator[tuple[datetime, float]]:
    """One column of the UCI file; ``Date`` is D/MM/YYYY, ``Time`` H:MM:SS, -200 marks a missing value."""
    for row in rows(path):
        value = number(row[column])
        if value is None or value == UCI_MISSING:
            continue
        local = datetime.strptime(f"{row['Date']} {row['Time']}", "%d/%m/%Y %H:%M:%S")
        yield local.replace(tzinfo=ITALIAN_STANDARD_TIME).astimezone(UTC), value


def tenant(folder: Path) -> DemoTenant:
    path = folder / "AirQualityUCI.csv.gz"
    with open_csv(path) as stream:
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
            observations=lazy(_uci_observations, path, column),
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

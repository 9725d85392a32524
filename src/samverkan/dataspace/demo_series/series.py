"""What a demo tenant is made of, in the SensorThings shape: tenants, Things with one Location,
series (a Datastream with its Sensor, ObservedProperty, unit and lazily read Observations), and
the units and licences the sources share."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

CC_BY_4 = "https://creativecommons.org/licenses/by/4.0/"
CF_STANDARD_NAME = "http://vocab.nerc.ac.uk/standard_name/{}/"

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


def cf(name: str) -> str:
    """The CF standard name's vocabulary URI."""
    return CF_STANDARD_NAME.format(name)

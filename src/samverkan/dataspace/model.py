"""The SensorThings API 1.1 entity sets: their properties, navigation properties and JSON form.

One table of facts drives reading, filtering, deep insert and serialisation alike, so an
entity type is described once (the standard's section 8.2 names and the columns behind them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sqlalchemy import BigInteger

from samverkan.bounds import DEFAULT_LIMITS, INT32_MAX, INT_MAX, Limits, check_text, json_size, json_type
from samverkan.dataspace.times import format_interval, format_ms, read_interval, read_period, read_time
from samverkan.db import dataspace as t
from samverkan.errors import SamverkanError


class EntityError(SamverkanError):
    """A SensorThings entity in a request body is malformed (HTTP 400)."""


@dataclass(frozen=True)
class Prop:
    """A property: its JSON name, the model attribute behind it and its kind.

    Kinds: ``text`` (a string), ``object`` (a JSON object), ``any`` (any JSON value), ``time``
    (an instant), ``interval`` (an instant or ``start/end``; ``column`` holds the start and
    ``end`` the end), ``period`` (an interval ``start/end`` only, held as ``interval`` is),
    ``result`` (a number in ``result``, anything else in ``result_json``) and ``computed``
    (read-only, derived from other rows).
    """

    name: str
    column: str
    kind: str
    required: bool = False
    end: str | None = None


@dataclass(frozen=True)
class Nav:
    """A navigation property: a single entity through ``fk`` on this table, many through
    ``back`` (a foreign key on the target), or many through a link table."""

    name: str
    target: str
    fk: str | None = None
    back: str | None = None
    link: tuple[type[Any], str, str] | None = None  # (table, column to this entity, column to the target)

    @property
    def many(self) -> bool:
        return self.fk is None


@dataclass(frozen=True)
class EntitySet:
    name: str
    singular: str
    model: type[Any]
    props: tuple[Prop, ...]
    navs: tuple[Nav, ...]

    @property
    def max_id(self) -> int:
        """The largest id the entity set's table can hold (32 or 64 bits)."""
        return INT_MAX if isinstance(self.model.id.type, BigInteger) else INT32_MAX

    @cached_property
    def members(self) -> frozenset[str]:
        """The names of its properties and navigation properties."""
        return frozenset(p.name for p in self.props) | {n.name for n in self.navs}

    def prop(self, name: str) -> Prop | None:
        return next((p for p in self.props if p.name == name), None)

    def nav(self, name: str) -> Nav | None:
        return next((n for n in self.navs if n.name == name), None)


def _text(name: str, column: str | None = None, required: bool = True) -> Prop:
    return Prop(name, column or name, "text", required)


PROPERTIES = Prop("properties", "properties", "object")
SETS: dict[str, EntitySet] = {
    s.name: s
    for s in (
        EntitySet(
            "Things",
            "Thing",
            t.Thing,
            (_text("name"), _text("description", required=False), PROPERTIES),
            (
                Nav("Locations", "Locations", link=(t.ThingLocation, "thing_id", "location_id")),
                Nav("HistoricalLocations", "HistoricalLocations", back="thing_id"),
                Nav("Datastreams", "Datastreams", back="thing_id"),
            ),
        ),
        EntitySet(
            "Locations",
            "Location",
            t.Location,
            (
                _text("name"),
                _text("description", required=False),
                _text("encodingType", "encoding_type"),
                Prop("location", "location", "object", required=True),
                PROPERTIES,
            ),
            (
                Nav("Things", "Things", link=(t.ThingLocation, "location_id", "thing_id")),
                Nav(
                    "HistoricalLocations",
                    "HistoricalLocations",
                    link=(t.HistoricalLocationLocation, "location_id", "historical_location_id"),
                ),
            ),
        ),
        EntitySet(
            "HistoricalLocations",
            "HistoricalLocation",
            t.HistoricalLocation,
            (Prop("time", "time", "time", required=True),),
            (
                Nav("Thing", "Things", fk="thing_id"),
                Nav(
                    "Locations",
                    "Locations",
                    link=(t.HistoricalLocationLocation, "historical_location_id", "location_id"),
                ),
            ),
        ),
        EntitySet(
            "Datastreams",
            "Datastream",
            t.Datastream,
            (
                _text("name"),
                _text("description", required=False),
                Prop("unitOfMeasurement", "unit_of_measurement", "object", required=True),
                _text("observationType", "observation_type"),
                Prop("observedArea", "observed_area", "object"),
                Prop("phenomenonTime", "phenomenon_time", "computed"),
                PROPERTIES,
            ),
            (
                Nav("Thing", "Things", fk="thing_id"),
                Nav("Sensor", "Sensors", fk="sensor_id"),
                Nav("ObservedProperty", "ObservedProperties", fk="observed_property_id"),
                Nav("Observations", "Observations", back="datastream_id"),
            ),
        ),
        EntitySet(
            "Sensors",
            "Sensor",
            t.Sensor,
            (
                _text("name"),
                _text("description", required=False),
                _text("encodingType", "encoding_type"),
                _text("metadata", "sensor_metadata"),
                PROPERTIES,
            ),
            (Nav("Datastreams", "Datastreams", back="sensor_id"),),
        ),
        EntitySet(
            "ObservedProperties",
            "ObservedProperty",
            t.ObservedProperty,
            (_text("name"), _text("definition"), _text("description", required=False), PROPERTIES),
            (Nav("Datastreams", "Datastreams", back="observed_property_id"),),
        ),
        EntitySet(
            "Observations",
            "Observation",
            t.Observation,
            (
                Prop("phenomenonTime", "phenomenon_time", "interval", end="phenomenon_time_end"),
                Prop("resultTime", "result_time", "time"),
                Prop("result", "result", "result", required=True),
                Prop("resultQuality", "result_quality", "any"),
                Prop("validTime", "valid_time_start", "period", end="valid_time_end"),
                Prop("parameters", "parameters", "object"),
            ),
            (
                Nav("Datastream", "Datastreams", fk="datastream_id"),
                Nav("FeatureOfInterest", "FeaturesOfInterest", fk="feature_id"),
            ),
        ),
        EntitySet(
            "FeaturesOfInterest",
            "FeatureOfInterest",
            t.FeatureOfInterest,
            (
                _text("name"),
                _text("description", required=False),
                _text("encodingType", "encoding_type"),
                Prop("feature", "feature", "object", required=True),
                PROPERTIES,
            ),
            (Nav("Observations", "Observations", back="feature_id"),),
        ),
    )
}

# -- values ---------------------------------------------------------------------------------


def number_result(value: Any) -> float | None:
    """The numeric form of a result, or None when the result is not a finite number that a
    float holds (a whole number beyond ±1.8e308 is not)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def result_value(number: float | None, other: Any) -> Any:
    if number is None:
        return other
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


# -- reading a body ---------------------------------------------------------------------------


def read_prop(prop: Prop, value: Any, where: str, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """Column values for one property of a request body, validated (texts and JSON values
    within ``limits``)."""
    field = f"{where}.{prop.name}"
    if prop.kind == "computed":
        raise EntityError(f"{field} is computed by the server and cannot be set")
    if prop.kind == "text":
        if not isinstance(value, str):
            raise EntityError(f"{field}: expected a string, got {json_type(value)}")
        return {prop.column: check_text(value, field, limits.max_text)}
    if prop.kind == "object":
        if value is not None and not isinstance(value, dict):
            raise EntityError(f"{field}: expected a JSON object, got {json_type(value)}")
        if prop.required and value is None:
            raise EntityError(f"{field} is required")
        return {prop.column: json_size(value, field, limits.max_json_bytes)}
    if prop.kind == "time":
        return {prop.column: None if value is None and not prop.required else read_time(value, field)}
    if prop.kind in ("interval", "period"):
        assert prop.end is not None
        if value is None:
            return {prop.column: None, prop.end: None}
        start, end = read_interval(value, field) if prop.kind == "interval" else read_period(value, field)
        return {prop.column: start, prop.end: end}
    if prop.kind == "result":
        number = number_result(value)
        if number is None and isinstance(value, int | float) and not isinstance(value, bool):
            raise EntityError(f"{field}: {json_type(value)} beyond a finite float (NaN, infinity or too large)")
        other = None if number is not None else json_size(value, field, limits.max_json_bytes)
        return {"result": number, "result_json": other}
    return {prop.column: json_size(value, field, limits.max_json_bytes)}  # any


def prop_value(prop: Prop, row: Any) -> Any:
    if prop.kind == "time":
        return format_ms(getattr(row, prop.column))
    if prop.kind in ("interval", "period"):
        assert prop.end is not None
        return format_interval(getattr(row, prop.column), getattr(row, prop.end))
    if prop.kind == "result":
        return result_value(row.result, row.result_json)
    return getattr(row, prop.column)


def check_members(eset: EntitySet, body: dict[str, Any], where: str) -> None:
    """A new entity's members are its properties and navigation properties, and no ``@iot.id``."""
    if "@iot.id" in body:
        raise EntityError(f"{where}: give either @iot.id (to link an existing entity) or a new entity, not both")
    if not body.keys() <= eset.members:
        unknown = next(k for k in body if k not in eset.members)
        raise EntityError(f"{where}: {eset.singular} has no property {unknown[:60]!r}")


def read_new(eset: EntitySet, body: Any, where: str, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """The columns of a new entity's own properties from its JSON body: an object of its members
    only (:func:`check_members`), each read by :func:`read_prop`; a required one missing is an
    error, an optional text left out is empty."""
    if not isinstance(body, dict):
        raise EntityError(f"{where}: expected a JSON object, got {json_type(body)}")
    check_members(eset, body, where)
    values: dict[str, Any] = {}
    for prop in eset.props:
        if prop.name in body:
            values.update(read_prop(prop, body[prop.name], where, limits))
        elif prop.required:
            raise EntityError(f"{where}.{prop.name} is required")
        elif prop.kind == "text":
            values[prop.column] = ""
    return values


UNIT_KEYS = {"name", "symbol", "definition"}


def check_unit(unit: Any, where: str) -> None:
    if not isinstance(unit, dict):
        raise EntityError(f"{where}.unitOfMeasurement: expected a JSON object, got {json_type(unit)}")
    unknown = set(unit) - UNIT_KEYS
    if unknown:
        raise EntityError(f"{where}.unitOfMeasurement: unknown key(s) {', '.join(sorted(unknown))}")
    for key, value in unit.items():
        if value is not None and not isinstance(value, str):
            raise EntityError(f"{where}.unitOfMeasurement.{key}: expected a string, got {json_type(value)}")

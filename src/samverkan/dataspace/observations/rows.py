"""The one door of observations: an Observation body becomes a row here, whatever the way in.

Observations come in three ways — ``POST …/Observations`` (the SensorThings API), the
``dataArray`` rows of ``CreateObservations`` and MQTT messages — and every one of them is
read by :func:`observation_row`. Its members are the Observation's properties and navigation
properties in the entity model (:data:`samverkan.dataspace.model.SETS`), each read by the
model's reader, so a body gets the same answer at every door, and a refusal names the field.
A ``dataArray`` row is first made the body it stands for (:func:`data_array_body`). A door
says only what its address names already (the path's datastream, the topic's, the item's:
the body may repeat it, not contradict it) and whether the body may create the entities it
links to (deep insert: HTTP may, MQTT may not).

A plain ``dataArray`` — numeric results, instant phenomenonTimes, nothing else — is also read
a column at a time (:func:`read_plain`) into a :class:`Plain` block, accepting exactly what
:func:`observation_row` accepts for such rows and making the same rows. What the store
writes in one transaction is a :class:`Batch` of rows and blocks.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from operator import itemgetter
from typing import Any, NamedTuple, Protocol

import numpy as np

from samverkan.bounds import DEFAULT_LIMITS, Limits
from samverkan.dataspace.model import SETS, EntityError, Nav, read_new
from samverkan.dataspace.times import instants_ms

OBSERVATION = SETS["Observations"]
MAX_EXACT = 2**53  # integers a float holds exactly


class Row(NamedTuple):
    """One observation ready to store, in the column order of :data:`COLUMNS`: times in ms since
    the epoch, JSON members (``result_json``, ``result_quality``, ``parameters``) as JSON text.
    Being a tuple, it goes to the database driver as it is."""

    datastream_id: int
    phenomenon_time: int
    result: float | None
    feature_id: int | None = None
    result_json: str | None = None
    phenomenon_time_end: int | None = None
    result_time: int | None = None
    result_quality: str | None = None
    valid_time_start: int | None = None
    valid_time_end: int | None = None
    parameters: str | None = None


COLUMNS = Row._fields
PLAIN_WIDTH = 4  # the leading columns of a Row that a plain observation fills: the others are NULL
# the columns whose values are stored as JSON text: a result that is not a number, and the
# properties holding any JSON value or an object
JSON_COLUMNS = frozenset({"result_json"} | {p.column for p in OBSERVATION.props if p.kind in ("any", "object")})
# a dataArray row's components: the properties, and the links other than the item's Datastream by id
LINK_COMPONENTS = {f"{nav.name}/id": nav.name for nav in OBSERVATION.navs if nav.name != "Datastream"}
COMPONENTS = frozenset([prop.name for prop in OBSERVATION.props] + list(LINK_COMPONENTS))
PLAIN = frozenset({"phenomenonTime", "result"})  # the components a plain dataArray holds


class Plain(NamedTuple):
    """Observations of one datastream and feature with instant phenomenonTimes, numeric results
    and nothing else (what a plain ``dataArray`` holds), as columns: stored without a Python
    object per observation. Equivalent to :meth:`rows`."""

    datastream: int
    feature: int
    times: np.ndarray  # int64, ms since the epoch
    results: np.ndarray  # float64, finite

    def rows(self) -> list[Row]:
        pairs = zip(self.times.tolist(), self.results.tolist(), strict=True)
        return [Row(self.datastream, moment, result, self.feature) for moment, result in pairs]

    def values(self) -> list[Any]:
        """The rows' first :data:`PLAIN_WIDTH` values one after the other, as the insert binds them."""
        flat = [self.datastream, 0, 0.0, self.feature] * len(self.times)
        flat[1::PLAIN_WIDTH] = self.times.tolist()
        flat[2::PLAIN_WIDTH] = self.results.tolist()
        return flat


@dataclass(frozen=True)
class Batch:
    """Observations stored in one go, in the order they came: each part is one observation
    (a :class:`Row`) or a block of plain ones (a :class:`Plain`), told apart by their type."""

    parts: Sequence[Row | Plain] = ()

    @cached_property
    def rows(self) -> list[Row]:
        return [part for part in self.parts if isinstance(part, Row)]

    @cached_property
    def blocks(self) -> list[Plain]:
        return [part for part in self.parts if isinstance(part, Plain)]

    def __len__(self) -> int:
        """How many observations the batch holds."""
        return len(self.rows) + sum(len(block.times) for block in self.blocks)


class Links(Protocol):
    """How a door turns an Observation's links into ids (:class:`samverkan.dataspace.write.Writer`)."""

    def link(self, nav: Nav, value: Any, where: str, create: bool = True) -> int:
        """The id of the entity ``value`` names (``{"@iot.id": …}`` of one the tenant owns) or,
        if ``create``, describes as a new one."""
        ...

    def derived_feature(self, datastream: int, where: str) -> int:
        """The FeatureOfInterest of an Observation that names none."""
        ...


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def observation_row(
    body: Any,
    where: str,
    links: Links,
    default_time: int,
    address: Mapping[str, int] | None = None,
    create: bool = True,
    limits: Limits = DEFAULT_LIMITS,
) -> Row:
    """The row an Observation body becomes, validated (``where`` names it in messages).

    ``address``: the links the request's address names (``{"Datastream": 7}`` for
    ``Datastreams(7)/Observations``, an MQTT topic or a dataArray item); the body may name the
    same, not another. ``create``: whether the body's links may describe new entities (deep
    insert). ``default_time``: the phenomenonTime of an Observation that gives none. Texts and
    JSON values are read within ``limits``."""
    values = read_new(OBSERVATION, body, where, limits)
    for column in JSON_COLUMNS & values.keys():
        values[column] = _json(values[column])
    if values.get("phenomenon_time") is None:
        values["phenomenon_time"] = default_time
    ids = dict(address or {})
    for nav in OBSERVATION.navs:
        if nav.name not in body:
            continue
        value, field = body[nav.name], f"{where}.{nav.name}"
        if nav.name in ids:
            named = value.get("@iot.id") if isinstance(value, dict) else None
            if type(named) is not int or named != ids[nav.name]:
                target = SETS[nav.target].singular
                raise EntityError(
                    f"{field}: the request is addressed to {target} {ids[nav.name]}; "
                    f'name that one ({{"@iot.id": {ids[nav.name]}}}) or none'
                )
        elif value is None:
            raise EntityError(f'{field}: expected {{"@iot.id": …}}, got null')
        else:
            ids[nav.name] = links.link(nav, value, field, create)
    if "Datastream" not in ids:
        raise EntityError(f"{where}.Datastream is required")
    datastream = ids["Datastream"]
    feature = ids["FeatureOfInterest"] if "FeatureOfInterest" in ids else links.derived_feature(datastream, where)
    return Row(datastream_id=datastream, feature_id=feature, **values)


def data_array_body(components: Sequence[str], values: Any, where: str, feature: int | None) -> dict[str, Any]:
    """The Observation body that a ``dataArray`` row stands for: its components as members,
    ``FeatureOfInterest/id`` as the link it names; ``feature`` (the item's FeatureOfInterest)
    for a row that names none."""
    if not isinstance(values, list) or len(values) != len(components):
        raise EntityError(f"{where}: expected {len(components)} values ({', '.join(components)})")
    body = dict(zip(components, values, strict=True))
    for component, nav in LINK_COMPONENTS.items():
        if component in body:
            ident = body.pop(component)
            body[nav] = None if ident is None else {"@iot.id": ident}
    if feature is not None and "FeatureOfInterest" not in body:
        body["FeatureOfInterest"] = {"@iot.id": feature}
    return body


def read_plain(
    datastream: int, components: list[str], data: list[Any], default_time: int, feature: int
) -> Plain | None:
    """The common ``dataArray`` — numeric results, with or without instant phenomenonTimes —
    read column by column with C-level loops (``map``, ``set``). Returns None if any row is
    anything else (or invalid), for :func:`observation_row` to read every row and name the
    problem. Accepts exactly what :func:`observation_row` accepts for such rows and makes the
    same rows (:meth:`Plain.rows`)."""
    if not set(components) <= PLAIN:
        return None
    at = components.index("phenomenonTime") if "phenomenonTime" in components else None
    result_at, width = components.index("result"), len(components)
    if set(map(type, data)) != {list} or set(map(len, data)) != {width}:
        return None
    results = list(map(itemgetter(result_at), data))
    if set(map(type, results)) != {float}:
        if not all(type(r) is float or (type(r) is int and -MAX_EXACT <= r <= MAX_EXACT) for r in results):
            return None  # booleans, text, objects, null, huge integers
        results = [float(r) for r in results]
    numbers = np.array(results, np.float64)
    if not np.isfinite(numbers).all():
        return None
    moments: np.ndarray | None
    if at is None:
        moments = np.full(len(data), default_time, np.int64)
    else:
        texts = list(map(itemgetter(at), data))
        if set(map(type, texts)) != {str}:
            return None
        moments = instants_ms(texts)
        if moments is None:  # an interval, no time zone, not a time: observation_row names it
            return None
    return Plain(datastream, feature, moments, numbers)

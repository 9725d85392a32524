"""Reading SensorThings entities: visibility per viewer, ``$filter`` compiled to SQL, paths such
as ``Things(1)/Datastreams``, ``$expand``, ``$select``, paging and the standard's JSON form.

Visibility is a SQL condition on every query, nested ones included: a tenant sees its own
entities; a share of a datastream also shows its Thing, Sensor, ObservedProperty and the
Thing's Locations and HistoricalLocations, and — at level ``raw`` only — its Observations and
their FeaturesOfInterest. Anything else answers as if it did not exist.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, String, and_, cast, false, func, literal, not_, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import False_, True_

from samverkan import budget
from samverkan.bounds import INT_MAX, to_ms
from samverkan.dataspace import odata
from samverkan.dataspace.model import SETS, EntitySet, Nav, Prop, prop_value
from samverkan.dataspace.observations.store import of_features
from samverkan.dataspace.odata import (
    DEFAULT_QUERY_LIMITS,
    Binary,
    Call,
    Literal,
    Options,
    Path,
    QueryLimits,
    QueryOptionError,
    Unary,
)
from samverkan.dataspace.sharing import LEVEL_MS, Access
from samverkan.dataspace.times import floor_to, format_interval, parse_ms
from samverkan.db import dataspace as t
from samverkan.errors import NotFound

DEFAULT_TOP = 100


# -- visibility -----------------------------------------------------------------------------


def visible(eset: EntitySet, access: Access) -> ColumnElement[bool]:
    """The rows of ``eset`` the viewer may read."""
    me, shared, raw = access.me, access.shared, access.raw
    model = eset.model
    if eset.name == "Observations":
        mine = t.Observation.datastream_id.in_(select(t.Datastream.id).where(t.Datastream.tenant_id == me))
        return or_(mine if me is not None else false(), t.Observation.datastream_id.in_(raw) if raw else false())
    own = model.tenant_id == me if me is not None else false()
    if not shared:
        return own
    shared_things = select(t.Datastream.thing_id).where(t.Datastream.id.in_(shared))
    via = {
        "Datastreams": lambda: t.Datastream.id.in_(shared),
        "Things": lambda: t.Thing.id.in_(shared_things),
        "Sensors": lambda: t.Sensor.id.in_(select(t.Datastream.sensor_id).where(t.Datastream.id.in_(shared))),
        "ObservedProperties": lambda: t.ObservedProperty.id.in_(
            select(t.Datastream.observed_property_id).where(t.Datastream.id.in_(shared))
        ),
        "Locations": lambda: or_(
            t.Location.id.in_(select(t.ThingLocation.location_id).where(t.ThingLocation.thing_id.in_(shared_things))),
            t.Location.id.in_(
                select(t.HistoricalLocationLocation.location_id).where(
                    t.HistoricalLocationLocation.historical_location_id.in_(
                        select(t.HistoricalLocation.id).where(t.HistoricalLocation.thing_id.in_(shared_things))
                    )
                )
            ),
        ),
        "HistoricalLocations": lambda: t.HistoricalLocation.thing_id.in_(shared_things),
        "FeaturesOfInterest": lambda: (
            t.FeatureOfInterest.id.in_(
                select(t.DatastreamFeature.feature_id).where(t.DatastreamFeature.datastream_id.in_(raw))
            )
            if raw
            else false()
        ),
    }
    return or_(own, via[eset.name]())


def owner_of(eset: EntitySet, row: Any, access: Access) -> tuple[int, int | None]:
    """(owner tenant, datastream if known) of a row, for the audit of cross-tenant reads."""
    if eset.name == "Observations":
        return access.owners.get(row.datastream_id, access.me or 0), row.datastream_id
    if eset.name == "Datastreams":
        return row.tenant_id, row.id
    return row.tenant_id, None


def current_location(session: Session, thing: int) -> t.Location | None:
    """The Thing's current Location (the newest linked one)."""
    return session.scalars(
        select(t.Location)
        .join(t.ThingLocation, t.ThingLocation.location_id == t.Location.id)
        .where(t.ThingLocation.thing_id == thing)
        .order_by(t.Location.id.desc())
    ).first()


# -- relations --------------------------------------------------------------------------------


def related(nav: Nav, source: EntitySet, source_ids: Any) -> ColumnElement[bool]:
    """Rows of ``nav.target`` related to the source rows whose ids ``source_ids`` selects."""
    target = SETS[nav.target].model
    if nav.fk is not None:
        return target.id.in_(select(getattr(source.model, nav.fk)).where(source.model.id.in_(source_ids)))
    if nav.back is not None:
        if target is t.Observation and nav.back == "feature_id":  # not indexed: go through the datastreams
            return of_features(source_ids)
        return getattr(target, nav.back).in_(source_ids)
    assert nav.link is not None
    table, mine, theirs = nav.link
    return target.id.in_(select(getattr(table, theirs)).where(getattr(table, mine).in_(source_ids)))


def having(nav: Nav, source: EntitySet, target_ids: Any) -> ColumnElement[bool]:
    """Rows of ``source`` related to any target row that ``target_ids`` selects."""
    model = source.model
    target = SETS[nav.target].model
    if nav.fk is not None:
        return getattr(model, nav.fk).in_(target_ids)
    if nav.back is not None:
        return model.id.in_(select(getattr(target, nav.back)).where(target.id.in_(target_ids)))
    assert nav.link is not None
    table, mine, theirs = nav.link
    return model.id.in_(select(getattr(table, mine)).where(getattr(table, theirs).in_(target_ids)))


# -- $filter → SQL ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Operand:
    sql: Any
    kind: str  # number, text, time, json, bool, null, object


JSON_PROPS = {"object", "any"}


def _paths(node: Any) -> list[Path]:
    if isinstance(node, Path):
        return [node]
    if isinstance(node, Binary):
        return _paths(node.left) + _paths(node.right)
    if isinstance(node, Unary):
        return _paths(node.operand)
    if isinstance(node, Call):
        return [p for a in node.args for p in _paths(a)]
    return []


def _strip(node: Any, count: int) -> Any:
    if isinstance(node, Path):
        return Path(node.parts[count:])
    if isinstance(node, Binary):
        return Binary(node.op, _strip(node.left, count), _strip(node.right, count))
    if isinstance(node, Unary):
        return Unary(node.op, _strip(node.operand, count))
    if isinstance(node, Call):
        return Call(node.name, tuple(_strip(a, count) for a in node.args))
    return node


def condition(node: Any, eset: EntitySet, access: Access) -> ColumnElement[bool]:
    """A ``$filter`` tree as a SQL condition on ``eset`` (navigation paths become subqueries
    that respect visibility too)."""
    if isinstance(node, Binary) and node.op in ("and", "or"):
        join = and_ if node.op == "and" else or_
        return join(condition(node.left, eset, access), condition(node.right, eset, access))
    if isinstance(node, Unary) and node.op == "not":
        return not_(condition(node.operand, eset, access))
    # a leaf predicate: if all its paths start with the same navigation property, evaluate it there
    paths = _paths(node)
    navs = {p.parts[0] for p in paths if eset.nav(p.parts[0]) is not None and len(p.parts) > 1}
    if navs:
        if len(navs) > 1 or any(eset.nav(p.parts[0]) is None for p in paths):
            raise QueryOptionError(
                "$filter: a comparison may follow one navigation property on both sides, not several"
            )
        nav = eset.nav(navs.pop())
        assert nav is not None
        target = SETS[nav.target]
        inner = select(target.model.id).where(visible(target, access), condition(_strip(node, 1), target, access))
        return having(nav, eset, inner)
    result = operand(node, eset)
    if result.kind not in ("bool", "json"):
        raise QueryOptionError("$filter: the expression is not a condition (compare it with eq, gt, …)")
    return result.sql if result.kind == "bool" else result.sql.as_boolean()


def operand(node: Any, eset: EntitySet) -> Operand:
    if isinstance(node, Literal):
        value = node.value
        if value is None:
            return Operand(None, "null")
        if isinstance(value, bool):
            return Operand(true() if value else false(), "bool")
        if isinstance(value, dt.datetime):
            return Operand(to_ms(value), "time")
        if isinstance(value, int):  # as a 64-bit literal: a 32-bit id column compares with any
            return Operand(literal(value, BigInteger), "number")
        return Operand(value, "number" if isinstance(value, float) else "text")
    if isinstance(node, Path):
        return _path(node, eset)
    if isinstance(node, Binary) and node.op in odata.COMPARISONS:
        return Operand(_compare(node.op, operand(node.left, eset), operand(node.right, eset)), "bool")
    if isinstance(node, Binary) and node.op in odata.ARITHMETIC:
        left, right = _numeric(operand(node.left, eset)), _numeric(operand(node.right, eset))
        ops = {
            "add": lambda a, b: a + b,
            "sub": lambda a, b: a - b,
            "mul": lambda a, b: a * b,
            "div": lambda a, b: a / b,
            "mod": lambda a, b: a % b,
        }
        return Operand(ops[node.op](left, right), "number")
    if isinstance(node, Binary):  # and/or below a comparison or a function
        raise QueryOptionError(f"$filter: {node.op} joins conditions; its result cannot be compared or computed with")
    if isinstance(node, Unary) and node.op == "not":
        inner = operand(node.operand, eset)
        return Operand(not_(inner.sql), "bool")
    if isinstance(node, Call):
        return _call(node, eset)
    raise QueryOptionError("$filter: unsupported expression")  # pragma: no cover


def _path(path: Path, eset: EntitySet) -> Operand:
    name, rest = path.parts[0], path.parts[1:]
    model = eset.model
    if name in ("id", "@iot.id"):
        if rest:
            raise QueryOptionError(f"$filter: {'/'.join(path.parts)} is not a property")
        return Operand(model.id, "number")
    prop = eset.prop(name)
    if prop is None:
        raise QueryOptionError(f"$filter: {eset.singular} has no property {name!r}")
    if prop.kind == "computed":
        raise QueryOptionError(f"$filter: {eset.singular}/{name} cannot be filtered on")
    if prop.kind in JSON_PROPS:
        column = getattr(model, prop.column)
        return Operand(column[rest] if len(rest) > 1 else column[rest[0]] if rest else column, "json")
    if rest:
        raise QueryOptionError(f"$filter: {eset.singular}/{name} has no sub-properties")
    if prop.kind == "result":
        return Operand((t.Observation.result, t.Observation.result_json), "result")
    if prop.kind in ("time", "interval", "period"):
        return Operand(getattr(model, prop.column), "time")
    return Operand(getattr(model, prop.column), "text")


def _numeric(value: Operand) -> Any:
    if value.kind == "number" or value.kind == "time":
        return value.sql
    if value.kind == "result":
        return value.sql[0]
    if value.kind == "json":
        return value.sql.as_float()
    raise QueryOptionError("$filter: arithmetic needs numbers")


def _compare(op: str, left: Operand, right: Operand) -> ColumnElement[bool]:
    for value, other in ((left, right), (right, left)):
        constant = isinstance(other.sql, str) or isinstance(other.sql, True_ | False_)
        if value.kind == "result" and other.kind in ("text", "bool") and constant:
            # a text or boolean result is stored as its JSON text, which compares as stored
            stored = cast(value.sql[1], String)
            plain = other.sql if isinstance(other.sql, str) else isinstance(other.sql, True_)
            literal_json = json.dumps(plain, ensure_ascii=False)
            a, b = (stored, literal_json) if value is left else (literal_json, stored)
            return _ops(op, a, b)
    left, right = _align(left, right), _align(right, left)
    a, b = left.sql, right.sql
    if right.kind == "null" or left.kind == "null":
        if op not in ("eq", "ne"):
            raise QueryOptionError("$filter: null can only be compared with eq or ne")
        column = a if right.kind == "null" else b
        return column.is_(None) if op == "eq" else column.is_not(None)
    return _ops(op, a, b)


def _ops(op: str, a: Any, b: Any) -> ColumnElement[bool]:
    return {
        "eq": lambda: a == b,
        "ne": lambda: a != b,
        "gt": lambda: a > b,
        "ge": lambda: a >= b,
        "lt": lambda: a < b,
        "le": lambda: a <= b,
    }[op]()


def _align(value: Operand, other: Operand) -> Operand:
    """Give JSON and result operands the type of what they are compared with; read time
    strings compared with a time property as times."""
    if value.kind == "result":
        if other.kind in ("text", "bool"):  # literals were handled by _compare
            raise QueryOptionError("$filter: compare result with a number, or with a text or true/false literal")
        return Operand(value.sql[0], "number")
    if value.kind == "json":
        if other.kind == "text":
            return Operand(value.sql.as_string(), "text")
        if other.kind == "bool":
            return Operand(value.sql.as_boolean(), "bool")
        if other.kind in ("number", "time"):
            return Operand(value.sql.as_float(), "number")
        return value
    if value.kind == "text" and other.kind == "time" and isinstance(value.sql, str):
        try:
            return Operand(parse_ms(value.sql), "time")
        except Exception as exc:
            raise QueryOptionError(f"$filter: {value.sql!r} is not a time") from exc
    return value


def _text(value: Operand) -> Any:
    if value.kind == "json":
        return value.sql.as_string()
    if value.kind == "result":
        return cast(value.sql[1], String)  # the stored JSON text
    if value.kind == "text":
        return value.sql
    raise QueryOptionError("$filter: a text function needs text")


def _call(node: Call, eset: EntitySet) -> Operand:
    arity = {
        "substringof": 2,
        "contains": 2,
        "startswith": 2,
        "endswith": 2,
        "tolower": 1,
        "toupper": 1,
        "length": 1,
        "trim": 1,
        "concat": 2,
        "round": 1,
    }
    if node.name not in arity:
        raise QueryOptionError(f"$filter: unsupported function {node.name!r}")
    args = [operand(a, eset) for a in node.args]
    if len(args) != arity[node.name]:
        raise QueryOptionError(f"$filter: {node.name} takes {arity[node.name]} argument(s), got {len(args)}")
    if node.name == "round":
        return Operand(func.round(_numeric(args[0])), "number")
    texts = [_sql(_text(a)) for a in args]
    if node.name in ("substringof", "contains", "startswith", "endswith"):
        hay, needle = (texts[1], args[0]) if node.name == "substringof" else (texts[0], args[1])
        return Operand(_like(hay, needle, node.name), "bool")
    if node.name == "concat":
        return Operand(texts[0] + texts[1], "text")
    return Operand(
        {"tolower": func.lower, "toupper": func.upper, "length": func.length, "trim": func.trim}[node.name](texts[0]),
        "number" if node.name == "length" else "text",
    )


def _sql(value: Any) -> Any:
    return literal(value, String) if isinstance(value, str) else value


def _like(hay: Any, needle: Operand, name: str) -> ColumnElement[bool]:
    """substringof/contains, startswith and endswith, with ``%`` and ``_`` taken literally."""
    if isinstance(needle.sql, str):
        method = {"startswith": hay.startswith, "endswith": hay.endswith}.get(name, hay.contains)
        return method(needle.sql, autoescape=True)
    pattern = _sql(_text(needle))
    if name == "startswith":
        return hay.like(pattern + "%")
    if name == "endswith":
        return hay.like("%" + pattern)
    return hay.like("%" + pattern + "%")


# -- reading -------------------------------------------------------------------------------------


@dataclass
class Target:
    """What a request path points at."""

    eset: EntitySet
    where: list[ColumnElement[bool]]
    single: bool
    label: str  # e.g. "Things(1)/Datastreams", for messages
    prop: str | None = None
    value: bool = False  # …/name/$value
    ref: bool = False  # …/$ref
    parent: tuple[EntitySet, int, Nav | None] | None = None  # the last entity and navigation, for POST
    source: tuple[str, Any] | None = None  # the entity navigated from (label, id query): must exist


def segment(text: str) -> tuple[str, int | None]:
    if text.endswith(")") and "(" in text:
        name, raw = text[: text.index("(")], text[text.index("(") + 1 : -1]
        raw = raw.strip("'")
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 19 or not 1 <= int(raw) <= INT_MAX:
            raise NotFound(f"{text[:80]}: no such entity (ids are whole numbers from 1 to {INT_MAX})")
        return name, int(raw)
    return text, None


def _in_range(eset: EntitySet, ident: int | None, text: str) -> None:
    if ident is not None and ident > eset.max_id:
        raise NotFound(f"{text[:80]}: no such entity ({eset.name} ids go up to {eset.max_id})")


def resolve(path: str, access: Access) -> Target:
    """Turn a resource path such as ``Things(1)/Datastreams(2)/Observations`` into a query target."""
    parts = [p for p in path.split("/") if p]
    if not parts:
        raise NotFound("empty resource path")
    name, ident = segment(parts[0])
    eset = SETS.get(name)
    if eset is None:
        raise NotFound(f"no entity set {name[:80]!r}: use one of {', '.join(SETS)}")
    _in_range(eset, ident, parts[0])
    target = Target(eset, [visible(eset, access)], ident is not None, parts[0])
    if ident is not None:
        target.where.append(eset.model.id == ident)
        target.parent = (eset, ident, None)
    for part in parts[1:]:
        if part == "$ref":
            target.ref = True
            continue
        if part == "$value":
            if target.prop is None:
                raise NotFound(f"{target.label}/$value: $value follows a property")
            target.value = True
            continue
        if target.ref or target.value or target.prop:
            raise NotFound(f"{target.label}/{part}: nothing follows {parts[-2]}")
        name, ident = segment(part)
        nav = target.eset.nav(name)
        if nav is not None:
            if not target.single:
                raise NotFound(f"{target.label}/{part}: navigate from one entity, e.g. {target.eset.name}(1)/{name}")
            ids = select(target.eset.model.id).where(*target.where)
            label = target.label
            # the id of the entity we navigate from, when the path named it
            last = target.parent[1] if target.parent and target.parent[2] is None else None
            source = target.eset
            nxt = SETS[nav.target]
            _in_range(nxt, ident, part)
            target = Target(
                nxt,
                [visible(nxt, access), related(nav, source, ids)],
                not nav.many or ident is not None,
                f"{target.label}/{part}",
                parent=(nxt, ident, None) if ident is not None else (source, last, nav) if last is not None else None,
            )
            target.source = (label, ids)
            if ident is not None:
                if not nav.many:
                    raise NotFound(f"{target.label}: {name} is a single entity, without an id")
                target.where.append(nxt.model.id == ident)
            continue
        if ident is None and target.single and (target.eset.prop(name) or name in ("id", "@iot.id")):
            target.prop = name
            target.label += f"/{name}"
            continue
        raise NotFound(f"{target.label}/{part}: {target.eset.singular} has no property or navigation {name!r}")
    return target


class Reader:
    """Reads for one request: builds JSON in the standard's form and counts what the viewer
    read of others' data."""

    def __init__(self, session: Session, access: Access, base: str, limits: QueryLimits = DEFAULT_QUERY_LIMITS) -> None:
        self.session = session
        self.access = access
        self.base = base.rstrip("/")
        self.limits = limits
        self.entities = 0  # entities in the answer so far, expanded ones included

    def link(self, eset: EntitySet, ident: int) -> str:
        return f"{self.base}/{eset.name}({ident})"

    def get(self, target: Target, options: Options, query_string: str = "") -> Any:
        if target.source is not None and self.session.scalar(target.source[1].limit(1)) is None:
            raise NotFound(f"{target.source[0]} not found")
        if target.single:
            row = self.session.scalars(select(target.eset.model).where(*target.where).limit(1)).first()
            if row is None:
                raise NotFound(f"{target.label} not found")
            if target.ref:
                return {"@iot.selfLink": self.link(target.eset, row.id)}
            if target.prop:
                self._note(target.eset, [row])
                return self._prop(target, row)
            return self.entity(target.eset, row, options)
        return self.collection(target.eset, target.where, options, query_string, target)

    def _prop(self, target: Target, row: Any) -> Any:
        name = target.prop
        assert name is not None
        if name in ("id", "@iot.id"):
            value = row.id
        else:
            prop = target.eset.prop(name)
            assert prop is not None
            value = self._computed(target.eset, row, prop) if prop.kind == "computed" else prop_value(prop, row)
        if target.value:
            return value if isinstance(value, str) else "" if value is None else str(value)
        return {name: value}

    def collection(
        self, eset: EntitySet, where: list, options: Options, query_string: str = "", target: Target | None = None
    ) -> dict[str, Any]:
        if options.filter is not None:
            where = [*where, condition(options.filter, eset, self.access)]
        top = DEFAULT_TOP if options.top is None else options.top
        query = select(eset.model).where(*where)
        for order in options.orderby or []:
            query = query.order_by(self._order(eset, order))
        query = query.order_by(*self._default_order(eset))
        rows = list(self.session.scalars(query.offset(options.skip).limit(top + 1)))
        more = len(rows) > top
        rows = rows[:top]
        out: dict[str, Any] = {}
        if options.count:
            out["@iot.count"] = self.session.scalar(select(func.count()).select_from(eset.model).where(*where))
        if target is not None and target.ref:
            out["value"] = [{"@iot.selfLink": self.link(eset, r.id)} for r in rows]
            return out
        self._note(eset, rows)
        out["value"] = [self.entity(eset, r, options) for r in rows]
        if more and target is not None:
            out["@iot.nextLink"] = self._next(target.label, query_string, options.skip + top, top)
        return out

    def _next(self, label: str, query_string: str, skip: int, top: int) -> str:
        kept = [
            p for p in query_string.split("&") if p and not p.startswith(("%24skip=", "$skip=", "%24top=", "$top="))
        ]
        kept += [f"$top={top}", f"$skip={skip}"]
        return f"{self.base}/{label}?" + "&".join(kept)

    def _default_order(self, eset: EntitySet) -> list[Any]:
        if eset.name == "Observations":
            return [t.Observation.phenomenon_time, t.Observation.id]
        return [eset.model.id]

    def _order(self, eset: EntitySet, order: odata.Order) -> Any:
        parts = order.path.parts
        if parts[0] in ("id", "@iot.id") and len(parts) == 1:
            column = eset.model.id
        else:
            value = _path(order.path, eset)
            column = value.sql[0] if value.kind == "result" else value.sql
        return column.desc() if order.descending else column.asc()

    def _note(self, eset: EntitySet, rows: list[Any]) -> None:
        for row in rows:
            owner, stream = owner_of(eset, row, self.access)
            self.access.note(owner, datastream=stream)

    def entity(self, eset: EntitySet, row: Any, options: Options) -> dict[str, Any]:
        self.entities += 1
        if self.entities > self.limits.max_entities:
            raise QueryOptionError(
                f"the answer would hold more than {self.limits.max_entities} entities (expanded ones included); "
                "ask for fewer with $top, or inside $expand"
            )
        budget.check()
        selected = set(options.select) if options.select else None
        out: dict[str, Any] = {}
        if selected is None or selected & {"id", "@iot.id"}:
            out["@iot.id"] = row.id
        if selected is None:
            out["@iot.selfLink"] = self.link(eset, row.id)
        for prop in eset.props:
            if selected is not None and prop.name not in selected:
                continue
            out[prop.name] = self._computed(eset, row, prop) if prop.kind == "computed" else prop_value(prop, row)
        expanded = {e.navigation: e for e in options.expand}
        for nav in eset.navs:
            if nav.name in expanded:
                out.update(self._expand(eset, row, nav, expanded.pop(nav.name).options))
            elif selected is None or nav.name in selected:
                out[f"{nav.name}@iot.navigationLink"] = f"{self.link(eset, row.id)}/{nav.name}"
        if expanded:
            raise QueryOptionError(f"$expand: {eset.singular} has no navigation property {next(iter(expanded))!r}")
        return out

    def _expand(self, eset: EntitySet, row: Any, nav: Nav, options: Options) -> dict[str, Any]:
        target = SETS[nav.target]
        ids = select(eset.model.id).where(eset.model.id == row.id)
        where = [visible(target, self.access), related(nav, eset, ids)]
        if not nav.many:
            child = self.session.scalars(select(target.model).where(*where).limit(1)).first()
            if child is None:
                return {}
            self._note(target, [child])
            return {nav.name: self.entity(target, child, options)}
        listing = self.collection(target, where, options)
        out = {nav.name: listing["value"]}
        if "@iot.count" in listing:
            out[f"{nav.name}@iot.count"] = listing["@iot.count"]
        return out

    def _computed(self, eset: EntitySet, row: Any, prop: Prop) -> Any:
        if eset.name == "Datastreams" and prop.name == "phenomenonTime":
            return self._phenomenon_time(row)
        return None  # pragma: no cover

    def _phenomenon_time(self, stream: t.Datastream) -> str | None:
        """The span of a datastream's observations, read from indexes: the unique key's first and
        last start, and the partial index of interval ends. A viewer who may read only hourly or
        daily aggregates sees the span widened to whole hours or days."""
        mine = t.Observation.datastream_id == stream.id
        first, last_start = self.session.execute(
            select(func.min(t.Observation.phenomenon_time), func.max(t.Observation.phenomenon_time)).where(mine)
        ).one()
        if first is None:
            return None
        last_end = self.session.scalar(
            select(func.max(t.Observation.phenomenon_time_end)).where(
                mine, t.Observation.phenomenon_time_end.is_not(None)
            )
        )
        last = max(last_start, last_end or last_start)
        step = LEVEL_MS.get(self.access.level(stream) or "raw", 0)
        if step:
            first, last = floor_to(first, step), floor_to(last, step) + step
        return format_interval(first, last if last != first else None)

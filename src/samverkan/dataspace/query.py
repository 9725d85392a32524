"""Reading SensorThings entities: paths such as ``Things(1)/Datastreams``, ``$expand``,
``$select``, paging and the standard's JSON form, every query narrowed to what the viewer may
see (:mod:`samverkan.dataspace.visibility`) and filtered (:mod:`samverkan.dataspace.filters`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from samverkan import budget
from samverkan.bounds import INT_MAX
from samverkan.dataspace import odata
from samverkan.dataspace.filters import condition, path_operand
from samverkan.dataspace.model import SETS, EntitySet, Nav, Prop, prop_value
from samverkan.dataspace.observations.store import of_features
from samverkan.dataspace.odata import DEFAULT_QUERY_LIMITS, Options, QueryLimits, QueryOptionError
from samverkan.dataspace.sharing import LEVEL_MS, Access
from samverkan.dataspace.times import floor_to, format_interval
from samverkan.dataspace.visibility import owner_of, visible
from samverkan.db import dataspace as t
from samverkan.errors import NotFound

DEFAULT_TOP = 100


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
            value = path_operand(order.path, eset)
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

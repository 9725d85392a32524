"""Creating, changing and deleting SensorThings entities: deep insert, links by ``@iot.id``,
``CreateObservations`` batches. A tenant writes only its own entities; a request that fails
validation anywhere writes nothing (the caller rolls the transaction back)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from samverkan.bounds import DEFAULT_LIMITS, Limits, check_id, json_type
from samverkan.dataspace.model import SETS, EntityError, EntitySet, Nav, check_unit, read_new, read_prop
from samverkan.dataspace.observations import rollups, store
from samverkan.dataspace.observations.rows import (
    COMPONENTS,
    PLAIN,
    Batch,
    Plain,
    Row,
    data_array_body,
    observation_row,
    read_plain,
)
from samverkan.dataspace.query import current_location
from samverkan.dataspace.tenants import Viewer
from samverkan.dataspace.times import now_ms
from samverkan.db import dataspace as t
from samverkan.errors import Conflict, Forbidden, NotFound, TooLarge

# to-one links an entity cannot exist without (a FeatureOfInterest is derived when missing)
REQUIRED_LINKS = {
    "Datastreams": ("Thing", "Sensor", "ObservedProperty"),
    "HistoricalLocations": ("Thing",),
    "Observations": ("Datastream",),
}


# the datastreams whose observations go when an entity is deleted (a FeatureOfInterest takes its
# own observations, see store.of_features)
DEPENDANT_OBSERVATIONS: dict[str, Callable[[int], ColumnElement[bool]]] = {
    "Datastreams": lambda ident: t.Datastream.id == ident,
    "Things": lambda ident: t.Datastream.thing_id == ident,
    "Sensors": lambda ident: t.Datastream.sensor_id == ident,
    "ObservedProperties": lambda ident: t.Datastream.observed_property_id == ident,
}

OBSERVATION_NAVS = {n.name: n for n in SETS["Observations"].navs}


def _is_ref(value: Any) -> bool:
    return isinstance(value, dict) and "@iot.id" in value


class Writer:
    """Writes for one request of one tenant (scope ``write`` or more)."""

    def __init__(
        self, session: Session, viewer: Viewer, max_batch: int = 100_000, limits: Limits = DEFAULT_LIMITS
    ) -> None:
        viewer.require("write")
        self.session = session
        self.viewer = viewer
        self.tenant = viewer.tenant_id
        self.max_batch = max_batch
        self.limits = limits
        self._features: dict[int, int] = {}  # datastream → feature derived from its Thing's Location
        self._owned: dict[tuple[str, int], Any] = {}  # the tenant's entities named in this request

    # -- references ------------------------------------------------------------------------------

    def own(self, eset: EntitySet, ident: Any, where: str) -> Any:
        """One of the tenant's entities, named by ``@iot.id`` in a body."""
        if isinstance(ident, bool) or not isinstance(ident, int):
            raise EntityError(f"{where}: @iot.id must be a whole number, got {json_type(ident)}")
        if (eset.name, ident) in self._owned:
            return self._owned[eset.name, ident]
        row = self.session.get(eset.model, check_id(ident, f"{where}.@iot.id", eset.max_id))
        owner = None if row is None else self._owner(eset, row)
        if owner != self.tenant:
            raise EntityError(f"{where}: no {eset.singular} {ident} of tenant {self.viewer.slug!r}")
        self._owned[eset.name, ident] = row
        return row

    def _owner(self, eset: EntitySet, row: Any) -> int:
        if eset.name == "Observations":
            return self.session.get_one(t.Datastream, row.datastream_id).tenant_id
        return row.tenant_id

    def owned(self, eset: EntitySet, ident: int, label: str) -> Any:
        """An entity addressed by the request path, which the tenant must own to change."""
        row = self.session.get(eset.model, ident)
        if row is None:
            raise NotFound(f"{label} not found")
        if self._owner(eset, row) != self.tenant:
            raise Forbidden(f"{label} belongs to another tenant; shared data is read-only")
        return row

    # -- create ----------------------------------------------------------------------------------

    def create(self, eset: EntitySet, body: Any, parent: tuple[EntitySet, int, Nav | None] | None = None) -> int:
        """Create ``body`` (with nested entities) in ``eset``; ``parent`` is the entity and
        navigation of a path such as ``Things(1)/Datastreams``. Returns the new id."""
        links: dict[str, int] = {}
        link_after: tuple[type[Any], int] | None = None  # (link table, the parent's id)
        if parent is not None and (nav := parent[2]) is not None:
            source, ident, _ = parent
            self.owned(source, ident, f"{source.name}({ident})")
            if nav.back is not None:
                back = next(n for n in eset.navs if n.fk == nav.back)
                links[back.name] = ident
            elif nav.link is not None:
                link_after = (nav.link[0], ident)
            else:
                raise EntityError(f"POST to {source.name}({ident})/{nav.name}: create it on its own and link it")
        new = self._create(eset, body, eset.singular, links)
        if link_after is not None:
            table, ident = link_after
            reverse = next(n for n in eset.navs if n.link is not None and n.link[0] is table)
            self._link(eset, new, reverse, [ident])
        return new

    def _create(self, eset: EntitySet, body: Any, where: str, links: dict[str, int]) -> int:
        if eset.name == "Observations":
            return self._create_observation(body, where, links)
        values = read_new(eset, body, where, self.limits)
        if "unitOfMeasurement" in body:
            check_unit(body["unitOfMeasurement"], where)
        for nav in eset.navs:
            if nav.fk is None:
                continue
            if nav.name in body:
                links[nav.name] = self.link(nav, body[nav.name], f"{where}.{nav.name}")
            if nav.name in links:
                values[nav.fk] = links[nav.name]
            elif nav.name in REQUIRED_LINKS.get(eset.name, ()):
                raise EntityError(f"{where}.{nav.name} is required")
        row = eset.model(tenant_id=self.tenant, **values)
        self.session.add(row)
        self.session.flush()
        for nav in eset.navs:
            if nav.fk is not None or nav.name not in body:
                continue
            items = body[nav.name]
            if not isinstance(items, list):
                raise EntityError(f"{where}.{nav.name}: expected an array, got {json_type(items)}")
            if nav.back is not None:
                back = next(n for n in SETS[nav.target].navs if n.fk == nav.back)
                for i, item in enumerate(items):
                    if _is_ref(item):
                        raise EntityError(
                            f"{where}.{nav.name}[{i}]: link an existing {SETS[nav.target].singular} from its own side"
                        )
                    self._create(SETS[nav.target], item, f"{where}.{nav.name}[{i}]", {back.name: row.id})
            else:
                ids = [self.link(nav, item, f"{where}.{nav.name}[{i}]") for i, item in enumerate(items)]
                self._link(eset, row.id, nav, ids)
        return row.id

    def link(self, nav: Nav, value: Any, where: str, create: bool = True) -> int:
        """The id of a linked entity: an existing one (``{"@iot.id": n}``) or, if ``create``, a new one."""
        target = SETS[nav.target]
        if _is_ref(value):  # other members beside @iot.id are ignored, as clients send whole entities
            return self.own(target, value["@iot.id"], where).id
        if not create:
            raise EntityError(
                f'{where}: expected {{"@iot.id": …}} of an existing {target.singular} (new ones are created over HTTP)'
            )
        return self._create(target, value, where, {})

    def _link(self, eset: EntitySet, ident: int, nav: Nav, others: list[int]) -> None:
        """Add many-to-many links; a Thing given Locations gets a HistoricalLocation."""
        assert nav.link is not None
        table, mine, theirs = nav.link
        for other in dict.fromkeys(others):
            exists = self.session.scalar(
                select(getattr(table, mine)).where(getattr(table, mine) == ident, getattr(table, theirs) == other)
            )
            if exists is None:
                self.session.add(table(**{mine: ident, theirs: other}))
        self.session.flush()
        if table is t.ThingLocation:
            things = [ident] if eset.name == "Things" else others
            for thing in things:
                self._history(thing)

    def _history(self, thing: int) -> None:
        """Record the Thing's current Locations as a HistoricalLocation (the standard asks for one
        whenever a Thing's Location changes)."""
        history = t.HistoricalLocation(tenant_id=self.tenant, thing_id=thing, time=now_ms())
        self.session.add(history)
        self.session.flush()
        for location in self.session.scalars(
            select(t.ThingLocation.location_id).where(t.ThingLocation.thing_id == thing)
        ):
            self.session.add(t.HistoricalLocationLocation(historical_location_id=history.id, location_id=location))

    # -- observations --------------------------------------------------------------------------------

    def _create_observation(self, body: Any, where: str, links: dict[str, int]) -> int:
        """One Observation (``links``: what the path names, or the entity it is nested in)."""
        row = observation_row(body, where, self, now_ms(), links, create=True, limits=self.limits)
        return store.write_identified(self.session, Batch([row]))[0]

    def derived_feature(self, datastream: int, where: str) -> int:
        """The FeatureOfInterest of an Observation that names none: its Thing's Location, as the
        standard asks (made once per Location and reused)."""
        if datastream in self._features:
            return self._features[datastream]
        thing = self.session.scalar(select(t.Datastream.thing_id).where(t.Datastream.id == datastream))
        location = None if thing is None else current_location(self.session, thing)
        if location is None:
            raise EntityError(f"{where}: give a FeatureOfInterest, or a Location to Thing {thing} to derive it from")
        feature = self.session.scalar(
            select(t.FeatureOfInterest.id).where(
                t.FeatureOfInterest.location_id == location.id, t.FeatureOfInterest.tenant_id == self.tenant
            )
        )
        if feature is None:
            row = t.FeatureOfInterest(
                tenant_id=self.tenant,
                name=location.name,
                description=location.description,
                encoding_type=location.encoding_type,
                feature=location.location,
                location_id=location.id,
            )
            self.session.add(row)
            self.session.flush()
            feature = row.id
        self._features[datastream] = feature
        return feature

    def create_observations(self, body: Any) -> list[int]:
        """The ``CreateObservations`` request: arrays of observations per datastream. Every row is
        validated before anything is written. Returns the observations' ids, in order (a row
        stored before, e.g. by a retry, has its earlier id)."""
        if not isinstance(body, list):
            raise EntityError(f"CreateObservations: expected a JSON array, got {json_type(body)}")
        total = sum(
            len(item.get("dataArray", []))
            for item in body
            if isinstance(item, dict) and isinstance(item.get("dataArray"), list)
        )
        if total > self.max_batch:
            raise TooLarge(f"CreateObservations: {total} observations in one request; the limit is {self.max_batch}")
        parts: list[Row | Plain] = []  # in order: a plain item as one block of columns, others row by row
        default_time = now_ms()
        for i, item in enumerate(body):
            where = f"CreateObservations[{i}]"
            if not isinstance(item, dict):
                raise EntityError(f"{where}: expected a JSON object, got {json_type(item)}")
            unknown = set(item) - {"Datastream", "components", "dataArray", "dataArray@iot.count", "FeatureOfInterest"}
            if unknown:
                raise EntityError(f"{where}: unknown member {sorted(unknown)[0]!r}")
            if not _is_ref(item.get("Datastream")):
                raise EntityError(f'{where}.Datastream: expected {{"@iot.id": …}}')
            datastream = self.own(SETS["Datastreams"], item["Datastream"]["@iot.id"], f"{where}.Datastream").id
            components = item.get("components")
            if not isinstance(components, list) or not all(isinstance(c, str) for c in components):
                raise EntityError(f"{where}.components: expected an array of names")
            bad = [c for c in components if c not in COMPONENTS]
            if bad or len(set(components)) != len(components):
                raise EntityError(
                    f"{where}.components: unknown or repeated {(bad or components)[0]!r}; "
                    f"use {', '.join(sorted(COMPONENTS))}"
                )
            if "result" not in components:
                raise EntityError(f"{where}.components: 'result' is required")
            data = item.get("dataArray")
            if not isinstance(data, list):
                raise EntityError(f"{where}.dataArray: expected an array of arrays")
            count = item.get("dataArray@iot.count")
            if count is not None and count != len(data):
                raise EntityError(f"{where}: dataArray@iot.count is {count} but dataArray holds {len(data)} rows")
            feature = None
            if "FeatureOfInterest" in item:
                feature = self.link(
                    OBSERVATION_NAVS["FeatureOfInterest"], item["FeatureOfInterest"], f"{where}.FeatureOfInterest"
                )
            plain = self._plain(datastream, components, data, default_time, feature, where)
            if plain is not None:
                parts.append(plain)
                continue
            address = {"Datastream": datastream}
            for j, values in enumerate(data):
                here = f"{where}.dataArray[{j}]"
                row_body = data_array_body(components, values, here, feature)
                parts.append(observation_row(row_body, here, self, default_time, address, False, self.limits))
        return store.write_identified(self.session, Batch(parts))

    def _plain(
        self,
        datastream: int,
        components: list[str],
        data: list[Any],
        default_time: int,
        feature: int | None,
        where: str,
    ) -> Plain | None:
        """A plain ``dataArray`` as columns (see :func:`read_plain`), or None."""
        if not data or not set(components) <= PLAIN:
            return None
        if feature is None:
            try:
                feature = self.derived_feature(datastream, where)
            except EntityError:
                return None  # reading row by row names the first row that needs one
        return read_plain(datastream, components, data, default_time, feature)

    # -- change and delete ----------------------------------------------------------------------------

    def update(self, eset: EntitySet, ident: int, body: Any, label: str) -> None:
        row = self.owned(eset, ident, label)
        if not isinstance(body, dict):
            raise EntityError(f"{label}: expected a JSON object, got {json_type(body)}")
        where = eset.singular
        before = self._hours(eset, ident)
        for key, value in body.items():
            prop, nav = eset.prop(key), eset.nav(key)
            if key == "@iot.id":
                if value != ident:
                    raise EntityError(f"{where}: @iot.id cannot change")
            elif prop is not None:
                if prop.required and value is None:
                    raise EntityError(f"{where}.{key} is required and cannot be null")
                if key == "unitOfMeasurement":
                    check_unit(value, where)
                for column, new in read_prop(prop, value, where, self.limits).items():
                    setattr(row, column, new)
            elif nav is not None and nav.fk is not None:
                if not _is_ref(value):
                    raise EntityError(f'{where}.{key}: expected {{"@iot.id": …}} to link another {nav.name}')
                setattr(row, nav.fk, self.own(SETS[nav.target], value["@iot.id"], f"{where}.{key}").id)
            elif nav is not None and nav.link is not None:
                if not isinstance(value, list) or not all(_is_ref(v) for v in value):
                    raise EntityError(f'{where}.{key}: expected an array of {{"@iot.id": …}}')
                table, mine, _ = nav.link
                self.session.execute(delete(table).where(getattr(table, mine) == ident))
                ids = [self.own(SETS[nav.target], v["@iot.id"], f"{where}.{key}").id for v in value]
                self._link(eset, ident, nav, ids)
            else:
                raise EntityError(f"{where}: {key!r} cannot be changed here")
        try:
            self.session.flush()
        except IntegrityError as exc:
            raise Conflict(f"{label}: another Observation of this Datastream has that phenomenonTime") from exc
        if eset.name == "Observations":
            store.adopt(self.session, {(row.datastream_id, row.feature_id)})
        self._refresh(before, self._hours(eset, ident))

    def delete(self, eset: EntitySet, ident: int, label: str) -> None:
        """Delete an entity and what depends on it. Foreign keys cascade to the other tables;
        observations have none (see :class:`samverkan.db.dataspace.Observation`), so the entity
        and the datastreams it takes along are locked first (a batch naming them then waits and
        is refused), and their observations are deleted before them."""
        self.owned(eset, ident, label)
        before = self._hours(eset, ident)
        model = eset.model
        self.session.execute(select(model.id).where(model.id == ident).with_for_update())
        dependants = DEPENDANT_OBSERVATIONS.get(eset.name)
        if dependants is not None:
            streams = select(t.Datastream.id).where(dependants(ident))
            self.session.execute(streams.with_for_update())
            gone: ColumnElement[bool] | None = t.Observation.datastream_id.in_(streams)
        elif eset.name == "FeaturesOfInterest":
            gone = store.of_features([ident])
        else:
            gone = None
        if gone is not None:
            self.session.execute(delete(t.Observation).where(gone), execution_options={"synchronize_session": False})
        self.session.execute(delete(model).where(model.id == ident))
        self._refresh(before, {})

    def _hours(self, eset: EntitySet, ident: int) -> dict[int, set[int]]:
        """Roll-up hours that depend on this entity (observations of it, or it)."""
        if eset.name == "Observations":
            return rollups.hours_of(self.session, t.Observation.id == ident)
        if eset.name == "FeaturesOfInterest":
            return rollups.hours_of(self.session, store.of_features([ident]))
        return {}

    def _refresh(self, *maps: dict[int, set[int]]) -> None:
        merged: dict[int, set[int]] = {}
        for hours in maps:
            for datastream, touched in hours.items():
                merged.setdefault(datastream, set()).update(touched)
        for datastream, touched in merged.items():
            if self.session.get(t.Datastream, datastream) is not None:
                rollups.refresh_rollups(self.session, datastream, touched)

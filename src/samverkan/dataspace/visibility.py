"""Who sees what: visibility is a SQL condition on every query, nested ones included.

A tenant sees its own entities; a share of a datastream also shows its Thing, Sensor,
ObservedProperty and the Thing's Locations and HistoricalLocations, and — at level ``raw``
only — its Observations and their FeaturesOfInterest. Anything else answers as if it did not
exist.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, or_, select

from samverkan.dataspace.model import EntitySet
from samverkan.dataspace.sharing import Access
from samverkan.db import dataspace as t


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

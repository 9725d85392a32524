"""Demo tenants in the data space, from the real sensor series bundled with samverkan
(:mod:`samverkan.dataspace.demo_series`): SMHI weather stations, Aarhus traffic, parking and
weather, sensor.community particulate sensors in Bristol and the UCI air-quality device.

Each tenant's datastreams are shared with the public so that the open-data catalogue and the
anonymous API have something real to show; Aarhus shares its traffic and parking counts as hourly
aggregates only, to show that level. Loading is idempotent: a tenant that exists is left alone.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import islice

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from samverkan.bounds import to_ms
from samverkan.dataspace import sharing
from samverkan.dataspace.demo_series import demo_tenants
from samverkan.dataspace.demo_series.series import DemoTenant, DemoThing
from samverkan.dataspace.model import SETS
from samverkan.dataspace.observations import store
from samverkan.dataspace.observations.rows import Batch, Plain
from samverkan.dataspace.tenants import Viewer, create_tenant
from samverkan.dataspace.write import Writer
from samverkan.db import dataspace as t
from samverkan.db.models import Organisation

MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"
CHUNK = 20_000
AGGREGATED_ONLY = ("vehicle", "parking")  # Aarhus counts shared hourly: names containing these words


def thing_body(thing: DemoThing) -> dict:
    """A SensorThings deep-insert body for a demo Thing (observations come separately)."""
    return {
        "name": thing.name,
        "description": thing.description,
        "properties": thing.properties,
        "Locations": [
            {
                "name": thing.location_name,
                "description": thing.location_description,
                "encodingType": "application/geo+json",
                "location": {"type": "Point", "coordinates": [thing.longitude, thing.latitude]},
            }
        ],
        "Datastreams": [
            {
                "name": series.datastream,
                "description": series.description,
                "unitOfMeasurement": {
                    "name": series.unit.name,
                    "symbol": series.unit.symbol,
                    "definition": series.unit.definition,
                },
                "observationType": MEASUREMENT,
                "Sensor": {
                    "name": series.sensor,
                    "description": series.sensor_description,
                    "encodingType": "text/html",
                    "metadata": series.sensor_metadata,
                },
                "ObservedProperty": {
                    "name": series.observed_property,
                    "definition": series.property_definition,
                    "description": series.observed_property,
                },
            }
            for series in thing.series
        ],
    }


def load_tenant(session: Session, tenant: DemoTenant, per_series: int | None = None) -> int:
    """Create one demo tenant with its things, observations and public shares. Returns the
    number of observations stored."""
    organisation = tenant.organisation_id
    if organisation is not None and session.get(Organisation, organisation) is None:
        organisation = None  # the catalogue demo is not loaded: keep the tenant unlinked
    row, _ = create_tenant(session, tenant.slug, tenant.name, organisation)
    viewer = Viewer(row.id, row.slug, "admin")
    writer = Writer(session, viewer)
    stored = 0
    for thing in tenant.things:
        thing_id = writer.create(SETS["Things"], thing_body(thing))
        streams = session.scalars(
            select(t.Datastream.id).where(t.Datastream.thing_id == thing_id).order_by(t.Datastream.id)
        ).all()
        for series, stream in zip(thing.series, streams, strict=True):
            feature = writer.derived_feature(stream, series.datastream)
            values = islice(series.observations(), per_series)
            while chunk := list(islice(values, CHUNK)):
                times = np.array([to_ms(moment) for moment, _ in chunk], np.int64)
                results = np.array([value for _, value in chunk], np.float64)
                stored += len(chunk)
                store.write(session, Batch([Plain(stream, feature, times, results)]))
            words = series.datastream.lower()
            level = "hourly" if tenant.slug.startswith("aarhus") and any(w in words for w in AGGREGATED_ONLY) else "raw"
            sharing.share(session, viewer, stream, sharing.PUBLIC, level, tenant.licence)
    return stored


def load_demo_dataspace(session_factory: Callable[[], Session], per_series: int | None = None) -> dict[str, int]:
    """Load every demo tenant that does not exist yet, one transaction each. Returns the
    observations stored per tenant (``per_series`` keeps only the first N of each series)."""
    loaded = {}
    for tenant in demo_tenants():
        with session_factory() as session, session.begin():
            if session.scalar(select(t.Tenant.id).where(t.Tenant.slug == tenant.slug)) is not None:
                continue
            loaded[tenant.slug] = load_tenant(session, tenant, per_series)
    return loaded

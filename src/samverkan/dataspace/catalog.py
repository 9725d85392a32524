"""The open-data catalogue: every datastream shared with the public, described for DCAT-AP 3
(:mod:`samverkan.dataspace.dcat`) from what the data space knows about it."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from samverkan.catalogue.geo import place
from samverkan.dataspace import dcat
from samverkan.dataspace.model import from_ms
from samverkan.dataspace.tenants import aware
from samverkan.db import dataspace as t
from samverkan.db.models import Organisation

CC_BY = "http://creativecommons.org/licenses/by/4.0/"
PLATFORM = dcat.Publisher(slug="samverkan", name="samverkan")


def _point(location: dict[str, Any] | None) -> tuple[float, float] | None:
    if isinstance(location, dict) and location.get("type") == "Point":
        coordinates = location.get("coordinates")
        if isinstance(coordinates, list) and len(coordinates) >= 2:
            return float(coordinates[0]), float(coordinates[1])
    return None


def open_datasets(session: Session, base: str) -> list[dcat.OpenDataset]:
    """One dataset per datastream with an active public share, oldest share first."""
    shares = session.scalars(
        select(t.Share).where(t.Share.grantee_id.is_(None), t.Share.revoked_at.is_(None)).order_by(t.Share.id)
    )
    places: dict[tuple[float, float], tuple[list[str], str | None]] = {}
    out = []
    for share in shares:
        stream = session.get(t.Datastream, share.datastream_id)
        tenant = session.get(t.Tenant, stream.tenant_id)
        observed = session.get(t.ObservedProperty, stream.observed_property_id)
        sensor = session.get(t.Sensor, stream.sensor_id)
        location = session.scalars(
            select(t.Location)
            .join(t.ThingLocation, t.ThingLocation.location_id == t.Location.id)
            .where(t.ThingLocation.thing_id == stream.thing_id)
            .order_by(t.Location.id.desc())
        ).first()
        point = _point(location.location if location else None)
        if point is not None and point not in places:
            places[point] = place(session, *point)
        nuts, municipality = places.get(point, ([], None)) if point else ([], None)
        first, last = session.execute(
            select(func.min(t.Rollup.hour), func.max(t.Rollup.hour)).where(t.Rollup.datastream_id == stream.id)
        ).one()
        organisation = session.get(Organisation, tenant.organisation_id) if tenant.organisation_id else None
        root = f"{base}/sta/v1.1/Datastreams({stream.id})"
        out.append(
            dcat.OpenDataset(
                datastream_id=stream.id,
                title=stream.name,
                description=stream.description,
                publisher=dcat.Publisher(
                    slug=tenant.slug, name=organisation.name if organisation else tenant.name, homepage=None
                ),
                licence=share.licence or CC_BY,
                keywords=tuple(k for k in (observed.name, sensor.name) if k),
                observed_property=observed.name,
                observed_property_definition=observed.definition or None,
                unit=(stream.unit_of_measurement or {}).get("name"),
                level=share.level,
                point=point,
                nuts=tuple(nuts[-1:]),  # the finest region; the coarser ones contain it
                municipality=municipality,
                temporal_start=from_ms(first) if first is not None else None,
                temporal_end=from_ms(last + 3_600_000) if last is not None else None,
                issued=aware(share.created_at),
                modified=None,
                sta_url=root,
                observations_url=root + "/Observations",
                aggregate_url=f"{base}/api/v1/datastreams/{stream.id}/aggregate?interval="
                + ("1d" if share.level == "daily" else "1h"),
                csv_url=None,
            )
        )
    return out


def catalogue(session: Session, base: str, fmt: str) -> str:
    """The DCAT-AP 3 catalogue as Turtle (``ttl``) or JSON-LD (``jsonld``)."""
    graph = dcat.catalogue_graph(open_datasets(session, base), base, publisher=PLATFORM, language=None)
    return dcat.to_turtle(graph) if fmt == "ttl" else dcat.to_jsonld(graph)


def published_per_municipality(session: Session) -> Counter[str]:
    """Open datasets per Swedish municipality (kommunkod), for the web app."""
    return Counter(d.municipality for d in open_datasets(session, "") if d.municipality)

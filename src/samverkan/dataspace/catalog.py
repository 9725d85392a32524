"""The open-data catalogue: every datastream shared with the public, described for DCAT-AP 3
(:mod:`samverkan.dataspace.dcat`) from what the data space knows about it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from samverkan.bounds import from_ms
from samverkan.catalogue.geo import contains, place
from samverkan.dataspace import dcat, licences
from samverkan.dataspace.query import current_location
from samverkan.dataspace.times import DAY, HOUR, floor_to
from samverkan.db import dataspace as t
from samverkan.db.engine import aware
from samverkan.db.models import Municipality, Organisation

log = logging.getLogger("samverkan.dataspace")
PLATFORM = dcat.Publisher(slug="samverkan", name="samverkan")


def _point(location: dict[str, Any] | None) -> tuple[float, float] | None:
    """A GeoJSON Point's longitude and latitude; None for anything else (or anything broken)."""
    if isinstance(location, dict) and location.get("type") == "Point":
        coordinates = location.get("coordinates")
        if isinstance(coordinates, list) and len(coordinates) >= 2:
            try:
                lon, lat = float(coordinates[0]), float(coordinates[1])
            except (TypeError, ValueError, OverflowError):
                return None
            if -180 <= lon <= 180 and -90 <= lat <= 90:
                return lon, lat
    return None


def _public(session: Session) -> Iterator[tuple[t.Share, t.Datastream, tuple[float, float] | None]]:
    """Active public shares, oldest first, with the datastream and its Thing's position."""
    shares = session.scalars(
        select(t.Share).where(t.Share.grantee_id.is_(None), t.Share.revoked_at.is_(None)).order_by(t.Share.id)
    )
    for share in shares:
        stream = session.get_one(t.Datastream, share.datastream_id)
        location = current_location(session, stream.thing_id)
        yield share, stream, _point(location.location if location else None)


def open_datasets(session: Session, base: str) -> list[dcat.OpenDataset]:
    """One dataset per datastream with an active public share, oldest share first."""
    places: dict[tuple[float, float], tuple[list[str], str | None]] = {}
    out = []
    for share, stream, point in _public(session):
        try:
            dataset = _dataset(session, share, stream, point, places, base)
        except (ValueError, OverflowError) as exc:
            log.warning("datastream %s is left out of the open data: %s", stream.id, exc)
            continue
        out.append(dataset)
    return out


def _dataset(
    session: Session,
    share: t.Share,
    stream: t.Datastream,
    point: tuple[float, float] | None,
    places: dict[tuple[float, float], tuple[list[str], str | None]],
    base: str,
) -> dcat.OpenDataset:
    tenant = session.get_one(t.Tenant, stream.tenant_id)
    observed = session.get_one(t.ObservedProperty, stream.observed_property_id)
    sensor = session.get_one(t.Sensor, stream.sensor_id)
    if point is not None and point not in places:
        places[point] = place(session, *point)
    nuts, municipality = places.get(point, ([], None)) if point else ([], None)
    first, last = session.execute(
        select(func.min(t.Rollup.hour), func.max(t.Rollup.hour)).where(t.Rollup.datastream_id == stream.id)
    ).one()
    # the period at the share's own resolution: a daily share does not tell the hours
    step = DAY if share.level == "daily" else HOUR
    organisation = session.get(Organisation, tenant.organisation_id) if tenant.organisation_id else None
    root = f"{base}/sta/v1.1/Datastreams({stream.id})"
    return dcat.OpenDataset(
        datastream_id=stream.id,
        title=stream.name,
        description=stream.description,
        publisher=dcat.Publisher(
            slug=tenant.slug, name=organisation.name if organisation else tenant.name, homepage=None
        ),
        licence=share.licence or licences.DEFAULT,
        keywords=tuple(k for k in (observed.name, sensor.name) if k),
        observed_property=observed.name,
        observed_property_definition=observed.definition or None,
        unit=(stream.unit_of_measurement or {}).get("name"),
        level=share.level,
        point=point,
        nuts=tuple(nuts[-1:]),  # the finest region; the coarser ones contain it
        municipality=municipality,
        temporal_start=from_ms(floor_to(first, step)) if first is not None else None,
        temporal_end=from_ms(floor_to(last, step) + step) if last is not None else None,
        issued=aware(share.created_at),
        modified=None,
        sta_url=root,
        observations_url=root + "/Observations",
        aggregate_url=f"{base}/api/v1/datastreams/{stream.id}/aggregate?interval="
        + ("1d" if share.level == "daily" else "1h"),
        csv_url=None,
    )


def catalogue(session: Session, base: str, fmt: str) -> str:
    """The DCAT-AP 3 catalogue as Turtle (``ttl``) or JSON-LD (``jsonld``)."""
    graph = dcat.catalogue_graph(open_datasets(session, base), base, publisher=PLATFORM, language=None)
    return dcat.to_turtle(graph) if fmt == "ttl" else dcat.to_jsonld(graph)


def published_in_municipality(session: Session, code: str) -> int:
    """Open datasets (public datastreams) whose Thing stands in a Swedish municipality."""
    municipality = session.get(Municipality, code)
    if municipality is None or not municipality.geometry:
        return 0
    return sum(1 for _, _, point in _public(session) if point and contains(municipality.geometry, *point))

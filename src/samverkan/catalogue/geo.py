"""Where a point lies: the NUTS regions and the Swedish municipality holding a WGS84 position,
from the outlines in the catalogue (ray casting on GeoJSON polygons; no GIS library needed at
these sizes)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from samverkan.db.models import Municipality, Region


def _in_ring(ring: Sequence[Sequence[float]], lon: float, lat: float) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def contains(geometry: dict[str, Any] | None, lon: float, lat: float) -> bool:
    """Whether a GeoJSON Polygon or MultiPolygon holds the point (holes respected)."""
    if not geometry:
        return False
    if geometry.get("type") == "Polygon":
        polygons = [geometry["coordinates"]]
    elif geometry.get("type") == "MultiPolygon":
        polygons = geometry["coordinates"]
    else:
        return False
    for rings in polygons:
        if rings and _in_ring(rings[0], lon, lat) and not any(_in_ring(hole, lon, lat) for hole in rings[1:]):
            return True
    return False


def place(session: Session, lon: float, lat: float) -> tuple[list[str], str | None]:
    """(NUTS codes from country to level 3, kommunkod or None) of a position. Each level is
    searched only inside the region found one level up, so this stays cheap."""
    codes: list[str] = []
    parent: str | None = None
    for level in range(4):
        query = select(Region.id, Region.geometry).where(Region.level == level, Region.geometry.is_not(None))
        if parent is not None:
            query = query.where(Region.parent_id == parent)
        found = next((code for code, shape in session.execute(query) if contains(shape, lon, lat)), None)
        if found is None:
            break
        codes.append(found)
        parent = found
    municipality = None
    if codes and codes[0] == "SE":
        query = select(Municipality.code, Municipality.geometry).where(Municipality.geometry.is_not(None))
        if len(codes) == 4:
            query = query.where(Municipality.nuts3 == codes[3])
        municipality = next((code for code, shape in session.execute(query) if contains(shape, lon, lat)), None)
    return codes, municipality

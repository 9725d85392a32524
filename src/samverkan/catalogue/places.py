"""Where catalogue records are, as NUTS 2021 codes.

CORDIS gives no NUTS code in the shared data, and the DIH catalogue only a city. A record is
placed, from the most precise evidence it has:

1. its own NUTS code, if the source gave one;
2. its coordinates, inside a NUTS 3 polygon of the same country (1:60M shapes, so a point
   on a coast can fall outside, and is then placed by its city);
3. its city, by name: a Swedish municipality, or the name of a NUTS 1–3 region in the same
   country ("München, Kreisfreie Stadt" answers "München"). A name shared by several regions
   answers their common parent, if they have one below the country ("München" is both the
   city and the Landkreis, so DE21, Oberbayern).

A region filter is then a prefix test: ``SE2`` holds every record placed in ``SE2``,
``SE23`` or ``SE232``. The place says how it was found, so a reason can be checked.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from samverkan.catalogue.countries import iso_from_code
from samverkan.db.models import Municipality, Region

_WORDS = re.compile(r"[^a-z0-9]+")
# what NUTS names add to a place name: "Aachen, Kreisfreie Stadt", "Stockholms län"
_SUFFIXES = re.compile(r",.*$| (län|kommun|county|province|provincia|region)$")


@dataclass(frozen=True)
class Place:
    nuts: str  # NUTS code at the most precise level known (0–3)
    how: str  # "nuts code", "coordinates" or "city"


def place_keys(name: str) -> set[str]:
    """Lookup keys for a place name: accents folded, and accented letters dropped, because
    some sources lost them ("Gvle" for "Gävle", "Linkping" for "Linköping")."""
    name = html.unescape(html.unescape(name)).strip().casefold()
    name = re.sub(r"\s*\(.*?\)", "", name)  # "Kista (Sweden)"
    keys = set()
    for variant in {name, _SUFFIXES.sub("", name).strip()}:
        decomposed = unicodedata.normalize("NFKD", variant)
        folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        dropped = "".join(ch for ch in variant if ch.isascii())
        for key in (folded, dropped):
            key = _WORDS.sub(" ", key).strip()
            if len(key) >= 3:
                keys.add(key)
    return keys


def common_parent(codes: Iterable[str]) -> str:
    """The longest common prefix of NUTS codes (their nearest common region)."""
    codes = list(codes)
    prefix = codes[0]
    for code in codes[1:]:
        while not code.startswith(prefix):
            prefix = prefix[:-1]
    return prefix


class _Polygons:
    """NUTS 3 polygons with bounding boxes, for point-in-polygon lookups."""

    def __init__(self, regions: list[tuple[str, dict]]) -> None:
        self.codes: list[str] = []
        self.rings: list[list[np.ndarray]] = []  # per polygon: outer ring then holes, arrays of (lon, lat)
        boxes = []
        for code, geometry in regions:
            kind = geometry.get("type")
            polygons = [geometry["coordinates"]] if kind == "Polygon" else geometry.get("coordinates", [])
            for polygon in polygons if kind in ("Polygon", "MultiPolygon") else []:
                rings = [np.asarray(ring, dtype=np.float64)[:, :2] for ring in polygon if len(ring) >= 4]
                if not rings:
                    continue
                self.codes.append(code)
                self.rings.append(rings)
                outer = rings[0]
                boxes.append((outer[:, 0].min(), outer[:, 1].min(), outer[:, 0].max(), outer[:, 1].max()))
        self.boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)

    def find(self, lat: float, lon: float) -> str | None:
        b = self.boxes
        candidates = np.flatnonzero((b[:, 0] <= lon) & (lon <= b[:, 2]) & (b[:, 1] <= lat) & (lat <= b[:, 3]))
        for i in candidates:
            outer, *holes = self.rings[i]
            if _inside(outer, lon, lat) and not any(_inside(hole, lon, lat) for hole in holes):
                return self.codes[i]
        return None


def _inside(ring: np.ndarray, x: float, y: float) -> bool:
    """Even-odd ray casting."""
    x1, y1 = ring[:-1, 0], ring[:-1, 1]
    x2, y2 = ring[1:, 0], ring[1:, 1]
    crosses = (y1 > y) != (y2 > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        at = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
    return bool(np.count_nonzero(crosses & (x < at)) % 2)


class Places:
    """Places records from their NUTS code, coordinates or city (see the module docstring)."""

    def __init__(
        self,
        regions: list[tuple[str, int, str, str | None, dict | None]],
        municipalities: Sequence[tuple[str, str | None]] = (),
    ) -> None:
        """``regions``: (NUTS code, level, name, Latin name, geometry); ``municipalities``:
        (Swedish municipality name, its NUTS 3 code)."""
        self.codes = {code for code, *_ in regions}
        self.names = {code: name for code, _, name, _, _ in regions}
        self._polygons = _Polygons(
            [(code, geometry) for code, level, _, _, geometry in regions if level == 3 and geometry]
        )
        by_key: dict[tuple[str, str], set[str]] = {}
        for code, level, name, latin, _ in regions:
            if level == 0:
                continue
            for label in {name, latin or name}:
                for key in place_keys(label):
                    by_key.setdefault((iso_from_code(code[:2]), key), set()).add(code)
        for name, nuts3 in municipalities:
            if nuts3:
                for key in place_keys(name):
                    by_key.setdefault(("SE", key), set()).add(nuts3)
        by_word: dict[tuple[str, str], set[str]] = {}  # single words of longer names: "groot amsterdam"
        for (country, key), codes in by_key.items():
            words = key.split()
            for word in words if len(words) > 1 else ():
                if len(word) >= 4:
                    by_word.setdefault((country, word), set()).update(codes)
        self._cities = _below_country(by_key)
        self._words = _below_country(by_word)

    def __bool__(self) -> bool:
        return bool(self.codes)

    def nuts_country(self, code: str) -> str:
        return iso_from_code(code[:2])

    def locate(
        self,
        country: str | None,
        nuts: str | None = None,
        lat: float | None = None,
        lon: float | None = None,
        city: str | None = None,
    ) -> Place | None:
        if nuts and nuts.upper() in self.codes:
            return Place(nuts.upper(), "nuts code")
        if lat is not None and lon is not None:
            code = self._polygons.find(lat, lon)
            if code and (country is None or self.nuts_country(code) == country):
                return Place(code, "coordinates")
        if city and country:
            keys = sorted(place_keys(city))
            for table in (self._cities, self._words):
                for key in keys:
                    code = table.get((country, key))
                    if code:
                        return Place(code, "city")
        return None


def _below_country(names: dict[tuple[str, str], set[str]]) -> dict[tuple[str, str], str]:
    """Each name's regions' common parent, where that is a region below the country."""
    found = {}
    for key, codes in names.items():
        parent = common_parent(codes)
        if len(parent) > 2:
            found[key] = parent
    return found


def load_places(session: Session) -> Places:
    """The places known to the catalogue's regions (empty if none were imported)."""
    regions = [
        (r.id, r.level, r.name, r.name_latn, r.geometry)
        for r in session.execute(select(Region).order_by(Region.id)).scalars()
    ]
    municipalities = [
        (name, nuts3) for name, nuts3 in session.execute(select(Municipality.short_name, Municipality.nuts3))
    ]
    return Places(regions, municipalities)


def in_region(place: str | None, region: str) -> bool:
    """Whether a record placed at NUTS ``place`` lies in NUTS ``region`` (a region holds its subregions)."""
    return place is not None and place.startswith(region)

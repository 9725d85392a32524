"""NUTS 2021 regions and Swedish municipalities/counties → Region, Municipality, County.

PATH is a folder, a zip or one file. Read: GISCO NUTS GeoJSON in EPSG:4326 (properties as in
NUTS_COLUMNS + names and typologies) — ``NUTS_RG_<scale>_2021_4326.geojson`` (all levels; its
``_LEVL_<n>`` parts only without it), ``NUTS_LB_2021_4326.geojson`` (label points), a CSV with
the same columns only when no regions GeoJSON is given (``NUTS_BN_*`` boundary lines are not
read); ``kommuner_sweden.csv`` with polygons from ``swedish_municipalities.geojson`` (``id`` =
kommunkod) and ``swedish_regions.geojson`` (``l_id`` = länskod); ``kommuner_by_lan.json`` is
not read. Provenance: GISCO NUTS 2021 1:60M via BIAKuustom/NUTSMaps (© EuroGeographics);
okfse/sweden-geojson, martinahlqvist/kommuner (Valmyndigheten). Policy: ``overwrite``.

Region ``id`` stays the NUTS code (``EL30``), ``country`` is ISO (``GR``). GeoJSON problems
name the feature number counting from 1 (their ``line`` is empty). The 21 län are an official
code list (SCB länskoder, NUTS 2021): the CSV's ``lan``/``nuts3`` are checked against it and
the official values kept (the 2021 file calls Gävleborg, län 21, "Värmlands län"/SE311).
Short names come from ``name_in_geojson`` where given: ``kommun_kort`` has slips ("Tierps").
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import select

from samverkan.bounds import json_depth
from samverkan.catalogue.countries import iso_from_code
from samverkan.db.models import County, Municipality, Region
from samverkan.errors import InputError, Problem
from samverkan.importers.base import MAX_JSON_DEPTH, Counts, ImportContext, Row, RowInvalid, read_csv, sniff_text
from samverkan.importers.files import InputFile, list_inputs

NUTS_FILE = re.compile(r"NUTS_(RG|LB|BN)_(?:(\d+)M_)?\d{4}_\d{4}(_LEVL_[0-3])?\.geojson", re.IGNORECASE)
NUTS_CODE = re.compile(r"[A-Z]{2}[0-9A-Z]{0,3}")
MAX_GEOJSON_BYTES = 256 * 1024 * 1024
NUTS_COLUMNS = ("NUTS_ID", "LEVL_CODE", "CNTR_CODE", "NUTS_NAME")
KOMMUN_COLUMNS = ("kommunkod", "kommun", "kommun_kort", "lanskod", "nuts3")
LAN = {  # länskod → (name, NUTS 2021 code)
    "01": ("Stockholms län", "SE110"), "03": ("Uppsala län", "SE121"), "04": ("Södermanlands län", "SE122"),
    "05": ("Östergötlands län", "SE123"), "06": ("Jönköpings län", "SE211"), "07": ("Kronobergs län", "SE212"),
    "08": ("Kalmar län", "SE213"), "09": ("Gotlands län", "SE214"), "10": ("Blekinge län", "SE221"),
    "12": ("Skåne län", "SE224"), "13": ("Hallands län", "SE231"), "14": ("Västra Götalands län", "SE232"),
    "17": ("Värmlands län", "SE311"), "18": ("Örebro län", "SE124"), "19": ("Västmanlands län", "SE125"),
    "20": ("Dalarnas län", "SE312"), "21": ("Gävleborgs län", "SE313"), "22": ("Västernorrlands län", "SE321"),
    "23": ("Jämtlands län", "SE322"), "24": ("Västerbottens län", "SE331"), "25": ("Norrbottens län", "SE332"),
}  # fmt: skip


def run(ctx: ImportContext, path: Path) -> None:
    files = list_inputs(path)
    groups: dict[str, list[InputFile]] = {k: [] for k in ("RG", "LB", "nuts", "kommun", "geo")}
    for f in files:
        match, lower = NUTS_FILE.fullmatch(f.name), f.name.lower()
        kind = match.group(1).upper() if match else _csv_kind(f) if lower.endswith(".csv") else None
        if kind in groups or (kind is None and lower.endswith(".geojson")):
            groups[kind or "geo"].append(f)
        else:
            why = {"BN": "NUTS boundary lines, not regions", "kommuner_by_lan.json": "repeats kommuner_sweden.csv"}
            reason = why.get(kind or lower, "not a region file samverkan reads")
            ctx.report.notes.append(f"skipped {f.display} ({reason})")
    if not any(groups.values()):
        found = ", ".join(f.name for f in files[:10]) or "nothing"
        raise InputError([Problem(str(path), None, None, f"no NUTS or Swedish region files found; found {found}")])
    shapes, labels = _choose(ctx, groups["RG"]), _choose(ctx, groups["LB"])
    if shapes:  # never read more than needed
        for f in groups["nuts"]:
            ctx.report.notes.append(f"skipped {f.display} (the regions GeoJSON carries the same attributes)")
    if shapes or labels or groups["nuts"]:
        _nuts(ctx, shapes, [] if shapes else groups["nuts"], labels)
    if groups["kommun"] or groups["geo"]:
        _sweden(ctx, groups["kommun"], groups["geo"])


def _csv_kind(source: InputFile) -> str | None:
    header = sniff_text(source, 2048).partition("\n")[0]
    return "nuts" if "NUTS_ID" in header else "kommun" if "kommunkod" in header else None


def _choose(ctx: ImportContext, files: list[InputFile]) -> list[InputFile]:
    """The all-levels file if given (the first by name: the finest scale), else the per-level ones."""
    whole = [f for f in files if "_LEVL_" not in f.name.upper()][:1]
    for f in files if whole else []:
        if f is not whole[0]:
            ctx.report.notes.append(f"skipped {f.display} (covered by {whole[0].name})")
    return whole or files


def _nuts(ctx: ImportContext, shapes: list[InputFile], tables: list[InputFile], labels: list[InputFile]) -> None:
    regions: dict[str, dict[str, Any]] = {}  # attributes from the first of shapes, tables, labels
    for source in shapes:
        counts = ctx.report.entity("NUTS features")
        with ctx.counting(counts):
            for row, geometry in _rows(ctx, source, _collection(ctx, source), counts):
                with _feature(ctx, row, counts):
                    record = nuts_record(row)
                    regions[record["id"]] = {**record, "geometry": _area(geometry)}
    for source in tables:
        counts = ctx.report.entity("NUTS rows")
        with ctx.counting(counts):
            for row in read_csv(ctx, source, NUTS_COLUMNS):
                with ctx.row(row, counts):
                    record = nuts_record(row)
                    regions[record["id"]] = record
    for source in labels:
        counts = ctx.report.entity("NUTS label points")
        with ctx.counting(counts):
            for row, geometry in _rows(ctx, source, _collection(ctx, source), counts):
                with _feature(ctx, row, counts):
                    record, (lat, lon) = nuts_record(row), _point(geometry)
                    regions.setdefault(record["id"], record).update(label_lat=lat, label_lon=lon)
    _upsert(ctx, Region, "regions", regions)


def nuts_record(row: Row) -> dict[str, Any]:
    code = row.required("NUTS_ID").upper()
    if not NUTS_CODE.fullmatch(code):
        raise RowInvalid("NUTS_ID", f"{code!r} is not a NUTS code (levels 0–3)")
    level = len(code) - 2
    given = row.integer("LEVL_CODE")
    if given is not None and given != level:
        raise RowInvalid("LEVL_CODE", f"{given} does not match NUTS code {code} (level {level})")
    if (row.text("CNTR_CODE") or code[:2]).upper() != code[:2]:
        raise RowInvalid("CNTR_CODE", f"{row.text('CNTR_CODE')!r} does not match NUTS code {code}")
    name = row.text("NUTS_NAME") or row.text("NAME_LATN")
    if name is None:
        raise RowInvalid("NUTS_NAME", "is required but empty")
    return {
        "id": code, "source_id": code, "level": level, "country": iso_from_code(code[:2]),
        "parent_id": code[:-1] if level else None, "name": name, "name_latn": row.text("NAME_LATN"),
        "mount_type": row.integer("MOUNT_TYPE"), "urban_type": row.integer("URBN_TYPE"),
        "coast_type": row.integer("COAST_TYPE"),
    }  # fmt: skip


def _sweden(ctx: ImportContext, tables: list[InputFile], shapes: list[InputFile]) -> None:
    municipalities: dict[str, dict[str, Any]] = {}
    counties: dict[str, dict[str, Any]] = {}
    fixed: Counter[str] = Counter()
    renamed: list[str] = []
    for source in tables:
        counts = ctx.report.entity("municipality rows")
        with ctx.counting(counts):
            for row in read_csv(ctx, source, KOMMUN_COLUMNS):
                with ctx.row(row, counts):
                    record = municipality_record(row, fixed, renamed)
                    municipalities[record["code"]] = record
                    counties[record["county_code"]] = _county(record["county_code"])
    found: dict[str, tuple[Row, dict[str, Any]]] = {}
    for source in shapes:
        features = _collection(ctx, source)
        keys = {k for feature in features[:20] for k in _properties(feature) or {}}
        kind = "l_id" if "l_id" in keys else "id" if {"id", "kom_namn"} <= keys else None
        if kind is None:
            ctx.report.notes.append(f"skipped {source.display} (neither Swedish municipalities nor län)")
            continue
        counts = ctx.report.entity("county shapes" if kind == "l_id" else "municipality shapes")
        with ctx.counting(counts):
            for row, geometry in _rows(ctx, source, features, counts):
                with _feature(ctx, row, counts):
                    code = _code(row, kind, 2 if kind == "l_id" else 4)
                    if kind == "l_id":
                        counties[code] = {**counties.get(code, _county(code)), "geometry": _area(geometry)}
                    else:
                        found[code] = (row, _area(geometry))
    known = set(municipalities) | (set(ctx.session.scalars(select(Municipality.code))) if found else set())
    for code, (row, geometry) in found.items():
        if code in known:  # a polygon alone updates a municipality imported before
            municipalities.setdefault(code, {"code": code})["geometry"] = geometry
        else:
            with ctx.counting(ctx.report.entity("municipality shapes")):
                _reject(ctx, row, "id", f"kommunkod {code} is not a known municipality (import kommuner_sweden.csv)")
    for note, n in sorted(fixed.items()):
        ctx.report.notes.append(f"{note} on {n} rows; kept the official län name and NUTS code")
    if renamed:
        ctx.report.notes.append(f"short names from name_in_geojson, not kommun_kort: {', '.join(renamed)}")
    _upsert(ctx, County, "counties", counties)
    _upsert(ctx, Municipality, "municipalities", municipalities)


def municipality_record(row: Row, fixed: Counter[str], renamed: list[str]) -> dict[str, Any]:
    code, county = _code(row, "kommunkod", 4), _code(row, "lanskod", 2)
    if code[:2] != county:
        raise RowInvalid("lanskod", f"{county} does not match kommunkod {code} (its first two digits)")
    nuts3 = row.required("nuts3").upper()  # checked against the official list below
    name, official = row.text("lan"), LAN[county]
    if (name and name != official[0]) or nuts3 != official[1]:
        fixed[f"kommuner file gives län {county} as {name!r}/{nuts3} (officially {official[0]}/{official[1]})"] += 1
    lat, lon = row.number("lat"), row.number("lon")
    for field, value, limit in (("lat", lat, 90), ("lon", lon, 180)):
        if value is not None and not -limit <= value <= limit:
            raise RowInvalid(field, f"{value} is out of range (±{limit})")
    short = row.required("kommun_kort")
    if (better := row.text("name_in_geojson")) and better != short:
        renamed.append(f"{short} → {better}")
        short = better
    return {
        "code": code, "source_id": code, "name": row.required("kommun"), "short_name": short,
        "county_code": county, "nuts3": official[1], "lat": lat, "lon": lon,
    }  # fmt: skip


def _county(code: str) -> dict[str, Any]:
    return {"code": code, "source_id": code, "name": LAN[code][0], "nuts3": LAN[code][1]}


def _code(row: Row, name: str, width: int) -> str:
    """A zero-padded numeric code (kommunkod: 4 digits, länskod: 2) within a known län."""
    text = row.required(name)
    if not text.isdigit() or len(text) > width:
        raise RowInvalid(name, f"{text!r} is not a {width}-digit code")
    code = text.zfill(width)
    if code[:2] not in LAN:
        raise RowInvalid(name, f"{text!r} is not in a Swedish län (no län {code[:2]})")
    return code


def _upsert(ctx: ImportContext, model: type, entity: str, records: dict[str, dict[str, Any]]) -> None:
    if not records:
        return
    upserter = ctx.upserter(model, entity)
    for record in records.values():
        upserter.add(record)
    upserter.flush()


def _collection(ctx: ImportContext, source: InputFile) -> list[Any]:
    """The features of a GeoJSON FeatureCollection (read whole: these files are a few MB, and
    at most :data:`MAX_GEOJSON_BYTES` are read)."""
    with source.open(ctx.progress) as stream:
        raw = stream.read(MAX_GEOJSON_BYTES + 1)
    if len(raw) > MAX_GEOJSON_BYTES:
        raise _bad(source, None, None, f"larger than {MAX_GEOJSON_BYTES:,} bytes; outlines of regions take a few MB")
    if (depth := json_depth(raw)) > MAX_JSON_DEPTH:
        raise _bad(source, None, None, f"JSON nested {depth} levels deep; at most {MAX_JSON_DEPTH} are accepted")
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise _bad(source, raw.count(b"\n", 0, exc.start) + 1, None, "not valid UTF-8; save it as UTF-8") from exc
    except json.JSONDecodeError as exc:
        raise _bad(source, exc.lineno, None, f"broken JSON: {exc.msg} at column {exc.colno}") from exc
    kind = data.get("type") if isinstance(data, dict) else type(data).__name__
    if kind != "FeatureCollection" or not isinstance(data.get("features"), list):
        raise _bad(source, None, "type", f"expected a GeoJSON FeatureCollection, found {kind!r}")
    crs = json.dumps(data.get("crs") or "")
    if data.get("crs") and "4326" not in crs and "CRS84" not in crs:
        raise _bad(source, None, "crs", f"coordinates must be EPSG:4326 (longitude/latitude), not {crs}")
    return data["features"]


def _bad(source: InputFile, line: int | None, field: str | None, message: str) -> InputError:
    return InputError([Problem(source.display, line, field, message)])


def _properties(feature: Any) -> dict[str, Any] | None:
    properties = feature.get("properties") if isinstance(feature, dict) else None
    return properties if isinstance(properties, dict) else None


def _rows(ctx: ImportContext, source: InputFile, features: list[Any], counts: Counts) -> Iterator[tuple[Row, Any]]:
    """Features as rows (``line`` = feature number, counting from 1) with their geometry."""
    for number, feature in enumerate(features, 1):
        properties = _properties(feature)
        row = Row(source.display, number, properties or {})
        if properties is not None:
            yield row, feature.get("geometry")
        else:
            counts.read += 1
            _reject(ctx, row, "properties", "not a GeoJSON Feature with properties")


@contextmanager
def _feature(ctx: ImportContext, row: Row, counts: Counts) -> Iterator[None]:
    """Like :meth:`ImportContext.row`, locating a problem by feature number (``row.line``)."""
    counts.read += 1
    try:
        yield
    except RowInvalid as exc:
        _reject(ctx, row, exc.field, exc.message)


def _reject(ctx: ImportContext, row: Row, field: str | None, message: str) -> None:
    ctx.reject(Problem(row.file, None, field, f"feature {row.line} (counting from 1): {message}"))


def _area(geometry: Any) -> dict[str, Any]:
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise RowInvalid("geometry", "expected a Polygon or MultiPolygon")
    return geometry


def _point(geometry: Any) -> tuple[float, float]:
    """A GeoJSON Point → (lat, lon)."""
    coords = geometry.get("coordinates") if isinstance(geometry, dict) and geometry.get("type") == "Point" else None
    if not (isinstance(coords, list) and len(coords) >= 2 and all(isinstance(c, (int, float)) for c in coords[:2])):
        raise RowInvalid("geometry", "expected a Point")
    if not (-180 <= coords[0] <= 180 and -90 <= coords[1] <= 90):
        raise RowInvalid("geometry", f"{coords[:2]} is not longitude/latitude")
    return float(coords[1]), float(coords[0])

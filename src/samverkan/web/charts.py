"""Maps and charts as inline SVG, drawn on the server from the bundled NUTS and Swedish
GeoJSON: no tile server, no script, works offline. Every picture has a title and a
description for screen readers; the pages put the numbers beside it as a table and a CSV.

Maps use the Lambert azimuthal equal-area projection centred on Europe (as EPSG:3035, on a
sphere), so areas compare fairly: Snyder, *Map Projections — A Working Manual* (1987), p. 185.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from html import escape

from markupsafe import Markup

EARTH_KM = 6371.0
CENTRE = (10.0, 52.0)  # lon, lat of EPSG:3035's centre
# what a map of Europe shows (km from the centre): Iceland to Cyprus, Malta to North Cape,
# leaving out the outermost regions (Canaries, Azores, Madeira, French overseas)
EUROPE = (-2600.0, -2300.0, 2600.0, 2300.0)
# a sequential palette that stays apart in grey and for colour-blind readers (ColorBrewer YlGnBu 5)
PALETTE = ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494")
EMPTY = "#eeeeee"
HIGHLIGHT = "#c2410c"
BAR = "#2c7fb8"
POINT = "#d95f0e"  # hubs drawn over the choropleth: apart from every colour of PALETTE
SIMPLIFY = 0.6  # px: outlines are simplified to stay this close to the 1:60M shapes as drawn
GRID = 2  # outline points per pixel: whole numbers in a group scaled by 1 / GRID
SMALLEST = 1.0  # px²: smaller islands are left out of a region's outline
LABEL_SIZE = 11  # px, region labels
LABELS_MOST = 40  # labels on one map, the largest regions first

# (label, longitude, latitude, value): a place drawn as a circle whose area grows with its value
Point = tuple[str, float, float, float]


def project(lon: float, lat: float) -> tuple[float, float]:
    """Longitude/latitude (degrees) → x east, y north in km (Lambert azimuthal equal-area)."""
    lam0, phi0 = math.radians(CENTRE[0]), math.radians(CENTRE[1])
    lam, phi = math.radians(lon), math.radians(lat)
    cos_c = math.sin(phi0) * math.sin(phi) + math.cos(phi0) * math.cos(phi) * math.cos(lam - lam0)
    k = math.sqrt(2 / (1 + cos_c)) if cos_c > -1 else 0.0
    x = EARTH_KM * k * math.cos(phi) * math.sin(lam - lam0)
    y = EARTH_KM * k * (math.cos(phi0) * math.sin(phi) - math.sin(phi0) * math.cos(phi) * math.cos(lam - lam0))
    return x, y


def _rings(geometry: dict) -> Iterable[list[list[float]]]:
    if geometry["type"] == "Polygon":
        yield from geometry["coordinates"]
    elif geometry["type"] == "MultiPolygon":
        for polygon in geometry["coordinates"]:
            yield from polygon


def _projected(shapes: Sequence[tuple[str, str, dict]]) -> list[tuple[str, str, list[list[tuple[float, float]]]]]:
    return [(code, name, [[project(*p[:2]) for p in ring] for ring in _rings(geo)]) for code, name, geo in shapes]


def _bounds(rings: Iterable[list[tuple[float, float]]]) -> tuple[float, float, float, float]:
    rings = list(rings)
    xs = [x for ring in rings for x, _ in ring]
    ys = [y for ring in rings for _, y in ring]
    return min(xs), min(ys), max(xs), max(ys)


def classes(values: Iterable[float], count: int = len(PALETTE)) -> list[float]:
    """Upper bounds of ``count`` classes holding about equally many of the non-zero values
    (quantiles); fewer when values repeat."""
    ordered = sorted(v for v in values if v > 0)
    if not ordered:
        return []
    bounds = sorted(
        {ordered[min(len(ordered) - 1, math.ceil(len(ordered) * (i + 1) / count) - 1)] for i in range(count)}
    )
    return bounds


def colour(value: float, bounds: list[float]) -> str:
    if value <= 0 or not bounds:
        return EMPTY
    for i, bound in enumerate(bounds):
        if value <= bound:
            return PALETTE[round(i * (len(PALETTE) - 1) / max(1, len(bounds) - 1))]
    return PALETTE[-1]


def choropleth(
    shapes: Sequence[tuple[str, str, dict]],
    values: Mapping[str, float],
    title: str,
    description: str,
    unit: str,
    extent: tuple[float, float, float, float] | None = EUROPE,
    width: int = 640,
    highlight: str | None = None,
    points: Sequence[Point] = (),
    point_unit: str = "",
    labels: Mapping[str, str] | None = None,
) -> Markup:
    """A map of ``shapes`` (code, name, GeoJSON geometry) coloured by ``values[code]``, with a
    legend. ``extent`` (km, projected) frames the map; ``None`` fits it to the shapes.

    ``points`` are drawn over the colours as a second layer (circles, area ∝ value, named by
    their ``<title>``); ``labels`` (code → text) names the regions large enough to hold their
    text, the largest first, none over another."""
    projected = _projected(shapes)
    if not projected:
        return Markup("")
    x0, y0, x1, y1 = extent or _bounds(r for _, _, rings in projected for r in rings)
    scale = width / (x1 - x0)
    height = round((y1 - y0) * scale)
    bounds = classes(values.values())
    by_colour: dict[str, list[str]] = {}  # paths grouped by fill, so each colour is written once
    outlined = ""
    for code, name, rings in projected:
        if extent and not _overlaps(_bounds(rings), (x0, y0, x1, y1)):
            continue
        d = _path([[((x - x0) * scale, (y1 - y) * scale) for x, y in ring] for ring in rings])
        value = values.get(code, 0)
        named = f"<title>{escape(f'{name} ({code}): {_number(value)} {unit}')}</title>"
        if code == highlight:  # drawn last, so its outline is on top
            stroke = f'stroke="{HIGHLIGHT}" stroke-width="{2 * GRID}"'
            outlined = f'<path d="{d}" fill="{colour(value, bounds)}" {stroke}>{named}</path>'
        else:
            by_colour.setdefault(colour(value, bounds), []).append(f'<path d="{d}">{named}</path>')
    paths = [f'<g fill="{fill}">{"".join(group)}</g>' for fill, group in by_colour.items()] + [outlined]
    frame = (x0, y1, scale, width, height)
    names = _labels(projected, labels, frame) if labels else ""
    dots = _points(points, point_unit, frame)
    legend = _legend(bounds, unit, height, width) + _points_legend(points, point_unit, height + 34)
    css = "map small" if extent is None else "map"
    outlines = (
        f'<g transform="scale({1 / GRID:g})" stroke="#ffffff" stroke-width="{0.4 * GRID:g}" stroke-linejoin="round">'
    )
    body = f"{outlines}{''.join(paths)}</g>{dots}{names}{legend}"
    extra = 34 if points else 0
    return figure(css, "map-", width, height + 40 + extra, title, description, body)


Frame = tuple[float, float, float, int, int]  # x0, y1 (km), scale (px per km), width, height (px)


def _pixel(lon: float, lat: float, frame: Frame) -> tuple[float, float]:
    x, y = project(lon, lat)
    return (x - frame[0]) * frame[2], (frame[1] - y) * frame[2]


def _radius(value: float, largest: float) -> float:
    return 2.5 + 9 * math.sqrt(value / largest) if largest > 0 else 2.5


def _points(points: Sequence[Point], unit: str, frame: Frame) -> str:
    """The points inside the frame as circles, the largest drawn first so none hides a smaller one."""
    largest = max((v for *_, v in points), default=0)
    circles = []
    for label, lon, lat, value in sorted(points, key=lambda p: (-p[3], p[0])):
        px, py = _pixel(lon, lat, frame)
        if not (0 <= px <= frame[3] and 0 <= py <= frame[4]) or value <= 0:
            continue
        circles.append(
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="{_radius(value, largest):.1f}">'
            f"<title>{escape(f'{label}: {_number(value)} {unit}')}</title></circle>"
        )
    if not circles:
        return ""
    return f'<g fill="{POINT}" fill-opacity="0.8" stroke="#ffffff" stroke-width="0.8">{"".join(circles)}</g>'


def _points_legend(points: Sequence[Point], unit: str, top: int) -> str:
    if not points:
        return ""
    largest = max(v for *_, v in points)
    items = []
    x = 8.0
    for value in sorted({1.0, max(1.0, round(largest / 4)), largest}):
        r = _radius(value, largest)
        items.append(
            f'<circle cx="{x + r:.1f}" cy="{top + 12}" r="{r:.1f}" fill="{POINT}" fill-opacity="0.8"/>'
            f'<text x="{x + 2 * r + 4:.1f}" y="{top + 16}" font-size="13">{_number(value)}</text>'
        )
        x += 2 * r + 14 + 8 * len(_number(value))
    items.append(f'<text x="{x:.1f}" y="{top + 16}" font-size="13">{escape(unit)}</text>')
    return f'<g aria-hidden="true">{"".join(items)}</g>'


def _labels(
    projected: Sequence[tuple[str, str, list[list[tuple[float, float]]]]], labels: Mapping[str, str], frame: Frame
) -> str:
    """Labels at the centre of each region's largest part, where the text fits inside that
    part's width; the largest regions first, a label overlapping one already placed left out."""
    x0, y1, scale, width, height = frame
    candidates = []
    for code, _name, rings in projected:
        text = labels.get(code)
        if not text or not rings:
            continue
        ring = max(rings, key=lambda r: abs(_area(r)))
        area = abs(_area(ring)) * scale * scale
        cx, cy = _centroid(ring)
        px, py = (cx - x0) * scale, (y1 - cy) * scale
        w, h = 0.58 * LABEL_SIZE * len(text), LABEL_SIZE
        left, _b, right, _t = _bounds([ring])
        if (right - left) * scale < w or not (w / 2 <= px <= width - w / 2 and h <= py <= height):
            continue
        candidates.append((area, text, px, py, w, h))
    placed: list[tuple[float, float, float, float]] = []
    texts = []
    for _area_px, text, px, py, w, h in sorted(candidates, key=lambda c: (-c[0], c[1])):
        box = (px - w / 2, py - h, px + w / 2, py + 2)
        if len(placed) >= LABELS_MOST or any(_overlaps(box, other) for other in placed):
            continue
        placed.append(box)
        texts.append(f'<text x="{px:.1f}" y="{py:.1f}">{escape(text)}</text>')
    if not texts:
        return ""
    return (
        f'<g aria-hidden="true" font-size="{LABEL_SIZE}" text-anchor="middle" fill="#1a1a1a" stroke="#ffffff" '
        f'stroke-width="3" stroke-linejoin="round" paint-order="stroke">{"".join(texts)}</g>'
    )


def _area(ring: Sequence[tuple[float, float]]) -> float:
    """Signed area (shoelace)."""
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, [*ring[1:], *ring[:1]], strict=True)) / 2


def _centroid(ring: list[tuple[float, float]]) -> tuple[float, float]:
    area = _area(ring)
    if abs(area) < 1e-9:
        return sum(x for x, _ in ring) / len(ring), sum(y for _, y in ring) / len(ring)
    cx = cy = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x1 * y2 - x2 * y1
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    return cx / (6 * area), cy / (6 * area)


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and a[2] > b[0] and a[1] < b[3] and a[3] > b[1]


def _path(rings: list[list[tuple[float, float]]]) -> str:
    """SVG path data for a region's rings (in pixels): each ring on the grid of ``GRID`` steps
    per pixel, simplified, as a move from the previous ring's start and relative lines
    (``m``, ``l``, ``z``: whole numbers, short deltas). Rings smaller than ``SMALLEST`` px² are
    left out, but never a region's largest, so every region is drawn."""
    kept = []
    for ring in rings:
        points: list[tuple[int, int]] = []
        for x, y in ring:  # to the grid, dropping points that fall on the previous one
            p = (round(x * GRID), round(y * GRID))
            if not points or p != points[-1]:
                points.append(p)
        if len(points) > 1 and points[0] == points[-1]:
            points.pop()  # the ring closes itself (z)
        points = simplified(points, SIMPLIFY * GRID)
        if len(points) >= 3:
            kept.append((abs(_area(points)) / GRID / GRID, points))
    largest = max((area for area, _ in kept), default=0.0)
    d = []
    start = (0, 0)
    for area, points in kept:
        if area < SMALLEST and area < largest:
            continue
        steps = [(x - px, y - py) for (px, py), (x, y) in zip(points, points[1:], strict=False)]
        d.append("m" + _numbers([points[0][0] - start[0], points[0][1] - start[1]]))
        d.append("l" + _numbers([n for step in steps for n in step]) + "z")
        start = points[0]
    return "".join(d)


def _numbers(numbers: Iterable[int]) -> str:
    """Whole numbers as path data: a space before each but the first, none before a minus."""
    text = ""
    for n in numbers:
        text += str(n) if not text or n < 0 else f" {n}"
    return text


def simplified(points: list[tuple[int, int]], tolerance: float) -> list[tuple[int, int]]:
    """Douglas–Peucker: the points a line needs to stay within ``tolerance`` of the original
    (Douglas & Peucker, *The Canadian Cartographer* 10(2), 1973). Iterative, ends kept."""
    if len(points) < 4:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (ax, ay), (bx, by) = points[first], points[last]
        dx, dy = bx - ax, by - ay
        length = math.hypot(dx, dy)
        far, index = 0.0, 0
        for i in range(first + 1, last):
            px, py = points[i]
            d = abs(dy * (px - ax) - dx * (py - ay)) / length if length else math.hypot(px - ax, py - ay)
            if d > far:
                far, index = d, i
        if far > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def _legend(bounds: list[float], unit: str, top: int, width: int) -> str:
    if not bounds:
        return ""
    step = min(104, (width - 40) // (len(bounds) + 1))
    items = []
    lower = 1.0
    for i, bound in enumerate(bounds):
        label = _number(bound) if lower >= bound else f"{_number(lower)}–{_number(bound)}"
        x = 8 + i * step
        items.append(
            f'<rect x="{x}" y="{top + 12}" width="16" height="16" fill="{colour(bound, bounds)}" stroke="#555"/>'
            f'<text x="{x + 22}" y="{top + 25}" font-size="13">{escape(label)}</text>'
        )
        lower = bound + 1
    unit_label = f'<text x="{8 + len(bounds) * step}" y="{top + 25}" font-size="13">{escape(unit)}</text>'
    return f'<g aria-hidden="true">{"".join(items)}{unit_label}</g>'


def bars(
    rows: Sequence[tuple[str, float]],
    title: str,
    description: str,
    highlight: str | None = None,
    width: int = 640,
) -> Markup:
    """Horizontal bars, one per (label, value), the ``highlight`` label drawn apart."""
    if not rows:
        return Markup("")
    top = max(v for _, v in rows) or 1
    row_height, label_width = 20, 150
    height = row_height * len(rows) + 8
    items = []
    for i, (label, value) in enumerate(rows):
        y = 4 + i * row_height
        length = (width - label_width - 60) * value / top
        fill = HIGHLIGHT if label == highlight else BAR
        items.append(
            f'<text x="{label_width - 6}" y="{y + 14}" text-anchor="end" font-size="13">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y + 2}" width="{length:.1f}" height="{row_height - 5}" fill="{fill}"/>'
            f'<text x="{label_width + length + 4:.1f}" y="{y + 14}" font-size="13">{_number(value)}</text>'
        )
    return figure("chart", "bars-", width, height, title, description, "".join(items))


def stacked(
    rows: Sequence[tuple[str, Sequence[float]]],
    segments: Sequence[str],
    title: str,
    description: str,
    width: int = 640,
) -> Markup:
    """Horizontal bars, one per (label, values), each split into ``segments`` (their names, in
    the order of the values) in the palette's steps from dark to light, with a legend."""
    if not rows or not segments:
        return Markup("")
    top = max(sum(values) for _, values in rows) or 1
    row_height, label_width = 24, 170
    shades = [PALETTE[-1 - round(i * (len(PALETTE) - 1) / max(1, len(segments) - 1))] for i in range(len(segments))]
    items = []
    for i, (label, values) in enumerate(rows):
        y = 4 + i * row_height
        short = label if len(label) <= 24 else label[:23].rstrip() + "…"
        items.append(
            f'<text x="{label_width - 6}" y="{y + 15}" text-anchor="end" font-size="13">{escape(short)}</text>'
        )
        x = float(label_width)
        for value, name, shade in zip(values, segments, shades, strict=True):
            length = (width - label_width - 50) * value / top
            if value > 0:
                named = escape(f"{label}: {_number(value)} {name}")
                items.append(
                    f'<rect x="{x:.1f}" y="{y + 2}" width="{length:.1f}" height="{row_height - 6}" fill="{shade}" '
                    f'stroke="#555" stroke-width="0.5"><title>{named}</title></rect>'
                )
            x += length
        items.append(f'<text x="{x + 4:.1f}" y="{y + 15}" font-size="13">{_number(sum(values))}</text>')
    top_legend = 8 + len(rows) * row_height
    step = (width - 16) / len(segments)
    for i, (name, shade) in enumerate(zip(segments, shades, strict=True)):
        x = 8 + i * step
        items.append(
            f'<g aria-hidden="true"><rect x="{x:.1f}" y="{top_legend}" width="14" height="14" fill="{shade}" '
            f'stroke="#555"/><text x="{x + 20:.1f}" y="{top_legend + 12}" font-size="13">{escape(name)}</text></g>'
        )
    return figure("chart", "stack-", width, top_legend + 24, title, description, "".join(items))


def columns(
    rows: Sequence[tuple[str, float]], title: str, description: str, width: int = 640, height: int = 220
) -> Markup:
    """Vertical columns over time, one per (label, value), labels below."""
    if not rows:
        return Markup("")
    top = max(v for _, v in rows) or 1
    plot = height - 40
    step = (width - 20) / len(rows)
    items = []
    for i, (label, value) in enumerate(rows):
        h = plot * value / top
        x = 10 + i * step
        items.append(
            f'<rect x="{x + step * 0.15:.1f}" y="{20 + plot - h:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}" '
            f'fill="{BAR}"/><text x="{x + step / 2:.1f}" y="{height - 6}" text-anchor="middle" '
            f'font-size="12">{escape(label)}</text><text x="{x + step / 2:.1f}" y="{16 + plot - h:.1f}" '
            f'text-anchor="middle" font-size="12">{_number(value)}</text>'
        )
    return figure("chart", "cols-", width, height, title, description, "".join(items))


def figure(css: str, prefix: str, width: int, height: int, title: str, description: str, body: str) -> Markup:
    """An SVG picture named for screen readers by its ``<title>`` and ``<desc>``."""
    ident = prefix + _slug(title)
    return Markup(
        f'<svg class="{css}" viewBox="0 0 {width} {height}" role="img" aria-labelledby="{ident}-t {ident}-d" '
        f'xmlns="http://www.w3.org/2000/svg"><title id="{ident}-t">{escape(title)}</title>'
        f'<desc id="{ident}-d">{escape(description)}</desc>{body}</svg>'
    )


def _number(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u202f") if float(value).is_integer() else f"{value:.1f}"


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower())[:40].strip("-") or "chart"

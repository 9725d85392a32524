"""The SVG maps' layers as pure functions: colours, hubs as points, region labels."""

from __future__ import annotations

import re

from samverkan.web import charts


def _square(lon: float, lat: float, size: float) -> dict:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


SHAPES = [
    ("AA", "Big <land>", _square(0, 40, 10)),
    ("BB", "Thin", _square(10, 40, 0.3)),
    ("CC", "Also big", _square(0, 51, 10)),
]


def test_points_are_circles_sized_by_value_named_and_only_inside_the_frame():
    svg = charts.choropleth(
        SHAPES,
        {"AA": 3},
        "Hubs",
        "A map.",
        "hubs",
        extent=None,
        points=[("Here & there", 5, 45, 9), ("Small", 2, 42, 1), ("Far away", -60, 10, 4)],
        point_unit="hubs",
    )
    circles = re.findall(r'<circle cx="[\d.]+" cy="[\d.]+" r="([\d.]+)"><title>([^<]*)</title>', svg)
    assert [title for _, title in circles] == ["Here &amp; there: 9 hubs", "Small: 1 hubs"]  # largest first
    assert float(circles[0][0]) > float(circles[1][0])
    assert 'role="img"' in svg and "<desc" in svg


def test_labels_name_the_regions_that_hold_them_without_overlapping():
    labels = {"AA": "Big <land>", "BB": "Thin region", "CC": "Also big"}
    svg = charts.choropleth(SHAPES, {}, "Map", "A map.", "things", extent=None, labels=labels)
    texts = re.findall(r'<text x="([\d.]+)" y="([\d.]+)">([^<]*)</text>', svg)
    assert {t for *_, t in texts} == {"Big &lt;land&gt;", "Also big"}  # the thin one has no room
    inner = [*SHAPES, ("DD", "Inner", _square(1, 41, 8))]  # its label would sit on the larger AA's
    svg = charts.choropleth(inner, {}, "Map", "A map.", "things", extent=None, labels={**labels, "DD": "Inner"})
    assert ">Big &lt;land&gt;</text>" in svg and ">Inner</text>" not in svg


def test_the_highlighted_region_is_drawn_last_so_its_outline_shows():
    svg = charts.choropleth(SHAPES, {"AA": 1, "BB": 2}, "Map", "A map.", "x", extent=None, highlight="AA")
    titles = re.findall(r"<path [^>]*><title>([^<]*)</title>", svg)
    assert titles[-1].startswith("Big &lt;land&gt; (AA)") and 'stroke="#c2410c"' in svg


def test_partner_network_draws_a_spoke_per_partner_and_a_line_per_link():
    from samverkan.web.network import partner_network

    partners = [("a", "Alpha <University>", "SE", 5), ("b", "Beta Institute", "DE", 2), ("c", "Gamma", None, 1)]
    svg = partner_network("Centre & co", partners, {("a", "b"): 2, ("a", "zz"): 9}, "Network", "A graph.")
    assert svg.count("<line") == 3 + 1  # three spokes, one link (a partner not drawn has none)
    assert "Alpha &lt;University&gt; (SE)" in svg and "Centre &amp; co" in svg and ">Gamma</text>" in svg
    radii = dict(re.findall(r'r="([\d.]+)"><title>([^:]+):', svg)[i][::-1] for i in range(3))
    assert float(radii["Alpha &lt;University&gt;"]) > float(radii["Beta Institute"]) > float(radii["Gamma"])
    assert partner_network("Alone", [], {}, "Network", "A graph.") == ""


def test_stacked_bars_split_each_row_by_segment_with_a_legend():
    svg = charts.stacked([("Energy", [1, 2, 0]), ("Health & care", [0, 0, 3])], ["done", "doing", "planned"], "P", "D")
    titles = re.findall(r"<rect [^>]*><title>([^<]*)</title>", svg)
    assert titles == ["Energy: 1 done", "Energy: 2 doing", "Health &amp; care: 3 planned"]  # no empty segment
    assert svg.count('aria-hidden="true"') == 3 and ">3</text>" in svg


def test_outlines_drop_the_points_a_line_does_not_need():
    straight = [(0, 0), (1, 0), (2, 0), (3, 0), (4, 4), (0, 4)]
    assert charts.simplified(straight, 0.5) == [(0, 0), (3, 0), (4, 4), (0, 4)]  # the corner at (3, 0) stays
    wiggle = [(0, 0), (5, 1), (10, 0), (10, 10)]
    assert charts.simplified(wiggle, 0.5) == wiggle and charts.simplified(wiggle, 2) == [(0, 0), (10, 0), (10, 10)]


def _drawn(svg: str, code: str) -> list[list[tuple[float, float]]]:
    """The rings of the region ``code`` as drawn, in pixels: its path data read back (``m`` from
    the previous ring's start, ``l`` steps, ``z``, on a grid of ``charts.GRID`` per pixel)."""
    d = re.search(rf'<path d="([^"]*)"[^>]*><title>[^<]*\({code}\)', svg)
    assert d, code
    rings, start = [], (0, 0)
    for move, steps in re.findall(r"m([^l]*)l([^z]*)z", d.group(1)):
        dx, dy = map(int, re.findall(r"-?\d+", move))
        x, y = start = (start[0] + dx, start[1] + dy)
        ring = [(x, y)]
        numbers = [int(n) for n in re.findall(r"-?\d+", steps)]
        for sx, sy in zip(numbers[::2], numbers[1::2], strict=True):
            x, y = x + sx, y + sy
            ring.append((x, y))
        rings.append([(px / charts.GRID, py / charts.GRID) for px, py in ring])
    assert d.group(1) == "" or rings, d.group(1)
    return rings


def test_outlines_are_short_relative_steps_that_land_where_the_shapes_are():
    island = _square(3, 42, 0.025)["coordinates"]  # half a pixel square, as drawn
    land = {"type": "MultiPolygon", "coordinates": [_square(0, 40, 10)["coordinates"], island]}
    shapes = [("AA", "Land", land), ("BB", "Islet", _square(5, 45, 0.025)), ("CC", "Far", _square(0, 51, 2))]
    svg = charts.choropleth(shapes, {"AA": 1}, "Map", "A map.", "x", extent=None, width=320)
    # the map's frame fits the shapes: its edges are the extremes of their projected points
    every = [charts.project(*p) for ring in [_ring(0, 40, 10), _ring(5, 45, 0.025), _ring(0, 51, 2)] for p in ring]
    x0, x1 = min(x for x, _ in every), max(x for x, _ in every)
    y1 = max(y for _, y in every)
    scale = 320 / (x1 - x0)
    (big, *rest) = _drawn(svg, "AA")
    expected = [((x - x0) * scale, (y1 - y) * scale) for x, y in (charts.project(*p) for p in _ring(0, 40, 10))]
    assert len(big) == 4
    assert all(abs(a - b) <= 0.5 for p, q in zip(big, expected, strict=True) for a, b in zip(p, q, strict=True))
    assert rest == []  # the island under a pixel square is left out of its country's outline…
    assert len(_drawn(svg, "BB")) == 1  # …but a region that is only that island is still drawn
    assert re.search(r'<g fill="#eeeeee"><path d="[^"]*"><title>Islet', svg)  # paths grouped by their colour


def _ring(lon: float, lat: float, size: float) -> list[tuple[float, float]]:
    return [(lon, lat), (lon + size, lat), (lon + size, lat + size), (lon, lat + size)]

"""An organisation's partner network as a small inline SVG graph: the organisation in the
middle, its closest partners on a ring around it, a line to each as thick as their shared
projects, and the lines between partners who worked together in those projects.

A radial layout keeps every partner's name readable and needs no iterative force layout; the
partners are ordered round the ring by country, so partners of one country sit together.
Pure like :mod:`samverkan.web.charts`: named for screen readers by its title and description;
the page lists the same partners and links as text.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape

from markupsafe import Markup

from samverkan.web.charts import BAR, HIGHLIGHT, figure

NAME_CHARS = 20  # a partner's name on the graph is cut to this many characters ("…" added)

# (id, name, country, shared projects with the organisation)
Partner = tuple[str, str, str | None, int]


def partner_network(
    centre: str,
    partners: Sequence[Partner],
    links: Mapping[tuple[str, str], int],
    title: str,
    description: str,
    width: int = 720,
    height: int = 440,
) -> Markup:
    """The graph of ``centre`` (the organisation's name) and ``partners``; ``links`` gives the
    projects two partners shared among the organisation's own (keys: two partner ids)."""
    if not partners:
        return Markup("")
    cx, cy = width / 2, height / 2
    rx, ry = width / 2 - 190, height / 2 - 45  # an ellipse, leaving room for names at its sides
    ordered = sorted(partners, key=lambda p: (p[2] or "~", -p[3], p[1]))
    most = max(p[3] for p in ordered) or 1
    at: dict[str, tuple[float, float, float]] = {}
    for i, (pid, _name, _country, _shared) in enumerate(ordered):
        angle = -math.pi / 2 + 2 * math.pi * i / len(ordered)
        at[pid] = (cx + rx * math.cos(angle), cy + ry * math.sin(angle), angle)
    lines = []
    most_link = max(links.values(), default=1) or 1
    for (a, b), n in sorted(links.items()):
        if a in at and b in at and n > 0:
            (x1, y1, _), (x2, y2, _) = at[a], at[b]
            lines.append(
                f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                f'stroke-width="{0.6 + 2.4 * n / most_link:.1f}"/>'
            )
    spokes = []
    nodes = []
    labels = []
    for pid, name, country, shared in ordered:
        x, y, angle = at[pid]
        spokes.append(
            f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}" stroke-width="{1 + 5 * shared / most:.1f}"/>'
        )
        short = name if len(name) <= NAME_CHARS else name[: NAME_CHARS - 1].rstrip() + "…"
        label = f"{short} ({country})" if country else short
        side = math.cos(angle)
        anchor = "start" if side > 0.3 else "end" if side < -0.3 else "middle"
        lx, ly = x + 12 * side, y + 4 + (14 * math.copysign(1, math.sin(angle)) if anchor == "middle" else 0)
        nodes.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{4 + 6 * shared / most:.1f}">'
            f"<title>{escape(f'{name}: {shared}')}</title></circle>"
        )
        labels.append(f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="{anchor}">{escape(label)}</text>')
    centre_label = centre if len(centre) <= NAME_CHARS + 8 else centre[: NAME_CHARS + 7].rstrip() + "…"
    body = (
        f'<g stroke="#9aa5b1" stroke-opacity="0.7">{"".join(lines)}</g>'
        f'<g stroke="{BAR}" stroke-opacity="0.55">{"".join(spokes)}</g>'
        f'<g fill="{BAR}" stroke="#ffffff">{"".join(nodes)}</g>'
        f'<g fill="#1a1a1a" font-size="11">{"".join(labels)}</g>'
        f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="12" fill="{HIGHLIGHT}"/>'
        f'<text x="{cx:.1f}" y="{cy + 28:.1f}" text-anchor="middle" font-size="13" font-weight="bold" '
        f'stroke="#ffffff" stroke-width="3" paint-order="stroke">{escape(centre_label)}</text>'
    )
    return figure("chart network", "net-", width, height, title, description, body)

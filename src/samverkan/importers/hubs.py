"""The JRC S3 Digital Innovation Hub catalogue (CSV) → :class:`~samverkan.db.models.Hub`.

Format: a comma-separated, quoted UTF-8 CSV with the columns ``jrc_id, title, website,
country, locality, region, street, domains, competences, description``; ``domains`` and
``competences`` are ``|``-separated lists and ``country`` is an English country name.

Provenance: the JRC S3 Platform's Digital Innovation Hubs tool
(s3platform.jrc.ec.europa.eu/digital-innovation-hubs-tool), snapshot of early 2022 as
harvested into NGSI-LD by Engineering-Research-and-Development/fi-jrc-sync_adapter
(``mapper/data.json``). Text in that harvest is HTML-escaped, sometimes twice (``&#39;``,
``&amp;``, ``Lule&amp;#229;``): :func:`~samverkan.catalogue.mojibake.repair` resolves it. The
catalogue dropped the letters it could not write ("Gvle", "Linkping"): a Swedish hub's name and
city are restored from Swedish place names where that is certain
(:mod:`samverkan.catalogue.swedish`), the source's spelling kept in ``source_name``. The
catalogue is the single authoritative source of its hubs (``overwrite``).

Mapping decisions:

* ``kind`` is always ``DIH``: the catalogue has no column telling DIHs from EDIHs (titles
  such as "European Digital Innovation Hub Navarra" are self-descriptions, and the EDIH
  network was designated after this snapshot).
* ``domains`` → ``sectors``. ``competences`` → ``technologies``: in the JRC tool a hub's
  competences are the technologies it masters (AI, IoT, robotics …). The column is empty for
  every hub of the 2022 snapshot, so both lists stay empty there. The catalogue has no
  services column, so ``services`` is always empty.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from samverkan.catalogue.countries import iso_from_name
from samverkan.catalogue.mojibake import repair
from samverkan.catalogue.swedish import as_written, shown_and_source
from samverkan.db.models import Hub
from samverkan.errors import InputError, Problem
from samverkan.importers.base import ImportContext, Row, RowInvalid, read_csv
from samverkan.importers.files import list_inputs
from samverkan.importers.hub_links import link_hubs

REQUIRED = ("jrc_id", "title", "country", "domains", "description")


def run(ctx: ImportContext, path: Path) -> None:
    files = list_inputs(path)
    tables = [f for f in files if f.name.lower().endswith(".csv")]
    if not tables:
        found = ", ".join(f.name for f in files[:10]) or "nothing"
        raise InputError([Problem(str(path), None, None, f"no DIH catalogue CSV found; found {found}")])
    used = {f.display for f in tables}
    for f in files:
        if f.display not in used:
            ctx.report.notes.append(f"skipped {f.display} (not a CSV file)")
    counts = ctx.report.entity("hub rows")
    hubs = ctx.upserter(Hub, "hubs", unique=True)
    with ctx.counting(counts):
        for source in tables:
            for row in read_csv(ctx, source, REQUIRED):
                with ctx.row(row, counts):
                    hubs.add(hub_from_row(row))
    hubs.flush()
    link_hubs(ctx)  # the same hub in the EDIH catalogue is the one shown


def hub_from_row(row: Row) -> dict[str, Any]:
    hub_id = row.required("jrc_id")
    if len(hub_id) > 40:
        raise RowInvalid("jrc_id", f"{hub_id[:50]!r} is longer than 40 characters")
    country = None
    country_name = _text(row, "country")
    if country_name is not None:
        country = iso_from_name(country_name)
        if country is None:
            raise RowInvalid("country", f"{country_name!r} is not a country name samverkan knows")
    # the catalogue dropped the letters it could not write ("Gvle"): restored for Swedish hubs
    name, source_name = shown_and_source(row.required("title"), country, dropped=True)
    city = _text(row, "locality")
    return {
        "id": hub_id,
        "source_id": hub_id,
        "name": name,
        "source_name": source_name,
        "kind": "DIH",
        "url": row.text("website"),
        "country": country,
        "city": as_written(city, country, dropped=True) if city else None,
        "region": _text(row, "region"),
        "street": _text(row, "street"),
        "sectors": _list(row, "domains"),
        "services": [],
        "technologies": _list(row, "competences"),
        "description": _text(row, "description"),
    }


def _text(row: Row, name: str) -> str | None:
    value = row.text(name)
    if value is None:
        return None
    return repair(value).strip() or None


def _list(row: Row, name: str) -> list[str]:
    """A ``|``-separated list: items trimmed and unescaped, empties and repeats dropped."""
    items = (repair(part).strip() for part in (row.text(name) or "").split("|"))
    return list(dict.fromkeys(item for item in items if item))

"""The EDIH network's hub catalogue (Excel export) → :class:`~samverkan.db.models.Hub`.

Format: an ``.xlsx`` workbook (the catalogue's "export" button names it ``export-edihs.xls``; it
is an xlsx all the same) with one sheet, ``EDIH Catalogue``, whose first row is the header
``EDIH Name, EDIH Title, Description (indexed field), Country, Contact Location, EDIH/SoE,
Website, Formatted sectors, Formatted services, Formatted technologies`` and one hub per row
(457 in the export of the shared data: 168 EDIHs, 83 Seals of Excellence, 206 other hubs).

Provenance: the European Digital Innovation Hubs network's catalogue (Digital Europe
Programme), as exported for amanuelgthn/EDIH_MASTER_THESIS @06db102d; © European Union. The
contact-person column was removed upstream. The export is the single authoritative source of
its hubs (``overwrite``).

Mapping decisions:

* ``id``: the export has no id column, so a hub's id is made from what identifies it there:
  ``edih-`` + country code + a slug of its name (``edih-se-digit-hub-sweden``), a long name
  shortened with a hash of the whole. A name listed twice in one country (DATAlife, once as a
  DIH and once as an EDIH) gets its type appended to both ids. The id therefore survives a
  change of type (a Seal of Excellence that becomes an EDIH) and of the title or description.
* ``EDIH Name`` → ``name`` (the short name the network uses, "Health Data Sweden (HDS)"),
  ``EDIH Title`` → ``title`` (the full title, "Health Data Sweden").
* ``EDIH/SoE`` → ``kind``: ``EDIH`` (European Digital Innovation Hub), ``Seal of Excellence``
  → ``SoE`` (a proposal the EU found excellent but could not fund) and ``DIH`` (other hubs).
  Any other value rejects the row.
* ``Country`` is an English country name ("Czechia", "Türkiye"); an unknown one rejects the row.
* ``Contact Location`` is one line, ``street, [postcode] city [province], country``
  ("Campus gräsvik 2, 371 75 Karlskrona, Sweden", "Via Santa Croce 77, 38122 Trento TN, Italy").
  The part before the country is the city, its leading postcode (digit groups) and a trailing
  province code of two or three capitals dropped; what comes before is ``street``. Cities keep
  the export's spelling (it lost some letters: "Boras", "Vasteraas").
* ``Website``: the export writes the word "Website" where a hub has no address; that becomes
  empty. Anything else must be an http(s) address.
* ``Formatted sectors`` / ``services`` / ``technologies`` → ``sectors``, ``services``,
  ``technologies``: lists written ``Health care - 5, Education - 3``, each item with the hub's
  own rating of its level (1–5). Items may hold commas ("Chemical engineering (plants,
  products) - 3"), so the list is split at the ratings, not at the commas; the ratings are
  dropped and the items kept in the export's order. Empty for about 160 hubs.
* ``Description (indexed field)`` → ``description`` as it is (the export cuts some short).

A hub the JRC S3 catalogue also lists is linked to this record after the import
(:mod:`samverkan.importers.hub_links`).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any

from samverkan.catalogue.countries import iso_from_name
from samverkan.catalogue.swedish import as_written, shown_and_source
from samverkan.db.models import Hub
from samverkan.errors import InputError, Problem
from samverkan.importers.base import ImportContext, Row, RowInvalid
from samverkan.importers.files import InputFile, list_inputs
from samverkan.importers.hub_links import link_hubs
from samverkan.importers.sheets import is_workbook, read_xlsx

NAME = "EDIH Name"
TITLE = "EDIH Title"
DESCRIPTION = "Description (indexed field)"
COUNTRY = "Country"
LOCATION = "Contact Location"
TYPE = "EDIH/SoE"
WEBSITE = "Website"
LISTS = {"sectors": "Formatted sectors", "services": "Formatted services", "technologies": "Formatted technologies"}
REQUIRED = (NAME, TITLE, DESCRIPTION, COUNTRY, LOCATION, TYPE, WEBSITE, *LISTS.values())

KINDS = {"EDIH": "EDIH", "Seal of Excellence": "SoE", "DIH": "DIH"}  # the export's spelling → kind
NO_WEBSITE = "Website"  # what the export writes where a hub has no address
MAX_ID = 40
_ITEM = re.compile(r"\s*(.+?) - ([0-9])\s*(?:,|$)")
_SLUG = re.compile(r"[^a-z0-9]+")
_POSTCODE = re.compile(r"^(?:[A-Z]{1,2}-)?\d[\d ]*\s+")
_PROVINCE = re.compile(r"\s+[A-Z]{2,3}$")


def run(ctx: ImportContext, path: Path) -> None:
    sources = _workbooks(ctx, path)
    counts = ctx.report.entity("hub rows")
    hubs = ctx.upserter(Hub, "hubs", unique=True)
    with ctx.counting(counts):
        for source in sources:
            rows = list(read_xlsx(ctx, source, REQUIRED))  # bounded by the reader; ids need the whole sheet
            repeated = _repeated_names(rows)
            for row in rows:
                with ctx.row(row, counts):
                    hubs.add(hub_from_row(row, repeated))
            hubs.flush()  # the upserter holds a file's rows to check repeats; one sheet at a time
    link_hubs(ctx)


def _workbooks(ctx: ImportContext, path: Path) -> list[InputFile]:
    """The workbook itself, or the workbooks in a folder (a workbook is a zip: never opened as a folder)."""
    if path.is_file() and is_workbook(path.name):
        return [InputFile(str(path), path.name, path.stat().st_size, lambda: open(path, "rb"))]
    files = list_inputs(path)
    books = [f for f in files if is_workbook(f.name)]
    if not books:
        found = ", ".join(f.name for f in files[:10]) or "nothing"
        raise InputError([Problem(str(path), None, None, f"no EDIH catalogue workbook (.xlsx) found; found {found}")])
    for f in files:
        if f not in books:
            ctx.report.notes.append(f"skipped {f.display} (not an Excel workbook)")
    return books


def _repeated_names(rows: list[Row]) -> set[tuple[str | None, str]]:
    """(country, slug) pairs that more than one row of the sheet would share."""
    seen = Counter((row.values.get(COUNTRY), slug(row.values.get(NAME) or "")) for row in rows)
    return {key for key, n in seen.items() if n > 1}


def hub_from_row(row: Row, repeated: AbstractSet[tuple[str | None, str]] = frozenset()) -> dict[str, Any]:
    name = row.required(NAME)
    country_name = row.required(COUNTRY)
    country = iso_from_name(country_name)
    if country is None:
        raise RowInvalid(COUNTRY, f"{country_name!r} is not a country name samverkan knows")
    spelled = row.required(TYPE)
    kind = KINDS.get(spelled)
    if kind is None:
        raise RowInvalid(TYPE, f"{spelled!r} is not one of {', '.join(KINDS)}")
    base = slug(name)
    if not base:
        raise RowInvalid(NAME, f"{name!r} has no letters or digits to make an id of")
    if (country_name, base) in repeated:
        base = f"{base}-{kind.lower()}"
    street, city = split_location(row.text(LOCATION))
    shown, source_name = shown_and_source(name, country)  # repaired; a Swedish name as a Swede writes it
    return {
        "id": hub_id(country, base),
        "source_id": name,
        "name": shown,
        "source_name": source_name,
        "title": row.text(TITLE),
        "kind": kind,
        "url": _website(row),
        "country": country,
        "city": as_written(city, country) if city else None,  # "Vasteraas" → "Västerås"
        "region": None,
        "street": street,
        **{field: rated_items(row, column) for field, column in LISTS.items()},
        "description": row.text(DESCRIPTION),
    }


def slug(name: str) -> str:
    """``"Health Data Sweden (HDS)"`` → ``"health-data-sweden-hds"`` (accents folded)."""
    folded = "".join(ch for ch in unicodedata.normalize("NFKD", name) if not unicodedata.combining(ch))
    return _SLUG.sub("-", folded.casefold()).strip("-")


def hub_id(country: str, base: str) -> str:
    """``edih-<country>-<slug>``, within the 40 characters of an id (a long slug shortened,
    with a hash of the whole so that two long names never share an id)."""
    prefix = f"edih-{country.lower()}-"
    if len(prefix) + len(base) <= MAX_ID:
        return prefix + base
    digest = hashlib.sha1(base.encode(), usedforsecurity=False).hexdigest()[:6]
    return prefix + base[: MAX_ID - len(prefix) - 7].rstrip("-") + "-" + digest


def split_location(location: str | None) -> tuple[str | None, str | None]:
    """``"Campus gräsvik 2, 371 75 Karlskrona, Sweden"`` → (``"Campus gräsvik 2"``, ``"Karlskrona"``)."""
    if not location:
        return None, None
    parts = [p.strip() for p in location.split(",") if p.strip()]
    if len(parts) < 2:
        return location, None
    city = _PROVINCE.sub("", _POSTCODE.sub("", parts[-2])).strip()
    street = ", ".join(parts[:-2]) or None
    if not city or city.replace(" ", "").isdigit():
        return street, None
    return street, city


def rated_items(row: Row, column: str) -> list[str]:
    """``"Health care - 5, Chemical engineering (plants, products) - 3"`` → the items, ratings
    dropped, repeats removed; a list not written that way rejects the row."""
    text = row.text(column)
    if text is None:
        return []
    items: list[str] = []
    at = 0
    while at < len(text):
        found = _ITEM.match(text, at)
        if found is None:
            raise RowInvalid(column, f"expected 'item - rating, …' but found {text[at : at + 60]!r}")
        item = found.group(1).strip()
        if item not in items:
            items.append(item)
        at = found.end()
    return items


def _website(row: Row) -> str | None:
    url = row.text(WEBSITE)
    if url is None or url == NO_WEBSITE:
        return None
    if not url.lower().startswith(("http://", "https://")):
        raise RowInvalid(WEBSITE, f"{url[:80]!r} is not a web address (http:// or https://)")
    return url

"""JRC Innovative Public Services (IPS) explorer cases (CSV) → :class:`~samverkan.db.models.Solution`.

Format: the explorer's ``ips-explorer-cases.csv`` — comma-separated, quoted UTF-8 with
multi-line fields; columns ``entry_type, cid, id, rtype, name, url, contact, description,
geoextent, geocoverage, geocoverage_codes, lead_organisation_name, lead_organisation_category,
start_date, active, end_date, primary_sector, secondary_sector, technology, uptake,
cross_border, cross_sector, type, status`` (+ ``lead_organisation:name`` and
``lead_organisation:category``, copies of the two lead columns). Only rows with
``entry_type == case`` are solutions. The explorer's ``ips-explorer-catalogs.csv`` (the
catalogues the cases were collected from) is a different table: in a folder or zip it is
skipped with a note.

Provenance: ipsoeu/ips-explorer (JRC's Innovative Public Services observatory: public-sector
AI and blockchain use cases), EUPL-1.2. The explorer is the single authoritative source of
its cases (``overwrite``); ``id`` is the explorer's case id.

Mapping decisions: ``countries`` holds the ISO codes of ``geocoverage_codes`` (NUTS-style
``EL``/``UK`` → ``GR``/``GB``; several codes may be separated by ``,``, ``;``, ``|`` or spaces).
Where that column is empty but ``geocoverage`` names known countries (Andorra, Czech
Republic, Russia, San Marino in the 2021 data), their codes are used; "European Union" maps
to no country. ``url`` keeps the first web address of the column (some cells hold several,
a non-breaking space or a headline instead of an address). Years such as ``2021.0`` become
``2021``.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

from samverkan.catalogue.countries import is_iso_code, iso_from_code, iso_from_name
from samverkan.catalogue.mojibake import repair
from samverkan.db.models import Solution
from samverkan.errors import InputError, Problem
from samverkan.importers.base import ImportContext, Row, RowInvalid, parse_date, read_csv, sniff_text
from samverkan.importers.files import InputFile, list_inputs

REQUIRED = ("entry_type", "id", "name", "description", "geocoverage", "geocoverage_codes")
CASE_HEADER = {"entry_type", "id", "name"}
URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
YEAR = re.compile(r"(\d{4})(?:\.0+)?")


def run(ctx: ImportContext, path: Path) -> None:
    files = list_inputs(path)
    if path.is_file() and len(files) == 1:
        cases = files  # a file given by name is read as a cases file (its header is checked)
    else:
        cases = [f for f in files if _is_cases_file(f)]
        used = {f.display for f in cases}
        for f in files:
            if f.display not in used:
                ctx.report.notes.append(f"skipped {f.display} (not an IPS explorer cases file)")
    if not cases:
        found = ", ".join(f.name for f in files[:10]) or "nothing"
        raise InputError(
            [Problem(str(path), None, None, f"no IPS explorer cases CSV (entry_type,id,name,…) found; found {found}")]
        )
    counts = ctx.report.entity("case rows")
    solutions = ctx.upserter(Solution, "solutions", unique=True)
    other: dict[str, int] = {}
    with ctx.counting(counts):
        for source in cases:
            for row in read_csv(ctx, source, REQUIRED):
                kind = (row.text("entry_type") or "").lower()
                if kind != "case":
                    other[kind or "(empty)"] = other.get(kind or "(empty)", 0) + 1
                    continue
                with ctx.row(row, counts):
                    solutions.add(solution_from_row(row))
    solutions.flush()
    for kind, n in sorted(other.items()):
        ctx.report.notes.append(f"skipped {n:,} rows with entry_type {kind!r} (only 'case' rows are solutions)")


def _is_cases_file(source: InputFile) -> bool:
    if not source.name.lower().endswith(".csv"):
        return False
    lines = sniff_text(source, 2048).splitlines()
    header = next(csv.reader(lines[:1]), [])
    return CASE_HEADER <= {h.strip() for h in header}


def solution_from_row(row: Row) -> dict[str, Any]:
    solution_id = row.required("id")
    if len(solution_id) > 40:
        raise RowInvalid("id", f"{solution_id[:50]!r} is longer than 40 characters")
    return {
        "id": solution_id,
        "source_id": solution_id,
        "name": repair(row.required("name")),  # "RMGÂ®" → "RMG®"
        "url": _url(row),
        "description": row.text("description"),
        "resource_type": _short(row, "rtype", 64),
        "geo_extent": _short(row, "geoextent", 40),
        "geo_coverage": row.text("geocoverage"),
        "countries": _countries(row),
        "lead_organisation": _repaired(row.text("lead_organisation_name") or row.text("lead_organisation:name")),
        "lead_category": row.text("lead_organisation_category") or row.text("lead_organisation:category"),
        "primary_sector": row.text("primary_sector"),
        "secondary_sector": row.text("secondary_sector"),
        "technology": row.text("technology"),
        "application_type": row.text("type"),
        "status": row.text("status"),
        "start_year": _year(row, "start_date"),
        "end_year": _year(row, "end_date"),
    }


def _countries(row: Row) -> list[str]:
    codes: list[str] = []
    for part in re.split(r"[\s,;|/]+", row.text("geocoverage_codes") or ""):
        if not part:
            continue
        code = iso_from_code(part)
        if not is_iso_code(code):
            raise RowInvalid("geocoverage_codes", f"{part!r} is not a two-letter country code")
        codes.append(code)
    if not codes:  # no codes given: use the countries geocoverage names, if any
        names = re.split(r"[,;|]+", row.text("geocoverage") or "")
        codes = [code for code in (iso_from_name(n) for n in names if n.strip()) if code]
    return list(dict.fromkeys(codes))


def _repaired(value: str | None) -> str | None:
    return repair(value) if value else None


def _url(row: Row) -> str | None:
    match = URL.search(row.text("url") or "")
    return match.group(0).rstrip(".,;") if match else None


def _year(row: Row, name: str) -> str | None:
    text = row.text(name)
    if text is None:
        return None
    match = YEAR.fullmatch(text)
    if match:
        return match.group(1)
    date = parse_date(text)
    if date is None:
        raise RowInvalid(name, f"{text!r} is not a year")
    return str(date.year)


def _short(row: Row, name: str, limit: int) -> str | None:
    value = row.text(name)
    if value is not None and len(value) > limit:
        raise RowInvalid(name, f"is longer than {limit} characters")
    return value

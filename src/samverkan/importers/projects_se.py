"""Tillväxtverket's ERDF/ESF project bank 2014–2020 (CSV) → :class:`~samverkan.db.models.CohesionProject`.

Format: a comma-separated, quoted UTF-8 CSV with the columns ``_source, ärende-id,
stödmottagare, beviljat_belopp_sek, beviljat_belopp_eur, projektnamn, projektbeskrivning,
projekt_starttid, projekt_sluttid, län, kommuner, uppdateringsdatum, område, insatsområde,
tematiskt_mål``. Text is Swedish; ``län`` and ``kommuner`` are ``,``-separated lists of short
names ("Norrbotten, Västerbotten"; "Arjeplog, Arvidsjaur"); dates are ISO.

Provenance: Tillväxtverket's project bank (projektbank.tillvaxtverket.se/projektbanken2020),
scraped in September 2016 by os-data/eu-structural-funds (``SE.Sweden 2014-2020 ERDF ESF``).
The project bank is the single authoritative source of its projects (``overwrite``).

Mapping decisions: the fund comes from ``_source`` — the bank's ERDF page is ``#page=eruf``
(ERUF, Europeiska regionala utvecklingsfonden), ESF pages mention ``esf``; every row of the
2016 scrape is ERDF. ``beviljat_belopp_eur`` is ``0`` on every row of that scrape: the bank
publishes SEK only and the scraper filled the EUR column with 0, so 0 EUR means *unknown* and
is stored as ``None``. Municipality names are kept as spelled in the source (which has a few
slips such as "UpplandsVäsby" and "Stenungssund").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from samverkan.db.models import CohesionProject
from samverkan.errors import InputError, Problem
from samverkan.importers.base import ImportContext, Row, RowInvalid, read_csv
from samverkan.importers.files import list_inputs

REQUIRED = ("ärende-id", "stödmottagare", "beviljat_belopp_sek", "projektnamn", "projekt_starttid", "projekt_sluttid")


def run(ctx: ImportContext, path: Path) -> None:
    files = list_inputs(path)
    tables = [f for f in files if f.name.lower().endswith(".csv")]
    if not tables:
        found = ", ".join(f.name for f in files[:10]) or "nothing"
        raise InputError([Problem(str(path), None, None, f"no project bank CSV found; found {found}")])
    used = {f.display for f in tables}
    for f in files:
        if f.display not in used:
            ctx.report.notes.append(f"skipped {f.display} (not a CSV file)")
    counts = ctx.report.entity("project rows")
    projects = ctx.upserter(CohesionProject, "cohesion projects", unique=True)
    unknown_fund = 0
    with ctx.counting(counts):
        for source in tables:
            for row in read_csv(ctx, source, REQUIRED):
                with ctx.row(row, counts):
                    project = project_from_row(row)
                    projects.add(project)
                    unknown_fund += project["fund"] is None
    projects.flush()
    if unknown_fund:
        ctx.report.notes.append(f"{unknown_fund:,} projects have a _source naming neither ERDF (eruf) nor ESF")


def project_from_row(row: Row) -> dict[str, Any]:
    project_id = row.required("ärende-id")
    if len(project_id) > 32:
        raise RowInvalid("ärende-id", f"{project_id[:40]!r} is longer than 32 characters")
    start, end = row.date("projekt_starttid"), row.date("projekt_sluttid")
    if start and end and end < start:
        raise RowInvalid("projekt_sluttid", f"{end} is before projekt_starttid {start}")
    amount_sek = row.number("beviljat_belopp_sek")
    if amount_sek is not None and amount_sek < 0:
        raise RowInvalid("beviljat_belopp_sek", f"{amount_sek:g} is negative")
    amount_eur = row.number("beviljat_belopp_eur")
    if amount_eur is not None and amount_eur < 0:
        raise RowInvalid("beviljat_belopp_eur", f"{amount_eur:g} is negative")
    updated = row.text("uppdateringsdatum")
    if updated is not None and len(updated) > 32:
        raise RowInvalid("uppdateringsdatum", "is longer than 32 characters")
    return {
        "id": project_id,
        "source_id": project_id,
        "fund": _fund(row),
        "beneficiary": row.required("stödmottagare"),
        "amount_sek": amount_sek,
        # The 2016 scrape has 0 EUR on every row (the bank gives SEK only): 0 means unknown.
        "amount_eur": amount_eur or None,
        "name": row.required("projektnamn"),
        "description": row.text("projektbeskrivning"),
        "start_date": start,
        "end_date": end,
        "county": row.text("län"),
        "municipalities": _names(row, "kommuner"),
        "area": row.text("område"),
        "priority_axis": row.text("insatsområde"),
        "thematic_objective": row.text("tematiskt_mål"),
        "source_updated": updated,
    }


def _fund(row: Row) -> str | None:
    source = (row.text("_source") or "").lower()
    if "eruf" in source or "erdf" in source:
        return "ERDF"
    if "esf" in source:
        return "ESF"
    return None


def _names(row: Row, name: str) -> list[str]:
    parts = (row.text(name) or "").split(",")
    return list(dict.fromkeys(p.strip() for p in parts if p.strip()))

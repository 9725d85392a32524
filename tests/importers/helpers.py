"""Helpers for importer tests: write small files in the official layouts, snapshot a database."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from samverkan.catalogue.queries import TABLES

ORG_HEADER = (
    "projectID;projectAcronym;organisationID;vatNumber;name;shortName;SME;activityType;street;postCode;"
    "city;country;nutsCode;geolocation;organizationURL;contactForm;contentUpdateDate;rcn;order;role;"
    "ecContribution;netEcContribution;totalCost;endOfParticipation;active"
)
PROJECT_HEADER = (
    "id;acronym;status;title;startDate;endDate;totalCost;ecMaxContribution;legalBasis;topics;ecSignatureDate;"
    "frameworkProgramme;masterCall;subCall;fundingScheme;nature;objective;contentUpdateDate;rcn;grantDoi"
)


def quoted(line: str) -> str:
    return ";".join(f'"{v}"' for v in line.split(";"))


def write_csv(path: Path, header: str, rows: list[str], encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\n".join(quoted(x) for x in [header, *rows]) + "\n").encode(encoding))
    return path


def snapshot(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return {name: session.scalar(select(func.count()).select_from(model)) for name, model in TABLES.items()}


def write_rows(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
    """A comma-separated file as spreadsheet tools write it (quoting only where needed)."""
    import csv

    with open(path, "w", encoding=encoding, newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)
    return path

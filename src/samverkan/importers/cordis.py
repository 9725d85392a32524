"""CORDIS open-data dumps in the official CSV layout (2022+), H2020 and Horizon Europe.

A folder or zip holding any of ``project.csv``, ``organization.csv``, ``topics.csv``,
``euroSciVoc.csv`` and ``legalBasis.csv`` (``;``-separated, quoted). Topics become calls
(id = topic code); organisations keep their CORDIS ``organisationID`` as id. The older
single-file ``cordis-h2020projects.csv`` layout is handled by :mod:`cordis_legacy`.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from sqlalchemy import Result, and_, exists, func, select, update

from samverkan.catalogue.mojibake import repair
from samverkan.catalogue.names import is_pic, name_key
from samverkan.catalogue.programmes import PROGRAMME_NAMES
from samverkan.catalogue.swedish import shown_and_source
from samverkan.db.models import (
    Call,
    Organisation,
    Participation,
    Project,
    ProjectField,
    ProjectLegalBasis,
    ProjectTopic,
)
from samverkan.errors import InputError, Problem
from samverkan.importers import cordis_legacy
from samverkan.importers.base import (
    Counts,
    ImportContext,
    Row,
    RowInvalid,
    fill_empty,
    newest_wins,
    read_csv,
    replace_non_empty,
    sniff_text,
)
from samverkan.importers.files import InputFile, list_inputs

SOURCE = "cordis"
ACTIVITY_TYPES = ("HES", "REC", "PRC", "PUB", "OTH")

# file name (lower case) → (handler, required columns); handled in this order
PROJECT_COLUMNS = ("id", "acronym", "title", "frameworkProgramme", "topics", "objective")
ORGANISATION_COLUMNS = ("projectID", "organisationID", "name", "country", "role")
TOPIC_COLUMNS = ("projectID", "topic", "title")
SCIVOC_COLUMNS = ("projectID", "euroSciVocCode", "euroSciVocPath", "euroSciVocTitle")
LEGAL_COLUMNS = ("projectID", "legalBasis", "title")


def run(ctx: ImportContext, path: Path) -> None:
    files = list_inputs(path)
    legacy = [f for f in files if cordis_legacy.looks_like(f)]
    by_name = {f.name.lower(): f for f in files if f.name.lower().endswith(".csv")}
    plan = [
        ("project.csv", _projects),
        ("topics.csv", _topics),
        ("legalbasis.csv", _legal_bases),
        ("euroscivoc.csv", _fields),
        ("organization.csv", _organisations),
    ]
    known = [name for name, _ in plan if name in by_name]
    if not known and not legacy:
        names = ", ".join(f.name for f in files[:10]) or "nothing"
        raise InputError(
            [
                Problem(
                    str(path),
                    None,
                    None,
                    "no CORDIS files found: expected project.csv, organization.csv, topics.csv, "
                    f"euroSciVoc.csv or legalBasis.csv, or a cordis-*projects.csv; found {names}",
                )
            ]
        )
    used = {by_name[n].display for n in known} | {f.display for f in legacy}
    for f in files:
        if f.display not in used:
            ctx.report.notes.append(f"skipped {f.display} (not a CORDIS table samverkan reads)")
    programme = _dump_programme(by_name)
    for name, handler in plan:
        if name in by_name:
            handler(ctx, by_name[name], programme)
    for f in legacy:
        cordis_legacy.import_file(ctx, f)
    name_programmes(ctx)
    link_duplicates(ctx)


# --------------------------------------------------------------------------- project.csv


def _projects(ctx: ImportContext, source: InputFile, programme: str | None) -> None:
    counts = ctx.report.entity("projects")
    projects = ctx.upserter(Project, "projects", merge=replace_non_empty)
    calls = ctx.upserter(Call, "calls", merge=fill_empty, repeats=True)
    links = ctx.upserter(ProjectTopic, "project topics", repeats=True)
    links.depends_on = [calls]
    legal = ctx.upserter(ProjectLegalBasis, "project legal bases", merge=fill_empty, repeats=True)
    with ctx.counting(counts):
        for row in read_csv(ctx, source, PROJECT_COLUMNS):
            with ctx.row(row, counts):
                project_id = _project_id(row, "id")
                projects.add(
                    {
                        "id": project_id,
                        "source_id": project_id,
                        "acronym": row.text("acronym"),
                        "title": row.text("title"),
                        "objective": row.text("objective"),
                        "status": row.text("status"),
                        "start_date": row.date("startDate"),
                        "end_date": row.date("endDate"),
                        "total_cost": row.number("totalCost"),
                        "ec_max_contribution": row.number("ecMaxContribution"),
                        "framework_programme": row.text("frameworkProgramme"),
                        "legal_basis": next(iter(_split(row.text("legalBasis"))), None),
                        "master_call": row.text("masterCall"),
                        "sub_call": row.text("subCall"),
                        "funding_scheme": row.text("fundingScheme"),
                        "nature": row.text("nature"),
                        "ec_signature_date": row.date("ecSignatureDate"),
                        "content_updated": row.text("contentUpdateDate"),
                        "rcn": row.text("rcn"),
                        "grant_doi": row.text("grantDoi"),
                    }
                )
                framework = row.text("frameworkProgramme")
                for basis in _split(row.text("legalBasis")):
                    legal.add({"project_id": project_id, "legal_basis": basis, "source_id": project_id})
                for code in _split(row.text("topics")):
                    calls.add(
                        {
                            "id": code,
                            "source_id": code,
                            "status": "closed",
                            "programme": PROGRAMME_NAMES.get(framework or "", programme),
                        }
                    )
                    links.add({"project_id": project_id, "call_id": code, "source_id": project_id})
    projects.flush()
    links.flush()
    legal.flush()


# --------------------------------------------------------------------------- topics.csv


def _topics(ctx: ImportContext, source: InputFile, programme: str | None) -> None:
    counts = ctx.report.entity("topic rows")
    calls = ctx.upserter(Call, "calls", merge=fill_empty, repeats=True)
    links = ctx.upserter(ProjectTopic, "project topics", repeats=True)
    links.depends_on = [calls]
    with ctx.counting(counts):
        for row in read_csv(ctx, source, TOPIC_COLUMNS):
            with ctx.row(row, counts):
                project_id = _project_id(row, "projectID")
                code = row.required("topic")
                calls.add(
                    {
                        "id": code,
                        "source_id": code,
                        "title": row.text("title"),
                        "status": "closed",
                        "programme": programme,
                    }
                )
                links.add({"project_id": project_id, "call_id": code, "source_id": project_id})
    links.flush()


# --------------------------------------------------------------------------- legalBasis.csv


def _legal_bases(ctx: ImportContext, source: InputFile, programme: str | None) -> None:
    counts = ctx.report.entity("legal basis rows")
    rows = ctx.upserter(ProjectLegalBasis, "project legal bases")
    with ctx.counting(counts):
        for row in read_csv(ctx, source, LEGAL_COLUMNS):
            with ctx.row(row, counts):
                project_id = _project_id(row, "projectID")
                rows.add(
                    {
                        "project_id": project_id,
                        "legal_basis": row.required("legalBasis"),
                        "source_id": project_id,
                        "title": row.text("title"),
                        "unique_programme_part": row.boolean("uniqueProgrammePart"),
                    }
                )
    rows.flush()


# --------------------------------------------------------------------------- euroSciVoc.csv


def _fields(ctx: ImportContext, source: InputFile, programme: str | None) -> None:
    counts = ctx.report.entity("euroSciVoc rows")
    rows = ctx.upserter(ProjectField, "project fields")
    with ctx.counting(counts):
        for row in read_csv(ctx, source, SCIVOC_COLUMNS):
            with ctx.row(row, counts):
                project_id = _project_id(row, "projectID")
                rows.add(
                    {
                        "project_id": project_id,
                        "code": row.required("euroSciVocCode"),
                        "source_id": project_id,
                        "path": row.text("euroSciVocPath"),
                        "title": row.text("euroSciVocTitle"),
                    }
                )
    rows.flush()


# --------------------------------------------------------------------------- organization.csv


def _organisations(ctx: ImportContext, source: InputFile, programme: str | None) -> None:
    counts = ctx.report.entity("organisation rows")
    organisations = ctx.upserter(Organisation, "organisations", merge=newest_wins("content_updated"), repeats=True)
    stubs = ctx.upserter(Project, "projects", merge=fill_empty)
    stubs.counts = Counts()  # projects known only from organization.csv: noted, not counted
    participations = ctx.upserter(Participation, "participations", merge=replace_non_empty)
    participations.depends_on = [organisations, stubs]
    with ctx.counting(counts):
        for row in read_csv(ctx, source, ORGANISATION_COLUMNS):
            with ctx.row(row, counts):
                org = organisation_from_row(row)
                project_id = _project_id(row, "projectID")
                participation = {
                    "project_id": project_id,
                    "organisation_id": org["id"],
                    "role": row.text("role") or "participant",
                    "source_id": f"{project_id}/{org['id']}",
                    "order": row.integer("order"),
                    "ec_contribution": row.number("ecContribution"),
                    "net_ec_contribution": row.number("netEcContribution"),
                    "total_cost": row.number("totalCost"),
                    "end_of_participation": row.boolean("endOfParticipation"),
                    "active": row.boolean("active"),
                }
                organisations.add(org)
                stubs.add({"id": project_id, "source_id": project_id, "acronym": row.text("projectAcronym")})
                participations.add(participation)
    participations.flush()
    if stubs.counts.inserted:
        ctx.report.notes.append(
            f"{stubs.counts.inserted:,} projects named only in {source.name} were added with their acronym"
        )


def organisation_from_row(row: Row) -> dict:
    organisation_id = row.required("organisationID")
    if len(organisation_id) > 64:
        raise RowInvalid("organisationID", "is longer than 64 characters")
    name = row.required("name")
    lat = lon = None
    geolocation = row.text("geolocation")
    if geolocation:
        try:
            lat_text, lon_text = geolocation.split(",")
            lat, lon = float(lat_text), float(lon_text)
        except ValueError as exc:
            raise RowInvalid("geolocation", f"{geolocation!r} is not 'latitude,longitude'") from exc
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise RowInvalid("geolocation", f"{geolocation!r} is out of range")
    country = row.country("country")
    shown, source_name = shown_and_source(name, country)
    return {
        "id": organisation_id,
        "source_id": organisation_id,
        "name": shown,
        "source_name": source_name,
        "short_name": _repaired(row.text("shortName")),
        "activity_type": row.choice("activityType", ACTIVITY_TYPES),
        "sme": row.boolean("SME"),
        "vat_number": row.text("vatNumber"),
        "street": _repaired(row.text("street")),
        "post_code": row.text("postCode"),
        "city": _repaired(row.text("city")),
        "country": country,
        "nuts_code": row.text("nutsCode"),
        "lat": lat,
        "lon": lon,
        "url": row.text("organizationURL"),
        "content_updated": row.text("contentUpdateDate"),
        "name_key": name_key(name),
    }


# --------------------------------------------------------------------------- after the files


def name_programmes(ctx: ImportContext) -> None:
    """Give CORDIS topics (calls) their programme, from the projects funded under them (counted as
    updated calls, so that a programme filled in moves the catalogue revision)."""
    session = ctx.session
    named = 0
    for code, name in PROGRAMME_NAMES.items():
        funded = exists().where(
            and_(
                ProjectTopic.call_id == Call.id,
                Project.id == ProjectTopic.project_id,
                Project.framework_programme == code,
            )
        )
        named += _rows(session.execute(update(Call).where(Call.programme.is_(None), funded).values(programme=name)))
    horizon = exists().where(
        and_(
            ProjectTopic.call_id == Call.id,
            ProjectLegalBasis.project_id == ProjectTopic.project_id,
            ProjectLegalBasis.legal_basis.like("HORIZON.%"),
        )
    )
    named += _rows(
        session.execute(update(Call).where(Call.programme.is_(None), horizon).values(programme="Horizon Europe"))
    )
    if named:
        ctx.report.entity("call programmes").updated += named


def _rows(result: Result[Any]) -> int:
    """How many rows an UPDATE changed."""
    return max(0, int(getattr(result, "rowcount", 0) or 0))


def link_duplicates(ctx: ImportContext) -> None:
    """Link organisations known under a name hash to the PIC record with the same name + country.

    Records are linked (``same_as_id``), never merged: both keep their participations.
    """
    session = ctx.session
    counts = ctx.report.entity("duplicate links")
    groups = session.execute(
        select(Organisation.name_key, Organisation.country)
        .group_by(Organisation.name_key, Organisation.country)
        .having(func.count() > 1)
    ).all()
    for key, country in groups:
        members = session.execute(
            select(Organisation.id, Organisation.same_as_id).where(
                Organisation.name_key == key,
                Organisation.country == country if country is not None else Organisation.country.is_(None),
            )
        ).all()
        pics = sorted(m.id for m in members if is_pic(m.id))
        if not pics:
            continue
        canonical = pics[0]
        for member in members:
            if is_pic(member.id):
                continue
            counts.read += 1
            if member.same_as_id == canonical:
                counts.unchanged += 1
                continue
            session.execute(
                update(Organisation)
                .where(Organisation.id == member.id)
                .values(same_as_id=canonical, imported_at=ctx.now)
            )
            if member.same_as_id is None:
                counts.inserted += 1
            else:
                counts.updated += 1


def _dump_programme(by_name: dict[str, InputFile]) -> str | None:
    """The programme of a CORDIS dump, from the first data row of project.csv or legalBasis.csv.

    Official dumps come one per framework programme; topics.csv lists topics of projects that
    may not be in project.csv, so this is how their calls get a programme.
    """
    for name, column in (("project.csv", "frameworkProgramme"), ("legalbasis.csv", "legalBasis")):
        if name not in by_name:
            continue
        lines = sniff_text(by_name[name], 65536).splitlines()
        delimiter = ";" if lines and lines[0].count(";") >= lines[0].count(",") else ","
        rows = list(csv.reader(lines[:50], delimiter=delimiter))
        if len(rows) < 2 or column not in rows[0]:
            continue
        at = rows[0].index(column)
        for values in rows[1:]:
            value = values[at] if len(values) > at else ""
            if value in PROGRAMME_NAMES:
                return PROGRAMME_NAMES[value]
            if value.startswith("HORIZON."):
                return "Horizon Europe"
            if value.startswith("H2020-"):
                return "Horizon 2020"
    return None


def _project_id(row: Row, name: str) -> str:
    value = row.required(name)
    if len(value) > 32 or not value.replace("-", "").isalnum():
        raise RowInvalid(name, f"{value!r} is not a CORDIS project id")
    return value


def _repaired(value: str | None) -> str | None:
    return None if value is None else repair(value)


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(";") if part.strip()]

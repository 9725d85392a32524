"""The older single-file CORDIS layout, ``cordis-h2020projects.csv``.

One row per project with title, objective and topics; the coordinator and participants are
given by *name* (participants ``;``-separated) with the set of participant countries. Names
are resolved to organisations already in the catalogue by normalised name (+ country where
it tells them apart); unknown names become organisations identified by a hash of the
normalised name (two different organisations with the same name in two countries, both
unknown to the catalogue, therefore share one record). This
layout is treated as less authoritative than the official 2022+ tables: it only fills fields
that are still empty.
"""

from __future__ import annotations

from sqlalchemy import select

from samverkan.catalogue.countries import is_iso_code, iso_from_code
from samverkan.catalogue.names import is_pic, name_hash, name_key
from samverkan.catalogue.programmes import PROGRAMME_NAMES
from samverkan.catalogue.swedish import shown_and_source
from samverkan.db.models import Call, Organisation, Participation, Project, ProjectLegalBasis, ProjectTopic
from samverkan.importers.base import (
    ImportContext,
    RowInvalid,
    fill_empty,
    read_csv,
    sniff_text,
)
from samverkan.importers.files import InputFile

REQUIRED = ("id", "acronym", "title", "objective", "topics", "coordinator", "participants", "participantCountries")


def looks_like(source: InputFile) -> bool:
    """Is this a file in the old single-file layout (by its header)?"""
    if not source.name.lower().endswith((".csv", ".csv.gz")):
        return False
    text = sniff_text(source, 2048)
    header = text.splitlines()[0] if text else ""
    return '"participants"' in header or ";participants;" in header or "participantCountries" in header


def import_file(ctx: ImportContext, source: InputFile) -> None:
    counts = ctx.report.entity("projects (old layout)")
    projects = ctx.upserter(Project, "projects", merge=fill_empty)
    calls = ctx.upserter(Call, "calls", merge=fill_empty, repeats=True)
    links = ctx.upserter(ProjectTopic, "project topics", repeats=True)
    legal = ctx.upserter(ProjectLegalBasis, "project legal bases", merge=fill_empty, repeats=True)
    organisations = ctx.upserter(Organisation, "organisations", merge=fill_empty, repeats=True)
    participations = ctx.upserter(Participation, "participations", merge=fill_empty)
    links.depends_on = [calls]
    participations.depends_on = [projects, organisations]
    resolver = _Resolver(ctx, organisations)
    with ctx.counting(counts):
        for row in read_csv(ctx, source, REQUIRED):
            with ctx.row(row, counts):
                project_id = row.required("id")
                if not project_id.isdigit():
                    raise RowInvalid("id", f"{project_id!r} is not a CORDIS project id")
                bases = _split(row.text("programme"))
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
                        "legal_basis": bases[0] if bases else None,
                        "master_call": row.text("call"),
                        "funding_scheme": row.text("fundingScheme"),
                        "rcn": row.text("rcn"),
                    }
                )
                programme = PROGRAMME_NAMES.get(row.text("frameworkProgramme") or "")
                for code in _split(row.text("topics")):
                    calls.add({"id": code, "source_id": code, "status": "closed", "programme": programme})
                    links.add({"project_id": project_id, "call_id": code, "source_id": project_id})
                for basis in bases:
                    legal.add({"project_id": project_id, "legal_basis": basis, "source_id": project_id})
                countries = [_country(c, "participantCountries") for c in _split(row.text("participantCountries"))]
                coordinator_country = _country(row.text("coordinatorCountry"), "coordinatorCountry")
                coordinator = row.text("coordinator")
                if coordinator:
                    org_id = resolver.resolve(coordinator, [coordinator_country] if coordinator_country else [])
                    participations.add(
                        {
                            "project_id": project_id,
                            "organisation_id": org_id,
                            "role": "coordinator",
                            "order": 1,
                            "source_id": f"{project_id}/{org_id}",
                        }
                    )
                for order, name in enumerate(_split(row.text("participants")), start=2):
                    org_id = resolver.resolve(name, [c for c in countries if c])
                    participations.add(
                        {
                            "project_id": project_id,
                            "organisation_id": org_id,
                            "role": "participant",
                            "order": order,
                            "source_id": f"{project_id}/{org_id}",
                        }
                    )
    participations.flush()
    links.flush()
    legal.flush()
    if organisations.counts.inserted:
        ctx.report.notes.append(
            f"{organisations.counts.inserted:,} participant names in {source.name} matched no known "
            "organisation and were added under a name hash"
        )


class _Resolver:
    """Organisation name (+ candidate countries) → organisation id."""

    def __init__(self, ctx: ImportContext, organisations) -> None:
        self.ctx = ctx
        self.organisations = organisations

    def resolve(self, name: str, countries: list[str]) -> str:
        key = name_key(name)
        if not key:
            raise RowInvalid("participants", f"{name!r} is not an organisation name")
        self.organisations.flush()  # names added earlier in this run must be visible
        candidates = self.ctx.session.execute(
            select(Organisation.id, Organisation.country, Organisation.same_as_id).where(Organisation.name_key == key)
        ).all()
        if countries:
            in_country = [c for c in candidates if c.country in countries]
            if in_country:
                candidates = in_country
            elif len(countries) == 1:
                candidates = []  # known only elsewhere: a different organisation of that name
            else:
                candidates = [c for c in candidates if c.country is None] or candidates
        if candidates:
            best = sorted(candidates, key=lambda c: (c.same_as_id is not None, not is_pic(c.id), c.id))[0]
            return best.same_as_id or best.id
        # The id depends on the name only, so the same name always lands on the same record,
        # whatever order projects come in; its country is filled in once a row tells it.
        org_id = name_hash(name, None)
        country = countries[0] if len(countries) == 1 else None
        shown, source_name = shown_and_source(name.strip(), country)
        self.organisations.add(
            {
                "id": org_id,
                "source_id": name,
                "name": shown,
                "source_name": source_name,
                "country": country,
                "name_key": key,
            }
        )
        return org_id


def _country(code: str | None, field: str) -> str | None:
    if not code:
        return None
    iso = iso_from_code(code)
    if not is_iso_code(iso):
        raise RowInvalid(field, f"{code!r} is not a two-letter country code")
    return iso


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(";") if part.strip()]

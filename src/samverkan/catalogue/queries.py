"""Read-side queries over the catalogue: counts and single records."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from samverkan.db import models
from samverkan.db.engine import aware
from samverkan.errors import NotFound

# public name → model; the name is what the API and CLI use
TABLES: dict[str, type[models.Base]] = {
    "organisations": models.Organisation,
    "projects": models.Project,
    "participations": models.Participation,
    "calls": models.Call,
    "hubs": models.Hub,
    "platforms": models.Platform,
    "working_groups": models.WorkingGroup,
    "solutions": models.Solution,
    "regions": models.Region,
    "counties": models.County,
    "municipalities": models.Municipality,
    "cohesion_projects": models.CohesionProject,
}

# record kind (singular, as in search results) → model
# Swedish ERDF/ESF projects are past projects beside CORDIS's, their ids kept apart by a prefix
COHESION_PREFIX = "se-"

KIND_MODELS: dict[str, type[models.Base]] = {
    "call": models.Call,
    "organisation": models.Organisation,
    "hub": models.Hub,
    "platform": models.Platform,
    "working_group": models.WorkingGroup,
    "solution": models.Solution,
    "project": models.Project,
    "region": models.Region,
    "municipality": models.Municipality,
}


def counts(session: Session) -> dict[str, int]:
    """Number of records per table."""
    return {name: session.scalar(select(func.count()).select_from(model)) or 0 for name, model in TABLES.items()}


def record(session: Session, kind: str, record_id: str) -> dict[str, Any]:
    """One record as plain JSON-ready data (geometry left out), or :class:`NotFound`."""
    model = KIND_MODELS.get(kind)
    if model is None:
        raise NotFound(f"unknown kind {kind!r}")
    if kind == "project" and record_id.startswith(COHESION_PREFIX):
        return _cohesion_project(session, record_id)
    found = session.get(model, record_id)
    if found is None:
        raise NotFound(f"no {kind} with id {record_id!r}")
    out = {c.key: plain(getattr(found, c.key)) for c in model.__mapper__.column_attrs if c.key != "geometry"}
    if kind == "platform":
        groups = session.execute(
            select(models.WorkingGroup)
            .where(models.WorkingGroup.platform_id == record_id)
            .order_by(models.WorkingGroup.id)
        ).scalars()
        out["working_groups"] = [
            {c.key: plain(getattr(g, c.key)) for c in models.WorkingGroup.__mapper__.column_attrs} for g in groups
        ]
    if kind == "project":
        rows = session.execute(
            select(models.Participation, models.Organisation.name, models.Organisation.country)
            .join(models.Organisation, models.Organisation.id == models.Participation.organisation_id)
            .where(models.Participation.project_id == record_id)
            .order_by(models.Participation.order, models.Organisation.name)
        ).all()
        out["participants"] = [
            {"id": p.organisation_id, "name": name, "country": country, "role": p.role, "order": p.order}
            for p, name, country in rows
        ]
        out["topics"] = list(
            session.execute(
                select(models.ProjectTopic.call_id).where(models.ProjectTopic.project_id == record_id)
            ).scalars()
        )
    return out


def _cohesion_project(session: Session, record_id: str) -> dict[str, Any]:
    found = session.get(models.CohesionProject, record_id.removeprefix(COHESION_PREFIX))
    if found is None:
        raise NotFound(f"no project with id {record_id!r}")
    out = {c.key: plain(getattr(found, c.key)) for c in models.CohesionProject.__mapper__.column_attrs}
    out["id"] = record_id
    out["cohesion"] = True  # a Swedish ERDF/ESF project: a beneficiary, no consortium
    return out


def plain(value: Any) -> Any:
    """A column value as JSON-ready data: dates ISO 8601, times in UTC (SQLite gives them back naive)."""
    if isinstance(value, dt.datetime):
        value = aware(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value

"""Where the catalogue's data comes from and how current it is: one row per source.

Every successful import or sync records its source's state in the same transaction as the
data (:func:`record_run`): where it read from, when it finished, what it read and changed, and
the **date of the data itself** — the newest snapshot date the records carry (a call's
``snapshot``, a file's export date given with ``--as-of``, the day a sync read the source),
never the import time, so old data never looks fresh. :func:`sources` lists them for the API
and the sources page, with what each source holds (records per table whose ``source`` is its
name); :func:`calls_as_of` says how current the calls are, for every results page and answer.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from samverkan.db.engine import aware
from samverkan.db.models import PROVENANCE_COLUMNS, Base, Call, SourceState

STALE_AFTER_DAYS = 30  # calls older than this are called out on every page that lists them


def record_run(
    session: Session,
    name: str,
    location: str,
    method: str,
    counts: dict[str, Any],
    data_as_of: dt.date | None,
) -> None:
    """Note a successful import or sync of ``name`` (inside its transaction). The data's date
    only moves forward: an older file imported after a newer one leaves the newer date."""
    state = session.get(SourceState, name)
    if state is None:
        state = SourceState(name=name)
        session.add(state)
    state.location = location
    state.method = method
    state.finished_at = dt.datetime.now(dt.UTC)
    state.counts = counts
    if data_as_of is not None and (state.data_as_of is None or data_as_of > state.data_as_of):
        state.data_as_of = data_as_of


def _catalogue_tables() -> list[Any]:
    return [
        table
        for table in Base.metadata.sorted_tables
        if all(c in table.c for c in PROVENANCE_COLUMNS) and table.name != "call_sources"
    ]


def sources(session: Session, today: dt.date) -> list[dict[str, Any]]:
    """Each source with its last run, the date of its data, its age on ``today`` and what it holds."""
    holds: dict[str, dict[str, int]] = {}
    for table in _catalogue_tables():
        for name, count in session.execute(select(table.c.source, func.count()).group_by(table.c.source)):
            holds.setdefault(name, {})[table.name] = count
    out = []
    states = {s.name: s for s in session.scalars(select(SourceState))}
    for name in sorted(set(states) | set(holds)):
        state = states.get(name)
        as_of = state.data_as_of if state else None
        out.append(
            {
                "name": name,
                "method": state.method if state else None,
                "location": state.location if state else None,
                "finished_at": aware(state.finished_at).isoformat() if state else None,
                "data_as_of": as_of.isoformat() if as_of else None,
                "days_old": (today - as_of).days if as_of else None,
                "holds": holds.get(name, {}),
                "counts": state.counts if state else {},
            }
        )
    return out


def calls_as_of(session: Session) -> dt.date | None:
    """The newest day the calls' data was known true: the date of the ``calls`` source's data
    (a sync's day, a file's newest snapshot), else the newest change of any call; None if unknown."""
    state = session.get(SourceState, "calls")
    if state is not None and state.data_as_of is not None:
        return state.data_as_of
    newest = session.scalar(select(func.max(Call.as_of)))
    return aware(newest).date() if newest else None


def freshness(as_of: dt.date | None, today: dt.date) -> dict[str, Any]:
    """How current the calls are on ``today``: the date, its age and whether it is stale."""
    days = (today - as_of).days if as_of else None
    return {
        "as_of": as_of.isoformat() if as_of else None,
        "days_old": days,
        "stale": days is None or days > STALE_AFTER_DAYS,
    }

"""A call's status on a given day, computed from its dates.

The portal's status is a snapshot: a call exported as "open" in August has closed by December.
So the status of today is computed when it is asked for, from the call's opening date and its
deadlines; the portal's status only decides for a call whose dates do not (no deadline at all,
or a deadline ahead but no known opening date).

- **forthcoming**: it opens after today;
- **open**: it has opened (or its opening is not known and the portal said open) and its last
  deadline is today or later — a two-stage or multi-cut-off call stays open until its last
  deadline, and the next deadline is the one to meet;
- **closed**: its last deadline has passed, or the portal said closed (a topic withdrawn before
  its deadline stays closed; the portal says "closed" of no topic it still takes proposals for).

``today`` is the ``today`` setting (``SAMVERKAN_TODAY``, default the real date), so tests and
demos are repeatable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

STATUSES = ("open", "forthcoming", "closed")
# what a user can still apply to: open now, then opening soon (the default of search)
CURRENT = "current"
CHOICES = (CURRENT, *STATUSES, "all")


@dataclass(frozen=True)
class Timing:
    """Where a call stands on ``today``."""

    status: str  # open, forthcoming or closed
    next_deadline: dt.date | None  # the first deadline on or after today (None: all passed, or none)
    days_left: int | None  # until the next deadline (0: today)
    opens_in: int | None  # days until it opens (forthcoming with a known opening date)


def timing(
    today: dt.date, portal_status: str, deadlines: Sequence[dt.date] = (), opening: dt.date | None = None
) -> Timing:
    """The status of a call on ``today`` from its opening date, its deadlines and, where they do
    not decide, the portal's status."""
    ahead = sorted(d for d in deadlines if d >= today)
    upcoming = ahead[0] if ahead else None
    days_left = (upcoming - today).days if upcoming else None
    if portal_status == "closed":  # closed by the portal, whatever its dates say (withdrawn, cancelled)
        return Timing("closed", None, None, None)
    if opening is not None and today < opening:
        return Timing("forthcoming", upcoming, days_left, (opening - today).days)
    if deadlines and not ahead:
        return Timing("closed", None, None, None)
    if opening is not None:  # opened, and a deadline is ahead (or none is set)
        return Timing("open", upcoming, days_left, None)
    status = portal_status if portal_status in STATUSES else "open"
    return Timing(status, upcoming, days_left, None)


def deadlines_of(deadline: str | dt.date | None, deadlines: Sequence[str | dt.date] | None = None) -> list[dt.date]:
    """A call's deadlines as dates: every one it lists (two-stage, cut-offs), else its one
    ``deadline`` (ISO 8601 or a date)."""
    days = [_day(d) for d in deadlines or ()] or [_day(deadline)]
    return sorted(d for d in days if d is not None)


def of_call(today: dt.date, call: Any) -> Timing:
    """Where a stored call (a :class:`~samverkan.db.models.Call`) stands on ``today``."""
    return timing(today, call.status, deadlines_of(call.deadline, call.deadlines), call.opening)


def wanted(status: str) -> frozenset[str]:
    """The statuses a status choice admits (``current``: open and forthcoming)."""
    if status == "all":
        return frozenset(STATUSES)
    if status == CURRENT:
        return frozenset(("open", "forthcoming"))
    return frozenset((status,))


def by_status(timings: Iterable[Timing]) -> dict[str, set[int]]:
    """Positions of the calls per status of today."""
    out: dict[str, set[int]] = {status: set() for status in STATUSES}
    for position, timing_ in enumerate(timings):
        out[timing_.status].add(position)
    return out


def call_timings(records: Sequence[dict[str, Any]], today: dt.date) -> list[Timing]:
    """Where each call record (``portal_status``, ``deadline``, ``deadlines``, ``opening``)
    stands on ``today``."""
    return [
        timing(
            today,
            record["portal_status"],
            deadlines_of(record.get("deadline"), record.get("deadlines")),
            _day(record.get("opening")),
        )
        for record in records
    ]


def on_day(record: dict[str, Any], timing_: Timing) -> dict[str, Any]:
    """A call record as it is on the day of ``timing_``: its status then, the next deadline (or
    the last one, once all have passed), the days left to it and the days until it opens."""
    out = {k: v for k, v in record.items() if k != "portal_status"}
    out["status"] = timing_.status
    if timing_.next_deadline is not None:
        out["deadline"] = timing_.next_deadline.isoformat()
    out["days_left"] = timing_.days_left
    out["opens_in"] = timing_.opens_in
    return out


def _day(value: str | dt.date | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)

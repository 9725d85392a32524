"""A topic as the Funding & Tenders portal's public search API returns it → a call's fields.

The portal's search service (SEDIA, ``api.tech.ec.europa.eu/search-api/prod/rest/search``)
answers with one object per topic; the shared data set keeps such objects as JSON lines, and
``samverkan sync calls`` reads them from the service itself. Fields used (all else ignored):

* ``identifier`` — the topic code, the call's id; ``id`` — the portal's reference;
* ``title`` — the topic's title (15 topics carry their code as title: treated as no title);
* ``callIdentifier``, ``callTitle``, ``destination``, ``actionType``;
* ``status.label`` — ``Open for submission``, ``Forthcoming`` or ``Closed``, as the portal saw
  it at ``snapshot`` (a fallback: the status of today is computed from the dates);
* ``startDate`` → opening; ``deadlineDate`` — one date or a list (two-stage, cut-offs);
* ``budget`` — ``totalBudgetEur``, ``expectedGrants``, ``minContributionEur``, ``maxContributionEur``;
* ``frameworkProgrammes[0].label`` — ``Horizon Europe (HORIZON)``: the code in brackets is
  mapped to the names the portal's own export uses (so one programme has one name);
* ``abstract`` — an excerpt of the topic's text (its first ~1,100 characters, ending in "…");
* ``url`` — the topic's page; ``snapshot`` — when the record was read (ISO 8601), else the
  import's ``as_of``.

Dates are given as UTC midnight or 17:00 (the portal's Brussels deadline); the date part is
the day.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from samverkan.db.engine import aware
from samverkan.importers.base import Row, RowInvalid, parse_date

FEED = "ft-search"
REQUIRED = ("identifier", "status")
STATUS_LABELS = {"open for submission": "open", "forthcoming": "forthcoming", "closed": "closed"}
# the portal's programme codes → the names its own topic export uses
PROGRAMMES = {
    "HORIZON": "Horizon Europe",
    "DIGITAL": "Digital Europe",
    "EDF": "European Defence Fund",
    "LIFE": "LIFE",
    "EURATOM": "Euratom",
    "CEF": "Connecting Europe Facility",
    "CERV": "CERV",
    "RFCS": "RFCS",
    "ERASMUS": "Erasmus+",
    "PPPA": "Pilot Projects & Preparatory Actions",
    "ESF": "ESF+",
    "ISF": "ISF",
    "EUBA": "EU Agencies",
    "I3": "Interregional Innovation",
    "JUST": "Justice",
    "CREA": "Creative Europe",
    "EMFAF": "EMFAF",
    "SMP": "Single Market Programme",
    "RENEWFM": "Renewable Energy FM",
    "PERICLES IV": "Pericles IV",
}
_CODE = re.compile(r"\(([^()]*)\)\s*$")
MAX_DEADLINES = 20


def topic_code(value: str, field: str) -> str:
    if len(value) > 100 or any(ch.isspace() for ch in value):
        raise RowInvalid(field, f"{value[:120]!r} is not a topic code")
    return value


def programme_name(label: str) -> str:
    """``Horizon Europe (HORIZON)`` → ``Horizon Europe``; an unknown code keeps its label."""
    label = label.replace("%26", "&")
    found = _CODE.search(label)
    if found:
        code = " ".join(found.group(1).split())
        if code in PROGRAMMES:
            return PROGRAMMES[code]
    return " ".join(label.split())


def fields_from_row(row: Row) -> dict[str, Any]:
    """The call's fields as this record gives them (``None`` where it says nothing)."""
    topic_id = topic_code(row.required("identifier"), "identifier")
    label = _text(_member(row, "status", dict).get("label"), "status.label")
    if label is None or label.lower() not in STATUS_LABELS:
        raise RowInvalid("status.label", f"{label!r} is not one of {', '.join(map(repr, STATUS_LABELS))}")
    title = row.text("title")
    deadlines = _deadlines(row)
    budget = _member(row, "budget", dict)
    programmes = _member(row, "frameworkProgrammes", list)
    programme = None
    if programmes:
        first = programmes[0]
        if not isinstance(first, dict):
            raise RowInvalid("frameworkProgrammes", "expected a list of objects with a label")
        label_text = _text(first.get("label"), "frameworkProgrammes.label")
        programme = programme_name(label_text) if label_text else None
    call_identifier = row.text("callIdentifier")
    return {
        "id": topic_id,
        "title": None if title in (None, topic_id) else title,
        "programme": programme,
        "call_identifier": topic_code(call_identifier, "callIdentifier") if call_identifier else None,
        "call_title": row.text("callTitle"),
        "destination": row.text("destination"),
        "action_type": row.text("actionType"),
        "status": STATUS_LABELS[label.lower()],
        "opening": _day(row, "startDate"),
        "deadlines": [d.isoformat() for d in deadlines],
        "deadline": deadlines[-1] if deadlines else None,
        "deadline_model": row.text("deadlineModel"),
        "budget_total": _amount(budget, "totalBudgetEur"),
        "budget_min": _amount(budget, "minContributionEur"),
        "budget_max": _amount(budget, "maxContributionEur"),
        "expected_grants": _grants(budget),
        "description": row.text("abstract"),
        "portal_url": row.text("url"),
    }


def snapshot(row: Row) -> dt.datetime | None:
    """When the record was read (``snapshot``), if it says."""
    text = row.text("snapshot")
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise RowInvalid("snapshot", f"{text!r} is not an ISO 8601 time") from None
    return aware(moment)  # a time without a zone: UTC, as we store them


def _member(row: Row, name: str, kind: type) -> Any:
    value = row.values.get(name)
    if value is None:
        return kind()
    if not isinstance(value, kind):
        raise RowInvalid(name, f"expected {'an object' if kind is dict else 'a list'}")
    return value


def _text(value: object, field: str) -> str | None:
    return Row("", 0, {field: value}).text(field)


def _day(row: Row, name: str) -> dt.date | None:
    return _as_day(row.values.get(name), name)


def _as_day(value: object, field: str) -> dt.date | None:
    text = _text(value, field)
    if text is None:
        return None
    day = parse_date(text)
    if day is None:
        raise RowInvalid(field, f"{text[:40]!r} is not a date")
    return day


def _deadlines(row: Row) -> list[dt.date]:
    value = row.values.get("deadlineDate")
    items = value if isinstance(value, list) else [value]
    if len(items) > MAX_DEADLINES:
        raise RowInvalid("deadlineDate", f"{len(items)} deadlines; at most {MAX_DEADLINES}")
    days = {d for d in (_as_day(item, "deadlineDate") for item in items) if d is not None}
    return sorted(days)


def _amount(budget: dict[str, Any], name: str) -> float | None:
    return Row("", 0, {f"budget.{name}": budget.get(name)}).number(f"budget.{name}")


def _grants(budget: dict[str, Any]) -> int | None:
    return Row("", 0, {"budget.expectedGrants": budget.get("expectedGrants")}).integer("budget.expectedGrants")

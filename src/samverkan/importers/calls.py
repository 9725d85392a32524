"""Funding & Tenders portal topics (open, forthcoming and closed calls) as JSON lines.

Two shapes, told apart per record (a search-API record has ``identifier``, an export's ``topicId``):

* the portal's **topic export** (feed ``ft-export``): one object per topic with at least
  ``topicId``, ``title`` and ``callStatus``; one deadline (``deadline``), no opening date, no
  time of its own — the import's ``as_of`` (``--as-of``) says when it was exported;
* the portal's **search API** records (feed ``ft-search``, :mod:`samverkan.importers.ft_search`):
  ``identifier``, ``status.label``, opening and deadline dates and a ``snapshot`` time each.

The id of a call is its topic code. Every record is kept as its source said it and the call is
their merge, the newer record winning field by field (:mod:`samverkan.importers.call_merge`).
"""

from __future__ import annotations

from pathlib import Path

from samverkan.errors import InputError, Problem
from samverkan.importers import ft_search
from samverkan.importers.base import ImportContext, Row, RowInvalid, read_jsonl
from samverkan.importers.call_merge import CallMerger
from samverkan.importers.files import list_inputs

FEED = "ft-export"
REQUIRED = ("topicId", "title", "callStatus")
STATUSES = ("open", "forthcoming", "closed")
# Text in this export was once decoded as cp1252 by mistake; the pairs below undo what is left.
_MOJIBAKE = {
    "â€œ": "“",
    "â€\x9d": "”",
    "â€": "”",
    "â€™": "’",
    "â€˜": "‘",
    "â€“": "–",
    "â€”": "—",
    "â€¦": "…",
    "Â ": " ",
    "Â": "",
}


def run(ctx: ImportContext, path: Path) -> None:
    files = [f for f in list_inputs(path) if f.name.lower().endswith((".jsonl", ".json", ".ndjson"))]
    if not files:
        raise InputError([Problem(str(path), None, None, "no .jsonl file of Funding & Tenders topics found")])
    counts = ctx.report.entity("topics")
    merger = CallMerger(ctx)
    undated = False
    for source in files:
        with ctx.counting(counts):
            for row in read_jsonl(ctx, source, ()):
                with ctx.row(row, counts):
                    search_shape = _shape(row)
                    if search_shape:
                        fields, said = ft_search.fields_from_row(row), ft_search.snapshot(row)
                    else:
                        fields, said = call_from_row(row), None
                    dated = said is not None or ctx.as_of is not None
                    undated = undated or not dated
                    as_of = said or ctx.record_time()
                    if dated:
                        ctx.saw_data_of(as_of.date())
                    merger.add(
                        ft_search.FEED if search_shape else FEED,
                        as_of,
                        f"{source.name}#{row.text('id' if search_shape else 'reference') or fields['id']}",
                        fields,
                    )
    merger.flush()
    if undated:
        ctx.report.notes.append(
            "some records carry no date of their own: taken as of this import; "
            "give --as-of YYYY-MM-DD for the day the file was exported"
        )


def _shape(row: Row) -> bool:
    """Whether ``row`` is a search-API record (``identifier``) rather than an export's (``topicId``);
    raises :class:`RowInvalid` naming the first required field it lacks."""
    search = "identifier" in row.values and "topicId" not in row.values
    for name in ft_search.REQUIRED if search else REQUIRED:
        if name not in row.values:
            raise RowInvalid(name, "required field is missing")
    return search


def call_from_row(row: Row) -> dict:
    topic_id = row.required("topicId")
    if len(topic_id) > 100 or any(ch.isspace() for ch in topic_id):
        raise RowInvalid("topicId", f"{topic_id!r} is not a topic code")
    status = (row.required("callStatus")).lower()
    if status not in STATUSES:
        raise RowInvalid("callStatus", f"{status!r} is not one of {', '.join(STATUSES)}")
    return {
        "id": topic_id,
        "title": row.required("title"),
        "programme": row.text("programme"),
        "call_identifier": row.text("callIdentifier"),
        "call_title": row.text("callTitle"),
        "action_type": row.text("actionType"),
        "types_of_action": row.text("typesOfAction"),
        "status": status,
        "deadline": row.date("deadline"),
        "deadline_model": row.text("deadlineModel"),
        "stage": row.text("stage"),
        "budget_min": row.number("budgetMin"),
        "budget_max": row.number("budgetMax"),
        "expected_grants": row.integer("expectedGrants"),
        "cluster": row.text("cluster"),
        "keywords": row.text("keywords"),
        "description": _join(row.text("description"), row.text("objectives")),
        "conditions": repair_text(row.text("topicConditions")),
        "portal_url": row.text("portalUrl"),
        "deadlines": [deadline.isoformat()] if (deadline := row.date("deadline")) else [],
    }


def repair_text(text: str | None) -> str | None:
    """Undo left-over cp1252 mojibake (``â€œ`` → ``“``) and a stray leading ``">``."""
    if text is None:
        return None
    if "â€" in text or "Â" in text:
        try:
            text = text.encode("cp1252").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            for bad, good in _MOJIBAKE.items():
                text = text.replace(bad, good)
    return text.removeprefix('">').strip() or None


def _join(*parts: str | None) -> str | None:
    text = "\n\n".join(p for p in parts if p)
    return text or None

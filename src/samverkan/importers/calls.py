"""Funding & Tenders portal topics (open, forthcoming and closed calls) as JSON lines.

One JSON object per line with at least ``topicId``, ``title`` and ``callStatus``; the id of a
call is its topic code (``topicId``). This export is authoritative for the calls it carries
and overwrites what CORDIS said about the same topic.
"""

from __future__ import annotations

from pathlib import Path

from samverkan.db.models import Call
from samverkan.errors import InputError, Problem
from samverkan.importers.base import ImportContext, Row, RowInvalid, overwrite, read_jsonl
from samverkan.importers.files import list_inputs

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
    counts = ctx.report.entity("calls")
    calls = ctx.upserter(Call, "calls", merge=overwrite, unique=True)
    for source in files:
        with ctx.counting(counts):
            for row in read_jsonl(ctx, source, REQUIRED):
                with ctx.row(row, counts):
                    calls.add(call_from_row(row))
    calls.flush()


def call_from_row(row: Row) -> dict:
    topic_id = row.required("topicId")
    if len(topic_id) > 100 or any(ch.isspace() for ch in topic_id):
        raise RowInvalid("topicId", f"{topic_id!r} is not a topic code")
    status = (row.required("callStatus")).lower()
    if status not in STATUSES:
        raise RowInvalid("callStatus", f"{status!r} is not one of {', '.join(STATUSES)}")
    return {
        "id": topic_id,
        "source_id": row.text("reference") or topic_id,
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

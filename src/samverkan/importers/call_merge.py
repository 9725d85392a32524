"""One call from several sources: each source's record is kept, the call is their merge.

The same topic reaches samverkan from the portal's topic export (``ft-export``), from its
search API (``ft-search``: the shared feed file or ``samverkan sync calls``) and, by code and
title only, from CORDIS. Each portal source's record of a call is stored as it came
(``call_sources``, with the time the source said it: ``as_of``); the ``calls`` row is the merge
of those records, recomputed whenever one of them changes:

* records are applied oldest first, so **the newer record wins field by field**;
* an empty field never erases a known one (a source that does not carry budgets says nothing
  about them);
* an excerpt (a text that ends in "…") never replaces a longer text it abbreviates — the
  search API gives the first ~1,100 characters of a topic whose full text the export (or a
  work programme) has;
* of one feed, only the newest record is kept: an older file imported later changes nothing;
* ``as_of`` of the call is its newest record's.

Invariant: the merge depends only on the set of records, never on the order of imports, so
importing A then B gives the same database as B then A, and importing again changes nothing.
What CORDIS said of a call (title, programme) is filled in by its importer where no portal
record speaks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from samverkan.db.engine import aware
from samverkan.db.models import Call, CallSource
from samverkan.importers.base import ImportContext, Upserter, is_empty, replace_non_empty

EXCERPT_ENDS = ("…", "...")
_CHUNK = 500


def merge(records: Iterable[tuple[dt.datetime, str, dict[str, Any]]]) -> dict[str, Any]:
    """The call's fields from its sources' records ``(as_of, feed, fields)``: newer wins field
    by field, empty never erases, an excerpt never replaces the longer text."""
    out: dict[str, Any] = {}
    newest: dt.datetime | None = None
    for as_of, _feed, fields in sorted(records, key=lambda r: (aware(r[0]), r[1])):
        for name, value in fields.items():
            if is_empty(value):
                continue
            if isinstance(value, str) and _abbreviates(value, out.get(name)):
                continue
            out[name] = value
        newest = aware(as_of)
    if newest is not None:
        out["as_of"] = newest
    return out


def _newer(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """Of one feed's records of a call, the one to keep: the same record keeps the time it was
    first seen (``as_of`` is when a source last *changed* what it says of a call, so a sync
    that finds nothing new writes nothing and an undated file imported again does not look
    newer; how recently a source confirmed its data is the source's own date, see
    :mod:`samverkan.catalogue.sources`); of two different records the newer wins (an older
    file imported later changes nothing)."""
    if old is None or old.get("as_of") is None or new.get("as_of") is None:
        return {**(old or {}), **new}
    if old.get("record") == new.get("record"):
        return {**old, **new, "as_of": min(aware(old["as_of"]), aware(new["as_of"]))}
    if aware(old["as_of"]) > aware(new["as_of"]):
        return dict(old)
    return {**old, **new}


def _abbreviates(new: str, old: object) -> bool:
    """``new`` is an excerpt of a longer text we hold already."""
    if not isinstance(old, str) or not new.rstrip().endswith(EXCERPT_ENDS):
        return False
    return len(old) > len(new.rstrip().rstrip(".…"))


class CallMerger:
    """Collects one import's portal records, then writes them and the merged calls.

    Use :meth:`add` per record (inside ``ctx.row`` so a bad or contradictory line is rejected
    with its line), then :meth:`flush` once at the end.
    """

    def __init__(self, ctx: ImportContext) -> None:
        self.ctx = ctx
        self.sources: Upserter = ctx.upserter(CallSource, "call sources", merge=_newer, unique=True)
        self.sources.names = lambda key: ("id", key[0])  # a file lists a call once: by its topic code
        self.calls: Upserter = ctx.upserter(Call, "calls", merge=replace_non_empty)
        self.ids: set[str] = set()

    def add(self, feed: str, as_of: dt.datetime, source_id: str | None, fields: dict[str, Any]) -> None:
        """Queue one source's record of a call, as that source said it at ``as_of``."""
        record = {k: _jsonable(v) for k, v in fields.items() if k != "id"}
        row = {"call_id": fields["id"], "feed": feed, "as_of": as_of, "record": record, "source_id": source_id}
        self.sources.add(row)
        self.ids.add(fields["id"])

    def flush(self) -> None:
        self.sources.flush()
        session = self.ctx.session
        ids = sorted(self.ids)
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            held: dict[str, list[tuple[dt.datetime, str, dict[str, Any]]]] = {}
            rows = session.execute(
                select(CallSource.call_id, CallSource.as_of, CallSource.feed, CallSource.record).where(
                    CallSource.call_id.in_(chunk)
                )
            )
            for call_id, as_of, feed, record in rows:
                held.setdefault(call_id, []).append((as_of, feed, record))
            stored = dict(session.execute(select(Call.id, Call.description).where(Call.id.in_(chunk))).all())
            for call_id in chunk:
                if call_id in held:  # absent: every line of it was rejected
                    self.calls.counts.read += 1
                    fields = _typed(merge(held[call_id]))
                    if _abbreviates(fields.get("description") or "", stored.get(call_id)):
                        del fields["description"]  # the call holds the whole text (a work programme's)
                    self.calls.add({"id": call_id, **fields})
        self.calls.flush()


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


_DATES = ("deadline", "opening")


def _typed(fields: dict[str, Any]) -> dict[str, Any]:
    """Stored JSON back to column values (ISO dates → dates)."""
    out = dict(fields)
    for name in _DATES:
        if isinstance(out.get(name), str):
            out[name] = dt.date.fromisoformat(out[name])
    return out

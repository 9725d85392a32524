"""What an initiative or a focus area could use: open and forthcoming calls, partners, hubs,
platforms and working groups, reusable solutions — each with the reasons search gives.

:meth:`Opportunities.find` is the one place the strategy board and its newsletter ask. It
takes an initiative's published need's own matches (:meth:`Postings.matches`, the same lists
the need's page shows, ``needs`` among them: similar needs of other organisations), and
otherwise searches the catalogue with the text that describes the initiative (its title and
description) or the focus area.

Invariants: calls are those one can still apply to on ``today`` (open first, then
forthcoming), as search's default status gives; an organisation listed in ``exclude`` (the
strategy's own) is never proposed as a partner; a call is ``new`` when it opened after
``since`` (and by today). Answers are cached per text, limit, day and catalogue revision (a new
import or sync changes the revision), so a board asks search once per text.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from samverkan.accounts.actor import Actor
from samverkan.errors import NotFound, QueryError

if TYPE_CHECKING:
    from samverkan.core import Samverkan

GROUPS = {"call": "calls", "organisation": "partners", "hub": "hubs", "platform": "platforms"}
GROUPS |= {"working_group": "platforms", "solution": "solutions"}
KEYS = ("calls", "partners", "hubs", "platforms", "solutions", "needs")
KEEP = (
    "kind", "id", "title", "score", "why", "reasons", "status", "deadline", "opening", "opens_in", "days_left",
    "programme", "country", "city", "region", "region_name", "url", "activity_type", "hub_type", "platform_id",
)  # fmt: skip
MAX_TEXT = 4000  # characters of a description searched (the first of them say what it is about)
CACHED = 512


def empty() -> dict[str, list[dict[str, Any]]]:
    return {key: [] for key in KEYS}


class Opportunities:
    """Matching opportunities for descriptions, cached (see the module's invariants)."""

    def __init__(self, app: Samverkan) -> None:
        self.app = app
        self._cache: OrderedDict[tuple[str, int, str, str], dict[str, list[dict[str, Any]]]] = OrderedDict()
        self._lock = threading.Lock()

    def find(
        self,
        text: str,
        limit: int = 5,
        exclude: Iterable[str] = (),
        since: dt.date | None = None,
        need_id: int | None = None,
    ) -> dict[str, list[dict[str, Any]]]:
        """``{"calls", "partners", "hubs", "platforms", "solutions", "needs"}`` for ``text``, at most
        ``limit`` of each; each a search result (``kind``, ``id``, ``title``, ``score``, ``why``,
        ``reasons`` …) and, for calls, ``new``."""
        text = " ".join(text.split())[:MAX_TEXT]
        if not text or limit < 1:
            return empty()
        excluded = set(exclude)
        found = self._of_need(need_id, limit + len(excluded)) if need_id is not None else None
        if found is None:
            found = self._search(text, limit + len(excluded))
        today = self.app.settings.current_day()
        out = empty()
        for key, results in found.items():
            kept = [r for r in results if not (key == "partners" and r["id"] in excluded)][:limit]
            out[key] = [dict(r, new=_new(r, since, today)) if key == "calls" else dict(r) for r in kept]
        return out

    def _of_need(self, need_id: int, limit: int) -> dict[str, list[dict[str, Any]]] | None:
        """The published need's own matches (None when it is not published: then its text)."""
        try:
            matched = self.app.postings.matches(Actor.public(), "need", need_id, limit)
        except NotFound:
            return None
        return {key: [{k: r[k] for k in KEEP if k in r} for r in matched.get(key, [])] for key in KEYS}

    def _search(self, text: str, limit: int) -> dict[str, list[dict[str, Any]]]:
        today = self.app.settings.current_day().isoformat()
        key = (text, limit, today, self.app.searcher.snapshot().key)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        try:
            answer = self.app.search(text, kind=None, limit=limit)
        except QueryError:  # a text search cannot read (no words, another language): nothing to match
            return empty()
        grouped = empty()
        for result in answer["results"]:
            group = GROUPS.get(result["kind"])
            if group is not None:
                grouped[group].append({k: result[k] for k in KEEP if k in result})
        with self._lock:
            self._cache[key] = grouped
            while len(self._cache) > CACHED:
                self._cache.popitem(last=False)
        return grouped


def _new(call: dict[str, Any], since: dt.date | None, today: dt.date) -> bool:
    opening = call.get("opening")
    if since is None or not opening:
        return False
    return since < dt.date.fromisoformat(opening[:10]) <= today

"""``sync calls``: open and forthcoming topics from the Funding & Tenders portal's search service.

The portal's pages are served by a public search service (SEDIA): a ``POST`` of multipart
form data to ``…/rest/search?apiKey=SEDIA&text=***&pageSize=100&pageNumber=N`` with a
``query`` part (an Elasticsearch-like ``bool``/``terms`` filter on ``type`` — 1 grants,
2 calls for proposals, 8 cascade funding — and ``status`` — 31094501 forthcoming,
31094502 open, 31094503 closed), ``languages`` and ``sort``. It answers ``totalResults`` and
``results``, each with a ``metadata`` object whose every field is a list of strings
(``identifier``, ``title``, ``startDate``, ``deadlineDate``, ``status``, ``frameworkProgramme``
as an id, ``budgetOverview`` and ``actions`` as JSON text, ``descriptionByte`` as HTML …). The
facet service (``…/rest/facet``) names the ids. At most 10,000 results can be paged through
per query; a larger answer is read per programme.

Each result becomes a record in the shape :mod:`samverkan.importers.ft_search` reads (the
shape of the shared feed file), with the topic's whole text and ``snapshot`` = the time of the
sync, and the records are imported as ``calls`` like a file would be.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import math
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

from samverkan.bounds import Unbounded, load_json
from samverkan.sync.fetch import Fetcher, Stage, Unreachable

PAGE_SIZE = 100
WINDOW = 10_000
MAX_PAGES = 500
TYPES = ["1", "2", "8"]
STATUSES = {"31094501": "Forthcoming", "31094502": "Open for submission", "31094503": "Closed"}
WANTED = ["31094501", "31094502"]
RECORDS = "topics.jsonl.gz"


def stage_topics(
    fetcher: Fetcher,
    search_url: str,
    facets_url: str,
    stage: Stage,
    progress: Callable[[int], None] | None = None,
) -> tuple[int, dt.datetime]:
    """Read every open and forthcoming topic into the stage (resuming from pages already
    there) and write them as one JSON-lines file of records; returns (topics, snapshot)."""
    state = stage.read_state()
    if "started" not in state:
        state = {"started": dt.datetime.now(dt.UTC).isoformat()}
        stage.write_state(state)
    snapshot = dt.datetime.fromisoformat(state["started"])
    labels = stage.read_json("facets.json")
    if labels is None:
        labels = _facets(fetcher, facets_url)
        if not labels["frameworkProgramme"] or not labels["status"]:
            raise Unreachable(f"{facets_url}: the answer names no programmes or statuses; is this the portal's facets?")
        stage.write_json("facets.json", labels)
    queries = [_query()]
    first = _page(fetcher, search_url, stage, queries[0], 1)
    if first["totalResults"] > WINDOW:  # read it per programme (numbered from 1: 0 is the whole)
        queries = [_query(programme) for programme in labels["frameworkProgramme"]]
    results: dict[str, dict[str, Any]] = {}
    for number, query in enumerate(queries, start=0 if len(queries) == 1 else 1):
        head = _page(fetcher, search_url, stage, query, 1, number)
        pages = min(math.ceil(head["totalResults"] / PAGE_SIZE), MAX_PAGES)
        for page in range(1, pages + 1):
            answer = head if page == 1 else _page(fetcher, search_url, stage, query, page, number)
            for result in answer.get("results") or []:
                record = record_from_result(result, labels, snapshot)
                if record is not None:
                    results.setdefault(record["identifier"], record)
            if progress:
                progress(1)
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in results.values())
    stage.write_bytes(RECORDS, gzip.compress(lines.encode(), mtime=0))
    return len(results), snapshot


def _query(programme: str | None = None) -> dict[str, Any]:
    must: list[dict[str, Any]] = [{"terms": {"type": TYPES}}, {"terms": {"status": WANTED}}]
    if programme is not None:
        must.append({"terms": {"frameworkProgramme": [programme]}})
    return {"bool": {"must": must}}


def _page(
    fetcher: Fetcher, url: str, stage: Stage, query: dict[str, Any], page: int, number: int = 0
) -> dict[str, Any]:
    name = f"page-{number:03d}-{page:04d}.json"
    saved = stage.read_json(name)
    if saved is not None:
        return saved
    answer = fetcher.post_form(
        f"{url}&text=***&pageSize={PAGE_SIZE}&pageNumber={page}",
        {"query": query, "languages": ["en"], "sort": {"order": "DESC", "field": "startDate"}},
    )
    if not isinstance(answer, dict) or not isinstance(answer.get("totalResults"), int):
        raise Unreachable(f"{url}: the answer has no totalResults; is this the portal's search service?")
    if not isinstance(answer.get("results", []), list):
        raise Unreachable(f"{url}: the answer's results are not a list")
    stage.write_json(name, answer)
    return answer


def _facets(fetcher: Fetcher, url: str) -> dict[str, dict[str, str]]:
    """Names of the ids the search service answers with (programmes, statuses, types)."""
    answer = fetcher.post_form(f"{url}&text=***", {"query": _query(), "languages": ["en"]})
    named: dict[str, dict[str, str]] = {"frameworkProgramme": {}, "status": {}, "type": {}}
    facets = answer.get("facets") if isinstance(answer, dict) else None
    for facet in facets if isinstance(facets, list) else []:
        values = facet.get("values") if isinstance(facet, dict) else None
        if isinstance(facet, dict) and facet.get("name") in named and isinstance(values, list):
            for value in values:
                if isinstance(value, dict) and value.get("rawValue") is not None:
                    named[facet["name"]][str(value["rawValue"])] = str(value.get("value") or value["rawValue"])
    return named


def record_from_result(
    result: dict[str, Any], labels: dict[str, dict[str, str]], snapshot: dt.datetime
) -> dict[str, Any] | None:
    """One search result → a record in the feed's shape; None for a result without a topic code."""
    meta = result.get("metadata") if isinstance(result, dict) else None
    if not isinstance(meta, dict):
        return None
    identifier = _first(meta, "identifier")
    if identifier is None:
        return None
    status_id = _first(meta, "status") or ""
    action = _first_action(_first(meta, "actions"))
    planned = action.get("deadlineDates")
    planned = planned if isinstance(planned, list) else [planned]
    deadlines = _all(meta, "deadlineDate") or [str(d) for d in planned if d]
    return {
        "id": result.get("reference"),
        "identifier": identifier,
        "title": _first(meta, "title") or identifier,
        "url": _first(meta, "url") or result.get("url"),
        "callIdentifier": _first(meta, "callIdentifier"),
        "callTitle": _first(meta, "callTitle"),
        "destination": _first(meta, "destinationDescription"),
        "abstract": html_text(_first(meta, "descriptionByte")),
        "actionType": _first(meta, "typesOfAction"),
        "status": {"id": status_id, "label": labels["status"].get(status_id) or STATUSES.get(status_id, status_id)},
        "startDate": _first(meta, "startDate"),
        "deadlineDate": deadlines if len(deadlines) > 1 else (deadlines[0] if deadlines else None),
        "deadlineModel": action.get("deadlineModel"),
        "frameworkProgrammes": [
            {"id": p, "label": labels["frameworkProgramme"].get(p, p)} for p in _all(meta, "frameworkProgramme")
        ],
        "budget": budget(identifier, _first(meta, "budgetOverview")),
        "snapshot": snapshot.isoformat(),
    }


def budget(identifier: str, overview: str | None) -> dict[str, Any] | None:
    """The topic's budget from the ``budgetOverview`` JSON: its actions' yearly amounts summed,
    grants expected, smallest and largest contribution."""
    parsed = _json(overview)
    by_action = parsed.get("budgetTopicActionMap") if isinstance(parsed, dict) else None
    actions = [
        action
        for listed in (by_action.values() if isinstance(by_action, dict) else [])
        for action in (listed if isinstance(listed, list) else [])
        # "HORIZON-X-01-1 - title": the code before the dash, exactly (not HORIZON-X-01-10's)
        if isinstance(action, dict) and str(action.get("action", "")).split(" - ", 1)[0].strip() == identifier
    ]
    if not actions:
        return None

    def number(value: object) -> float | None:
        try:
            out = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None
        return out if math.isfinite(out) else None

    total = sum(
        number(v) or 0
        for a in actions
        for v in (a["budgetYearMap"].values() if isinstance(a.get("budgetYearMap"), dict) else [])
    )
    grants = sum(number(a.get("expectedGrants")) or 0 for a in actions)
    least = [n for a in actions if (n := number(a.get("minContribution")))]
    most = [n for a in actions if (n := number(a.get("maxContribution")))]
    return {
        "totalBudgetEur": total or None,
        "expectedGrants": int(grants) or None,
        "minContributionEur": min(least) if least else None,
        "maxContributionEur": max(most) if most else None,
    }


class _Text(HTMLParser):
    BREAKS = {"p", "div", "li", "ul", "ol", "br", "h1", "h2", "h3", "h4", "h5", "h6", "tr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_text(markup: str | None) -> str | None:
    """The text of an HTML fragment: paragraphs kept, tags and entities gone."""
    if not markup:
        return None
    parser = _Text()
    parser.feed(markup)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return "\n\n".join(line for line in lines if line) or None


def _first(meta: dict[str, Any], name: str) -> str | None:
    values = _all(meta, name)
    return values[0] if values else None


def _all(meta: dict[str, Any], name: str) -> list[str]:
    value = meta.get(name)
    if isinstance(value, list):
        return [str(v) for v in value if v not in (None, "")]
    return [str(value)] if value not in (None, "") else []


def _json(text: str | None) -> Any:
    """JSON the service sends as text inside a field (budgets, actions), bounded; None if it is not."""
    try:
        return load_json(text, "a field") if text else None
    except Unbounded:
        return None


def _first_action(text: str | None) -> dict[str, Any]:
    parsed = _json(text)
    first = parsed[0] if isinstance(parsed, list) and parsed else None
    return first if isinstance(first, dict) else {}

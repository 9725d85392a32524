"""Search answers stay the same through refactoring: 50 fixed queries on the demo catalogue.

The expected answers (``golden/search-50.json``) were written by the code before the
catalogue snapshot (issue 24) and must only change on purpose: regenerate them with
``python tests/search/test_golden_results.py DB_URL`` (on the demo catalogue, with
``SAMVERKAN_TODAY=2026-08-12``) and say why in the commit.
"""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

GOLDEN = Path(__file__).parent / "golden" / "search-50.json"
NEEDS = Path(__file__).parents[2] / "src" / "samverkan" / "data" / "eval" / "needs_sv.toml"
ENGLISH = [
    "digital twin for water treatment plants",
    "hydrogen valleys and regional energy storage",
    "artificial intelligence for small manufacturing companies",
    "Chalmers",
    "Fraunhofer",
    "KTH Royal Institute of Technology",
    "smart city sensor networks air quality",
    "cybersecurity for hospitals",
    "open data platform for municipalities",
    "circular economy textiles recycling",
    "high performance computing for SMEs",
    "digital skills for teachers",
    "precision farming drones",
    "5G corridors cross-border",
    "climate adaptation flood risk in cities",
    "quantum communication infrastructure",
    "blockchain for supply chains",
    "interoperable public services",
    "battery manufacturing Europe",
    "citizen science for biodiversity",
    "e-health elderly care at home",
    "edge computing robotics",
    "Göteborg innovation hub",
    "semiconductors pilot line",
    "living labs for rural areas",
]


def queries() -> list[str]:
    needs = tomllib.loads(NEEDS.read_text(encoding="utf-8"))["need"]
    return [need["text"] for need in needs[:25]] + ENGLISH


def answers(app: Any) -> list[dict[str, Any]]:
    """Per query: every kind's results as (kind, id, score)."""
    out = []
    for query in queries():
        answer = app.search(query, limit=10)
        out.append({"query": query, "results": [[r["kind"], r["id"], r["score"]] for r in answer["results"]]})
    return out


def test_fifty_queries_answer_as_before(demo_db) -> None:
    from samverkan.core import Samverkan
    from samverkan.settings import load_settings

    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    app = Samverkan(load_settings(db=demo_db.url))
    try:
        got = answers(app)
    finally:
        app.close()
    assert [a["query"] for a in got] == [e["query"] for e in expected]
    for answer, before in zip(got, expected, strict=True):
        same_ranking(answer["results"], before["results"], answer["query"])


TIE = 2e-4  # scores are rounded to 4 decimals; results this close may swap with the floating point of a library


def same_ranking(got: list[list[Any]], before: list[list[Any]], query: str) -> None:
    """The same results with the same scores, in the same order — but two results whose scores
    were within :data:`TIE` of each other may come in either order (a near-tie that a newer numpy
    or BLAS breaks the other way is not a change of the search)."""
    assert [r[0] for r in got] == [r[0] for r in before], query  # the kinds, in order
    assert sorted(tuple(r[:2]) for r in got) == sorted(tuple(r[:2]) for r in before), query
    scores = {tuple(r[:2]): r[2] for r in before}
    place = {tuple(r[:2]): n for n, r in enumerate(before)}
    for kind, record, score in got:
        assert score == pytest.approx(scores[(kind, record)], abs=TIE), (query, kind, record)
    for first, second in zip(got, got[1:], strict=False):
        a, b = tuple(first[:2]), tuple(second[:2])
        if place[a] > place[b]:  # swapped: only allowed for a near-tie
            assert abs(scores[a] - scores[b]) <= TIE, (query, a, b)


if __name__ == "__main__":
    from samverkan.core import Samverkan
    from samverkan.settings import load_settings

    app = Samverkan(load_settings(db=sys.argv[1]))
    GOLDEN.write_text(json.dumps(answers(app), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    app.close()

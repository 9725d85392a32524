"""Benchmark: partner suggestion latency over HTTP, with a popularity baseline in the same run.

Starts ``samverkan serve`` on the given database in a subprocess and asks
``GET /api/v1/partners?call=TOPIC&with=COORDINATOR`` for real (topic, coordinator) pairs of
the catalogue's projects. The baseline, timed in this process on the same history, ranks
organisations by their number of projects under the topic (the evaluation's "topic
popularity"). Prints median and p95; the first request (history build) is excluded.

    python benchmarks/partners_latency.py --db sqlite:///PATH [--queries 200]
"""

from __future__ import annotations

import argparse
import statistics
import time

import httpx2 as httpx
import numpy as np
from search_latency import percentile, served
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from samverkan.db.engine import normalise_url
from samverkan.db.models import Participation, ProjectTopic
from samverkan.match.partners import History, best_first, topic_popularity
from samverkan.search.analysis import Analyzer


def pairs(db: str, n: int) -> tuple[list[tuple[str, str]], History]:
    engine = create_engine(normalise_url(db))
    with Session(engine) as session:
        rows = session.execute(
            select(ProjectTopic.call_id, Participation.organisation_id)
            .join(Participation, Participation.project_id == ProjectTopic.project_id)
            .where(Participation.role == "coordinator")
            .order_by(ProjectTopic.project_id)
        ).all()
        history = History(session, Analyzer())
    engine.dispose()
    step = max(1, len(rows) // n)
    return [tuple(r) for r in rows[::step][:n]], history


def baseline(history: History, call: str) -> list[int]:
    keep = np.ones(len(history), dtype=bool)
    return list(best_first(topic_popularity(history, call), keep, 20))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    asks, history = pairs(args.db, args.queries)
    api, pop = [], []
    with served(args.db) as base, httpx.Client(timeout=120) as client:
        url = base + "/api/v1/partners"
        client.get(url, params={"call": asks[0][0], "with": asks[0][1]})  # not timed
        for call, lead in asks:
            start = time.perf_counter()
            response = client.get(url, params={"call": call, "with": lead, "limit": 20})
            api.append((time.perf_counter() - start) * 1000)
            response.raise_for_status()
            start = time.perf_counter()
            baseline(history, call)
            pop.append((time.perf_counter() - start) * 1000)
    print(f"partners for {len(asks)} (topic, coordinator) pairs on {args.db}; {len(history):,} organisations")
    print(f"{'method':<40}{'median ms':>10}{'p95 ms':>9}")
    print(f"{'topic popularity (in process)':<40}{statistics.median(pop):>10.2f}{percentile(pop, 0.95):>9.2f}")
    print(f"{'GET /api/v1/partners (HTTP)':<40}{statistics.median(api):>10.1f}{percentile(api, 0.95):>9.1f}")


if __name__ == "__main__":
    main()

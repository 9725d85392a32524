"""Benchmark: search latency over HTTP — long (2,000-character) and short queries.

Starts ``samverkan serve`` twice on the given database in a subprocess: once as configured
(hybrid where embeddings are stored) and once with dense retrieval switched off
(``SAMVERKAN_SEARCH_DENSE=0``: the lexical baseline, measured in the same run). Queries are
real texts from the catalogue: project objectives cut to 2,000 characters, and project titles.
Prints median and p95 per query type; the first request (index build) is excluded.

    python benchmarks/search_latency.py --db sqlite:///PATH [--queries 100]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx2 as httpx
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from samverkan.db.engine import normalise_url
from samverkan.db.models import Project


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(db: str, **env: str) -> Iterator[str]:
    """``samverkan serve`` on ``db`` in a subprocess (``env`` added to its environment); yields
    its base URL once it answers and has built its indexes (``/api/v1/health`` says ``warm``)."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "samverkan", "--db", db, "serve", "--port", str(port)],
        env={**os.environ, "OMP_WAIT_POLICY": "passive", **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(3000):
            try:
                if httpx.get(base + "/api/v1/health", timeout=10).json()["warm"]:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None:
                raise RuntimeError(f"samverkan serve exited with status {server.returncode}")
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def texts(db: str, n: int) -> tuple[list[str], list[str]]:
    engine = create_engine(normalise_url(db))
    with Session(engine) as session:
        rows = session.execute(
            select(Project.title, Project.objective).where(Project.objective.is_not(None)).order_by(Project.id).limit(n)
        ).all()
    engine.dispose()
    long = []
    for title, objective in rows:
        text = f"{title}\n{objective}"
        while len(text) < 2000:
            text += "\n" + objective
        long.append(text[:2000])
    return long, [title for title, _ in rows]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(db: str, dense: bool, queries: dict[str, list[str]]) -> dict[str, list[float]]:
    with served(db, SAMVERKAN_SEARCH_DENSE="1" if dense else "0") as base, httpx.Client(timeout=120) as client:
        url = base + "/api/v1/search"
        client.get(url, params={"q": "warm up", "kind": "call", "status": "all"})  # not timed
        out: dict[str, list[float]] = {}
        for name, items in queries.items():
            timings = []
            for q in items:
                start = time.perf_counter()
                response = client.get(url, params={"q": q, "kind": "call", "status": "all"})
                timings.append((time.perf_counter() - start) * 1000)
                response.raise_for_status()
            out[name] = timings
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--queries", type=int, default=100)
    args = parser.parse_args()
    long, short = texts(args.db, args.queries)
    queries = {"2,000-char": long, "short": short}
    print(f"GET /api/v1/search?kind=call&status=all on {args.db}: {len(long)} queries of each type")
    print(f"{'mode':<24}{'query':<12}{'median ms':>10}{'p95 ms':>9}")
    for dense in (False, True):
        label = "hybrid (as configured)" if dense else "lexical only"
        for name, timings in measure(args.db, dense, queries).items():
            print(f"{label:<24}{name:<12}{statistics.median(timings):>10.1f}{percentile(timings, 0.95):>9.1f}")


if __name__ == "__main__":
    main()

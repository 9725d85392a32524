"""Benchmark: the results page for a need — page weight and server time — beside the JSON API
call for the same query, timed in the same run against the same server.

Starts ``samverkan serve`` on the given database in a subprocess and asks, alternately,
``GET /search?q=NEED`` (HTML, every kind grouped) and ``GET /api/v1/search?q=NEED&limit=6``
(what the page needs) for each need; the first round (index builds) is excluded. Page weight is
the HTML plus what it links to (stylesheet, icon), before images — the pages have none; maps
and charts are inline SVG and counted in the HTML.

    python benchmarks/web_results.py --db sqlite:///PATH [--rounds 20]
"""

from __future__ import annotations

import argparse
import re
import statistics
import time

import httpx2 as httpx
from search_latency import percentile, served

NEEDS = [
    "Vi söker partner och finansiering för att använda AI och sensordata i äldreomsorgen i vår kommun",
    "E-hälsa och digitala vårdtjänster på distans för glesbygd",
    "Grön omställning av industrin med vätgas och fossilfri stålproduktion",
    "Kompetensförsörjning inom den marina sektorn och sjöfarten",
    "AI for case handling in public administration",
    "IoT sensors to measure air quality and traffic in the city",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    html: list[float] = []
    api: list[float] = []
    weights: dict[str, int] = {}
    with served(args.db) as base, httpx.Client(base_url=base, timeout=300, headers={"Accept-Language": "sv"}) as client:
        for need in NEEDS:  # warm-up round, not timed
            client.get("/search", params={"q": need})
        for _ in range(args.rounds):
            for need in NEEDS:
                start = time.perf_counter()
                page = client.get("/search", params={"q": need})
                html.append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                answer = client.get("/api/v1/search", params={"q": need, "limit": 6})
                api.append((time.perf_counter() - start) * 1000)
                assert page.status_code == 200 and answer.status_code == 200
                linked = re.findall(r'<link rel="(?:stylesheet|icon)" href="([^"]+)"', page.text)
                extra = sum(len(client.get(href).content) for href in linked)
                weights[need] = len(page.content) + extra
    print(f"needs: {len(NEEDS)} × {args.rounds} rounds, alternating page and API on one server")
    print(f"{'':24}{'median ms':>10}{'p95 ms':>10}")
    print(f"{'results page (HTML)':24}{statistics.median(html):10.1f}{percentile(html, 0.95):10.1f}")
    print(f"{'JSON API, same query':24}{statistics.median(api):10.1f}{percentile(api, 0.95):10.1f}")
    print(f"page / API median ratio: {statistics.median(html) / statistics.median(api):.2f}")
    largest = max(weights.values())
    print(f"page weight before images (HTML + CSS + icon): median {statistics.median(weights.values()) / 1000:.1f} KB,")
    print(f"  largest {largest / 1000:.1f} KB (target ≤ 300 KB); target p95 server time ≤ 400 ms")


if __name__ == "__main__":
    main()

"""Benchmark: full import of a CORDIS CSV folder — time and peak memory.

Baseline, measured in the same run: Python's plain ``csv`` module reading the same files
(no validation, no database). Each measurement runs in a fresh subprocess so that peak
resident memory (ru_maxrss) belongs to it alone; the medians of ``--repeat`` runs are printed.

    python benchmarks/import_cordis.py [PATH] [--repeat 3] [--postgres SERVER_URL]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BASELINE = r"""
import csv, json, resource, sys, time
from pathlib import Path
csv.field_size_limit(1 << 24)
start = time.perf_counter()
rows = 0
for path in sorted(Path(sys.argv[1]).glob("*.csv")):
    with open(path, encoding="utf-8", newline="") as f:
        for _ in csv.reader(f, delimiter=";"):
            rows += 1
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_rss_mib": peak, "rows": rows}))
"""

SAMVERKAN = r"""
import json, resource, sys, time
from samverkan.db import ensure_schema, make_engine
from samverkan.importers import import_source
engine = make_engine(sys.argv[2])
ensure_schema(engine)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
start = time.perf_counter()
report = import_source(engine, "cordis", sys.argv[1])
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
counts = {k: v.read or v.inserted for k, v in report.counts.items()}
print(json.dumps({"seconds": seconds, "peak_rss_mib": peak, "rss_before_import_mib": before, "counts": counts}))
"""


def measure(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default=str(ROOT.parent / "shared" / "data" / "cordis" / "h2020"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", metavar="SERVER_URL", help="also import into fresh databases on this server")
    args = parser.parse_args()
    path = Path(args.path)
    if not path.is_dir():
        sys.exit(f"no such folder: {path}")

    targets = ["sqlite"] + (["postgresql"] if args.postgres else [])
    results: dict[str, list[dict]] = {"csv baseline": []} | {t: [] for t in targets}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeat):
            results["csv baseline"].append(measure(BASELINE, str(path)))
            results["sqlite"].append(measure(SAMVERKAN, str(path), f"sqlite:///{tmp}/bench{i}.sqlite"))
            if args.postgres:
                import psycopg

                name = f"samverkan_bench_{uuid.uuid4().hex[:8]}"
                with psycopg.connect(args.postgres, autocommit=True) as conn:
                    conn.execute(f'CREATE DATABASE "{name}"')
                try:
                    url = args.postgres.rsplit("/", 1)[0] + "/" + name
                    results["postgresql"].append(measure(SAMVERKAN, str(path), url))
                finally:
                    with psycopg.connect(args.postgres, autocommit=True) as conn:
                        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')

    base = statistics.median(r["seconds"] for r in results["csv baseline"])
    print(f"CORDIS import of {path} — median of {args.repeat} runs, each in a fresh process")
    print(f"{'what':<26}{'seconds':>10}{'× csv':>8}{'peak RSS MiB':>14}{'RSS before MiB':>16}")
    for name, runs in results.items():
        seconds = statistics.median(r["seconds"] for r in runs)
        peak = statistics.median(r["peak_rss_mib"] for r in runs)
        before = statistics.median(r.get("rss_before_import_mib", 0) for r in runs)
        label = name if name == "csv baseline" else f"samverkan → {name}"
        print(f"{label:<26}{seconds:>10.2f}{seconds / base:>8.1f}{peak:>14.1f}{before or float('nan'):>16.1f}")
    print(f"csv baseline rows read: {results['csv baseline'][0]['rows']:,}")
    print("samverkan records:", json.dumps(results["sqlite"][0]["counts"]))


if __name__ == "__main__":
    main()

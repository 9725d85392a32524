"""Benchmark: wall time of ``samverkan search`` on the command line, interpreter start included.

Three ways, in the same run, on the same database and query:

- ``no snapshot files`` (the baseline: what every run did before snapshots were kept on disk —
  build every index in the process, ``SAMVERKAN_SNAPSHOT_FILES=false``);
- ``first run`` after the catalogue changed (an empty snapshot folder: the run builds the parts
  and writes them);
- ``later runs`` (the parts are mapped from their files).

Each is run ``--runs`` times (the first two each in a fresh folder); printed: median and
spread, and the ratio of the baseline to later runs. All kinds are searched (the default), as a
user typing a need would.

    python benchmarks/cli_search.py --db sqlite:///PATH [--runs 5] [--query TEXT]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time


def timed(env: dict[str, str], query: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "samverkan.cli", "search", query],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--query", default="digital tvilling för vattenrening i kommuner")
    args = parser.parse_args()
    base = {**os.environ, "SAMVERKAN_DB": args.db}
    times: dict[str, list[float]] = {"no snapshot files": [], "first run": [], "later runs": []}
    with tempfile.TemporaryDirectory() as kept:
        timed({**base, "SAMVERKAN_SNAPSHOT_DIR": kept}, args.query)  # the folder the later runs read
        for _ in range(args.runs):
            times["no snapshot files"].append(timed({**base, "SAMVERKAN_SNAPSHOT_FILES": "false"}, args.query))
            with tempfile.TemporaryDirectory() as fresh:
                times["first run"].append(timed({**base, "SAMVERKAN_SNAPSHOT_DIR": fresh}, args.query))
            times["later runs"].append(timed({**base, "SAMVERKAN_SNAPSHOT_DIR": kept}, args.query))
    print(f"samverkan search, all kinds, {args.runs} runs each, interleaved")
    print(f"{'':20}{'median s':>10}{'min s':>8}{'max s':>8}")
    for name, values in times.items():
        print(f"{name:20}{statistics.median(values):10.2f}{min(values):8.2f}{max(values):8.2f}")
    ratio = statistics.median(times["no snapshot files"]) / statistics.median(times["later runs"])
    print(f"baseline / later runs (medians): {ratio:.1f}×")


if __name__ == "__main__":
    main()

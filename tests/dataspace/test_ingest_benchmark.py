"""The ingest benchmark still runs (on a few small batches) and prints its figures: the
throughput claims in the notes come from it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "ingest.py"


def test_the_ingest_benchmark_prints_both_rates_and_their_ratio(request):
    if request.config.getoption("--postgres"):
        pytest.skip("the benchmark measures the embedded SQLite default; run once, in the SQLite pass")
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--batch", "300", "--batches", "3", "--messages", "0", "--rows", "0"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert re.search(r"benchmark and server on CPU \d+", done.stdout)
    figures = {
        name: float(value.replace(",", ""))
        for name, value in re.findall(
            r"^  (plain sqlite3 executemany|HTTP CreateObservations|ratio HTTP / plain)(?: \(FULL\))?\s+([\d,.]+)$",
            done.stdout,
            re.M,
        )
    }
    assert set(figures) == {"plain sqlite3 executemany", "HTTP CreateObservations", "ratio HTTP / plain"}
    ratio = figures["HTTP CreateObservations"] / figures["plain sqlite3 executemany"]
    assert figures["ratio HTTP / plain"] == pytest.approx(ratio, abs=0.006)

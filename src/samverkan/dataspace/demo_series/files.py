"""Reading the bundled files: gzip-compressed CSV, rows and first rows, numbers with a decimal
comma, and series parsed only when first read, sorted, one observation per time."""

from __future__ import annotations

import csv
import gzip
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import IO, Any

from samverkan.dataspace.demo_series.series import Observations


def open_csv(path: Path) -> IO[str]:
    """A text stream over a gzip-compressed CSV, with any UTF-8 BOM removed."""
    return gzip.open(path, "rt", encoding="utf-8-sig", newline="")


def rows(path: Path) -> Iterator[dict[str, str]]:
    """The rows of a comma-separated file with a header line."""
    with open_csv(path) as stream:
        yield from csv.DictReader(stream)


def first_rows(path: Path, count: int) -> list[dict[str, str]]:
    """The first ``count`` data rows of a comma-separated file with a header line."""
    with open_csv(path) as stream:
        return list(islice(csv.DictReader(stream), count))


def first_per_time(pairs: Iterable[tuple[datetime, float]]) -> list[tuple[datetime, float]]:
    """The observations sorted by time, keeping the first (in source order) of those sharing a time."""
    seen: dict[datetime, float] = {}
    for when, value in pairs:
        seen.setdefault(when, value)
    return sorted(seen.items())


def lazy(parse: Callable[..., Iterable[tuple[datetime, float]]], *args: Any) -> Observations:
    """An ``observations`` callable that parses only when its iterator is first advanced."""

    def observations() -> Iterator[tuple[datetime, float]]:
        yield from first_per_time(parse(*args))

    return observations


def number(text: str) -> float | None:
    """A numeric value, or None for an empty field; accepts a decimal comma."""
    text = text.strip()
    if not text:
        return None
    return float(text.replace(",", "."))

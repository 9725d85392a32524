"""Observations going out: a datastream's raw observations read in chunks, oldest first, and
written as CSV or Apache Parquet; aggregate buckets as CSV."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from samverkan.dataspace.times import format_ms
from samverkan.db import dataspace as t

EXPORT_COLUMNS = ("id", "phenomenonTime", "phenomenonTimeEnd", "resultTime", "result", "FeatureOfInterest")
BUCKET_COLUMNS = ("start", "count", "min", "max", "mean")


def _in_range(datastream: int, start: int | None, end: int | None) -> list[Any]:
    where = [t.Observation.datastream_id == datastream]
    if start is not None:
        where.append(t.Observation.phenomenon_time >= start)
    if end is not None:
        where.append(t.Observation.phenomenon_time < end)
    return where


def count(session: Session, datastream: int, start: int | None, end: int | None) -> int:
    """How many observations a datastream has in [start, end)."""
    query = select(func.count()).select_from(t.Observation).where(*_in_range(datastream, start, end))
    return session.execute(query).scalar_one()


def export_chunk(
    session: Session, datastream: int, start: int | None, end: int | None, after: int | None, limit: int
) -> list[tuple[Any, ...]]:
    """Up to ``limit`` observations in [start, end) after phenomenonTime ``after``, oldest first:
    (id, phenomenon_time, phenomenon_time_end, result_time, result, result_json, feature_id)."""
    o = t.Observation
    where = _in_range(datastream, start, end)
    if after is not None:
        where.append(o.phenomenon_time > after)
    query = (
        select(o.id, o.phenomenon_time, o.phenomenon_time_end, o.result_time, o.result, o.result_json, o.feature_id)
        .where(*where)
        .order_by(o.phenomenon_time)
        .limit(limit)
    )
    return [tuple(row) for row in session.execute(query)]


def csv_line(row: tuple[Any, ...]) -> str:
    """One exported observation as a CSV line (RFC 4180: a field with a comma, quote or line
    break is quoted). A numeric result is written as a number, a text as itself, anything else
    (true/false, an object) as JSON."""
    ident, start, end, result_time, number, other, feature = row
    if number is not None:
        result = repr(number)
    elif other is None:
        result = ""
    else:
        text = other if isinstance(other, str) else json.dumps(other, ensure_ascii=False)
        result = '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\r\n') else text
    # a stored time outside years 1 … 9999 (see format_ms) is exported as unknown, not as a failure
    fields = (
        str(ident),
        format_ms(start) or "",
        format_ms(end) or "",
        format_ms(result_time) or "",
        result,
        str(feature),
    )
    return ",".join(fields) + "\n"


def write_parquet(target: BinaryIO, chunks: Iterable[list[tuple[Any, ...]]], about: dict[str, str]) -> int:
    """Exported observations (chunks of :func:`export_chunk` rows) as Apache Parquet, one row
    group per chunk, compressed with zstd. Times are UTC timestamps in milliseconds; a numeric
    result is in ``result``, any other in ``resultJson`` as JSON text. ``about`` (datastream,
    name, unit, window) goes into the file's key-value metadata. Returns the number of rows."""
    import pyarrow as pa  # only exports need it
    import pyarrow.parquet as pq

    moment = pa.timestamp("ms", tz="UTC")
    schema = pa.schema(
        [
            pa.field("id", pa.int64(), nullable=False),
            pa.field("phenomenonTime", moment, nullable=False),
            pa.field("phenomenonTimeEnd", moment),
            pa.field("resultTime", moment),
            pa.field("result", pa.float64()),
            pa.field("resultJson", pa.string()),
            pa.field("FeatureOfInterest", pa.int64(), nullable=False),
        ],
        metadata={f"samverkan.{key}": value for key, value in about.items()},
    )
    written = 0
    with pq.ParquetWriter(target, schema, compression="zstd") as writer:
        for rows in chunks:
            columns: list[Sequence[Any]] = list(zip(*rows, strict=True))
            columns[5] = [None if value is None else json.dumps(value, ensure_ascii=False) for value in columns[5]]
            writer.write_table(pa.Table.from_arrays(list(map(pa.array, columns, schema.types)), schema=schema))
            written += len(rows)
    return written


def buckets_csv(buckets: list[dict[str, Any]]) -> str:
    """Aggregate buckets (as :meth:`DataSpace.aggregate` answers them) as CSV."""
    lines = [",".join(BUCKET_COLUMNS)]
    lines += [f"{b['start']},{b['count']},{b['min']!r},{b['max']!r},{b['mean']!r}" for b in buckets]
    return "\n".join(lines) + "\n"

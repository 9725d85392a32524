"""Hourly roll-ups of numeric results (count, sum, minimum, maximum per datastream and hour),
kept as observations are written and deleted, and the aggregates read from them.

A batch whose observations were all new is added to the roll-ups by upsert (counts and sums
add up, minima and maxima combine), so two writers of the same hour on PostgreSQL both count;
anything else — retries, deletes, changes — recounts the hours it touched from the stored
observations, which is idempotent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from itertools import chain, compress, repeat
from operator import attrgetter, ne
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from samverkan.dataspace.observations.rows import Plain, Row
from samverkan.dataspace.observations.statements import bucket_sql, insert_rows, is_sqlite, placeholder
from samverkan.dataspace.times import HOUR, floor_to
from samverkan.db import dataspace as t


def add_to_rollups(session: Session, rows: Sequence[Row], blocks: Sequence[Plain] = ()) -> None:
    """Add new observations to the roll-ups of their hours (count, sum, minimum, maximum of
    the numeric results). Only for observations that were all new: anything else is
    recomputed by :func:`refresh_rollups`. Concurrent writers add up (each upsert locks its row)."""
    values = list(map(attrgetter("result"), rows))
    if None in values:  # text and other results are not rolled up
        rows = list(compress(rows, map(ne, values, repeat(None))))
        values = list(map(attrgetter("result"), rows))
    numeric = len(values)  # rows with a numeric result
    streams = np.concatenate(
        [np.fromiter(map(attrgetter("datastream_id"), rows), np.int64, numeric)]
        + [np.full(len(block.times), block.datastream, np.int64) for block in blocks]
    )
    moments = np.fromiter(map(attrgetter("phenomenon_time"), rows), np.int64, numeric)
    hours = np.concatenate([moments] + [block.times for block in blocks])
    hours -= hours % HOUR  # floor_to(time, HOUR), also before 1970
    results = np.concatenate([np.fromiter(values, np.float64, numeric)] + [block.results for block in blocks])
    n = len(results)
    if not n:
        return
    ordered = (streams[1:] > streams[:-1]) | ((streams[1:] == streams[:-1]) & (hours[1:] >= hours[:-1]))
    if not ordered.all():  # rows mostly come in time order; a stable sort keeps each hour's order
        order = np.lexsort((hours, streams))
        streams, hours, results = streams[order], hours[order], results[order]
    starts = np.flatnonzero(np.concatenate(([True], (streams[1:] != streams[:-1]) | (hours[1:] != hours[:-1]))))
    figures = zip(
        streams[starts].tolist(),
        hours[starts].tolist(),
        np.diff(starts, append=n).tolist(),
        np.add.reduceat(results, starts).tolist(),
        np.minimum.reduceat(results, starts).tolist(),
        np.maximum.reduceat(results, starts).tolist(),
        strict=True,
    )
    least, greatest = ("min", "max") if is_sqlite(session) else ("least", "greatest")
    insert_rows(  # one row per (datastream, hour): an upsert touches each existing row once
        session,
        "INSERT INTO ds_rollups (datastream_id, hour, count, total, minimum, maximum)",
        6,
        list(chain.from_iterable(figures)),
        "ON CONFLICT (datastream_id, hour) DO UPDATE SET "
        "count = ds_rollups.count + excluded.count, total = ds_rollups.total + excluded.total, "
        f"minimum = {least}(ds_rollups.minimum, excluded.minimum), "
        f"maximum = {greatest}(ds_rollups.maximum, excluded.maximum)",
    )


def touched_hours(rows: Sequence[Row], blocks: Sequence[Plain] = ()) -> dict[int, set[int]]:
    """Per datastream, the hours that these observations fall in."""
    hours: dict[int, set[int]] = defaultdict(set)
    for datastream, hour in {(row.datastream_id, floor_to(row.phenomenon_time, HOUR)) for row in rows}:
        hours[datastream].add(hour)
    for block in blocks:
        hours[block.datastream].update(np.unique(block.times - block.times % HOUR).tolist())
    return hours


def hours_of(session: Session, where: Any) -> dict[int, set[int]]:
    """Per datastream, the hours holding the observations that ``where`` selects (before a delete)."""
    out: dict[int, set[int]] = defaultdict(set)
    query = select(t.Observation.datastream_id, t.Observation.phenomenon_time).where(where)
    for datastream, moment in session.execute(query):
        out[datastream].add(floor_to(moment, HOUR))
    return out


def runs(hours: Iterable[int]) -> list[tuple[int, int]]:
    """Touched hours as [start, end) runs of consecutive hours."""
    out: list[list[int]] = []
    for hour in sorted(hours):
        if out and out[-1][1] == hour:
            out[-1][1] = hour + HOUR
        else:
            out.append([hour, hour + HOUR])
    return [(a, b) for a, b in out]


def refresh_hours(session: Session, hours: Mapping[int, Iterable[int]]) -> None:
    """:func:`refresh_rollups` of each datastream's hours."""
    for datastream, touched in hours.items():
        refresh_rollups(session, datastream, touched)


def refresh_rollups(session: Session, datastream: int, hours: Iterable[int]) -> None:
    """Recompute the roll-ups of the given hours from the stored observations (idempotent, so
    duplicates and deletions need no special care). The upsert lets a concurrent writer's row
    for the same hour, committed meanwhile, be replaced by the recount, which includes it."""
    p = placeholder(session)
    spans = [(datastream, a, b) for a, b in runs(hours)]
    if not spans:
        return
    connection = session.connection()
    connection.exec_driver_sql(
        f"DELETE FROM ds_rollups WHERE datastream_id = {p} AND hour >= {p} AND hour < {p}", spans
    )
    bucket = bucket_sql(session, "phenomenon_time", HOUR)
    connection.exec_driver_sql(
        "INSERT INTO ds_rollups (datastream_id, hour, count, total, minimum, maximum) "
        f"SELECT datastream_id, {bucket}, count(result), sum(result), min(result), max(result) "
        f"FROM ds_observations WHERE datastream_id = {p} AND phenomenon_time >= {p} AND phenomenon_time < {p} "
        f"AND result IS NOT NULL GROUP BY datastream_id, {bucket} "
        "ON CONFLICT (datastream_id, hour) DO UPDATE SET count = excluded.count, total = excluded.total, "
        "minimum = excluded.minimum, maximum = excluded.maximum",
        spans,
    )


def aggregate(
    session: Session, datastream: int, step: int, start: int | None, end: int | None, raw: bool
) -> list[dict[str, Any]]:
    """Count, minimum, maximum and mean of numeric results per ``step`` ms (buckets aligned to
    the epoch in UTC). Whole hours come from the roll-ups; finer steps read raw observations."""
    p = placeholder(session)
    if step % HOUR == 0:
        table, time, counted = "ds_rollups", "hour", ("sum(count)", "sum(total)", "min(minimum)", "max(maximum)")
    else:
        if not raw:  # pragma: no cover - callers check the level first
            raise PermissionError("raw observations")
        table, time, counted = (
            "ds_observations",
            "phenomenon_time",
            (
                "count(result)",
                "sum(result)",
                "min(result)",
                "max(result)",
            ),
        )
    where = [f"datastream_id = {p}"]
    params: list[Any] = [datastream]
    if start is not None:  # whole buckets: from is rounded down, to up
        where.append(f"{time} >= {p}")
        params.append(floor_to(start, step))
    if end is not None:
        where.append(f"{time} < {p}")
        params.append(-floor_to(-end, step))
    if table == "ds_observations":
        where.append("result IS NOT NULL")
    bucket = bucket_sql(session, time, step)
    sql = (
        f"SELECT {bucket} AS bucket, {', '.join(counted)} FROM {table} WHERE {' AND '.join(where)} "
        f"GROUP BY bucket ORDER BY bucket"
    )
    out = []
    for bucket_start, count, total, low, high in session.connection().exec_driver_sql(sql, tuple(params)):
        out.append({"start": bucket_start, "count": count, "min": low, "max": high, "mean": total / count})
    return out

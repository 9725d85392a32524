"""Writing observations in batches, keeping hourly roll-ups, and aggregate reads.

Every write path — one Observation, a ``CreateObservations`` batch, an MQTT message — ends in
:func:`store`: one transaction inserts the rows (a retried observation, same datastream and
phenomenonTime, is recognised and skipped), checks once per batch that their datastreams and
features exist, adds them to the hourly roll-ups (or recounts the hours they touched when some
were retries) and notes the features of interest. The caller commits, then acknowledges: what
was acknowledged is committed.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import chain, compress, repeat
from operator import attrgetter, itemgetter, mul, ne
from typing import Any, BinaryIO, NamedTuple

import numpy as np
from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from samverkan.bounds import DEFAULT_LIMITS, INT32_MAX, MAX_MS, MIN_MS, Limits, check_id
from samverkan.dataspace.model import EntityError, format_ms, json_type, number_result, read_interval, read_time
from samverkan.db import dataspace as t

HOUR = 3_600_000
DAY = 24 * HOUR
MAX_EXACT = 2**53  # integers a float holds exactly
PLAIN = {"phenomenonTime", "result"}  # the dataArray components read in one tight loop


class Row(NamedTuple):
    """One observation ready to store, in the column order of :data:`COLUMNS`: times in ms since
    the epoch, JSON members (``result_json``, ``result_quality``, ``parameters``) as JSON text.
    Being a tuple, it goes to the database driver as it is."""

    datastream_id: int
    phenomenon_time: int
    result: float | None
    feature_id: int | None = None
    result_json: str | None = None
    phenomenon_time_end: int | None = None
    result_time: int | None = None
    result_quality: str | None = None
    valid_time_start: int | None = None
    valid_time_end: int | None = None
    parameters: str | None = None


COLUMNS = Row._fields


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def floor_to(ms: int, step: int) -> int:
    """The start of the ``step``-long bucket holding ``ms`` (also before 1970)."""
    return ms - ms % step


def _sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _bucket_sql(session: Session, column: str, step: int) -> str:
    # SQL's % keeps the dividend's sign (SQLite and PostgreSQL): make it a floor for old times;
    # psycopg reads a lone % as a placeholder, so it is doubled there
    mod = "%" if _sqlite(session) else "%%"
    return f"({column} - ((({column} {mod} {step}) + {step}) {mod} {step}))"


def _param(session: Session) -> str:
    return "?" if _sqlite(session) else "%s"


PlainRow = tuple[int, int, float, int]  # the leading columns of a Row: the others are NULL
PLAIN_WIDTH = 4


class Plain(NamedTuple):
    """Observations of one datastream and feature with instant phenomenonTimes, numeric results
    and nothing else (what a plain ``dataArray`` holds), as columns: stored without a Python
    object per observation. Equivalent to :meth:`rows`."""

    datastream: int
    feature: int
    times: np.ndarray  # int64, ms since the epoch
    results: np.ndarray  # float64, finite

    def rows(self) -> list[PlainRow]:
        return list(zip(repeat(self.datastream), self.times.tolist(), self.results.tolist(), repeat(self.feature)))

    def values(self) -> list[Any]:
        """The rows' values one after the other, as :func:`insert_rows` binds them."""
        flat = [self.datastream, 0, 0.0, self.feature] * len(self.times)
        flat[1::PLAIN_WIDTH] = self.times.tolist()
        flat[2::PLAIN_WIDTH] = self.results.tolist()
        return flat


class Vanished(EntityError):
    """A batch names a datastream or feature of interest that was deleted meanwhile."""


def store(session: Session, rows: Sequence[Row | PlainRow] = (), blocks: Sequence[Plain] = ()) -> int:
    """Insert observations (skipping ones already stored), check that their datastreams and
    features still exist, bring the roll-ups of the hours they touch up to date and note their
    features. Returns how many observations were new. Does not commit.

    A row is a :class:`Row`, or a :data:`PlainRow` (datastream, phenomenonTime, numeric result,
    feature): most observations have nothing else, and binding the empty columns would cost
    as much as the rest of the insert. ``blocks`` hold more such observations as columns. The
    plain rows are inserted first, then the other rows, then the blocks, each in the order given."""
    total = len(rows) + sum(len(block.times) for block in blocks)
    if not total:
        return 0
    inserted: int | None = 0
    plain = list(compress(rows, map(PLAIN_WIDTH.__eq__, map(len, rows))))
    full = [r for r in rows if len(r) != PLAIN_WIDTH] if len(plain) < len(rows) else []
    parts = [(PLAIN_WIDTH, list(chain.from_iterable(plain))), (len(COLUMNS), list(chain.from_iterable(full)))]
    parts += [(PLAIN_WIDTH, block.values()) for block in blocks]
    for width, values in parts:
        if not values:
            continue
        count = insert_rows(
            session,
            f"INSERT INTO ds_observations ({', '.join(COLUMNS[:width])})",
            width,
            values,
            "ON CONFLICT (datastream_id, phenomenon_time) DO NOTHING",
        )
        inserted = inserted + count if count is not None and inserted is not None else None
    adopt(session, set(map(itemgetter(0, 3), rows)) | {(block.datastream, block.feature) for block in blocks})
    if inserted == total:
        add_to_rollups(session, rows, blocks)  # all new: the roll-ups grow by exactly these rows
    else:
        hours: dict[int, set[int]] = defaultdict(set)
        for datastream, hour in {(r[0], floor_to(r[1], HOUR)) for r in rows}:
            hours[datastream].add(hour)
        for block in blocks:
            hours[block.datastream].update(np.unique(block.times - block.times % HOUR).tolist())
        for datastream, touched in hours.items():
            refresh_rollups(session, datastream, touched)
    return total if inserted is None else inserted


# rows per INSERT statement: a batch is cut into statements of these sizes (largest first), so
# that only a few distinct statements are ever prepared and the drivers' caches keep them
STATEMENT_ROWS = (512, 64, 8, 1)
POSTGRES_MOST_VALUES = 65_535  # bound values per statement (the protocol counts them in 16 bits)


def insert_rows(session: Session, head: str, width: int, values: list[Any], tail: str = "") -> int | None:
    """Run ``{head} VALUES (…), (…), … {tail}`` for rows of ``width`` values given one after
    the other in ``values``, with many rows per statement, in the order given. Returns how many
    rows the statements inserted (None if the driver cannot tell).

    Why not ``executemany``: it binds, steps and resets a one-row statement per row, and on
    SQLite that overhead costs more than the insert itself; a 512-row statement does the same
    work about 2.5 times as fast (10,000 rows in 15 ms instead of 40 ms on the benchmark
    machine, commit included). Each row still becomes its own row in the table, inserted in
    the order of the VALUES list: :func:`store_identified` relies on that order for the ids."""
    raw = session.connection().connection.dbapi_connection  # many values: no wrapping
    assert raw is not None
    most = POSTGRES_MOST_VALUES
    if _sqlite(session):  # 32,766 since SQLite 3.32, 999 before; builds may set another
        most = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    cursor = raw.cursor()
    p = _param(session)
    one = f"({', '.join([p] * width)})"
    inserted: int | None = 0
    try:
        at, end = 0, len(values)
        for size in (size for size in STATEMENT_ROWS if size * width <= most or size == 1):
            statement = f"{head} VALUES {', '.join([one] * size)} {tail}"
            step = size * width
            while end - at >= step:
                cursor.execute(statement, values[at : at + step])
                at += step
                known = cursor.rowcount is not None and cursor.rowcount >= 0
                inserted = inserted + cursor.rowcount if known and inserted is not None else None
    finally:
        cursor.close()
    return inserted


def adopt(session: Session, pairs: set[tuple[int, int]]) -> None:
    """For observations just written with these (datastream, feature) pairs: check that the
    parents exist (:func:`check_parents`) and note which features each datastream's
    observations refer to (what :func:`of_features` finds them by)."""
    check_parents(session, {d for d, _ in pairs}, {f for _, f in pairs})
    p = _param(session)
    session.connection().exec_driver_sql(
        f"INSERT INTO ds_datastream_features (datastream_id, feature_id) VALUES ({p}, {p}) ON CONFLICT DO NOTHING",
        sorted(pairs),
    )


def of_features(features: Any) -> ColumnElement[bool]:
    """The observations of the features of interest ``features`` (ids, or a query of ids),
    found through the datastreams that refer to them (their unique key is indexed;
    ``feature_id`` alone is not)."""
    streams = select(t.DatastreamFeature.datastream_id).where(t.DatastreamFeature.feature_id.in_(features))
    return and_(t.Observation.datastream_id.in_(streams), t.Observation.feature_id.in_(features))


def check_parents(session: Session, datastreams: set[int], features: set[Any]) -> None:
    """Every datastream and feature a batch names still exists. Called after the insert, so
    inside the write transaction: SQLite has one writer at a time; on PostgreSQL the rows are
    locked as a foreign key would lock them (``FOR KEY SHARE``), so a concurrent delete either
    happened before (and the batch is refused) or waits for this transaction and then removes
    its observations too (:meth:`samverkan.dataspace.write.Writer.delete`)."""
    for model, ids, label in (
        (t.Datastream, datastreams, "Datastream"),
        (t.FeatureOfInterest, features, "FeatureOfInterest"),
    ):
        query = select(model.id).where(model.id.in_(sorted(ids)))  # no NULLs: the insert refuses them
        if not _sqlite(session):
            query = query.with_for_update(read=True, key_share=True)
        missing = sorted(ids - set(session.scalars(query)))
        if missing:
            raise Vanished(f"{label} {missing[0]} does not exist (any more); nothing was stored")


def add_to_rollups(session: Session, rows: Sequence[Row | PlainRow], blocks: Sequence[Plain] = ()) -> None:
    """Add new observations to the roll-ups of their hours (count, sum, minimum, maximum of
    the numeric results). Only for rows that were all new: anything else is recomputed by
    :func:`refresh_rollups`. Concurrent writers add up (each upsert locks its row)."""
    values = list(map(itemgetter(2), rows))
    if None in values:  # text and other results are not rolled up
        rows = list(compress(rows, map(ne, values, repeat(None))))
        values = list(map(itemgetter(2), rows))
    numeric = len(values)  # rows with a numeric result
    streams = np.concatenate(
        [np.fromiter(map(itemgetter(0), rows), np.int64, numeric)]
        + [np.full(len(block.times), block.datastream, np.int64) for block in blocks]
    )
    hours = np.concatenate([np.fromiter(map(itemgetter(1), rows), np.int64, numeric)] + [b.times for b in blocks])
    hours -= hours % HOUR  # floor_to(time, HOUR), also before 1970
    results = np.concatenate([np.fromiter(values, np.float64, numeric)] + [b.results for b in blocks])
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
    least, greatest = ("min", "max") if _sqlite(session) else ("least", "greatest")
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


def store_identified(session: Session, rows: Sequence[Row | PlainRow] = (), blocks: Sequence[Plain] = ()) -> list[int]:
    """:func:`store`, then the id of every observation (new, or stored before): the rows' in
    the given order, then the blocks'.

    On SQLite, when every row was new and the table's high-water mark grew by exactly their
    number, the ids are known without reading them back: within the write transaction nobody
    else inserts, and SQLite (AUTOINCREMENT) gives each new row the largest id ever handed out
    plus one, so the rows got the next ids in the order they were inserted (the plain rows
    first, see :func:`store`)."""
    sqlite = _sqlite(session)
    connection = session.connection()
    largest = "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'ds_observations'), 0)"
    before = connection.exec_driver_sql(largest).scalar_one() if sqlite else None
    new = store(session, rows, blocks)
    total = len(rows) + sum(len(block.times) for block in blocks)
    if before is not None and new == total and connection.exec_driver_sql(largest).scalar_one() == before + new:
        plain = sum(map(PLAIN_WIDTH.__eq__, map(len, rows)))
        if plain in (0, len(rows)):  # the rows all of one kind, then the blocks: in the order given
            return list(range(before + 1, before + new + 1))
        next_plain, next_full = (
            iter(range(before + 1, before + plain + 1)),
            iter(range(before + plain + 1, before + new + 1)),
        )
        ids = [next(next_plain) if len(r) == PLAIN_WIDTH else next(next_full) for r in rows]
        return ids + list(range(before + len(rows) + 1, before + new + 1))
    keys = [(r[0], r[1]) for r in rows]
    for block in blocks:
        keys += zip(repeat(block.datastream), block.times.tolist())
    return ids_of(session, keys)


def ids_of(session: Session, keys: Sequence[tuple[int, int]]) -> list[int]:
    """The ids of stored observations given as (datastream, phenomenonTime), in order."""
    spans: dict[int, tuple[int, int]] = {}
    for datastream, moment in keys:
        low, high = spans.get(datastream, (moment, moment))
        spans[datastream] = (min(low, moment), max(high, moment))
    p = _param(session)
    found: dict[int, dict[int, int]] = {}
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    cursor = raw.cursor()  # many rows: no wrapping
    try:
        for datastream, (low, high) in spans.items():
            cursor.execute(
                f"SELECT phenomenon_time, id FROM ds_observations "
                f"WHERE datastream_id = {p} AND phenomenon_time >= {p} AND phenomenon_time <= {p}",
                (datastream, low, high),
            )
            found[datastream] = dict(cursor.fetchall())
    finally:
        cursor.close()
    return [found[datastream][moment] for datastream, moment in keys]


def runs(hours: Iterable[int]) -> list[tuple[int, int]]:
    """Touched hours as [start, end) runs of consecutive hours."""
    out: list[list[int]] = []
    for hour in sorted(hours):
        if out and out[-1][1] == hour:
            out[-1][1] = hour + HOUR
        else:
            out.append([hour, hour + HOUR])
    return [(a, b) for a, b in out]


def refresh_rollups(session: Session, datastream: int, hours: Iterable[int]) -> None:
    """Recompute the roll-ups of the given hours from the stored observations (idempotent, so
    duplicates and deletions need no special care). The upsert lets a concurrent writer's row
    for the same hour, committed meanwhile, be replaced by the recount, which includes it."""
    p = _param(session)
    spans = [(datastream, a, b) for a, b in runs(hours)]
    if not spans:
        return
    connection = session.connection()
    connection.exec_driver_sql(
        f"DELETE FROM ds_rollups WHERE datastream_id = {p} AND hour >= {p} AND hour < {p}", spans
    )
    bucket = _bucket_sql(session, "phenomenon_time", HOUR)
    connection.exec_driver_sql(
        "INSERT INTO ds_rollups (datastream_id, hour, count, total, minimum, maximum) "
        f"SELECT datastream_id, {bucket}, count(result), sum(result), min(result), max(result) "
        f"FROM ds_observations WHERE datastream_id = {p} AND phenomenon_time >= {p} AND phenomenon_time < {p} "
        f"AND result IS NOT NULL GROUP BY datastream_id, {bucket} "
        "ON CONFLICT (datastream_id, hour) DO UPDATE SET count = excluded.count, total = excluded.total, "
        "minimum = excluded.minimum, maximum = excluded.maximum",
        spans,
    )


def hours_of(session: Session, where: Any) -> dict[int, set[int]]:
    """Per datastream, the hours holding the observations that ``where`` selects (before a delete)."""
    out: dict[int, set[int]] = defaultdict(set)
    query = select(t.Observation.datastream_id, t.Observation.phenomenon_time).where(where)
    for datastream, moment in session.execute(query):
        out[datastream].add(floor_to(moment, HOUR))
    return out


def aggregate(
    session: Session, datastream: int, step: int, start: int | None, end: int | None, raw: bool
) -> list[dict[str, Any]]:
    """Count, minimum, maximum and mean of numeric results per ``step`` ms (buckets aligned to
    the epoch in UTC). Whole hours come from the roll-ups; finer steps read raw observations."""
    p = _param(session)
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
    bucket = _bucket_sql(session, time, step)
    sql = (
        f"SELECT {bucket} AS bucket, {', '.join(counted)} FROM {table} WHERE {' AND '.join(where)} "
        f"GROUP BY bucket ORDER BY bucket"
    )
    out = []
    for bucket_start, count, total, low, high in session.connection().exec_driver_sql(sql, tuple(params)):
        out.append({"start": bucket_start, "count": count, "min": low, "max": high, "mean": total / count})
    return out


# -- export ------------------------------------------------------------------------------------

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
            columns[5] = [None if value is None else _json(value) for value in columns[5]]
            writer.write_table(pa.Table.from_arrays(list(map(pa.array, columns, schema.types)), schema=schema))
            written += len(rows)
    return written


def buckets_csv(buckets: list[dict[str, Any]]) -> str:
    """Aggregate buckets (as :meth:`DataSpace.aggregate` answers them) as CSV."""
    lines = [",".join(BUCKET_COLUMNS)]
    lines += [f"{b['start']},{b['count']},{b['min']!r},{b['max']!r},{b['mean']!r}" for b in buckets]
    return "\n".join(lines) + "\n"


# -- CreateObservations (dataArray) ---------------------------------------------------------------

COMPONENTS = {
    "phenomenonTime",
    "resultTime",
    "result",
    "resultQuality",
    "validTime",
    "parameters",
    "FeatureOfInterest/id",
}


def read_plain_rows(
    datastream: int, components: list[str], data: list[Any], default_time: int, feature: int
) -> Plain | None:
    """The common ``dataArray`` — numeric results, with or without instant phenomenonTimes —
    read column by column with C-level loops (``map``, ``set``). Returns None if any row
    is anything else (or invalid), for :func:`read_row` to read every row and name the problem.
    Accepts exactly what :func:`read_row` accepts for such rows and makes the same rows
    (:meth:`Plain.rows`)."""
    if not set(components) <= PLAIN:
        return None
    at = components.index("phenomenonTime") if "phenomenonTime" in components else None
    result_at, width = components.index("result"), len(components)
    if set(map(type, data)) != {list} or set(map(len, data)) != {width}:
        return None
    results = list(map(itemgetter(result_at), data))
    if set(map(type, results)) != {float}:
        if not all(type(r) is float or (type(r) is int and -MAX_EXACT <= r <= MAX_EXACT) for r in results):
            return None  # booleans, text, objects, null, huge integers
        results = [float(r) for r in results]
    numbers = np.array(results, np.float64)
    if not np.isfinite(numbers).all():
        return None
    moments: np.ndarray | None
    if at is None:
        moments = np.full(len(data), default_time, np.int64)
    else:
        texts = list(map(itemgetter(at), data))
        if set(map(type, texts)) != {str}:
            return None
        moments = utc_ms(texts)
        if moments is None:  # other ways of writing a time: read one by one
            if "/" in "".join(texts):
                return None
            try:
                parsed = list(map(dt.datetime.fromisoformat, texts))  # as odata.parse_time
            except ValueError:
                return None
            if None in map(attrgetter("tzinfo"), parsed):
                return None
            moments = np.array(  # as model.to_ms
                list(map(round, map(mul, map(dt.datetime.timestamp, parsed), repeat(1000)))), np.int64
            )
            if moments.min() < MIN_MS or moments.max() > MAX_MS:
                return None  # before year 1 or after 9999 in UTC: read_row names it
    return Plain(datastream, feature, moments, numbers)


# the fixed places of the separators in a UTC time written ``YYYY-MM-DDTHH:MM:SS[.fff]Z``
_SEPARATORS = {4: "-", 7: "-", 10: "T", 13: ":", 16: ":", 19: "."}
_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def utc_ms(texts: list[str]) -> np.ndarray | None:
    """Milliseconds since the epoch of times that are all written the way devices and clients
    mostly write them, ``2024-05-01T10:00:00Z`` or ``2024-05-01T10:00:00.250Z``, read in one
    numpy pass (a fifth of the time of ``datetime``); None when any is written otherwise or is
    not a real time, for the general reader to read or refuse."""
    width = len(texts[0]) if texts else 0
    if width not in (20, 24) or set(map(len, texts)) != {width}:
        return None
    joined = "".join(texts)
    if not joined.isascii():
        return None
    # one row per place in the text (contiguous), the characters' codes minus that of "0"
    places = np.frombuffer(joined.encode("ascii"), np.uint8).reshape(len(texts), width).T - np.uint8(ord("0"))
    separators = {at: mark for at, mark in _SEPARATORS.items() if at < width - 1} | {width - 1: "Z"}
    marks = np.frombuffer("".join(separators.values()).encode(), np.uint8) - np.uint8(ord("0"))
    if not (places[list(separators)] == marks[:, None]).all():
        return None
    if not (places[[at for at in range(width) if at not in separators]] <= 9).all():  # others wrap to > 9
        return None

    def value(start: int, end: int) -> Any:  # the number written in places start … end - 1
        return sum(places[at].astype(np.int64) * 10 ** (end - 1 - at) for at in range(start, end))

    year, month, day = value(0, 4), value(5, 7), value(8, 10)
    if not ((year >= 1) & (month >= 1) & (month <= 12) & (day >= 1)).all():
        return None
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    hour, minute, second = value(11, 13), value(14, 16), value(17, 19)
    if not (
        (day <= _MONTH_DAYS[month - 1] + ((month == 2) & leap)) & (hour < 24) & (minute < 60) & (second < 60)
    ).all():
        return None
    # days from 1970-01-01 in the proleptic Gregorian calendar, as datetime counts them
    # (the "days from civil" algorithm, with years starting in March)
    shifted = year - (month <= 2)
    era = shifted // 400
    of_era = shifted - era * 400
    day_of_year = (153 * (month + np.where(month > 2, -3, 9)) + 2) // 5 + day - 1
    days = era * 146_097 + of_era * 365 + of_era // 4 - of_era // 100 + day_of_year - 719_468
    millis = value(20, 23) if width == 24 else 0
    return (((days * 24 + hour) * 60 + minute) * 60 + second) * 1000 + millis


def read_row(
    datastream: int,
    values: dict[str, Any],
    where: str,
    default_time: int,
    default_feature: int | None,
    limits: Limits = DEFAULT_LIMITS,
) -> Row:
    """One observation from component values, validated (``where`` names it in messages); JSON
    values (a result that is not a number, resultQuality, parameters) within ``limits``."""
    if "result" not in values:
        raise EntityError(f"{where}: result is required")
    result = values["result"]
    number = number_result(result)
    if number is None and isinstance(result, int | float) and not isinstance(result, bool):
        raise EntityError(f"{where}.result: {result!r:.40} is not a finite number a float can hold")
    if "phenomenonTime" in values and values["phenomenonTime"] is not None:
        start, end = read_interval(values["phenomenonTime"], f"{where}.phenomenonTime")
    else:
        start, end = default_time, None
    valid: tuple[int | None, int | None] = (None, None)
    if values.get("validTime") is not None:
        valid = read_interval(values["validTime"], f"{where}.validTime")
        if valid[1] is None:
            raise EntityError(f"{where}.validTime: expected an interval start/end")
    parameters = values.get("parameters")
    if parameters is not None and not isinstance(parameters, dict):
        raise EntityError(f"{where}.parameters: expected a JSON object, got {json_type(parameters)}")
    feature = values.get("FeatureOfInterest/id", default_feature)
    if feature is not None:
        if isinstance(feature, bool) or not isinstance(feature, int):
            raise EntityError(f"{where}.FeatureOfInterest/id: expected a whole number, got {json_type(feature)}")
        check_id(feature, f"{where}.FeatureOfInterest/id", INT32_MAX)
    return Row(
        datastream_id=datastream,
        phenomenon_time=start,
        phenomenon_time_end=end,
        result_time=read_time(values["resultTime"], f"{where}.resultTime")
        if values.get("resultTime") is not None
        else None,
        result=number,
        result_json=None if number is not None else _bounded_json(result, f"{where}.result", limits),
        feature_id=feature,
        result_quality=_bounded_json(values.get("resultQuality"), f"{where}.resultQuality", limits),
        valid_time_start=valid[0],
        valid_time_end=valid[1],
        parameters=_bounded_json(parameters, f"{where}.parameters", limits),
    )


def _bounded_json(value: Any, field: str, limits: Limits) -> str | None:
    """``value`` as stored JSON text, refused beyond ``limits.max_json_bytes``."""
    text = _json(value)
    if text is not None and len(text.encode()) > limits.max_json_bytes:
        raise EntityError(f"{field}: {len(text.encode())} bytes as JSON; at most {limits.max_json_bytes} are accepted")
    return text

"""Writing observations in batches, keeping hourly roll-ups, and aggregate reads.

Every write path — one Observation, a ``CreateObservations`` batch, an MQTT message — ends in
:func:`store`: one transaction inserts the rows (a retried observation, same datastream and
phenomenonTime, is recognised and skipped), refreshes the hourly roll-ups of the hours it
touched and notes the features of interest. The caller commits, then acknowledges: what was
acknowledged is committed.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from samverkan.dataspace.model import EntityError, json_type, number_result, read_interval, read_time
from samverkan.db import dataspace as t

HOUR = 3_600_000
DAY = 24 * HOUR
COLUMNS = (
    "datastream_id",
    "phenomenon_time",
    "phenomenon_time_end",
    "result_time",
    "result",
    "result_json",
    "feature_id",
    "result_quality",
    "valid_time_start",
    "valid_time_end",
    "parameters",
)
JSON_COLUMNS = {"result_json", "result_quality", "parameters"}


@dataclass
class Row:
    """One observation ready to store (times in ms since the epoch)."""

    datastream_id: int
    phenomenon_time: int
    result: float | None
    result_json: Any = None
    feature_id: int | None = None
    phenomenon_time_end: int | None = None
    result_time: int | None = None
    result_quality: Any = None
    valid_time_start: int | None = None
    valid_time_end: int | None = None
    parameters: dict[str, Any] | None = None

    def values(self) -> tuple[Any, ...]:
        return tuple(_json(getattr(self, c)) if c in JSON_COLUMNS else getattr(self, c) for c in COLUMNS)


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


def store(session: Session, rows: Sequence[Row]) -> int:
    """Insert observations (skipping ones already stored), refresh the roll-ups of the hours
    they touch and note their features. Returns how many rows were new. Does not commit."""
    if not rows:
        return 0
    p = _param(session)
    insert = (
        f"INSERT INTO ds_observations ({', '.join(COLUMNS)}) VALUES ({', '.join([p] * len(COLUMNS))}) "
        "ON CONFLICT (datastream_id, phenomenon_time) DO NOTHING"
    )
    cursor = session.connection().exec_driver_sql(insert, [r.values() for r in rows])
    inserted = cursor.rowcount if cursor.rowcount is not None and cursor.rowcount >= 0 else len(rows)
    hours: dict[int, set[int]] = defaultdict(set)
    features: set[tuple[int, int]] = set()
    for row in rows:
        hours[row.datastream_id].add(floor_to(row.phenomenon_time, HOUR))
        if row.feature_id is not None:
            features.add((row.datastream_id, row.feature_id))
    for datastream, touched in hours.items():
        refresh_rollups(session, datastream, touched)
    session.connection().exec_driver_sql(
        f"INSERT INTO ds_datastream_features (datastream_id, feature_id) VALUES ({p}, {p}) ON CONFLICT DO NOTHING",
        sorted(features),
    )
    return inserted


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
    duplicates and deletions need no special care)."""
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
        f"AND result IS NOT NULL GROUP BY datastream_id, {bucket}",
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


def read_row(
    datastream: int, values: dict[str, Any], where: str, default_time: int, default_feature: int | None
) -> Row:
    """One observation from component values, validated (``where`` names it in messages)."""
    if "result" not in values:
        raise EntityError(f"{where}: result is required")
    result = values["result"]
    number = number_result(result)
    if number is None and isinstance(result, float):
        raise EntityError(f"{where}.result: NaN and infinity are not JSON numbers")
    if "phenomenonTime" in values and values["phenomenonTime"] is not None:
        start, end = read_interval(values["phenomenonTime"], f"{where}.phenomenonTime")
    else:
        start, end = default_time, None
    valid = (None, None)
    if values.get("validTime") is not None:
        valid = read_interval(values["validTime"], f"{where}.validTime")
        if valid[1] is None:
            raise EntityError(f"{where}.validTime: expected an interval start/end")
    parameters = values.get("parameters")
    if parameters is not None and not isinstance(parameters, dict):
        raise EntityError(f"{where}.parameters: expected a JSON object, got {json_type(parameters)}")
    feature = values.get("FeatureOfInterest/id", default_feature)
    if feature is not None and (isinstance(feature, bool) or not isinstance(feature, int)):
        raise EntityError(f"{where}.FeatureOfInterest/id: expected a whole number, got {json_type(feature)}")
    return Row(
        datastream_id=datastream,
        phenomenon_time=start,
        phenomenon_time_end=end,
        result_time=read_time(values["resultTime"], f"{where}.resultTime")
        if values.get("resultTime") is not None
        else None,
        result=number,
        result_json=None if number is not None else result,
        feature_id=feature,
        result_quality=values.get("resultQuality"),
        valid_time_start=valid[0],
        valid_time_end=valid[1],
        parameters=parameters,
    )

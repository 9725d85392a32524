"""Yearly partitions of ``ds_observations`` on PostgreSQL.

The table is partitioned by range of ``phenomenon_time`` (ms since the epoch, UTC): one
partition per calendar year from :data:`FIRST_YEAR`, one for everything before it, and a default
partition for whatever lies beyond the yearly ones, so no observation is ever refused for its
time. A time-range read touches only the years it spans; old years can be detached, archived
or dropped as whole tables.

Migration 0005 creates the years up to :data:`CREATED_THROUGH`; :func:`extend` (run whenever
the schema is checked, i.e. when samverkan starts) keeps :data:`AHEAD` years beyond the current
one. Rows that had landed in the default partition for a year that now gets its own are moved
into it in the same transaction.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, Engine

PARENT = "ds_observations"
FIRST_YEAR = 2000
CREATED_THROUGH = 2039
AHEAD = 5
BEFORE = f"{PARENT}_before_{FIRST_YEAR}"
DEFAULT = f"{PARENT}_default"
LOCK = 72_450_605  # pg_advisory_xact_lock key: one extender at a time


def year_start(year: int) -> int:
    return int(dt.datetime(year, 1, 1, tzinfo=dt.UTC).timestamp() * 1000)


def name(year: int) -> str:
    return f"{PARENT}_y{year}"


def bounds(year: int) -> str:
    """The range clause of a year's partition: [1 January, next 1 January) in ms, UTC."""
    return f"FOR VALUES FROM ({year_start(year)}) TO ({year_start(year + 1)})"


def create_year(connection: Connection, year: int) -> None:
    """Create (or fill from the default partition and attach) the partition of ``year``."""
    start, end = year_start(year), year_start(year + 1)
    part = name(year)
    connection.exec_driver_sql(f"CREATE TABLE {part} (LIKE {PARENT} INCLUDING DEFAULTS)")
    exists = connection.exec_driver_sql(f"SELECT to_regclass('{DEFAULT}')").scalar() is not None
    if exists:
        connection.exec_driver_sql(
            f"WITH moved AS (DELETE FROM {DEFAULT} WHERE phenomenon_time >= {start} AND phenomenon_time < {end} "
            f"RETURNING *) INSERT INTO {part} SELECT * FROM moved"
        )
    connection.exec_driver_sql(f"ALTER TABLE {PARENT} ATTACH PARTITION {part} {bounds(year)}")


def years(connection: Connection) -> set[int]:
    """The years that have their own partition."""
    rows = connection.exec_driver_sql(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        f"WHERE i.inhparent = '{PARENT}'::regclass"
    )
    prefix = name(0)[:-1]
    return {int(relname[len(prefix) :]) for (relname,) in rows if relname.startswith(prefix)}


def extend(engine: Engine, through: int | None = None) -> list[int]:
    """Give every year up to ``through`` (default: this year + :data:`AHEAD`) its partition.
    Returns the years created. A no-op on SQLite and when nothing is missing."""
    if engine.dialect.name != "postgresql":
        return []
    through = through if through is not None else dt.datetime.now(dt.UTC).year + AHEAD
    with engine.connect() as connection:
        have = years(connection)
    missing = [y for y in range(FIRST_YEAR, through + 1) if y not in have]
    if not missing:
        return []
    with engine.begin() as connection:
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({LOCK})")
        have = years(connection)  # another process may have made them meanwhile
        made = [y for y in missing if y not in have]
        for year in made:
            create_year(connection, year)
    return made

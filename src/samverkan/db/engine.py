"""Engines for SQLite (embedded default, WAL) and PostgreSQL from one code path."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url


def aware(moment: dt.datetime) -> dt.datetime:
    """A time as stored: SQLite hands back naive datetimes; ours are always stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def normalise_url(url: str) -> str:
    """Pick our drivers: ``postgresql://`` → psycopg 3; ``postgres://`` is accepted too."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def make_engine(url: str) -> Engine:
    """Create an engine; for SQLite, create the folder and switch on WAL and foreign keys."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            _private_file(Path(database).expanduser())
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _private_file(path: Path) -> None:
    """Create the database's folder (0700) and file (0600) for the owner alone, if they are new:
    tenants' data and token hashes are in it. SQLite gives its -wal and -shm files the mode of
    the database file."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # pragma: no cover - trivial
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=FULL")  # an acknowledged write survives a crash
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()

"""The schema comes from Alembic migrations, and the models agree with them."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from samverkan.db import (
    community,  # noqa: F401  (registers the community tables)
    dataspace,  # noqa: F401  (registers the data-space tables)
    ensure_schema,
    make_engine,
    partitions,
)
from samverkan.db.migrate import current_revision, head_revision
from samverkan.db.models import Base


def test_fresh_database_is_at_head_with_every_table(engine):
    assert current_revision(engine) == head_revision()
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())


def _not_a_partition(name, type_, parent_names) -> bool:
    return not (type_ == "table" and name.startswith(f"{partitions.PARENT}_"))


def test_models_match_the_migrations(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": _not_a_partition})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_ensure_schema_is_idempotent(db_url):
    engine = make_engine(db_url)
    ensure_schema(engine)
    ensure_schema(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_sqlite_runs_in_wal_mode(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'nested' / 'x.sqlite'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()

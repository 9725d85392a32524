"""The observation table after migration 0005: no per-row foreign keys (the writer checks each
batch), rows and ids kept through the upgrade, and on PostgreSQL yearly partitions."""

import datetime as dt

import pytest
from sqlalchemy import Connection

from samverkan.db import make_engine, partitions
from samverkan.db.migrate import upgrade


def ms(year: int, month: int = 6) -> int:
    return int(dt.datetime(year, month, 1, tzinfo=dt.UTC).timestamp() * 1000)


def add_parents(connection: Connection) -> None:
    """A tenant with one datastream (id 1) and one feature (id 1), in plain SQL."""
    for sql in (
        "INSERT INTO ds_tenants (id, slug, name, created_at) VALUES (1, 'a', 'A', CURRENT_TIMESTAMP)",
        "INSERT INTO ds_things (id, tenant_id, name, description) VALUES (1, 1, 't', '')",
        "INSERT INTO ds_sensors (id, tenant_id, name, description, encoding_type, metadata) "
        "VALUES (1, 1, 's', '', 'text/html', '')",
        "INSERT INTO ds_observed_properties (id, tenant_id, name, definition, description) VALUES (1, 1, 'p', '', '')",
        "INSERT INTO ds_datastreams (id, tenant_id, thing_id, sensor_id, observed_property_id, name, description, "
        "unit_of_measurement, observation_type) VALUES (1, 1, 1, 1, 1, 'd', '', '{}', 'x')",
        "INSERT INTO ds_features (id, tenant_id, name, description, encoding_type, feature) "
        "VALUES (1, 1, 'f', '', 'application/geo+json', '{}')",
    ):
        connection.exec_driver_sql(sql)


def insert(connection: Connection, moments: list[int]) -> None:
    connection.exec_driver_sql(
        "INSERT INTO ds_observations (datastream_id, phenomenon_time, result, feature_id) "
        + ("VALUES (?, ?, ?, ?)" if connection.dialect.name == "sqlite" else "VALUES (%s, %s, %s, %s)"),
        [(1, moment, float(i), 1) for i, moment in enumerate(moments)],
    )


def stored(connection: Connection) -> list[tuple[int, int, float]]:
    return [
        tuple(row)
        for row in connection.exec_driver_sql(
            "SELECT id, phenomenon_time, result FROM ds_observations ORDER BY id"
        ).all()
    ]


def test_upgrade_to_0005_keeps_every_observation_and_its_id(databases):
    url = databases._fresh_empty("upgrade0005")
    engine = make_engine(url)
    try:
        upgrade(engine, "0004")
        with engine.begin() as connection:
            add_parents(connection)
            insert(connection, [ms(1999), ms(2020), ms(2020, 7), ms(2051)])
            before = stored(connection)
        upgrade(engine)
        with engine.begin() as connection:
            assert stored(connection) == before
            # the link table that now finds a feature's observations was filled from them
            assert connection.exec_driver_sql("SELECT datastream_id, feature_id FROM ds_datastream_features").all() == [
                (1, 1)
            ]
            insert(connection, [ms(2021)])
            newest = stored(connection)[-1]
            assert newest[0] > max(row[0] for row in before)  # ids go on from where they were
            if engine.dialect.name == "sqlite":
                assert connection.exec_driver_sql("PRAGMA foreign_key_list(ds_observations)").all() == []
            else:
                assert (
                    connection.exec_driver_sql(
                        "SELECT count(*) FROM pg_partitioned_table WHERE partrelid = 'ds_observations'::regclass"
                    ).scalar()
                    == 1
                )
                where = dict(
                    connection.exec_driver_sql(
                        "SELECT phenomenon_time, tableoid::regclass::text FROM ds_observations"
                    ).all()
                )
                assert where == {
                    ms(1999): partitions.BEFORE,
                    ms(2020): partitions.name(2020),
                    ms(2020, 7): partitions.name(2020),
                    ms(2021): partitions.name(2021),
                    ms(2051): partitions.DEFAULT,
                }
    finally:
        engine.dispose()
        databases.drop(url)


def test_new_years_get_partitions_and_take_their_rows_from_the_default_one(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("partitions are a PostgreSQL feature")
    with engine.begin() as connection:
        add_parents(connection)
        insert(connection, [ms(2044), ms(2045), ms(2090)])
    assert partitions.extend(engine) == []  # the years ahead exist already
    made = partitions.extend(engine, through=2045)
    assert made == list(range(partitions.CREATED_THROUGH + 1, 2046))
    with engine.begin() as connection:
        where = dict(
            connection.exec_driver_sql("SELECT phenomenon_time, tableoid::regclass::text FROM ds_observations").all()
        )
        insert(connection, [ms(2045, 8)])
    assert where == {
        ms(2044): partitions.name(2044),
        ms(2045): partitions.name(2045),
        ms(2090): partitions.DEFAULT,
    }
    assert partitions.extend(engine, through=2045) == []

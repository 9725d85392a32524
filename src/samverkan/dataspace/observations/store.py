"""Writing a batch of observations: one INSERT of many rows, retries recognised and skipped,
parents checked once per batch, roll-ups kept up to date, each observation's id known.

Every way in ends in :func:`write` (or :func:`write_identified`, which also answers the ids).
The caller commits, then acknowledges: what was acknowledged is committed.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain, islice, repeat
from typing import Any

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from samverkan.dataspace.model import EntityError
from samverkan.dataspace.observations.rollups import add_to_rollups, refresh_hours, touched_hours
from samverkan.dataspace.observations.rows import COLUMNS, PLAIN_WIDTH, Batch, Row
from samverkan.dataspace.observations.statements import insert_rows, is_sqlite, placeholder
from samverkan.db import dataspace as t


class Vanished(EntityError):
    """A batch names a datastream or feature of interest that was deleted meanwhile."""


def write(session: Session, batch: Batch) -> int:
    """Insert a batch's observations (skipping ones already stored), check that their
    datastreams and features still exist, bring the roll-ups of the hours they touch up to
    date and note their features. Returns how many observations were new. Does not commit.

    The blocks go in first, as :data:`PLAIN_WIDTH` columns each (most observations have
    nothing else, and binding the empty columns would cost as much as the rest of the
    insert), then the rows, each in the order given: of an observation given twice (the same
    datastream and phenomenonTime), the first to go in is kept."""
    total = len(batch)
    if not total:
        return 0
    rows, blocks = batch.rows, batch.blocks
    inserted: int | None = 0
    parts = [(PLAIN_WIDTH, block.values()) for block in blocks] + [(len(COLUMNS), list(chain.from_iterable(rows)))]
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
    pairs = {(row.datastream_id, row.feature_id) for row in rows} | {(b.datastream, b.feature) for b in blocks}
    adopt(session, pairs)
    if inserted == total:
        add_to_rollups(session, rows, blocks)  # all new: the roll-ups grow by exactly these rows
    else:
        refresh_hours(session, touched_hours(rows, blocks))
    return total if inserted is None else inserted


def write_identified(session: Session, batch: Batch) -> list[int]:
    """:func:`write`, then the id of every observation (new, or stored before), in the
    batch's order.

    On SQLite, when every observation was new and the table's high-water mark grew by exactly
    their number, the ids are known without reading them back: within the write transaction
    nobody else inserts, and SQLite (AUTOINCREMENT) gives each new row the largest id ever
    handed out plus one, so the observations got the next ids in the order they were inserted
    (the blocks first, see :func:`write`)."""
    connection = session.connection()
    largest = "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'ds_observations'), 0)"
    before = connection.exec_driver_sql(largest).scalar_one() if is_sqlite(session) else None
    new = write(session, batch)
    if before is not None and new == len(batch) and connection.exec_driver_sql(largest).scalar_one() == before + new:
        in_blocks = new - len(batch.rows)
        block_ids = iter(range(before + 1, before + in_blocks + 1))
        row_ids = iter(range(before + in_blocks + 1, before + new + 1))
        ids: list[int] = []
        for part in batch.parts:
            if isinstance(part, Row):
                ids.append(next(row_ids))
            else:
                ids += islice(block_ids, len(part.times))
        return ids
    keys: list[tuple[int, int]] = []
    for part in batch.parts:
        if isinstance(part, Row):
            keys.append((part.datastream_id, part.phenomenon_time))
        else:
            keys += zip(repeat(part.datastream), part.times.tolist())
    return ids_of(session, keys)


def ids_of(session: Session, keys: Sequence[tuple[int, int]]) -> list[int]:
    """The ids of stored observations given as (datastream, phenomenonTime), in order."""
    spans: dict[int, tuple[int, int]] = {}
    for datastream, moment in keys:
        low, high = spans.get(datastream, (moment, moment))
        spans[datastream] = (min(low, moment), max(high, moment))
    p = placeholder(session)
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


def adopt(session: Session, pairs: set[tuple[int, Any]]) -> None:
    """For observations just written with these (datastream, feature) pairs: check that the
    parents exist (:func:`check_parents`) and note which features each datastream's
    observations refer to (what :func:`of_features` finds them by)."""
    check_parents(session, {d for d, _ in pairs}, {f for _, f in pairs})
    p = placeholder(session)
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
        if not is_sqlite(session):
            query = query.with_for_update(read=True, key_share=True)
        missing = sorted(ids - set(session.scalars(query)))
        if missing:
            raise Vanished(f"{label} {missing[0]} does not exist (any more); nothing was stored")

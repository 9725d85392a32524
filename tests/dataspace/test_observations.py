"""The observation store's fast paths agree with the general ones: plain dataArray rows read in
one pass become what the door (the row-by-row reader) makes, and ids known without reading them
back are the ids the database holds."""

from __future__ import annotations

import random

import numpy as np
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from samverkan.dataspace.observations import store
from samverkan.dataspace.observations.rows import Batch, Plain, Row, data_array_body, observation_row, read_plain
from samverkan.dataspace.times import HOUR, TimeError, utc_ms
from tests.dataspace.conftest import station

TIMES = [
    "2024-05-01T10:00:00Z",
    "2024-05-01T10:00:00.250Z",
    "2024-05-01T12:00:00+02:00",
    "1961-01-01T06:00:00-01:30",
    "2024-05-01T10:00:00.123456Z",  # microseconds round to milliseconds as elsewhere
]
RESULTS = [0, -3, 11.5, 2**53, 1e300, -0.0]
UNPLAIN = [  # each makes the fast reader give up; the row-by-row reader accepts or names it
    ["2024-05-01T10:00:00", 1.0],  # no time zone
    ["2024-05-01T10:00:00Z/2024-05-01T11:00:00Z", 1.0],  # an interval
    ["yesterday", 1.0],
    [1714557600, 1.0],
    ["2024-05-01T10:00:00Z", True],
    ["2024-05-01T10:00:00Z", "calm"],
    ["2024-05-01T10:00:00Z", None],
    ["2024-05-01T10:00:00Z", 2**53 + 1],
    ["2024-05-01T10:00:00Z", float("nan")],
    ["2024-05-01T10:00:00Z"],
    "2024-05-01T10:00:00Z",
]


class Addressed:
    """The links of a request whose address names the datastream (7), with feature 3 derived:
    nothing to look up, so the reading is all there is to compare."""

    def link(self, nav, value, where, create=True):
        return value["@iot.id"]

    def derived_feature(self, datastream, where):
        return 3


def slow(data, components=("phenomenonTime", "result")):
    """What the door makes of dataArray rows of datastream 7, row by row."""
    return [
        observation_row(data_array_body(components, values, "x", None), "x", Addressed(), 99, {"Datastream": 7})
        for values in data
    ]


def test_plain_rows_are_read_as_the_row_by_row_reader_reads_them():
    data = [[when, result] for when in TIMES for result in RESULTS]
    fast = read_plain(7, ["phenomenonTime", "result"], data, 99, 3).rows()
    assert fast == slow(data)
    assert [type(value) for value in fast[0][:4]] == [int, int, float, int]
    assert all(row[4:] == (None,) * 7 for row in slow(data))  # nothing lost by the short form
    # the other order of components, and no phenomenonTime (the default time)
    swapped = [[result, when] for when, result in data]
    assert read_plain(7, ["result", "phenomenonTime"], swapped, 99, 3).rows() == fast
    only = [[result] for result in RESULTS]
    assert read_plain(7, ["result"], only, 99, 3).rows() == slow(only, ("result",))
    block = read_plain(7, ["phenomenonTime", "result"], data, 99, 3)
    assert block.values() == [value for row in fast for value in row[:4]]  # what the insert binds


def test_utc_times_read_in_one_pass_are_what_datetime_reads():
    """The one-pass reader of ``YYYY-MM-DDTHH:MM:SS[.fff]Z`` gives the general reader's
    milliseconds, or gives up (None) where the general reader would refuse or read otherwise:
    random dates and times at the edges of the calendar, some with one character changed."""
    import datetime as dt

    def general(text):
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            return None
        return None if moment.tzinfo is None else round(moment.timestamp() * 1000)

    chance = random.Random(11)
    read = left = 0
    for _ in range(4000):
        year = chance.choice([1, 4, 100, 1600, 1900, 1969, 1970, 2000, 2024, 2100, 9999, chance.randint(1, 9999)])
        month, day = chance.choice([0, 1, 2, 12, 13, chance.randint(1, 12)]), chance.choice([0, 1, 28, 29, 30, 31, 32])
        clock = [chance.choice([0, limit - 1, limit, chance.randrange(limit)]) for limit in (24, 60, 60)]
        text = f"{year:04d}-{month:02d}-{day:02d}T{clock[0]:02d}:{clock[1]:02d}:{clock[2]:02d}"
        text += chance.choice(["", f".{chance.randrange(1000):03d}"]) + "Z"
        if chance.random() < 0.2:
            at = chance.randrange(len(text))
            text = text[:at] + chance.choice("09-T:.Z /+é") + text[at + 1 :]
        fast = utc_ms([text])
        assert fast is None or fast.tolist() == [general(text)], text
        read += fast is not None
        left += fast is None and general(text) is not None
    assert read > 500 and left < read / 20  # nearly every valid time takes the fast way
    batch = [f"2024-02-{day:02d}T{hour:02d}:59:59.999Z" for day in range(1, 30) for hour in range(24)]
    assert utc_ms(batch).tolist() == [general(text) for text in batch]
    assert utc_ms(batch + ["2024-02-30T00:00:00.000Z"]) is None  # one bad time: the general way
    data = [[when, 1.5] for when in batch]
    assert read_plain(7, ["phenomenonTime", "result"], data, 99, 3).rows() == slow(data)


@pytest.mark.parametrize("odd", UNPLAIN, ids=range(len(UNPLAIN)))
def test_anything_else_goes_the_general_way(odd):
    data = [["2024-05-01T09:00:00Z", 1.0], odd]
    assert read_plain(7, ["phenomenonTime", "result"], data, 99, 3) is None
    assert read_plain(7, ["phenomenonTime", "result", "resultTime"], [], 99, 3) is None


def two_streams_and_a_feature(space):
    """Datastreams 1 and 2 and FeatureOfInterest 1 of one tenant; returns the core."""
    core, _ = space
    admin = core.dataspace.create_tenant("alfa", "Alfa")["token"]
    core.dataspace.create(admin, "Things", station("Boras", 12.9, 57.7, observations=[], streams=2))
    core.dataspace.create(admin, "FeaturesOfInterest", {
        "name": "Borås", "description": "", "encodingType": "application/geo+json",
        "feature": {"type": "Point", "coordinates": [12.9, 57.7]},
    })  # fmt: skip
    return core


def test_known_ids_are_the_stored_ids(space):
    core = two_streams_and_a_feature(space)

    def row(stream, moment, result=1.0):
        return Row(stream, moment, result, 1)

    def calm(stream, moment):
        return Row(stream, moment, None, 1, result_json='"calm"')

    def block(stream, times):
        return Plain(stream, 1, np.array(times, np.int64), np.arange(len(times), dtype=np.float64))

    moments = list(range(100_000, 100_000 + 1300 * 1000, 1000))
    random.Random(4).shuffle(moments)
    large = [row(1, moment, 0.5) for moment in moments]
    large[700:700] = [calm(2, 5)]
    batches = [
        [block(1, [0, 1000]), calm(2, 0), block(1, [2000, 3000, 4000]), calm(2, 1000), calm(2, 2000)],  # mixed
        large,  # many rows per statement (512, 64, 8 and 1), not in time order
        [row(1, 0), row(1, 10_000), calm(2, 0)],  # retries: read back
        [block(1, moments[:3] + [7, 8]), block(2, [-5_000, 9])],  # columns: retries and new
        [block(2, range(4_000_000, 4_000_600)), block(1, [6])],  # columns, all new
        [row(2, 4_500_000), block(1, [3_000_000, 11])],  # a row, then columns (which go in first)
        [row(1, 30_000 + i) for i in range(7)] + [row(1, 30_000, 2.0)],  # twice in one statement
        [row(1, 20_000), row(1, 20_000, 2.0)],  # the same observation twice in one batch
    ]
    for parts in batches:
        keys = [
            key
            for part in parts
            for key in (
                [(part.datastream_id, part.phenomenon_time)]
                if isinstance(part, Row)
                else [(part.datastream, moment) for moment in part.times.tolist()]
            )
        ]
        with Session(core.engine) as session, session.begin():
            ids = store.write_identified(session, Batch(parts))
            assert ids == store.ids_of(session, keys)
            assert len(set(ids)) == len(set(keys))
    assert ids[0] == ids[1]
    with pytest.raises(TimeError, match="no time zone"):
        slow([["2024-05-01T10:00:00", 1.0]])


def table_counts(core, stream: int) -> tuple[int, int]:
    """(observations, roll-up rows) of a datastream, read from the tables themselves: the API
    would hide orphans, the table does not."""
    with core.engine.connect() as connection:
        return tuple(
            connection.exec_driver_sql(f"SELECT count(*) FROM {table} WHERE datastream_id = {stream}").scalar()
            for table in ("ds_observations", "ds_rollups")
        )


@pytest.mark.parametrize("kind", ["Things", "Sensors", "ObservedProperties", "Datastreams", "FeaturesOfInterest"])
def test_deleting_a_parent_deletes_its_observations_from_the_table(tenants, space, kind):
    core, _ = space
    alfa, _ = tenants
    for name in ("Borås", "Lund"):
        assert alfa.post("/Things", station(name, 13.0, 57.0)).status_code == 201
    first, second = (s["@iot.id"] for s in alfa.get("/Datastreams?$orderby=id").json()["value"])
    assert table_counts(core, first) == table_counts(core, second) == (3, 3)
    if kind == "FeaturesOfInterest":
        observation = alfa.get(f"/Datastreams({first})/Observations?$top=1").json()["value"][0]["@iot.id"]
        doomed = alfa.get(f"/Observations({observation})/FeatureOfInterest").json()["@iot.id"]
    else:
        single = {"Things": "Thing", "Sensors": "Sensor", "ObservedProperties": "ObservedProperty"}.get(kind)
        doomed = alfa.get(f"/Datastreams({first})/{single}").json()["@iot.id"] if single else first
    assert alfa.delete(f"/{kind}({doomed})").status_code == 200
    assert table_counts(core, first) == (0, 0)
    assert table_counts(core, second) == (3, 3)


def test_a_batch_naming_a_vanished_datastream_or_feature_stores_nothing(space):
    core, _ = space
    admin = core.dataspace.create_tenant("alfa", "Alfa")["token"]
    core.dataspace.create(admin, "Things", station("Boras", 12.9, 57.7))
    feature = 1
    for rows, message in [
        ([Row(1, 5_000, 1.0, feature), Row(404, 5_000, 1.0, feature)], "Datastream 404 does not exist"),
        ([Row(1, 6_000, 1.0, feature), Row(1, 7_000, 2.0, 405)], "FeatureOfInterest 405 does not exist"),
    ]:
        with pytest.raises(store.Vanished, match=message), Session(core.engine) as session, session.begin():
            store.write(session, Batch(rows))
        assert table_counts(core, 1) == (3, 3)


def test_a_new_feature_given_by_patch_finds_the_observation(tenants):
    alfa, _ = tenants
    assert alfa.post("/Things", station("Borås", 12.9, 57.7)).status_code == 201
    made = alfa.post(
        "/FeaturesOfInterest",
        {
            "name": "roof",
            "description": "",
            "encodingType": "application/geo+json",
            "feature": {"type": "Point", "coordinates": [12.9, 57.7]},
        },
    )
    feature = made.json()["@iot.id"]
    observation = alfa.get("/Observations?$top=1&$orderby=id").json()["value"][0]["@iot.id"]
    assert alfa.patch(f"/Observations({observation})", {"FeatureOfInterest": {"@iot.id": feature}}).status_code == 200
    found = alfa.get(f"/FeaturesOfInterest({feature})/Observations").json()["value"]
    assert [o["@iot.id"] for o in found] == [observation]
    assert alfa.delete(f"/FeaturesOfInterest({feature})").status_code == 200
    assert alfa.get(f"/Observations({observation})").status_code == 404


def test_roll_ups_kept_batch_by_batch_equal_a_recount(space):
    """Whole new batches are added to the roll-ups in Python; batches with retries recount
    their hours in SQL. Either way the roll-ups equal a GROUP BY over the stored rows."""
    core = two_streams_and_a_feature(space)
    chance = random.Random(6)
    keys = [(stream, moment) for stream in (1, 2) for moment in range(-7 * HOUR, 30 * HOUR, 60_000)]
    chance.shuffle(keys)
    batches = [keys[i : i + 400] for i in range(0, 4000, 400)]
    batches = [batch[:200] + sorted(batch[200:]) for batch in batches]  # out of order, and in order
    batches.append(chance.sample(keys[:4000], 50) + keys[4000:4050])  # retries: recounted
    for number, batch in enumerate(batches):
        rows = [
            Row(stream, moment, None, 1, result_json='"calm"')
            if chance.random() < 0.1
            else Row(stream, moment, chance.uniform(-30, 30), 1)
            for stream, moment in batch
        ]
        parts: list = rows
        if number % 2 or batch is batches[-1]:  # numeric rows as columns (a block per datastream)
            parts = [r for r in rows if r.result is None]
            for stream in (1, 2):
                mine = [r for r in rows if r.result is not None and r.datastream_id == stream]
                times = np.array([r.phenomenon_time for r in mine], np.int64)
                parts.append(Plain(stream, 1, times, np.array([r.result for r in mine], np.float64)))
        with Session(core.engine) as session, session.begin():
            new = store.write(session, Batch(parts))
            assert new == (len(rows) if batch is not batches[-1] else 50)
    bucket = "(phenomenon_time - (((phenomenon_time % 3600000) + 3600000) % 3600000))"
    with core.engine.connect() as connection:
        kept = connection.exec_driver_sql(
            "SELECT datastream_id, hour, count, total, minimum, maximum FROM ds_rollups ORDER BY 1, 2"
        ).all()
        counted = connection.execute(
            text(
                f"SELECT datastream_id, {bucket}, count(result), sum(result), min(result), max(result) "
                "FROM ds_observations WHERE result IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2"
            )
        ).all()
    assert len(kept) == len(counted) > 50
    for mine, theirs in zip(kept, counted, strict=True):
        assert mine[:3] == theirs[:3] and mine[4:] == theirs[4:]
        assert mine[3] == pytest.approx(theirs[3])


def test_statements_stay_within_the_limit_of_bound_values(space, request):
    """SQLite builds before 3.32 allow 999 bound values per statement (later ones 32,766): the
    bulk insert cuts its statements to the limit of the connection at hand."""
    if request.config.getoption("--postgres"):
        pytest.skip("a limit of SQLite's; PostgreSQL allows 65,535 values, more than any statement here")
    import sqlite3

    core = two_streams_and_a_feature(space)
    rows = [Row(2, 1000 * i, float(i), 1, result_time=i) for i in range(1300)]  # 11 values each
    with Session(core.engine) as session, session.begin():
        raw = session.connection().connection.dbapi_connection
        limit = raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
        try:
            assert store.write(session, Batch(rows)) == 1300
        finally:
            raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, limit)
    assert table_counts(core, 2)[0] == 1300

"""The observation store's fast paths agree with the general ones: plain dataArray rows read in
one pass become what the row-by-row reader makes, and ids known without reading them back are
the ids the database holds."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from samverkan.dataspace import observations as obs
from samverkan.dataspace.model import EntityError
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


def slow(data, components=("phenomenonTime", "result")):
    return [obs.read_row(7, dict(zip(components, values, strict=True)), "x", 99, 3) for values in data]


def test_plain_rows_are_read_as_the_row_by_row_reader_reads_them():
    data = [[when, result] for when in TIMES for result in RESULTS]
    fast = obs.read_plain_rows(7, ["phenomenonTime", "result"], data, 99, 3)
    assert fast == [tuple(row[:4]) for row in slow(data)]
    assert all(row[4:] == (None,) * 7 for row in slow(data))  # nothing lost by the short form
    # the other order of components, and no phenomenonTime (the default time)
    swapped = [[result, when] for when, result in data]
    assert obs.read_plain_rows(7, ["result", "phenomenonTime"], swapped, 99, 3) == fast
    only = [[result] for result in RESULTS]
    assert obs.read_plain_rows(7, ["result"], only, 99, 3) == [tuple(r[:4]) for r in slow(only, ("result",))]


@pytest.mark.parametrize("odd", UNPLAIN, ids=range(len(UNPLAIN)))
def test_anything_else_goes_the_general_way(odd):
    data = [["2024-05-01T09:00:00Z", 1.0], odd]
    assert obs.read_plain_rows(7, ["phenomenonTime", "result"], data, 99, 3) is None
    assert obs.read_plain_rows(7, ["phenomenonTime", "result", "resultTime"], [], 99, 3) is None


def test_known_ids_are_the_stored_ids(space):
    core, _ = space
    admin = core.dataspace.create_tenant("alfa", "Alfa")["token"]
    core.dataspace.create(admin, "Things", station("Boras", 12.9, 57.7, observations=[], streams=2))
    core.dataspace.create(admin, "FeaturesOfInterest", {
        "name": "Borås", "description": "", "encodingType": "application/geo+json",
        "feature": {"type": "Point", "coordinates": [12.9, 57.7]},
    })  # fmt: skip
    plain = [(1, 1000 * i, float(i), 1) for i in range(5)]
    full = [obs.Row(2, 1000 * i, None, 1, result_json='"calm"') for i in range(3)]
    batches = [
        plain[:2] + full[:1] + plain[2:] + full[1:],  # mixed: plain rows go in first
        plain[:1] + [(1, 10_000, 1.0, 1)] + full[:1],  # retries: read back
        [(1, 20_000, 1.0, 1), (1, 20_000, 2.0, 1)],  # the same observation twice in one batch
    ]
    for rows in batches:
        with Session(core.engine) as session, session.begin():
            ids = obs.store_identified(session, rows)
            assert ids == obs.ids_of(session, [(r[0], r[1]) for r in rows])
    assert ids[0] == ids[1]
    with pytest.raises(EntityError):
        slow([["2024-05-01T10:00:00", 1.0]])

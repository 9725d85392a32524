"""Calls from two portal feeds: the topic export and the search API's records are one call
each, the newer record winning field by field, with both provenances kept."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from samverkan.db.models import Call, CallSource, SourceState
from samverkan.errors import InputError
from samverkan.importers import import_source

from .helpers import snapshot

AUGUST = dt.date(2026, 8, 12)


def _lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_the_search_api_file_alone(engine, shared):
    path = shared / "calls" / "ft-topics-2026-03-to-08-sedia.jsonl"
    rows = _lines(path)
    report = import_source(engine, "calls", path)
    assert report.counts["calls"].inserted == len({r["identifier"] for r in rows}) == 1186
    with Session(engine) as session:
        untitled = [r["identifier"] for r in rows if r["title"] == r["identifier"]]
        assert untitled and all(session.get_one(Call, code).title is None for code in untitled)
        first = rows[0]
        call = session.get_one(Call, first["identifier"])
        assert call.opening == dt.date.fromisoformat(first["startDate"][:10])
        assert call.deadline == dt.date.fromisoformat(first["deadlineDate"][:10])
        assert call.budget_total == first["budget"]["totalBudgetEur"]
        assert call.status == "open"  # "Open for submission" at its snapshot
        assert call.as_of is not None and call.as_of.isoformat()[:10] == first["snapshot"][:10]
        state = session.get_one(SourceState, "calls")
        newest = max(r["snapshot"] for r in rows)[:10]
        assert state.data_as_of.isoformat() == newest and state.method == "import"


def test_both_files_make_one_call_each_and_the_order_does_not_matter(databases, shared):
    export = shared / "calls" / "ft-topics-open-forthcoming-2026-08.jsonl"
    search = shared / "calls" / "ft-topics-2026-03-to-08-sedia.jsonl"
    only_in_search = {r["identifier"] for r in _lines(search)} - {r["topicId"] for r in _lines(export)}
    assert len(only_in_search) == 557
    results = []
    for order in ((export, search), (search, export)):
        from samverkan.db import ensure_schema, make_engine

        engine = make_engine(databases.copy(databases.template, tag=f"feeds{len(results)}"))
        ensure_schema(engine)
        for path in order:
            import_source(engine, "calls", path, as_of=AUGUST)
        assert not import_source(engine, "calls", order[0], as_of=AUGUST).changed  # again: nothing
        with Session(engine) as session:
            calls = {c.id: c for c in session.scalars(select(Call))}
            feeds = session.execute(select(CallSource.call_id, CallSource.feed)).all()
            results.append(
                {
                    code: (c.title, c.status, c.deadline, c.opening, c.description, c.budget_max, c.as_of.date())
                    for code, c in calls.items()
                }
            )
        engine.dispose()
        assert len(calls) == 629 + 557
        both = {code for code, feed in feeds if feed == "ft-export"} & {
            code for code, feed in feeds if feed == "ft-search"
        }
        assert len(both) == 629  # every topic of the export is also a search record: both kept
    assert results[0] == results[1]


def test_the_newer_record_wins_field_by_field_and_an_excerpt_never_replaces_the_text(engine, shared):
    export = shared / "calls" / "ft-topics-open-forthcoming-2026-08.jsonl"
    search = shared / "calls" / "ft-topics-2026-03-to-08-sedia.jsonl"
    exported = {r["topicId"]: r for r in _lines(export)}
    newer = [
        r
        for r in _lines(search)
        if r["identifier"] in exported
        and r["snapshot"][:10] > AUGUST.isoformat()
        and (r["abstract"] or "").endswith("…")
        and exported[r["identifier"]]["description"]
    ]
    assert newer
    import_source(engine, "calls", export, as_of=AUGUST)
    import_source(engine, "calls", search)
    with Session(engine) as session:
        for row in newer[:25]:
            call = session.get_one(Call, row["identifier"])
            old = exported[row["identifier"]]
            assert call.opening == dt.date.fromisoformat(row["startDate"][:10])  # only the newer has it
            assert call.deadline == dt.date.fromisoformat(row["deadlineDate"][:10])  # the newer wins
            assert call.keywords == (old["keywords"] or None)  # only the older has it: kept
            assert call.description is not None and not call.description.endswith("…")  # the full text stays


def test_a_record_without_a_date_is_as_of_the_day_given_and_keeps_it_while_unchanged(engine, tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps({"topicId": "T-1", "title": "First", "callStatus": "open"}) + "\n")
    import_source(engine, "calls", path, as_of=dt.date(2026, 1, 5))
    report = import_source(engine, "calls", path)  # the same file again, undated: nothing changes
    assert any("--as-of" in note for note in report.notes)  # the user is told the data is undated
    assert not report.changed
    with Session(engine) as session:
        assert session.get_one(Call, "T-1").as_of.date() == dt.date(2026, 1, 5)
        assert session.get_one(SourceState, "calls").data_as_of == dt.date(2026, 1, 5)


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"identifier": "X 1", "status": {"label": "Forthcoming"}}, r"field 'identifier': 'X 1' is not a topic code"),
        ({"identifier": "X-1", "status": {"label": "Maybe"}}, r"field 'status.label': 'Maybe' is not one of"),
        ({"identifier": "X-1", "status": "open"}, r"field 'status': expected an object"),
        (
            {"identifier": "X-1", "status": {"label": "Forthcoming"}, "deadlineDate": "soon"},
            r"field 'deadlineDate': 'soon' is not a date",
        ),
        (
            {"identifier": "X-1", "status": {"label": "Forthcoming"}, "budget": {"totalBudgetEur": "lots"}},
            r"field 'budget.totalBudgetEur': 'lots' is not a number",
        ),
        (
            {"identifier": "X-1", "status": {"label": "Forthcoming"}, "snapshot": "yesterday"},
            r"field 'snapshot': 'yesterday' is not an ISO 8601 time",
        ),
        (
            {"identifier": "X-1", "status": {"label": "Forthcoming"}, "deadlineDate": ["2026-01-01"] * 21},
            r"field 'deadlineDate': 21 deadlines; at most 20",
        ),
    ],
)
def test_a_bad_search_record_rejects_the_file_naming_the_field(engine, tmp_path, record, message):
    path = tmp_path / "s.jsonl"
    good = {"identifier": "X-0", "title": "ok", "status": {"label": "Open for submission"}}
    path.write_text(json.dumps(good) + "\n" + json.dumps(record) + "\n")
    before = snapshot(engine)
    with pytest.raises(InputError, match="s.jsonl:2: " + message):
        import_source(engine, "calls", path)
    assert snapshot(engine) == before


def test_a_two_stage_call_is_open_until_its_last_deadline(engine, tmp_path):
    from samverkan.catalogue.calls import of_call

    path = tmp_path / "s.jsonl"
    record = {
        "identifier": "X-2",
        "title": "Two stages",
        "status": {"label": "Open for submission"},
        "startDate": "2026-09-01T00:00:00.000Z",
        "deadlineDate": ["2027-02-10T17:00:00.000Z", "2026-12-02T17:00:00.000Z"],
        "snapshot": "2026-10-01T06:00:00.000Z",
    }
    path.write_text(json.dumps(record) + "\n")
    import_source(engine, "calls", path)
    with Session(engine) as session:
        call = session.get_one(Call, "X-2")
        assert call.deadlines == ["2026-12-02", "2027-02-10"] and call.deadline == dt.date(2027, 2, 10)
        first_stage = of_call(dt.date(2026, 11, 20), call)
        assert first_stage.status == "open" and first_stage.next_deadline == dt.date(2026, 12, 2)
        second = of_call(dt.date(2026, 12, 4), call)
        assert second.status == "open" and second.next_deadline == dt.date(2027, 2, 10) and second.days_left == 68
        assert of_call(dt.date(2027, 2, 11), call).status == "closed"


def test_an_older_record_of_the_same_feed_imported_later_changes_nothing(engine, shared, tmp_path):
    search = shared / "calls" / "ft-topics-2026-03-to-08-sedia.jsonl"
    import_source(engine, "calls", search)
    row = next(r for r in _lines(search) if r["title"] != r["identifier"])
    older = {**row, "title": "An older title", "snapshot": "2026-01-02T06:00:00.000Z"}
    path = tmp_path / "older.jsonl"
    path.write_text(json.dumps(older) + "\n")
    assert not import_source(engine, "calls", path).changed
    with Session(engine) as session:
        assert session.get_one(Call, row["identifier"]).title == row["title"]

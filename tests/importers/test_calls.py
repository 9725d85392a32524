"""Funding & Tenders topics (JSON lines)."""

import json

import pytest
from sqlalchemy.orm import Session

from samverkan.db.models import Call
from samverkan.errors import InputError
from samverkan.importers import import_source

from .helpers import snapshot


def test_bundled_calls_import_and_reimport(engine, demo_dir):
    report = import_source(engine, "calls", demo_dir / "calls")
    assert report.counts["topics"].read == 629 + 1186  # the export and the search-API records
    assert report.counts["calls"].read == report.counts["calls"].inserted == 1186  # 557 only in the second
    assert not import_source(engine, "calls", demo_dir / "calls").changed
    with Session(engine) as session:
        call = session.get(Call, "ERC-2026-POC")
        assert call.status == "closed" and call.programme == "Horizon Europe"
        assert str(call.deadline) == "2026-03-17" and call.budget_max == 150000
        assert "â€" not in (call.conditions or "")


def test_shared_file_matches(engine, shared):
    report = import_source(engine, "calls", shared / "calls" / "ft-topics-open-forthcoming-2026-08.jsonl")
    assert report.counts["calls"].inserted == 629


def test_calls_overwrite_what_cordis_said_about_a_topic(engine, tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps({"topicId": "T-1", "title": "First", "callStatus": "forthcoming"}) + "\n")
    import_source(engine, "calls", path)
    path.write_text(json.dumps({"topicId": "T-1", "title": "Renamed", "callStatus": "open"}) + "\n")
    report = import_source(engine, "calls", path)
    assert report.counts["calls"].updated == 1
    with Session(engine) as session:
        assert session.get(Call, "T-1").title == "Renamed"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"topicId": "T-2", "title": "x", "callStatus": "open"', r"t.jsonl:2: the line: malformed JSON at column"),
        ('{"topicId": "T-2", "title": "x"}', r"t.jsonl:2: field 'callStatus': required field is missing"),
        (
            '{"topicId": "T-2", "title": "x", "callStatus": "maybe"}',
            r"t.jsonl:2: field 'callStatus': 'maybe' is not one of",
        ),
        ('{"topicId": "T-2", "title": "x", "callStatus": "open", "deadline": "soon"}', r"t.jsonl:2: field 'deadline'"),
        ('["not", "an", "object"]', r"t.jsonl:2: expected a JSON object"),
    ],
)
def test_bad_lines_reject_the_file(engine, tmp_path, line, message):
    path = tmp_path / "t.jsonl"
    good = json.dumps({"topicId": "T-1", "title": "ok", "callStatus": "open"})
    path.write_text(good + "\n" + line + "\n")
    before = snapshot(engine)
    with pytest.raises(InputError, match=message):
        import_source(engine, "calls", path)
    assert snapshot(engine) == before

"""A source that answers something else than it should: a maintenance page, JSON of another
shape, JSON nested to break a parser, a record without a topic code, markup in a title. Each
stops the sync with a clear message (nothing written) or is left out; markup is shown as text."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from samverkan.db.models import Call
from samverkan.sync import Unreachable, run_sync

from .sources import sync_settings as _settings


def _calls(engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(Call)) or 0


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (b"<html><body>Service under maintenance</body></html>", "malformed JSON.*Service under maintenance"),
        (b'{"results": []}', "no totalResults"),
        (b'{"totalResults": 3, "results": {"a": 1}}', "results are not a list"),
        (b"[" * 200_000 + b"]" * 200_000, "nested 200000 levels deep"),
        (b'{"totalResults": 1, "results": [' + b"\xff\xfe" + b"]}", "not UTF-8"),
    ],
)
def test_an_answer_of_another_kind_stops_the_sync_and_writes_nothing(engine, db_url, sources, tmp_path, answer, says):
    sources.raw_page = answer
    started = time.monotonic()
    with pytest.raises(Unreachable, match=says):
        run_sync(engine, _settings(db_url, sources, tmp_path), "calls", embed=False)
    assert time.monotonic() - started < 10 and _calls(engine) == 0


def test_results_without_a_topic_code_are_left_out_and_markup_stays_text(engine, db_url, sources, tmp_path):
    from fastapi.testclient import TestClient

    from samverkan.web import create_app

    sources.topics = sources.topics[:5]
    sources.topics[0]["title"] = '<script>alert("x")</script> Hydrogen'
    sources.topics[1]["identifier"] = ""  # no topic code: not a call
    deep = "[" * 100_000 + "]" * 100_000
    sources.topics[2]["budget"] = {"totalBudgetEur": 1, "years": ["2026"]}
    settings = _settings(db_url, sources, tmp_path)
    report = run_sync(engine, settings, "calls", embed=False)
    assert report.imports[0].counts["calls"].inserted == 4
    with Session(engine) as session:
        assert session.get(Call, sources.topics[0]["identifier"]).title.startswith("<script>")
    from samverkan.sync.portal import budget

    assert budget("X-1", deep) is None  # a budget nested to break a parser: no budget, no crash
    app = create_app(settings)
    with TestClient(app) as client:
        page = client.get(f"/calls/{sources.topics[0]['identifier']}").text
        assert '<script>alert("x")</script>' not in page and "&lt;script&gt;alert(" in page
        found = client.get("/api/v1/search", params={"q": "hydrogen", "kind": "call", "status": "all"})
        assert found.status_code == 200
    app.state.samverkan.close()
    assert json.dumps(report.as_dict())  # the report itself is plain data


def test_a_working_group_address_leads_nowhere_else():
    from samverkan.web.templating import entity_url

    assert entity_url("working_group", "../../admin") == "/working-groups/..%2F..%2Fadmin"

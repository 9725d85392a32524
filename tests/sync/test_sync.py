"""``samverkan sync``, end to end against local servers that answer in each source's real
format, built from the shared files: a first sync loads everything, a second writes and
embeds nothing, a changed record is updated (and re-embedded) alone, a sync killed half-way
and run again ends as an uninterrupted one, an unreachable source changes nothing."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from samverkan.catalogue.queries import TABLES
from samverkan.cli import main
from samverkan.db.models import Call, CallSource, Embedding, Project, SourceState
from samverkan.errors import SamverkanError
from samverkan.sync import run_sync

from .sources import sync_settings as _settings

WHEN = {"imported_at", "as_of", "computed_at"}  # when a run happened, not what it holds


def _catalogue(engine: Engine, times: bool = True) -> dict[str, list]:
    """Every catalogue table's rows, in order (what a sync may change; the sources table,
    which records each run, is not among them); without ``times``, the columns that say when
    a run wrote a row are left out."""
    out = {}
    with Session(engine) as session:
        for name, model in [*TABLES.items(), ("call_sources", CallSource)]:
            table = model.__table__
            columns = [c for c in table.columns if times or c.name not in WHEN]
            rows = session.execute(select(*columns).order_by(*table.primary_key))
            out[name] = [tuple(map(str, row)) for row in rows]
    return out


def test_calls_first_second_and_a_changed_record(engine, db_url, sources, topics, tmp_path):
    settings = _settings(db_url, sources, tmp_path)
    first = run_sync(engine, settings, "calls", embed=False)
    calls = first.imports[0].counts["calls"]
    assert calls.inserted == len({t["identifier"] for t in topics}) == 1186  # everything the portal offers
    with Session(engine) as session:
        state = session.get_one(SourceState, "calls")
        assert state.method == "sync" and state.location == settings.sync_calls_url
        assert state.data_as_of == settings.current_day() or state.data_as_of is not None
        two_stage = session.get_one(Call, topics[0]["identifier"])
        assert two_stage.budget_total == topics[0]["budget"]["totalBudgetEur"]
    before = _catalogue(engine)
    second = run_sync(engine, settings, "calls", embed=False)
    assert not second.changed
    assert second.imports[0].counts["calls"].unchanged == 1186
    assert _catalogue(engine) == before  # wrote nothing
    changed = sources.topics[5]
    changed["title"] = changed["title"] + " (amended)"
    changed["deadlineDate"] = "2027-03-03T17:00:00.000Z"
    third = run_sync(engine, settings, "calls", embed=False)
    counts = third.imports[0].counts["calls"]
    assert (counts.inserted, counts.updated, counts.unchanged) == (0, 1, 1185)
    with Session(engine) as session:
        call = session.get_one(Call, changed["identifier"])
        assert call.title.endswith("(amended)") and str(call.deadline) == "2027-03-03"


def test_embedding_follows_what_changed(engine, db_url, sources, tmp_path):
    sources.topics = sources.topics[:12]  # embedding on the CPU: a small portal keeps this quick
    settings = _settings(db_url, sources, tmp_path)
    first = run_sync(engine, settings, "calls")
    assert first.embedded == {"call": 12}
    assert run_sync(engine, settings, "calls").embedded == {"call": 0}  # nothing changed: nothing embedded
    sources.topics[3]["title"] = "Hydrogen valleys for rural regions"
    third = run_sync(engine, settings, "calls")
    assert third.embedded == {"call": 1}
    with Session(engine) as session:
        stored = session.scalars(select(Embedding.record_id).where(Embedding.kind == "call")).all()
        assert len(stored) == 12


def test_a_sync_killed_half_way_ends_as_an_uninterrupted_one(databases, sources, tmp_path):
    from samverkan.db import make_engine

    whole_url = databases.fresh()
    whole = make_engine(whole_url)
    run_sync(whole, _settings(whole_url, sources, tmp_path / "whole"), "calls", embed=False)
    url = databases.fresh()
    settings = _settings(url, sources, tmp_path / "killed")
    env = os.environ | {
        "SAMVERKAN_SYNC_CALLS_URL": settings.sync_calls_url,
        "SAMVERKAN_SYNC_FACETS_URL": settings.sync_facets_url,
        "SAMVERKAN_SYNC_DIR": str(settings.sync_runtime_dir),
    }
    sources.served_pages, sources.hold_after = 0, 6  # of 12 pages: the seventh never comes
    process = subprocess.Popen(
        [sys.executable, "-m", "samverkan", "--db", url, "sync", "calls", "--no-embed"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while sources.served_pages < 7 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    staged = sorted(p.name for p in (settings.sync_runtime_dir / "calls").glob("page-*.json"))
    assert len(staged) == 6  # the pages it had, each whole
    killed = make_engine(url)
    with Session(killed) as session:
        assert session.scalar(select(Call.id).limit(1)) is None  # nothing imported yet
    sources.hold_after = None
    sources.release.set()
    asked = len(sources.requests)
    rerun = CliRunner().invoke(main, ["--db", url, "sync", "calls", "--no-embed"], env=env, catch_exceptions=False)
    assert rerun.exit_code == 0, rerun.output
    pages_asked = [r for r in sources.requests[asked:] if "/rest/search" in r]
    assert [r.rsplit("=", 1)[1] for r in pages_asked] == ["7", "8", "9", "10", "11", "12"]  # only those it lacked
    assert _catalogue(killed, times=False) == _catalogue(whole, times=False)
    killed.dispose()
    whole.dispose()


def test_an_unreachable_source_leaves_the_data_as_it_was(engine, db_url, sources, tmp_path, demo_dir):
    from samverkan.importers import import_source

    import_source(engine, "calls", demo_dir / "calls")
    before = _catalogue(engine)
    sqlite_file = Path(db_url.removeprefix("sqlite:///")) if db_url.startswith("sqlite") else None
    digest = hashlib.sha256(sqlite_file.read_bytes()).hexdigest() if sqlite_file else None
    engine.dispose()
    closed = _settings(db_url, sources, tmp_path, sync_calls_url="http://127.0.0.1:9/rest/search?apiKey=SEDIA",
                       sync_facets_url="http://127.0.0.1:9/rest/facet?apiKey=SEDIA")  # fmt: skip
    with pytest.raises(SamverkanError, match=r"127\.0\.0\.1:9/rest/facet.*cannot connect"):
        run_sync(engine, closed, "calls", embed=False)
    sources.fail_with = 503
    with pytest.raises(SamverkanError, match="answered HTTP 503"):
        run_sync(engine, _settings(db_url, sources, tmp_path), "cordis", embed=False)
    result = CliRunner().invoke(
        main, ["--db", db_url, "sync", "calls"], env={"SAMVERKAN_SYNC_CALLS_URL": closed.sync_calls_url,
                                                      "SAMVERKAN_SYNC_FACETS_URL": closed.sync_facets_url,
                                                      "SAMVERKAN_SYNC_DIR": str(tmp_path / "cli")})  # fmt: skip
    assert result.exit_code == 1 and "cannot connect" in result.output and "Traceback" not in result.output
    engine.dispose()
    if sqlite_file:
        assert hashlib.sha256(sqlite_file.read_bytes()).hexdigest() == digest  # byte for byte
    assert _catalogue(engine) == before


def test_cordis_dumps_are_read_only_when_they_changed(engine, db_url, databases, sources, cordis_zip, tmp_path):
    settings = _settings(db_url, sources, tmp_path)
    first = run_sync(engine, settings, "cordis", embed=False)
    assert first.imports[0].counts["projects"].inserted == 150
    before = _catalogue(engine)
    with Session(engine) as session:
        first_run = session.get_one(SourceState, "cordis").finished_at
    second = run_sync(engine, settings, "cordis", embed=False)
    assert not second.imports and not second.changed and "not changed since the last sync" in second.notes[0]
    assert _catalogue(engine) == before
    with Session(engine) as session:  # checked, and current: /sources says when
        state = session.get_one(SourceState, "cordis")
        assert state.finished_at > first_run and state.counts == {"not_modified": True}
    from samverkan.db import make_engine

    other_url = databases.fresh()  # a new database, the same sync folder: it reads the dump whole
    other = make_engine(other_url)
    again = run_sync(other, _settings(other_url, sources, tmp_path), "cordis", embed=False)
    assert again.imports[0].counts["projects"].inserted == 150
    other.dispose()
    archive = zipfile.ZipFile(io.BytesIO(cordis_zip))
    members = {name: archive.read(name).decode() for name in archive.namelist()}
    lines = members["project.csv"].splitlines()
    fields = next(csv.reader([lines[1]], delimiter=";"))
    fields[3] = fields[3] + " (revised)"
    lines[1] = ";".join(f'"{v}"' for v in fields)
    members["project.csv"] = "\n".join(lines) + "\n"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as changed:
        for name, content in members.items():
            changed.writestr(name, content)
    sources.files["cordis-h2020projects-csv.zip"] = out.getvalue()
    third = run_sync(engine, settings, "cordis", embed=False)
    projects = third.imports[0].counts["projects"]
    assert (projects.inserted, projects.updated) == (0, 1)
    with Session(engine) as session:
        assert session.get_one(Project, fields[0]).title.endswith("(revised)")


def test_hubs_from_the_edih_catalogue_export(engine, db_url, sources, edih_export, tmp_path):
    import openpyxl

    settings = _settings(db_url, sources, tmp_path)
    first = run_sync(engine, settings, "hubs", embed=False)
    assert first.imports[0].counts["hubs"].inserted == 457
    with Session(engine) as session:
        state = session.get_one(SourceState, "edih")
        assert state.method == "sync" and state.location == settings.sync_hubs_url
        assert state.data_as_of == settings.current_day()  # read from the source today
    before = _catalogue(engine)
    second = run_sync(engine, settings, "hubs", embed=False)
    assert not second.changed and not second.imports  # the export's ETag is unchanged: not read
    assert _catalogue(engine) == before
    book = openpyxl.load_workbook(io.BytesIO(edih_export))
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[header.index("Country")].value == "Sweden")
    name = row[header.index("EDIH Name")].value
    row[header.index("Description (indexed field)")].value = "A hub for the digital change of Swedish healthcare."
    out = io.BytesIO()
    book.save(out)
    sources.files["edih-export.xlsx"] = out.getvalue()
    third = run_sync(engine, settings, "hubs", embed=False)
    hubs = third.imports[0].counts["hubs"]
    assert (hubs.inserted, hubs.updated, hubs.unchanged) == (0, 1, 456), name
    sources.fail_with = 500
    with pytest.raises(SamverkanError, match="answered HTTP 500"):
        run_sync(engine, settings, "hubs", embed=False)
    unset = _settings(db_url, sources, tmp_path, sync_hubs_url=None)
    with pytest.raises(SamverkanError, match="SAMVERKAN_SYNC_HUBS_URL"):
        run_sync(engine, unset, "hubs", embed=False)


def test_serve_syncs_on_a_schedule_without_holding_up_requests(engine, db_url, sources, tmp_path):
    from fastapi.testclient import TestClient

    from samverkan.sync import Scheduler
    from samverkan.web import create_app

    settings = _settings(db_url, sources, tmp_path)
    # every half second, for the test; embedding what changed is test_embedding_follows_what_changed's
    scheduler = Scheduler(engine, settings, hours=0.5 / 3600, embed=False)
    sources.served_pages, sources.hold_after = 0, 3  # the sync stalls on its fourth page
    app = create_app(settings)
    with TestClient(app) as client:
        scheduler.start()
        deadline = time.monotonic() + 120

        def asked() -> int:
            return sum("/rest/search" in r for r in sources.requests)

        while asked() < 4 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert asked() >= 4  # the scheduled sync is under way, stalled on its fourth page …
        started = time.monotonic()
        answer = client.get("/api/v1/search", params={"q": "hydrogen", "kind": "hub"})
        assert answer.status_code == 200 and time.monotonic() - started < 10  # … and requests are answered
        sources.hold_after = None
        sources.release.set()
        while time.monotonic() < deadline:
            with Session(engine) as session:
                if session.get(SourceState, "edih") is not None:
                    break
            time.sleep(0.2)
        scheduler.stop()
        listed = {s["name"]: s for s in client.get("/api/v1/sources").json()["sources"]}
    app.state.samverkan.close()
    assert {"calls", "cordis", "edih"} <= {n for n, s in listed.items() if s["method"] == "sync"}
    assert listed["calls"]["holds"]["calls"] == 1186


def test_one_sync_of_a_source_at_a_time_and_odd_records_do_not_hold_up_the_rest(engine, db_url, sources, tmp_path):
    from samverkan.sync.fetch import Stage

    settings = _settings(db_url, sources, tmp_path)
    with Stage(settings.sync_runtime_dir / "calls").locked("calls"):  # e.g. the scheduler's sync
        with pytest.raises(SamverkanError, match="a sync of calls is running already"):
            run_sync(engine, settings, "calls", embed=False)
    sources.topics[2]["deadlineDate"] = "some day"  # one odd record of 1,186
    report = run_sync(engine, settings, "calls", embed=False)
    counts = report.imports[0].counts["calls"]
    assert counts.inserted == 1185 and len(report.imports[0].rejected) == 1
    assert "deadlineDate" in str(report.imports[0].rejected[0])


def test_a_budget_is_the_topics_own_not_its_siblings():
    from samverkan.sync.portal import budget

    overview = json.dumps(
        {
            "budgetTopicActionMap": {
                "1": [
                    {"action": "X-01-1 - First", "budgetYearMap": {"2026": 1000000}, "expectedGrants": 2},
                    {"action": "X-01-10 - Tenth", "budgetYearMap": {"2026": 9000000}, "expectedGrants": 5},
                ]
            }
        }
    )
    assert budget("X-01-1", overview)["totalBudgetEur"] == 1000000
    assert budget("X-01-1", json.dumps([1, 2])) is None  # not the shape it should be: no budget, no crash
    assert budget("X-01-1", json.dumps({"budgetTopicActionMap": {"1": [{"action": "X-01-1", "budgetYearMap": [3]}]}}))

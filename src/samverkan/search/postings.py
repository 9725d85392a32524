"""The live index of published needs and solutions.

Design: the catalogue's :class:`~samverkan.catalogue.snapshot.Snapshot` is keyed by the catalogue
revision and is expensive to rebuild (seconds to minutes); postings change often and are few
(tens to thousands). So a posting's edit does *not* move the catalogue revision. Instead every
write of a posting (create, update, withdraw) renews ``meta.postings_revision_id`` in its own
transaction (:func:`bump`), and search keeps a small index of its own per *postings state*:

- ``need``: the published needs;
- ``solution``: the catalogue's JRC public-service cases (ids are numbers, as they always were)
  *and* the published solutions (ids ``p<number>``), in one index, so that BM25 and the fused
  ranks are computed over one collection and their scores are comparable.

The state (:func:`state`) is that meta value with, besides, the number of published postings and
the newest ``updated_at`` and id among them: a loader that writes ``postings`` rows without
calling :func:`bump` (the demo's strategy) still moves it. It is read once per search that asks
for these kinds (one small query); when it moved, the kind's index is rebuilt on the next search
(about 0.1 s for the demo's 853 cases and a few postings: the catalogue part is read from the
database and analysed again, its vectors are taken from the snapshot). A withdrawn posting
is gone from the very next search, in every process, because every process reads the state.

Found by meaning alone, a published posting must be close to the query
(:data:`samverkan.search.hybrid.POSTING_COSINE`): among a handful of postings the dense scan ranks
every one of them. Meaning: a published posting's text is embedded (``posting_text``) when the index is rebuilt and
stored in ``embeddings`` under kind ``posting`` with the sha1 of its text, so it is embedded
once per text; storing it does not move the vectors' revision (the catalogue's snapshot never
reads kind ``posting``). With dense search off, postings are found by words alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Engine, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from samverkan import budget
from samverkan.db.community import Posting
from samverkan.db.models import Embedding, Meta
from samverkan.search.analysis import Analyzer
from samverkan.search.dense import Embedder, embed_texts, load_vectors
from samverkan.search.documents import KindIndex, build_kind_index, posting_documents, posting_key, posting_text

POSTINGS_ID = "postings_revision_id"  # meta key renewed by every write of a posting
EMBEDDED_KIND = "posting"  # the kind of postings' vectors in ``embeddings`` (record id: the posting's number)
LIVE_KINDS = ("need", "solution")

Vectors = tuple[list[int], np.ndarray]
Documents = list[tuple[dict[str, Any], list[tuple[str | None, int]]]]
# the catalogue's records of a kind with their weighted fields, and their stored vectors by id
Catalogue = Callable[[], tuple[Documents, dict[str, np.ndarray]]]


def bump(session: Session) -> None:
    """Mark the postings as changed, inside the transaction that changed them (an upsert, so two
    first writers on PostgreSQL do not collide on the key)."""
    value = uuid.uuid4().hex
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(Meta).values(key=POSTINGS_ID, value=value)
    session.execute(statement.on_conflict_do_update(index_elements=[Meta.key], set_={"value": value}))


def state(engine: Engine) -> str:
    """The postings' state as one string: equal strings, equal published postings."""
    with Session(engine) as session:
        revision = session.scalar(select(Meta.value).where(Meta.key == POSTINGS_ID)) or "none"
        count, newest, last = session.execute(
            select(func.count(Posting.id), func.max(Posting.updated_at), func.max(Posting.id)).where(
                Posting.status == "published"
            )
        ).one()
    stamp = newest.isoformat() if isinstance(newest, dt.datetime) else str(newest)
    return f"{revision}.{count}.{stamp}.{last}"


@dataclass
class LiveKind:
    """One kind's live index: its records (sorted by id), BM25 index and vectors."""

    key: str
    built: KindIndex
    vectors: Vectors | None
    strict: frozenset[int]  # the documents that are published postings (not catalogue records)


class LivePostings:
    """The live indexes of the kinds ``need`` and ``solution`` (see the module)."""

    def __init__(
        self,
        engine: Engine,
        analyzer: Callable[[], Analyzer],
        embedder: Callable[[], Embedder] | None,
        model: str,
    ) -> None:
        self.engine = engine
        self.analyzer = analyzer
        self.embedder = embedder  # None: dense search is off
        self.model = model
        self._lock = threading.Lock()
        self._kinds: dict[str, LiveKind] = {}

    def index(self, kind: str, catalogue_key: str, catalogue: Catalogue | None = None) -> LiveKind:
        """The live index of ``kind`` for the postings' state now and the catalogue's revision
        ``catalogue_key``; ``catalogue`` gives the catalogue's own records of the kind (with
        their weighted fields) and their stored vectors by id, merged in (solutions: the JRC
        cases)."""
        key = f"{catalogue_key}/{state(self.engine)}"
        with self._lock:
            live = self._kinds.get(kind)
            if live is not None and live.key == key:
                return live
            with budget.exempt():
                live = self._build(kind, key, catalogue)
            self._kinds[kind] = live
            return live

    def _build(self, kind: str, key: str, catalogue: Catalogue | None) -> LiveKind:
        with Session(self.engine) as session:
            loaded = list(posting_documents(session, kind))
            texts = {
                str(p.id): posting_text(p)
                for p in session.execute(
                    select(Posting).where(Posting.kind == kind, Posting.status == "published")
                ).scalars()
            }
        by_id = {posting_key(int(n)): v for n, v in self._posting_vectors(texts).items()} if self.embedder else {}
        if catalogue is not None:
            documents, vectors = catalogue()
            loaded += documents
            by_id |= vectors
        index = build_kind_index(loaded, self.analyzer())
        rows = [doc for doc, record in enumerate(index.records) if record["id"] in by_id]
        matrix = np.vstack([by_id[index.records[doc]["id"]] for doc in rows]).astype(np.float32) if rows else None
        postings = frozenset(doc for doc, record in enumerate(index.records) if "posting_id" in record)
        return LiveKind(key, index, (rows, matrix) if matrix is not None else None, postings)

    def _posting_vectors(self, texts: dict[str, str]) -> dict[str, np.ndarray]:
        """The stored vectors of the postings' texts (keyed by posting number), embedding and
        storing those that are new or whose text changed."""
        assert self.embedder is not None
        digests = {number: hashlib.sha1(text.encode()).hexdigest() for number, text in texts.items()}
        with Session(self.engine) as session:
            stored = dict(
                session.execute(
                    select(Embedding.record_id, Embedding.text_hash).where(
                        Embedding.kind == EMBEDDED_KIND, Embedding.model == self.model
                    )
                ).all()
            )
        todo = sorted(n for n in texts if stored.get(n) != digests[n])
        if todo:
            vectors = embed_texts(self.embedder(), [texts[n] for n in todo])
            now = dt.datetime.now(dt.UTC)
            try:
                with Session(self.engine) as session, session.begin():
                    for number, vector in zip(todo, vectors, strict=True):
                        session.merge(
                            Embedding(
                                kind=EMBEDDED_KIND,
                                record_id=number,
                                model=self.model,
                                text_hash=digests[number],
                                vector=vector.astype(np.float32).tobytes(),
                                computed_at=now,
                            )
                        )
            except IntegrityError:  # another process stored them first: the same vectors
                pass
        ids, matrix = load_vectors(self.engine, EMBEDDED_KIND, self.model)
        return {number: matrix[row] for row, number in enumerate(ids) if number in texts}

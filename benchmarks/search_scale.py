"""Benchmark: the search index at catalogue scale — 1,000,000 synthetic items built from real texts.

Each synthetic item joins the title of one real catalogue record (call or project) to the
first ``--words`` words of another's text; its vector is the normalised sum of the two
records' stored e5 vectors plus a little noise (embedding a million texts with e5 on two
cores would take days; the stored vectors are the real ones). The items are indexed exactly
as the product indexes records: the BM25 index (``LexicalIndex``, with the product's
analyser) and a float32 matrix for exact cosine search. Queries are real project texts
(2,000 characters) and titles, embedded by the real model, then answered as ``/api/v1/search``
does: BM25 top 100, dense top 100, reciprocal rank fusion.

Printed: build rate, index size, peak resident memory and query latency (median, p95), for
the real catalogue alone (the baseline, same run) and for the synthetic one.

    python benchmarks/search_scale.py --db sqlite:///PATH [--items 1000000] [--queries 100]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time

import numpy as np
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from samverkan.db.engine import normalise_url
from samverkan.db.models import Call, Project
from samverkan.search.analysis import Analyzer
from samverkan.search.dense import E5Embedder, load_vectors, normalise, query_text, rrf_scores, top_k
from samverkan.search.lexical import LexicalIndex

CANDIDATES = 100


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def real_records(db: str, model: str) -> tuple[list[str], list[str], np.ndarray]:
    """Titles, texts and stored vectors of every call and project that has a vector."""
    engine = create_engine(normalise_url(db))
    titles, texts, vectors = [], [], []
    with Session(engine) as session:
        rows = {("call", c.id): (c.title or "", f"{c.keywords or ''} {c.description or ''}")
                for c in session.execute(select(Call)).scalars()}  # fmt: skip
        for p in session.execute(select(Project).where(Project.title.is_not(None))).scalars():
            rows[("project", p.id)] = (p.title, p.objective or "")
    for kind in ("call", "project"):
        ids, matrix = load_vectors(engine, kind, model)
        for record_id, vector in zip(ids, matrix, strict=True):
            title, text = rows[(kind, record_id)]
            titles.append(title)
            texts.append(text)
            vectors.append(vector)
    engine.dispose()
    if not vectors:
        raise SystemExit("no stored vectors: run `samverkan embed --kind call --kind project` first")
    return titles, texts, np.stack(vectors)


def synthetic(titles, texts, vectors, n: int, words: int, seed: int = 7):
    """``n`` items, each a real title + the start of another real text; vectors likewise mixed."""
    rng = np.random.default_rng(seed)
    with_text = np.flatnonzero([len(t.split()) >= words for t in texts])
    a = rng.integers(0, len(titles), n)
    b = with_text[rng.integers(0, len(with_text), n)]
    heads = [" ".join(t.split()[:words]) for t in texts]
    docs = ([(titles[i], 3), (heads[j], 1)] for i, j in zip(a.tolist(), b.tolist(), strict=True))
    matrix = np.empty((n, vectors.shape[1]), dtype=np.float32)
    for start in range(0, n, 100_000):
        end = min(n, start + 100_000)
        noise = rng.normal(0, 0.02, (end - start, vectors.shape[1])).astype(np.float32)
        matrix[start:end] = normalise(vectors[a[start:end]] + vectors[b[start:end]] + noise)
    return docs, matrix


def build(docs, analyzer: Analyzer, n: int) -> tuple[LexicalIndex, float]:
    started = time.perf_counter()
    index = LexicalIndex.build(_progress(docs, n), analyse=analyzer.index_terms)
    return index, time.perf_counter() - started


def _progress(docs, n: int):
    started = time.perf_counter()
    for i, doc in enumerate(docs, start=1):
        if i % 100_000 == 0:
            rate = i / (time.perf_counter() - started)
            print(f"  indexed {i:,} of {n:,} ({rate:,.0f} items/s)", flush=True)
        yield doc


def measure(index: LexicalIndex, matrix: np.ndarray, queries, analyzer: Analyzer, embedder: E5Embedder):
    """Latency (ms) of analyse + embed + BM25 + dense + fusion per query, and of its parts."""
    total, embedding, lexical, dense = [], [], [], []
    for query in queries:
        t0 = time.perf_counter()
        terms = analyzer.analyse_query(query).terms
        vector = embedder.query(query_text(query))
        t1 = time.perf_counter()
        hits = index.search(terms, limit=CANDIDATES)
        t2 = time.perf_counter()
        near = top_k(matrix, vector, CANDIDATES)
        t3 = time.perf_counter()
        rrf_scores([[str(h.doc) for h in hits], [str(i) for i, _ in near]])
        t4 = time.perf_counter()
        total.append((t4 - t0) * 1000)
        embedding.append((t1 - t0) * 1000)
        lexical.append((t2 - t1) * 1000)
        dense.append((t3 - t2) * 1000)
    return total, embedding, lexical, dense


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def report(label: str, runs) -> None:
    total, embedding, lexical, dense = runs
    print(
        f"{label:<34} median {statistics.median(total):7.1f} ms  p95 {p95(total):7.1f} ms   (p95 of the parts: "
        f"analyse+embed {p95(embedding):6.1f} ms, BM25 {p95(lexical):6.1f} ms, dense scan {p95(dense):6.1f} ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="catalogue with stored call and project vectors")
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--words", type=int, default=60, help="words taken from the second record's text")
    args = parser.parse_args()

    analyzer, embedder = Analyzer(), E5Embedder()
    titles, texts, vectors = real_records(args.db, embedder.name)
    rng = np.random.default_rng(11)
    long_texts = np.flatnonzero([len(t) >= 2000 for t in texts])
    long_queries = [texts[i][:2000] for i in rng.choice(long_texts, args.queries // 2, replace=False)]
    short_queries = [titles[i] for i in rng.choice(len(titles), args.queries - len(long_queries), replace=False)]
    embedder.query("warm up")
    print(f"real records with vectors: {len(titles):,}; queries: {len(long_queries)} long, {len(short_queries)} short")

    base_docs = ([(t, 3), (x, 1)] for t, x in zip(titles, texts, strict=True))
    base, seconds = build(base_docs, analyzer, len(titles))
    print(f"baseline: real catalogue, {len(titles):,} items indexed in {seconds:.1f} s")
    report("baseline, 2,000-char queries", measure(base, vectors, long_queries, analyzer, embedder))
    report("baseline, short queries", measure(base, vectors, short_queries, analyzer, embedder))

    rss_before = peak_rss_mib()
    docs, matrix = synthetic(titles, texts, vectors, args.items, args.words)
    index, seconds = build(docs, analyzer, args.items)
    print(
        f"synthetic: {args.items:,} items indexed in {seconds:.0f} s ({args.items / seconds:,.0f} items/s); "
        f"BM25 index {index.nbytes / 2**20:,.0f} MiB, {len(index.vocabulary):,} terms; "
        f"vectors {matrix.nbytes / 2**20:,.0f} MiB"
    )
    report(f"{args.items:,} items, 2,000-char queries", measure(index, matrix, long_queries, analyzer, embedder))
    report(f"{args.items:,} items, short queries", measure(index, matrix, short_queries, analyzer, embedder))
    print(f"peak resident memory: {peak_rss_mib():,.0f} MiB (before the synthetic catalogue: {rss_before:,.0f} MiB)")


if __name__ == "__main__":
    main()

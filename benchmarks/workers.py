"""Benchmark: ``samverkan serve --workers N`` on PostgreSQL — warm-up, memory and search latency.

(a) Start to warm on the demo catalogue (``--db``): ``serve`` is started with an empty snapshot
    folder (cold: the first process builds every part and writes its files) and again with the
    files present, with 1 worker and with ``--workers``; the time is from starting the command
    to every worker saying ``"warm": true`` on ``/api/v1/health`` (asked eight at a time, each on
    its own connection, until each worker's process id has answered warm).

(b) A large synthetic catalogue: a copy of the demo database plus ``--items`` synthetic projects,
    each the title of one real call or project joined to the first ``--words`` words of
    another's text, its stored vector the normalised sum of the two records' real e5 vectors
    plus a little noise (as ``benchmarks/search_scale.py`` makes them, but written to the
    database as rows of ``projects`` and ``embeddings``; kept for later runs). It is served once
    cold (building the snapshot files), then from the files with 1 worker (the baseline) and
    with ``--workers``; each setup reports its memory — RSS and PSS summed over ``serve`` and
    every process under it, from ``/proc/PID/smaps_rollup`` (PSS divides a shared page among the
    processes mapping it, so the snapshot files mapped by every worker count once) — and the
    latency of ``GET /api/v1/search?kind=project`` under ``--clients`` concurrent clients
    (threads of this process; real project titles as queries; each request on a new, light
    ``http.client`` connection, so the kernel hands it to a free worker and the client leaves
    the two CPUs to the server; the first few searches are not timed), with the CPU the server's
    processes and the benchmark used meanwhile (CPU seconds per second).

MQTT and the scheduled sync are off; the rate limits are lifted (one client address sends
everything).

    python benchmarks/workers.py --db postgresql://postgres@127.0.0.1:5432/DEMO [--items 1000000]
        [--workers 3] [--clients 8] [--requests 800] [--skip-start] [--skip-scale]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import http.client
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx2 as httpx
import numpy as np
import psycopg
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from samverkan.db import revision
from samverkan.db.engine import normalise_url
from samverkan.db.models import Call, Embedding, Project
from samverkan.search.dense import normalise

PREFIX = "synthetic-"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    base: str
    started: float
    log: Path


@contextmanager
def served(db: str, workers: int, snapshots: Path, log: Path) -> Iterator[Served]:
    """``samverkan serve --workers N`` on ``db`` with its snapshot files in ``snapshots``."""
    port = free_port()
    env = {
        **os.environ,
        "OMP_WAIT_POLICY": "passive",
        "SAMVERKAN_SNAPSHOT_DIR": str(snapshots),
        "SAMVERKAN_MQTT_PORT": "0",
        "SAMVERKAN_SYNC_EVERY_HOURS": "0",
        "SAMVERKAN_RATE_LIMIT_ADDRESS": "100000000/minute",
        "SAMVERKAN_RATE_LIMIT_TOKEN": "100000000/minute",
    }
    env.pop("SAMVERKAN_DB", None)
    command = [sys.executable, "-m", "samverkan", "--db", db, "serve", "--port", str(port), "--workers", str(workers)]
    with log.open("ab") as out:
        started = time.monotonic()
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield Served(process, f"http://127.0.0.1:{port}", started, log)
    finally:
        process.terminate()
        process.wait(timeout=60)


def _health(base: str) -> dict | None:
    try:
        with httpx.Client(timeout=30) as client:
            return client.get(base + "/api/v1/health").json()
    except httpx.TransportError:
        return None


def wait_warm(server: Served, workers: int, timeout: float = 3600) -> tuple[float, float]:
    """Seconds from the start to the first answer and to every worker warm."""
    first, warm = None, set()
    deadline = time.monotonic() + timeout
    with ThreadPoolExecutor(8) as pool:
        while len(warm) < workers:
            for answer in pool.map(_health, [server.base] * 8):
                if answer is None:
                    continue
                first = first or time.monotonic() - server.started
                if answer["warm"]:
                    warm.add(answer["worker"])
            if server.process.poll() is not None:
                raise SystemExit(f"serve stopped:\n{server.log.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                raise SystemExit(f"not warm within {timeout:.0f} s")
            time.sleep(0.1)
    assert first is not None
    return first, time.monotonic() - server.started


def _tree(root: int) -> list[int]:
    """``root`` and every process under it."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def memory(root: int) -> dict[str, float]:
    """RSS, PSS and PSS of mapped files (MiB) summed over ``root`` and the processes under it,
    and how many there are."""
    total = {"rss": 0.0, "pss": 0.0, "pss_file": 0.0}
    fields = {"Rss": "rss", "Pss": "pss", "Pss_File": "pss_file"}
    pids = _tree(root)
    for pid in pids:
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        for line in rollup.splitlines():
            name, _, rest = line.partition(":")
            if name in fields:
                total[fields[name]] += int(rest.split()[0]) / 1024
    return {**total, "processes": len(pids)}


def cpu_seconds(root: int) -> float:
    """CPU time (user + system) spent so far by ``root`` and the processes under it."""
    ticks = 0
    for pid in _tree(root):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def load(base: str, queries: list[str], clients: int, requests: int) -> tuple[list[float], int, float]:
    """``requests`` searches by ``clients`` concurrent clients: latencies (ms), failures, wall seconds."""
    host, port = urlsplit(base).hostname, urlsplit(base).port
    lock = threading.Lock()
    todo = iter(range(requests))
    timings: list[float] = []
    failures = 0

    def client() -> None:
        nonlocal failures
        while True:
            with lock:
                n = next(todo, None)
            if n is None:
                return
            path = "/api/v1/search?" + urlencode({"q": queries[n % len(queries)], "kind": "project", "limit": "10"})
            began = time.perf_counter()
            connection = http.client.HTTPConnection(host, port, timeout=120)  # light: the client shares 2 CPUs
            try:
                connection.request("GET", path)
                answer = connection.getresponse()
                answer.read()
                ok = answer.status == 200
            except OSError:
                ok = False
            finally:
                connection.close()
            took = (time.perf_counter() - began) * 1000
            with lock:
                if ok:
                    timings.append(took)
                else:
                    failures += 1

    began = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timings, failures, time.monotonic() - began


# --------------------------------------------------------------------------- the synthetic catalogue


def libpq(url: str) -> str:
    """A database URL as psycopg takes it."""
    return normalise_url(url).replace("postgresql+psycopg://", "postgresql://", 1)


def synthesize(demo: str, items: int, words: int, seed: int = 7) -> str:
    """A copy of the demo database with ``items`` synthetic projects and their vectors (made once)."""
    server, demo_name = demo.rsplit("/", 1)
    name = f"{demo_name}_synthetic_{items}"
    target = f"{server}/{name}"
    admin = psycopg.connect(libpq(f"{server}/postgres"), autocommit=True)
    exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    if exists:
        with psycopg.connect(libpq(target), autocommit=True) as conn:
            made = conn.execute("SELECT count(*) FROM projects WHERE id LIKE %s", (PREFIX + "%",)).fetchone()
        if made and made[0] == items:
            print(f"synthetic catalogue: {name} (made before: {items:,} synthetic projects)")
            admin.close()
            return target
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{demo_name}"')
    admin.close()

    started = time.monotonic()
    engine = create_engine(normalise_url(demo))
    titles, texts, vectors, model = [], [], [], None
    with Session(engine) as session:
        rows = {("call", c.id): (c.title or "", f"{c.keywords or ''} {c.description or ''}")
                for c in session.execute(select(Call)).scalars()}  # fmt: skip
        for p in session.execute(select(Project).where(Project.title.is_not(None))).scalars():
            rows[("project", p.id)] = (p.title or "", p.objective or "")
        for e in session.execute(select(Embedding).where(Embedding.kind.in_(("call", "project"))).order_by(
            Embedding.kind, Embedding.record_id)).scalars():  # fmt: skip
            if (e.kind, e.record_id) in rows:
                title, text = rows[(e.kind, e.record_id)]
                titles.append(title)
                texts.append(text)
                vectors.append(np.frombuffer(e.vector, dtype=np.float32))
                model = e.model
    engine.dispose()
    matrix = np.stack(vectors)
    rng = np.random.default_rng(seed)
    heads = [" ".join(t.split()[:words]) for t in texts]
    with_text = np.flatnonzero([len(t.split()) >= words for t in texts])
    a = rng.integers(0, len(titles), items)
    b = with_text[rng.integers(0, len(with_text), items)]
    now = dt.datetime.now(dt.UTC)
    with psycopg.connect(libpq(target)) as conn:
        for start in range(0, items, 50_000):
            end = min(items, start + 50_000)
            noise = rng.normal(0, 0.02, (end - start, matrix.shape[1])).astype(np.float32)
            mixed = normalise(matrix[a[start:end]] + matrix[b[start:end]] + noise).astype(np.float32)
            with conn.cursor() as cursor:
                with cursor.copy(
                    "COPY projects (id, title, objective, framework_programme, source, imported_at) FROM STDIN"
                ) as copy:
                    for i in range(start, end):
                        copy.write_row((f"{PREFIX}{i:07d}", titles[a[i]], heads[b[i]], "HORIZON", "synthetic", now))
                with cursor.copy(
                    "COPY embeddings (kind, record_id, model, text_hash, vector, computed_at) FROM STDIN"
                ) as copy:
                    for i, vector in zip(range(start, end), mixed, strict=True):
                        text = f"{titles[a[i]]}\n{heads[b[i]]}"
                        digest = hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()
                        copy.write_row(("project", f"{PREFIX}{i:07d}", model, digest, vector.tobytes(), now))
            conn.commit()
            print(f"  {end:,} of {items:,} synthetic projects written", flush=True)
    engine = create_engine(normalise_url(target))
    with Session(engine) as session:  # a new revision: nothing derived from the demo's applies
        revision.bump(session)
        revision.bump_vectors(session)
        session.commit()
    engine.dispose()
    print(f"synthetic catalogue: {name}, {items:,} projects written in {time.monotonic() - started:.0f} s")
    return target


def queries(db: str, n: int) -> list[str]:
    """Titles of real projects (not synthetic ones), as a person would search."""
    engine = create_engine(normalise_url(db))
    with Session(engine) as session:
        found = session.execute(
            select(Project.title)
            .where(Project.title.is_not(None), Project.source != "synthetic")
            .order_by(Project.id)
            .limit(n)
        ).scalars()
        out = [t for t in found if t]
    engine.dispose()
    return out


# --------------------------------------------------------------------------- the two parts


def start_to_warm(db: str, workers: int, work: Path) -> None:
    print(f"\n(a) serve to warm on {db.rsplit('/', 1)[1]} (demo catalogue)")
    print(f"{'setup':<34}{'first answer s':>15}{'all warm s':>11}{'RSS MiB':>9}{'PSS MiB':>9}{'PSS file':>9}")
    for count in sorted({1, workers}):
        snapshots = work / f"start-{count}"
        for label in ("cold (no snapshot files)", "snapshot files present"):
            with served(db, count, snapshots, work / "serve.log") as server:
                first, warm = wait_warm(server, count)
                mib = memory(server.process.pid)
            setup = f"{count} worker{'s' if count > 1 else ''}, {label}"
            print(
                f"{setup:<34}{first:>15.1f}{warm:>11.1f}{mib['rss']:>9.0f}{mib['pss']:>9.0f}{mib['pss_file']:>9.0f}",
                flush=True,
            )


def at_scale(db: str, args: argparse.Namespace, work: Path) -> None:
    large = synthesize(db, args.items, args.words)
    asked = queries(large, args.queries)
    snapshots = work / "scale"
    print(f"\n(b) {args.items:,} synthetic projects + the demo; {args.clients} clients, {args.requests} requests each "
          f"setup, GET /api/v1/search?kind=project, {len(asked)} real project titles as queries")  # fmt: skip
    with served(large, 1, snapshots, work / "serve.log") as server:
        first, warm = wait_warm(server, 1)
    print(f"cold start, 1 worker (builds and writes the snapshot files): warm after {warm:.0f} s")
    print("memory in MiB, when warm and after the searches; PSS file: the part of PSS that is mapped files; cores: "
          "the server's CPU seconds per second during the searches, client: the benchmark's own")  # fmt: skip
    print(f"{'setup':<12}{'warm s':>7}{'procs':>6}{'RSS':>7}{'PSS':>7}{'PSS file':>9}"
          f"{'median ms':>10}{'p95 ms':>8}{'req/s':>7}{'cores':>6}{'client':>7}{'failed':>7}"
          f"{'RSS after':>10}{'PSS after':>10}{'PSS file':>9}")  # fmt: skip
    for count in (1, args.workers):
        with served(large, count, snapshots, work / "serve.log") as server:
            _, warm = wait_warm(server, count)
            idle = memory(server.process.pid)
            load(server.base, asked, args.clients, 3 * args.clients)  # not timed: each worker's first searches
            spent, mine = cpu_seconds(server.process.pid), _own_cpu()
            timings, failures, seconds = load(server.base, asked, args.clients, args.requests)
            cores = (cpu_seconds(server.process.pid) - spent) / seconds
            clients = (_own_cpu() - mine) / seconds
            busy = memory(server.process.pid)
        setup = f"{count} worker{'s' if count > 1 else ''}"
        print(
            f"{setup:<12}{warm:>7.1f}{idle['processes']:>6.0f}{idle['rss']:>7.0f}{idle['pss']:>7.0f}"
            f"{idle['pss_file']:>9.0f}{statistics.median(timings):>10.1f}{percentile(timings, 0.95):>8.1f}"
            f"{len(timings) / seconds:>7.1f}{cores:>6.2f}{clients:>7.2f}{failures:>7}"
            f"{busy['rss']:>10.0f}{busy['pss']:>10.0f}{busy['pss_file']:>9.0f}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="a PostgreSQL database holding the demo catalogue")
    parser.add_argument("--workers", type=int, default=3, help="workers compared with one")
    parser.add_argument("--items", type=int, default=1_000_000, help="synthetic projects")
    parser.add_argument("--words", type=int, default=60, help="words taken from the second record's text")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=800, help="timed searches per setup")
    parser.add_argument("--queries", type=int, default=200, help="distinct queries")
    parser.add_argument("--skip-start", action="store_true", help="skip (a)")
    parser.add_argument("--skip-scale", action="store_true", help="skip (b)")
    args = parser.parse_args()
    if not args.db.startswith("postgres"):
        raise SystemExit("several workers need PostgreSQL: give --db postgresql://…")
    work = Path(tempfile.mkdtemp(prefix="samverkan-workers-"))
    print(f"samverkan serve --workers, {os.cpu_count()} CPUs; server logs in {work}/serve.log")
    try:
        if not args.skip_start:
            start_to_warm(args.db, args.workers, work)
        if not args.skip_scale:
            at_scale(args.db, args, work)
    finally:
        for folder in work.iterdir():
            if folder.is_dir():
                shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()

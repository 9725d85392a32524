"""Benchmark: what hostile requests cost the service and everyone else (issue 22).

Starts ``samverkan serve`` (with its MQTT broker) on a database holding the demo catalogue and
sensor tenants, and measures, in one run:

* **baseline**: other clients' latency (public SensorThings reads, a search, the health check,
  one request at a time, as a steady user) with nobody attacking;
* **each attack**, sent again and again for a while beside the same steady user: a nested
  anonymous ``$expand``, a 200-level ``concat`` in ``$filter`` (with a write token), a
  15,000-character Swedish compound search, a 64 MiB body with and without ``Content-Length``.
  For each: how long its answers took and what they were, the steady user's p95 against the
  baseline p95 (the ratio), and the server's largest resident memory;
* **MQTT poison**: for each of four poison messages from one tenant, the seconds until another
  tenant's 100 messages are all stored, then the same after a restart of the server;
* **rate limits**: a second server with a low per-address limit, one client above it (from
  127.0.0.2) and one below (127.0.0.3).

    python benchmarks/hostile.py [--db sqlite:///PATH] [--seconds 6]

Without ``--db`` a fresh SQLite database is made in a temporary folder and the demo loaded.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx2 as httpx
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from samverkan.core import Samverkan
from samverkan.dataspace.broker import topic, user_name
from samverkan.settings import load_settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import THING  # noqa: E402  (a Thing with a Location and one Datastream)

from tests.serving import free_port  # noqa: E402

POISONS = {
    "time before year 1 UTC": b'{"phenomenonTime": "0001-01-01T00:00:00+01:00", "result": 1}',
    "400-digit result": b'{"result": ' + b"9" * 400 + b"}",
    "result nested 5000 deep": b'{"result": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    "lone surrogate": b'{"result": "\\ud800"}',
}


class Served:
    """``samverkan serve`` in a subprocess, restartable on the same ports."""

    def __init__(self, db: str, folder: Path, **env: str) -> None:
        self.db = db
        self.port = free_port()
        self.mqtt_port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "SAMVERKAN_MQTT_PORT": str(self.mqtt_port),
            "SAMVERKAN_MQTT_DIR": str(folder / "mqtt"),
            "SAMVERKAN_RATE_LIMIT_ADDRESS": "1000000/minute",
            "SAMVERKAN_RATE_LIMIT_TOKEN": "1000000/minute",
            **env,
        }
        self.log = folder / f"serve-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "samverkan", "--db", self.db, "serve", "--port", str(self.port)],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.base + "/api/v1/health", timeout=10).json()["warm"]:
                    return
            except httpx.TransportError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(f"serve exited:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.2)
        raise RuntimeError("serve did not become warm")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=60)
            self.process = None

    def rss_mb(self) -> float:
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) >= 20 else max(values)


def steady_user(base: str, stop: threading.Event, latencies: list[float]) -> None:
    """One request at a time, as a person or a small device fleet would."""
    requests = [
        "/sta/v1.1/Datastreams?$top=10",
        "/api/v1/search?q=fjärrvärme&kind=hub&limit=5",
        "/api/v1/health",
        "/sta/v1.1/Things?$top=5&$expand=Locations",
    ]
    with httpx.Client(base_url=base, timeout=60) as client:
        i = 0
        while not stop.is_set():
            began = time.perf_counter()
            response = client.get(requests[i % len(requests)])
            latencies.append(time.perf_counter() - began)
            assert response.status_code == 200, response.text[:300]
            i += 1


@contextmanager
def watched(server: Served, seconds: float) -> Iterator[dict[str, Any]]:
    """A steady user and a memory sampler for the block; yields what they saw."""
    stop = threading.Event()
    seen: dict[str, Any] = {"latencies": [], "rss": []}
    user = threading.Thread(target=steady_user, args=(server.base, stop, seen["latencies"]))

    def sample() -> None:
        while not stop.is_set():
            seen["rss"].append(server.rss_mb())
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    user.start()
    sampler.start()
    try:
        yield seen
        time.sleep(seconds)
    finally:
        stop.set()
        user.join()
        sampler.join()


def attack_process(name: str, token: str, base: str, seconds: float, out: Any, ready: Any) -> None:
    """The attacker, in a process of its own (its work must not slow the steady user's client):
    sends the attack again and again, one at a time, for ``seconds``."""
    send = attacks(token)[name]
    answers = []
    end = time.monotonic() + seconds
    with httpx.Client(base_url=base, timeout=120) as client:
        ready.set()
        while time.monotonic() < end:
            began = time.perf_counter()
            try:
                status: Any = send(client).status_code
            except httpx.TransportError as exc:
                status = type(exc).__name__
            answers.append((time.perf_counter() - began, status))
    out.put(answers)


def body_of(size: int) -> Iterator[bytes]:
    yield b'{"name": "'
    chunk = b"x" * (1 << 20)
    for _ in range(size >> 20):
        yield chunk
    yield b'", "description": "big"}'


def attacks(token: str) -> dict[str, Callable[[httpx.Client], httpx.Response]]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    concat = "concat(name," * 200 + "name" + ")" * 200
    size = 64 << 20
    whole = b"".join(body_of(size))  # made once: the client's own work must not weigh on the server's CPUs
    return {
        "nested $expand (anonymous)": lambda c: c.get(
            "/sta/v1.1/Things?$expand=Datastreams($expand=Thing($expand=Datastreams($expand=Thing)))"
        ),
        "200-level concat $filter": lambda c: c.get(f"/sta/v1.1/Things?$filter={concat} eq 'x'", headers=headers),
        "15,000-character compound search": lambda c: c.get("/api/v1/search", params={"q": "värme" * 3000}),
        "64 MiB body with Content-Length": lambda c: c.post("/sta/v1.1/Things", content=whole, headers=headers),
        "64 MiB body, chunked": lambda c: c.post("/sta/v1.1/Things", content=body_of(size), headers=headers),
    }


def measure_attacks(server: Served, token: str, seconds: float) -> None:
    with watched(server, seconds) as calm:
        pass
    base_p95, base_median = p95(calm["latencies"]), statistics.median(calm["latencies"])
    print(f"\nbaseline: steady user {len(calm['latencies'])} requests, median {base_median * 1000:.1f} ms, "
          f"p95 {base_p95 * 1000:.1f} ms; server RSS up to {max(calm['rss']):.0f} MB")  # fmt: skip
    print(f"{'attack':36} {'answers':>7} {'statuses':18} {'median s':>8} {'max s':>6} "
          f"{'user p95 ms':>11} {'ratio':>5} {'RSS MB':>7}")  # fmt: skip
    spawn = multiprocessing.get_context("spawn")
    for name in attacks(token):
        results = spawn.Queue()
        ready = spawn.Event()
        attacker = spawn.Process(target=attack_process, args=(name, token, server.base, seconds + 1, results, ready))
        attacker.start()
        ready.wait(120)  # measured once the attack is under way
        with watched(server, seconds) as seen:
            pass
        answers: list[tuple[float, Any]] = results.get(timeout=300)
        attacker.join()
        times = [a[0] for a in answers]
        statuses = sorted({str(a[1]) for a in answers})
        ratio = p95(seen["latencies"]) / base_p95
        print(
            f"{name:36} {len(answers):>7} {','.join(statuses):18} {statistics.median(times):>8.3f} {max(times):>6.2f} "
            f"{p95(seen['latencies']) * 1000:>11.1f} {ratio:>5.2f} {max(seen['rss']):>7.0f}"
        )


def measure_poison(server: Served, core: Samverkan, tenants: dict[str, dict[str, Any]]) -> None:
    alfa, beta = tenants["alfa"], tenants["beta"]

    def connect(device: dict[str, Any]) -> mqtt.Client:
        client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
        client.username_pw_set(user_name(device["slug"], device["id"]), device["token"])
        client.connect("127.0.0.1", server.mqtt_port)
        client.loop_start()
        return client

    def stored(stream: int) -> int:
        from samverkan.db import dataspace as t

        with Session(core.engine) as session:
            return session.scalar(select(func.count()).where(t.Observation.datastream_id == stream)) or 0

    print(f"\n{'MQTT poison from alfa':28} {'run':>8} {'beta 100 stored in s':>20} {'alfa dead letters':>18}")
    moment = [0]
    for run in ("first", "restarted"):
        if run == "restarted":
            server.stop()
            server.start()
        sender, other = connect(alfa), connect(beta)
        for name, poison in POISONS.items():
            before = stored(beta["stream"])
            sender.publish(topic(alfa["stream"]), poison, qos=1).wait_for_publish(10)
            began = time.perf_counter()
            for _ in range(100):
                moment[0] += 1
                at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(1_700_000_000 + moment[0]))
                other.publish(topic(beta["stream"]), json.dumps({"phenomenonTime": at, "result": moment[0]}), qos=1)
            while stored(beta["stream"]) < before + 100:
                if time.perf_counter() - began > 60:
                    raise RuntimeError(f"beta's messages were not stored after {name}")
                time.sleep(0.01)
            took = time.perf_counter() - began
            letters = httpx.get(
                server.base + "/api/v1/dead-letters", headers={"Authorization": f"Bearer {alfa['admin']}"}
            ).json()
            print(f"{name:28} {run:>8} {took:>20.2f} {len(letters):>18}")
        for client in (sender, other):
            client.disconnect()
            client.loop_stop()


def measure_rate_limit(db: str, folder: Path) -> None:
    server = Served(db, folder, SAMVERKAN_RATE_LIMIT_ADDRESS="20/second", SAMVERKAN_MQTT_PORT="0")
    server.start()
    try:
        stop = threading.Event()
        flood: list[int] = []
        calm: list[int] = []

        def run(address: str, out: list[int], pause: float) -> None:
            transport = httpx.HTTPTransport(local_address=address)
            with httpx.Client(base_url=server.base, transport=transport, timeout=30) as client:
                while not stop.is_set():
                    out.append(client.get("/api/v1/health").status_code)
                    time.sleep(pause)

        threads = [
            threading.Thread(target=run, args=("127.0.0.2", flood, 0.0)),
            threading.Thread(target=run, args=("127.0.0.3", calm, 0.1)),
        ]
        for thread in threads:
            thread.start()
        time.sleep(5)
        stop.set()
        for thread in threads:
            thread.join()
        print(
            f"\nrate limit 20/second per address, 5 s: the flooding client got {flood.count(200)} × 200 and "
            f"{flood.count(429)} × 429; the calm one (10/s) {calm.count(200)} × 200 and {calm.count(429)} × 429"
        )
    finally:
        server.stop()


def prepare(db: str) -> dict[str, dict[str, Any]]:
    core = Samverkan(load_settings(db=db))
    space = core.dataspace
    tenants = {}
    for slug in ("alfa", "beta"):
        existing = {t["tenant"] for t in space.tenants()}
        admin = space.create_tenant(slug, slug.title())["token"] if slug not in existing else None
        if admin is None:
            raise SystemExit(f"tenant {slug} exists in this database: use a fresh one")
        device = space.issue_token(None, "write", slug=slug)
        _, thing = space.create(admin, "Things", THING)
        stream = space.read(admin, f"Things({thing})/Datastreams", {}, "http://x")["value"][0]["@iot.id"]
        tenants[slug] = {"slug": slug, "admin": admin, "token": device["token"], "id": device["id"], "stream": stream}
    core.close()
    return tenants


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="database URL (default: a fresh SQLite with the demo loaded)")
    parser.add_argument("--seconds", type=float, default=6.0, help="how long each attack runs")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="samverkan-hostile-"))
    db = args.db or f"sqlite:///{folder / 'hostile.sqlite'}"
    try:
        if not args.db:
            print("loading the demo …", file=sys.stderr)
            subprocess.run([sys.executable, "-m", "samverkan", "--db", db, "demo"], check=True, capture_output=True)
        tenants = prepare(db)
        server = Served(db, folder)
        server.start()
        core = Samverkan(load_settings(db=db))
        try:
            measure_attacks(server, tenants["alfa"]["admin"], args.seconds)
            measure_poison(server, core, tenants)
        finally:
            server.stop()
            core.close()
        measure_rate_limit(db, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()

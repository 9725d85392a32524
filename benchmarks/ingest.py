"""Benchmark: durable observation ingest and aggregate reads in the data space.

1. HTTP ingest: ``samverkan serve`` on a fresh SQLite file; ``CreateObservations`` batches of
   ``--batch`` observations (real SMHI Borås temperatures, repeated with new times) are posted
   one after another; each answer comes after the commit (``synchronous=FULL``). Baseline in the
   same run, in turns with the HTTP batches: plain ``sqlite3`` ``executemany`` of the same rows
   into a table with the same unique key, WAL and ``synchronous=FULL``, one commit per batch.
   The benchmark and the server run on one CPU (``--cpu``): the CPUs of a shared machine slow
   down and speed up independently (here the same ``executemany`` took 17 ms or 33 ms, in
   phases of seconds, on either CPU), and the baseline runs in this process while the HTTP
   batches are mostly the server's work, so on two CPUs the ratio measured which CPU was fast.
2. MQTT ingest: ``MqttService`` (the broker and ingester ``samverkan serve`` starts) on a fresh
   SQLite file; one device publishes ``--messages`` observations with QoS 1 (up to 1,000 in
   flight); the rate is messages over the time until the last one is committed.
3. Aggregates: one datastream with ``--rows`` observations spread over one year (default 10
   million), written through ``observations.store.write`` in 100,000-row chunks; then the 1-hour
   aggregate of the whole year through the HTTP API (read from the roll-ups), next to a plain
   ``GROUP BY`` over the raw rows as the baseline.

Prints medians (and the ratio to the baseline); the machine is noisy, so compare ratios.

    python benchmarks/ingest.py [--batch 10000] [--batches 20] [--rows 10000000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from itertools import cycle, islice
from pathlib import Path

import httpx2 as httpx
import numpy as np
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search_latency import served  # noqa: E402

from samverkan.core import Samverkan  # noqa: E402
from samverkan.dataspace.demo_series import demo_tenants  # noqa: E402
from samverkan.dataspace.observations import store  # noqa: E402
from samverkan.dataspace.observations.rows import Batch, Plain  # noqa: E402
from samverkan.settings import load_settings  # noqa: E402

START = int(dt.datetime(2020, 1, 1, tzinfo=dt.UTC).timestamp() * 1000)
YEAR = 366 * 24 * 3_600_000
THING = {
    "name": "Borås",
    "description": "benchmark station",
    "Locations": [
        {
            "name": "Borås",
            "description": "SMHI 72450",
            "encodingType": "application/geo+json",
            "location": {"type": "Point", "coordinates": [12.9493, 57.7611]},
        }
    ],
    "Datastreams": [
        {
            "name": "Air temperature",
            "description": "",
            "unitOfMeasurement": {"name": "degree Celsius", "symbol": "°C", "definition": ""},
            "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
            "Sensor": {"name": "thermometer", "description": "", "encodingType": "text/html", "metadata": "x"},
            "ObservedProperty": {"name": "Air temperature", "definition": "x", "description": ""},
        }
    ],
}


def boras_values(count: int) -> list[float]:
    series = demo_tenants()[0].things[0].series[0]
    return [value for _, value in islice(cycle(list(series.observations())), count)]


def iso(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class Baseline:
    """Plain executemany + commit per batch into a table with the same unique key (WAL,
    synchronous=FULL)."""

    def __init__(self, folder: Path) -> None:
        self.connection = sqlite3.connect(folder / "baseline.sqlite", isolation_level=None)
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA synchronous=FULL")
        self.connection.execute(
            "CREATE TABLE observations (id INTEGER PRIMARY KEY, datastream_id INTEGER, phenomenon_time INTEGER, "
            "result REAL, UNIQUE (datastream_id, phenomenon_time))"
        )

    def rate(self, batch: list[tuple[int, float]]) -> float:
        began = time.perf_counter()
        self.connection.execute("BEGIN")
        self.connection.executemany(
            "INSERT INTO observations (datastream_id, phenomenon_time, result) VALUES (1, ?, ?)", batch
        )
        self.connection.execute("COMMIT")
        return len(batch) / (time.perf_counter() - began)


def ingest(folder: Path, batches: list[list[tuple[int, float]]], cpu: int | None) -> tuple[list[float], list[float]]:
    """Rows per second of each batch, plain and over HTTP, taken in turns (one plain batch, then
    the same rows over HTTP) so that the machine's noise falls on both alike; this process and
    the server on ``cpu`` (None: wherever the system puts them)."""
    allowed = os.sched_getaffinity(0)
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})  # the server started below inherits it
    try:
        return _ingest(folder, batches)
    finally:
        os.sched_setaffinity(0, allowed)


def _ingest(folder: Path, batches: list[list[tuple[int, float]]]) -> tuple[list[float], list[float]]:
    db = f"sqlite:///{folder / 'served.sqlite'}"
    core = Samverkan(load_settings(db=db))
    token = core.dataspace.create_tenant("bench", "Benchmark")["token"]
    core.dataspace.create(token, "Things", THING)
    core.close()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    baseline = Baseline(folder)
    plain, http = [], []
    with served(db) as base, httpx.Client(timeout=300) as client:
        for batch in batches:
            plain.append(baseline.rate(batch))
            body = [
                {
                    "Datastream": {"@iot.id": 1},
                    "components": ["phenomenonTime", "result"],
                    "dataArray": [[iso(ms), value] for ms, value in batch],
                }
            ]
            content = json.dumps(body).encode()  # the client's work, not the server's: outside the timing
            began = time.perf_counter()
            response = client.post(f"{base}/sta/v1.1/CreateObservations", content=content, headers=headers)
            elapsed = time.perf_counter() - began
            response.raise_for_status()
            assert len(response.json()) == len(batch)
            http.append(len(batch) / elapsed)
    baseline.connection.close()
    return plain, http


def mqtt_ingest(folder: Path, count: int) -> tuple[float, float]:
    """(messages/s until all are committed, messages/s until the broker acknowledged all)."""
    import threading

    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion
    from sqlalchemy import func, select

    from samverkan.dataspace.broker import topic, user_name
    from samverkan.dataspace.mqtt import MqttService
    from samverkan.db import dataspace as t

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.serving import free_port

    db = f"sqlite:///{folder / 'mqtt.sqlite'}"
    core = Samverkan(load_settings(db=db))
    admin = core.dataspace.create_tenant("bench", "Benchmark")["token"]
    core.dataspace.create(admin, "Things", THING)
    device = core.dataspace.issue_token(None, "write", slug="bench")
    values = boras_values(count)
    port = free_port()
    with MqttService(core.engine, folder / "mqtt", port) as service:
        client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
        client.username_pw_set(user_name("bench", device["id"]), device["token"])
        client.max_inflight_messages_set(1000)
        connected = threading.Event()
        client.on_connect = lambda *args: connected.set()
        client.connect("127.0.0.1", port)
        client.loop_start()
        assert connected.wait(10), "the benchmark device could not connect"
        began = time.perf_counter()
        sent = [
            client.publish(topic(1), json.dumps({"phenomenonTime": iso(START + i * 60_000), "result": v}), qos=1)
            for i, v in enumerate(values)
        ]
        for info in sent:
            info.wait_for_publish(60)
        acknowledged = time.perf_counter() - began
        while service.ingester.counts.stored < count:
            time.sleep(0.005)
        committed = time.perf_counter() - began
        client.disconnect()
        client.loop_stop()
    with Session(core.engine) as session:
        assert session.scalar(select(func.count()).select_from(t.Observation)) == count
    core.close()
    return count / committed, count / acknowledged


def aggregates(folder: Path, rows: int, repeats: int) -> tuple[float, list[float], list[float], int]:
    db = f"sqlite:///{folder / 'aggregate.sqlite'}"
    core = Samverkan(load_settings(db=db))
    token = core.dataspace.create_tenant("bench", "Benchmark")["token"]
    core.dataspace.create(token, "Things", THING)
    core.dataspace.create(token, "FeaturesOfInterest", {
        "name": "Borås", "description": "", "encodingType": "application/geo+json",
        "feature": {"type": "Point", "coordinates": [12.9493, 57.7611]},
    })  # fmt: skip
    step = YEAR // rows
    values = boras_values(100_000)
    began = time.perf_counter()
    for start in range(0, rows, 100_000):
        with Session(core.engine) as session, session.begin():
            numbers = range(start, min(rows, start + 100_000))
            times = np.array([START + i * step for i in numbers], np.int64)
            results = np.array([values[i % len(values)] for i in numbers], np.float64)
            store.write(session, Batch([Plain(1, 1, times, results)]))
        done = min(rows, start + 100_000)
        if done % 1_000_000 == 0:
            print(f"  loaded {done:,} observations ({done / (time.perf_counter() - began):,.0f}/s)", flush=True)
    load_rate = rows / (time.perf_counter() - began)
    plain = []
    with Session(core.engine) as session:
        connection = session.connection()
        for _ in range(repeats):
            t0 = time.perf_counter()
            connection.exec_driver_sql(
                "SELECT phenomenon_time - ((phenomenon_time % 3600000) + 3600000) % 3600000 AS hour, count(result), "
                "min(result), max(result), avg(result) FROM ds_observations WHERE datastream_id = 1 "
                "GROUP BY hour ORDER BY hour"
            ).all()
            plain.append(time.perf_counter() - t0)
    core.close()
    served_times = []
    buckets = 0
    with served(db) as base, httpx.Client(timeout=300) as client:
        url = f"{base}/api/v1/datastreams/1/aggregate"
        params = {"interval": "1h", "from": iso(START), "to": iso(START + YEAR)}
        for _ in range(repeats):
            t0 = time.perf_counter()
            answer = client.get(url, params=params, headers={"Authorization": f"Bearer {token}"})
            served_times.append(time.perf_counter() - t0)
            answer.raise_for_status()
            buckets = len(answer.json()["buckets"])
    return load_rate, plain, served_times, buckets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=10_000, help="observations per batch")
    parser.add_argument("--batches", type=int, default=20, help="batches per method")
    parser.add_argument("--messages", type=int, default=20_000, help="MQTT messages (0: skip)")
    parser.add_argument(
        "--rows", type=int, default=10_000_000, help="observations for the aggregate benchmark (0: skip)"
    )
    parser.add_argument("--repeats", type=int, default=7, help="aggregate queries per method")
    parser.add_argument(
        "--cpu",
        type=int,
        default=min(os.sched_getaffinity(0)),
        help="CPU for the HTTP and plain ingest turns, server included (-1: do not pin; default: the first allowed)",
    )
    args = parser.parse_args()
    cpu = None if args.cpu < 0 else args.cpu
    values = boras_values(args.batch)
    batches = [
        [(START + (b * args.batch + i) * 60_000, values[i]) for i in range(args.batch)] for b in range(args.batches)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        base, http = ingest(folder, batches, cpu)
        where = "not pinned" if cpu is None else f"benchmark and server on CPU {cpu}"
        print(f"durable ingest, batches of {args.batch:,} ({args.batches} batches, median rows/s; {where}):")
        print(f"  plain sqlite3 executemany (FULL) {statistics.median(base):>12,.0f}")
        print(f"  HTTP CreateObservations          {statistics.median(http):>12,.0f}")
        print(f"  ratio HTTP / plain               {statistics.median(http) / statistics.median(base):>12.2f}")
        if args.messages:
            stored, acknowledged = mqtt_ingest(folder, args.messages)
            print(f"MQTT QoS 1 ingest, {args.messages:,} messages from one device:")
            print(f"  acknowledged by the broker     {acknowledged:>12,.0f} messages/s")
            print(f"  committed by the ingester      {stored:>12,.0f} messages/s")
        if not args.rows:
            return
        load, plain, served_times, buckets = aggregates(folder, args.rows, args.repeats)
        print(f"aggregate of one datastream, {args.rows:,} observations over one year, 1-hour buckets ({buckets:,}):")
        print(f"  loading through store.write         {load:>10,.0f} rows/s")
        print(f"  plain GROUP BY over raw rows, median {statistics.median(plain) * 1000:>10.1f} ms")
        print(f"  GET /api/v1/.../aggregate, median    {statistics.median(served_times) * 1000:>10.1f} ms")
        print(f"  max over {args.repeats} requests               {max(served_times) * 1000:>10.1f} ms")


if __name__ == "__main__":
    main()

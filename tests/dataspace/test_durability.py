"""Durability: ``samverkan serve`` is killed with SIGKILL at random moments while a client posts
``CreateObservations`` batches over HTTP and a device publishes QoS 1 messages over MQTT.
After every restart, everything that was acknowledged (an HTTP 201, an MQTT PUBACK) must be in
the database, and what was sent again because its answer was lost must not be stored twice.

The broker is a separate process (as a system Mosquitto would be): the kill hits samverkan,
the broker keeps what it acknowledged and the next ``serve`` takes it over. The seed of each
run is printed, so a failure can be replayed (``SAMVERKAN_DURABILITY_SEED``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import threading
import time
from dataclasses import dataclass, field

import httpx2 as httpx
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from samverkan.core import Samverkan
from samverkan.dataspace.broker import MOSQUITTO, topic, user_name
from samverkan.db import dataspace as t
from samverkan.settings import load_settings
from tests.dataspace.conftest import station
from tests.serving import Server, free_port

ROUNDS = 20
BATCH = 50  # observations per CreateObservations request
START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def when(n: int) -> str:
    """The phenomenonTime of observation ``n`` of a stream: one a minute."""
    return (START + dt.timedelta(minutes=n)).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Ledger:
    """What a sender was told: acknowledged observation numbers, and what to send again."""

    acked: set[int] = field(default_factory=set)
    retry: list[int] = field(default_factory=list)  # first numbers of HTTP batches / MQTT messages
    next: int = 0  # the next number never sent
    sent: int = 0  # requests or messages sent, retries included
    retried: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, size: int, only_retries: bool) -> int | None:
        """The first number of what to send next: a retry if any, else new numbers (None: done)."""
        with self.lock:
            self.sent += 1
            if self.retry:
                self.retried += 1
                return self.retry.pop(0)
            if only_retries:
                return None
            self.next += size
            return self.next - size

    def answered(self, first: int, size: int, acknowledged: bool) -> None:
        with self.lock:
            if acknowledged:
                self.acked.update(range(first, first + size))
            else:
                self.retry.append(first)


def http_sender(base: str, token: str, stream: int, ledger: Ledger, stop: threading.Event, only_retries: bool = False):
    """Post batches until the server dies (or ``stop``); a batch whose answer did not come is
    sent again later."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(timeout=30) as client:
        while not stop.is_set():
            first = ledger.take(BATCH, only_retries)
            if first is None:
                return
            body = [
                {
                    "Datastream": {"@iot.id": stream},
                    "components": ["phenomenonTime", "result"],
                    "dataArray": [[when(n), n * 0.5] for n in range(first, first + BATCH)],
                }
            ]
            try:
                answer = client.post(f"{base}/sta/v1.1/CreateObservations", json=body, headers=headers)
            except httpx.TransportError:
                ledger.answered(first, BATCH, False)
                return
            assert answer.status_code == 201, answer.text  # a retry too: its links point at the stored rows
            assert len(answer.json()) == BATCH
            ledger.answered(first, BATCH, True)


def mqtt_device(port: int, user: str, token: str, stream: int, ledger: Ledger, stop: threading.Event,
                only_retries: bool = False) -> None:  # fmt: skip
    """Publish one QoS 1 message at a time until ``stop``, through kills and broker restarts: a
    message without a PUBACK is sent again after reconnecting."""
    while not stop.is_set():
        client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311, reconnect_on_failure=False)
        client.username_pw_set(user, token)
        connected = threading.Event()
        client.on_connect = lambda _c, _u, _f, reason, _p, done=connected: done.set() if reason == 0 else None
        try:
            client.connect("127.0.0.1", port, keepalive=10)
        except OSError:  # the broker is restarting
            time.sleep(0.05)
            continue
        client.loop_start()
        try:
            if not connected.wait(5):
                continue
            while not stop.is_set():
                n = ledger.take(1, only_retries)
                if n is None:
                    return
                info = client.publish(topic(stream), json.dumps({"phenomenonTime": when(n), "result": n}), qos=1)
                try:
                    info.wait_for_publish(3)
                    published = info.is_published()
                except RuntimeError:  # the connection is gone
                    published = False
                ledger.answered(n, 1, published)
                if not published:
                    break
        finally:
            client.disconnect()
            client.loop_stop()


def stored(core: Samverkan, stream: int) -> list[int]:
    with Session(core.engine) as session:
        return list(session.scalars(select(t.Observation.phenomenon_time).where(t.Observation.datastream_id == stream)))


def number(ms: int) -> int:
    return (ms - int(START.timestamp() * 1000)) // 60_000


@pytest.mark.skipif(not MOSQUITTO.exists(), reason=f"needs the Mosquitto broker at {MOSQUITTO}")
def test_nothing_acknowledged_is_lost_when_the_server_is_killed(db_url, tmp_path):
    seed = int(os.environ.get("SAMVERKAN_DURABILITY_SEED", random.randrange(1 << 30)))
    print(f"durability seed {seed}")
    rng = random.Random(seed)
    core = Samverkan(load_settings(db=db_url))
    admin = core.dataspace.create_tenant("alfa", "Alfa")["token"]
    _, thing = core.dataspace.create(admin, "Things", station("Boras", 12.9, 57.7, observations=[], streams=2))
    http_stream, mqtt_stream = (
        d["@iot.id"] for d in core.dataspace.read(admin, f"Things({thing})/Datastreams", {}, "http://x")["value"]
    )
    device = core.dataspace.issue_token(None, "write", label="device", slug="alfa")
    mqtt_port = free_port()
    server = Server(db_url, tmp_path / "server.log", mqtt_port=mqtt_port, mqtt_dir=tmp_path / "mqtt")
    user = user_name("alfa", device["id"])
    http, messages = Ledger(), Ledger()
    device_stop = threading.Event()  # the device publishes throughout, also while samverkan is down
    publisher = threading.Thread(
        target=mqtt_device, args=(mqtt_port, user, device["token"], mqtt_stream, messages, device_stop)
    )
    try:
        for round_ in range(ROUNDS):
            base = server.start()
            if round_ == 0:
                publisher.start()
            stop = threading.Event()
            poster = threading.Thread(target=http_sender, args=(base, admin, http_stream, http, stop))
            poster.start()
            time.sleep(rng.uniform(0.2, 1.2))
            server.kill()  # kill -9, whatever the senders are in the middle of
            stop.set()
            poster.join(30)
            assert not poster.is_alive()
            # every acknowledged batch is on disk, without waiting for a restart
            on_disk = {number(ms) for ms in stored(core, http_stream)}
            assert http.acked <= on_disk, sorted(http.acked - on_disk)[:10]

        # a last round sends what still waits; the restarted ingester empties the broker's queue
        base = server.start()
        http_sender(base, admin, http_stream, http, threading.Event(), only_retries=True)
        device_stop.set()
        publisher.join(30)
        mqtt_device(mqtt_port, user, device["token"], mqtt_stream, messages, threading.Event(), only_retries=True)
        assert not http.retry and not messages.retry
        deadline = time.monotonic() + 60
        while not messages.acked <= {number(ms) for ms in stored(core, mqtt_stream)}:
            assert time.monotonic() < deadline, "the ingester did not store every acknowledged message"
            time.sleep(0.2)
        server.stop()
        server.check_log()
    finally:
        device_stop.set()
        server.stop()

    for stream, ledger, label in ((http_stream, http, "HTTP"), (mqtt_stream, messages, "MQTT")):
        times = stored(core, stream)
        assert len(times) == len(set(times)), f"{label}: an observation was stored twice"
        numbers = set(map(number, times))
        assert ledger.acked <= numbers, f"{label}: lost {sorted(ledger.acked - numbers)[:10]}"
        assert len(ledger.acked) > 0
        print(
            f"{label}: {len(ledger.acked)} acknowledged observations, {len(numbers)} stored, "
            f"{ledger.sent} sends of which {ledger.retried} retries, over {ROUNDS} kills"
        )
    # the hourly roll-ups, written in the same transactions, agree with the raw rows
    with Session(core.engine) as session:
        for stream in (http_stream, mqtt_stream):
            rolled = session.scalar(select(func.sum(t.Rollup.count)).where(t.Rollup.datastream_id == stream))
            raw = session.scalar(select(func.count()).where(t.Observation.datastream_id == stream))
            assert rolled == raw
    assert http.retried > 0 or messages.retried > 0  # some kill did hit a request in flight
    core.close()

"""A data space with a real Mosquitto broker and ingester, and MQTT peers (devices,
subscribers), for the MQTT tests (``world`` fixture in ``conftest.py``)."""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from samverkan.core import Samverkan
from samverkan.dataspace.broker import MOSQUITTO, Broker, topic, user_name
from samverkan.dataspace.mqtt import Ingester
from tests.dataspace.conftest import station
from tests.serving import free_port

needs_mosquitto = pytest.mark.skipif(
    not MOSQUITTO.exists(), reason=f"needs the Mosquitto broker at {MOSQUITTO} (Debian package 'mosquitto')"
)
TIMEOUT = 10.0


def wait_until(check: Callable[[], Any], timeout: float = TIMEOUT, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


@dataclass
class Device:
    slug: str
    token: str
    token_id: int

    @property
    def user(self) -> str:
        return user_name(self.slug, self.token_id)


@dataclass
class Peer:
    """A paho client of a device or a subscriber, with what it received."""

    client: mqtt.Client
    reason: Any = None
    connected: threading.Event = field(default_factory=threading.Event)
    disconnected: threading.Event = field(default_factory=threading.Event)
    messages: queue.Queue = field(default_factory=queue.Queue)

    def publish(self, datastream: int, body: Any, raw: bytes | None = None, retain: bool = False) -> None:
        payload = raw if raw is not None else json.dumps(body)
        info = self.client.publish(topic(datastream), payload, qos=1, retain=retain)
        info.wait_for_publish(TIMEOUT)  # the broker's PUBACK: it has the message (or dropped it by ACL)

    def subscribe(self, *filters: str) -> None:
        granted = threading.Event()
        self.client.on_subscribe = lambda *args: granted.set()
        _, mid = self.client.subscribe([(f, 1) for f in filters])
        assert granted.wait(TIMEOUT), "no SUBACK"

    def received(self) -> list[tuple[str, dict]]:
        out = []
        while not self.messages.empty():
            message = self.messages.get_nowait()
            out.append((message.topic, json.loads(message.payload)))
        return out

    def wait_for(self, marker: dict) -> list[tuple[str, dict]]:
        """Everything received up to and including ``marker`` (the broker delivers in order)."""
        seen: list[tuple[str, dict]] = []
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            try:
                message = self.messages.get(timeout=0.05)
            except queue.Empty:
                continue
            seen.append((message.topic, json.loads(message.payload)))
            if seen[-1][1] == marker:
                return seen
        raise AssertionError(f"marker {marker} not received; got {seen}")

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


class World:
    """A fresh data space with a running broker and ingester."""

    def __init__(self, core: Samverkan, runtime: Path) -> None:
        self.core = core
        self.space = core.dataspace
        self.runtime = runtime
        self.port = free_port()
        self.broker = Broker(core.engine, runtime, self.port)
        self.ingester: Ingester | None = None
        self.peers: list[Peer] = []
        self.admins: dict[str, str] = {}

    def new_ingester(self, **kw: Any) -> Ingester:
        return Ingester(
            self.core.engine, "127.0.0.1", self.port, self.broker.ingest_user, self.broker.ingest_password, **kw
        )

    def start_ingester(self) -> Ingester:
        self.ingester = self.new_ingester()
        self.ingester.start()
        return self.ingester

    def tenant(self, slug: str) -> str:
        self.admins[slug] = self.space.create_tenant(slug, slug.title())["token"]
        return self.admins[slug]

    def device(self, slug: str, scope: str = "write") -> Device:
        issued = self.space.issue_token(None, scope, label="device", slug=slug)
        if self.broker.running:
            self.broker.sync()  # what the poller does every second
        return Device(slug, issued["token"], issued["id"])

    def stream(self, slug: str, name: str) -> int:
        _, thing = self.space.create(self.admins[slug], "Things", station(name, 12.9, 57.7, observations=[]))
        found = self.space.read(self.admins[slug], f"Things({thing})/Datastreams", {}, "http://x")["value"]
        return found[0]["@iot.id"]

    def observations(self, slug: str, datastream: int) -> list[dict]:
        query = {"$orderby": "phenomenonTime", "$top": "1000"}
        return self.space.read(self.admins[slug], f"Datastreams({datastream})/Observations", query, "http://x")["value"]

    def connect(self, user: str, password: str, client_id: str = "") -> Peer:
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv311, reconnect_on_failure=False
        )
        client.username_pw_set(user, password)
        peer = Peer(client)

        def on_connect(_c, _u, _flags, reason, _props) -> None:
            peer.reason = reason
            peer.connected.set()

        client.on_connect = on_connect
        client.on_disconnect = lambda *args: peer.disconnected.set()
        client.on_message = lambda _c, _u, message: peer.messages.put(message)
        client.connect("127.0.0.1", self.port, keepalive=30)
        client.loop_start()
        self.peers.append(peer)
        assert peer.connected.wait(TIMEOUT), "no CONNACK"
        return peer

    def close(self) -> None:
        for peer in self.peers:
            peer.close()
        if self.ingester is not None:
            self.ingester.stop()
        self.broker.stop()

"""MQTT ingest of SensorThings observations through the broker of :mod:`samverkan.dataspace.broker`.

Devices publish an Observation as JSON to ``v1.1/Datastreams(ID)/Observations`` (the
SensorThings MQTT extension). :class:`Ingester` holds a persistent session (fixed client id,
clean session off) subscribed with QoS 1 to every datastream topic, so the broker queues
messages while it is down. It stores messages in batches, one transaction per batch through
:func:`samverkan.dataspace.observations.store.write`, and acknowledges them only after the commit: a
message the broker considers delivered is in the database. A retried message (same datastream
and phenomenonTime) is recognised and not stored twice.

**Poison never blocks the queue.** Every message is read through the same door as HTTP
(:func:`samverkan.bounds.load_json`, :func:`samverkan.dataspace.observations.rows.observation_row`); one
that cannot be stored is recorded as rejected (:mod:`samverkan.dataspace.dead_letters`, under
its sender) in the batch's transaction and acknowledged with it. If the database refuses a
batch for a reason other than being unavailable, each tenant's messages are stored in their own
transaction, and a tenant's that still fail one at a time: one tenant's bad message never holds
up another's, and nothing escapes as an exception that would stop the ingester. Only an
unavailable database (a transient error) makes the ingester wait and try again — without
acknowledging, so nothing is lost.

:class:`MqttService` runs the broker and the ingester for ``samverkan serve``, and listens only
to the broker it started (a connection to anything else is dropped before it subscribes).
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import Engine, select
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from samverkan.bounds import DEFAULT_LIMITS, INT32_MAX, Limits, load_json
from samverkan.dataspace import dead_letters
from samverkan.dataspace.broker import INGEST_USER, SUBSCRIPTION, Broker, BrokerError
from samverkan.dataspace.observations import store
from samverkan.dataspace.observations.rows import Batch, Row, observation_row
from samverkan.dataspace.tenants import Viewer
from samverkan.dataspace.times import now_ms
from samverkan.dataspace.write import Writer
from samverkan.db import dataspace as t
from samverkan.errors import SamverkanError

log = logging.getLogger("samverkan.mqtt")

TOPIC = re.compile(r"^v1\.1/Datastreams\((\d{1,18})\)/Observations$")


class Rejected(Exception):
    """A message that cannot become an observation (recorded as rejected, then acknowledged)."""


@dataclass
class Message:
    """A received message, with the session it came in on and when it arrived."""

    generation: int
    mid: int
    qos: int
    topic: str
    payload: bytes | bytearray
    retain: bool
    arrival: int  # ms since the epoch: the phenomenonTime of an observation that gives none


@dataclass
class Counts:
    """What the ingester did so far."""

    received: int = 0
    stored: int = 0  # observations new in the database
    duplicates: int = 0  # valid observations that were already stored (retries)
    rejected: int = 0  # messages recorded as rejected and acknowledged
    replayed: int = 0  # retained messages delivered again on subscribing, ignored
    batches: int = 0
    failures: int = 0  # transactions the database refused (split up, or tried again when it was unavailable)
    untrusted: int = 0  # messages from a connection to a broker that is not ours, dropped


def _transient(exc: BaseException) -> bool:
    """Whether a database error may go away by itself (the server is down, the file is locked)."""
    return isinstance(exc, OperationalError | InterfaceError) or bool(getattr(exc, "connection_invalidated", False))


def datastream_of(topic: str) -> int | None:
    """The datastream a topic names (None if it names none a datastream id could be)."""
    match = TOPIC.match(topic)
    return int(match.group(1)) if match and int(match.group(1)) <= INT32_MAX else None


@dataclass
class _Batch:
    """Lookups shared by the messages of one transaction."""

    session: Session
    limits: Limits
    streams: dict[int, tuple[int, str] | None] = field(default_factory=dict)
    writers: dict[int, Writer] = field(default_factory=dict)

    def owner(self, datastream: int) -> tuple[int, str] | None:
        if datastream not in self.streams:
            row = self.session.execute(
                select(t.Datastream.tenant_id, t.Tenant.slug)
                .join(t.Tenant, t.Tenant.id == t.Datastream.tenant_id)
                .where(t.Datastream.id == datastream)
            ).first()
            self.streams[datastream] = None if row is None else (row[0], row[1])
        return self.streams[datastream]

    def writer(self, tenant: int, slug: str) -> Writer:
        if tenant not in self.writers:
            self.writers[tenant] = Writer(self.session, Viewer(tenant, slug, "write"), limits=self.limits)
        return self.writers[tenant]


class Ingester:
    """Stores observations published to the broker; acknowledges them after the commit.

    Messages are taken in batches (up to ``batch_size``, or what arrived within ``batch_wait``
    seconds of the first). Each message is validated on its own; the valid ones of a batch are
    stored in one transaction as their datastream's owner (the broker's ACL lets only the
    owner's tokens publish there), the invalid ones recorded as rejected in the same
    transaction. After the commit every message of the batch is acknowledged. If the database
    is unavailable, nothing is acknowledged and the batch is tried again; if the ingester stops
    first, the broker delivers the messages again to the next session.

    ``trusted``: whether the broker connected to is the one we started (checked on every
    connection; on another, the ingester disconnects before subscribing and drops anything
    it is sent).
    """

    def __init__(
        self,
        engine: Engine,
        host: str,
        port: int,
        username: str,
        password: str,
        client_id: str = INGEST_USER,
        batch_size: int = 1000,
        batch_wait: float = 0.05,
        limits: Limits = DEFAULT_LIMITS,
        dead_letters_kept: int = 1000,
        trusted: Callable[[], bool] = lambda: True,
    ) -> None:
        self.engine = engine
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.client_id = client_id
        self.batch_size = batch_size
        self.batch_wait = batch_wait
        self.limits = limits
        self.dead_letters_kept = dead_letters_kept
        self.trusted = trusted
        self.counts = Counts()
        self._queue: queue.Queue[Message] = queue.Queue()
        self._generation = 0
        self._verified = False  # the current connection is to our broker
        self._subscribed = threading.Event()
        self._stopping = threading.Event()
        self._client: mqtt.Client | None = None
        self._worker: threading.Thread | None = None

    # -- connection ---------------------------------------------------------------------------

    def start(self, timeout: float = 10.0) -> None:
        """Connect, subscribe and start storing; returns once the subscription is in place."""
        if self._client is not None:
            return
        self._stopping.clear()
        self._subscribed.clear()
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            clean_session=False,
            protocol=mqtt.MQTTv311,
            manual_ack=True,
        )
        client.username_pw_set(self.username, self.password)
        # paho hints whole seconds, but it only doubles, caps and waits for the delay: a float works
        client.reconnect_delay_set(0.1, 5)  # type: ignore[arg-type]
        client.on_connect = self._on_connect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        client.on_disconnect = self._on_disconnect
        self._client = client
        self._worker = threading.Thread(target=self._run, name="mqtt-ingest", daemon=True)
        self._worker.start()
        client.connect_async(self.host, self.port, keepalive=30)
        client.loop_start()
        if not self._subscribed.wait(timeout):
            self.stop()
            raise BrokerError(f"the ingester could not subscribe at {self.host}:{self.port} within {timeout} s")

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the batch in hand, then disconnect. Messages not yet stored stay with the broker."""
        self._stopping.set()
        if self._worker is not None:
            self._worker.join(timeout)
            self._worker = None
        client, self._client = self._client, None
        if client is not None:
            client.disconnect()
            client.loop_stop()
        while not self._queue.empty():  # unacknowledged: the broker delivers them again
            self._queue.get_nowait()

    def __enter__(self) -> Ingester:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _on_connect(self, client: mqtt.Client, _userdata: Any, flags: Any, reason: Any, _props: Any) -> None:
        if reason.is_failure:
            log.error("the broker refused the ingester: %s", reason)
            return
        self._generation += 1
        self._verified = self.trusted()
        if not self._verified:
            log.error("the broker at %s:%d is not the one samverkan started; disconnecting", self.host, self.port)
            client.disconnect()
            return
        log.info("ingester connected (session present: %s)", flags.session_present)
        client.subscribe(SUBSCRIPTION, qos=1)

    def _on_subscribe(self, _client: mqtt.Client, _userdata: Any, _mid: int, reasons: Any, _props: Any) -> None:
        if all(not r.is_failure for r in reasons):
            self._subscribed.set()
        else:
            log.error("the broker refused the ingester's subscription to %s: %s", SUBSCRIPTION, reasons)

    def _on_disconnect(self, _client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any, _props: Any) -> None:
        self._verified = False
        if not self._stopping.is_set():
            log.warning("ingester disconnected (%s); reconnecting", reason)

    def _on_message(self, _client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        if not self._verified:
            self.counts.untrusted += 1
            return  # not acknowledged, not stored: it did not come from our broker
        self._queue.put(
            Message(
                self._generation,
                message.mid,
                message.qos,
                message.topic,
                message.payload,
                bool(message.retain),
                now_ms(),
            )
        )

    # -- batches ------------------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stopping.is_set():
            batch = self._collect()
            if not batch:
                continue
            try:
                self._handle(batch)
            except Exception:  # pragma: no cover - a bug: keep the thread alive, the broker redelivers
                log.exception("ingest batch failed")

    def _collect(self) -> list[Message]:
        try:
            first = self._queue.get(timeout=0.1)
        except queue.Empty:
            return []
        batch = [first]
        deadline = time.monotonic() + self.batch_wait
        while len(batch) < self.batch_size:
            remaining = deadline - time.monotonic()
            try:
                batch.append(self._queue.get(timeout=remaining) if remaining > 0 else self._queue.get_nowait())
            except queue.Empty:
                break
        return batch

    def _handle(self, batch: list[Message]) -> None:
        """Store a batch, waiting while the database is unavailable; acknowledge after commit."""
        # a QoS 1 message from an earlier connection comes again on the current one
        batch = [m for m in batch if m.qos == 0 or m.generation == self._generation]
        self.counts.received += len(batch)
        delay = 0.2
        while True:
            try:
                self._store(batch)
                break
            except Exception as exc:  # only transient errors come this far
                self.counts.failures += 1
                log.error("storing %d MQTT messages failed (%s); not acknowledged, trying again", len(batch), exc)
                if self._stopping.wait(delay):
                    return  # not acknowledged: the broker delivers them to the next session
                delay = min(delay * 2, 10.0)
        self.counts.batches += 1
        client = self._client
        for message in batch:
            if client is not None and message.qos and message.generation == self._generation:
                client.ack(message.mid, message.qos)

    def _store(self, batch: list[Message]) -> None:
        """One transaction for the batch; if the database refuses it (a constraint a concurrent
        writer hit first, a datastream deleted meanwhile, or anything the validation let
        through), one per tenant, and a refused tenant's messages one at a time, each either
        stored or recorded as rejected. Raises only what is transient."""
        try:
            self._transaction(batch)
            return
        except Exception as exc:
            if _transient(exc):
                raise
            self.counts.failures += 1
            log.warning("a batch of %d MQTT messages failed (%s); storing them per tenant", len(batch), exc)
        groups: dict[int | None, list[Message]] = defaultdict(list)
        for message in batch:
            groups[self._sender(message)].append(message)
        for tenant, messages in groups.items():
            try:
                self._transaction(messages)
                continue
            except Exception as exc:
                if _transient(exc):
                    raise
                self.counts.failures += 1
                log.warning(
                    "%d MQTT messages of tenant %s failed (%s); storing them one by one", len(messages), tenant, exc
                )
            for message in messages:
                try:
                    self._transaction([message])
                except Exception as exc:
                    if _transient(exc):
                        raise
                    self._refuse(message, f"the database refused it: {_reason(exc)}")

    def _refuse(self, message: Message, reason: str) -> None:
        """Record one message as rejected on its own; if even that fails (but the database is
        available), it cannot be kept anywhere: log it, and let it be acknowledged."""
        try:
            self._transaction([message], refused=reason)
        except Exception as exc:
            if _transient(exc):
                raise
            self.counts.rejected += 1
            log.exception(
                "an MQTT message on %s could be neither stored nor recorded (%s)", message.topic[:200], reason
            )

    def _sender(self, message: Message) -> int | None:
        """The tenant a message came from: its datastream's owner (None if unknown)."""
        datastream = datastream_of(message.topic)
        if datastream is None:
            return None
        with Session(self.engine) as session:
            return session.scalar(select(t.Datastream.tenant_id).where(t.Datastream.id == datastream))

    def _transaction(self, batch: list[Message], refused: str | None = None) -> None:
        """Store the batch's valid messages and record the others as rejected, in one
        transaction (``refused``: record every message of the batch as rejected for that reason)."""
        rows: list[Row] = []
        rejected: list[tuple[Message, int | None, str]] = []
        replayed = 0
        with Session(self.engine) as session, session.begin():
            lookups = _Batch(session, self.limits)
            for message in batch:
                if message.retain:
                    replayed += 1  # delivered again on subscribing; it was stored when published
                    continue
                if refused is not None:
                    rejected.append((message, self._owner_id(lookups, message), refused))
                    continue
                try:
                    rows.append(self._row(lookups, message))
                except Rejected as exc:
                    rejected.append((message, self._owner_id(lookups, message), str(exc)))
            new = store.write(session, Batch(rows))
            for message, tenant, reason in rejected:
                dead_letters.record(
                    session, tenant, datastream_of(message.topic), message.topic, reason, message.payload
                )
            if rejected:
                dead_letters.prune(session, {tenant for _, tenant, _ in rejected}, self.dead_letters_kept)
        self.counts.stored += new
        self.counts.duplicates += len(rows) - new
        self.counts.replayed += replayed
        for message, _, reason in rejected:
            self.counts.rejected += 1
            log.warning("rejected MQTT message on %s: %s", message.topic[:200], reason)

    @staticmethod
    def _owner_id(lookups: _Batch, message: Message) -> int | None:
        datastream = datastream_of(message.topic)
        owner = lookups.owner(datastream) if datastream is not None else None
        return owner[0] if owner else None

    def _row(self, lookups: _Batch, message: Message) -> Row:
        """The observation a message carries, validated; raises :class:`Rejected`."""
        datastream = datastream_of(message.topic)
        if datastream is None:
            raise Rejected("not a topic of the form v1.1/Datastreams(ID)/Observations")
        owner = lookups.owner(datastream)
        if owner is None:
            raise Rejected(f"no datastream {datastream}")
        try:
            body = load_json(message.payload, "message", self.limits.max_depth)
            writer = lookups.writer(*owner)  # devices create no entities: links name existing ones
            address = {"Datastream": datastream}
            return observation_row(body, "Observation", writer, message.arrival, address, False, self.limits)
        except SamverkanError as exc:
            raise Rejected(str(exc)) from None
        except Exception as exc:
            if _transient(exc):
                raise
            log.exception("reading an MQTT message on %s failed", message.topic[:200])
            raise Rejected(f"could not be read: {_reason(exc)}") from None


def _reason(exc: BaseException) -> str:
    return str(getattr(exc, "orig", None) or exc)[:500] or type(exc).__name__


# -- all together ----------------------------------------------------------------------------------------


class MqttService:
    """The broker, the ingester and a watcher that keeps the broker's files in step with the
    database (every ``poll`` seconds) and restarts the broker if it dies: the ingester is
    stopped while the broker is down (so it never reaches a broker that took the port
    meanwhile), and restarts are spaced out, up to a minute apart, while they fail."""

    def __init__(
        self,
        engine: Engine,
        runtime_dir: Path,
        port: int,
        host: str = "127.0.0.1",
        poll: float = 1.0,
        limits: Limits = DEFAULT_LIMITS,
        dead_letters_kept: int = 1000,
    ) -> None:
        self.broker = Broker(engine, runtime_dir, port, host)
        self.ingester = Ingester(
            engine,
            host,
            port,
            self.broker.ingest_user,
            self.broker.ingest_password,
            limits=limits,
            dead_letters_kept=dead_letters_kept,
            trusted=lambda: self.broker.running,
        )
        self.poll = poll
        self._stop = threading.Event()
        self._poller: threading.Thread | None = None

    def start(self) -> None:
        self.broker.start()
        try:
            self.ingester.start()
        except Exception:
            self.broker.stop()
            raise
        self._stop.clear()
        self._poller = threading.Thread(target=self._watch, name="mqtt-sync", daemon=True)
        self._poller.start()

    def _watch(self) -> None:
        failures = 0
        delay = self.poll
        while not self._stop.wait(delay):
            try:
                if not self.broker.running:
                    log.error("mosquitto stopped; starting it again")
                    self.ingester.stop()
                    self.broker.start()
                    self.ingester.start()
                self.broker.sync()
                failures, delay = 0, self.poll
            except BrokerError as exc:
                failures += 1
                delay = min(60.0, self.poll * 2**failures)
                log.error("the MQTT broker is down (%s); trying again in %.0f s", str(exc).splitlines()[0], delay)
            except Exception:
                log.exception("keeping the MQTT broker in step failed")

    def stop(self) -> None:
        self._stop.set()
        if self._poller is not None:
            self._poller.join()
            self._poller = None
        self.ingester.stop()
        self.broker.stop()

    def __enter__(self) -> MqttService:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

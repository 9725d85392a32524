"""MQTT ingest of SensorThings observations through a Mosquitto broker.

Devices publish an Observation as JSON to ``v1.1/Datastreams(ID)/Observations`` (the
SensorThings MQTT extension). Three parts work together:

* **Credentials.** Every token is its own MQTT user, ``<tenant slug>.<token id>``, with the
  token as password (a tenant has several tokens; Mosquitto allows one password per user).
  The broker checks passwords against ``$7$`` (PBKDF2-SHA512) hashes in its password file,
  which is generated from the database: each token row keeps such a hash, made when the token
  was issued (:func:`samverkan.dataspace.tenants.broker_hash`), and only tokens in force (not
  revoked, not expired) are written.
* **Authorisation.** The ACL file is generated from the database (:func:`write_acl`): a
  write-scoped token may publish to its tenant's datastreams; any token may subscribe to its
  tenant's datastreams and to those shared with the tenant as raw data (by name or publicly).
  Mosquitto checks read access per delivered message, so a wildcard subscription (``#``) is
  accepted but never delivers another tenant's data. :meth:`Broker.sync` regenerates both
  files and makes the broker reload them (SIGHUP) when tokens, datastreams or shares change;
  on reload Mosquitto disconnects clients whose password is gone.
* **Ingest.** :class:`Ingester` holds a persistent session (fixed client id, clean session off)
  subscribed with QoS 1 to every datastream topic, so the broker queues messages while it is
  down. It stores messages in batches, one transaction per batch through
  :func:`samverkan.dataspace.observations.store`, and acknowledges them only after the commit:
  a message the broker considers delivered is in the database. A retried message (same
  datastream and phenomenonTime) is recognised and not stored twice.

:class:`MqttService` runs all three for ``samverkan serve``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import pwd
import queue
import re
import secrets
import signal
import socket
import subprocess
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from samverkan.dataspace import observations as obs
from samverkan.dataspace.model import SETS, EntityError, json_type, to_ms
from samverkan.dataspace.tenants import Viewer, broker_hash, now
from samverkan.dataspace.write import Writer
from samverkan.db import dataspace as t

log = logging.getLogger("samverkan.mqtt")

MOSQUITTO = Path("/usr/sbin/mosquitto")
TOPIC = re.compile(r"^v1\.1/Datastreams\((\d{1,18})\)/Observations$")
SUBSCRIPTION = "v1.1/+/Observations"
INGEST_USER = "samverkan-ingest"
ATTEMPTS = 3  # tries of a message the database refuses (e.g. a roll-up row a concurrent writer made)
FIELDS = {
    "phenomenonTime",
    "resultTime",
    "result",
    "resultQuality",
    "validTime",
    "parameters",
    "FeatureOfInterest",
    "Datastream",
}


def topic(datastream: int) -> str:
    """The SensorThings MQTT topic a datastream's observations are published to."""
    return f"v1.1/Datastreams({datastream})/Observations"


def user_name(slug: str, token_id: int) -> str:
    """The MQTT user of a token (slugs never contain dots)."""
    return f"{slug}.{token_id}"


# -- password file lines -------------------------------------------------------------------------


def mqtt_password_line(user: str, token: str) -> str:
    """One line of a Mosquitto password file for ``user`` with password ``token`` (hashed)."""
    if not user or any(c in user for c in ":\n\r"):
        raise ValueError(f"invalid MQTT user name {user!r}")
    return f"{user}:{broker_hash(token)}"


def _write_private(path: Path, text: str) -> None:
    """Replace ``path`` atomically with ``text``, readable by its owner only."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)


# -- what the broker should know: a snapshot of the database ------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """Tokens in force, datastream owners and raw shares in force, at one moment."""

    tokens: tuple[tuple[int, int, str, str, str | None], ...]  # (token id, tenant id, slug, scope, broker hash)
    owners: tuple[tuple[int, int], ...]  # (datastream id, tenant id)
    shares: tuple[tuple[int, int | None], ...]  # (datastream id, grantee tenant id; None: public)

    @classmethod
    def load(cls, engine: Engine, moment: dt.datetime | None = None) -> Snapshot:
        """Read the snapshot; tokens that expired by ``moment`` (default: now) are left out
        (SQLite hands back naive datetimes; ours are in UTC)."""
        moment = moment or now()
        with Session(engine) as session:
            rows = session.execute(
                select(
                    t.Token.id, t.Token.tenant_id, t.Tenant.slug, t.Token.scope, t.Token.broker_hash, t.Token.expires_at
                )
                .join(t.Tenant, t.Tenant.id == t.Token.tenant_id)
                .where(t.Token.revoked_at.is_(None))
                .order_by(t.Token.id)
            ).all()
            owners = session.execute(select(t.Datastream.id, t.Datastream.tenant_id).order_by(t.Datastream.id)).all()
            shares = session.execute(
                select(t.Share.datastream_id, t.Share.grantee_id)
                .where(t.Share.revoked_at.is_(None), t.Share.level == "raw")
                .order_by(t.Share.id)
            ).all()
        tokens = tuple(
            (ident, tenant, slug, scope, hashed)
            for ident, tenant, slug, scope, hashed, expires in rows
            if expires is None or (expires if expires.tzinfo else expires.replace(tzinfo=dt.UTC)) > moment
        )
        return cls(tokens, tuple(tuple(r) for r in owners), tuple(tuple(r) for r in shares))

    def fingerprint(self) -> str:
        """A digest of everything the broker's files depend on."""
        return hashlib.sha256(repr(self).encode()).hexdigest()

    def acl(self, ingest_user: str | None = INGEST_USER) -> str:
        """The Mosquitto ACL file: per token user, exactly the topics it may use; no patterns."""
        owned: dict[int, list[int]] = defaultdict(list)
        for datastream, tenant in self.owners:
            owned[tenant].append(datastream)
        shared: dict[int | None, set[int]] = defaultdict(set)
        for datastream, grantee in self.shares:
            shared[grantee].add(datastream)
        lines = ["# generated by samverkan from the data space; do not edit", ""]
        if ingest_user is not None:
            lines += [f"user {ingest_user}", f"topic read {SUBSCRIPTION}", ""]
        for ident, tenant, slug, scope, _ in self.tokens:
            lines.append(f"user {user_name(slug, ident)}")
            if scope in ("write", "admin"):
                lines += [f"topic write {topic(d)}" for d in owned[tenant]]
            readable = set(owned[tenant]) | shared[tenant] | shared[None]
            lines += [f"topic read {topic(d)}" for d in sorted(readable)]
            lines.append("")
        return "\n".join(lines)

    def passwords(self, extra: dict[str, str] | None = None) -> str:
        """The password file: tokens in force that have a broker hash (tokens issued before
        revision 0004 have none), plus ``extra`` users (name: hash)."""
        lines = [f"{user}:{hashed}" for user, hashed in (extra or {}).items()]
        lines += [f"{user_name(slug, ident)}:{hashed}" for ident, _, slug, _, hashed in self.tokens if hashed]
        return "\n".join(lines) + "\n"


def write_acl(engine: Engine, path: Path, ingest_user: str | None = INGEST_USER) -> None:
    """Write the broker's ACL file for the database's current tokens, datastreams and shares."""
    _write_private(Path(path), Snapshot.load(engine).acl(ingest_user))


def fingerprint(engine: Engine, moment: dt.datetime | None = None) -> str:
    """The fingerprint :meth:`Broker.sync` compares (``moment``: evaluate expiry at that time)."""
    return Snapshot.load(engine, moment).fingerprint()


def _alive(pid: int) -> bool:
    """Whether a process runs (a zombie, stopped but not yet reaped by its parent, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[-1]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return not state.startswith("Z")


# -- the broker ------------------------------------------------------------------------------------


class BrokerError(RuntimeError):
    """Mosquitto did not start or stopped unexpectedly."""


class Broker:
    """A Mosquitto process with generated configuration, password and ACL files.

    Files live in ``runtime_dir``: ``mosquitto.conf``, ``passwd`` and ``acl`` (mode 0600),
    ``mosquitto.db`` (the persisted sessions and queued messages) and ``mosquitto.log``.
    The ingester's password is random, made once per Broker object, and known only to this
    object (the password file holds its hash), so a restarted broker lets the ingester back in.
    """

    def __init__(
        self,
        engine: Engine,
        runtime_dir: Path,
        port: int,
        host: str = "127.0.0.1",
        binary: Path = MOSQUITTO,
        max_inflight: int = 2000,
        max_queued: int = 1_000_000,
        autosave_interval: int = 1,
        session_expiry: str = "7d",
        max_packet_size: int = 256 * 1024,
    ) -> None:
        self.engine = engine
        self.runtime_dir = Path(runtime_dir)
        self.port = port
        self.host = host
        self.binary = Path(binary)
        self.max_inflight = max_inflight
        self.max_queued = max_queued
        self.autosave_interval = autosave_interval
        self.session_expiry = session_expiry
        self.max_packet_size = max_packet_size
        self.ingest_user = INGEST_USER
        self.ingest_password = secrets.token_urlsafe(32)
        self._ingest_hash = broker_hash(self.ingest_password)
        self.process: subprocess.Popen[bytes] | None = None
        self._fingerprint: str | None = None
        self._lock = threading.RLock()

    # files
    @property
    def config_path(self) -> Path:
        return self.runtime_dir / "mosquitto.conf"

    @property
    def password_path(self) -> Path:
        return self.runtime_dir / "passwd"

    @property
    def acl_path(self) -> Path:
        return self.runtime_dir / "acl"

    @property
    def log_path(self) -> Path:
        return self.runtime_dir / "mosquitto.log"

    @property
    def pid_path(self) -> Path:
        return self.runtime_dir / "mosquitto.pid"

    def _stop_leftover(self, timeout: float = 10.0) -> None:
        """Stop a broker an earlier samverkan process started on these files and could not stop
        (it was killed). It is asked to stop (SIGTERM), so it saves its queued messages first."""
        try:
            pid = int(self.pid_path.read_text().strip())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except (FileNotFoundError, ProcessLookupError, ValueError):
            return
        if str(self.config_path).encode() not in cmdline:
            return  # the pid was reused by another program
        log.warning("stopping the broker (pid %d) an earlier samverkan left running", pid)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _alive(pid):
            if time.monotonic() > deadline:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                break
            time.sleep(0.02)

    def config(self) -> str:
        """The broker configuration. Limits:

        * ``max_inflight_messages``: unacknowledged QoS 1 messages the broker sends one client
          before waiting for acknowledgements. The ingester acknowledges a batch only after its
          commit, so this is twice the batch size: one batch fills while the other commits.
        * ``max_queued_messages``: messages held per client beyond those in flight, including for
          a disconnected persistent session. The ingester's queue must survive its restarts:
          a million messages are hours of a busy deployment (≈ 2.8 h at 100 messages/s) and, at a
          few hundred bytes each, a few hundred MB at worst. The limit applies to every client
          (Mosquitto has no per-client limit), so sessions abandoned by devices expire after
          ``persistent_client_expiration``.
        * ``autosave_interval``: Mosquitto keeps queued messages in memory and saves them every
          so many seconds (and on a clean stop): a broker crash loses at most that much of the
          queue.
        """
        user = pwd.getpwuid(os.getuid()).pw_name  # as root, Mosquitto would otherwise become "mosquitto"
        return "\n".join(
            [
                "# generated by samverkan; do not edit",
                f"listener {self.port} {self.host}",
                "allow_anonymous false",
                f"password_file {self.password_path}",
                f"acl_file {self.acl_path}",
                "use_username_as_clientid true",  # nobody can take over another user's session
                "persistence true",
                f"persistence_location {self.runtime_dir}/",
                "persistence_file mosquitto.db",
                f"autosave_interval {self.autosave_interval}",
                f"persistent_client_expiration {self.session_expiry}",
                f"max_inflight_messages {self.max_inflight}",
                f"max_queued_messages {self.max_queued}",
                f"max_packet_size {self.max_packet_size}",
                "set_tcp_nodelay true",
                f"user {user}",
                f"log_dest file {self.log_path}",
                "log_type error",
                "log_type warning",
                "log_type notice",
                "log_type information",
                "log_timestamp_format %Y-%m-%dT%H:%M:%S",
                "",
            ]
        )

    def _write_files(self) -> None:
        """Regenerate the password and ACL files from the database."""
        snapshot = Snapshot.load(self.engine)
        _write_private(self.password_path, snapshot.passwords({self.ingest_user: self._ingest_hash}))
        _write_private(self.acl_path, snapshot.acl(self.ingest_user))
        self._fingerprint = snapshot.fingerprint()

    # process
    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 10.0) -> None:
        """Write the files, start Mosquitto and wait until it accepts connections."""
        with self._lock:
            if self.running:
                return
            self.runtime_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._stop_leftover()
            self._write_files()
            _write_private(self.config_path, self.config())
            stderr = os.open(self.runtime_dir / "mosquitto.stderr", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(stderr, "ab") as errors:
                self.process = subprocess.Popen(
                    [str(self.binary), "-c", str(self.config_path)],
                    stdin=subprocess.DEVNULL,
                    stdout=errors,
                    stderr=errors,
                    start_new_session=True,  # a Ctrl-C in the terminal reaches samverkan, which stops it
                )
            _write_private(self.pid_path, f"{self.process.pid}\n")
            deadline = time.monotonic() + timeout
            while True:
                try:
                    with socket.create_connection((self.host, self.port), timeout=0.5):
                        break
                except OSError:
                    if self.process.poll() is not None or time.monotonic() > deadline:
                        self._fail("did not start")
                    time.sleep(0.02)
            log.info("mosquitto listening on %s:%d (runtime %s)", self.host, self.port, self.runtime_dir)

    def _fail(self, what: str) -> None:
        self.stop()
        output = ""
        for path in (self.runtime_dir / "mosquitto.stderr", self.log_path):
            if path.exists():
                output += path.read_text(errors="replace")[-4000:]
        raise BrokerError(f"mosquitto {what} (port {self.port}):\n{output}")

    def reload(self, timeout: float = 5.0) -> None:
        """Regenerate the password and ACL files and make Mosquitto reload them. Returns once the
        broker has reloaded: what is sent to it afterwards is judged by the new files."""
        with self._lock:
            self._write_files()
            if not self.running:
                return
            offset = self.log_path.stat().st_size if self.log_path.exists() else 0
            assert self.process is not None
            self.process.send_signal(signal.SIGHUP)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                # Mosquitto is single-threaded: once it has logged the reload, the new files apply
                with contextlib.suppress(FileNotFoundError), open(self.log_path, "rb") as logged:
                    logged.seek(offset)
                    if b"Reloading config" in logged.read():
                        return
                if not self.running:
                    self._fail("stopped while reloading")
                time.sleep(0.005)
            log.warning("mosquitto did not confirm the reload within %.0f s", timeout)

    def sync(self) -> bool:
        """Reload if tokens (including their expiry), datastreams or shares changed since the
        files were written. Cheap enough to call every second."""
        with self._lock:
            current = Snapshot.load(self.engine).fingerprint()
            if current == self._fingerprint:
                return False
            self.reload()
            return True

    def stop(self, timeout: float = 10.0) -> None:
        """Stop Mosquitto (it saves its queued messages on the way out)."""
        with self._lock:
            process, self.process = self.process, None
            if process is None:
                return
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()

    def __enter__(self) -> Broker:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# -- the ingester ------------------------------------------------------------------------------------


class Rejected(Exception):
    """A message that cannot become an observation (it is acknowledged and dropped)."""


@dataclass
class Message:
    """A received message, with the session it came in on and when it arrived."""

    generation: int
    mid: int
    qos: int
    topic: str
    payload: bytes
    retain: bool
    arrival: int  # ms since the epoch: the phenomenonTime of an observation that gives none


@dataclass
class Counts:
    """What the ingester did so far."""

    received: int = 0
    stored: int = 0  # observations new in the database
    duplicates: int = 0  # valid observations that were already stored (retries)
    rejected: int = 0  # invalid messages, logged and acknowledged
    replayed: int = 0  # retained messages delivered again on subscribing, ignored
    batches: int = 0
    failures: int = 0  # batches whose transaction failed (not acknowledged, tried again)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _transient(exc: BaseException) -> bool:
    """Whether a database error may go away by itself (the server is down, the file is locked)."""
    return isinstance(exc, OperationalError | InterfaceError) or bool(getattr(exc, "connection_invalidated", False))


@dataclass
class _Batch:
    """Lookups shared by the messages of one transaction."""

    session: Session
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
            self.writers[tenant] = Writer(self.session, Viewer(tenant, slug, "write"))
        return self.writers[tenant]


class Ingester:
    """Stores observations published to the broker; acknowledges them after the commit.

    Messages are taken in batches (up to ``batch_size``, or what arrived within ``batch_wait``
    seconds of the first). Each message is validated on its own; the valid ones of a batch are
    stored in one transaction as their datastream's owner (the broker's ACL lets only the
    owner's tokens publish there). After the commit every message of the batch is acknowledged,
    the invalid ones too (so they are not delivered again and again). If the transaction fails,
    nothing is acknowledged and the batch is tried again; if the ingester stops first, the broker
    delivers the messages again to the next session.
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
    ) -> None:
        self.engine = engine
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.client_id = client_id
        self.batch_size = batch_size
        self.batch_wait = batch_wait
        self.counts = Counts()
        self._queue: queue.Queue[Message] = queue.Queue()
        self._generation = 0
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
        client.reconnect_delay_set(0.1, 5)
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
        log.info("ingester connected (session present: %s)", flags.session_present)
        client.subscribe(SUBSCRIPTION, qos=1)

    def _on_subscribe(self, _client: mqtt.Client, _userdata: Any, _mid: int, reasons: Any, _props: Any) -> None:
        if all(not r.is_failure for r in reasons):
            self._subscribed.set()
        else:
            log.error("the broker refused the ingester's subscription to %s: %s", SUBSCRIPTION, reasons)

    def _on_disconnect(self, _client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any, _props: Any) -> None:
        if not self._stopping.is_set():
            log.warning("ingester disconnected (%s); reconnecting", reason)

    def _on_message(self, _client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        self._queue.put(
            Message(
                self._generation,
                message.mid,
                message.qos,
                message.topic,
                message.payload,
                bool(message.retain),
                to_ms(now()),
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
        """Store a batch, retrying while the database is unavailable; acknowledge after commit."""
        # a QoS 1 message from an earlier connection comes again on the current one
        batch = [m for m in batch if m.qos == 0 or m.generation == self._generation]
        self.counts.received += len(batch)
        delay = 0.2
        while True:
            try:
                self._store(batch)
                break
            except Exception as exc:
                self.counts.failures += 1
                log.error(
                    "storing %d MQTT messages failed (%s); not acknowledged, trying again",
                    len(batch),
                    exc,
                    exc_info=not isinstance(exc, DBAPIError),  # anything else is a bug: show where
                )
                if self._stopping.wait(delay):
                    return  # not acknowledged: the broker delivers them to the next session
                delay = min(delay * 2, 10.0)
        self.counts.batches += 1
        client = self._client
        for message in batch:
            if client is not None and message.qos and message.generation == self._generation:
                client.ack(message.mid, message.qos)

    def _store(self, batch: list[Message]) -> None:
        """One transaction for the batch. If the database refuses it for a reason other than being
        unavailable (a constraint a concurrent writer hit first, a datastream deleted meanwhile,
        or a message the validation let through), the messages are stored one at a time, each
        tried a few times: what still fails alone is rejected, so one bad message cannot hold up
        the rest for ever."""
        try:
            self._transaction(batch)
            return
        except obs.Vanished as exc:  # a datastream or feature deleted while the batch was read
            log.warning("a batch of %d MQTT messages failed (%s); storing them one by one", len(batch), exc)
        except DBAPIError as exc:
            if _transient(exc):
                raise
            log.warning("a batch of %d MQTT messages failed (%s); storing them one by one", len(batch), exc)
        for message in batch:
            for attempt in range(1, ATTEMPTS + 1):
                try:
                    self._transaction([message])
                    break
                except obs.Vanished as exc:
                    self._reject(message, str(exc))
                    break
                except DBAPIError as exc:
                    if _transient(exc):
                        raise
                    if attempt == ATTEMPTS:
                        self._reject(message, f"the database refused it: {exc.orig}")
                    else:
                        time.sleep(0.05 * attempt)

    def _transaction(self, batch: list[Message]) -> None:
        rows: list[obs.Row] = []
        rejected: list[tuple[Message, str]] = []
        replayed = 0
        with Session(self.engine) as session, session.begin():
            lookups = _Batch(session)
            for message in batch:
                if message.retain:
                    replayed += 1  # delivered again on subscribing; it was stored when published
                    continue
                try:
                    rows.append(self._row(lookups, message))
                except Rejected as exc:
                    rejected.append((message, str(exc)))
            new = obs.store(session, rows)
        self.counts.stored += new
        self.counts.duplicates += len(rows) - new
        self.counts.replayed += replayed
        for message, reason in rejected:
            self._reject(message, reason)

    def _reject(self, message: Message, reason: str) -> None:
        self.counts.rejected += 1
        log.warning("rejected MQTT message on %s: %s", message.topic, reason)

    def _row(self, lookups: _Batch, message: Message) -> obs.Row:
        """The observation a message carries, validated; raises :class:`Rejected`."""
        match = TOPIC.match(message.topic)
        if match is None:
            raise Rejected("not a topic of the form v1.1/Datastreams(ID)/Observations")
        datastream = int(match.group(1))
        owner = lookups.owner(datastream)
        if owner is None:
            raise Rejected(f"no datastream {datastream}")
        try:
            body = json.loads(message.payload, parse_constant=_no_constants)
        except ValueError as exc:
            raise Rejected(f"not JSON: {exc}") from None
        where = "Observation"
        try:
            if not isinstance(body, dict):
                raise EntityError(f"{where}: expected a JSON object, got {json_type(body)}")
            unknown = sorted(set(body) - FIELDS)
            if unknown:
                raise EntityError(f"{where} has no property {unknown[0]!r}")
            if "Datastream" in body and body["Datastream"] != {"@iot.id": datastream}:
                raise EntityError(f'{where}.Datastream: the topic names {{"@iot.id": {datastream}}}')
            writer = lookups.writer(*owner)
            feature = None
            if "FeatureOfInterest" in body:
                ref = body["FeatureOfInterest"]
                if not isinstance(ref, dict) or set(ref) != {"@iot.id"}:
                    raise EntityError(f'{where}.FeatureOfInterest: expected {{"@iot.id": …}} of an existing one')
                feature = writer.own(SETS["FeaturesOfInterest"], ref["@iot.id"], f"{where}.FeatureOfInterest").id
            values = {k: v for k, v in body.items() if k not in ("Datastream", "FeatureOfInterest")}
            row = obs.read_row(datastream, values, where, message.arrival, feature)
            if row.feature_id is None:
                row = row._replace(feature_id=writer.derived_feature(datastream, where))
            return row
        except EntityError as exc:
            raise Rejected(str(exc)) from None


# -- all together ----------------------------------------------------------------------------------------


class MqttService:
    """The broker, the ingester and a poller that keeps the broker's files in step with the
    database (every ``poll`` seconds) and restarts the broker if it dies."""

    def __init__(
        self, engine: Engine, runtime_dir: Path, port: int, host: str = "127.0.0.1", poll: float = 1.0
    ) -> None:
        self.broker = Broker(engine, runtime_dir, port, host)
        self.ingester = Ingester(engine, host, port, self.broker.ingest_user, self.broker.ingest_password)
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
        while not self._stop.wait(self.poll):
            try:
                if not self.broker.running:
                    log.error("mosquitto stopped; starting it again")
                    self.broker.start()
                self.broker.sync()
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

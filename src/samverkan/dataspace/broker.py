"""The Mosquitto broker samverkan starts for devices, and the files it is configured by.

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
* **Ours, or none.** The broker is started only on a free port, and counts as up only once
  its own log says it listens there (:meth:`Broker.start`): samverkan never mistakes another
  program's broker on that port for its own.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import logging
import os
import pwd
import secrets
import signal
import socket
import subprocess
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from samverkan.dataspace.tenants import broker_hash
from samverkan.dataspace.times import now
from samverkan.db import dataspace as t
from samverkan.db.engine import aware

log = logging.getLogger("samverkan.mqtt")

MOSQUITTO = Path("/usr/sbin/mosquitto")
SUBSCRIPTION = "v1.1/+/Observations"
INGEST_USER = "samverkan-ingest"


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
            if expires is None or aware(expires) > moment
        )
        return cls(
            tokens,
            tuple((stream, tenant) for stream, tenant in owners),
            tuple((stream, grantee) for stream, grantee in shares),
        )

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
        """Write the files, start Mosquitto and wait until it listens on the port; raises
        :class:`BrokerError` if the port is taken or the broker does not come up."""
        with self._lock:
            if self.running:
                return
            self.runtime_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._stop_leftover()
            self._check_port()
            self._write_files()
            _write_private(self.config_path, self.config())
            offset = self.log_path.stat().st_size if self.log_path.exists() else 0
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
            # up once its own log says it listens (a connection alone could reach another
            # program that took the port meanwhile) and it accepts connections
            listening = f"listen socket on port {self.port}.".encode()
            deadline = time.monotonic() + timeout
            while True:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self._fail("did not start")
                with contextlib.suppress(FileNotFoundError), open(self.log_path, "rb") as logged:
                    logged.seek(offset)
                    if listening in logged.read():
                        break
                time.sleep(0.02)
            while True:
                try:
                    with socket.create_connection((self.host, self.port), timeout=0.5):
                        break
                except OSError:
                    if self.process.poll() is not None or time.monotonic() > deadline:
                        self._fail("did not start")
                    time.sleep(0.02)
            log.info("mosquitto listening on %s:%d (runtime %s)", self.host, self.port, self.runtime_dir)

    def _check_port(self) -> None:
        """Refuse to start when another program listens on the port (bound as Mosquitto binds)."""
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((self.host, self.port))
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    raise BrokerError(
                        f"port {self.port} on {self.host} is taken by another program; samverkan does not use a "
                        "broker it did not start (free the port, or choose another with SAMVERKAN_MQTT_PORT)"
                    ) from None
                raise BrokerError(f"cannot listen on {self.host}:{self.port}: {exc.strerror}") from None

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

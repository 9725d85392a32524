"""``samverkan serve`` in its own process for tests that need a real server (a browser, a
third-party client, MQTT devices, a crash): a free port, a log file, and a check that it
logged no traceback."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx2 as httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One ``samverkan serve`` on ``db_url``, started and stopped (or killed) at will, on the
    same ports each time. MQTT is off unless ``mqtt_port`` is given (its files in ``mqtt_dir``);
    ``args`` go to ``serve``."""

    def __init__(
        self, db_url: str, log: Path, mqtt_port: int = 0, mqtt_dir: Path | None = None, args: Sequence[str] = ()
    ) -> None:
        self.db_url = db_url
        self.log = log
        self.args = list(args)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if k != "SAMVERKAN_DB"}
        self.env["SAMVERKAN_MQTT_PORT"] = str(mqtt_port)
        self.env["SAMVERKAN_MQTT_DIR"] = str(mqtt_dir or log.parent / "mqtt")
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> str:
        """Start and wait until ``/api/v1/health`` answers; returns the base URL."""
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "samverkan", "--db", self.db_url, "serve", "--port", str(self.port), *self.args],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self.env,
            )
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(self.base + "/api/v1/health", timeout=5).status_code == 200:
                    return self.base
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the server did not start:\n" + self.log.read_text())
            time.sleep(0.1)

    def stop(self) -> None:
        """Stop it as a terminal or service manager would (SIGTERM)."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None

    def kill(self) -> None:
        """``kill -9``: no chance to finish anything."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)
            self.process = None

    def check_log(self) -> None:
        errors = self.log.read_text()
        assert "Traceback" not in errors, errors


@contextmanager
def serving(db_url: str, log: Path, timeout: float = 60) -> Iterator[str]:
    """Serve ``db_url``; yields the base URL once ``/api/v1/health`` answers. On exit the server
    is stopped and its log must hold no traceback."""
    server = Server(db_url, log)
    try:
        yield server.start(timeout)
    finally:
        server.stop()
    server.check_log()

"""``samverkan serve`` in its own process for tests that need a real server (a browser, a
third-party client): a free port, a log file, and a check that it logged no traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2 as httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(db_url: str, log: Path, timeout: float = 60) -> Iterator[str]:
    """Serve ``db_url``; yields the base URL once ``/api/v1/health`` answers. On exit the server
    is stopped and its log must hold no traceback."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "samverkan", "--db", db_url, "serve", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={k: v for k, v in os.environ.items() if k != "SAMVERKAN_DB"},
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(base + "/api/v1/health", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the server did not start:\n" + log.read_text())
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
    errors = log.read_text()
    assert "Traceback" not in errors, errors

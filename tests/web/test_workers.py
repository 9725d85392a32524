"""``serve --workers N``: N web processes on one port over PostgreSQL, each warming up from the
snapshot files, with the MQTT broker and the scheduled sync once; on SQLite, one process."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2 as httpx
import pytest

from samverkan.dataspace.broker import MOSQUITTO
from samverkan.web.workers import one_builds
from tests.serving import Server, free_port


def _parent(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # gone meanwhile
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def _brokers(mqtt_dir: Path) -> list[int]:
    """Processes running Mosquitto on the configuration in ``mqtt_dir``."""
    config = str(mqtt_dir / "mosquitto.conf").encode()
    found = []
    for process in Path("/proc").glob("[0-9]*"):
        try:
            if config in (process / "cmdline").read_bytes():
                found.append(int(process.name))
        except OSError:
            continue
    return found


def _answers(base: str, count: int = 16) -> list[dict]:
    """``/api/v1/health`` asked ``count`` times at once, each on its own connection."""

    def ask(_: int) -> dict:
        with httpx.Client(timeout=30) as client:
            return client.get(base + "/api/v1/health").json()

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(ask, range(count)))


def _warm_workers(base: str, count: int, timeout: float = 120) -> set[int]:
    """The process ids of the ``count`` workers, once each has answered warm."""
    warm: dict[int, bool] = {}
    deadline = time.monotonic() + timeout
    while not (len(warm) == count and all(warm.values())):
        for answer in _answers(base):
            warm[answer["worker"]] = warm.get(answer["worker"], False) or answer["warm"]
        assert time.monotonic() < deadline, f"not {count} warm workers within {timeout:.0f} s: {warm}"
        time.sleep(0.2)
    return set(warm)


def test_two_workers_answer_warm_and_the_broker_runs_once(demo_copy, tmp_path):
    if not demo_copy.startswith("postgresql"):
        pytest.skip("several workers need PostgreSQL: tested in the --postgres pass")
    mqtt = MOSQUITTO.exists()
    server = Server(
        demo_copy, tmp_path / "server.log", free_port() if mqtt else 0, tmp_path / "mqtt", args=["--workers", "2"]
    )
    base = server.start()
    assert server.process is not None
    parent = server.process.pid
    try:
        warm = _warm_workers(base, 2)
        assert parent not in warm and all(_parent(pid) == parent for pid in warm)  # uvicorn's workers
        found = httpx.get(base + "/api/v1/search", params={"q": "Wellcome Trust", "kind": "organisation"}, timeout=30)
        assert found.json()["results"][0]["id"] == "999905974"
        if mqtt:
            brokers = _brokers(tmp_path / "mqtt")
            assert len(brokers) == 1 and _parent(brokers[0]) == parent, brokers
    finally:
        server.stop()
    log = server.log.read_text()
    assert "2 web workers" in log, log
    assert all(_parent(pid) is None for pid in warm), "a worker outlived serve"
    if mqtt:
        assert "MQTT devices" in log, log
        assert _brokers(tmp_path / "mqtt") == [], "serve stopped but left its broker running"
    server.check_log()


def test_the_workers_end_with_serve_even_when_it_is_killed(demo_copy, tmp_path):
    if not demo_copy.startswith("postgresql"):
        pytest.skip("several workers need PostgreSQL: tested in the --postgres pass")
    server = Server(demo_copy, tmp_path / "server.log", args=["--workers", "2"])
    base = server.start()
    workers = _warm_workers(base, 2)
    server.kill()  # kill -9: uvicorn's parent cannot stop them itself
    deadline = time.monotonic() + 30
    while any(Path(f"/proc/{pid}").exists() for pid in workers):
        if time.monotonic() > deadline:
            for pid in workers:  # not left serving after the test
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            pytest.fail("a worker outlived serve by 30 s")
        time.sleep(0.2)
    with socket.socket() as free:  # and nothing holds the port
        free.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        free.bind(("127.0.0.1", server.port))


def test_on_sqlite_one_process_serves_and_serve_says_why(tmp_path):
    server = Server(f"sqlite:///{tmp_path / 'one.sqlite'}", tmp_path / "server.log")
    server.env["SAMVERKAN_WORKERS"] = "2"
    base = server.start()
    assert server.process is not None
    try:
        assert {answer["worker"] for answer in _answers(base)} == {server.process.pid}
    finally:
        server.stop()
    log = server.log.read_text()
    assert "serving with one web process, not 2" in log and "SQLite takes one writer at a time" in log, log
    assert "web workers" not in log, log
    server.check_log()


def test_warming_up_together_the_first_builds_alone_then_the_others_go_on_together(tmp_path):
    inside: list[tuple[str, bool]] = []  # who came in, and whether the first was done by then
    together = threading.Barrier(2, timeout=10)  # the two late ones are inside at the same time
    first_done = threading.Event()

    def late(name: str) -> None:
        with one_builds(tmp_path):
            inside.append((name, first_done.is_set()))
            together.wait()

    with one_builds(tmp_path):
        inside.append(("first", False))
        threads = [threading.Thread(target=late, args=(name,)) for name in ("second", "third")]
        for thread in threads:
            thread.start()
        time.sleep(0.3)
        assert len(inside) == 1  # the others wait
        first_done.set()
    for thread in threads:
        thread.join(10)
    assert sorted(inside) == [("first", False), ("second", True), ("third", True)]
    assert not together.broken


def test_a_warm_worker_builds_and_reads_nothing_more_for_its_searches(demo_copy, tmp_path):
    """``warm`` means warm: after the warm-up, searching any kind (vectors included), with a
    region filter, and finding partners read no part of the snapshot that was not in hand."""
    from samverkan.core import Samverkan
    from samverkan.search import KINDS
    from samverkan.search.filters import Filters
    from samverkan.settings import load_settings

    core = Samverkan(load_settings(db=demo_copy, snapshot_dir=tmp_path))
    try:
        core.warm_up()
        snapshot = core.searcher.snapshot()
        parts = len(snapshot.built) + len(snapshot.loaded)
        assert any(name.startswith("vectors-project") for name in snapshot.built)
        for kind in KINDS:
            core.search("digital tvilling för vattenrening", kind=kind)
        core.search("vätgas", filters=Filters(region="SE2"))
        core.partners(text="vätgas i regionen", limit=5)
        assert len(snapshot.built) + len(snapshot.loaded) == parts, (snapshot.built, snapshot.loaded)
    finally:
        core.close()

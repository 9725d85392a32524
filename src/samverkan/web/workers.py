"""The web app as ``serve`` runs it: in its own process, or as one of several web workers.

With ``SAMVERKAN_WORKERS`` (``serve --workers``) above 1, ``serve`` hands uvicorn the import
string of :func:`create_worker_app` and its settings through the environment
(:meth:`~samverkan.settings.Settings.environment`); uvicorn's parent process binds the port,
spawns the workers and restarts one that dies, and each worker calls the factory. A worker
serves HTTP only: the MQTT broker with its ingester and the scheduled sync stay in the parent,
which ``serve`` started them in, so they run once however many workers there are. A worker
ends with its parent, even one killed with SIGKILL (Linux).

Each process warms up on its own (:func:`warm_up`), reading the catalogue snapshot's files
(:mod:`samverkan.catalogue.snapshot`), so the workers share one copy of its arrays in the page
cache. Processes that warm up together on a snapshot no one has written yet take turns: the
first builds it and writes its files, the others wait and then map them.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi import FastAPI

from samverkan.core import Samverkan
from samverkan.settings import load_settings
from samverkan.web.app import create_app

LOCK = ".warm-up.lock"
PR_SET_PDEATHSIG = 1  # prctl(2)


def create_worker_app() -> FastAPI:
    """One web worker: the app over the settings in the environment, warming up in the background."""
    end_with_parent()
    settings = load_settings()
    core = Samverkan(settings)
    start_warm_up(core)
    return create_app(settings, app=core)


def end_with_parent() -> None:
    """On Linux, have this worker stopped (SIGTERM) when ``serve`` dies, even by ``kill -9``:
    else it would go on serving the port, without broker or sync, and keep the next ``serve``
    from binding it."""
    parent = multiprocessing.parent_process()
    if sys.platform != "linux" or parent is None:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent.pid:  # it died before that
        os.kill(os.getpid(), signal.SIGTERM)


def start_warm_up(core: Samverkan) -> None:
    """Warm up in a daemon thread, so that the server answers meanwhile (``/api/v1/health``
    says ``warm`` once done)."""
    threading.Thread(target=warm_up, args=(core,), name="warm-up", daemon=True).start()


def warm_up(core: Samverkan) -> None:
    """Build or map the indexes, then leave everything built so far (code, indexes, the model)
    out of the garbage collector's full passes: a 10,000-row ``CreateObservations`` batch
    allocates some 30,000 lists and tuples, and the full passes they set off walked every object
    of the process, on average 19 ms per batch against 0.2 ms once frozen (measured in process)."""
    with one_builds(core.settings.snapshot_folder):
        core.warm_up()
    gc.freeze()


@contextmanager
def one_builds(folder: Path | None) -> Iterator[None]:
    """Around a warm-up: the first process to arrive holds ``folder/.warm-up.lock`` alone (and
    builds what the snapshot lacks), those that arrive meanwhile wait for it and then go on
    together (mapping the files it wrote). Without a folder, or one that cannot be written,
    nobody waits."""
    if folder is None:
        yield
        return
    try:
        import fcntl

        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    except (ImportError, OSError):
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # another process is warming up: wait until it is done
            fcntl.flock(fd, fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)  # and with it the lock

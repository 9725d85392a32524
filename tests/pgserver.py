"""Find or start a real PostgreSQL server for the ``--postgres`` test pass.

Order: ``SAMVERKAN_TEST_POSTGRES`` (a server URL, e.g. ``postgresql://postgres@127.0.0.1:5432/postgres``)
→ a trust-auth server on 127.0.0.1:5432 → a private throw-away cluster started here (Debian's
``postgresql`` package is installed first if no PostgreSQL binaries are on the machine).
"""

from __future__ import annotations

import atexit
import glob
import os
import shutil
import subprocess
import tempfile
import time

import psycopg

from tests.serving import free_port

DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"


def _usable(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=3, autocommit=True) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def _bin_dir() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(found[-1]) if found else None


def _install() -> str:
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "-q", "postgresql"], check=True, env=env, stdout=subprocess.DEVNULL)
    bin_dir = _bin_dir()
    if bin_dir is None:
        raise RuntimeError("installed Debian's postgresql but found no initdb")
    return bin_dir


def _start_private(bin_dir: str) -> str:
    """initdb + pg_ctl start in a temp folder, as the ``postgres`` OS user when we are root."""
    folder = tempfile.mkdtemp(prefix="samverkan-pg-")
    data, port = os.path.join(folder, "data"), free_port()
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    subprocess.run(
        [*as_user, f"{bin_dir}/initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        [*as_user, f"{bin_dir}/pg_ctl", "-D", data, "-o", options, "-l", f"{folder}/log", "-w", "start"],
        check=True,
        stdout=subprocess.DEVNULL,
    )

    def stop() -> None:
        subprocess.run(
            [*as_user, f"{bin_dir}/pg_ctl", "-D", data, "-m", "immediate", "stop"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(folder, ignore_errors=True)

    atexit.register(stop)
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    for _ in range(50):
        if _usable(url):
            return url
        time.sleep(0.1)
    raise RuntimeError(f"started PostgreSQL in {folder} but cannot connect")


def server_url() -> str:
    """A URL of a PostgreSQL server where we may create and drop databases."""
    url = os.environ.get("SAMVERKAN_TEST_POSTGRES")
    if url:
        if not _usable(url):
            raise RuntimeError(f"SAMVERKAN_TEST_POSTGRES={url} does not answer")
        return url
    if _usable(DEFAULT):
        return DEFAULT
    return _start_private(_bin_dir() or _install())

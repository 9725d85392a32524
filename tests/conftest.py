"""Test fixtures: a real, freshly migrated database per test — SQLite by default, PostgreSQL
with ``--postgres`` (the whole suite reruns there)."""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from samverkan.db import ensure_schema, make_engine
from samverkan.db.engine import normalise_url

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SAMVERKAN_SHARED_DATA", ROOT.parent / "shared" / "data"))
DEMO = ROOT / "src" / "samverkan" / "data" / "demo"
TESTSERVER = "http://testserver"  # where Starlette's TestClient sends requests: the apps' public_url
# the suite sends thousands of requests from one address; tests of the rate limits set their own
os.environ.setdefault("SAMVERKAN_RATE_LIMIT_ADDRESS", "1000000/minute")
os.environ.setdefault("SAMVERKAN_RATE_LIMIT_TOKEN", "1000000/minute")
# the demo's calls are the Funding & Tenders portal's of 12 August 2026: their statuses are
# computed for that day, unless a test asks for another
os.environ.setdefault("SAMVERKAN_TODAY", "2026-08-12")
# no scheduled syncs from servers the tests start (tests/sync runs every sync against local servers)
os.environ["SAMVERKAN_SYNC_EVERY_HOURS"] = "0"
# catalogue snapshots of this run in a folder of their own, shared by the run's processes (copies of
# the demo database share its revision, so they map the demo's snapshot once built), removed after
if "SAMVERKAN_SNAPSHOT_DIR" not in os.environ:
    os.environ["SAMVERKAN_SNAPSHOT_DIR"] = tempfile.mkdtemp(prefix="samverkan-snapshots-")
    atexit.register(shutil.rmtree, os.environ["SAMVERKAN_SNAPSHOT_DIR"], True)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--postgres", action="store_true", help="run every database test on a real PostgreSQL")


def pytest_report_header(config: pytest.Config) -> str:
    return "database: " + ("PostgreSQL" if config.getoption("--postgres") else "SQLite")


class Databases:
    """Hands out fresh, migrated databases, copied from one migrated template."""

    def __init__(self, postgres: bool, workdir: Path) -> None:
        self.postgres = postgres
        self.workdir = workdir
        self.counter = itertools.count()
        self.run = uuid.uuid4().hex[:8]
        if postgres:
            from tests.pgserver import server_url

            self.server = server_url()
            self.admin = create_engine(normalise_url(self.server), isolation_level="AUTOCOMMIT")
            self.created: list[str] = []
        self.template = self._fresh_empty("tmpl")
        engine = make_engine(self.template)
        ensure_schema(engine)
        engine.dispose()

    def _fresh_empty(self, tag: str) -> str:
        if self.postgres:
            name = f"samverkan_test_{self.run}_{tag}"
            with self.admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            self.created.append(name)
            return self.server.rsplit("/", 1)[0] + "/" + name
        return f"sqlite:///{self.workdir / f'{tag}.sqlite'}"

    def copy(self, template_url: str, tag: str | None = None) -> str:
        """A new database with the content of ``template_url``."""
        tag = tag or f"db{next(self.counter)}"
        if self.postgres:
            name = f"samverkan_test_{self.run}_{tag}"
            source = template_url.rsplit("/", 1)[1]
            with self.admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source}"'))
            self.created.append(name)
            return self.server.rsplit("/", 1)[0] + "/" + name
        source = Path(template_url.removeprefix("sqlite:///"))
        target = self.workdir / f"{tag}.sqlite"
        shutil.copyfile(source, target)
        return f"sqlite:///{target}"

    def fresh(self) -> str:
        return self.copy(self.template)

    def drop(self, url: str) -> None:
        if self.postgres:
            name = url.rsplit("/", 1)[1]
            with self.admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            self.created.remove(name)

    def close(self) -> None:
        if self.postgres:
            for name in list(self.created):
                with self.admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            self.admin.dispose()


@pytest.fixture(scope="session")
def databases(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    dbs = Databases(request.config.getoption("--postgres"), tmp_path_factory.mktemp("databases"))
    yield dbs
    dbs.close()


@pytest.fixture
def db_url(databases: Databases):
    """URL of a fresh, migrated, empty database for this test."""
    url = databases.fresh()
    yield url
    databases.drop(url)


@pytest.fixture
def engine(db_url: str):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def shared() -> Path:
    """The real public data set beside the repository (``../shared/data``)."""
    if not SHARED.is_dir():
        pytest.skip(f"needs the shared data set at {SHARED} (set SAMVERKAN_SHARED_DATA)")
    return SHARED


@pytest.fixture(scope="session")
def demo_dir() -> Path:
    return DEMO


class DemoDatabase:
    """A database loaded once per session with the bundled demo catalogue (read-only use)."""

    def __init__(self, url: str, reports: list) -> None:
        self.url = url
        self.reports = reports


@pytest.fixture(scope="session")
def demo_db(databases: Databases) -> DemoDatabase:
    from samverkan.core import Samverkan
    from samverkan.demo import load_demo
    from samverkan.settings import load_settings

    url = databases.copy(databases.template, tag="demo")
    app = Samverkan(load_settings(db=url))
    reports = load_demo(app, sensors=False)  # the data-space tests load the sensor tenants themselves
    app.close()
    return DemoDatabase(url, reports)


@pytest.fixture
def demo_copy(databases: Databases, demo_db: DemoDatabase):
    """A private, writable copy of the demo database."""
    url = databases.copy(demo_db.url)
    yield url
    databases.drop(url)


@pytest.fixture(scope="module")
def demo_copy_module(databases: Databases, demo_db: DemoDatabase):
    """A writable copy of the demo database shared by one test module."""
    url = databases.copy(demo_db.url)
    yield url
    databases.drop(url)


@pytest.fixture(scope="module")
def client(demo_db):
    """The app on the demo catalogue, served to a real HTTP test client (one per test module)."""
    from fastapi.testclient import TestClient

    from samverkan.settings import load_settings
    from samverkan.web import create_app

    app = create_app(load_settings(db=demo_db.url, public_url=TESTSERVER))
    with TestClient(app) as client:
        yield client
    app.state.samverkan.close()

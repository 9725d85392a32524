"""Fixtures for the data space: the app on a fresh database, two tenants and a small real graph."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from samverkan.core import Samverkan
from samverkan.settings import load_settings
from samverkan.web import create_app
from tests.conftest import TESTSERVER
from tests.serving import serving

STA = "/sta/v1.1"
CELSIUS = {"name": "degree Celsius", "symbol": "°C", "definition": "http://qudt.org/vocab/unit/DEG_C"}
MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"
# SMHI Borås, air temperature, the first hours of 1961 (smhi-opendata_Boras.csv)
BORAS = [("1961-01-01T06:00:00Z", -0.5), ("1961-01-01T12:00:00Z", 0.0), ("1961-01-01T18:00:00Z", 0.0)]


def auth(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


@dataclass
class Tenant:
    slug: str
    token: str
    client: TestClient

    @property
    def headers(self) -> dict[str, str]:
        return auth(self.token)

    def get(self, path: str, **kw: Any):
        return self.client.get(STA + path, headers=self.headers, **kw)

    def post(self, path: str, body: Any):
        return self.client.post(STA + path, headers=self.headers, json=body)

    def patch(self, path: str, body: Any):
        return self.client.patch(STA + path, headers=self.headers, json=body)

    def delete(self, path: str):
        return self.client.delete(STA + path, headers=self.headers)

    def api(self, method: str, path: str, **kw: Any):
        return self.client.request(method, "/api/v1" + path, headers=self.headers, **kw)


def station(name: str, lon: float, lat: float, observations=BORAS, streams: int = 1) -> dict[str, Any]:
    """A Thing with a Location and ``streams`` Datastreams (deep insert), the first with observations."""
    return {
        "name": name,
        "description": f"weather station {name}",
        "properties": {"owner": name.lower()},
        "Locations": [
            {
                "name": name,
                "description": "station position",
                "encodingType": "application/geo+json",
                "location": {"type": "Point", "coordinates": [lon, lat]},
            }
        ],
        "Datastreams": [
            {
                "name": f"Air temperature {name} {i}",
                "description": "hourly air temperature",
                "unitOfMeasurement": CELSIUS,
                "observationType": MEASUREMENT,
                "Sensor": {
                    "name": f"thermometer {i}",
                    "description": "station thermometer",
                    "encodingType": "text/html",
                    "metadata": "https://www.smhi.se/data/meteorologi",
                },
                "ObservedProperty": {
                    "name": "Air temperature",
                    "definition": "http://qudt.org/vocab/quantitykind/Temperature",
                    "description": "temperature of the air 2 m above ground",
                },
                "Observations": [{"phenomenonTime": t, "result": r} for t, r in observations] if i == 0 else [],
            }
            for i in range(streams)
        ],
    }


@pytest.fixture
def space(db_url: str):
    """The web app on a fresh database (function scope: every test starts empty)."""
    app = create_app(load_settings(db=db_url, public_url=TESTSERVER))
    with TestClient(app) as client:
        yield app.state.samverkan, client
    app.state.samverkan.close()


@pytest.fixture
def tenants(space):
    core, client = space
    a = core.dataspace.create_tenant("alfa", "Alfa kommun")
    b = core.dataspace.create_tenant("beta", "Beta AB")
    return Tenant("alfa", a["token"], client), Tenant("beta", b["token"], client)


@pytest.fixture
def live(db_url: str, tmp_path):
    """``samverkan serve`` in its own process on a fresh database; yields (base URL, core).

    The core object shares the database, for setting up tenants without HTTP."""
    from samverkan.core import Samverkan

    core = Samverkan(load_settings(db=db_url))
    try:
        with serving(db_url, tmp_path / "server.log") as base:
            yield base, core
    finally:
        core.close()


@pytest.fixture
def core(db_url: str):
    core = Samverkan(load_settings(db=db_url))
    yield core
    core.close()


@pytest.fixture
def world(core, tmp_path):
    """A fresh data space (tenants alfa and beta) with a running broker and ingester."""
    from tests.dataspace.mqtt_world import MOSQUITTO, World

    if not MOSQUITTO.exists():
        pytest.skip(f"needs the Mosquitto broker at {MOSQUITTO} (Debian package 'mosquitto')")
    world = World(core, tmp_path / "mqtt")
    world.tenant("alfa")
    world.tenant("beta")
    try:
        world.broker.start()
        world.start_ingester()
        yield world
    finally:
        world.close()

"""The app on the demo catalogue, served to a real HTTP test client (one per test module)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from samverkan.settings import load_settings
from samverkan.web import create_app


@pytest.fixture(scope="module")
def client(demo_db):
    app = create_app(load_settings(db=demo_db.url))
    with TestClient(app) as client:
        yield client
    app.state.samverkan.close()

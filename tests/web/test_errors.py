"""A real server fault (a table gone from a copy of the demo catalogue) gives a friendly page
and a logged traceback. Its own module: on PostgreSQL the copy needs no open connection to the
demo database, which the other web modules' client holds."""

from __future__ import annotations

from fastapi.testclient import TestClient

from samverkan.settings import load_settings
from samverkan.web import create_app
from tests.conftest import TESTSERVER

SV = {"Accept-Language": "sv-SE,sv;q=0.9"}


def test_a_server_error_shows_a_friendly_page_and_logs_the_details(demo_copy, caplog):
    from sqlalchemy import text

    from samverkan.db import make_engine

    engine = make_engine(demo_copy)
    with engine.begin() as conn:  # a real fault: the table the page reads is gone
        conn.execute(text("DROP TABLE solutions"))
    engine.dispose()
    app = create_app(load_settings(db=demo_copy, public_url=TESTSERVER))
    with TestClient(app, raise_server_exceptions=False) as broken:
        page = broken.get("/solutions/10556", headers=SV)
        api = broken.get("/api/v1/records/solution/10556")
    app.state.samverkan.close()
    assert page.status_code == 500 and "Något gick fel hos oss" in page.text
    assert "Traceback" not in page.text and "solutions" not in page.text.split("<main")[1]
    assert api.status_code == 500 and api.json() == {"detail": "internal error"}
    logged = [r for r in caplog.records if r.name == "samverkan.web"]
    assert logged and logged[0].exc_info is not None and "/solutions/10556" in logged[0].getMessage()

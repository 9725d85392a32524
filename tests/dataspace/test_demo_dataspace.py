"""The demo tenants on the real series: linked to their organisations, readable by the public
where shared, aggregated correctly, and listed in a DCAT-AP 3 catalogue that validates."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import partial
from itertools import islice

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from samverkan.dataspace import catalog
from samverkan.dataspace.demo import load_demo_dataspace
from samverkan.dataspace.demo_series import demo_tenants
from samverkan.settings import load_settings
from samverkan.web import create_app
from tests.conftest import TESTSERVER
from tests.dataspace.test_dcat import load_shapes, parse_jsonld, parse_turtle, validate

PER_SERIES = 3000
SHAPES = ("dcat-ap-SHACL.ttl", "shapes.ttl", "range.ttl", "deprecateduris.ttl")


@pytest.fixture(scope="module")
def demo_space(databases, demo_db):
    """A copy of the demo catalogue with the demo tenants, the first 3,000 observations of each series."""
    url = databases.copy(demo_db.url, tag="dataspace")
    app = create_app(load_settings(db=url, public_url=TESTSERVER))
    loaded = load_demo_dataspace(partial(Session, app.state.samverkan.engine), per_series=PER_SERIES)
    with TestClient(app) as client:
        yield app.state.samverkan, client, loaded
    app.state.samverkan.close()
    databases.drop(url)


def test_every_demo_tenant_is_loaded_once_and_linked_to_its_organisation(demo_space):
    core, _, loaded = demo_space
    tenants = {t["tenant"]: t for t in core.dataspace.tenants()}
    assert set(tenants) == {t.slug for t in demo_tenants()} == set(loaded)
    assert tenants["smhi"]["organisation"] == "999507983"
    assert tenants["aarhus-kommune"]["organisation"] == "992597994"
    assert load_demo_dataspace(partial(Session, core.engine)) == {}  # idempotent


def test_the_public_reads_the_shared_series_and_only_aggregates_of_the_hourly_ones(demo_space):
    _, client, _ = demo_space
    streams = client.get("/sta/v1.1/Datastreams?$top=1000&$select=id,name").json()["value"]
    by_name = {s["name"]: s["@iot.id"] for s in streams}
    boras = by_name["Air temperature, Borås"]
    first = client.get(f"/sta/v1.1/Datastreams({boras})/Observations?$top=2").json()["value"]
    assert [(o["phenomenonTime"], o["result"]) for o in first] == [
        ("1961-01-01T06:00:00Z", -0.5),
        ("1961-01-01T12:00:00Z", 0),
    ]
    parking = next(i for name, i in by_name.items() if name.startswith("Parked vehicles"))
    assert client.get(f"/sta/v1.1/Datastreams({parking})/Observations").json()["value"] == []
    hourly = client.get(f"/api/v1/datastreams/{parking}/aggregate?interval=1h")
    assert hourly.status_code == 200 and hourly.json()["buckets"]
    assert client.get(f"/api/v1/datastreams/{parking}/aggregate?interval=30m").status_code == 403


def test_daily_aggregates_equal_a_plain_computation_over_the_same_values(demo_space):
    _, client, _ = demo_space
    tenant = next(t for t in demo_tenants() if t.slug == "smhi")
    series = tenant.things[0].series[0]
    days: dict[dt.date, list[float]] = defaultdict(list)
    for moment, value in islice(series.observations(), PER_SERIES):
        days[moment.astimezone(dt.UTC).date()].append(value)
    streams = client.get("/sta/v1.1/Datastreams?$top=1000&$select=id,name").json()["value"]
    stream = next(s["@iot.id"] for s in streams if s["name"] == series.datastream)
    buckets = client.get(f"/api/v1/datastreams/{stream}/aggregate?interval=1d").json()["buckets"]
    assert len(buckets) == len(days)
    for bucket, (day, values) in zip(buckets, sorted(days.items()), strict=True):
        assert bucket["start"] == f"{day.isoformat()}T00:00:00Z"
        assert bucket["count"] == len(values)
        assert bucket["min"] == min(values) and bucket["max"] == max(values)
        assert bucket["mean"] == pytest.approx(sum(values) / len(values))


def test_the_open_data_catalogue_validates_and_places_each_dataset(demo_space, shared):
    core, client, _ = demo_space
    shapes = load_shapes(shared, SHAPES)
    turtle = client.get("/dcat/catalog.ttl")
    assert turtle.headers["content-type"].startswith("text/turtle")
    conforms, _, report = validate(parse_turtle(turtle.text), shapes)
    assert conforms, report
    jsonld = client.get("/dcat/catalog", headers={"Accept": "application/ld+json"})
    assert jsonld.headers["content-type"].startswith("application/ld+json")
    assert validate(parse_jsonld(jsonld.text), shapes)[0]
    with Session(core.engine) as session:
        datasets = {d.title: d for d in catalog.open_datasets(session, "http://testserver")}
        in_boras = catalog.published_in_municipality(session, "1490")
        in_lund = catalog.published_in_municipality(session, "1281")
    assert datasets["Air temperature, Borås"].nuts == ("SE232",)
    assert datasets["Air temperature, Borås"].municipality == "1490"
    assert datasets["Air temperature, Lund"].municipality == "1281"
    assert in_boras == 1 and in_lund == 1
    assert len(datasets) == len(client.get("/sta/v1.1/Datastreams?$top=1000").json()["value"])


def test_a_municipality_page_shows_its_open_datasets(demo_space):
    _, client, _ = demo_space
    page = client.get("/municipalities/1490?lang=sv")
    assert page.status_code == 200
    assert "Öppna sensordatamängder</dt><dd>1 · " in page.text and 'href="/dcat/catalog.ttl"' in page.text
    assert "Öppna sensordatamängder</dt><dd>0</dd>" in client.get("/municipalities/0180?lang=sv").text

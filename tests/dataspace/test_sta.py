"""The SensorThings API 1.1 surface: entity form, query options, batches and the error codes."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.conftest import TESTSERVER
from tests.dataspace.conftest import STA, auth, station

HOURS = [(f"2014-08-01T{h:02d}:{m:02d}:00Z", float(h * 10 + m / 10)) for h in range(6) for m in (0, 20, 40)]


@pytest.fixture
def alfa(tenants):
    alfa, _ = tenants
    assert alfa.post("/Things", station("Aarhus", 10.21, 56.16, observations=HOURS)).status_code == 201
    return alfa


def test_the_service_root_lists_every_entity_set_and_conformance(space):
    _, client = space
    root = client.get(STA).json()
    assert [v["name"] for v in root["value"]] == [
        "Things",
        "Locations",
        "HistoricalLocations",
        "Datastreams",
        "Sensors",
        "ObservedProperties",
        "Observations",
        "FeaturesOfInterest",
    ]
    assert root["value"][0]["url"] == "http://testserver/sta/v1.1/Things"
    assert any(c.endswith("create-update-delete") for c in root["serverSettings"]["conformance"])


def test_created_entities_answer_201_with_location_and_the_standard_ids(alfa):
    response = alfa.post(
        "/Sensors", {"name": "SDS011", "description": "", "encodingType": "text/html", "metadata": "x"}
    )
    assert response.status_code == 201
    entity = response.json()
    assert (
        response.headers["location"]
        == entity["@iot.selfLink"]
        == f"http://testserver{STA}/Sensors({entity['@iot.id']})"
    )
    assert entity["Datastreams@iot.navigationLink"].endswith(f"Sensors({entity['@iot.id']})/Datastreams")
    thing = alfa.get("/Things").json()["value"][0]
    assert thing["properties"] == {"owner": "aarhus"}
    # deep insert made a HistoricalLocation and derived the FeatureOfInterest from the Location
    assert len(alfa.get(f"/Things({thing['@iot.id']})/HistoricalLocations").json()["value"]) == 1
    feature = alfa.get("/FeaturesOfInterest").json()["value"][0]
    assert feature["feature"] == {"type": "Point", "coordinates": [10.21, 56.16]}


def test_query_options_filter_order_page_count_select_and_expand(alfa):
    stream = alfa.get("/Datastreams").json()["value"][0]["@iot.id"]
    base = f"/Datastreams({stream})/Observations"
    everything = alfa.get(base + "?$top=1000").json()["value"]
    assert [o["result"] for o in everything] == [r for _, r in HOURS]  # oldest first by default
    page = alfa.get(base + "?$top=5&$skip=5&$count=true&$orderby=result desc").json()
    assert page["@iot.count"] == len(HOURS)
    assert [o["result"] for o in page["value"]] == sorted((r for _, r in HOURS), reverse=True)[5:10]
    assert "$skip=10" in page["@iot.nextLink"] and "$top=5" in page["@iot.nextLink"]
    following = alfa.client.get(page["@iot.nextLink"], headers=alfa.headers).json()
    assert [o["result"] for o in following["value"]] == sorted((r for _, r in HOURS), reverse=True)[10:15]
    window = alfa.get(
        base + "?$filter=phenomenonTime ge 2014-08-01T02:00:00Z and phenomenonTime lt 2014-08-01T03:00:00Z"
    )
    assert [o["result"] for o in window.json()["value"]] == [20.0, 22.0, 24.0]
    arithmetic = alfa.get(base + "?$filter=result mul 2 gt 100 and not (result eq 54)").json()["value"]
    assert [o["result"] for o in arithmetic] == [r for _, r in HOURS if r * 2 > 100 and r != 54]
    selected = alfa.get(base + "?$top=1&$select=result,phenomenonTime").json()["value"][0]
    assert selected == {"result": 0, "phenomenonTime": "2014-08-01T00:00:00Z"}
    things = alfa.get(
        "/Things?$filter=substringof('arh', name) and properties/owner eq 'aarhus'"
        "&$expand=Datastreams($select=name;$expand=Observations($top=2;$orderby=phenomenonTime desc;$count=true))"
    ).json()["value"]
    assert len(things) == 1
    observations = things[0]["Datastreams"][0]["Observations"]
    assert [o["result"] for o in observations] == [54.0, 52.0]
    assert things[0]["Datastreams"][0]["Observations@iot.count"] == len(HOURS)
    assert alfa.get("/Things?$filter=startswith(name, 'Aar') and length(name) eq 6").json()["value"]
    assert not alfa.get("/Things?$filter=endswith(name, 'x')").json()["value"]
    assert alfa.get("/Observations?$filter=Datastream/Thing/name eq 'Aarhus'&$count=true").json()["@iot.count"] == 18
    assert alfa.get(f"/Datastreams({stream})/name/$value").text == "Air temperature Aarhus 0"
    assert alfa.get(f"/Datastreams({stream})").json()["phenomenonTime"] == "2014-08-01T00:00:00Z/2014-08-01T05:40:00Z"
    refs = alfa.get(f"/Datastreams({stream})/Observations/$ref?$top=2").json()["value"]
    assert refs[0] == {"@iot.selfLink": f"http://testserver{STA}/Observations({everything[0]['@iot.id']})"}


def test_create_observations_stores_a_batch_once_and_answers_links_in_order(alfa, space):
    core, _ = space
    stream = alfa.get("/Datastreams").json()["value"][0]["@iot.id"]
    rows = [["2014-08-02T00:00:00Z", 1.5], ["2014-08-02T01:00:00Z", "text result"], ["2014-08-02T04:00:00+02:00", True]]
    batch = [{"Datastream": {"@iot.id": stream}, "components": ["phenomenonTime", "result"], "dataArray": rows}]
    first = alfa.post("/CreateObservations", batch)
    assert first.status_code == 201
    links = first.json()
    assert len(links) == 3 and all(link.startswith(f"http://testserver{STA}/Observations(") for link in links)
    again = alfa.post("/CreateObservations", batch)  # a retry: recognised, nothing stored twice
    assert again.json() == links
    count = alfa.get(f"/Datastreams({stream})/Observations?$count=true&$top=0").json()["@iot.count"]
    assert count == len(HOURS) + 3
    results = [alfa.client.get(link, headers=alfa.headers).json() for link in links]
    assert [r["result"] for r in results] == [1.5, "text result", True]
    assert [o["@iot.id"] for o in alfa.get("/Observations?$filter=result eq true").json()["value"]] == [
        results[2]["@iot.id"]
    ]
    assert results[2]["phenomenonTime"] == "2014-08-02T02:00:00Z"  # +02:00 stored as UTC
    assert (
        alfa.get("/Observations?$filter=result eq 'text result'").json()["value"][0]["@iot.id"] == results[1]["@iot.id"]
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not json", "malformed JSON"),
        ({"components": ["result"], "dataArray": [[1]]}, "expected a JSON array"),
        ([{"Datastream": {"@iot.id": 1}, "components": ["result", "colour"], "dataArray": [[1, 2]]}], "colour"),
        (
            [
                {
                    "Datastream": {"@iot.id": 1},
                    "components": ["phenomenonTime", "result"],
                    "dataArray": [["2014-08-03T00:00:00Z", 1], ["yesterday", 2]],
                }
            ],
            "dataArray[1].phenomenonTime",
        ),  # noqa: E501
        (
            [
                {
                    "Datastream": {"@iot.id": 1},
                    "components": ["phenomenonTime", "result"],
                    "dataArray": [["2014-08-03T00:00:00", 1]],
                }
            ],
            "no time zone",
        ),  # noqa: E501
        (
            [{"Datastream": {"@iot.id": 1}, "components": ["result"], "dataArray": [[1], [2, 3]]}],
            "dataArray[1]: expected 1 values",
        ),  # noqa: E501
        ([{"Datastream": {"@iot.id": 999}, "components": ["result"], "dataArray": [[1]]}], "no Datastream 999"),
    ],
)
def test_a_rejected_batch_answers_400_naming_the_row_and_writes_nothing(alfa, body, message):
    before = alfa.get("/Observations?$count=true&$top=0").json()["@iot.count"]
    if isinstance(body, str):
        response = alfa.client.post(
            f"{STA}/CreateObservations", content=body, headers={**alfa.headers, "Content-Type": "application/json"}
        )
    else:
        response = alfa.post("/CreateObservations", body)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == 400 and message in response.json()["message"]
    assert alfa.get("/Observations?$count=true&$top=0").json()["@iot.count"] == before


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        ("/Things", {"description": "no name"}, 400, "Thing.name is required"),
        ("/Things", {"name": 5, "description": ""}, 400, "Thing.name: expected a string, got a number"),
        ("/Things", {"name": "x", "colour": "red"}, 400, "no property 'colour'"),
        ("/Things", [1, 2], 400, "expected a JSON object"),
        ("/Datastreams", {"name": "x", "unitOfMeasurement": {}, "observationType": "x"}, 400, "Thing is required"),
        ("/Observations", {"result": 1, "Datastream": {"@iot.id": 404}}, 400, "no Datastream 404"),
        (
            "/Observations",
            {"result": 1, "phenomenonTime": "2014-13-01T00:00:00Z", "Datastream": {"@iot.id": 1}},
            400,
            "ISO 8601",
        ),  # noqa: E501
        ("/Widgets", {"name": "x"}, 404, "no entity set 'Widgets'"),
        ("/Things(99)/Datastreams", station("x", 1, 2)["Datastreams"][0], 404, "Things(99) not found"),
    ],
)
def test_malformed_entities_get_the_standards_codes_with_a_clear_message(alfa, path, body, status, message):
    response = alfa.post(path, body)
    assert response.status_code == status, response.text
    assert message in response.json()["message"]


def test_reads_of_unknown_things_and_bad_options_are_404_and_400(alfa):
    assert alfa.get("/Things(12345)").status_code == 404
    assert alfa.get("/Things('abc')").status_code == 404
    assert alfa.get("/Things(1)/Colour").status_code == 404
    for query, message in [
        ("$filter=name eq", "expected an expression"),
        ("$filter=name eq 'x' and", "expected an expression"),
        ("$filter=colour eq 1", "no property 'colour'"),
        ("$filter=geo.intersects(location, 'x')", "unsupported function"),
        ("$top=-1", "$top"),
        ("$top=1000000", "at most"),
        ("$orderby=name sideways", "$orderby"),
        ("$expand=Colours", "no navigation property 'Colours'"),
        ("$expand=Datastreams($top=x)", "$top"),
        ("$resultFormat=dataArray", "only the default JSON"),
        ("$colour=1", "unknown query option"),
        ("$filter=(name eq 'x' and name eq 'y') eq true", "and joins conditions"),
    ]:
        response = alfa.get(f"/Things?{query}")
        assert response.status_code == 400, query
        assert message in response.json()["message"], (query, response.json())


def test_patch_and_delete_change_and_cascade(alfa):
    thing = alfa.get("/Things").json()["value"][0]["@iot.id"]
    stream = alfa.get("/Datastreams").json()["value"][0]["@iot.id"]
    changed = alfa.patch(f"/Things({thing})", {"name": "Aarhus C", "properties": {"floor": 2}})
    assert changed.status_code == 200 and changed.json()["name"] == "Aarhus C"
    assert alfa.patch(f"/Things({thing})", {"name": None}).status_code == 400
    first = alfa.get(f"/Datastreams({stream})/Observations?$top=1").json()["value"][0]["@iot.id"]
    assert alfa.patch(f"/Observations({first})", {"result": 100}).status_code == 200
    hour = alfa.api("GET", f"/datastreams/{stream}/aggregate?interval=1h&to=2014-08-01T01:00:00Z").json()["buckets"]
    assert hour == [
        {"start": "2014-08-01T00:00:00Z", "count": 3, "min": 2.0, "max": 100.0, "mean": pytest.approx(35.33333)}
    ]
    assert alfa.delete(f"/Observations({first})").status_code == 200
    hour = alfa.api("GET", f"/datastreams/{stream}/aggregate?interval=1h&to=2014-08-01T01:00:00Z").json()["buckets"]
    assert hour[0]["count"] == 2 and hour[0]["max"] == 4.0
    assert alfa.delete(f"/Things({thing})").status_code == 200
    for name in ("Datastreams", "Observations", "HistoricalLocations"):
        assert alfa.get(f"/{name}").json()["value"] == [], name
    assert alfa.api("GET", f"/datastreams/{stream}/aggregate").status_code == 404


def test_tokens_are_scoped_expire_and_can_be_revoked(alfa, space):
    core, client = space
    read = core.dataspace.issue_token(None, "read", slug="alfa")
    response = client.post(f"{STA}/Things", json={"name": "x"}, headers=auth(read["token"]))
    assert response.status_code == 403 and "scope 'write'" in response.json()["message"]
    assert client.get(f"{STA}/Things", headers=auth(read["token"])).json()["value"]
    made = alfa.api("POST", "/tokens", json={"scope": "write", "days": 1}).json()
    assert made["token"].startswith("svk_") and made["scope"] == "write" and made["expires_at"]
    assert alfa.api("DELETE", f"/tokens/{made['id']}").status_code == 200
    revoked = client.get(f"{STA}/Things", headers=auth(made["token"]))
    assert revoked.status_code == 401 and "revoked" in revoked.json()["message"]
    assert client.get(f"{STA}/Things", headers=auth("svk_guess")).status_code == 401
    assert client.get(f"{STA}/Things", headers={"Authorization": "Basic eDp5"}).status_code == 401
    # expiry: a token whose lifetime has passed
    from sqlalchemy import update
    from sqlalchemy.orm import Session

    from samverkan.db.dataspace import Token

    short = core.dataspace.issue_token(None, "read", days=1, slug="alfa")
    with Session(core.engine) as session, session.begin():
        past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        session.execute(update(Token).where(Token.id == short["id"]).values(expires_at=past))
    expired = client.get(f"{STA}/Things", headers=auth(short["token"]))
    assert expired.status_code == 401 and "expired" in expired.json()["message"]


def test_tokens_are_stored_only_as_digests(alfa, space):
    core, _ = space
    from sqlalchemy import text

    with core.engine.connect() as connection:
        stored = " ".join(str(v) for row in connection.execute(text("SELECT * FROM ds_tokens")) for v in row)
    assert alfa.token not in stored and alfa.token[4:] not in stored


def test_oversize_batches_and_bodies_answer_413_and_write_nothing(db_url):
    from fastapi.testclient import TestClient

    from samverkan.settings import load_settings
    from samverkan.web import create_app

    app = create_app(load_settings(db=db_url, public_url=TESTSERVER, sta_max_batch=10, sta_max_body_bytes=4096))
    with TestClient(app) as client:
        token = app.state.samverkan.dataspace.create_tenant("alfa", "Alfa")["token"]
        assert client.post(f"{STA}/Things", json=station("T", 1, 2), headers=auth(token)).status_code == 201
        rows = [[f"2014-08-01T00:{m:02d}:00Z", m] for m in range(11)]
        batch = [{"Datastream": {"@iot.id": 1}, "components": ["phenomenonTime", "result"], "dataArray": rows}]
        response = client.post(f"{STA}/CreateObservations", json=batch, headers=auth(token))
        assert response.status_code == 413 and "limit is 10" in response.json()["message"]
        big = client.post(f"{STA}/Things", json={"name": "x" * 5000}, headers=auth(token))
        assert big.status_code == 413
        count = client.get(f"{STA}/Observations?$count=true&$top=0", headers=auth(token)).json()["@iot.count"]
        assert count == 3
    app.state.samverkan.close()


@pytest.mark.parametrize("base", ["http://localhost/sta/v1.1", 'https://data.example/"Borås"\\sta'])
def test_create_observations_answers_self_links_as_json(base):
    from samverkan.web.sta import self_links

    assert json.loads(self_links(base, [1, 22, 333])) == [f"{base}/Observations({i})" for i in (1, 22, 333)]
    assert json.loads(self_links(base, [])) == []

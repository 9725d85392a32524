"""Tenants never see each other's data until the owner shares; a share shows exactly what its
level allows; revoking closes it again; every share, revoke and cross-tenant read is audited."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.dataspace.conftest import STA, station

SETS = (
    "Things",
    "Locations",
    "HistoricalLocations",
    "Datastreams",
    "Sensors",
    "ObservedProperties",
    "Observations",
    "FeaturesOfInterest",
)


def ids(tenant, path: str) -> set[int]:
    response = tenant.get(path)
    assert response.status_code == 200, response.text
    return {e["@iot.id"] for e in response.json()["value"]}


@pytest.fixture
def graph(tenants):
    """Alfa owns a station with two datastreams (the first with observations); Beta owns one."""
    alfa, beta = tenants
    assert alfa.post("/Things", station("Boras", 12.9493, 57.7611, streams=2)).status_code == 201
    assert beta.post("/Things", station("Lund", 13.2, 55.7)).status_code == 201
    owned = {name: ids(alfa, f"/{name}") for name in SETS}
    assert all(owned.values()), owned
    return alfa, beta, owned


def test_a_tenant_lists_reads_and_changes_none_of_another_tenants_entities(graph):
    alfa, beta, owned = graph
    for name in SETS:
        assert ids(beta, f"/{name}").isdisjoint(owned[name]), name
        one = min(owned[name])
        assert beta.get(f"/{name}({one})").status_code == 404, name
        assert beta.patch(f"/{name}({one})", {"name": "taken"}).status_code == 404, name
        assert beta.delete(f"/{name}({one})").status_code == 404, name
    stream = min(owned["Datastreams"])
    # writing into Alfa's datastream: by path, by link in a body, in a batch
    assert beta.post(f"/Datastreams({stream})/Observations", {"result": 1}).status_code == 404
    assert beta.post("/Observations", {"result": 1, "Datastream": {"@iot.id": stream}}).status_code == 400
    batch = [{"Datastream": {"@iot.id": stream}, "components": ["result"], "dataArray": [[1]]}]
    assert beta.post("/CreateObservations", batch).status_code == 400
    # linking Alfa's entities into Beta's new ones
    sensor = min(owned["Sensors"])
    body = station("X", 1, 2)
    body["Datastreams"][0]["Sensor"] = {"@iot.id": sensor}
    assert beta.post("/Things", body).status_code == 400
    assert ids(alfa, "/Observations") == owned["Observations"]  # nothing was written


def test_expand_filter_and_navigation_do_not_reach_another_tenant(graph):
    alfa, beta, owned = graph
    expanded = beta.get("/Things?$expand=Datastreams($expand=Observations,Sensor),Locations").json()["value"]
    seen = {d["@iot.id"] for thing in expanded for d in thing["Datastreams"]}
    assert seen.isdisjoint(owned["Datastreams"])
    thing = min(owned["Things"])
    assert beta.get(f"/Things({thing})/Datastreams").status_code == 404
    # a filter through a navigation path cannot test Alfa's hidden values
    assert beta.get("/Observations?$filter=Datastream/Thing/name eq 'Boras'").json()["value"] == []
    assert beta.get("/Things?$filter=Datastreams/name eq 'Air temperature Boras 0'").json()["value"] == []


def test_without_a_token_nothing_is_listed_and_nothing_can_be_written(graph):
    alfa, _, owned = graph
    client = alfa.client
    for name in SETS:
        assert client.get(f"{STA}/{name}").json()["value"] == [], name
    response = client.post(f"{STA}/Things", json={"name": "x", "description": ""})
    assert response.status_code == 401 and response.headers["www-authenticate"].startswith("Bearer")


def share(owner, stream: int, grantee: str, level: str):
    response = owner.api("POST", "/shares", json={"datastream": stream, "grantee": grantee, "level": level})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_a_raw_share_shows_the_datastream_and_its_context_and_nothing_more(graph):
    alfa, beta, owned = graph
    shared, other = sorted(owned["Datastreams"])
    share_id = share(alfa, shared, "beta", "raw")
    assert ids(beta, "/Datastreams") & owned["Datastreams"] == {shared}
    assert ids(beta, "/Things") & owned["Things"] == owned["Things"]
    assert ids(beta, "/Locations") & owned["Locations"] == owned["Locations"]
    assert ids(beta, "/HistoricalLocations") & owned["HistoricalLocations"] == owned["HistoricalLocations"]
    sensors = {alfa.get(f"/Datastreams({shared})/Sensor").json()["@iot.id"]}
    assert ids(beta, "/Sensors") & owned["Sensors"] == sensors
    assert ids(beta, "/ObservedProperties") & owned["ObservedProperties"] == {
        alfa.get(f"/Datastreams({shared})/ObservedProperty").json()["@iot.id"]
    }
    assert ids(beta, "/Observations") & owned["Observations"] == owned["Observations"]
    assert ids(beta, "/FeaturesOfInterest") & owned["FeaturesOfInterest"] == owned["FeaturesOfInterest"]
    # through $expand the shared Thing shows only the shared datastream
    thing = min(owned["Things"])
    expanded = beta.get(f"/Things({thing})?$expand=Datastreams($expand=Observations)").json()
    assert [d["@iot.id"] for d in expanded["Datastreams"]] == [shared]
    assert len(expanded["Datastreams"][0]["Observations"]) == 3
    assert beta.get(f"/Datastreams({other})").status_code == 404
    # shared is read-only
    assert beta.patch(f"/Things({thing})", {"name": "mine"}).status_code == 403
    assert beta.post(f"/Datastreams({shared})/Observations", {"result": 2}).status_code == 403
    # revoked: as before the share
    assert beta.api("DELETE", f"/shares/{share_id}").status_code == 404  # only the owner revokes
    assert alfa.api("DELETE", f"/shares/{share_id}").status_code == 200
    for name in SETS:
        assert ids(beta, f"/{name}").isdisjoint(owned[name]), name
    assert beta.get(f"/Things({thing})?$expand=Datastreams").status_code == 404


@pytest.mark.parametrize("level", ["hourly", "daily"])
def test_an_aggregate_share_shows_metadata_and_aggregates_but_never_observations(graph, level):
    alfa, beta, owned = graph
    shared = min(owned["Datastreams"])
    share(alfa, shared, "beta", level)
    assert shared in ids(beta, "/Datastreams")
    assert ids(beta, "/Observations").isdisjoint(owned["Observations"])
    assert ids(beta, "/FeaturesOfInterest").isdisjoint(owned["FeaturesOfInterest"])
    assert beta.get(f"/Datastreams({shared})/Observations").json()["value"] == []
    assert beta.get(f"/Observations({min(owned['Observations'])})").status_code == 404
    expanded = beta.get(f"/Datastreams({shared})?$expand=Observations").json()
    assert expanded["Observations"] == []
    day = beta.api("GET", f"/datastreams/{shared}/aggregate?interval=1d")
    assert day.status_code == 200
    assert day.json()["buckets"] == [
        {"start": "1961-01-01T00:00:00Z", "count": 3, "min": -0.5, "max": 0.0, "mean": pytest.approx(-0.5 / 3)}
    ]
    hour = beta.api("GET", f"/datastreams/{shared}/aggregate?interval=1h")
    assert hour.status_code == (200 if level == "hourly" else 403)
    assert beta.api("GET", f"/datastreams/{shared}/aggregate?interval=15m").status_code == 403
    assert alfa.api("GET", f"/datastreams/{shared}/aggregate?interval=15m").status_code == 200


def test_a_public_share_is_readable_without_a_token_and_is_audited(graph):
    alfa, beta, owned = graph
    client = alfa.client
    shared = min(owned["Datastreams"])
    share_id = share(alfa, shared, "public", "raw")
    anonymous = client.get(f"{STA}/Datastreams({shared})/Observations")
    assert anonymous.status_code == 200 and len(anonymous.json()["value"]) == 3
    assert {d["@iot.id"] for d in client.get(f"{STA}/Datastreams").json()["value"]} == {shared}
    alfa.api("DELETE", f"/shares/{share_id}")
    assert client.get(f"{STA}/Datastreams({shared})").status_code == 404
    log = alfa.api("GET", "/audit").json()
    actions = [(e["action"], e["actor"]) for e in reversed(log)]
    assert actions[0] == ("share", "alfa") and actions[-1] == ("revoke", "alfa")
    assert ("read", "public") in actions
    reads = [e for e in log if e["action"] == "read"]
    # the public's reads are tallied per day: two requests, the three observations and the datastream
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert [(e["count"], e["detail"]) for e in reads] == [(4, f"public reads on {today}: 2 requests")]
    assert reads[0]["at"] == f"{today}T00:00:00Z"


def test_the_audit_log_counts_what_another_tenant_read_and_belongs_to_the_owner(graph):
    alfa, beta, owned = graph
    shared = min(owned["Datastreams"])
    share(alfa, shared, "beta", "raw")
    beta.get(f"/Datastreams({shared})/Observations")
    beta.get("/Things")  # Beta's own thing and Alfa's shared one
    alfa.get("/Things")  # the owner's own reads are not audited
    log = alfa.api("GET", "/audit").json()
    reads = [e for e in log if e["action"] == "read"]
    assert [(e["actor"], e["count"]) for e in reads] == [("beta", 1), ("beta", 3)]
    assert reads[1]["detail"] == f"GET Datastreams({shared})/Observations"
    assert beta.api("GET", "/audit").json() == []  # Beta's own log is empty: nobody read Beta's data


def test_sharing_needs_an_admin_token_and_the_owners_datastream(graph, space):
    alfa, beta, owned = graph
    core, client = space
    write = core.dataspace.issue_token(None, "write", slug="alfa")["token"]
    stream = min(owned["Datastreams"])
    body = {"datastream": stream, "grantee": "beta", "level": "raw"}
    assert client.post("/api/v1/shares", json=body, headers={"Authorization": f"Bearer {write}"}).status_code == 403
    assert beta.api("POST", "/shares", json=body).status_code == 404  # not Beta's datastream
    assert alfa.api("POST", "/shares", json={**body, "grantee": "nobody"}).status_code == 404
    assert alfa.api("POST", "/shares", json={**body, "level": "weekly"}).status_code == 422
    assert alfa.api("POST", "/shares", json=body).status_code == 201
    assert alfa.api("POST", "/shares", json=body).status_code == 409
    listed = beta.api("GET", "/shares").json()
    assert [s["datastream"] for s in listed["received"]] == [stream] and listed["given"] == []

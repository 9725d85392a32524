"""One door for observations: an Observation body gets the same answer — stored as the same
observation, or refused with the same message naming the same field — whether it is POSTed to
the SensorThings API, sent as a ``dataArray`` row of ``CreateObservations`` or published over
MQTT (:func:`samverkan.dataspace.observations.rows.observation_row` reads them all)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.dataspace.conftest import station
from tests.dataspace.mqtt_world import needs_mosquitto, wait_until

STORED = "stored"
ROOF = {
    "name": "roof",
    "description": "",
    "encodingType": "application/geo+json",
    "feature": {"type": "Point", "coordinates": [12.9, 57.7]},
}
# (body, answer): STORED, or the refusal after the observation's name ("Observation",
# "CreateObservations[0].dataArray[0]"); <stream>, <other>, <roof> and <foreign> stand for ids
CASES: list[tuple[dict[str, Any], str]] = [
    (
        {
            "phenomenonTime": "2024-05-01T10:00:00Z",
            "result": 1.5,
            "resultTime": "2024-05-01T10:00:05Z",
            "validTime": "2024-05-01T10:00:00Z/2024-05-01T11:00:00Z",
            "parameters": {"battery": 0.9},
            "resultQuality": "checked",
        },
        STORED,
    ),
    ({"phenomenonTime": "2024-05-01T11:00:00+02:00/2024-05-01T12:00:00+02:00", "result": "calm"}, STORED),
    ({"phenomenonTime": "2024-05-01T13:00:00Z", "result": 2, "FeatureOfInterest": {"@iot.id": "<roof>"}}, STORED),
    (  # a whole entity as a reference, as clients send them: the other members are ignored
        {"phenomenonTime": "2024-05-01T14:00:00Z", "result": 3, "FeatureOfInterest": {"@iot.id": "<roof>", **ROOF}},
        STORED,
    ),
    (
        {"phenomenonTime": "2024-05-01T10:00:00", "result": 1},
        ".phenomenonTime: time '2024-05-01T10:00:00' has no time zone: add Z for UTC or an offset such as +01:00",
    ),
    ({"result": 1, "validTime": "2024-05-01T10:00:00Z"}, ".validTime: expected an interval start/end"),
    ({"result": 1, "parameters": [1]}, ".parameters: expected a JSON object, got an array"),
    ({"result": 1, "FeatureOfInterest": None}, '.FeatureOfInterest: expected {"@iot.id": …}, got null'),
    (
        {"result": 1, "FeatureOfInterest": {"@iot.id": "x"}},
        ".FeatureOfInterest: @iot.id must be a whole number, got a string",
    ),
    (
        {"result": 1, "FeatureOfInterest": {"@iot.id": "<foreign>"}},
        ".FeatureOfInterest: no FeatureOfInterest <foreign> of tenant 'alfa'",
    ),
    # not rows of a dataArray, whose components are the properties and FeatureOfInterest/id:
    ({"phenomenonTime": "2024-05-01T10:00:00Z"}, ".result is required"),
    ({"result": 1, "colour": "red"}, ": Observation has no property 'colour'"),
    ({"result": 1, "@iot.id": 5}, ": give either @iot.id (to link an existing entity) or a new entity, not both"),
    (
        {"result": 1, "Datastream": {"@iot.id": "<other>"}},
        '.Datastream: the request is addressed to Datastream <stream>; name that one ({"@iot.id": <stream>}) or none',
    ),
]


def prepare(space: Any, alfa: str, beta: str) -> dict[str, int]:
    """Alfa's datastream (its Thing has a Location to derive features from) and feature, and
    a feature of Beta's."""
    _, thing = space.create(alfa, "Things", station("Borås", 12.9, 57.7, observations=[]))
    stream = space.read(alfa, f"Things({thing})/Datastreams", {}, "http://x")["value"][0]["@iot.id"]
    return {
        "stream": stream,
        "other": stream + 1,
        "roof": space.create(alfa, "FeaturesOfInterest", ROOF)[1],
        "foreign": space.create(beta, "FeaturesOfInterest", ROOF)[1],
    }


def fill(value: Any, ids: dict[str, int]) -> Any:
    """``value`` with the ids it stands for."""
    if isinstance(value, dict):
        return {key: fill(item, ids) for key, item in value.items()}
    if isinstance(value, str) and value.startswith("<") and value.endswith(">"):
        return ids[value[1:-1]]
    if isinstance(value, str):
        for name, ident in ids.items():
            value = value.replace(f"<{name}>", str(ident))
    return value


def stored(space: Any, token: str, stream: int) -> dict[str, dict[str, Any]]:
    """The datastream's observations as read, by phenomenonTime, ids left out (the feature by name)."""
    query = {"$expand": "FeatureOfInterest($select=name)", "$top": "1000"}
    found = space.read(token, f"Datastreams({stream})/Observations", query, "http://x")["value"]
    return {
        o["phenomenonTime"]: {k: v for k, v in o.items() if not k.startswith("@iot.") and "@iot." not in k}
        for o in found
    }


def as_item(body: dict[str, Any], stream: int) -> dict[str, Any] | None:
    """A CreateObservations item of one dataArray row standing for ``body`` (None if it cannot)."""
    row = dict(body)
    if "FeatureOfInterest" in row:
        link = row.pop("FeatureOfInterest")
        row["FeatureOfInterest/id"] = link["@iot.id"] if isinstance(link, dict) else link
    if "result" not in row or not set(row) <= {
        "phenomenonTime",
        "resultTime",
        "result",
        "resultQuality",
        "validTime",
        "parameters",
        "FeatureOfInterest/id",
    }:
        return None
    return {"Datastream": {"@iot.id": stream}, "components": list(row), "dataArray": [list(row.values())]}


def answers_over_http(tenants, space, door: str) -> tuple[dict[str, str], dict[str, dict[str, Any]], dict]:
    """Each case sent through an HTTP door: (refusal by case, stored observations, ids)."""
    core, _ = space
    alfa, beta = tenants
    ids = prepare(core.dataspace, alfa.token, beta.token)
    refusals = {}
    for number, (body, answer) in enumerate(CASES):
        body = fill(body, ids)
        if door == "post":
            where, response = "Observation", alfa.post(f"/Datastreams({ids['stream']})/Observations", body)
        else:
            item = as_item(body, ids["stream"])
            if item is None:
                continue
            where, response = "CreateObservations[0].dataArray[0]", alfa.post("/CreateObservations", [item])
        if answer == STORED:
            assert response.status_code == 201, (number, response.text)
        else:
            assert response.status_code == 400, (number, response.text)
            assert response.json()["message"].startswith(where), response.json()
            refusals[str(number)] = response.json()["message"].removeprefix(where)
    return refusals, stored(core.dataspace, alfa.token, ids["stream"]), ids


def check(refusals: dict[str, str], observations: dict[str, dict[str, Any]], ids: dict[str, int], every: bool):
    """The answers are the table's; the stored observations are what they should read as."""
    for number, (_, answer) in enumerate(CASES):
        if answer != STORED and (every or str(number) in refusals):
            assert refusals[str(number)] == fill(answer, ids), number
    assert observations == {
        "2024-05-01T10:00:00Z": {
            "phenomenonTime": "2024-05-01T10:00:00Z",
            "resultTime": "2024-05-01T10:00:05Z",
            "result": 1.5,
            "resultQuality": "checked",
            "validTime": "2024-05-01T10:00:00Z/2024-05-01T11:00:00Z",
            "parameters": {"battery": 0.9},
            "FeatureOfInterest": {"name": "Borås"},  # derived from the Thing's Location
        },
        "2024-05-01T09:00:00Z/2024-05-01T10:00:00Z": {
            "phenomenonTime": "2024-05-01T09:00:00Z/2024-05-01T10:00:00Z",
            "resultTime": None,
            "result": "calm",
            "resultQuality": None,
            "validTime": None,
            "parameters": None,
            "FeatureOfInterest": {"name": "Borås"},
        },
    } | {
        f"2024-05-01T{hour}:00:00Z": {
            "phenomenonTime": f"2024-05-01T{hour}:00:00Z",
            "resultTime": None,
            "result": result,
            "resultQuality": None,
            "validTime": None,
            "parameters": None,
            "FeatureOfInterest": {"name": "roof"},
        }
        for hour, result in ((13, 2), (14, 3))
    }


def test_post_gives_each_body_its_answer(tenants, space):
    check(*answers_over_http(tenants, space, "post"), every=True)


def test_a_data_array_row_gives_each_body_its_answer(tenants, space):
    refusals, observations, ids = answers_over_http(tenants, space, "dataArray")
    assert len(refusals) == 6  # the cases a row can stand for
    check(refusals, observations, ids, every=False)


@needs_mosquitto
def test_an_mqtt_message_gives_each_body_its_answer(world):
    space, alfa = world.space, world.admins["alfa"]
    ids = prepare(space, alfa, world.admins["beta"])
    device = world.device("alfa")
    peer = world.connect(device.user, device.token)
    bodies = [fill(body, ids) for body, _ in CASES]
    for body in bodies:
        peer.publish(ids["stream"], body)
    refused = sum(answer != STORED for _, answer in CASES)
    wait_until(lambda: world.ingester.counts.rejected == refused and world.ingester.counts.stored == 4, what="ingest")
    letters = {json.dumps(json.loads(d["payload"])): d["reason"] for d in space.dead_letters(alfa)}
    refusals = {}
    for number, body in enumerate(bodies):
        reason = letters.get(json.dumps(body))
        if reason is not None:
            assert reason.startswith("Observation"), reason
            refusals[str(number)] = reason.removeprefix("Observation")
    check(refusals, stored(space, alfa, ids["stream"]), ids, every=True)


@needs_mosquitto
def test_a_device_names_features_and_creates_none(world):
    """Deep insert is for HTTP: a message describing a new FeatureOfInterest is refused (a
    device's retries would create one each time), as a dataArray row is."""
    space, alfa = world.space, world.admins["alfa"]
    ids = prepare(space, alfa, world.admins["beta"])
    device = world.device("alfa")
    world.connect(device.user, device.token).publish(ids["stream"], {"result": 1, "FeatureOfInterest": ROOF})
    wait_until(lambda: world.ingester.counts.rejected == 1, what="the refusal")
    assert space.dead_letters(alfa)[0]["reason"] == (
        'Observation.FeatureOfInterest: expected {"@iot.id": …} of an existing FeatureOfInterest '
        "(new ones are created over HTTP)"
    )
    assert stored(space, alfa, ids["stream"]) == {}


@pytest.mark.parametrize(
    ("path", "nav"),
    [
        ("Datastreams(<stream>)/Observations", "Datastream"),
        ("FeaturesOfInterest(<roof>)/Observations", "FeatureOfInterest"),
    ],
)
def test_a_body_may_repeat_its_address_not_contradict_it(tenants, space, path, nav):
    """``POST Datastreams(1)/Observations`` with a body naming Datastream 2 stored it under 2;
    as an MQTT message names its topic's datastream, a body names what its path names, or nothing."""
    core, _ = space
    alfa, beta = tenants
    ids = prepare(core.dataspace, alfa.token, beta.token)
    path = "/" + fill(path, ids)
    links = {"Datastream": {"@iot.id": ids["stream"]}, "FeatureOfInterest": {"@iot.id": ids["roof"]}}
    made = alfa.post(path, {"result": 1, "phenomenonTime": "2024-05-01T10:00:00Z", **links})
    assert made.status_code == 201, made.text
    assert [o["@iot.id"] for o in alfa.get(path).json()["value"]] == [made.json()["@iot.id"]]
    other = {"Datastream": ids["other"], "FeatureOfInterest": ids["foreign"]}[nav]
    refused = alfa.post(path, {"result": 1, **links, nav: {"@iot.id": other}})
    assert refused.status_code == 400
    assert refused.json()["message"].startswith(f"Observation.{nav}: the request is addressed to {nav} ")
    assert alfa.get("/Observations?$count=true").json()["@iot.count"] == 1


def test_patch_reads_valid_time_as_the_doors_do(tenants, space):
    """validTime is a period: the doors always refused an instant, PATCH took one."""
    core, _ = space
    alfa, beta = tenants
    ids = prepare(core.dataspace, alfa.token, beta.token)
    made = alfa.post(f"/Datastreams({ids['stream']})/Observations", {"result": 1}).json()["@iot.id"]
    refused = alfa.patch(f"/Observations({made})", {"validTime": "2024-05-01T10:00:00Z"})
    assert refused.status_code == 400
    assert refused.json()["message"] == "Observation.validTime: expected an interval start/end"
    period = "2024-05-01T10:00:00Z/2024-05-01T11:00:00Z"
    assert alfa.patch(f"/Observations({made})", {"validTime": period}).status_code == 200
    assert alfa.get(f"/Observations({made})").json()["validTime"] == period

"""Hostile input: every finding of the outside security review (issue 22, F1–F14), reproduced
against the real app, broker, server process and databases. Each test failed before the fix.

F1 poison MQTT messages · F2 reused ids · F3 unbounded texts and filters · F4 costly $expand,
time budget, client gone, SIGTERM · F5/F8 one bad record breaking shared listings · F6 long
Swedish compounds · F7 a foreign broker on our port · F9 500s for malformed input · F10 rate
limits and the anonymous audit flood · F11 aggregated grantees and exact times · F12 hostile
import files · F13 /docs offline · F14 headers, Host, media types, file modes, error shape.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gzip
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

import httpx2 as httpx
import paho.mqtt.client as mqtt
import pytest
from fastapi.testclient import TestClient
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from samverkan import budget
from samverkan.dataspace.broker import MOSQUITTO, BrokerError, topic
from samverkan.dataspace.mqtt import MqttService
from samverkan.db import dataspace as t
from samverkan.db import make_engine
from samverkan.errors import InputError
from samverkan.importers import import_source
from samverkan.search.analysis import Analyzer
from samverkan.settings import load_settings
from samverkan.web import create_app
from samverkan.web.guard import Guard
from tests.conftest import TESTSERVER
from tests.dataspace.conftest import STA, Tenant, auth, station
from tests.dataspace.mqtt_world import TIMEOUT, needs_mosquitto, wait_until
from tests.serving import Server, free_port

JSON = {"Content-Type": "application/json"}


def app_with(db_url: str, **settings: Any) -> tuple[Any, TestClient]:
    app = create_app(load_settings(db=db_url, public_url=TESTSERVER, **settings))
    return app, TestClient(app)


def first_stream(tenant: Tenant) -> int:
    return tenant.get("/Datastreams?$orderby=id").json()["value"][0]["@iot.id"]


# -- F1: one poison MQTT message stopped ingest for every tenant -------------------------------------

POISONS = {
    "time before year 1 UTC": b'{"phenomenonTime": "0001-01-01T00:00:00+01:00", "result": 1}',
    "400-digit result": b'{"result": ' + b"9" * 400 + b"}",
    "result nested 5000 deep": b'{"result": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    "lone surrogate": b'{"result": "\\ud800"}',
}


@needs_mosquitto
@pytest.mark.parametrize("poison", POISONS.values(), ids=POISONS.keys())
def test_f1_a_poison_message_never_stops_another_tenants_ingest(world, poison):
    alfa_stream, beta_stream = world.stream("alfa", "A"), world.stream("beta", "B")
    alfa, beta = world.device("alfa"), world.device("beta")
    sender, other = world.connect(alfa.user, alfa.token), world.connect(beta.user, beta.token)

    def round_of(start: int) -> None:
        sender.publish(alfa_stream, None, raw=poison)
        for i in range(start, start + 100):
            other.publish(beta_stream, {"phenomenonTime": f"2024-01-01T{i // 60:02d}:{i % 60:02d}:00Z", "result": i})
        wait_until(lambda: len(world.observations("beta", beta_stream)) == start + 100, what="beta's messages")

    round_of(0)
    letters = world.space.dead_letters(world.admins["alfa"])
    assert [(x["datastream"], x["topic"]) for x in letters] == [(alfa_stream, topic(alfa_stream))]
    assert letters[0]["reason"] and letters[0]["size"] == len(poison)
    assert world.space.dead_letters(world.admins["beta"]) == []  # nobody else sees it
    assert world.observations("alfa", alfa_stream) == []
    # after a restart (the broker delivers anything unacknowledged again): the same
    world.ingester.stop()
    world.start_ingester()
    round_of(100)
    assert len(world.space.dead_letters(world.admins["alfa"])) == 2


@needs_mosquitto
def test_f1_dead_letters_are_read_over_the_api_by_their_tenant_only(world, db_url):
    stream = world.stream("alfa", "A")
    device = world.device("alfa")
    world.connect(device.user, device.token).publish(stream, None, raw=POISONS["lone surrogate"])
    wait_until(lambda: world.ingester.counts.rejected == 1, what="the rejection")
    _, client = app_with(db_url)
    with client:
        mine = client.get("/api/v1/dead-letters", headers=auth(world.admins["alfa"]))
        assert mine.status_code == 200 and mine.json()[0]["datastream"] == stream
        assert "surrogate" in mine.json()[0]["reason"]
        assert client.get("/api/v1/dead-letters", headers=auth(world.admins["beta"])).json() == []
        assert client.get("/api/v1/dead-letters").status_code == 401


# -- F2: SQLite handed a deleted datastream's id to the next one ---------------------------------------

SETS = ("Things", "Locations", "HistoricalLocations", "Datastreams", "Sensors", "ObservedProperties")


def test_f2_ids_are_never_reused_after_a_delete(tenants):
    alfa, beta = tenants
    assert alfa.post("/Things", station("Alfa", 12.0, 57.0)).status_code == 201
    used = {name: {e["@iot.id"] for e in alfa.get(f"/{name}").json()["value"]} for name in SETS}
    used["Observations"] = {e["@iot.id"] for e in alfa.get("/Observations").json()["value"]}
    used["FeaturesOfInterest"] = {e["@iot.id"] for e in alfa.get("/FeaturesOfInterest").json()["value"]}
    for name in ("Things", "Sensors", "ObservedProperties", "Locations", "FeaturesOfInterest"):
        for ident in used[name]:
            assert alfa.delete(f"/{name}({ident})").status_code == 200, name
    for name in [*SETS, "Observations", "FeaturesOfInterest"]:
        assert alfa.get(f"/{name}").json()["value"] == [], name
    assert beta.post("/Things", station("Beta", 12.0, 57.0)).status_code == 201
    for name in [*SETS, "Observations", "FeaturesOfInterest"]:
        new = {e["@iot.id"] for e in beta.get(f"/{name}").json()["value"]}
        assert new and min(new) > max(used[name]), name


@needs_mosquitto
def test_f2_a_message_queued_for_a_deleted_datastream_never_reaches_a_new_one(world):
    doomed = world.stream("alfa", "A")
    world.space.delete(world.admins["alfa"], f"Datastreams({doomed})")
    fresh = world.stream("beta", "B")
    assert fresh != doomed
    world.broker.sync()
    device = world.device("beta")
    world.connect(device.user, device.token).publish(fresh, {"result": 1})
    wait_until(lambda: len(world.observations("beta", fresh)) == 1, what="the message")


# -- F3: unbounded texts and a quadratic $filter -------------------------------------------------------


def test_f3_a_ten_megabyte_name_is_refused_naming_the_field(tenants):
    alfa, _ = tenants
    response = alfa.post("/Things", {"name": "x" * 10_000_000, "description": "big"})
    assert response.status_code == 400
    assert "Thing.name: 10000000 characters; at most 10000" in response.json()["message"]
    properties = alfa.post("/Things", {"name": "x", "properties": {"blob": "y" * 100_000}})
    assert properties.status_code == 400 and "Thing.properties" in properties.json()["message"]
    assert alfa.get("/Things").json()["value"] == []


def test_f3_a_200_level_concat_is_refused_at_once(tenants):
    alfa, _ = tenants
    alfa.post("/Things", {"name": "n", "description": "d"})
    nested = "concat(name," * 200 + "name" + ")" * 200
    response = alfa.get(f"/Things?$filter={nested} eq 'x'")
    assert response.status_code == 400 and "$filter: more than 200 terms" in response.json()["message"]
    deep = "(" * 11 + "name eq 'n'" + ")" * 11
    assert "nested more than 10 levels" in alfa.get(f"/Things?$filter={deep}").json()["message"]
    ten = "(" * 9 + "name eq 'n'" + ")" * 9
    assert len(alfa.get(f"/Things?$filter={ten}").json()["value"]) == 1


# -- F4: costly $expand, the time budget, a client that goes, SIGTERM -----------------------------------


def test_f4_nested_expand_is_bounded_in_depth_breadth_and_size(tenants, db_url):
    alfa, _ = tenants
    alfa.post("/Things", station("Alfa", 12.0, 57.0, streams=3))
    anonymous = alfa.client
    deep = anonymous.get(f"{STA}/Things?$expand=Datastreams($expand=Thing($expand=Datastreams))")
    assert deep.status_code == 400 and "at most 2 are accepted" in deep.json()["message"]
    broad = ",".join(["Datastreams"] * 9)
    assert "at most 8 are accepted" in alfa.get(f"/Things?$expand={broad}").json()["message"]
    two = alfa.get("/Things?$expand=Datastreams($expand=Observations)").json()["value"]
    assert len(two[0]["Datastreams"]) == 3
    _, small = app_with(db_url, sta_max_entities=5)
    with small:
        response = small.get(f"{STA}/Things?$expand=Datastreams($expand=Observations)", headers=alfa.headers)
        assert response.status_code == 400 and "more than 5 entities" in response.json()["message"]


def test_f4_a_request_over_its_time_budget_is_stopped_with_503(tenants, db_url):
    alfa, _ = tenants
    alfa.post("/Things", station("Alfa", 12.0, 57.0))
    _, hurried = app_with(db_url, request_budget_seconds=1e-6)
    with hurried:
        response = hurried.get(f"{STA}/Things", headers=alfa.headers)
    assert response.status_code == 503 and response.headers["retry-after"] == "1"
    assert "budget" in response.json()["message"]


def test_f4_work_stops_when_the_client_goes_away():
    """The guard spends a request's budget the moment the server reports the client gone."""
    stopped = threading.Event()

    async def endless(scope: Any, receive: Any, send: Any) -> None:
        try:
            while True:
                await asyncio.to_thread(budget.check)  # as work in the thread pool checks
                await asyncio.sleep(0.01)
        except Exception:
            stopped.set()
            raise

    async def scenario() -> None:
        messages = [{"type": "http.request", "body": b"", "more_body": False}]
        gone = asyncio.Event()

        async def receive() -> dict[str, Any]:
            if messages:
                return messages.pop()
            await gone.wait()
            return {"type": "http.disconnect"}

        sent: list[dict[str, Any]] = []

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        guard = Guard(endless, load_settings(db="sqlite:///unused.sqlite", request_budget_seconds=60))
        scope = {"type": "http", "method": "GET", "path": "/sta/v1.1/Things", "headers": [], "client": ("a", 1)}
        task = asyncio.create_task(guard(scope, receive, send))
        await asyncio.sleep(0.2)
        assert not task.done()
        gone.set()  # the client closed the connection
        await asyncio.wait_for(task, 5)

    outcome: list[BaseException | None] = []

    def in_its_own_loop() -> None:  # a test before may have left an event loop on this thread
        try:
            asyncio.run(scenario())
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    runner = threading.Thread(target=in_its_own_loop)
    runner.start()
    runner.join(30)
    assert outcome == [None], outcome
    assert stopped.is_set()


def test_f4_sigterm_stops_the_server_while_requests_hang(db_url, tmp_path):
    """A client that sends half a body and waits, and one that reads a large export one chunk
    and stops: the server used to wait for them for ever on SIGTERM."""
    from samverkan.core import Samverkan

    core = Samverkan(load_settings(db=db_url))
    token = core.dataspace.create_tenant("alfa", "Alfa")["token"]
    _, thing = core.dataspace.create(token, "Things", station("Alfa", 12.0, 57.0, observations=[]))
    stream = core.dataspace.read(token, f"Things({thing})/Datastreams", {}, "http://x")["value"][0]["@iot.id"]
    start = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    for part in range(3):  # 300,000 observations: an export of several seconds
        minutes = range(part * 100_000, (part + 1) * 100_000)
        rows = [[(start + dt.timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%SZ"), i] for i in minutes]
        batch = [{"Datastream": {"@iot.id": stream}, "components": ["phenomenonTime", "result"], "dataArray": rows}]
        core.dataspace.create_observations(token, batch)
    core.close()
    server = Server(db_url, tmp_path / "server.log")
    server.env["SAMVERKAN_REQUEST_BUDGET_SECONDS"] = "300"  # only the shutdown may end them
    base = server.start()
    half = socket.create_connection(("127.0.0.1", server.port))
    half.sendall(
        b"POST /sta/v1.1/Things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + f"Authorization: Bearer {token}\r\nContent-Length: 1000\r\n\r\n".encode()
        + b'{"name": "'
    )
    client = httpx.Client(timeout=30)
    with client.stream("GET", f"{base}/api/v1/datastreams/{stream}/observations.csv", headers=auth(token)) as slow:
        next(slow.iter_bytes())  # a client that reads one chunk and then nothing
        time.sleep(0.5)
        began = time.monotonic()
        assert server.process is not None
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=30)
        finally:
            took = time.monotonic() - began
            if server.process.poll() is None:
                server.process.kill()
    client.close()
    half.close()
    assert took < 15, f"the server took {took:.1f} s to stop"


def test_f4_a_body_trickled_in_slowly_gets_408(db_url, tmp_path):
    server = Server(db_url, tmp_path / "server.log")
    server.env["SAMVERKAN_REQUEST_BUDGET_SECONDS"] = "2"
    server.start()
    try:
        with socket.create_connection(("127.0.0.1", server.port)) as half:
            half.settimeout(60)
            half.sendall(
                b"POST /sta/v1.1/Things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 1000\r\n\r\n{"
            )
            began = time.monotonic()
            answer = half.recv(4096)
            took = time.monotonic() - began
    finally:
        server.stop()
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert 1.5 < took < 30  # the request's budget (2 s)


# -- F5 and F8: one bad record broke shared listings and catalogues for everyone ------------------------


def test_f5_a_time_before_year_1_utc_is_refused(tenants):
    alfa, _ = tenants
    alfa.post("/Things", station("Alfa", 12.0, 57.0))
    stream = first_stream(alfa)
    for moment in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-05:00"):
        batch = [
            {"Datastream": {"@iot.id": stream}, "components": ["phenomenonTime", "result"], "dataArray": [[moment, 1]]}
        ]
        response = alfa.post("/CreateObservations", batch)
        assert response.status_code == 400 and "outside the years 1 … 9999" in response.json()["message"], moment
        single = alfa.post(f"/Datastreams({stream})/Observations", {"phenomenonTime": moment, "result": 1})
        assert single.status_code == 400 and "phenomenonTime" in single.json()["message"]


def test_f5_f8_a_bad_stored_record_never_breaks_the_listings_or_the_catalogue(tenants, space):
    core, client = space
    alfa, _ = tenants
    alfa.post("/Things", station("Alfa", 12.0, 57.0))
    alfa.post("/Things", station("Good", 13.0, 58.0))
    bad, good = sorted(d["@iot.id"] for d in alfa.get("/Datastreams").json()["value"])
    for stream in (bad, good):
        created = alfa.api("POST", "/shares", json={"datastream": stream, "grantee": "public", "level": "raw"})
        assert created.status_code == 201
    refused = alfa.api(
        "POST", "/shares", json={"datastream": good, "grantee": "beta", "level": "raw", "licence": "http://a b"}
    )
    assert refused.status_code == 400 and "licence" in refused.json()["detail"]
    # what older versions let in, written straight to the database
    with Session(core.engine) as session, session.begin():
        feature = session.scalar(select(func.min(t.FeatureOfInterest.id)))
        session.execute(
            insert(t.Observation).values(
                datastream_id=bad, phenomenon_time=-62_135_600_400_000, result=1.0, feature_id=feature
            )
        )
        session.execute(
            insert(t.Rollup).values(
                datastream_id=bad, hour=-62_135_600_400_000, count=1, total=1.0, minimum=1.0, maximum=1.0
            )
        )
        session.execute(text("UPDATE ds_shares SET licence = 'http://a b' WHERE datastream_id = :d"), {"d": bad})
    for path in (f"{STA}/Datastreams", f"{STA}/Things?$expand=Datastreams", f"{STA}/Datastreams({bad})"):
        response = client.get(path)
        assert response.status_code == 200, (path, response.text)
    listed = {d["@iot.id"]: d for d in client.get(f"{STA}/Datastreams").json()["value"]}
    assert listed[bad]["phenomenonTime"] is None and listed[good]["phenomenonTime"]
    for path in ("/dcat/catalog.ttl", "/dcat/catalog.jsonld"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert f"Datastreams({good})" in response.text and f"Datastreams({bad})" not in response.text


# -- F6: one long Swedish compound ---------------------------------------------------------------------


def test_f6_long_compounds_are_split_in_bounded_time(client):
    analyzer = Analyzer()
    assert analyzer.split_compound("fjärrvärmenät") is not None  # real compounds still split
    assert analyzer.split_compound("värme" * 3000) is None  # not a word: kept whole, no recursion
    for n in (320, 640, 3000):
        response = client.get("/api/v1/search", params={"q": "värme" * n})
        assert response.status_code in (200, 400), (n, response.text[:200])


# -- F7: another program on our MQTT port -------------------------------------------------------------


def foreign_broker(port: int, folder: Path) -> subprocess.Popen[bytes]:
    """A Mosquitto that is not ours: anyone may publish."""
    config = folder / "foreign.conf"
    config.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    process = subprocess.Popen([str(MOSQUITTO), "-c", str(config)], stderr=subprocess.DEVNULL)
    wait_until(lambda: _listening(port), what="the foreign broker")
    return process


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


def publish_anonymously(port: int, datastream: int) -> None:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
    client.connect("127.0.0.1", port)
    client.loop_start()
    client.publish(topic(datastream), json.dumps({"result": 666}), qos=1).wait_for_publish(TIMEOUT)
    client.disconnect()
    client.loop_stop()


@needs_mosquitto
def test_f7_a_taken_port_is_reported_and_never_used(core, tmp_path):
    token = core.dataspace.create_tenant("alfa", "Alfa")["token"]
    _, thing = core.dataspace.create(token, "Things", station("Alfa", 12.0, 57.0, observations=[]))
    stream = core.dataspace.read(token, f"Things({thing})/Datastreams", {}, "http://x")["value"][0]["@iot.id"]
    port = free_port()
    foreign = foreign_broker(port, tmp_path)
    try:
        service = MqttService(core.engine, tmp_path / "ours", port)
        with pytest.raises(BrokerError, match=f"port {port} on 127.0.0.1 is taken by another program"):
            service.start()
        publish_anonymously(port, stream)
        time.sleep(0.5)
        assert core.dataspace.read(token, f"Datastreams({stream})/Observations", {}, "http://x")["value"] == []
    finally:
        foreign.terminate()
        foreign.wait()


@needs_mosquitto
def test_f7_serve_stops_when_the_mqtt_port_it_was_asked_for_is_taken(db_url, tmp_path):
    port = free_port()
    foreign = foreign_broker(port, tmp_path)
    try:
        env = {k: v for k, v in os.environ.items() if k != "SAMVERKAN_DB"}
        env["SAMVERKAN_MQTT_DIR"] = str(tmp_path / "ours")
        command = [sys.executable, "-m", "samverkan", "--db", db_url, "serve", "--port", str(free_port())]
        done = subprocess.run([*command, "--mqtt-port", str(port)], env=env, capture_output=True, timeout=60)
        assert done.returncode == 1
        assert f"MQTT on port {port} was asked for but cannot start" in done.stderr.decode()
        assert "taken by another program" in done.stderr.decode()
    finally:
        foreign.terminate()
        foreign.wait()


@needs_mosquitto
def test_f7_when_our_broker_dies_and_another_takes_the_port_nothing_of_it_is_stored(core, tmp_path, caplog):
    token = core.dataspace.create_tenant("alfa", "Alfa")["token"]
    _, thing = core.dataspace.create(token, "Things", station("Alfa", 12.0, 57.0, observations=[]))
    stream = core.dataspace.read(token, f"Things({thing})/Datastreams", {}, "http://x")["value"][0]["@iot.id"]
    port = free_port()
    service = MqttService(core.engine, tmp_path / "ours", port, poll=0.3)
    service.start()
    foreign = None
    try:
        assert service.broker.process is not None
        service.broker.process.kill()
        service.broker.process.wait()
        foreign = foreign_broker(port, tmp_path)
        publish_anonymously(port, stream)
        wait_until(lambda: any("taken by another program" in r.getMessage() for r in caplog.records), what="the log")
        time.sleep(1.0)
        assert core.dataspace.read(token, f"Datastreams({stream})/Observations", {}, "http://x")["value"] == []
        restarts = sum("starting it again" in r.getMessage() for r in caplog.records)
        assert restarts <= 3, f"{restarts} restarts in about 2 s: it should back off"
    finally:
        service.stop()
        if foreign is not None:
            foreign.terminate()
            foreign.wait()


# -- F9: 500 instead of 400 -----------------------------------------------------------------------------

BIG = 2**63


@pytest.mark.parametrize(
    ("method", "path", "body", "statuses", "says"),
    [
        ("GET", f"/Things({BIG})", None, {404}, "no such entity"),
        ("GET", f"/Things?$filter=id eq {BIG}", None, {400}, "64-bit"),
        ("GET", f"/Things?$skip={BIG}", None, {400}, "$skip"),
        ("POST", "/Things", {"name": "x", "description": "y", "properties": {"n": 1e400}}, {400}, "not a JSON number"),
        ("POST", "/Things", {"name": "x", "description": "y", "properties": {"n": 10**400}}, {400}, "64-bit"),
        ("GET", "/Things?$filter=id eq 1e999", None, {400}, "finite float"),
        ("DEEP", "/Things", None, {400}, "levels deep; at most 32"),
        ("POST", "/Things", {"name": "\ud800", "description": "y"}, {400}, "surrogate"),
        ("PATCH", "/Datastreams(STREAM)", {"unitOfMeasurement": "°C"}, {400}, "expected a JSON object"),
        ("GET", "/Things(²)", None, {404}, "whole numbers"),
        ("GET", "/Things?$orderby=" + ",".join(["name"] * 2000), None, {400}, "at most 8"),
        ("POST", "/Things", {"name": "x", "description": "y", "properties": {"s": "a\x00b"}}, {400}, "NUL"),
        ("GET", "/Things?$filter=name eq 'a%00b'", None, {400}, "NUL"),
    ],
)
def test_f9_malformed_input_gets_a_4xx_naming_it(tenants, method, path, body, statuses, says):
    alfa, _ = tenants
    alfa.post("/Things", station("Alfa", 12.0, 57.0))
    path = path.replace("STREAM", str(first_stream(alfa)))
    if method == "DEEP":
        raw = b'{"name": "x", "description": "y", "properties": {"p": ' + b"[" * 5000 + b"]" * 5000 + b"}}"
        response = alfa.client.post(STA + path, content=raw, headers={**alfa.headers, **JSON})
    elif body is not None:
        raw = json.dumps(body).encode() if "\ud800" not in json.dumps(body) else json.dumps(body).encode("utf-8")
        response = alfa.client.request(method, STA + path, content=raw, headers={**alfa.headers, **JSON})
    else:
        response = alfa.client.request(method, STA + path, headers=alfa.headers)
    assert response.status_code in statuses, response.text
    assert says in response.json()["message"]


@pytest.mark.parametrize(
    ("path", "body", "says"),
    [
        (f"/datastreams/{BIG}/aggregate", None, "less than or equal"),
        (f"/shares/{BIG}", None, "less than or equal"),
        ("/tokens", {"scope": "read", "days": 1e10}, "less than or equal"),
        ("/tokens", b'{"scope": "read", "days": NaN}', "NaN is not a JSON number"),
        ("/audit?before=" + str(BIG), None, "less than or equal"),
        ("/consortium?call=a%00b&lead=x", None, "NUL"),  # found by schemathesis: PostgreSQL stores no NUL
    ],
)
def test_f9_the_api_answers_4xx_for_numbers_out_of_range(tenants, path, body, says):
    alfa, _ = tenants
    method = "DELETE" if path.startswith("/shares/") else "POST" if body is not None else "GET"
    if isinstance(body, bytes):
        response = alfa.client.post("/api/v1" + path, content=body, headers={**alfa.headers, **JSON})
    else:
        response = alfa.api(method, path, json=body)
    assert response.status_code in (400, 422), response.text
    assert says in json.dumps(response.json())


# -- F10: no rate limit; one audit row per anonymous read -------------------------------------------------


def test_f10_a_client_above_its_limit_gets_429_and_others_are_unaffected(db_url):
    app, _ = app_with(db_url, rate_limit_address="5/minute", rate_limit_token="8/minute")
    token = app.state.samverkan.dataspace.create_tenant("alfa", "Alfa")["token"]
    noisy = TestClient(app, client=("203.0.113.7", 5000))
    calm = TestClient(app, client=("203.0.113.8", 5000))
    with noisy, calm:
        answers = [noisy.get("/api/v1/health").status_code for _ in range(6)]
        assert answers == [200] * 5 + [429]
        refused = noisy.get("/api/v1/health")
        assert refused.status_code == 429 and 1 <= int(refused.headers["retry-after"]) <= 60
        assert calm.get("/api/v1/health").status_code == 200
        # a token has its own allowance; guessing tokens counts against the address
        assert [calm.get(f"{STA}/Things", headers=auth(token)).status_code for _ in range(8)] == [200] * 8
        assert calm.get(f"{STA}/Things", headers=auth(token)).status_code == 429
        guesses = [calm.get(f"{STA}/Things", headers=auth(f"svk_guess{i}")).status_code for i in range(6)]
        assert guesses[:4] == [401] * 4 and guesses[-1] == 429


def test_f10_anonymous_reads_are_tallied_per_day_not_one_row_each(tenants, space):
    core, client = space
    alfa, _ = tenants
    alfa.post("/Things", station("Alfa", 12.0, 57.0))
    stream = first_stream(alfa)
    alfa.api("POST", "/shares", json={"datastream": stream, "grantee": "public", "level": "raw"})
    for _ in range(200):
        assert client.get(f"{STA}/Datastreams({stream})/Observations").status_code == 200
    with Session(core.engine) as session:
        rows = session.scalar(select(func.count()).select_from(t.AuditEntry).where(t.AuditEntry.action == "read"))
    assert rows == 1
    tally = next(e for e in alfa.api("GET", "/audit").json() if e["action"] == "read")
    assert tally["count"] == 600 and tally["detail"].endswith(": 200 requests")


# -- F11: aggregated grantees saw exact first and last times ----------------------------------------------


def test_f11_an_hourly_grantee_sees_only_whole_hours(tenants):
    alfa, beta = tenants
    observations = [("2024-05-01T10:17:23Z", 1.0), ("2024-05-01T12:41:05Z", 2.0)]
    alfa.post("/Things", station("Alfa", 12.0, 57.0, observations=observations))
    stream = first_stream(alfa)
    alfa.api("POST", "/shares", json={"datastream": stream, "grantee": "beta", "level": "hourly"})
    assert alfa.get(f"/Datastreams({stream})").json()["phenomenonTime"] == "2024-05-01T10:17:23Z/2024-05-01T12:41:05Z"
    assert beta.get(f"/Datastreams({stream})").json()["phenomenonTime"] == "2024-05-01T10:00:00Z/2024-05-01T13:00:00Z"
    alfa.api("POST", "/shares", json={"datastream": stream, "grantee": "public", "level": "daily"})
    public = alfa.client.get(f"{STA}/Datastreams({stream})").json()["phenomenonTime"]
    assert public == "2024-05-01T00:00:00Z/2024-05-02T00:00:00Z"


# -- F12: importers -------------------------------------------------------------------------------------


def call_line(topic_id: str, title: str) -> str:
    return json.dumps({"topicId": topic_id, "title": title, "callStatus": "open"})


def test_f12_conflicting_ids_in_one_file_name_both_lines(engine, tmp_path):
    path = tmp_path / "calls.jsonl"
    lines = [call_line("T-1", "one"), call_line("T-2", "two"), call_line("T-1", "one again, differently")]
    path.write_text("\n".join([*lines, call_line("T-2", "two")]) + "\n")  # an exact repeat is harmless
    with pytest.raises(InputError) as error:
        import_source(engine, "calls", path)
    message = str(error.value)
    assert "calls.jsonl:1: field 'id': 'T-1' appears again on line 3" in message
    assert "calls.jsonl:3: field 'id': 'T-1' appears already on line 1" in message
    report = import_source(engine, "calls", path, skip_invalid=True)
    assert report.as_dict()["counts"]["calls"]["inserted"] == 1  # T-2 only: both T-1 lines rejected
    assert len(report.rejected) == 2


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ('{"topicId": "T-9", "title": "x", "callStatus": "open", "deep": ' + "[" * 5000 + "]" * 5000 + "}", "nested"),
        (call_line("T-9", "a\u0000b").replace("\\u0000", "\\u0000"), "NUL"),
        ('{"topicId": "T-9", "title": "\\udc00", "callStatus": "open"}', "surrogate"),
    ],
    ids=["nested 5000 deep", "NUL", "lone surrogate"],
)
def test_f12_hostile_lines_are_rejected_by_line_without_a_traceback(engine, tmp_path, line, says):
    path = tmp_path / "calls.jsonl"
    path.write_text(call_line("T-1", "fine") + "\n" + line + "\n")
    with pytest.raises(InputError, match=rf"calls.jsonl:2: .*{says}"):
        import_source(engine, "calls", path)


def test_f12_a_zip_bomb_line_stops_the_import_with_little_memory(engine, tmp_path):
    path = tmp_path / "calls.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("calls.jsonl", "w") as member:
            member.write(b'{"topicId": "T-1", "title": "')
            chunk = b"a" * (1 << 20)
            for _ in range(64):  # 64 MiB in one line, 64 KB zipped
                member.write(chunk)
            member.write(b'", "callStatus": "open"}\n')
    assert path.stat().st_size < 1_000_000
    with pytest.raises(InputError, match=r"calls.jsonl:1: the line is longer than 16,777,216 bytes"):
        import_source(engine, "calls", path)
    broken = tmp_path / "calls.jsonl.gz"
    broken.write_bytes(gzip.compress(b"\n".join(call_line(f"T-{i}", "x").encode() for i in range(100)))[:-20])
    with pytest.raises(InputError, match="compressed data is broken"):
        import_source(engine, "calls", broken)


# -- F13: /docs loaded Swagger UI from a CDN ---------------------------------------------------------------


def test_f13_docs_are_served_from_our_own_origin(client):
    page = client.get("/docs")
    assert page.status_code == 200 and "default-src 'self'" in page.headers["content-security-policy"]
    assert "http" not in page.text.replace('href="/openapi.json"', "")  # nothing from elsewhere
    for asset in ("/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-ui.css", "/static/docs.js"):
        assert client.get(asset).status_code == 200, asset
    assert "Apache License" in client.get("/docs/assets/LICENSE").text
    assert client.get("/redoc").status_code == 404


# -- F14: headers, Host, media types, file modes, the shape of 422 -------------------------------------------


def test_f14_api_answers_say_nosniff_and_links_ignore_the_host_header(tenants):
    alfa, _ = tenants
    alfa.post("/Things", station("Alfa", 12.0, 57.0))
    for response in (alfa.api("GET", "/shares"), alfa.get("/Things"), alfa.client.get("/api/v1/health")):
        assert response.headers["x-content-type-options"] == "nosniff"
    forged = alfa.client.get(f"{STA}/Things", headers={**alfa.headers, "Host": "evil.example"})
    assert "evil.example" not in forged.text and f"{TESTSERVER}{STA}/Things(" in forged.text


def test_f14_writes_must_be_json(tenants):
    alfa, _ = tenants
    body = json.dumps({"name": "x", "description": "y"})
    for media in ("text/plain", "application/x-www-form-urlencoded", None):
        headers = {**alfa.headers, **({"Content-Type": media} if media else {})}
        response = alfa.client.post(f"{STA}/Things", content=body, headers=headers)
        assert response.status_code == 415, media
        assert "application/json" in response.json()["message"]
    share = alfa.client.post("/api/v1/shares", content=b"{}", headers={**alfa.headers, "Content-Type": "text/plain"})
    assert share.status_code == 415


def test_f14_the_embedded_database_and_its_folder_are_private(tmp_path):
    folder = tmp_path / "data"
    engine = make_engine(f"sqlite:///{folder / 'samverkan.sqlite'}")
    with engine.connect() as connection:
        connection.exec_driver_sql("CREATE TABLE x (a)")
        connection.commit()
    engine.dispose()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name in ("samverkan.sqlite", "samverkan.sqlite-wal", "samverkan.sqlite-shm"):
        path = folder / name
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, name


def test_f14_a_filter_error_is_a_422_with_a_list_as_documented(client):
    reversed_window = {"deadline_from": "2027-01-01", "deadline_to": "2026-01-01"}
    response = client.get("/api/v1/search", params={"q": "energy", "kind": "call", **reversed_window})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail[0]["loc"] == ["query", "deadline_from"]
    assert "is after" in detail[0]["msg"]

"""MQTT ingest through a real Mosquitto broker: devices publish SensorThings observations with
per-token credentials; the ingester stores them once and acknowledges only after the commit;
the broker's ACL keeps every tenant to its own datastreams and those shared with it raw."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from samverkan.dataspace.broker import (
    INGEST_USER,
    Snapshot,
    fingerprint,
    mqtt_password_line,
    topic,
    user_name,
    write_acl,
)
from samverkan.dataspace.mqtt import MqttService
from samverkan.dataspace.observations import store
from samverkan.dataspace.tenants import broker_hash, check_broker_hash
from samverkan.db import dataspace as t
from tests.dataspace.conftest import station
from tests.dataspace.mqtt_world import TIMEOUT, Device, Peer, World, needs_mosquitto, wait_until
from tests.serving import free_port

# -- credentials and files ------------------------------------------------------------------------


def test_password_hashes_are_mosquittos_pbkdf2_format(tmp_path):
    hashed = broker_hash("svk_secret")
    assert hashed.startswith("$7$101$") and len(hashed.split("$")) == 5
    assert check_broker_hash(hashed, "svk_secret") and not check_broker_hash(hashed, "svk_other")
    assert broker_hash("svk_secret") != hashed  # salted
    assert mqtt_password_line("alfa.3", "svk_secret").startswith("alfa.3:$7$")
    with pytest.raises(ValueError):
        mqtt_password_line("al:fa", "x")
    tool = shutil.which("mosquitto_passwd")
    if tool:  # a hash made by Mosquitto's own tool checks with ours
        passwords = tmp_path / "passwd"
        passwords.touch()
        subprocess.run([tool, "-b", str(passwords), "dev", "pw-1"], check=True)
        _, made = passwords.read_text().strip().split(":", 1)
        assert check_broker_hash(made, "pw-1") and not check_broker_hash(made, "pw-2")


def test_tokens_keep_a_broker_hash_and_never_their_text(core):
    issued = core.dataspace.issue_token(None, "write", slug=core.dataspace.create_tenant("alfa", "Alfa")["tenant"])
    with Session(core.engine) as session:
        row = session.get(t.Token, issued["id"])
        assert check_broker_hash(row.broker_hash, issued["token"])
        assert issued["token"] not in repr([getattr(row, c.key) for c in t.Token.__table__.columns])


def test_the_acl_grants_each_token_exactly_its_tenants_topics(core, tmp_path):
    space = core.dataspace
    alfa = space.create_tenant("alfa", "Alfa")["token"]
    beta = space.create_tenant("beta", "Beta")["token"]
    space.create_tenant("gamma", "Gamma")
    streams = {}
    for token, name in ((alfa, "A1"), (alfa, "A2"), (beta, "B1")):
        _, thing = space.create(token, "Things", station(name, 1, 2, observations=[]))
        streams[name] = space.read(token, f"Things({thing})/Datastreams", {}, "http://x")["value"][0]["@iot.id"]
    a1, a2, b1 = streams["A1"], streams["A2"], streams["B1"]
    space.share(alfa, a1, "beta", "raw", None)
    space.share(alfa, a2, "beta", "hourly", None)  # aggregates only: no raw messages
    space.share(beta, b1, "public", "raw", "https://creativecommons.org/licenses/by/4.0/")
    reader = space.issue_token(None, "read", slug="beta")
    revoked = space.issue_token(None, "write", slug="alfa")
    space.revoke_token(None, revoked["id"], slug="alfa")
    expiring = space.issue_token(None, "write", slug="gamma", days=1)
    path = tmp_path / "acl"
    write_acl(core.engine, path)
    users: dict[str, list[str]] = {}
    current = None
    for line in path.read_text().splitlines():
        if line.startswith("user "):
            current = line.split(" ", 1)[1]
            users[current] = []
        elif line.startswith("topic "):
            assert current is not None, "a topic line outside a user block applies to everyone"
            users[current].append(line)
        else:
            assert not line.strip() or line.startswith("#"), line
    assert users.pop(INGEST_USER) == ["topic read v1.1/+/Observations"]
    alfa_admin, beta_admin, gamma_admin = (
        next(t["id"] for t in space.tokens(slug) if t["scope"] == "admin") for slug in ("alfa", "beta", "gamma")
    )
    assert set(users) == {
        user_name("alfa", alfa_admin),
        user_name("beta", beta_admin),
        user_name("gamma", gamma_admin),
        user_name("beta", reader["id"]),
        user_name("gamma", expiring["id"]),
    }  # the revoked token is gone
    assert sorted(users[user_name("alfa", alfa_admin)]) == sorted(
        [f"topic write {topic(a1)}", f"topic write {topic(a2)}"]
        + [f"topic read {topic(d)}" for d in (a1, a2, b1)]  # b1 is public
    )
    assert users[user_name("beta", reader["id"])] == [f"topic read {topic(d)}" for d in sorted((a1, b1))]
    assert sorted(users[user_name("beta", beta_admin)]) == sorted(
        [f"topic write {topic(b1)}", f"topic read {topic(a1)}", f"topic read {topic(b1)}"]
    )
    assert users[user_name("gamma", gamma_admin)] == [f"topic read {topic(b1)}"]
    # the fingerprint sees a token expire without any change in the database
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    assert fingerprint(core.engine) != fingerprint(core.engine, moment=later)
    assert user_name("gamma", expiring["id"]) not in Snapshot.load(core.engine, later).acl()
    assert fingerprint(core.engine) == fingerprint(core.engine)


# -- through the broker ----------------------------------------------------------------------------


@needs_mosquitto
def test_published_observations_are_stored_once(world):
    stream = world.stream("alfa", "Boras")
    device = world.device("alfa")
    peer = world.connect(device.user, device.token)
    assert peer.reason == 0
    sent = [("2024-05-01T10:00:00Z", 11.5), ("2024-05-01T11:00:00Z", 12.0), ("2024-05-01T12:00:00Z", "calm")]
    for when, value in sent:
        peer.publish(stream, {"phenomenonTime": when, "result": value, "parameters": {"battery": 0.9}})
    peer.publish(stream, {"phenomenonTime": sent[0][0], "result": 11.5})  # a retry
    before = dt.datetime.now(dt.UTC)
    peer.publish(stream, {"result": 13.0})  # no phenomenonTime: the arrival time
    wait_until(lambda: world.ingester.counts.stored + world.ingester.counts.duplicates == 5, what="ingest")
    stored = world.observations("alfa", stream)
    assert [(o["phenomenonTime"], o["result"]) for o in stored[:3]] == sent
    assert stored[0]["parameters"] == {"battery": 0.9}
    arrival = dt.datetime.fromisoformat(stored[3]["phenomenonTime"])
    assert before - dt.timedelta(seconds=1) <= arrival <= dt.datetime.now(dt.UTC)
    assert len(stored) == 4
    counts = world.ingester.counts
    assert (counts.stored, counts.duplicates, counts.rejected) == (4, 1, 0)
    # the hourly roll-ups were kept in the same transaction
    hourly = world.space.aggregate(world.admins["alfa"], stream, "1h", "2024-05-01T10:00:00Z", "2024-05-01T13:00:00Z")
    assert [b["count"] for b in hourly["buckets"]] == [1, 1]
    # a retained message is stored once; the broker's replay to a new subscription is ignored
    peer.publish(stream, {"result": 15.0}, retain=True)
    wait_until(lambda: world.ingester.counts.stored == 5, what="the retained message")
    world.ingester.stop()
    ingester = world.start_ingester()
    wait_until(lambda: ingester.counts.replayed == 1, what="the replay")
    assert len(world.observations("alfa", stream)) == 5 and ingester.counts.stored == 0


@needs_mosquitto
def test_tenants_never_see_or_write_each_others_topics_until_shared(world):
    a_stream, b_stream = world.stream("alfa", "Boras"), world.stream("beta", "Lund")
    alfa = world.connect(*_credentials(world.device("alfa")))
    beta = world.connect(*_credentials(world.device("beta")))
    beta.subscribe("#", "v1.1/#", topic(a_stream))
    beta.publish(a_stream, {"phenomenonTime": "2024-01-01T00:00:00Z", "result": 666})  # dropped by the broker
    for hour in range(2):
        alfa.publish(a_stream, {"phenomenonTime": f"2024-01-01T0{hour + 1}:00:00Z", "result": hour})
    marker = {"phenomenonTime": "2024-01-01T00:00:00Z", "result": "marker 1"}
    beta.publish(b_stream, marker)
    assert beta.wait_for(marker) == [(topic(b_stream), marker)]  # none of Alfa's, sent before
    wait_until(lambda: len(world.observations("beta", b_stream)) == 1, what="the marker stored")
    wait_until(lambda: len(world.observations("alfa", a_stream)) == 2, what="Alfa's observations")
    assert [o["result"] for o in world.observations("alfa", a_stream)] == [0, 1]  # not Beta's 666

    share = world.space.share(world.admins["alfa"], a_stream, "beta", "raw", None)
    assert world.broker.sync() is True
    assert world.broker.sync() is False  # nothing changed since
    shared = {"phenomenonTime": "2024-01-01T05:00:00Z", "result": 5}
    alfa.publish(a_stream, shared)
    assert beta.wait_for(shared) == [(topic(a_stream), shared)]
    beta.publish(a_stream, {"phenomenonTime": "2024-01-01T06:00:00Z", "result": 666})  # raw read, not write

    world.space.revoke_share(world.admins["alfa"], share["id"])
    assert world.broker.sync() is True
    alfa.publish(a_stream, {"phenomenonTime": "2024-01-01T07:00:00Z", "result": 7})
    marker = {"phenomenonTime": "2024-01-01T01:00:00Z", "result": "marker 2"}
    beta.publish(b_stream, marker)
    assert beta.wait_for(marker) == [(topic(b_stream), marker)]
    wait_until(lambda: len(world.observations("alfa", a_stream)) == 4, what="Alfa's observations")
    assert [o["result"] for o in world.observations("alfa", a_stream)] == [0, 1, 5, 7]


def _credentials(device: Device) -> tuple[str, str]:
    return device.user, device.token


@needs_mosquitto
def test_only_tokens_in_force_connect(world):
    device = world.device("alfa")
    peer = world.connect(device.user, device.token)
    assert peer.reason == 0
    assert world.connect(device.user, "svk_wrong").reason != 0
    assert world.connect(user_name("beta", device.token_id), device.token).reason != 0  # another tenant's name
    unknown = world.device("alfa")
    with Session(world.core.engine) as session, session.begin():  # a token issued before revision 0004
        session.get(t.Token, unknown.token_id).broker_hash = None
    world.broker.sync()
    assert world.connect(unknown.user, unknown.token).reason != 0

    world.space.revoke_token(None, device.token_id, slug="alfa")
    assert world.broker.sync() is True
    assert peer.disconnected.wait(TIMEOUT)  # the broker drops the connection of a revoked token
    assert world.connect(device.user, device.token).reason != 0
    assert device.token not in (world.runtime / "passwd").read_text()
    assert device.user not in (world.runtime / "passwd").read_text()


@needs_mosquitto
def test_messages_wait_at_the_broker_while_the_ingester_is_down_even_across_a_restart(world):
    stream = world.stream("alfa", "Boras")
    peer = world.connect(*_credentials(world.device("alfa")))
    world.ingester.stop()
    total = 200
    for i in range(total):
        peer.publish(stream, {"phenomenonTime": f"2024-03-01T00:{i // 60:02d}:{i % 60:02d}Z", "result": i})
    assert world.observations("alfa", stream) == []
    world.broker.stop()  # and the broker restarts: it saved the queue on the way out
    world.broker.start()
    ingester = world.start_ingester()
    wait_until(lambda: ingester.counts.stored == total, what="the queued messages")
    assert [o["result"] for o in world.observations("alfa", stream)] == list(range(total))
    assert ingester.counts.duplicates == 0


@needs_mosquitto
def test_a_failed_commit_is_not_acknowledged(world, monkeypatch):
    stream = world.stream("alfa", "Boras")
    peer = world.connect(*_credentials(world.device("alfa")))

    def database_down(*args: Any) -> int:
        raise OperationalError("INSERT", {}, Exception("the database is down"))

    monkeypatch.setattr(store, "write", database_down)
    peer.publish(stream, {"phenomenonTime": "2024-03-01T00:00:00Z", "result": 1.5})
    wait_until(lambda: world.ingester.counts.failures >= 1, what="a failed commit")
    world.ingester.stop()  # gives up the unacknowledged message
    monkeypatch.undo()
    ingester = world.start_ingester()
    wait_until(lambda: ingester.counts.stored == 1, what="the message delivered again")
    assert [o["result"] for o in world.observations("alfa", stream)] == [1.5]


@needs_mosquitto
def test_a_message_the_database_refuses_on_its_own_is_rejected_after_retries(world, monkeypatch):
    stream = world.stream("alfa", "Boras")
    peer = world.connect(*_credentials(world.device("alfa")))
    real = store.write

    def refuses_13(session, batch):
        if any(row.result == 13 for row in batch.rows):
            raise IntegrityError("INSERT", {}, Exception("refused"))
        return real(session, batch)

    monkeypatch.setattr(store, "write", refuses_13)
    for minute, value in enumerate((12, 13, 14)):
        peer.publish(stream, {"phenomenonTime": f"2024-03-01T00:0{minute}:00Z", "result": value})
    wait_until(lambda: world.ingester.counts.rejected == 1 and world.ingester.counts.stored == 2, what="ingest")
    assert [o["result"] for o in world.observations("alfa", stream)] == [12, 14]


@needs_mosquitto
def test_bad_messages_are_rejected_without_holding_up_good_ones(world, caplog):
    stream, doomed = world.stream("alfa", "Boras"), world.stream("alfa", "Gone")
    peer = world.connect(*_credentials(world.device("alfa")))
    world.space.delete(world.admins["alfa"], f"Datastreams({doomed})")  # the broker's ACL still lists it
    good = {"phenomenonTime": "2024-03-01T00:00:00Z", "result": 4.2}
    with caplog.at_level("WARNING", logger="samverkan.mqtt"):
        peer.publish(stream, None, raw=b"not json {")
        peer.publish(stream, {"phenomenonTime": "2024-03-01T01:00:00Z"})  # no result
        peer.publish(stream, {"phenomenonTime": "yesterday", "result": 1})
        peer.publish(stream, None, raw=b'{"result": NaN}')
        peer.publish(stream, {"result": 1, "colour": "red"})
        peer.publish(stream, {"result": 1, "FeatureOfInterest": {"@iot.id": 999999}})
        peer.publish(doomed, {"result": 1})
        peer.publish(stream, good)
        wait_until(lambda: world.ingester.counts.rejected == 7 and world.ingester.counts.stored == 1, what="ingest")
    assert [(o["phenomenonTime"], o["result"]) for o in world.observations("alfa", stream)] == [
        ("2024-03-01T00:00:00Z", 4.2)
    ]
    reasons = [r.getMessage() for r in caplog.records if r.getMessage().startswith("rejected MQTT message")]
    assert len(reasons) == 7 and all(topic(stream) in r or topic(doomed) in r for r in reasons)
    for expected in ("malformed JSON", "result is required", "phenomenonTime", "NaN", "colour", "FeatureOfInterest"):
        assert any(expected in r for r in reasons), (expected, reasons)
    assert any(f"no datastream {doomed}" in r for r in reasons)


@needs_mosquitto
def test_the_service_keeps_the_broker_in_step_and_sessions_cannot_be_taken_over(core, tmp_path):
    space = core.dataspace
    admin = space.create_tenant("alfa", "Alfa")["token"]
    _, thing = space.create(admin, "Things", station("Boras", 12.9, 57.7, observations=[]))
    stream = space.read(admin, f"Things({thing})/Datastreams", {}, "http://x")["value"][0]["@iot.id"]
    runtime, port = tmp_path / "mqtt", free_port()
    world = World(core, runtime)
    world.port = port
    with MqttService(core.engine, runtime, port, poll=0.1) as service:
        issued = space.issue_token(None, "write", slug="alfa")  # after the broker started
        device = Device("alfa", issued["token"], issued["id"])

        def connects() -> Peer | None:
            peer = world.connect(device.user, device.token)
            return peer if peer.reason == 0 else None

        peer = wait_until(connects, what="the poller to add the new token")
        # a client id is replaced by the user name: nobody can take over the ingester's session
        intruder = world.connect(device.user, device.token, client_id=INGEST_USER)
        assert intruder.reason == 0
        intruder.publish(stream, {"phenomenonTime": "2024-03-01T00:00:00Z", "result": 1})
        assert peer.disconnected.wait(TIMEOUT)  # same user: same client id, the older connection goes
        wait_until(lambda: service.ingester.counts.stored == 1, what="ingest")
        world.close()
    assert not service.broker.running

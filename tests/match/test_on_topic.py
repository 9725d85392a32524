"""Partners on topic (issue 26): a partner or consortium member is proposed only with past work
near the call's or need's subject, never through a graph path alone; ``eligible`` stays the rule."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session

from samverkan.cli import main
from samverkan.db import make_engine
from samverkan.strategy.demo import load_demo_strategy

HEALTH = "HORIZON-HLTH-2027-01-STAYHLTH-01"  # forthcoming: disabilities, independent living and inclusion
VGR = "999651640"  # Västra Götalands läns landsting
OFF_TOPIC = {
    "999520302": "Deltares",
    "999993662": "BRGM, the French geological survey",
    "954439649": "OVAM, the Flemish waste agency",
}
NEED = "digital inkludering av äldre, välfärdsteknik i hemtjänsten"
# projects the finder gave as evidence for NEED before: energy grids, air traffic, energy storage
OFF_TOPIC_PROJECTS = {"864048": "FLEXIGRID", "734141": "PJ16 CWP HMI", "646463": "NETFFICIENT", "649796": "OPTi"}


def get(client, path, status=200, **params):
    response = client.get(path, params=params)
    assert response.status_code == status, response.text
    return response.json()


def assert_near(member):
    fit = member["on_topic"]
    assert fit["label"] in ("close", "related"), member
    assert fit["near_projects"] >= 1 and fit["similarity"] >= 0.25 and fit["project"]["id"], member


def test_a_health_call_led_by_vgr_gets_members_who_worked_on_its_subject(client):
    answer = get(client, "/api/v1/consortium", call=HEALTH, lead=VGR)
    ids = {m["id"] for m in answer["members"]}
    assert not ids & set(OFF_TOPIC), [OFF_TOPIC[i] for i in ids & set(OFF_TOPIC)]
    proposed = [m for m in answer["members"] if m["role"] == "proposed"]
    assert len(proposed) >= 2
    for m in proposed:
        assert_near(m)
        # the reason names its closest project to the call
        assert f"similar work: {m['on_topic']['project']['title']}" in m["why"]
    assert answer["eligible"] is True and answer["on_topic"] is True
    check = next(c for c in answer["checks"] if c["kind"] == "on topic")
    assert check["ok"] is True


def test_eligible_is_the_rule_and_on_topic_says_who_does_not_fit(client):
    answer = get(client, "/api/v1/consortium", call=HEALTH, lead=VGR, lock="999520302", size=4)
    deltares = next(m for m in answer["members"] if m["id"] == "999520302")
    assert deltares["role"] == "locked" and deltares["on_topic"]["label"] == "distant"
    assert deltares["on_topic"]["near_projects"] == 0
    assert answer["eligible"] is True  # the rule holds: three countries, a member state
    assert answer["on_topic"] is False
    check = next(c for c in answer["checks"] if c["kind"] == "on topic")
    assert check["ok"] is False and "STICHTING DELTARES" in check["detail"]


def test_a_need_on_digital_inclusion_of_older_people_gets_no_energy_or_air_traffic_evidence(client):
    answer = get(client, "/api/v1/partners", text=NEED, country="SE", limit=10)
    assert answer["results"]
    for r in answer["results"]:
        assert_near(r)
        shown = {reason["project"]["id"] for reason in r["reasons"] if reason.get("project")}
        assert not shown & set(OFF_TOPIC_PROJECTS), (r["name"], r["why"])
    anywhere = get(client, "/api/v1/partners", text=NEED, limit=20)["results"]
    assert all(r["on_topic"]["label"] in ("close", "related") for r in anywhere)


def test_a_call_proposes_no_partner_through_the_graph_alone(client):
    answer = get(client, "/api/v1/partners", call=HEALTH, limit=30, **{"with": VGR})
    assert answer["results"]
    assert not {r["id"] for r in answer["results"]} & set(OFF_TOPIC)
    for r in answer["results"][:10]:  # the first ten: work near the call's subject
        assert_near(r)
    for r in answer["results"][10:]:  # after them: work at least leaning toward it (LEANING)
        assert r["on_topic"]["similarity"] >= 0.05, r


@pytest.fixture(scope="module")
def demo_needs(databases, demo_db, client):
    # PostgreSQL copies a database only while nobody is connected to it: the module's app lets go
    # of its idle connections to the demo first (it reconnects when next asked)
    client.app.state.samverkan.engine.dispose()
    copy = databases.copy(demo_db.url)
    try:
        yield _needs_and_matches(copy)
    finally:
        databases.drop(copy)


def _needs_and_matches(demo_copy_module: str) -> dict:
    engine = make_engine(demo_copy_module)
    with Session(engine) as session, session.begin():
        load_demo_strategy(session)  # the catalogue fixture loads the demo without it
    engine.dispose()
    runner = CliRunner()
    listed = runner.invoke(main, ["--db", demo_copy_module, "needs", "list"])
    assert listed.exit_code == 0, listed.output
    ids = [line.split()[0] for line in listed.output.splitlines() if " published " in line]
    assert len(ids) == 10
    out = {}
    for need in ids:
        result = runner.invoke(main, ["--db", demo_copy_module, "needs", "matches", need, "--json"])
        assert result.exit_code == 0, result.output
        out[need] = json.loads(result.output)
    return out


def test_every_partner_of_the_demo_needs_has_work_near_the_need(demo_needs):
    for need, matches in demo_needs.items():
        for r in matches["partners"]:
            assert r["on_topic"]["near_projects"] >= 1, (need, r["name"], r["on_topic"])


def test_every_proposed_member_for_the_demo_needs_top_calls_has_work_near_the_call(client, demo_needs):
    for need, matches in demo_needs.items():
        if not matches["calls"]:
            continue
        answer = get(client, "/api/v1/consortium", call=matches["calls"][0]["id"], lead=VGR)
        for m in answer["members"]:
            if m["role"] == "proposed":
                assert m["on_topic"]["near_projects"] >= 1, (need, answer["call"]["id"], m["name"], m["on_topic"])

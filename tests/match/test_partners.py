"""Partner finder on the demo catalogue (the real shared CORDIS history): API, CLI and evaluation."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from samverkan.catalogue.programmes import call_strand
from samverkan.cli import main
from samverkan.db.models import Organisation, Participation
from samverkan.match.evaluate import CEILINGS, Recall, _ceilings, evaluate
from samverkan.match.partners import History
from samverkan.search.analysis import Analyzer

CALL = "HCO-12-2015"
LEAD = "999586165"  # Vetenskapsrådet, which coordinated a project under HCO-12-2015


def partners(client, **params):
    response = client.get("/api/v1/partners", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_call_strand_drops_numbers_and_years():
    assert call_strand("LC-SC3-EE-1-2018-2019-2020") == "LC-SC3-EE"
    assert call_strand("HORIZON-CL5-2024-D3-01-05") == "HORIZON-CL5-D3"
    assert call_strand("SC5-10-2016") == "SC5"


def test_partners_for_a_call_and_a_lead_never_return_the_team(client):
    answer = partners(client, call=CALL, limit=30, **{"with": LEAD})
    assert answer["call"]["id"] == CALL and answer["call"]["projects"] >= 1
    assert [m["id"] for m in answer["team"]] == [LEAD]
    ids = [r["id"] for r in answer["results"]]
    assert len(ids) == 30 and len(set(ids)) == 30 and LEAD not in ids
    scores = [r["score"] for r in answer["results"]]
    assert scores == sorted(scores, reverse=True)
    assert all(r["why"] for r in answer["results"])
    # the lead's past partners come first, and say so
    assert answer["results"][0]["why"].startswith("worked with VETENSKAPSRADET")


def test_a_duplicate_organisation_counts_as_its_canonical_record(client, demo_db):
    engine = create_engine(demo_db.url)
    with Session(engine) as session:
        duplicate, canonical = session.execute(
            select(Organisation.id, Organisation.same_as_id)
            .join(Participation, Participation.organisation_id == Organisation.id)
            .where(Organisation.same_as_id.is_not(None))
            .order_by(Organisation.id)
            .limit(1)
        ).one()
    engine.dispose()
    answer = partners(client, text="energy efficiency", limit=100, **{"with": duplicate})
    assert [m["id"] for m in answer["team"]] == [canonical]
    assert not {duplicate, canonical} & {r["id"] for r in answer["results"]}


def test_filters_narrow_the_suggestions(client):
    params = {"call": CALL, "with": LEAD, "limit": 20}
    german = partners(client, country="DE", **params)["results"]
    assert german and {r["country"] for r in german} == {"DE"}
    coordinators = partners(client, coordinated="true", org_type="REC", **params)["results"]
    assert coordinators and all(r["coordinated"] > 0 and r["activity_type"] == "REC" for r in coordinators)
    placed = partners(client, region="DE1", **params)["results"]
    assert all(r["region"].startswith("DE1") for r in placed)
    assert partners(client, active_since=2017, **params)["filters"] == {"active_since": 2017}


def test_a_need_in_swedish_without_a_call(client):
    answer = partners(client, text="fjärrvärme och värmepumpar i kommunen", country="SE", limit=5)
    assert answer["call"] is None and answer["results"]
    assert all(r["country"] == "SE" for r in answer["results"])
    assert any("matching words in" in r["why"] or "similar work" in r["why"] for r in answer["results"])


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"call": "NO-SUCH-TOPIC"}, 404, "call 'NO-SUCH-TOPIC' is not in the catalogue"),
        ({"call": CALL, "with": "000000000"}, 404, "organisation '000000000'"),
        ({"call": CALL, "country": "SE", "region": "DK01"}, 422, "contradict"),
        ({"call": CALL, "org_type": "HES", "sme": "true"}, 422, "contradict"),
        ({"call": CALL, "region": "X"}, 422, "region"),
        ({"call": CALL, "country": "S1"}, 422, "country"),
        ({}, 400, "give a call"),
        ({"text": "Wir suchen Partner für künstliche Intelligenz in der Altenpflege"}, 400, "Swedish and English"),
    ],
)
def test_bad_requests_get_clear_answers(client, params, status, message):
    response = client.get("/api/v1/partners", params=params)
    assert response.status_code == status, response.text
    assert message in response.text


def test_cli_partners_json(demo_db):
    result = CliRunner().invoke(
        main, ["--db", demo_db.url, "partners", "--call", CALL, "--with", LEAD, "--limit", "3", "--json"]
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert len(answer["results"]) == 3 and LEAD not in {r["id"] for r in answer["results"]}
    missing = CliRunner().invoke(main, ["--db", demo_db.url, "partners", "--call", "NO-SUCH-TOPIC"])
    assert missing.exit_code != 0 and "not in the catalogue" in missing.output


def test_evaluation_runs_every_method_on_the_same_held_out_projects(demo_db):
    engine = create_engine(demo_db.url)
    report = evaluate(engine, split="dev", max_cases=150)
    engine.dispose()
    methods = report["methods"]
    assert set(methods) == {
        "topic popularity",
        "co-partners + popularity",
        "finder",
        "ceiling: past partners",
        "ceiling: two hops",
    }
    assert len({m["cases"] for m in methods.values()}) == 1 and report["cases"] > 100
    recall = {name: m["recall@20"] for name, m in methods.items()}
    # the finder uses the baselines' evidence and more: it must not do worse than either
    assert recall["finder"] > recall["co-partners + popularity"]
    assert recall["finder"] > recall["topic popularity"]
    # the co-partner baseline ranks past partners only: the first ceiling bounds it, the second that
    assert recall["co-partners + popularity"] <= recall["ceiling: past partners"] <= recall["ceiling: two hops"] <= 1


def test_partner_ceilings_put_real_partners_within_reach_first(demo_db):
    """The ceilings count the real partners one hop, then two hops, from the team: check them by hand."""
    engine = create_engine(demo_db.url)
    with Session(engine) as session:
        history = History(session, Analyzer())
    engine.dispose()
    lead = int(np.argmax(history.org_projects))
    team = history.team([lead])
    shared = history.per_org_sum(
        np.bincount(history.part_project, weights=(history.part_org == lead) * 1.0, minlength=len(history.project_ids))
    )
    past = [history.org_ids[i] for i in np.flatnonzero(shared > 0) if i != lead][:3]
    stranger = history.org_ids[int(np.flatnonzero(shared == 0)[0])]
    results = {name: Recall() for name in CEILINGS}
    _ceilings(history, team, shared, {*past, stranger}, results)
    assert results["ceiling: past partners"].recall == pytest.approx(len(past) / (len(past) + 1))
    assert results["ceiling: two hops"].recall >= results["ceiling: past partners"].recall

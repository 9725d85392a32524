"""Consortium builder on the demo catalogue: real open Horizon Europe calls, real Swedish leads."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from samverkan.catalogue.countries import EU_MEMBER_STATES, HORIZON_ASSOCIATED
from samverkan.catalogue.names import name_hash, name_key
from samverkan.cli import main
from samverkan.db.models import Call
from samverkan.match import consortium, consortium_checks
from samverkan.match.eligibility import eligibility, restricted_countries

WIND = "HORIZON-CL5-2026-09-D3-03"  # IA: innovative technologies to improve wind energy systems
SPACE = "HORIZON-CL4-2026-SPACE-03-82"  # RIA, limited to member states, Norway and Iceland
ERC = "ERC-2026-ADG"
KTH = "999990946"
CHALMERS = "999980373"


def build(client, status=200, **params):
    response = client.get("/api/v1/consortium", params=params)
    assert response.status_code == status, response.text
    return response.json()


def assert_eligible(answer, countries_allowed):
    members = answer["members"]
    ids = [m["id"] for m in members]
    assert len(ids) == len(set(ids)) >= 3
    countries = {m["country"] for m in members}
    assert len(countries) >= 3 and countries <= countries_allowed
    assert countries & EU_MEMBER_STATES
    assert answer["eligible"] is True
    eligibility_checks = [c for c in answer["checks"] if c["kind"] == "eligibility"]
    assert eligibility_checks and all(c["ok"] for c in eligibility_checks)
    for m in members:  # every member explains itself
        assert m["why"] and m["fills"], m


def test_a_swedish_lead_gets_an_eligible_explained_team_for_an_open_horizon_europe_call(client):
    answer = build(client, call=WIND, lead=KTH)
    assert answer["call"]["status"] == "open" and answer["call"]["programme"] == "Horizon Europe"
    assert answer["rule"]["kind"] == "consortium" and answer["rule"]["min_countries"] == 3
    lead = answer["members"][0]
    assert (lead["id"], lead["role"], lead["country"]) == (KTH, "lead", "SE")
    assert_eligible(answer, EU_MEMBER_STATES | HORIZON_ASSOCIATED)
    assert answer["size"] == len(answer["members"])
    # an innovation action expects industry: the team has a company and an SME, and says who brought them
    roles = {m["activity_type"] for m in answer["members"]}
    assert "PRC" in roles and any(m["sme"] for m in answer["members"])
    fills = [f for m in answer["members"] for f in m["fills"]]
    assert any(f.startswith("eligibility: country 3 of 3") for f in fills)
    assert any(f.startswith("an SME") for f in fills)
    assert "wind" in answer["needs"]["themes"]
    # proposed members come from the call's field: the team's past work matches "wind"
    assert any("wind" in f for m in answer["members"][1:] for f in m["fills"])


def test_lock_and_drop_rebuild_the_team(client):
    first = build(client, call=WIND, lead=KTH, size=5)
    proposed = [m["id"] for m in first["members"] if m["role"] == "proposed"]
    assert len(first["members"]) == 5 and len(proposed) == 4
    keep, drop = proposed[-1], proposed[0]
    second = build(client, call=WIND, lead=KTH, size=5, lock=keep, drop=drop)
    by_id = {m["id"]: m for m in second["members"]}
    assert by_id[keep]["role"] == "locked" and by_id[keep]["why"].startswith("locked by you")
    assert drop not in by_id and second["dropped"] == [drop]
    assert len(second["members"]) == 5
    assert_eligible(second, EU_MEMBER_STATES | HORIZON_ASSOCIATED)


def test_a_team_of_three_still_spans_three_countries(client):
    answer = build(client, call=WIND, lead=CHALMERS, size=3)
    assert len(answer["members"]) == 3
    assert_eligible(answer, EU_MEMBER_STATES | HORIZON_ASSOCIATED)


def test_a_call_limited_to_member_states_norway_and_iceland_is_respected(client):
    answer = build(client, call=SPACE, lead=KTH)
    assert "Norway and Iceland" in answer["rule"]["restriction"]
    assert_eligible(answer, EU_MEMBER_STATES | {"NO", "IS"})
    assert any(c["check"] == "only entities from the countries the call admits" and c["ok"] for c in answer["checks"])


def test_locking_an_organisation_the_call_does_not_admit_makes_the_team_ineligible(client):
    chalmers = build(client, call=SPACE, lead=KTH, size=4, lock="999903840")  # The University of Manchester (GB)
    assert chalmers["eligible"] is False
    assert any("outside the countries this call admits" in note for note in chalmers["notes"])


def test_a_single_applicant_call_needs_no_consortium(client):
    answer = build(client, call=ERC, lead=KTH)
    assert answer["rule"]["kind"] == "single"
    assert [m["id"] for m in answer["members"]] == [KTH] and answer["eligible"] is True


def test_errors_name_the_problem(client):
    assert "NO-SUCH" in build(client, 404, call="NO-SUCH-CALL", lead=KTH)["detail"]
    assert "000000000" in build(client, 404, call=WIND, lead="000000000")["detail"]
    dropped = build(client, 422, call=WIND, lead=KTH, drop=KTH)["detail"][0]
    assert "lead cannot be dropped" in dropped["msg"] and dropped["loc"] == ["query", "drop"]
    both = build(client, 422, call=WIND, lead=KTH, lock=CHALMERS, drop=CHALMERS)["detail"][0]["msg"]
    assert "both locked and dropped" in both
    assert "smaller than" in build(client, 422, call=WIND, lead=KTH, lock=CHALMERS, size=1)["detail"][0]["msg"]
    build(client, 422, call=WIND)  # no lead: FastAPI's own validation answer


def test_cli_prints_the_team_and_the_checks(demo_db):
    result = CliRunner().invoke(main, ["--db", demo_db.url, "consortium", "--call", WIND, "--lead", KTH, "--size", "4"])
    assert result.exit_code == 0, result.output
    assert "Kungliga tekniska högskolan" in result.output and "[lead]" in result.output  # as a Swede writes it
    assert "fills: eligibility: country 2 of 3" in result.output
    assert result.output.rstrip().endswith("eligible")
    as_json = CliRunner().invoke(main, ["--db", demo_db.url, "consortium", "--call", WIND, "--lead", KTH, "--json"])
    assert json.loads(as_json.output)["eligible"] is True
    missing = CliRunner().invoke(main, ["--db", demo_db.url, "consortium", "--call", "NOPE", "--lead", KTH])
    assert missing.exit_code != 0 and "NOPE" in missing.output


# --- checks and role reasons: codes, worded in one place ----------------------------------

DEMOCRACY = "HORIZON-CL2-2026-01-DEMOCRACY-02"  # speaks of citizens and public authorities

# one example of every check the builder can produce, with the English the API has always given
CHECK_EXAMPLES = [
    ("min_entities", {"num": 3, "counted": 2, "members": 4},
     "at least 3 independent legal entities from eligible countries", "2 of 4 members count"),
    ("min_entities", {"num": 1, "counted": 1, "members": 1},
     "at least 1 independent legal entity from eligible countries", "1 of 1 members count"),
    ("min_countries", {"num": 3, "countries": ["DE", "DK"]},
     "at least 3 different member states or associated countries", "DE, DK"),
    ("min_countries", {"num": 3, "countries": []},
     "at least 3 different member states or associated countries", "none"),
    ("min_member_states", {"num": 1, "countries": ["SE"]}, "at least 1 in EU member states", "SE"),
    ("restricted_countries", {"outside": ["The University of Manchester"], "restriction": "limited to …"},
     "only entities from the countries the call admits", "outside: The University of Manchester"),
    ("restricted_countries", {"outside": [], "restriction": "limited to Member States"},
     "only entities from the countries the call admits", "limited to Member States"),
    ("further_condition", {"text": "one partner must be a port"}, "the call's further condition",
     "one partner must be a port"),
    ("role", {"need": "research", "types": ["HES", "REC"], "why": {"code": "research_action"}},
     "partner for research (HES/REC)", "the action builds on research"),
    ("role", {"need": "industry", "types": ["PRC"], "why": {"code": "innovation_action"}},
     "partner for industry (PRC)", "innovation actions bring results to the market"),
    ("role", {"need": "industry", "types": ["PRC"], "why": {"code": "industry_words", "count": 4}},
     "partner for industry (PRC)", "the call speaks of industry or companies (4 times)"),
    ("role", {"need": "public", "types": ["PUB"], "why": {"code": "public_words", "words": ["cities", "citizens"]}},
     "partner for public (PUB)", "the call speaks of cities, citizens"),
    ("sme", {}, "at least one SME", "the call expects industry"),
    ("themes_covered", {"covered": 2, "themes": 3, "missing": ["offshore wind"]},
     "the call's themes are covered by past work", "2 of 3 covered; not yet: offshore wind"),
    ("themes_covered", {"covered": 3, "themes": 3, "missing": []}, "the call's themes are covered by past work",
     "3 of 3 covered"),
    ("members_on_topic", {"near": 3, "members": 4, "far": ["ACME AB"]},
     "every member has past work near the call's subject", "3 of 4 members; no work near it: ACME AB"),
    ("independent", {}, "members are independent of each other",
     "samverkan merges duplicate records of one organisation but cannot see ownership or control"),
]  # fmt: skip


def test_every_check_code_has_its_english_worded_in_one_place():
    assert {code for code, *_ in CHECK_EXAMPLES} == set(consortium_checks.KINDS)
    for code, params, text, detail in CHECK_EXAMPLES:
        made = consortium_checks.check(code, None, **params)
        assert (made["check"], made["detail"]) == (text, detail), code
        assert made["code"] == code and made["params"] == params and made["kind"] == consortium_checks.KINDS[code]
    with pytest.raises(ValueError):
        consortium_checks.english("no_such_check", {})


def test_every_check_the_builder_makes_has_a_code_and_params_that_make_its_english(client):
    seen = set()
    for call in (WIND, SPACE, DEMOCRACY):
        for made in build(client, call=call, lead=KTH)["checks"]:
            assert made["code"] in consortium_checks.KINDS and isinstance(made["params"], dict), made
            assert made["kind"] == consortium_checks.KINDS[made["code"]]
            assert consortium_checks.english(made["code"], made["params"]) == (made["check"], made["detail"])
            seen.add(made["code"] if made["code"] != "role" else "role:" + made["params"]["why"]["code"])
    # every check and every role reason (the demo calls quote no further condition: see the examples)
    reasons = {"role:research_action", "role:innovation_action", "role:industry_words", "role:public_words"}
    assert seen == set(consortium_checks.KINDS) - {"role", "further_condition"} | reasons


def test_a_roles_reason_is_a_code_read_from_the_calls_type_and_words(monkeypatch):
    monkeypatch.setattr(consortium, "call_themes", lambda call, history: [])
    innovation = Call(id="X-IA", title="Wind", description="", types_of_action="HORIZON Innovation Actions")
    needs = consortium.call_needs(innovation, None)
    assert needs.why == {"research": {"code": "research_action"}, "industry": {"code": "innovation_action"}}
    words = "Companies and SMEs, with industry and start-ups; municipalities, cities and citizens."
    ria = "HORIZON Research and Innovation Actions"
    research = Call(id="X-RIA", title="Wind", description=words, types_of_action=ria)
    needs = consortium.call_needs(research, None)
    assert needs.why["industry"] == {"code": "industry_words", "count": 4}
    assert needs.why["public"] == {"code": "public_words", "words": ["cities", "citizens", "municipalities"]}
    assert consortium_checks.why_english(needs.why["public"]) == "the call speaks of cities, citizens, municipalities"


# --- eligibility rules, read from call texts ---------------------------------------------


@pytest.mark.parametrize(
    ("clause", "expected"),
    [
        ("Member States, Norway and Iceland", EU_MEMBER_STATES | {"NO", "IS"}),
        (
            "Member States, Iceland and Norway and the following additional associated countries: Canada, "
            "New-Zealand, United Kingdom and Switzerland",
            EU_MEMBER_STATES | {"IS", "NO", "CA", "NZ", "GB", "CH"},
        ),
        ("Member States and Associated Countries", EU_MEMBER_STATES | HORIZON_ASSOCIATED),
        ("Member States, Associated Countries, OECD and Mercosur countries", None),
    ],
)
def test_restricted_countries(clause, expected):
    assert restricted_countries(clause) == expected


def call(**fields):
    return Call(**({"id": "HORIZON-CL5-2026-01-01", "programme": "Horizon Europe", "status": "open"} | fields))


def test_rules_by_type_of_action_and_conditions():
    assert eligibility(call(types_of_action="HORIZON Research and Innovation Actions")).min_countries == 3
    assert eligibility(call(types_of_action="HORIZON JU Innovation Actions")).kind == "consortium"
    assert eligibility(call(types_of_action="HORIZON Coordination and Support Actions")).kind == "open"
    assert eligibility(call(types_of_action="HORIZON ERC Grants")).kind == "single"
    widening = eligibility(
        call(
            types_of_action="HORIZON Coordination and Support Actions",
            conditions="… at least three independent legal entities: Each established in a different Member State "
            "or Associated Country; and two of which are established in a Member State.",
        )
    )
    assert (widening.kind, widening.min_member_states, widening.source) == ("consortium", 2, "the call's conditions")
    extra = eligibility(
        call(
            types_of_action="HORIZON Innovation Actions",
            conditions="The following additional eligibility criteria apply: at least nine (9) distinct regional or "
            "local authorities must be part of the consortium. described in Annex B",
        )
    )
    assert extra.other == ("at least nine (9) distinct regional or local authorities must be part of the consortium.",)
    other = eligibility(Call(id="LIFE-2026-SAP-ENV", programme="LIFE", status="open"))
    assert other.kind == "unknown" and "not modelled" in other.text
    # Canada is associated to Pillar II only: it counts for a cluster call, not for others
    assert "CA" in eligibility(call(types_of_action="HORIZON Innovation Actions")).counting
    assert (
        "CA"
        not in eligibility(call(id="HORIZON-WIDERA-2026-01", types_of_action="HORIZON Innovation Actions")).counting
    )


def test_name_key_joins_two_spellings_of_a_lost_umlaut_but_ids_stay_stable():
    assert name_key("FRAUNHOFER GESELLSCHAFT ZUR FOERDERUNG DER ANGEWANDTEN FORSCHUNG E.V.") == name_key(
        "FRAUNHOFER GESELLSCHAFT ZUR FORDERUNG DER ANGEWANDTEN FORSCHUNG EV"
    )
    assert name_key("Université de Liège, ") == "UNIVERSITE DE LIEGE"
    assert name_key("TECHNISCHE UNIVERSITAET MUENCHEN") == name_key("Technische Universität München")
    # ids of organisations known only by name were made from the plain key: they must never change
    assert name_hash("Fraunhofer Austria Research GmbH", None) == "008a01d0fb3ad7511918e1c0e95d65cf"


# --- organisation profiles ---------------------------------------------------------------


def test_profile_counts_agree_with_the_participation_table(client, demo_db):
    from sqlalchemy import create_engine, func, select

    from samverkan.db.models import Participation

    engine = create_engine(demo_db.url)
    with engine.connect() as conn:
        projects = conn.execute(
            select(func.count(func.distinct(Participation.project_id))).where(Participation.organisation_id == KTH)
        ).scalar_one()
        coordinated = conn.execute(
            select(func.count(func.distinct(Participation.project_id))).where(
                Participation.organisation_id == KTH, Participation.role == "coordinator"
            )
        ).scalar_one()
    engine.dispose()
    response = client.get(f"/api/v1/organisations/{KTH}/profile")
    assert response.status_code == 200, response.text
    p = response.json()
    assert (p["id"], p["country"], p["activity_type"]) == (KTH, "SE", "HES")
    assert len(p["projects"]) == projects and p["roles"]["coordinator"] == coordinated
    assert p["roles"]["coordinator"] + p["roles"]["partner"] == projects
    assert sum(y["projects"] for y in p["years"]) == sum(1 for x in p["projects"] if x["year"] is not None)
    assert sum(y["new_partners"] for y in p["years"]) <= p["partner_count"]
    shared = [x["shared_projects"] for x in p["partners"]]
    assert shared == sorted(shared, reverse=True) and KTH not in {x["id"] for x in p["partners"]}
    assert sum(c["partners"] for c in p["countries"]) == p["partner_count"]
    assert p["fields"] and all(f["projects"] >= 1 for f in p["fields"])
    assert any(f["title"] == "Information and Communication Technologies" for f in p["fields"])


def test_profile_of_a_duplicate_record_is_the_merged_profile(client, demo_db):
    from sqlalchemy import create_engine, select

    from samverkan.db.models import Organisation

    engine = create_engine(demo_db.url)
    with engine.connect() as conn:
        duplicate, canonical = conn.execute(
            select(Organisation.id, Organisation.same_as_id)
            .where(Organisation.same_as_id.is_not(None))
            .order_by(Organisation.id)
            .limit(1)
        ).one()
    engine.dispose()
    merged = client.get(f"/api/v1/organisations/{duplicate}/profile").json()
    assert merged["id"] == canonical and duplicate in merged["aliases"]
    assert client.get(f"/api/v1/organisations/{canonical}/profile").json() == merged
    missing = client.get("/api/v1/organisations/000000000/profile")
    assert missing.status_code == 404 and "000000000" in missing.json()["detail"]


def test_cli_profile(demo_db):
    result = CliRunner().invoke(main, ["--db", demo_db.url, "profile", KTH])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Kungliga tekniska högskolan (999990946) SE HES")
    assert "coordinated" in result.output and "fields:" in result.output

"""The command line of accounts: `samverkan user …` and `samverkan org …`, over a real database,
printing JSON, with clear errors; `tenant create` keeps its contract."""

from __future__ import annotations

import json

from click.testing import CliRunner
from fastapi.testclient import TestClient

from samverkan.cli import main
from samverkan.settings import load_settings
from samverkan.web import create_app
from tests.accounts.conftest import PASSWORD
from tests.conftest import TESTSERVER

ANNA = "anna@vgregion.se"


def run(db_url: str, *args: str, stdin: str | None = None):
    return CliRunner().invoke(main, ["--db", db_url, *args], input=stdin, catch_exceptions=False)


def lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_users_are_created_listed_disabled_and_signed_out(db_url, tmp_path):
    made = run(db_url, "user", "create", ANNA, "--name", "Anna", "--password-stdin", "--confirmed",
               "--language", "en", stdin=PASSWORD + "\n")  # fmt: skip
    assert made.exit_code == 0, made.output
    person = json.loads(made.output)
    assert person["email"] == ANNA and person["confirmed"] and person["language"] == "en"
    assert "password" not in made.output and PASSWORD not in made.output
    again = run(db_url, "user", "create", ANNA, "--name", "Anna", "--password-stdin", stdin=PASSWORD + "\n")
    assert again.exit_code == 1 and "already has an account" in again.output
    short = run(db_url, "user", "create", "bo@boras.se", "--name", "Bo", "--password-stdin", stdin="kort\n")
    assert short.exit_code == 1 and "password: at least 10 characters" in short.output
    prompted = run(db_url, "user", "create", "bo@boras.se", "--name", "Bo", stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert prompted.exit_code == 0 and json.loads(prompted.output.splitlines()[-1])["confirmed"] is False

    web = create_app(load_settings(db=db_url, public_url=TESTSERVER, mail_dir=tmp_path))
    browser = TestClient(web)
    form = browser.get("/account/sign-in").text.split('name="csrf" value="')[1].split('"')[0]
    assert browser.post("/account/sign-in", data={"email": ANNA, "password": PASSWORD, "csrf": form}).status_code == 200
    assert browser.get("/api/v1/me").json()["via"] == "session"

    sessions = lines(run(db_url, "user", "sessions", ANNA).output)
    assert len(sessions) == 1 and set(sessions[0]) >= {"id", "created_at", "seen_at", "user_agent"}
    assert json.loads(run(db_url, "user", "revoke-sessions", ANNA).output) == {"revoked": 1}
    assert browser.get("/api/v1/me").json()["via"] == "public"
    assert [u["email"] for u in lines(run(db_url, "user", "list").output)] == [ANNA, "bo@boras.se"]
    disabled = json.loads(run(db_url, "user", "disable", ANNA).output)
    assert disabled["disabled"] is True
    refused = browser.post("/account/sign-in", data={"email": ANNA, "password": PASSWORD, "csrf": form})
    assert refused.status_code == 403
    assert run(db_url, "user", "disable", "nobody@example.se").exit_code == 1
    web.state.samverkan.close()


def test_organisations_are_created_with_a_token_and_members_managed(db_url):
    run(db_url, "user", "create", ANNA, "--name", "Anna", "--password-stdin", "--confirmed", stdin=PASSWORD + "\n")
    made = run(db_url, "org", "create", "alfa", "--name", "Alfa kommun", "--admin", ANNA)
    assert made.exit_code == 0, made.output
    created = json.loads(made.output)
    assert created["tenant"] == "alfa" and created["token"].startswith("svk_")
    tenant = json.loads(run(db_url, "tenant", "create", "beta", "--name", "Beta").output)
    assert set(tenant) == {"tenant", "token"}  # the contract of tenant create is unchanged
    assert [(o["slug"], o["members"]) for o in lines(run(db_url, "org", "list").output)] == [("alfa", 1), ("beta", 0)]

    run(db_url, "user", "create", "bo@boras.se", "--name", "Bo", "--password-stdin", "--confirmed",
        stdin=PASSWORD + "\n")  # fmt: skip
    added = json.loads(run(db_url, "org", "add", "alfa", "bo@boras.se", "--role", "editor").output)
    assert added["role"] == "editor"
    members = lines(run(db_url, "org", "members", "alfa").output)
    assert {(m["email"], m["role"]) for m in members} == {(ANNA, "admin"), ("bo@boras.se", "editor")}
    last = run(db_url, "org", "remove", "alfa", ANNA)
    assert last.exit_code == 1 and "at least one administrator" in last.output
    assert run(db_url, "org", "remove", "alfa", "bo@boras.se").exit_code == 0
    unknown = run(db_url, "org", "add", "alfa", "nobody@example.se")
    assert unknown.exit_code == 1 and "no person" in unknown.output
    bad_slug = run(db_url, "org", "create", "Not A Slug", "--name", "X")
    assert bad_slug.exit_code == 1 and "slug" in bad_slug.output
    link = run(db_url, "org", "link", "alfa", "999874649")
    assert link.exit_code == 1 and "no organisation '999874649' in the catalogue" in link.output
    assert json.loads(run(db_url, "org", "link", "alfa", "").output)["organisation"] is None

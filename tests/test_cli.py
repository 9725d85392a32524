"""The command line: thin over the library, clear errors, no tracebacks."""

from __future__ import annotations

import json

from click.testing import CliRunner

from samverkan.cli import main
from tests.importers.helpers import ORG_HEADER, write_csv


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_import_prints_a_summary_and_json(db_url, demo_dir):
    result = run("--db", db_url, "import", "calls", str(demo_dir / "calls"), "--as-of", "2026-08-12")
    assert result.exit_code == 0
    assert "calls" in result.output and "1,186" in result.output and "1,815" in result.output  # topics read
    again = run("--db", db_url, "import", "calls", str(demo_dir / "calls"), "--json")
    counts = json.loads(again.output)["counts"]["calls"]
    assert counts == {"read": 1186, "inserted": 0, "updated": 0, "unchanged": 1186, "rejected": 0}
    bad = run("--db", db_url, "import", "calls", str(demo_dir / "calls"), "--as-of", "12 August")
    assert bad.exit_code == 2 and "--as-of" in bad.output


def test_bad_input_exits_non_zero_with_a_message(db_url, tmp_path):
    write_csv(tmp_path / "organization.csv", ORG_HEADER.replace("organisationID;", ""), [])
    result = run("--db", db_url, "import", "cordis", str(tmp_path))
    assert result.exit_code == 1
    assert "organisationID" in result.output and "Traceback" not in result.output


def test_a_bad_database_url_is_a_message(tmp_path):
    result = run("--db", "mysql://nowhere", "stats")
    assert result.exit_code == 1 and "unsupported database URL" in result.output


def test_search_show_and_stats(demo_db):
    result = run("--db", demo_db.url, "search", "Wellcome Trust", "--kind", "organisation", "--json")
    assert json.loads(result.output)["results"][0]["id"] == "999905974"
    human = run("--db", demo_db.url, "search", "Wellcome Trust", "--kind", "organisation")
    assert "999905974" in human.output and "matched: wellcome, trust" in human.output
    empty = run("--db", demo_db.url, "search", "  ")
    assert empty.exit_code == 1 and "empty" in empty.output
    shown = json.loads(run("--db", demo_db.url, "show", "organisation", "999905974").output)
    assert shown["name"] == "THE WELLCOME TRUST LIMITED"
    stats = json.loads(run("--db", demo_db.url, "stats", "--json").output)
    assert stats["projects"] >= 7775


def test_demo_is_loaded_once(demo_copy):
    result = run("--db", demo_copy, "demo")
    assert result.exit_code == 0 and "already loaded" in result.output


def test_an_unreachable_database_is_a_message():
    result = run("--db", "postgresql://nobody@127.0.0.1:9/none", "stats")
    assert result.exit_code == 1 and "database error" in result.output and "Traceback" not in result.output


def test_a_missing_file_is_a_message(db_url, tmp_path):
    result = run("--db", db_url, "import", "calls", str(tmp_path / "missing.jsonl"))
    assert result.exit_code == 1 and "no such file or folder" in result.output


def test_tenant_create_prints_the_tenant_and_a_token_that_works(db_url):
    result = run("--db", db_url, "tenant", "create", "boras-stad", "--name", "Borås Stad")
    assert result.exit_code == 0
    created = json.loads(result.output)
    assert created["tenant"] == "boras-stad" and created["token"].startswith("svk_")
    again = run("--db", db_url, "tenant", "create", "boras-stad", "--name", "Borås Stad")
    assert again.exit_code == 1 and "already exists" in again.output
    bad = run("--db", db_url, "tenant", "create", "Borås!", "--name", "x")
    assert bad.exit_code == 1 and "invalid tenant slug" in bad.output
    token = json.loads(run("--db", db_url, "tenant", "token", "boras-stad", "--scope", "write").output)
    assert token["scope"] == "write" and token["token"] != created["token"]
    listed = [json.loads(line) for line in run("--db", db_url, "tenant", "tokens", "boras-stad").output.splitlines()]
    assert [t["scope"] for t in listed] == ["admin", "write"] and all("token" not in t for t in listed)
    revoked = json.loads(run("--db", db_url, "tenant", "revoke", "boras-stad", str(token["id"])).output)
    assert revoked["revoked_at"] is not None

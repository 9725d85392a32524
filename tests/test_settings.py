"""Settings are built (not imported), env-driven, validated and documented."""

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from samverkan.settings import Settings, load_settings

README = Path(__file__).resolve().parents[1] / "README.md"


def test_default_database_is_an_embedded_sqlite_file(monkeypatch):
    monkeypatch.delenv("SAMVERKAN_DB", raising=False)
    settings = load_settings()
    assert settings.db.startswith("sqlite:///") and settings.db.endswith("samverkan.sqlite")


def test_environment_and_explicit_values(monkeypatch):
    monkeypatch.setenv("SAMVERKAN_DB", "postgresql://u@h/db")
    monkeypatch.setenv("SAMVERKAN_PORT", "8123")
    assert load_settings().db == "postgresql://u@h/db"
    assert load_settings().port == 8123
    assert load_settings(db="sqlite:///x.sqlite").db == "sqlite:///x.sqlite"  # a CLI flag wins


def test_a_flag_beats_the_environment_and_a_flag_not_given_leaves_it(monkeypatch, db_url):
    """The order settings.py states: command-line flag, then environment, then default."""
    from click.testing import CliRunner

    from samverkan.cli import main

    env = {"SAMVERKAN_DB": "mysql://nowhere"}
    unflagged = CliRunner().invoke(main, ["stats"], env=env)
    assert unflagged.exit_code == 1 and "unsupported database URL" in unflagged.output
    flagged = CliRunner().invoke(main, ["--db", db_url, "stats", "--json"], env=env)
    assert flagged.exit_code == 0, flagged.output
    monkeypatch.setenv("SAMVERKAN_PORT", "8123")
    monkeypatch.delenv("SAMVERKAN_HOST", raising=False)
    settings = load_settings(port=9000, host=None)  # serve --port 9000, no --host
    assert (settings.port, settings.host) == (9000, "127.0.0.1")
    assert load_settings(port=None).port == 8123


def test_settings_pass_to_another_process_through_the_environment(monkeypatch, tmp_path):
    """What ``serve --workers`` hands its web workers: the same settings, flags included."""
    settings = load_settings(db="postgresql://u@h/db", port=8123, workers=3, today="2026-08-12", mqtt_dir=tmp_path)
    for name, value in settings.environment().items():
        monkeypatch.setenv(name, value)
    assert load_settings() == settings


def test_invalid_values_fail_loudly(monkeypatch):
    with pytest.raises(ValidationError, match="unsupported database URL"):
        load_settings(db="mysql://x")
    monkeypatch.setenv("SAMVERKAN_PORT", "0")
    with pytest.raises(ValidationError):
        load_settings()


def test_every_setting_is_documented_in_the_readme():
    text = README.read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `SAMVERKAN_([A-Z_]+)` \|", text, re.M))
    fields = {name.upper() for name in Settings.model_fields}
    assert fields <= documented, f"undocumented settings: {sorted(fields - documented)}"
    assert documented <= fields, f"documented but unknown: {sorted(documented - fields)}"

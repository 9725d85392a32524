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

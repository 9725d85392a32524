"""Typed settings: environment (``SAMVERKAN_*``) > explicit arguments > defaults.

Settings are *built*, never imported as a singleton: the CLI and :func:`samverkan.web.create_app`
call :func:`load_settings` once and pass the object down.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import platformdirs
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def data_folder() -> Path:
    return Path(platformdirs.user_data_dir("samverkan", appauthor=False))


def default_database_url() -> str:
    """The embedded default: a SQLite file in the user's data directory."""
    return f"sqlite:///{data_folder() / 'samverkan.sqlite'}"


class Settings(BaseSettings):
    """All settings of samverkan. Every field is documented in README.md (a test checks)."""

    model_config = SettingsConfigDict(env_prefix="SAMVERKAN_", extra="forbid", frozen=True)

    db: str = Field(
        default_factory=default_database_url,
        description="Database URL: sqlite:///PATH or postgresql://USER@HOST/DB.",
    )
    host: str = Field(default="127.0.0.1", description="Address the web server binds to.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port the web server listens on.")
    search_max_query_chars: int = Field(
        default=20_000, ge=1, description="Longest accepted search query, in characters."
    )
    search_max_limit: int = Field(default=100, ge=1, le=1000, description="Largest accepted `limit` of a search.")
    search_dense: bool = Field(
        default=True, description="Fuse dense (embedding) results with BM25 where embeddings are stored."
    )

    sta_max_top: int = Field(
        default=10_000, ge=1, description="Largest `$top` a SensorThings request may ask for (the default is 100)."
    )
    sta_max_batch: int = Field(
        default=100_000, ge=1, description="Most observations accepted in one `CreateObservations` request."
    )
    sta_max_body_bytes: int = Field(
        default=64 * 1024 * 1024, ge=1024, description="Largest accepted SensorThings request body, in bytes."
    )

    mqtt_port: int = Field(
        default=1884,
        ge=0,
        le=65535,
        description="Port of the MQTT broker `serve` starts for devices (0: none). Not MQTT's usual 1883, which a "
        "system broker may hold.",
    )
    mqtt_dir: Path | None = Field(
        default=None,
        description="Folder of the broker's generated files and queued messages (default: one folder per database "
        "under the user data directory).",
    )

    @property
    def mqtt_runtime_dir(self) -> Path:
        """Where the broker keeps its files: one folder per database, so queued messages are only
        ever delivered to the database they were published for."""
        if self.mqtt_dir is not None:
            return self.mqtt_dir
        return data_folder() / "mqtt" / hashlib.sha256(self.db.encode()).hexdigest()[:16]

    @field_validator("db")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "sqlite+", "postgresql:", "postgresql+", "postgres:")):
            raise ValueError(f"unsupported database URL {value!r}: use sqlite:///PATH or postgresql://USER@HOST/DB")
        return value


def load_settings(**overrides: object) -> Settings:
    """Build settings; explicit ``overrides`` (e.g. from CLI flags) win over the environment."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**clean)

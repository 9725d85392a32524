"""data space: tenants, tokens, SensorThings entities, observations, roll-ups, shares, audit

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 08:33:40.298424
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ds_tenants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=40), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("organisation_id", sa.String(length=64), nullable=True, comment="the organisation in the catalogue"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ds_tenants")),
        sa.UniqueConstraint("slug", name=op.f("uq_ds_tenants_slug")),
    )
    op.create_table(
        "ds_audit",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=40), nullable=False, comment="tenant slug, or 'public'"),
        sa.Column("action", sa.String(length=16), nullable=False, comment="share, revoke or read"),
        sa.Column("datastream_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["ds_tenants.id"], name=op.f("fk_ds_audit_owner_id_ds_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ds_audit")),
    )
    with op.batch_alter_table("ds_audit", schema=None) as batch_op:
        batch_op.create_index("ix_ds_audit_owner_id_at", ["owner_id", "at"], unique=False)

    op.create_table(
        "ds_locations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("encoding_type", sa.String(length=100), nullable=False),
        sa.Column("location", sa.JSON(), nullable=False),
        sa.Column("properties", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["ds_tenants.id"], name=op.f("fk_ds_locations_tenant_id_ds_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ds_locations")),
    )
    with op.batch_alter_table("ds_locations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ds_locations_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "ds_observed_properties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("properties", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["ds_tenants.id"],
            name=op.f("fk_ds_observed_properties_tenant_id_ds_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ds_observed_properties")),
    )
    with op.batch_alter_table("ds_observed_properties", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ds_observed_properties_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "ds_sensors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("encoding_type", sa.String(length=100), nullable=False),
        sa.Column("metadata", sa.Text(), nullable=False),
        sa.Column("properties", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["ds_tenants.id"], name=op.f("fk_ds_sensors_tenant_id_ds_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ds_sensors")),
    )
    with op.batch_alter_table("ds_sensors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ds_sensors_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "ds_things",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("properties", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["ds_tenants.id"], name=op.f("fk_ds_things_tenant_id_ds_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ds_things")),
    )
    with op.batch_alter_table("ds_things", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ds_things_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "ds_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False, comment="sha256 hex of the token"),
        sa.Column("prefix", sa.String(length=16), nullable=False, comment="first characters, to recognise a token"),
        sa.Column("scope", sa.String(length=8), nullable=False, comment="read, write or admin"),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["ds_tenants.id"], name=op.f("fk_ds_tokens_tenant_id_ds_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ds_tokens")),
        sa.UniqueConstraint("digest", name=op.f("uq_ds_tokens_digest")),
    )
    with op.batch_alter_table("ds_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ds_tokens_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "ds_datastreams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("thing_id", sa.Integer(), nullable=False),
        sa.Column("sensor_id", sa.Integer(), nullable=False),
        sa.Column("observed_property_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("unit_of_measurement", sa.JSON(), nullable=False),
        sa.Column("observation_type", sa.Text(), nullable=False),
        sa.Column("observed_area", sa.JSON(), nullable=True),
        sa.Column("properties", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["observed_property_id"],
            ["ds_observed_properties.id"],
            name=op.f("fk_ds_datastreams_observed_property_id_ds_observed_properties"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sensor_id"], ["ds_sensors.id"], name=op.f("fk_ds_datastreams_sensor_id_ds_sensors"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["ds_tenants.id"], name=op.f("fk_ds_datastreams_tenant_id_ds_tenants"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["thing_id"], ["ds_things.id"], name=op.f("fk_ds_datastreams_thing_id_ds_things"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ds_datastreams")),
    )
    with op.batch_alter_table("ds_datastreams", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ds_datastreams_observed_property_id"), ["observed_property_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_ds_datastreams_sensor_id"), ["sensor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ds_datastreams_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ds_datastreams_thing_id"), ["thing_id"], unique=False)

    op.create_table(
        "ds_features",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("encoding_type", sa.String(length=100), nullable=False),
        sa.Column("feature", sa.JSON(), nullable=False),
        sa.Column("properties", sa.JSON(), nullable=True),
        sa.Column("location_id", sa.Integer(), nullable=True, comment="set when generated from a Thing's Location"),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["ds_locations.id"],
            name=op.f("fk_ds_features_location_id_ds_locations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["ds_tenants.id"], name=op.f("fk_ds_features_tenant_id_ds_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ds_features")),
    )
    with op.batch_alter_table("ds_features", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ds_features_location_id"), ["location_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ds_features_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "ds_historical_locations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("thing_id", sa.Integer(), nullable=False),
        sa.Column("time", sa.BigInteger(), nullable=False, comment="ms since the epoch, UTC"),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["ds_tenants.id"],
            name=op.f("fk_ds_historical_locations_tenant_id_ds_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["thing_id"],
            ["ds_things.id"],
            name=op.f("fk_ds_historical_locations_thing_id_ds_things"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ds_historical_locations")),
    )
    with op.batch_alter_table("ds_historical_locations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ds_historical_locations_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ds_historical_locations_thing_id"), ["thing_id"], unique=False)

    op.create_table(
        "ds_thing_locations",
        sa.Column("thing_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["ds_locations.id"],
            name=op.f("fk_ds_thing_locations_location_id_ds_locations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["thing_id"], ["ds_things.id"], name=op.f("fk_ds_thing_locations_thing_id_ds_things"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("thing_id", "location_id", name=op.f("pk_ds_thing_locations")),
    )
    with op.batch_alter_table("ds_thing_locations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ds_thing_locations_location_id"), ["location_id"], unique=False)

    op.create_table(
        "ds_datastream_features",
        sa.Column("datastream_id", sa.Integer(), nullable=False),
        sa.Column("feature_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["datastream_id"],
            ["ds_datastreams.id"],
            name=op.f("fk_ds_datastream_features_datastream_id_ds_datastreams"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["feature_id"],
            ["ds_features.id"],
            name=op.f("fk_ds_datastream_features_feature_id_ds_features"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("datastream_id", "feature_id", name=op.f("pk_ds_datastream_features")),
    )
    with op.batch_alter_table("ds_datastream_features", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ds_datastream_features_feature_id"), ["feature_id"], unique=False)

    op.create_table(
        "ds_historical_location_locations",
        sa.Column("historical_location_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["historical_location_id"],
            ["ds_historical_locations.id"],
            name=op.f("fk_ds_historical_location_locations_historical_location_id_ds_historical_locations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["ds_locations.id"],
            name=op.f("fk_ds_historical_location_locations_location_id_ds_locations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "historical_location_id", "location_id", name=op.f("pk_ds_historical_location_locations")
        ),
    )
    with op.batch_alter_table("ds_historical_location_locations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ds_historical_location_locations_location_id"), ["location_id"], unique=False
        )

    op.create_table(
        "ds_observations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("datastream_id", sa.Integer(), nullable=False),
        sa.Column(
            "phenomenon_time", sa.BigInteger(), nullable=False, comment="ms since the epoch, UTC (interval start)"
        ),
        sa.Column("phenomenon_time_end", sa.BigInteger(), nullable=True, comment="interval end, ms"),
        sa.Column("result_time", sa.BigInteger(), nullable=True),
        sa.Column("result", sa.Float(), nullable=True, comment="a numeric result"),
        sa.Column("result_json", sa.JSON(), nullable=True, comment="any other result (text, boolean, object)"),
        sa.Column("feature_id", sa.Integer(), nullable=False),
        sa.Column("result_quality", sa.JSON(), nullable=True),
        sa.Column("valid_time_start", sa.BigInteger(), nullable=True),
        sa.Column("valid_time_end", sa.BigInteger(), nullable=True),
        sa.Column("parameters", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["datastream_id"],
            ["ds_datastreams.id"],
            name=op.f("fk_ds_observations_datastream_id_ds_datastreams"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["feature_id"],
            ["ds_features.id"],
            name=op.f("fk_ds_observations_feature_id_ds_features"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ds_observations")),
        sa.UniqueConstraint(
            "datastream_id", "phenomenon_time", name=op.f("uq_ds_observations_datastream_id_phenomenon_time")
        ),
    )
    with op.batch_alter_table("ds_observations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ds_observations_feature_id"), ["feature_id"], unique=False)

    op.create_table(
        "ds_rollups",
        sa.Column("datastream_id", sa.Integer(), nullable=False),
        sa.Column("hour", sa.BigInteger(), nullable=False, comment="hour start, ms since the epoch"),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("minimum", sa.Float(), nullable=False),
        sa.Column("maximum", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["datastream_id"],
            ["ds_datastreams.id"],
            name=op.f("fk_ds_rollups_datastream_id_ds_datastreams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("datastream_id", "hour", name=op.f("pk_ds_rollups")),
    )
    op.create_table(
        "ds_shares",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("datastream_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("grantee_id", sa.Integer(), nullable=True, comment="NULL: public"),
        sa.Column("level", sa.String(length=8), nullable=False, comment="raw, hourly or daily"),
        sa.Column("licence", sa.Text(), nullable=True, comment="licence URI of a public share"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["datastream_id"],
            ["ds_datastreams.id"],
            name=op.f("fk_ds_shares_datastream_id_ds_datastreams"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["grantee_id"], ["ds_tenants.id"], name=op.f("fk_ds_shares_grantee_id_ds_tenants"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["ds_tenants.id"], name=op.f("fk_ds_shares_owner_id_ds_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ds_shares")),
    )
    with op.batch_alter_table("ds_shares", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ds_shares_datastream_id"), ["datastream_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ds_shares_grantee_id"), ["grantee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ds_shares_owner_id"), ["owner_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ds_shares", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ds_shares_owner_id"))
        batch_op.drop_index(batch_op.f("ix_ds_shares_grantee_id"))
        batch_op.drop_index(batch_op.f("ix_ds_shares_datastream_id"))

    op.drop_table("ds_shares")
    op.drop_table("ds_rollups")
    with op.batch_alter_table("ds_observations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ds_observations_feature_id"))

    op.drop_table("ds_observations")
    with op.batch_alter_table("ds_historical_location_locations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ds_historical_location_locations_location_id"))

    op.drop_table("ds_historical_location_locations")
    with op.batch_alter_table("ds_datastream_features", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ds_datastream_features_feature_id"))

    op.drop_table("ds_datastream_features")
    with op.batch_alter_table("ds_thing_locations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ds_thing_locations_location_id"))

    op.drop_table("ds_thing_locations")
    with op.batch_alter_table("ds_historical_locations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ds_historical_locations_thing_id"))
        batch_op.drop_index(batch_op.f("ix_ds_historical_locations_tenant_id"))

    op.drop_table("ds_historical_locations")
    with op.batch_alter_table("ds_features", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ds_features_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_ds_features_location_id"))

    op.drop_table("ds_features")
    with op.batch_alter_table("ds_datastreams", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ds_datastreams_thing_id"))
        batch_op.drop_index(batch_op.f("ix_ds_datastreams_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_ds_datastreams_sensor_id"))
        batch_op.drop_index(batch_op.f("ix_ds_datastreams_observed_property_id"))

    op.drop_table("ds_datastreams")
    with op.batch_alter_table("ds_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ds_tokens_tenant_id"))

    op.drop_table("ds_tokens")
    with op.batch_alter_table("ds_things", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ds_things_tenant_id"))

    op.drop_table("ds_things")
    with op.batch_alter_table("ds_sensors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ds_sensors_tenant_id"))

    op.drop_table("ds_sensors")
    with op.batch_alter_table("ds_observed_properties", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ds_observed_properties_tenant_id"))

    op.drop_table("ds_observed_properties")
    with op.batch_alter_table("ds_locations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ds_locations_tenant_id"))

    op.drop_table("ds_locations")
    with op.batch_alter_table("ds_audit", schema=None) as batch_op:
        batch_op.drop_index("ix_ds_audit_owner_id_at")

    op.drop_table("ds_audit")
    op.drop_table("ds_tenants")

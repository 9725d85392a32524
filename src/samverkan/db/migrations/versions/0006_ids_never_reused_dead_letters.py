"""ids are never reused (SQLite AUTOINCREMENT); rejected MQTT messages kept per tenant; interval ends indexed

Revision ID: 0006
Revises: 0005

Without AUTOINCREMENT, SQLite gives a new row the largest id in its table plus one, so the id
of the newest datastream came back after it was deleted — and a device's queued messages for
the old one landed in whichever tenant's datastream got the id next. Every data-space table
with a numeric id is rebuilt with AUTOINCREMENT (SQLite then never hands out an id again; the
rebuild copies the rows, and the table's high-water mark starts at its largest id). PostgreSQL
takes ids from sequences, which never go back.

The rebuild needs SQLite's foreign keys off (dropping the old table would otherwise cascade
into its children): :func:`samverkan.db.migrate.upgrade` runs migrations that way on SQLite and
checks every foreign key before it commits.

``ds_dead_letters`` keeps the MQTT messages the ingester could not store, with the reason,
for their tenant to read (``GET /api/v1/dead-letters``).
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

NUMBERED = (
    "ds_tenants",
    "ds_tokens",
    "ds_things",
    "ds_locations",
    "ds_historical_locations",
    "ds_sensors",
    "ds_observed_properties",
    "ds_datastreams",
    "ds_features",
    "ds_observations",
    "ds_shares",
    "ds_audit",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in NUMBERED:
            with op.batch_alter_table(
                table, recreate="always", table_kwargs={"sqlite_autoincrement": True}
            ) as batch_op:
                batch_op.alter_column("id", existing_type=sa.Integer(), autoincrement=True)
    # the latest end of a datastream's interval observations, without scanning its rows; only
    # rows with an end are in it, so instants (nearly every row) cost the insert nothing
    op.create_index(
        "ix_ds_observations_interval_end",
        "ds_observations",
        ["datastream_id", "phenomenon_time_end"],
        unique=False,
        sqlite_where=sa.text("phenomenon_time_end IS NOT NULL"),
        postgresql_where=sa.text("phenomenon_time_end IS NOT NULL"),
    )
    op.create_table(
        "ds_dead_letters",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=True, comment="the datastream's owner; NULL if unknown"),
        sa.Column("datastream_id", sa.BigInteger(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False, comment="the start of the message, as text"),
        sa.Column("size", sa.Integer(), nullable=False, comment="bytes of the whole message"),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["ds_tenants.id"],
            name=op.f("fk_ds_dead_letters_tenant_id_ds_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ds_dead_letters")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("ds_dead_letters", schema=None) as batch_op:
        batch_op.create_index("ix_ds_dead_letters_tenant_id_id", ["tenant_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ds_dead_letters", schema=None) as batch_op:
        batch_op.drop_index("ix_ds_dead_letters_tenant_id_id")
    op.drop_table("ds_dead_letters")
    op.drop_index("ix_ds_observations_interval_end", table_name="ds_observations")
    if op.get_bind().dialect.name == "sqlite":
        for table in NUMBERED:
            with op.batch_alter_table(
                table, recreate="always", table_kwargs={"sqlite_autoincrement": False}
            ) as batch_op:
                batch_op.alter_column("id", existing_type=sa.Integer())

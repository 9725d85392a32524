"""observations: no per-row foreign keys or feature index; PostgreSQL: partitioned by year

Revision ID: 0005
Revises: 0004

Checking two parents and keeping a second index for every inserted row cost as much as the
insert itself. The datastreams and features of a batch are now checked once per batch inside
the write transaction (``observations.store``), and deletes remove dependent observations
explicitly (``Writer.delete``).

On PostgreSQL the table is rebuilt as a table partitioned by range of ``phenomenon_time``: one
partition per year from 2000 to 2039 (more are added at start-up as years pass, see
``samverkan.db.partitions``), one for earlier times and a default one. Existing rows are copied;
ids keep coming from the same sequence.
"""

import sqlalchemy as sa
from alembic import op

from samverkan.db import partitions

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

DATASTREAM = "a ds_datastreams.id, checked per batch"
FEATURE = "a ds_features.id, checked per batch"


def _columns(identity: sa.TextClause) -> list[sa.Column]:
    return [
        sa.Column("id", sa.BigInteger(), nullable=False, server_default=identity, autoincrement=False),
        sa.Column("datastream_id", sa.Integer(), nullable=False, comment=DATASTREAM),
        sa.Column(
            "phenomenon_time", sa.BigInteger(), nullable=False, comment="ms since the epoch, UTC (interval start)"
        ),
        sa.Column("phenomenon_time_end", sa.BigInteger(), nullable=True, comment="interval end, ms"),
        sa.Column("result_time", sa.BigInteger(), nullable=True),
        sa.Column("result", sa.Float(), nullable=True, comment="a numeric result"),
        sa.Column("result_json", sa.JSON(), nullable=True, comment="any other result (text, boolean, object)"),
        sa.Column("feature_id", sa.Integer(), nullable=False, comment=FEATURE),
        sa.Column("result_quality", sa.JSON(), nullable=True),
        sa.Column("valid_time_start", sa.BigInteger(), nullable=True),
        sa.Column("valid_time_end", sa.BigInteger(), nullable=True),
        sa.Column("parameters", sa.JSON(), nullable=True),
    ]


def upgrade() -> None:
    # which datastreams refer to a feature now finds a feature's observations (no index of its
    # own): a link changed by PATCH before this revision was not noted there
    op.execute(
        "INSERT INTO ds_datastream_features (datastream_id, feature_id) SELECT DISTINCT datastream_id, feature_id "
        "FROM ds_observations WHERE true ON CONFLICT DO NOTHING"
    )
    if op.get_bind().dialect.name == "postgresql":
        _partition_postgresql()
        return
    with op.batch_alter_table("ds_observations", schema=None) as batch_op:
        batch_op.drop_index("ix_ds_observations_feature_id")
        batch_op.drop_constraint("fk_ds_observations_datastream_id_ds_datastreams", type_="foreignkey")
        batch_op.drop_constraint("fk_ds_observations_feature_id_ds_features", type_="foreignkey")
        batch_op.alter_column("datastream_id", existing_type=sa.Integer(), comment=DATASTREAM)
        batch_op.alter_column("feature_id", existing_type=sa.Integer(), comment=FEATURE)


def _partition_postgresql() -> None:
    op.execute("ALTER TABLE ds_observations RENAME TO ds_observations_old")
    op.execute("ALTER INDEX pk_ds_observations RENAME TO pk_ds_observations_old")
    op.execute(
        "ALTER TABLE ds_observations_old RENAME CONSTRAINT uq_ds_observations_datastream_id_phenomenon_time "
        "TO uq_ds_observations_old"
    )
    op.execute("ALTER SEQUENCE ds_observations_id_seq OWNED BY NONE")
    op.create_table(
        "ds_observations",
        *_columns(sa.text("nextval('ds_observations_id_seq'::regclass)")),
        sa.PrimaryKeyConstraint("id", "phenomenon_time", name="pk_ds_observations"),
        sa.UniqueConstraint(
            "datastream_id", "phenomenon_time", name="uq_ds_observations_datastream_id_phenomenon_time"
        ),
        postgresql_partition_by="RANGE (phenomenon_time)",
    )
    parent = partitions.PARENT
    first = partitions.year_start(partitions.FIRST_YEAR)
    op.execute(f"CREATE TABLE {partitions.BEFORE} PARTITION OF {parent} FOR VALUES FROM (MINVALUE) TO ({first})")
    for year in range(partitions.FIRST_YEAR, partitions.CREATED_THROUGH + 1):
        op.execute(f"CREATE TABLE {partitions.name(year)} PARTITION OF {parent} {partitions.bounds(year)}")
    op.execute(f"CREATE TABLE {partitions.DEFAULT} PARTITION OF {parent} DEFAULT")
    op.execute(f"INSERT INTO {parent} SELECT * FROM ds_observations_old")
    op.execute("DROP TABLE ds_observations_old")
    op.execute(f"ALTER SEQUENCE ds_observations_id_seq OWNED BY {parent}.id")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER SEQUENCE ds_observations_id_seq OWNED BY NONE")
        op.execute("ALTER TABLE ds_observations RENAME TO ds_observations_parted")
        op.execute("ALTER INDEX pk_ds_observations RENAME TO pk_ds_observations_parted")
        op.execute("ALTER INDEX uq_ds_observations_datastream_id_phenomenon_time RENAME TO uq_ds_observations_parted")
        op.create_table(
            "ds_observations",
            *_columns(sa.text("nextval('ds_observations_id_seq'::regclass)")),
            sa.PrimaryKeyConstraint("id", name="pk_ds_observations"),
            sa.UniqueConstraint(
                "datastream_id", "phenomenon_time", name="uq_ds_observations_datastream_id_phenomenon_time"
            ),
        )
        op.execute("INSERT INTO ds_observations SELECT * FROM ds_observations_parted")
        op.execute("DROP TABLE ds_observations_parted")
        op.execute("ALTER SEQUENCE ds_observations_id_seq OWNED BY ds_observations.id")
    # the foreign keys come back only where every observation still has its parents
    op.execute(
        "DELETE FROM ds_observations WHERE datastream_id NOT IN (SELECT id FROM ds_datastreams) "
        "OR feature_id NOT IN (SELECT id FROM ds_features)"
    )
    with op.batch_alter_table("ds_observations", schema=None) as batch_op:
        batch_op.create_foreign_key(
            "fk_ds_observations_datastream_id_ds_datastreams",
            "ds_datastreams",
            ["datastream_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_foreign_key(
            "fk_ds_observations_feature_id_ds_features", "ds_features", ["feature_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.create_index("ix_ds_observations_feature_id", ["feature_id"], unique=False)
        batch_op.alter_column("datastream_id", existing_type=sa.Integer(), comment=None)
        batch_op.alter_column("feature_id", existing_type=sa.Integer(), comment=None)

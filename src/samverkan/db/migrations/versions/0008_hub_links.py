"""hubs: a full title beside the name, and a link to the record shown for the same hub

Revision ID: 0008
Revises: 0007

The EDIH network's catalogue lists hubs under a short name and a full title; the JRC S3
catalogue of 2022 lists many of the same hubs again. ``same_as_id`` links the older record to
the one shown (as ``organisations.same_as_id`` links duplicate organisations), so search,
lists and counts show the hub once. ``kind`` now also holds ``SoE`` (Seal of Excellence).
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

KIND_BEFORE = "DIH or EDIH"
KIND_AFTER = "EDIH, SoE (Seal of Excellence) or DIH"


def upgrade() -> None:
    with op.batch_alter_table("hubs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "title", sa.Text(), nullable=True, comment="full title, where the source gives one beside the name"
            )
        )
        batch_op.add_column(
            sa.Column(
                "same_as_id",
                sa.String(length=40),
                nullable=True,
                comment="the record shown for this hub (the same hub in another catalogue)",
            )
        )
        batch_op.create_foreign_key(op.f("fk_hubs_same_as_id_hubs"), "hubs", ["same_as_id"], ["id"])
    if op.get_bind().dialect.name != "sqlite":  # SQLite keeps no column comments
        op.alter_column(
            "hubs", "kind", existing_type=sa.String(length=8), comment=KIND_AFTER, existing_comment=KIND_BEFORE
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column(
            "hubs", "kind", existing_type=sa.String(length=8), comment=KIND_BEFORE, existing_comment=KIND_AFTER
        )
    with op.batch_alter_table("hubs", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("fk_hubs_same_as_id_hubs"), type_="foreignkey")
        batch_op.drop_column("same_as_id")
        batch_op.drop_column("title")

"""stored dense embeddings of catalogue records

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "embeddings",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.String(length=128), nullable=False),
        sa.Column("model", sa.String(length=40), nullable=False),
        sa.Column("text_hash", sa.String(length=40), nullable=False, comment="sha1 of the embedded text"),
        sa.Column("vector", sa.LargeBinary(), nullable=False, comment="float32, L2-normalised"),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kind", "record_id", "model", name=op.f("pk_embeddings")),
    )


def downgrade() -> None:
    op.drop_table("embeddings")

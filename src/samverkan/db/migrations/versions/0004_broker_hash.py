"""tokens keep a broker-ready ($7$ PBKDF2) hash for MQTT, made when they are issued

Revision ID: 0004
Revises: 0003

Tokens issued before this revision have none: the broker does not let them in until a new
token is issued (``samverkan tenant token SLUG --scope write``).
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ds_tokens", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "broker_hash",
                sa.String(length=160),
                nullable=True,
                comment="the token's salted PBKDF2 hash for the MQTT broker ($7$ format)",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("ds_tokens", schema=None) as batch_op:
        batch_op.drop_column("broker_hash")

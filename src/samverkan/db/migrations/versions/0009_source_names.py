"""organisations and hubs keep the source's spelling of a name beside the name shown

Revision ID: 0009
Revises: 0008

``name`` is the name as shown — encoding damage repaired and, for Swedish records, the letters
the source lost restored ("GOETEBORGS UNIVERSITET" → "Göteborgs universitet"); ``source_name``
keeps the source's spelling where it differs, for search and for the record's page. Rows
imported before this revision have none until they are imported again.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

COMMENT = "the name as the source spells it (encoding repaired), where it differs from name"


def upgrade() -> None:
    for table in ("organisations", "hubs"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("source_name", sa.Text(), nullable=True, comment=COMMENT))


def downgrade() -> None:
    for table in ("organisations", "hubs"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("source_name")

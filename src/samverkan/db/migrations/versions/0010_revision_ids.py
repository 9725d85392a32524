"""the catalogue and its stored vectors each get a random revision id

Revision ID: 0010
Revises: 0009

Every import that changes the catalogue, and every change of the stored embeddings, sets a fresh
random id (``samverkan.db.revision``); what is derived from a revision may then be kept on disk
under its ids. A database migrated here gets its first ids now.
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

NAMES = ("catalogue_revision_id", "vectors_revision_id")


def upgrade() -> None:
    meta = sa.table("meta", sa.column("key", sa.String), sa.column("value", sa.Text))
    bind = op.get_bind()
    present = {row[0] for row in bind.execute(sa.select(meta.c.key).where(meta.c.key.in_(NAMES)))}
    for name in NAMES:
        if name not in present:
            bind.execute(meta.insert().values(key=name, value=uuid.uuid4().hex))


def downgrade() -> None:
    meta = sa.table("meta", sa.column("key", sa.String), sa.column("value", sa.Text))
    op.get_bind().execute(meta.delete().where(meta.c.key.in_(NAMES)))

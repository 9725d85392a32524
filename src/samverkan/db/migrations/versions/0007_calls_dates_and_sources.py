"""calls: opening date, every deadline, total budget, destination and how current they are;
call_sources (each source's record of a call) and sources (last import or sync per source)

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("opening", sa.Date(), nullable=True, comment="when submission opens (startDate)"))
        batch.add_column(
            sa.Column(
                "deadlines",
                sa.JSON(),
                nullable=True,
                comment="every deadline, ISO dates in order (two-stage, cut-offs); deadline is the last",
            )
        )
        batch.add_column(sa.Column("budget_total", sa.Float(), nullable=True, comment="the topic's budget, EUR"))
        batch.add_column(sa.Column("destination", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column(
                "as_of",
                sa.DateTime(timezone=True),
                nullable=True,
                comment="when the newest source said what this record holds",
            )
        )
    op.create_table(
        "call_sources",
        sa.Column("call_id", sa.String(length=100), nullable=False, comment="the call (calls.id) it describes"),
        sa.Column("feed", sa.String(length=40), nullable=False, comment="ft-export or ft-search"),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False, comment="the call's fields as this source gave them"),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.Text(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("call_id", "feed", name=op.f("pk_call_sources")),
    )
    op.create_table(
        "sources",
        sa.Column("name", sa.String(length=40), nullable=False, comment="importer name (calls, cordis, hubs …)"),
        sa.Column("location", sa.Text(), nullable=True, comment="the file, folder or address read last"),
        sa.Column("method", sa.String(length=8), nullable=False, comment="import or sync"),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data_as_of", sa.Date(), nullable=True, comment="the newest snapshot date of the data"),
        sa.Column("counts", sa.JSON(), nullable=False, comment="what the last run read and changed"),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sources")),
    )


def downgrade() -> None:
    op.drop_table("sources")
    op.drop_table("call_sources")
    with op.batch_alter_table("calls") as batch:
        for column in ("as_of", "destination", "budget_total", "deadlines", "opening"):
            batch.drop_column(column)

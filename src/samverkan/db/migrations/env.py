"""Alembic environment: runs on the connection samverkan hands over (see db/migrate.py)."""

from alembic import context

from samverkan.db import community, dataspace  # noqa: F401  (registers the community and data-space tables)
from samverkan.db.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()

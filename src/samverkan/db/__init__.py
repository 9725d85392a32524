"""Database layer: engines, models and migrations."""

from samverkan.db.engine import aware, make_engine
from samverkan.db.migrate import ensure_schema

__all__ = ["aware", "ensure_schema", "make_engine"]

"""Database layer: engines, models and migrations."""

from samverkan.db.engine import make_engine
from samverkan.db.migrate import ensure_schema

__all__ = ["ensure_schema", "make_engine"]

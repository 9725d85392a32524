"""The catalogue revision: a counter in ``meta`` that every import or sync which changed the
catalogue moves on, in its own transaction. Whatever is derived from the catalogue (search
indexes, partner history, timings) is kept per revision and rebuilt when it moves.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from samverkan.db.models import Meta

KEY = "catalogue_revision"


def current(engine: Engine) -> str:
    """The catalogue's revision now ("0" before anything was imported)."""
    with Session(engine) as session:
        row = session.get(Meta, KEY)
        return row.value if row else "0"


def bump(session: Session) -> None:
    """Mark the catalogue as changed, inside the transaction that changed it."""
    row = session.get(Meta, KEY)
    if row is None:
        session.add(Meta(key=KEY, value="1"))
    else:
        row.value = str(int(row.value) + 1)

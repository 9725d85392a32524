"""The catalogue revision: what is derived from the catalogue (search indexes, partner history,
timings) is kept per revision and rebuilt when it moves.

Two things move it, each in the transaction that made the change: an import or sync that changed
the catalogue (:func:`bump`) and a change of the stored embeddings (:func:`bump_vectors`). Each
sets a fresh random id, so a revision names one content of the catalogue for good: a database
that is recreated, or a copy that goes its own way, never meets an old revision's id again, and
what was derived from it can be kept on disk (:mod:`samverkan.catalogue.snapshot`). The counter
says how many imports changed the catalogue, for people.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from samverkan.db.models import Meta

KEY = "catalogue_revision"  # the counter
CATALOGUE_ID = "catalogue_revision_id"
VECTORS_ID = "vectors_revision_id"


def current(engine: Engine) -> str:
    """The catalogue's revision counter now ("0" before anything was imported)."""
    with Session(engine) as session:
        row = session.get(Meta, KEY)
        return row.value if row else "0"


def key(engine: Engine) -> str:
    """The revision of the catalogue and of its stored vectors, as one string: equal keys, equal
    content. One query."""
    with Session(engine) as session:
        ids = dict(session.execute(select(Meta.key, Meta.value).where(Meta.key.in_((CATALOGUE_ID, VECTORS_ID)))).all())
    return f"{ids.get(CATALOGUE_ID, 'none')}.{ids.get(VECTORS_ID, 'none')}"


def bump(session: Session) -> None:
    """Mark the catalogue as changed, inside the transaction that changed it."""
    row = session.get(Meta, KEY)
    if row is None:
        session.add(Meta(key=KEY, value="1"))
    else:
        row.value = str(int(row.value) + 1)
    _renew(session, CATALOGUE_ID)


def bump_vectors(session: Session) -> None:
    """Mark the stored embeddings as changed, inside the transaction that changed them."""
    _renew(session, VECTORS_ID)


def _renew(session: Session, name: str) -> None:
    session.merge(Meta(key=name, value=uuid.uuid4().hex))

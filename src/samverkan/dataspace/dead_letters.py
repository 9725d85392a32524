"""Messages the MQTT ingester could not store, kept for the tenant that sent them.

A device publishes to its own datastream's topic (the broker's ACL lets no one else), so the
datastream's owner is the sender: its rejected messages are recorded under that tenant, with
the reason and the start of the message, in the same transaction as the batch they came in, and
only then acknowledged to the broker. A tenant reads its own over the API
(``GET /api/v1/dead-letters``); a message for a datastream that does not exist (any more) has
no known owner and is kept under none (the operator sees it in the log and the database).
Each tenant keeps its newest ``keep`` records; older ones are removed as new ones come.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from samverkan.dataspace.tenants import Viewer
from samverkan.dataspace.times import iso, now
from samverkan.db.dataspace import DeadLetter

PAYLOAD_CHARS = 2000  # of a message, kept as text
REASON_CHARS = 1000


def record(
    session: Session, tenant: int | None, datastream: int | None, topic: str, reason: str, payload: bytes | bytearray
) -> None:
    """Keep one rejected message (call :func:`prune` once per batch after)."""
    text = payload[: PAYLOAD_CHARS * 4].decode("utf-8", "replace")[:PAYLOAD_CHARS]
    session.add(
        DeadLetter(
            tenant_id=tenant,
            datastream_id=datastream,
            received_at=now(),
            topic=_printable(topic)[:200],
            reason=_printable(reason)[:REASON_CHARS],
            payload=_printable(text),
            size=len(payload),
        )
    )


def prune(session: Session, tenants: set[int | None], keep: int) -> None:
    """Remove all but the newest ``keep`` records of each of ``tenants``."""
    session.flush()
    for tenant in tenants:
        owned = DeadLetter.tenant_id.is_(None) if tenant is None else DeadLetter.tenant_id == tenant
        oldest_kept = session.scalar(
            select(DeadLetter.id).where(owned).order_by(DeadLetter.id.desc()).offset(keep - 1).limit(1)
        )
        if oldest_kept is not None:
            session.execute(delete(DeadLetter).where(owned, DeadLetter.id < oldest_kept))


def of(session: Session, viewer: Viewer, limit: int = 100, before: int | None = None) -> list[dict[str, Any]]:
    """The viewer's tenant's rejected messages, newest first (page with ``before``)."""
    viewer.require("read")
    query = select(DeadLetter).where(DeadLetter.tenant_id == viewer.tenant_id)
    if before is not None:
        query = query.where(DeadLetter.id < before)
    return [
        {
            "id": row.id,
            "received_at": iso(row.received_at),
            "datastream": row.datastream_id,
            "topic": row.topic,
            "reason": row.reason,
            "payload": row.payload,
            "size": row.size,
        }
        for row in session.scalars(query.order_by(DeadLetter.id.desc()).limit(limit))
    ]


def _printable(text: str) -> str:
    """Text any database stores: NUL and halves of surrogate pairs replaced."""
    return text.replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")

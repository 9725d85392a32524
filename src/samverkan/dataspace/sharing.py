"""Who may read what: a datastream is private to its owner until shared with a named tenant or
the public, raw or as hourly or daily aggregates only; every share, revocation and read by
someone other than the owner is written to the owner's audit log."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from samverkan.dataspace import licences
from samverkan.dataspace.tenants import PUBLIC, Viewer, tenant_by_slug
from samverkan.dataspace.times import iso, now
from samverkan.db.dataspace import AuditEntry, Datastream, Share, Tenant
from samverkan.errors import Conflict, NotFound, SamverkanError

LEVELS = ("raw", "hourly", "daily")
# the shortest aggregate interval each level allows, in milliseconds (0: raw observations)
LEVEL_MS = {"raw": 0, "hourly": 3_600_000, "daily": 86_400_000}


@dataclass
class Access:
    """What one viewer may read, and a tally of what it read of others' data (for the audit)."""

    viewer: Viewer
    levels: dict[int, str] = field(default_factory=dict)  # datastream id → level, shared with the viewer
    owners: dict[int, int] = field(default_factory=dict)  # datastream id → owner tenant id
    reads: Counter[int] = field(default_factory=Counter)  # owner → entities read
    streams: defaultdict[int, set[int]] = field(default_factory=lambda: defaultdict(set))

    @property
    def me(self) -> int | None:
        return self.viewer.tenant_id

    @property
    def shared(self) -> list[int]:
        """Datastreams shared with the viewer at any level (their metadata is readable)."""
        return sorted(self.levels)

    @property
    def raw(self) -> list[int]:
        """Datastreams whose observations the viewer may read through a share."""
        return sorted(d for d, level in self.levels.items() if level == "raw")

    def level(self, datastream: Datastream) -> str | None:
        """The finest level the viewer may read of a datastream: raw for its owner."""
        if datastream.tenant_id == self.me:
            return "raw"
        return self.levels.get(datastream.id)

    def note(self, owner: int, count: int = 1, datastream: int | None = None) -> None:
        """Count a read of another tenant's entities."""
        if owner != self.me:
            self.reads[owner] += count
            if datastream is not None:
                self.streams[owner].add(datastream)

    def write_audit(self, session: Session, detail: str) -> None:
        """One audit entry per owner whose data this request read; reads by the public (no
        token) are tallied in one entry per owner and day instead, so anonymous readers cannot
        fill an owner's log."""
        at = now()
        if self.viewer.tenant_id is None:
            for owner, count in self.reads.items():
                _tally_public(session, owner, at, count)
            self.reads.clear()
            self.streams.clear()
            return
        for owner, count in self.reads.items():
            streams = self.streams.get(owner, set())
            session.add(
                AuditEntry(
                    owner_id=owner,
                    at=at,
                    actor=self.viewer.slug,
                    action="read",
                    datastream_id=next(iter(streams)) if len(streams) == 1 else None,
                    detail=detail[:500],
                    count=count,
                )
            )
        self.reads.clear()
        self.streams.clear()


PUBLIC_TALLY = "public reads on {day}: {requests} requests"


def _tally_public(session: Session, owner: int, at: dt.datetime, count: int) -> None:
    """Add one request reading ``count`` entities to the owner's tally of public reads today."""
    day = at.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    entry = session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.owner_id == owner,
            AuditEntry.actor == PUBLIC,
            AuditEntry.action == "read",
            AuditEntry.at == day,
        )
        .with_for_update()
    ).first()
    if entry is None:
        detail = PUBLIC_TALLY.format(day=day.date().isoformat(), requests=1)
        session.add(AuditEntry(owner_id=owner, at=day, actor=PUBLIC, action="read", detail=detail, count=count))
        return
    requests = int(entry.detail.rsplit(": ", 1)[1].split()[0]) + 1
    entry.detail = PUBLIC_TALLY.format(day=day.date().isoformat(), requests=requests)
    entry.count += count


def access(session: Session, viewer: Viewer) -> Access:
    """The shares in force for ``viewer``: those granted to it and those granted to the public."""
    granted: ColumnElement[bool] = Share.grantee_id.is_(None)
    if viewer.tenant_id is not None:
        granted = or_(granted, Share.grantee_id == viewer.tenant_id)
    rows = session.execute(
        select(Share.datastream_id, Share.level, Share.owner_id).where(Share.revoked_at.is_(None), granted)
    ).all()
    out = Access(viewer)
    for datastream, level, owner in rows:
        if owner == viewer.tenant_id:
            continue
        current = out.levels.get(datastream)
        if current is None or LEVELS.index(level) < LEVELS.index(current):
            out.levels[datastream] = level  # the finest of a named and a public share wins
        out.owners[datastream] = owner
    return out


def share(
    session: Session, viewer: Viewer, datastream_id: int, grantee: str, level: str, licence: str | None = None
) -> Share:
    """Share one of the viewer's datastreams with a tenant (by slug) or with ``public``."""
    viewer.require("admin")
    if level not in LEVELS:
        raise SamverkanError(f"unknown level {level!r}: use one of {', '.join(LEVELS)}")
    stream = session.get(Datastream, datastream_id)
    if stream is None or stream.tenant_id != viewer.tenant_id:
        raise NotFound(f"no datastream {datastream_id} of tenant {viewer.slug!r}")
    grantee_id = None if grantee == PUBLIC else tenant_by_slug(session, grantee).id
    if grantee_id == viewer.tenant_id:
        raise SamverkanError("a tenant always reads its own datastreams; share with another tenant or 'public'")
    if licence is not None:
        licence = licences.check(licence)
    active = session.scalar(
        select(Share).where(
            Share.datastream_id == datastream_id,
            Share.grantee_id.is_(None) if grantee_id is None else Share.grantee_id == grantee_id,
            Share.revoked_at.is_(None),
        )
    )
    if active is not None:
        raise Conflict(
            f"datastream {datastream_id} is already shared with {grantee!r} (share {active.id}, level "
            f"{active.level!r}); revoke that share first to change it"
        )
    row = Share(
        datastream_id=datastream_id,
        owner_id=viewer.tenant_id,
        grantee_id=grantee_id,
        level=level,
        licence=licence,
        created_at=now(),
    )
    session.add(row)
    session.flush()
    _audit(session, viewer, "share", datastream_id, f"share {row.id}: {level} to {grantee}")
    return row


def revoke(session: Session, viewer: Viewer, share_id: int) -> Share:
    """Revoke a share the viewer made. Revoking twice is harmless."""
    viewer.require("admin")
    row = session.get(Share, share_id)
    if row is None or row.owner_id != viewer.tenant_id:
        raise NotFound(f"no share {share_id} made by tenant {viewer.slug!r}")
    if row.revoked_at is None:
        row.revoked_at = now()
        _audit(
            session, viewer, "revoke", row.datastream_id, f"share {row.id}: {row.level} to {grantee_slug(session, row)}"
        )
    return row


def _audit(session: Session, viewer: Viewer, action: str, datastream_id: int, detail: str) -> None:
    assert viewer.tenant_id is not None
    session.add(
        AuditEntry(
            owner_id=viewer.tenant_id,
            at=now(),
            actor=viewer.slug,
            action=action,
            datastream_id=datastream_id,
            detail=detail,
            count=0,
        )
    )


def grantee_slug(session: Session, row: Share) -> str:
    if row.grantee_id is None:
        return PUBLIC
    tenant = session.get(Tenant, row.grantee_id)
    return tenant.slug if tenant else "?"


def share_json(session: Session, row: Share) -> dict[str, Any]:
    owner = session.get(Tenant, row.owner_id)
    return {
        "id": row.id,
        "datastream": row.datastream_id,
        "owner": owner.slug if owner else None,
        "grantee": grantee_slug(session, row),
        "level": row.level,
        "licence": row.licence,
        "created_at": iso(row.created_at),
        "revoked_at": iso(row.revoked_at),
    }


def shares_of(session: Session, viewer: Viewer, include_revoked: bool = False) -> dict[str, list[dict[str, Any]]]:
    """The shares a tenant made and those it received (directly; public shares are listed by owner)."""
    viewer.require("read")
    made = select(Share).where(Share.owner_id == viewer.tenant_id)
    received = select(Share).where(Share.grantee_id == viewer.tenant_id)
    if not include_revoked:
        made, received = made.where(Share.revoked_at.is_(None)), received.where(Share.revoked_at.is_(None))
    return {
        "given": [share_json(session, r) for r in session.scalars(made.order_by(Share.id))],
        "received": [share_json(session, r) for r in session.scalars(received.order_by(Share.id))],
    }


def audit_log(session: Session, viewer: Viewer, limit: int = 100, before: int | None = None) -> list[dict[str, Any]]:
    """The viewer's audit log, newest first (page with ``before`` = the last id seen)."""
    viewer.require("admin")
    query = select(AuditEntry).where(AuditEntry.owner_id == viewer.tenant_id)
    if before is not None:
        query = query.where(AuditEntry.id < before)
    rows = session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit))
    return [
        {
            "id": r.id,
            "at": iso(r.at),
            "actor": r.actor,
            "action": r.action,
            "datastream": r.datastream_id,
            "detail": r.detail,
            "count": r.count,
        }
        for r in rows
    ]

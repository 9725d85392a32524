"""The data space as one object: each call is one transaction for one viewer (a token, or the
public), so what is answered has been committed and what fails leaves nothing behind."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, BinaryIO, TypeVar

from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from samverkan import budget
from samverkan.bounds import DEFAULT_LIMITS, Limits
from samverkan.dataspace import dead_letters, sharing, tenants
from samverkan.dataspace.observations import export, rollups
from samverkan.dataspace.odata import DEFAULT_QUERY_LIMITS, QueryLimits, QueryOptionError, parse_options
from samverkan.dataspace.query import Reader, resolve
from samverkan.dataspace.sharing import LEVEL_MS
from samverkan.dataspace.tenants import Viewer
from samverkan.dataspace.times import format_ms, iso, read_step, window
from samverkan.dataspace.visibility import visible
from samverkan.dataspace.write import Writer
from samverkan.db import dataspace as t
from samverkan.errors import Forbidden, NotFound, SamverkanError

T = TypeVar("T")
MAX_BUCKETS = 100_000


def _readable(session: Session, viewer: Viewer, datastream: int) -> tuple[sharing.Access, t.Datastream, str]:
    """The viewer's access, the datastream and the finest level the viewer may read of it; a
    datastream the viewer cannot see is not found."""
    access = sharing.access(session, viewer)
    stream = session.get(t.Datastream, datastream)
    level = access.level(stream) if stream is not None else None
    if stream is None or level is None:
        raise NotFound(f"no datastream {datastream} visible to {viewer.slug!r}")
    return access, stream, level


class DataSpace:
    """Tenants, SensorThings entities, sharing and aggregates over one database."""

    def __init__(
        self,
        engine: Engine,
        max_batch: int = 100_000,
        limits: Limits = DEFAULT_LIMITS,
        query_limits: QueryLimits = DEFAULT_QUERY_LIMITS,
    ) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self.limits = limits
        self.query_limits = query_limits

    @contextmanager
    def transaction(self, token: str | None) -> Iterator[tuple[Session, Viewer]]:
        with Session(self.engine) as session, session.begin():
            yield session, tenants.authenticate(session, token)

    def run(self, token: str | None, work: Callable[[Session, Viewer], T]) -> T:
        try:
            with self.transaction(token) as (session, viewer):
                return work(session, viewer)
        except DBAPIError:
            budget.check()  # a statement the request's budget stopped says so (503), not 500
            raise

    # -- SensorThings ---------------------------------------------------------------------------

    def read(self, token: str | None, path: str, query: dict[str, str], base: str, query_string: str = "") -> Any:
        options = parse_options(query, self.query_limits)

        def work(session: Session, viewer: Viewer) -> Any:
            access = sharing.access(session, viewer)
            target = resolve(path, access)
            answer = Reader(session, access, base, self.query_limits).get(target, options, query_string)
            access.write_audit(session, f"GET {path}" + (f"?{query_string}" if query_string else ""))
            return answer

        return self.run(token, work)

    def create(self, token: str | None, path: str, body: Any) -> tuple[str, int]:
        """POST to a collection (or a navigation collection). Returns the entity set and new id."""

        def work(session: Session, viewer: Viewer) -> tuple[str, int]:
            writer = Writer(session, viewer, self.max_batch, self.limits)
            access = sharing.access(session, viewer)
            target = resolve(path, access)
            if target.single or target.prop or target.ref:
                raise QueryOptionError(f"POST {path}: post to a collection, e.g. {target.eset.name}")
            nav = target.parent[2] if target.parent else None
            parent = target.parent if nav is not None else None
            if parent is not None:
                source, ident, _ = parent
                visible_parent = select(source.model.id).where(visible(source, access), source.model.id == ident)
                if session.scalar(visible_parent) is None:
                    raise NotFound(f"{source.name}({ident}) not found")
            if nav is not None and nav.fk is not None:  # pragma: no cover - single targets are refused above
                raise QueryOptionError(f"POST {path}: not a collection")
            return target.eset.name, writer.create(target.eset, body, parent)

        return self.run(token, work)

    def update(self, token: str | None, path: str, body: Any) -> None:
        def work(session: Session, viewer: Viewer) -> None:
            writer = Writer(session, viewer, self.max_batch, self.limits)
            eset, ident, label = self._single(session, viewer, path)
            writer.update(eset, ident, body, label)

        self.run(token, work)

    def delete(self, token: str | None, path: str) -> None:
        def work(session: Session, viewer: Viewer) -> None:
            writer = Writer(session, viewer, self.max_batch, self.limits)
            eset, ident, label = self._single(session, viewer, path)
            writer.delete(eset, ident, label)

        self.run(token, work)

    def _single(self, session: Session, viewer: Viewer, path: str) -> tuple[Any, int, str]:
        target = resolve(path, sharing.access(session, viewer))
        if not target.single or target.prop or target.ref:
            raise QueryOptionError(f"{path}: address one entity, e.g. {target.eset.name}(1)")
        ident = session.scalar(select(target.eset.model.id).where(*target.where))
        if ident is None:
            raise NotFound(f"{target.label} not found")
        return target.eset, ident, target.label

    def create_observations(self, token: str | None, body: Any) -> list[int]:
        """``CreateObservations``: ids of the stored observations, in the order given."""

        def work(session: Session, viewer: Viewer) -> list[int]:
            return Writer(session, viewer, self.max_batch, self.limits).create_observations(body)

        return self.run(token, work)

    # -- aggregates ------------------------------------------------------------------------------

    def aggregate(
        self, token: str | None, datastream: int, interval: str, start: str | None, end: str | None
    ) -> dict[str, Any]:
        step = read_step(interval)
        first, last = window(start, end)

        def work(session: Session, viewer: Viewer) -> dict[str, Any]:
            access, stream, level = _readable(session, viewer, datastream)
            finest = LEVEL_MS[level]
            if finest and step % finest:
                allowed = "whole hours" if level == "hourly" else "whole days"
                raise Forbidden(f"datastream {datastream} is shared with you as {level} data: use {allowed}")
            span = (last if last is not None else 0) - (first if first is not None else 0)
            if first is not None and last is not None and span // step > MAX_BUCKETS:
                raise SamverkanError(f"at most {MAX_BUCKETS} buckets per request: use a longer interval")
            buckets = rollups.aggregate(session, datastream, step, first, last, raw=level == "raw")
            access.note(stream.tenant_id, len(buckets), datastream)
            access.write_audit(session, f"aggregate {datastream} {interval}")
            return {
                "datastream": datastream,
                "interval": interval,
                "from": format_ms(first),
                "to": format_ms(last),
                "unit": stream.unit_of_measurement,
                "buckets": [{**b, "start": format_ms(b["start"])} for b in buckets],
            }

        return self.run(token, work)

    # -- export ------------------------------------------------------------------------------------

    def export(
        self, token: str | None, datastream: int, start: str | None, end: str | None, chunk: int = 10_000
    ) -> Iterator[str]:
        """A datastream's observations from ``start`` (inclusive) to ``end`` (exclusive) as CSV
        lines, oldest first. Access is checked, and the export written to the owner's audit log,
        before the first line; the rows are then read ``chunk`` at a time, so an export of
        millions needs little memory."""
        first, last, _ = self._exportable(token, datastream, start, end, "csv")
        return self._csv(datastream, first, last, chunk)

    def export_parquet(
        self,
        token: str | None,
        datastream: int,
        start: str | None,
        end: str | None,
        target: BinaryIO,
        chunk: int = 100_000,
    ) -> int:
        """:meth:`export` as Apache Parquet, written to ``target`` one row group per ``chunk``
        observations (so memory stays bounded). Returns the number of observations."""
        first, last, about = self._exportable(token, datastream, start, end, "parquet")
        return export.write_parquet(target, self._chunks(datastream, first, last, chunk), about)

    def _exportable(
        self, token: str | None, datastream: int, start: str | None, end: str | None, form: str
    ) -> tuple[int | None, int | None, dict[str, str]]:
        """Raw observations are for the owner and raw grantees (others export aggregates): the
        window, and what a file should say about the datastream; the export is audited."""
        first, last = window(start, end)

        def work(session: Session, viewer: Viewer) -> dict[str, str]:
            access, stream, level = _readable(session, viewer, datastream)
            if level != "raw":
                raise Forbidden(
                    f"datastream {datastream} is shared with you as {level} data: export its aggregates "
                    f"(/api/v1/datastreams/{datastream}/aggregate?format=csv)"
                )
            count = export.count(session, datastream, first, last)
            access.note(stream.tenant_id, count, datastream)
            access.write_audit(session, f"export {datastream} {start or ''}/{end or ''} {form}")
            return {
                "datastream": str(datastream),
                "name": stream.name,
                "unitOfMeasurement": json.dumps(stream.unit_of_measurement, ensure_ascii=False),
                "from": format_ms(first) or "",
                "to": format_ms(last) or "",
            }

        return first, last, self.run(token, work)

    def _chunks(self, datastream: int, first: int | None, last: int | None, chunk: int) -> Iterator[list[Any]]:
        after = None
        while True:
            with Session(self.engine) as session:
                rows = export.export_chunk(session, datastream, first, last, after, chunk)
            if not rows:
                return
            yield rows
            after = rows[-1][1]

    def _csv(self, datastream: int, first: int | None, last: int | None, chunk: int) -> Iterator[str]:
        yield ",".join(export.EXPORT_COLUMNS) + "\n"
        for rows in self._chunks(datastream, first, last, chunk):
            yield "".join(export.csv_line(row) for row in rows)

    # -- tenants, tokens, shares, audit --------------------------------------------------------------

    def create_tenant(self, slug: str, name: str, organisation: str | None = None) -> dict[str, str]:
        with Session(self.engine) as session, session.begin():
            tenant, token = tenants.create_tenant(session, slug, name, organisation)
            return {"tenant": tenant.slug, "token": token}

    def issue_token(
        self,
        token: str | None,
        scope: str,
        label: str | None = None,
        days: float | None = None,
        slug: str | None = None,
    ) -> dict[str, Any]:
        """A new token: for the caller's tenant (admin token), or for ``slug`` (``token`` None: the CLI)."""
        with Session(self.engine) as session, session.begin():
            if slug is not None:
                tenant = tenants.tenant_by_slug(session, slug)
            else:
                viewer = tenants.authenticate(session, token)
                viewer.require("admin")
                tenant = session.get_one(t.Tenant, viewer.tenant_id)
            plain, row = tenants.issue_token(
                session, tenant, scope, label, dt.timedelta(days=days) if days is not None else None
            )
            return {"tenant": tenant.slug, "token": plain, **token_json(row)}

    def revoke_token(self, token: str | None, token_id: int, slug: str | None = None) -> dict[str, Any]:
        with Session(self.engine) as session, session.begin():
            if slug is not None:
                tenant_id = tenants.tenant_by_slug(session, slug).id
            else:
                viewer = tenants.authenticate(session, token)
                viewer.require("admin")
                assert viewer.tenant_id is not None
                tenant_id = viewer.tenant_id
            return token_json(tenants.revoke_token(session, tenant_id, token_id))

    def tokens(self, slug: str) -> list[dict[str, Any]]:
        with Session(self.engine) as session:
            tenant = tenants.tenant_by_slug(session, slug)
            rows = session.scalars(select(t.Token).where(t.Token.tenant_id == tenant.id).order_by(t.Token.id))
            return [token_json(r) for r in rows]

    def tenants(self) -> list[dict[str, Any]]:
        with Session(self.engine) as session:
            return [
                {"tenant": r.slug, "name": r.name, "organisation": r.organisation_id}
                for r in session.scalars(select(t.Tenant).order_by(t.Tenant.slug))
            ]

    def share(self, token: str | None, datastream: int, grantee: str, level: str, licence: str | None) -> dict:
        return self.run(
            token,
            lambda s, v: sharing.share_json(s, sharing.share(s, v, datastream, grantee, level, licence)),
        )

    def revoke_share(self, token: str | None, share_id: int) -> dict:
        return self.run(token, lambda s, v: sharing.share_json(s, sharing.revoke(s, v, share_id)))

    def shares(self, token: str | None, include_revoked: bool = False) -> dict:
        return self.run(token, lambda s, v: sharing.shares_of(s, v, include_revoked))

    def audit(self, token: str | None, limit: int = 100, before: int | None = None) -> list[dict]:
        return self.run(token, lambda s, v: sharing.audit_log(s, v, limit, before))

    def dead_letters(self, token: str | None, limit: int = 100, before: int | None = None) -> list[dict]:
        """The MQTT messages of the token's tenant that could not be stored, newest first."""
        return self.run(token, lambda s, v: dead_letters.of(s, v, limit, before))


def token_json(row: t.Token) -> dict[str, Any]:
    return {
        "id": row.id,
        "prefix": row.prefix,
        "scope": row.scope,
        "label": row.label,
        "created_at": iso(row.created_at),
        "expires_at": iso(row.expires_at),
        "revoked_at": iso(row.revoked_at),
    }

"""The library's entry point: one object holding settings, the database and the search index.

The CLI and the web app are thin adapters over :class:`Samverkan`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from samverkan.catalogue import queries
from samverkan.db import ensure_schema, make_engine
from samverkan.importers import ImportReport, import_source
from samverkan.match.partners import PartnerFilters
from samverkan.match.service import PartnerService
from samverkan.search import SearchService
from samverkan.search.filters import Filters
from samverkan.settings import Settings


class Samverkan:
    """samverkan over one database. Migrates the database on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def engine(self) -> Engine:
        engine = make_engine(self.settings.db)
        ensure_schema(engine)
        return engine

    @cached_property
    def searcher(self) -> SearchService:
        return SearchService(
            self.engine,
            max_query_chars=self.settings.search_max_query_chars,
            max_limit=self.settings.search_max_limit,
            dense=self.settings.search_dense,
        )

    @cached_property
    def partner_service(self) -> PartnerService:
        return PartnerService(self.searcher, max_limit=self.settings.search_max_limit)

    def partners(
        self,
        call: str | None = None,
        text: str | None = None,
        members: list[str] | None = None,
        limit: int = 20,
        filters: PartnerFilters | None = None,
    ) -> dict[str, Any]:
        return self.partner_service.partners(call=call, text=text, members=members, limit=limit, filters=filters)

    def consortium(
        self,
        call: str,
        lead: str,
        locked: list[str] | None = None,
        dropped: list[str] | None = None,
        size: int | None = None,
    ) -> dict[str, Any]:
        return self.partner_service.consortium(call=call, lead=lead, locked=locked, dropped=dropped, size=size)

    def profile(self, organisation_id: str) -> dict[str, Any]:
        return self.partner_service.profile(organisation_id)

    def import_source(
        self,
        source: str,
        path: Path,
        progress: Callable[[int], None] | None = None,
        skip_invalid: bool = False,
    ) -> ImportReport:
        return import_source(self.engine, source, path, progress=progress, skip_invalid=skip_invalid)

    def search(
        self,
        query: str,
        kind: str | None = None,
        status: str = "open",
        limit: int = 10,
        filters: Filters | None = None,
    ) -> dict[str, Any]:
        return self.searcher.search(query, kind=kind, status=status, limit=limit, filters=filters)

    def counts(self) -> dict[str, int]:
        with Session(self.engine) as session:
            return queries.counts(session)

    def record(self, kind: str, record_id: str) -> dict[str, Any]:
        with Session(self.engine) as session:
            return queries.record(session, kind, record_id)

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()

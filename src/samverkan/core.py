"""The library's entry point: one object holding settings, the database and the search index.

The CLI and the web app are thin adapters over :class:`Samverkan`.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from samverkan import budget, mail
from samverkan.accounts.service import Accounts
from samverkan.catalogue import details, hubs, listing, queries, sources
from samverkan.catalogue.calls import CURRENT, of_call, on_day
from samverkan.catalogue.countries import nuts_from_code
from samverkan.catalogue.snapshot import Snapshot, Snapshots
from samverkan.dataspace import catalog
from samverkan.dataspace.service import DataSpace
from samverkan.db import ensure_schema, make_engine
from samverkan.db.models import Call, Platform, Solution, WorkingGroup
from samverkan.digests.service import Digests
from samverkan.importers import ImportReport, import_source
from samverkan.mail import Delivery
from samverkan.match.eligibility import eligibility
from samverkan.match.partners import PartnerFilters
from samverkan.match.service import ConsortiumAnswer, PartnerAnswer, PartnerService
from samverkan.postings.service import Postings
from samverkan.search import SearchService
from samverkan.search.documents import posting_documents
from samverkan.search.filters import Filters
from samverkan.search.service import Answer
from samverkan.settings import Settings
from samverkan.signing import Signer, server_key
from samverkan.strategy.service import Strategies


class Samverkan:
    """samverkan over one database. Migrates the database on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.warm = threading.Event()  # set once warm_up has built the indexes

    @cached_property
    def engine(self) -> Engine:
        engine = make_engine(self.settings.db)
        ensure_schema(engine)
        budget.watch(engine)  # a request's statements stop when its time is up or its client goes
        return engine

    @cached_property
    def searcher(self) -> SearchService:
        return SearchService(
            self.engine,
            max_query_chars=self.settings.search_max_query_chars,
            max_limit=self.settings.search_max_limit,
            dense=self.settings.search_dense,
            today=self.settings.current_day,
            snapshots=Snapshots(self.engine, self.settings.snapshot_folder),
        )

    @cached_property
    def dataspace(self) -> DataSpace:
        return DataSpace(
            self.engine,
            max_batch=self.settings.sta_max_batch,
            limits=self.settings.limits(),
            query_limits=self.settings.query_limits(),
        )

    @cached_property
    def accounts(self) -> Accounts:
        return Accounts(self)

    @cached_property
    def postings(self) -> Postings:
        return Postings(self)

    @cached_property
    def digests(self) -> Digests:
        return Digests(self)

    @cached_property
    def strategies(self) -> Strategies:
        return Strategies(self)

    def deliver_mail(self, limit: int | None = None) -> Delivery:
        """Send what waits in the outbox (an SMTP server, or the mail folder by default)."""
        return mail.deliver(self.engine, self.settings, limit)

    def signer(self, purpose: str) -> Signer:
        """Signs links for ``purpose`` with the server's key (:mod:`samverkan.signing`)."""
        if "_server_key" not in self.__dict__:
            self.__dict__["_server_key"] = server_key(self.engine, self.settings.secret_key)
        return Signer(self.__dict__["_server_key"], purpose)

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
    ) -> PartnerAnswer:
        return self.partner_service.partners(call=call, text=text, members=members, limit=limit, filters=filters)

    def consortium(
        self,
        call: str,
        lead: str,
        locked: list[str] | None = None,
        dropped: list[str] | None = None,
        size: int | None = None,
    ) -> ConsortiumAnswer:
        return self.partner_service.consortium(call=call, lead=lead, locked=locked, dropped=dropped, size=size)

    def partner_links(self, organisation_id: str, partners: list[str]) -> dict[tuple[str, str], int]:
        """How many of the organisation's projects each two of ``partners`` shared."""
        with Session(self.engine) as session:
            return details.partner_links(session, organisation_id, partners)

    def profile(self, organisation_id: str) -> dict[str, Any]:
        return self.partner_service.profile(organisation_id)

    def import_source(
        self,
        source: str,
        path: Path,
        progress: Callable[[int], None] | None = None,
        skip_invalid: bool = False,
        as_of: dt.date | None = None,
    ) -> ImportReport:
        return import_source(self.engine, source, path, progress=progress, skip_invalid=skip_invalid, as_of=as_of)

    def search(
        self,
        query: str,
        kind: str | None = None,
        status: str = CURRENT,
        limit: int = 10,
        filters: Filters | None = None,
    ) -> Answer:
        answer = self.searcher.search(query, kind=kind, status=status, limit=limit, filters=filters)
        if kind in (None, "call"):
            answer["calls_as_of"] = self.calls_freshness()
        return answer

    def calls_freshness(self) -> dict[str, Any]:
        """How current the calls are today: the date their newest data was true, its age, and
        whether it is older than :data:`~samverkan.catalogue.sources.STALE_AFTER_DAYS`."""
        with Session(self.engine) as session:
            return sources.freshness(sources.calls_as_of(session), self.settings.current_day())

    def sources(self) -> dict[str, Any]:
        """Every source of the catalogue: its last import or sync, its data's date, what it holds."""
        today = self.settings.current_day()
        with Session(self.engine) as session:
            listed = sources.sources(session, today)
            calls = sources.freshness(sources.calls_as_of(session), today)
        return {"today": today.isoformat(), "calls_as_of": calls, "sources": listed}

    def counts(self) -> dict[str, int]:
        with Session(self.engine) as session:
            return queries.counts(session)

    def record(self, kind: str, record_id: str) -> dict[str, Any]:
        with Session(self.engine) as session:
            return queries.record(session, kind, record_id)

    def call_page(self, call_id: str, partners: int = 8) -> dict[str, Any]:
        """A call with its eligibility rule, the projects it funded (or, for a new call, similar
        past projects) and suggested partners."""
        with Session(self.engine) as session:
            out = details.call_detail(session, call_id)
            call = session.get_one(Call, call_id)
            out["eligibility"] = eligibility(call).as_dict()
            out["portal_status"] = out.pop("status")
            out = on_day(out, of_call(self.settings.current_day(), call))
        out["partners"] = self.partners(call=call_id, limit=partners)["results"]
        out["similar_projects"] = []
        if not out["funded"]:
            text = " ".join(p for p in (out["title"], out["keywords"]) if p)
            out["similar_projects"] = self.search(text, kind="project", limit=5)["results"] if text.strip() else []
        return out

    def hub_page(self, hub_id: str, similar: int = 6) -> dict[str, Any]:
        """A hub with where it is and the hubs most like it; a record that duplicates another
        (``same_as``) names the record shown for the hub."""
        with Session(self.engine) as session:
            out = hubs.hub_detail(session, hub_id)
        shown = out["same_as"] or hub_id
        placed = self.searcher.record("hub", shown) or {}
        out["nuts"] = placed.get("region")
        out["nuts_name"] = placed.get("region_name")
        out["similar"] = []
        if out["same_as"] is None:
            text = " ".join([out["name"], *out["sectors"], *out["technologies"]])[:2000]
            found = self.search(text, kind="hub", limit=similar + 1)["results"]
            out["similar"] = [r for r in found if r["id"] != shown][:similar]
        return out

    def region_page(self, code: str) -> dict[str, Any]:
        """A NUTS region's organisations, hubs and EU participation (subregions included),
        counted as :mod:`samverkan.catalogue.details` says; a country also by its ISO code
        (``GB`` is NUTS ``UK``)."""
        with Session(self.engine) as session:
            return details.region_detail(
                session, nuts_from_code(code), self.searcher.records("organisation"), self.searcher.records("hub")
            )

    def municipality_page(self, code: str) -> dict[str, Any]:
        """A Swedish kommun: its organisations and their EU projects, hubs nearby, ERDF/ESF
        projects, open datasets and its län's municipalities."""
        with Session(self.engine) as session:
            out = details.municipality_detail(
                session, code, self.searcher.records("organisation"), self.searcher.records("hub")
            )
            out["open_datasets"] = catalog.published_in_municipality(session, code)
        return out

    def hub_places(self, region: str | None = None) -> list[details.HubPlace]:
        """Hubs as points (see :func:`details.hub_places`), optionally only those a region holds."""
        shown = self.searcher.records("hub")
        with Session(self.engine) as session:
            if region:  # a NUTS code's level is its length less two
                shown = [h for h in shown if details.holds(region, len(region) - 2, h)]
            return details.hub_places(session, shown)

    def published_datasets(self, municipality: str) -> int:
        """Open sensor datasets (public datastreams) in a Swedish municipality."""
        with Session(self.engine) as session:
            return catalog.published_in_municipality(session, municipality)

    def statistics(self) -> dict[str, Any]:
        """Counts behind the maps: hubs (each once) per country, per NUTS 2 region and per type,
        and EU participation per country and per NUTS 2 region (the rule:
        :mod:`samverkan.catalogue.details`); what a country counts but no NUTS 2 region holds."""
        shown = self.searcher.records("hub")
        organisations = self.searcher.records("organisation")
        return {
            "hubs_not_in_a_region": details.not_in_a_region(shown, level=2),
            "participation_not_in_a_region": details.not_in_a_region(organisations, level=2, weight="projects"),
            "hubs_per_country": details.per_country(shown),
            "hubs_per_region": details.per_region(shown, level=2),
            "hubs_per_type": hubs.per_type(shown),
            "hubs_per_country_and_type": hubs.per_country_and_type(shown),
            "participation_per_country": details.per_country(organisations, weight="projects"),
            "participation_per_region": self.participation_by_region(2),
        }

    def participation_by_region(self, level: int) -> dict[str, int]:
        """Participations in EU projects per NUTS region of ``level``, by where organisations are."""
        return details.per_region(self.searcher.records("organisation"), level=level, weight="projects")

    def hubs_by_region(self, level: int) -> dict[str, int]:
        """Hubs (each once) per NUTS region of ``level``, by where they are placed."""
        return details.per_region(self.searcher.records("hub"), level=level)

    def call_counts(self, today: dt.date | None = None) -> dict[str, Any]:
        """Calls per programme and status on ``today`` (default: the ``today`` setting)."""
        day = today or self.settings.current_day()
        counts: dict[str, dict[str, int]] = {}
        for record, found in zip(self.searcher.records("call"), self.searcher.call_timings(day), strict=True):
            row = counts.setdefault(record.get("programme") or "?", {"open": 0, "forthcoming": 0, "closed": 0})
            row[found.status] += 1
        ordered = sorted(counts.items(), key=lambda item: (-item[1]["open"], -item[1]["forthcoming"], item[0]))
        return {"today": day.isoformat(), "programmes": dict(ordered)}

    def closing_soon(self, limit: int = 8, today: dt.date | None = None) -> list[dict[str, Any]]:
        """Calls open on ``today`` (default: the ``today`` setting), the nearest deadline first."""
        day = today or self.settings.current_day()
        timings = self.searcher.call_timings(day)
        calls = [on_day(record, timings[i]) for i, record in enumerate(self.searcher.records("call"))]
        return details.closing_soon(calls, limit)

    def listing_rows(self, kind: str) -> list[dict[str, Any]]:
        """Every row of the list of ``kind`` (:data:`samverkan.catalogue.listing.LISTINGS`): the
        catalogue's kinds built once per revision; calls as they are on the ``today`` setting;
        needs and solutions with the postings published now (never drafts or withdrawn ones)."""
        if kind == "call":
            day = self.settings.current_day()
            timings = self.searcher.call_timings(day)
            return listing.call_rows(on_day(r, timings[i]) for i, r in enumerate(self.searcher.records("call")))
        snapshot = self.searcher.snapshot()
        names = self.searcher.places(snapshot).names
        if kind == "hub":

            def build_hubs() -> list[dict[str, Any]]:
                with Session(self.engine) as session:
                    return listing.hub_rows(self.searcher.records("hub", snapshot), hubs.shown_hubs(session), names)

            return snapshot.part("listing-hub", build_hubs)
        with Session(self.engine) as session:
            if kind in ("platform", "working_group"):
                platforms = list(session.scalars(select(Platform)))
                groups = list(session.scalars(select(WorkingGroup)))
                make = listing.platform_rows if kind == "platform" else listing.working_group_rows
                return make(platforms, groups)
            if kind in ("need", "solution"):
                published = [record for record, _ in posting_documents(session, kind)]
                if kind == "need":
                    return listing.need_rows(published, names)
                return listing.solution_rows(self._case_rows(snapshot), published)
        raise ValueError(f"no list of {kind!r}")

    def _case_rows(self, snapshot: Snapshot) -> list[dict[str, Any]]:
        def build() -> list[dict[str, Any]]:
            with Session(self.engine) as session:
                return listing.case_rows(session.scalars(select(Solution)))

        return snapshot.part("listing-cases", build)

    def browse(
        self, kind: str, chosen: dict[str, str], page: int = 1, per_page: int = listing.PER_PAGE
    ) -> listing.Selection:
        """One page of the list of ``kind`` narrowed to the ``chosen`` facet values, with each
        facet's option counts (:func:`samverkan.catalogue.listing.select`)."""
        return listing.select(listing.LISTINGS[kind], self.listing_rows(kind), chosen, page, per_page)

    def region_choices(self) -> list[tuple[str, str]]:
        with Session(self.engine) as session:
            return details.region_choices(session)

    def shapes(self, level: int, country: str | None = None) -> list[tuple[str, str, dict]]:
        """NUTS region outlines (GeoJSON geometry) for maps."""
        with Session(self.engine) as session:
            return details.region_shapes(session, level, country)

    def municipality_shapes(self, county: str | None = None) -> list[tuple[str, str, dict]]:
        with Session(self.engine) as session:
            return details.municipality_shapes(session, county)

    def prepare_snapshot(self) -> None:
        """Build (or map) every part of the current revision's snapshot: each kind's index, the
        call and partner finders. With snapshot files on, they are written for later processes."""
        self.searcher.prepare()
        self.partner_service.finder()

    def warm_up(self) -> None:
        """Build or map what the first searches and pages need (the snapshot's parts; then one
        search loads the language model, the day's call statuses and the embedding model, and
        the Swedish dictionary is read) so that the first visitor does not wait for it."""
        self.prepare_snapshot()
        self.searcher.search("warm up", status="all")
        _ = self.searcher.analyzer.dictionary
        self.warm.set()

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()

"""``samverkan sync calls|cordis|hubs|all``: the catalogue kept current from the official sources.

Each sync reads its source into a staging folder (:mod:`samverkan.sync.fetch`: paginated,
bounded, retried; whole files only), then imports what it read with the source's importer in
one transaction, recorded as a ``sync`` of that source (:mod:`samverkan.catalogue.sources`),
then embeds what changed. So a sync is

* **incremental** — the importer writes only records that changed, and embedding recomputes
  only vectors whose text changed (so it also finishes what an interrupted sync left
  unembedded); a dump the source says is unchanged (ETag / Last-Modified) is not even read;
* **idempotent** — a second sync of an unchanged source writes and embeds nothing;
* **resumable** — a sync killed while reading resumes from the staged pages and files; one
  killed while importing rolled back and imports again: it ends with the same database as an
  uninterrupted one;
* **safe** — a source that cannot be reached, or answers something else than expected, stops
  the sync with a message before anything is written; a few odd records are left out and
  listed rather than holding up the rest; one sync of a source runs at a time (a lock on its
  stage); a database that never had the source reads its dumps whole, whatever the ETags say.

``serve`` runs ``sync all`` every ``SAMVERKAN_SYNC_EVERY_HOURS`` in a background thread
(:class:`Scheduler`), so requests never wait for it.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from samverkan.catalogue.sources import record_run
from samverkan.db.models import SourceState
from samverkan.errors import InputError, SamverkanError
from samverkan.importers import ImportReport, import_source
from samverkan.settings import Settings
from samverkan.sync.fetch import Fetcher, Stage, Unreachable, commit_validators
from samverkan.sync.portal import RECORDS, stage_topics

log = logging.getLogger(__name__)

SOURCES = ("calls", "cordis", "hubs")
# what each sync's records are embedded as
EMBEDS = {"calls": ("call",), "cordis": ("project", "call"), "hubs": ("hub",)}

ProgressFactory = Callable[[str, int], AbstractContextManager[Callable[[int], None] | None]]


@dataclass
class SyncReport:
    source: str
    location: str
    imports: list[ImportReport] = field(default_factory=list)
    embedded: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(report.changed for report in self.imports)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "location": self.location,
            "changed": self.changed,
            "imports": [report.as_dict() for report in self.imports],
            "embedded": self.embedded,
            "notes": self.notes,
        }

    def render(self) -> str:
        lines = [f"sync {self.source} from {self.location}"]
        lines += [report.render() for report in self.imports]
        if self.embedded:
            lines.append("embedded: " + ", ".join(f"{kind} {n:,}" for kind, n in self.embedded.items()))
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)


def run_sync(
    engine: Engine,
    settings: Settings,
    source: str,
    progress: ProgressFactory | None = None,
    embed: bool = True,
) -> SyncReport:
    """Sync ``source`` (one of :data:`SOURCES`); raises :class:`Unreachable` (nothing written)
    when the source cannot be read."""
    if source not in SOURCES:
        raise SamverkanError(f"unknown source {source!r}; known: {', '.join(SOURCES)}, all")
    bar = progress or (lambda _label, _total: nullcontext(None))
    stage = Stage(settings.sync_runtime_dir / source)
    with stage.locked(source):
        report = _sync(engine, settings, source, stage, bar)
    if embed:  # incremental: only what changed, also what an interrupted sync left unembedded
        report.embedded = _embed(engine, EMBEDS[source], bar)
    return report


def _sync(engine: Engine, settings: Settings, source: str, stage: Stage, bar: ProgressFactory) -> SyncReport:
    fetcher = Fetcher(settings.sync_timeout_seconds)
    today = settings.current_day()
    try:
        if source == "calls":
            report = SyncReport(source, settings.sync_calls_url)
            with bar("read calls (pages)", 0) as advance:
                count, _ = stage_topics(fetcher, settings.sync_calls_url, settings.sync_facets_url, stage, advance)
            report.notes.append(f"{count:,} open and forthcoming topics read")
            report.imports.append(_import(engine, "calls", stage, RECORDS, settings.sync_calls_url, None, bar))
        else:
            urls = settings.sync_cordis_urls if source == "cordis" else _hubs_url(settings)
            report = SyncReport(source, ", ".join(urls))
            importer = "cordis" if source == "cordis" else "edih"
            suffix = ".zip" if source == "cordis" else ".xlsx"
            with Session(engine) as session:  # a database that never had this source: read it all
                conditional = session.get(SourceState, importer) is not None
            staged = []
            for number, url in enumerate(urls):
                with bar(f"download {url.rsplit('/', 1)[-1]}", 0) as advance:
                    staged.append((url, fetcher.download(url, stage, f"file-{number}{suffix}", advance, conditional)))
            for url, download in staged:
                if not download.changed:
                    report.notes.append(f"{url}: not changed since the last sync; not read")
                    continue
                name = download.path.name
                report.imports.append(_import(engine, importer, stage, name, url, today, bar))
            if not report.imports:  # checked, and current: say so on /sources
                with Session(engine) as session, session.begin():
                    record_run(session, importer, report.location, "sync", {"not_modified": True}, today)
            commit_validators(stage)
    finally:
        fetcher.close()
    stage.clear()
    return report


def _hubs_url(settings: Settings) -> list[str]:
    if not settings.sync_hubs_url:
        raise SamverkanError(
            "no address for the EDIH catalogue export: set SAMVERKAN_SYNC_HUBS_URL to the export (xlsx) address "
            "of the catalogue at https://european-digital-innovation-hubs.ec.europa.eu/"
        )
    return [settings.sync_hubs_url]


def _import(
    engine: Engine,
    importer: str,
    stage: Stage,
    name: str,
    location: str,
    as_of: dt.date | None,
    bar: ProgressFactory,
) -> ImportReport:
    path = stage.path(name)
    try:
        with bar(f"import {importer}", path.stat().st_size) as advance:
            # a sync is not held up by a few odd records: they are left out and listed
            return import_source(
                engine, importer, path, advance, skip_invalid=True, as_of=as_of, method="sync", location=location
            )
    except InputError:  # not what the source should send (a maintenance page?): read it afresh next time
        stage.clear()
        raise


def _embed(engine: Engine, kinds: tuple[str, ...], bar: ProgressFactory) -> dict[str, int]:
    from samverkan.search.dense import E5Embedder, embed_catalogue

    embedder = E5Embedder()
    out = {}
    for kind in kinds:
        with bar(f"embed {kind}", 0) as advance:
            for found in embed_catalogue(engine, embedder, [kind], progress=advance):
                out[kind] = found.embedded
    return out


class Scheduler:
    """Runs ``sync all`` every ``hours`` in a daemon thread until :meth:`stop`; a failing
    source is logged and tried again next time, the others still run. ``after`` is called once a
    round changed the catalogue (``serve`` prepares search for the new revision with it, so no
    visitor waits for the build)."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        hours: float,
        embed: bool = True,
        after: Callable[[], None] | None = None,
    ) -> None:
        self.engine, self.settings, self.hours, self.embed, self.after = engine, settings, hours, embed, after
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sync", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.hours * 3600):
            changed = False
            for source in SOURCES:
                if self._stop.is_set():
                    return
                try:
                    if source == "hubs" and not self.settings.sync_hubs_url:
                        continue  # no address given for the EDIH export
                    report = run_sync(self.engine, self.settings, source, embed=self.embed)
                    changed = changed or report.changed
                    log.info("sync %s: %s", source, "changed" if report.changed else "nothing new")
                except SamverkanError as exc:
                    log.warning("sync %s failed: %s", source, exc)
                except Exception:
                    log.exception("sync %s failed", source)
            if changed and self.after is not None:
                try:
                    self.after()
                except Exception:
                    log.exception("preparing search after the sync failed (the next search builds it)")


__all__ = ["SOURCES", "Scheduler", "SyncReport", "Unreachable", "run_sync"]

"""Importers: one module per source format, each parse → validate → upsert, idempotent.

Use :func:`import_source` (the CLI and API do); it runs one importer in one transaction.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from samverkan.catalogue.sources import record_run
from samverkan.importers.base import ImportContext, ImportReport
from samverkan.importers.files import InputFile, list_inputs, total_size

# source name → (module, one-line description); each module has ``run(ctx, path)``
SOURCES: dict[str, tuple[str, str]] = {
    "cordis": (
        "samverkan.importers.cordis",
        "CORDIS CSV dump (folder or zip) or an old-layout cordis-h2020projects.csv",
    ),
    "calls": ("samverkan.importers.calls", "Funding & Tenders topics, JSON lines"),
    "hubs": ("samverkan.importers.hubs", "JRC Digital Innovation Hub catalogue, CSV"),
    "edih": ("samverkan.importers.edih", "EDIH network hub catalogue, Excel export (.xlsx)"),
    "solutions": ("samverkan.importers.solutions", "JRC Innovative Public Services explorer cases, CSV"),
    "regions": ("samverkan.importers.regions", "NUTS 2021 GeoJSON/CSV and Swedish municipalities/counties"),
    "projects-se": ("samverkan.importers.projects_se", "Swedish ERDF/ESF project bank, CSV"),
    "platforms": ("samverkan.importers.platforms", "curated EU collaboration platforms, TOML"),
    "workprogramme": (
        "samverkan.importers.workprogramme",
        "official Horizon 2020 / Horizon Europe work programme PDFs: the text of their topics",
    ),
}


def import_source(
    engine: Engine,
    source: str,
    path: Path,
    progress: Callable[[int], None] | None = None,
    skip_invalid: bool = False,
    as_of: dt.date | None = None,
    method: str = "import",
    location: str | None = None,
) -> ImportReport:
    """Import ``path`` as ``source`` in one transaction; raise :class:`InputError` on bad input.

    Nothing is written unless the whole import succeeds (with ``skip_invalid``, invalid rows
    are left out and listed in the report instead). ``as_of``: the day the data was true, for
    records that carry no date of their own. The source's state (:mod:`samverkan.catalogue.sources`)
    is recorded in the same transaction; ``method`` and ``location`` say how and from where
    (a sync names the address it read, not its temporary files).
    """
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}; known: {', '.join(SOURCES)}")
    module = importlib.import_module(SOURCES[source][0])
    with Session(engine) as session, session.begin():
        ctx = ImportContext(session, source, progress=progress, skip_invalid=skip_invalid, as_of=as_of)
        module.run(ctx, Path(path))
        report = ctx.finish()
        data_as_of = ctx.data_as_of or as_of
        record_run(session, source, location or str(path), method, report.as_dict(), data_as_of)
        return report


def input_size(path: Path) -> int:
    """Bytes an import of ``path`` will read (for a progress bar)."""
    return total_size(list_inputs(Path(path)))


__all__ = ["SOURCES", "ImportReport", "InputFile", "import_source", "input_size"]

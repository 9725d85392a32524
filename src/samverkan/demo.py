"""The bundled demo catalogue: real public data shipped inside the package (see data/README.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from functools import partial
from importlib import resources
from pathlib import Path

from sqlalchemy.orm import Session

from samverkan.core import Samverkan
from samverkan.dataspace.demo import load_demo_dataspace
from samverkan.db.models import Meta
from samverkan.importers import ImportReport, input_size
from samverkan.importers.platforms import bundled_path
from samverkan.search.dense import E5Embedder, import_vectors
from samverkan.strategy.demo import load_demo_strategy

# Bump when the bundled files change, so existing databases load the new demo once.
DEMO_VERSION = "2026-12-05.1"
DEMO_KEY = "demo_version"

# (source, path inside samverkan/data/demo), imported in this order
DEMO_SOURCES: tuple[tuple[str, str], ...] = (
    ("regions", "regions"),
    ("cordis", "cordis/cordis-h2020.zip"),
    ("cordis", "cordis/cordis-h2020projects.csv.gz"),
    ("calls", "calls"),  # the topic export of AS_OF["calls"] and the search-API records (dated each)
    ("workprogramme", "workprogrammes"),  # after cordis and calls: gives their topics text
    ("hubs", "hubs/jrc-s3-dih-catalogue-2022.csv.gz"),
    ("edih", "hubs/edih-catalogue-export.xlsx"),  # after the JRC hubs: links the same hub in both
    ("solutions", "solutions"),
    ("projects-se", "cohesion"),
    ("platforms", ""),
)

# the day a file's data was true, for files whose records carry no date of their own:
# the topic export is OscarSalgado/CordisData @307d0a20, committed on 2026-08-12
AS_OF: dict[str, dt.date] = {"calls": dt.date(2026, 8, 12)}

ProgressFactory = Callable[[str, int], AbstractContextManager[Callable[[int], None] | None]]


def demo_dir() -> Path:
    return Path(str(resources.files("samverkan") / "data" / "demo"))


def demo_inputs() -> Iterator[tuple[str, Path]]:
    for source, relative in DEMO_SOURCES:
        yield source, (bundled_path() if source == "platforms" else demo_dir() / relative)


def demo_loaded(app: Samverkan) -> bool:
    with Session(app.engine) as session:
        row = session.get(Meta, DEMO_KEY)
        return row is not None and row.value == DEMO_VERSION


def load_demo(
    app: Samverkan, progress: ProgressFactory | None = None, force: bool = False, sensors: bool = True
) -> list[ImportReport]:
    """Import the bundled demo data (idempotent; skipped when this version is already loaded):
    the catalogue, then (``sensors``) the demo organisations: the data space's tenants with their
    real series, and Västra Götalandsregionen with its strategy board (``samverkan.strategy.demo``)."""
    if not force and demo_loaded(app):
        return []
    reports = []
    for source, path in demo_inputs():
        label = f"{source} ({path.name})"
        context = progress(label, input_size(path)) if progress else nullcontext(None)
        with context as advance:
            reports.append(app.import_source(source, path, progress=advance, as_of=AS_OF.get(source)))
    vectors = demo_vectors_path()
    if vectors.is_file():
        # stored only where the record's text is the one they were computed from
        import_vectors(app.engine, vectors)
    if sensors:
        context = progress("sensor series (data space)", 0) if progress else nullcontext(None)
        with context:
            load_demo_dataspace(partial(Session, app.engine))
        with Session(app.engine) as session, session.begin():
            load_demo_strategy(session)
    with Session(app.engine) as session, session.begin():
        session.merge(Meta(key=DEMO_KEY, value=DEMO_VERSION))
    return reports


def demo_vectors_path() -> Path:
    """e5 vectors of the demo records (float16), so the quick start searches hybrid at once."""
    return demo_dir() / "vectors" / f"{E5Embedder.name}.npz"

"""Fixtures of the sync tests: the shared files the local stand-ins of the sources serve."""

from __future__ import annotations

import copy
import csv
import io
import json
import zipfile

import pytest

from .sources import Sources

TOPICS = "calls/ft-topics-2026-03-to-08-sedia.jsonl"


@pytest.fixture(scope="module")
def topics(shared) -> list[dict]:
    return [json.loads(line) for line in (shared / TOPICS).read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def cordis_zip(shared) -> bytes:
    """A CORDIS dump as CORDIS publishes it (a zip of the official CSVs): the shared H2020
    files' first 150 projects with titles, with their topics and organisations."""
    folder = shared / "cordis" / "h2020"

    def rows(name: str) -> tuple[list[str], list[list[str]]]:
        with (folder / name).open(encoding="utf-8", newline="") as f:
            reader = csv.reader(f, delimiter=";")
            header = next(reader)
            return header, list(reader)

    project_header, projects = rows("project.csv")
    chosen = [p for p in projects if p[project_header.index("title")]][:150]
    ids = {p[0] for p in chosen}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, header, kept in (
            ("project.csv", project_header, chosen),
            ("topics.csv", *_kept(rows("topics.csv"), ids)),
            ("organization.csv", *_kept(rows("organization.csv"), ids)),
        ):
            buffer = io.StringIO()
            writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(kept)
            archive.writestr(name, buffer.getvalue())
    return out.getvalue()


def _kept(table: tuple[list[str], list[list[str]]], ids: set[str]) -> tuple[list[str], list[list[str]]]:
    header, rows = table
    column = header.index("projectID")
    return header, [r for r in rows if r[column] in ids]


@pytest.fixture(scope="module")
def edih_export(shared) -> bytes:
    return (shared / "hubs" / "edih-catalogue-export.xlsx").read_bytes()


@pytest.fixture
def sources(topics, cordis_zip, edih_export):
    files = {"cordis-h2020projects-csv.zip": cordis_zip, "edih-export.xlsx": edih_export}
    served = Sources(copy.deepcopy(topics), files)
    yield served
    served.close()

"""Catalogue snapshots: parts built once per revision, kept on disk, read back by other processes."""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy.orm import Session

from samverkan.catalogue import snapshot
from samverkan.catalogue.snapshot import DamagedPart, Snapshots, dump, load, prune
from samverkan.core import Samverkan
from samverkan.db import revision
from samverkan.search.lexical import LexicalIndex
from samverkan.settings import load_settings


def test_a_part_file_reads_back_as_read_only_views_of_the_file(tmp_path: Path) -> None:
    index = LexicalIndex.build([[("digital twins for water", 2)], [("water treatment", 1)]])
    value = {"index": index, "records": [{"id": "a"}, {"id": "b"}], "matrix": np.eye(3, dtype=np.float32)}
    path = tmp_path / "part.snap"
    size = dump(value, path)
    assert path.stat().st_size == size and not list(tmp_path.glob(".*.tmp"))
    back = load(path)
    assert back["records"] == value["records"]
    assert np.array_equal(back["matrix"], value["matrix"]) and not back["matrix"].flags.writeable
    assert [h.doc for h in back["index"].search(["water"])] == [h.doc for h in index.search(["water"])]
    assert not back["index"].docs.flags.writeable  # mapped from the file, not copied
    with pytest.raises(ValueError):
        back["index"].parts[0] = 1.0


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # cut short (a disk that filled up before the rename)
        lambda data: b"garbage!" + data[8:],  # not a part file
        lambda data: data[:16] + b"x" + data[17:],  # a broken header
        lambda data: b"",
    ],
)
def test_a_damaged_part_file_is_refused(tmp_path: Path, damage) -> None:
    path = tmp_path / "part.snap"
    dump({"matrix": np.arange(1000, dtype=np.float32)}, path)
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises((DamagedPart, ValueError, OSError)):
        load(path)


def test_a_part_file_naming_any_other_code_is_refused_not_run(tmp_path: Path) -> None:
    class Evil:
        def __reduce__(self):
            return (os.system, ("touch " + str(tmp_path / "pwned"),))

    path = tmp_path / "part.snap"
    path.write_bytes(snapshot.MAGIC + (2).to_bytes(8, "little") + b"{}" + pickle.dumps(Evil()))
    header = b'{"pickle": %d, "buffers": []}' % len(pickle.dumps(Evil()))
    path.write_bytes(snapshot.MAGIC + len(header).to_bytes(8, "little") + header + pickle.dumps(Evil()))
    with pytest.raises(DamagedPart, match="not a stored class"):
        load(path)
    assert not (tmp_path / "pwned").exists()


def test_a_damaged_part_is_built_again_and_rewritten(engine, tmp_path: Path, caplog) -> None:
    snapshots = Snapshots(engine, tmp_path)
    built = []
    first = snapshots.current().part("numbers", lambda: built.append(1) or np.arange(10))
    [path] = tmp_path.glob("*/numbers.snap")
    path.write_bytes(path.read_bytes()[:40])
    with caplog.at_level(logging.WARNING):
        again = Snapshots(engine, tmp_path).current().part("numbers", lambda: built.append(2) or np.arange(10))
    assert built == [1, 2] and np.array_equal(first, again)
    assert "damaged" in caplog.text
    assert np.array_equal(load(path), np.arange(10))  # written whole again


def test_a_new_revision_gets_new_parts_and_unused_old_ones_go(engine, tmp_path: Path) -> None:
    snapshots = Snapshots(engine, tmp_path)
    old = snapshots.current()
    assert old.part("n", lambda: 1) == 1
    with Session(engine) as session, session.begin():
        revision.bump(session)
    new = snapshots.current()
    assert new.key != old.key
    assert new.part("n", lambda: 2) == 2  # not the old revision's part
    assert {p.parent.name.split("-", 1)[1] for p in tmp_path.glob("*/n.snap")} == {old.key, new.key}
    # the old folder is removed once nobody has used it for an hour
    assert old.folder is not None and new.folder is not None
    past = time.time() - 2 * 3600
    os.utime(old.folder / snapshot.USED, (past, past))
    assert prune(tmp_path, keep=new.folder.name) == [old.folder.name]
    assert not old.folder.exists() and new.folder.exists()


def test_new_vectors_are_a_new_revision(engine) -> None:
    before = revision.key(engine)
    with Session(engine) as session, session.begin():
        revision.bump_vectors(session)
    after = revision.key(engine)
    assert before.split(".")[0] == after.split(".")[0] and before != after


def test_a_later_process_reads_every_part_of_the_demo_back_and_answers_the_same(demo_copy, tmp_path: Path) -> None:
    """What a CLI run or a restarted server does: no part of the demo is built twice, none is
    refused (a class missing from ``STORED`` would be built again in every process)."""
    folder = tmp_path / "snapshots"
    query = "digital tvilling för vattenrening i kommuner"

    def run() -> tuple[dict, list[str], list[str]]:
        app = Samverkan(load_settings(db=demo_copy, snapshot_dir=folder))
        try:
            app.warm_up()
            answer = app.search(query, limit=5)
            partners = app.partners(text=query, limit=5)
            current = app.searcher.snapshot()
            return {"search": answer["results"], "partners": partners["results"]}, current.built, current.loaded
        finally:
            app.close()

    first, built, loaded = run()
    assert loaded == []
    assert "call-finder-multilingual-e5-small-q4" in built and "history-multilingual-e5-small-q4" in built
    second, built_again, loaded_again = run()
    assert built_again == [] and loaded_again and set(loaded_again) <= set(built)  # nothing refused, built again
    assert second == first


def test_the_cli_searches_from_the_snapshot_files(demo_copy, tmp_path: Path) -> None:
    env = {**os.environ, "SAMVERKAN_DB": demo_copy, "SAMVERKAN_SNAPSHOT_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "samverkan.cli", "search", "--json", "vätgas i regionen"]
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=True)
    written = sorted(p.name for p in tmp_path.glob("*/*.snap"))
    assert "index-organisation.snap" in written
    stamps = {p: p.stat().st_mtime_ns for p in tmp_path.glob("*/*.snap")}
    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=True)
    assert second.stdout == first.stdout
    assert {p: p.stat().st_mtime_ns for p in tmp_path.glob("*/*.snap")} == stamps  # read, not written again
    off = subprocess.run(
        command, env={**env, "SAMVERKAN_SNAPSHOT_FILES": "false"}, capture_output=True, text=True, timeout=600
    )
    assert off.returncode == 0 and off.stdout == first.stdout


def test_an_import_on_the_command_line_prepares_search_for_the_new_revision(db_url, engine, tmp_path: Path) -> None:
    env = {**os.environ, "SAMVERKAN_DB": db_url, "SAMVERKAN_SNAPSHOT_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "samverkan.cli", "import", "platforms"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "search prepared for the new catalogue revision" in done.stderr
    folder = tmp_path / f"{snapshot.code_digest()}-{revision.key(engine)}"
    written = {p.name for p in folder.glob("*.snap")}
    assert {"index-platform.snap", "index-working_group.snap", "places.snap"} <= written
    assert any(name.startswith("call-finder") for name in written) and any(n.startswith("history") for n in written)
    again = subprocess.run(
        [sys.executable, "-m", "samverkan.cli", "import", "platforms"], env=env, capture_output=True, text=True
    )
    assert again.returncode == 0 and "search prepared" not in again.stderr  # nothing changed, nothing to prepare

"""One revision of the catalogue and what is derived from it, built once and kept on disk.

Search indexes, the call finder, the partner finder's history and the places of the records
all follow from the catalogue's content, which :func:`samverkan.db.revision.key` names. A
:class:`Snapshot` holds them for one key as *parts*, each built on first use, under one lock.

With a folder, each part is also written to ``FOLDER/<code>-<key>/<part>.snap`` and read from
there by any later process on the same content — a CLI command, a restarted server, another
web worker — instead of being built again. A part file is a small pickle whose numpy arrays
are stored out of band (pickle protocol 5, PEP 574), each aligned, after it; reading maps the
file and hands the pickle its arrays as read-only views of the mapping, so several processes
share one copy in the page cache and nothing is read before it is touched.

Invariants:
- A key names one content for good (random ids per change, see :mod:`samverkan.db.revision`);
  ``<code>`` is a digest of the code that builds parts, so new code never reads old parts.
- A part file is written to a temporary name and renamed: a reader sees a whole file or none.
- Reading trusts only what it knows: the unpickler resolves the classes registered with
  ``STORED`` and the few numpy and builtin names arrays need, nothing else; a file that is
  short, damaged or names anything else is removed and its part built again.
- A folder not used (``.used`` not touched) for ``KEEP`` is removed when another key's folder is
  written; a process using a folder touches it every ``TOUCH_EVERY``, and one that still maps
  the files of a removed folder keeps them (POSIX unlinks, mappings stay).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import mmap
import os
import pickle
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine

from samverkan.db import revision

log = logging.getLogger(__name__)

T = TypeVar("T")
MAGIC = b"SVSNAP1\n"
ALIGN = 64
KEEP = dt.timedelta(hours=1)
TOUCH_EVERY = 600.0  # seconds: a process marks the folders it uses this often (well within KEEP)
USED = ".used"
_ABSENT = object()  # no part file to read (a part's value may be None)

# What a part file may name: the classes parts are made of, and what numpy arrays need. A class
# added to a part must be added here, or its part is built again in every process (a test reads
# every part of the demo catalogue back).
STORED = {
    ("samverkan.search.documents", "KindIndex"),
    ("samverkan.search.lexical", "LexicalIndex"),
    ("samverkan.search.calls", "CallFinder"),
    ("samverkan.match.partners", "History"),
    ("samverkan.catalogue.places", "Places"),
    ("samverkan.catalogue.places", "Place"),
    ("samverkan.catalogue.places", "_Polygons"),
    ("numpy", "dtype"),
    ("numpy", "ndarray"),
    ("numpy._core.numeric", "_frombuffer"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("array", "array"),
    ("array", "_array_reconstructor"),
}


class DamagedPart(Exception):
    """A part file that cannot be read back as written."""


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in STORED:
            return super().find_class(module, name)
        raise DamagedPart(f"a part file names {module}.{name}, which is not a stored class")


def dump(value: Any, path: Path) -> int:
    """Write ``value`` to ``path`` (via a temporary name); return the bytes written."""
    buffers: list[pickle.PickleBuffer] = []
    body = pickle.dumps(value, protocol=5, buffer_callback=buffers.append)
    views = [b.raw() for b in buffers]
    places, offset = [], 0
    for view in views:
        places.append([offset, view.nbytes])
        offset += -(-view.nbytes // ALIGN) * ALIGN
    header = json.dumps({"pickle": len(body), "buffers": places}).encode()
    start = -(-(len(MAGIC) + 8 + len(header) + len(body)) // ALIGN) * ALIGN
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(MAGIC + len(header).to_bytes(8, "little") + header + body)
            for (at, _), view in zip(places, views, strict=True):
                out.seek(start + at)
                out.write(view)
            out.truncate(start + offset)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return start + offset


def load(path: Path) -> Any:
    """Read a part file written by :func:`dump`; its arrays are read-only views of the file."""
    with path.open("rb") as file:
        size = os.fstat(file.fileno()).st_size
        if size < len(MAGIC) + 8:
            raise DamagedPart(f"{path.name} is {size} bytes long")
        mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        if mapped[: len(MAGIC)] != MAGIC:
            raise DamagedPart(f"{path.name} is not a part file")
        length = int.from_bytes(mapped[len(MAGIC) : len(MAGIC) + 8], "little")
        head = len(MAGIC) + 8
        header = json.loads(mapped[head : head + length]) if head + length <= size else None
        if not isinstance(header, dict):
            raise DamagedPart(f"{path.name} has no header")
        body_end = head + length + header["pickle"]
        start = -(-body_end // ALIGN) * ALIGN
        view = memoryview(mapped)
        buffers = []
        for at, nbytes in header["buffers"]:
            if at < 0 or nbytes < 0 or start + at + nbytes > size:
                raise DamagedPart(f"{path.name} is cut short")
            buffers.append(view[start + at : start + at + nbytes])
        body = bytes(mapped[head + length : body_end])
        return _Unpickler(io.BytesIO(body), buffers=buffers).load()
    except (ValueError, KeyError, TypeError, EOFError, pickle.UnpicklingError) as exc:
        raise DamagedPart(f"{path.name}: {exc}") from exc


@cache
def code_digest() -> str:
    """A digest of the package's code and reference data (what builds the parts)."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    files = sorted(p for p in root.rglob("*") if p.suffix in (".py", ".toml", ".tsv", ".txt") and "demo" not in p.parts)
    for path in files:
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


class Snapshot:
    """The parts derived from one revision of the catalogue, each built once (see the module)."""

    def __init__(self, key: str, folder: Path | None, lock: threading.RLock) -> None:
        self.key = key
        self.folder = folder
        self._lock = lock
        self._parts: dict[str, Any] = {}
        self.loaded: list[str] = []  # parts read from files, in order (for reports and tests)
        self.built: list[str] = []  # parts built here

    def part(self, name: str, build: Callable[[], T]) -> T:
        """The part ``name``: in memory, else read from its file, else built (and written)."""
        with self._lock:
            if name in self._parts:
                return self._parts[name]  # type: ignore[no-any-return]
            value = self._read(name)
            if value is _ABSENT:
                value = build()
                self.built.append(name)
                self._write(name, value)
            else:
                self.loaded.append(name)
            self._parts[name] = value
            return value  # type: ignore[no-any-return]

    def _path(self, name: str) -> Path | None:
        return None if self.folder is None else self.folder / f"{name}.snap"

    def _read(self, name: str) -> Any:
        path = self._path(name)
        if path is None or not path.is_file():
            return _ABSENT
        try:
            return load(path)
        except Exception as exc:  # whatever is wrong with the file, the part can be built again
            log.warning("snapshot part %s is damaged and built again: %s", path, exc)
            path.unlink(missing_ok=True)
            return _ABSENT

    def _write(self, name: str, value: Any) -> None:
        path = self._path(name)
        if path is None:
            return
        try:
            fresh = not path.parent.exists()
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            (path.parent / USED).touch()
            dump(value, path)
            if fresh:
                prune(path.parent.parent, keep=path.parent.name)
        except OSError as exc:  # a full or read-only disk: the part stays in memory only
            log.warning("snapshot part %s not written: %s", path, exc)


def prune(root: Path, keep: str, older: dt.timedelta = KEEP) -> list[str]:
    """Remove the snapshot folders under ``root`` other than ``keep`` not used for ``older``."""
    removed = []
    limit = time.time() - older.total_seconds()
    for folder in root.iterdir() if root.is_dir() else ():
        if folder.name == keep or not folder.is_dir():
            continue
        used = folder / USED
        try:
            last = used.stat().st_mtime if used.exists() else folder.stat().st_mtime
        except OSError:
            continue
        if last < limit:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder.name)
    return removed


class Snapshots:
    """The snapshot of the catalogue's current revision; one per process and database."""

    def __init__(self, engine: Engine, folder: Path | None = None) -> None:
        self.engine = engine
        self.folder = folder
        self._lock = threading.RLock()
        self._current: Snapshot | None = None
        self._code: Snapshot | None = None
        self._touched = time.monotonic()  # when the folders in use were last marked so

    def current(self) -> Snapshot:
        """The snapshot of the revision now in the database (one small query)."""
        key = revision.key(self.engine)
        with self._lock:
            if self._current is None or self._current.key != key:
                folder = None if self.folder is None else self.folder / f"{code_digest()}-{key}"
                self._current = self._open(key, folder)
            elif time.monotonic() - self._touched > TOUCH_EVERY:  # still in use: not to be pruned
                for snapshot in (self._current, self._code):
                    if snapshot is not None and snapshot.folder is not None:
                        _touch(snapshot.folder)
                self._touched = time.monotonic()
            return self._current

    def _open(self, key: str, folder: Path | None) -> Snapshot:
        if folder is not None:
            _touch(folder)
        return Snapshot(key, folder, self._lock)

    def lasting(self, name: str, build: Callable[[], T]) -> T:
        """A part that depends on the code alone, not on the catalogue (a model shipped in a
        package, unpacked once): kept in ``<code>-code``."""
        with self._lock:
            if self._code is None:
                folder = None if self.folder is None else self.folder / f"{code_digest()}-code"
                self._code = self._open("code", folder)
            return self._code.part(name, build)


def _touch(folder: Path) -> None:
    """Mark a snapshot folder as in use (not pruned for another ``KEEP``), if it exists."""
    if folder.is_dir():
        try:
            (folder / USED).touch()
        except OSError:
            pass

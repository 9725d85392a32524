"""What every importer shares: the run context, row parsing and validation, the upsert.

An import is one database transaction: parse → validate → upsert in batches, streaming, so
memory stays flat. A problem in a row rejects the row; unless the user asked to skip invalid
rows, any rejected row makes the whole import fail and the transaction roll back, so nothing
of a rejected file is written.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import gzip
import hashlib
import math
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import inspect, select, update
from sqlalchemy.orm import Session

from samverkan.bounds import DEFAULT_LIMITS, Unbounded, check_text, load_json
from samverkan.catalogue.countries import is_iso_code, iso_from_code
from samverkan.db import revision
from samverkan.db.engine import aware
from samverkan.errors import InputError, Problem
from samverkan.importers.files import InputFile, ProgressFn

MAX_PROBLEMS = 20
# bounds on a file from outside: a line (a CSV record may span lines, each bounded) and what a
# file holds once decompressed (a 1 MB zip can hold gigabytes of one line)
MAX_LINE_BYTES = 16 * 1024 * 1024
MAX_FILE_BYTES = 16 * 1024**3
MAX_JSON_DEPTH = DEFAULT_LIMITS.max_depth
csv.field_size_limit(MAX_LINE_BYTES)


# --------------------------------------------------------------------------- reporting


@dataclass
class Counts:
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0


@dataclass
class ImportReport:
    """What an import did, per kind of record."""

    source: str
    counts: dict[str, Counts] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    rejected: list[Problem] = field(default_factory=list)

    def entity(self, name: str) -> Counts:
        return self.counts.setdefault(name, Counts())

    @property
    def changed(self) -> bool:
        return any(c.inserted or c.updated for c in self.counts.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "counts": {k: vars(v) for k, v in self.counts.items()},
            "notes": self.notes,
            "rejected": [str(p) for p in self.rejected],
        }

    def render(self) -> str:
        head = f"{'records':<22}{'read':>10}{'inserted':>10}{'updated':>10}{'unchanged':>11}{'rejected':>10}"
        lines = [f"import {self.source}", head]
        for name, c in self.counts.items():
            lines.append(f"{name:<22}{c.read:>10,}{c.inserted:>10,}{c.updated:>10,}{c.unchanged:>11,}{c.rejected:>10,}")
        lines += [f"note: {n}" for n in self.notes]
        lines += [f"rejected: {p}" for p in self.rejected[:MAX_PROBLEMS]]
        if len(self.rejected) > MAX_PROBLEMS:
            lines.append(f"rejected: … and {len(self.rejected) - MAX_PROBLEMS} more")
        return "\n".join(lines)


# --------------------------------------------------------------------------- rows


class RowInvalid(Exception):
    """A field of the current row is invalid (caught by :meth:`ImportContext.row`)."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def is_empty(value: object) -> bool:
    return value is None or value == "" or value == [] or value == {}


@dataclass
class Row:
    """One input record with typed accessors that raise :class:`RowInvalid` naming the field."""

    file: str
    line: int
    values: dict[str, Any]

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            value = str(value)
        try:
            check_text(value, name)  # no NUL or half surrogate reaches the database
        except Unbounded as exc:
            raise RowInvalid(name, exc.reason) from None
        value = value.strip()
        return value or None

    def required(self, name: str) -> str:
        value = self.text(name)
        if value is None:
            raise RowInvalid(name, "is required but empty")
        return value

    def number(self, name: str) -> float | None:
        value = self.values.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if not math.isfinite(value):
                raise RowInvalid(name, f"{value!r} is not a finite number")
            return float(value)
        text = self.text(name)
        if text is None:
            return None
        parsed = parse_number(text)
        if parsed is None:
            raise RowInvalid(name, f"{text!r} is not a number")
        return parsed

    def integer(self, name: str) -> int | None:
        value = self.number(name)
        if value is None:
            return None
        if value != int(value):
            raise RowInvalid(name, f"{value!r} is not a whole number")
        return int(value)

    def date(self, name: str) -> dt.date | None:
        text = self.text(name)
        if text is None:
            return None
        parsed = parse_date(text)
        if parsed is None:
            raise RowInvalid(name, f"{text!r} is not a date (expected YYYY-MM-DD)")
        return parsed

    def boolean(self, name: str) -> bool | None:
        text = self.text(name)
        if text is None:
            return None
        lowered = text.lower()
        if lowered in {"true", "1", "yes", "y", "t"}:
            return True
        if lowered in {"false", "0", "no", "n", "f"}:
            return False
        raise RowInvalid(name, f"{text!r} is not true/false")

    def country(self, name: str) -> str | None:
        text = self.text(name)
        if text is None:
            return None
        code = iso_from_code(text)
        if not is_iso_code(code):
            raise RowInvalid(name, f"{text!r} is not a two-letter country code")
        return code

    def choice(self, name: str, allowed: Iterable[str]) -> str | None:
        text = self.text(name)
        if text is None:
            return None
        allowed = tuple(allowed)
        if text not in allowed:
            raise RowInvalid(name, f"{text!r} is not one of {', '.join(allowed)}")
        return text


def parse_number(text: str) -> float | None:
    """``125113.75``, ``125113,75``, ``1 234,5``, ``1.234.567,8`` → float; else ``None``."""
    cleaned = text.replace("\u00a0", "").replace(" ", "").replace("'", "")
    if "," in cleaned and "." in cleaned:
        if cleaned.rfind(",") > cleaned.rfind("."):
            cleaned = cleaned.replace(".", "").replace(",", ".")
        else:
            cleaned = cleaned.replace(",", "")
    elif cleaned.count(",") == 1:
        cleaned = cleaned.replace(",", ".")
    elif cleaned.count(",") > 1:
        cleaned = cleaned.replace(",", "")
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_date(text: str) -> dt.date | None:
    """ISO dates, optionally followed by a time (``2023-03-03 18:10:00``)."""
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


# --------------------------------------------------------------------------- readers


def decoded_lines(source: InputFile, progress: ProgressFn | None) -> Iterator[tuple[int, str]]:
    """Physical lines of a UTF-8 file (a BOM is allowed), numbered from 1, decoded one by one
    so that an encoding error names its exact line. A line over :data:`MAX_LINE_BYTES`, a file
    over :data:`MAX_FILE_BYTES` once decompressed, or a broken compressed stream stops the
    import with a message naming the file and line (nothing larger is ever held in memory)."""

    def stop(line: int | None, message: str) -> InputError:
        return InputError([Problem(source.display, line, None, message)])

    total = 0
    number = 0
    try:
        with source.open(progress) as stream:
            while raw := stream.readline(MAX_LINE_BYTES + 1):
                number += 1
                total += len(raw)
                if len(raw) > MAX_LINE_BYTES:
                    raise stop(number, f"the line is longer than {MAX_LINE_BYTES:,} bytes; is this the right file?")
                if total > MAX_FILE_BYTES:
                    raise stop(number, f"the file holds more than {MAX_FILE_BYTES:,} bytes once decompressed")
                if number == 1 and raw.startswith(codecs.BOM_UTF8):
                    raw = raw[len(codecs.BOM_UTF8) :]
                try:
                    yield number, raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise stop(
                        number,
                        f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8 and import it again",
                    ) from exc
    except (zlib.error, EOFError, zipfile.BadZipFile, gzip.BadGzipFile) as exc:
        raise stop(number + 1, f"the compressed data is broken: {exc}") from exc


def read_csv(
    ctx: ImportContext,
    source: InputFile,
    required: Sequence[str],
    delimiter: str | None = None,
) -> Iterator[Row]:
    """Stream a CSV file as :class:`Row` objects, checking its layout first.

    The delimiter (``;`` or ``,``) is taken from the header line unless given. The file must
    be UTF-8; anything else is reported with the line where decoding failed.
    """
    lines = decoded_lines(source, ctx.progress)
    first = next(lines, (1, ""))[1]
    if not first.strip():
        raise InputError([Problem(source.display, 1, None, "the file is empty (no header line)")])
    if delimiter is None:
        delimiter = ";" if first.count(";") >= first.count(",") else ","
    physical = [1]  # number of the last physical line handed to the csv reader

    def text_lines() -> Iterator[str]:
        yield first
        for number, line in lines:
            physical[0] = number
            yield line

    reader = csv.reader(text_lines(), delimiter=delimiter, strict=True)
    header = [h.strip() for h in next(reader)]
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError(
            [
                Problem(
                    source.display,
                    1,
                    name,
                    f"required column is missing (the header has: {', '.join(header[:30])})",
                )
                for name in missing
            ]
        )
    dupes = sorted({h for h in header if header.count(h) > 1 and h})
    if dupes:
        raise InputError([Problem(source.display, 1, dupes[0], "column appears more than once")])
    width = len(header)
    while True:
        start = physical[0] + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            ctx.reject(Problem(source.display, start, None, f"malformed CSV: {exc}"))
            continue
        if not values or (len(values) == 1 and not values[0].strip()):
            continue  # blank line
        if len(values) != width:
            name = header[len(values)] if len(values) < width else None
            ctx.reject(
                Problem(
                    source.display,
                    start,
                    name,
                    f"expected {width} fields (as in the header), found {len(values)}",
                )
            )
            continue
        yield Row(source.display, start, dict(zip(header, values, strict=True)))


def read_jsonl(ctx: ImportContext, source: InputFile, required: Sequence[str]) -> Iterator[Row]:
    """Stream JSON lines (one object per line) as :class:`Row` objects."""
    for line_no, line in decoded_lines(source, ctx.progress):
        if not line.strip():
            continue
        try:
            value = load_json(line, "the line", MAX_JSON_DEPTH)
        except Unbounded as exc:
            if line_no == 1 and line.lstrip().startswith("["):
                raise InputError(
                    [Problem(source.display, 1, None, "expected JSON lines (one object per line), found a JSON array")]
                ) from exc
            ctx.reject(Problem(source.display, line_no, None, str(exc)))
            continue
        if not isinstance(value, dict):
            ctx.reject(Problem(source.display, line_no, None, "expected a JSON object"))
            continue
        missing = [c for c in required if c not in value]
        if missing:
            ctx.reject(Problem(source.display, line_no, missing[0], "required field is missing"))
            continue
        yield Row(source.display, line_no, value)


# --------------------------------------------------------------------------- merge policies

Merge = Callable[[dict[str, Any] | None, dict[str, Any]], dict[str, Any]]


def overwrite(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """The source is authoritative for every field it carries, empty values included."""
    return {**(old or {}), **new}


def replace_non_empty(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """Non-empty incoming values win; an empty incoming value never erases a known one."""
    out = dict(old or {})
    for key, value in new.items():
        if not is_empty(value) or key not in out:
            out[key] = value
    return out


def fill_empty(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """Only fill fields that are still empty (a less authoritative source)."""
    out = dict(old or {})
    for key, value in new.items():
        if key not in out or is_empty(out[key]):
            out[key] = value
    return out


def newest_wins(stamp: str) -> Merge:
    """A row with a newer ``stamp`` (e.g. contentUpdateDate) overwrites; older rows only fill."""

    def merge(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
        if old is None:
            return dict(new)
        if (new.get(stamp) or "") > (old.get(stamp) or ""):
            return replace_non_empty(old, new)
        return fill_empty(old, new)

    return merge


# --------------------------------------------------------------------------- the run


class ImportContext:
    """One import run: the session (one transaction), the report, progress and problems."""

    def __init__(
        self,
        session: Session,
        source: str,
        progress: ProgressFn | None = None,
        skip_invalid: bool = False,
        as_of: dt.date | None = None,
    ) -> None:
        self.session = session
        self.report = ImportReport(source)
        self.progress = progress
        self.skip_invalid = skip_invalid
        self.now = dt.datetime.now(dt.UTC)
        self.as_of = as_of  # when the data was true, for records that do not say (the user's word)
        self.data_as_of: dt.date | None = None  # the newest date the data itself carries
        self.problems: list[Problem] = []
        self.current_row: Row | None = None  # the row being read (for messages that name two lines)
        self._current: Counts | None = None
        self._seen: dict[str, set[tuple]] = {}

    def reject(self, problem: Problem) -> None:
        if self._current is not None:
            self._current.rejected += 1
        if self.skip_invalid:
            self.report.rejected.append(problem)
            return
        self.problems.append(problem)
        if len(self.problems) >= MAX_PROBLEMS:
            raise InputError(self.problems, more=0)

    @contextmanager
    def row(self, row: Row, counts: Counts) -> Iterator[None]:
        """Count a row as read; turn a :class:`RowInvalid` inside the block into a rejection."""
        counts.read += 1
        outer = self._current, self.current_row  # rows may nest (a platform's working groups)
        self._current, self.current_row = counts, row
        try:
            yield
        except RowInvalid as exc:
            self.reject(Problem(row.file, row.line, exc.field, exc.message))
        finally:
            self._current, self.current_row = outer

    def record_time(self) -> dt.datetime:
        """When a record without a date of its own was true: ``as_of``, else this import."""
        if self.as_of is None:
            return self.now
        return dt.datetime.combine(self.as_of, dt.time(), tzinfo=dt.UTC)

    def saw_data_of(self, day: dt.date | None) -> None:
        """Note a date the data itself carries (the newest one is how current the source is)."""
        if day is not None and (self.data_as_of is None or day > self.data_as_of):
            self.data_as_of = day

    def counting(self, counts: Counts) -> _Counting:
        """Attribute rejections made by a reader (malformed lines) to ``counts``."""
        return _Counting(self, counts)

    def finish(self) -> ImportReport:
        """Fail the whole import if any row was rejected (unless skipping was asked for)."""
        if self.problems:
            raise InputError(self.problems)
        if self.report.changed:
            revision.bump(self.session)
        return self.report

    def upserter(
        self,
        model: type,
        entity: str,
        merge: Merge = overwrite,
        batch: int = 500,
        repeats: bool = False,
        unique: bool = False,
    ) -> Upserter:
        """``repeats``: the source lists a record many times (an organisation per project);
        ``unique``: it lists each once per file, so a repeat with other values is an error."""
        upserter = Upserter(self, model, self.report.entity(entity), merge, batch)
        upserter.repeats = repeats
        upserter.unique = unique
        upserter._seen = self._seen.setdefault(entity, set())
        return upserter


class _Counting:
    def __init__(self, ctx: ImportContext, counts: Counts) -> None:
        self.ctx, self.counts = ctx, counts

    def __enter__(self) -> Counts:
        self.ctx._current = self.counts
        return self.counts

    def __exit__(self, *exc: object) -> None:
        self.ctx._current = None


class Upserter:
    """Batched, idempotent insert-or-update of one model, counting what really changed.

    Rows are dicts of column values; ``source_id`` may be given, ``source`` and
    ``imported_at`` are set here. Unchanged rows are not written at all, so running an
    import twice changes nothing (not even ``imported_at``).
    """

    def __init__(self, ctx: ImportContext, model: type[Any], counts: Counts, merge: Merge, batch: int) -> None:
        self.ctx = ctx
        self.model = model
        self.table = model.__table__
        self.counts = counts
        self.merge = merge
        self.batch = batch
        self.pk = [c.name for c in inspect(model).primary_key]
        self.columns = [c.name for c in self.table.columns]
        self.data_columns = [
            c for c in self.columns if c not in self.pk and c not in ("source", "source_id", "imported_at")
        ]
        self.max_lengths = {
            c.name: c.type.length for c in self.table.columns if isinstance(getattr(c.type, "length", None), int)
        }
        self.pending: dict[tuple, dict[str, Any]] = {}
        self.depends_on: list[Upserter] = []  # flushed first (rows this table references)
        # Records that recur across batches (an organisation on many rows) are counted as
        # unchanged once; set ``repeats = True`` for those. Costs one key per record.
        self.repeats = False
        self._seen: set[tuple] = set()
        # One record per id and file (``unique``): the first line of each id in its file, a
        # digest of its values and what was pending for the id before this file. A repeat with
        # the same values is stored once; with other values both lines are rejected (the file
        # contradicts itself), so rows wait until the file is read (``flush`` at its end).
        self.unique = False
        self._origins: dict[tuple, tuple[str, int, str, dict[str, Any] | None]] = {}
        self._conflicted: set[tuple] = set()
        # how a conflict names a record: (field, id) as the file's reader knows them
        self.names: Callable[[tuple], tuple[str, str]] = lambda key: (self.pk[0], "/".join(map(str, key)))

    def key(self, row: dict[str, Any]) -> tuple:
        return tuple(row[k] for k in self.pk)

    def add(self, row: dict[str, Any]) -> None:
        """Queue a row; raises :class:`RowInvalid` at once if a value cannot be stored."""
        for column, length in self.max_lengths.items():
            value = row.get(column)
            if isinstance(value, str) and len(value) > length:
                raise RowInvalid(column, f"is {len(value)} characters long; at most {length} fit")
        key = self.key(row)
        if self.unique and not self._first_in_file(key, row):
            return
        if key in self.pending:
            merged = self.merge(self.pending[key], row)
            merged.setdefault("source_id", row.get("source_id"))
            self.pending[key] = merged
        else:
            self.pending[key] = dict(row)
        if len(self.pending) >= self.batch and not self.unique:
            self.flush()

    def _first_in_file(self, key: tuple, row: dict[str, Any]) -> bool:
        """Whether ``row`` is the first of its id in its file (False: the same values again);
        raises :class:`RowInvalid` for a repeat with other values, after rejecting the first."""
        where = self.ctx.current_row
        if where is None:
            return True
        digest = hashlib.sha256(repr(sorted(row.items())).encode()).hexdigest()
        origin = self._origins.get(key)
        if origin is None or origin[0] != where.file:
            before = self.pending.get(key)
            self._origins[key] = (where.file, where.line, digest, dict(before) if before else None)
            return True
        field, label = self.names(key)
        if key in self._conflicted:
            raise RowInvalid(field, f"{label!r} appears again (first on line {origin[1]}) with other values")
        if origin[2] == digest:
            return False
        self._conflicted.add(key)
        if origin[3] is None:  # the first line's record is withdrawn too
            self.pending.pop(key, None)
        else:
            self.pending[key] = origin[3]
        self.ctx.reject(
            Problem(where.file, origin[1], field, f"{label!r} appears again on line {where.line} with other values")
        )
        raise RowInvalid(field, f"{label!r} appears already on line {origin[1]} with other values")

    def flush(self) -> None:
        for other in self.depends_on:
            other.flush()
        if not self.pending:
            return
        if len(self.pending) > self.batch:  # a whole file held back (unique): in batches
            rows = list(self.pending.items())
            for start in range(0, len(rows), self.batch):
                self.pending = dict(rows[start : start + self.batch])
                self.flush()
            return
        session = self.ctx.session
        keys = list(self.pending)
        # Look up by the first key column (the primary-key index's prefix) and keep exact
        # matches: row-value IN lists are not index-friendly on every database.
        condition = self.table.c[self.pk[0]].in_(sorted({k[0] for k in keys}))
        wanted = set(keys)
        existing = {}
        for r in session.execute(select(self.table).where(condition)).mappings():
            key = tuple(r[k] for k in self.pk)
            if key in wanted:
                existing[key] = dict(r)
        inserts, updates = [], []
        now = self.ctx.now
        for key, row in self.pending.items():
            old = existing.get(key)
            if old is None:
                record: dict[str, Any] = {c: None for c in self.columns}
                record.update(self.merge(None, row))
                record["source"] = self.ctx.report.source
                record["imported_at"] = now
                inserts.append({c: record[c] for c in self.columns})
                self.counts.inserted += 1
                continue
            old_data = {c: old[c] for c in self.data_columns}
            incoming = {c: row[c] for c in self.data_columns if c in row}
            merged = self.merge(old_data, incoming)
            if all(_same(merged[c], old_data[c]) for c in self.data_columns):
                if not _touched_in_run(old["imported_at"], now) and key not in self._seen:
                    self.counts.unchanged += 1
                    if self.repeats:
                        self._seen.add(key)
                continue
            change = {c: merged[c] for c in self.data_columns}
            change.update({k: old[k] for k in self.pk})
            change["source"] = self.ctx.report.source
            change["source_id"] = row.get("source_id", old["source_id"])
            change["imported_at"] = now
            updates.append(change)
            if not _touched_in_run(old["imported_at"], now):
                self.counts.updated += 1
                if key in self._seen:  # counted as unchanged earlier in this run
                    self.counts.unchanged -= 1
        if inserts:
            session.execute(self.table.insert(), inserts)
        if updates:
            session.execute(update(self.model), updates)
        self.pending.clear()


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)
    if isinstance(a, dt.datetime) and isinstance(b, dt.datetime):  # SQLite gives times back naive (UTC)
        return aware(a) == aware(b)
    return a == b


def _touched_in_run(stamp: dt.datetime | None, now: dt.datetime) -> bool:
    """Was this record already inserted or updated earlier in this same run?"""
    return stamp is not None and aware(stamp) >= now


def sniff_text(source: InputFile, limit: int = 4096) -> str:
    """The first bytes of a file as text (for layout detection), decoding errors replaced."""
    with source.open() as stream:
        data = stream.read(limit)
    return codecs.decode(data, "utf-8", errors="replace").lstrip("\ufeff")

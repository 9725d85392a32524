"""Excel workbooks (``.xlsx``) as rows, within bounds, read with openpyxl in read-only mode.

A workbook is a zip of XML parts, so it is bounded twice: the file itself, and what its parts
hold once unpacked (a small file can unpack to gigabytes). The first row of the sheet is its
header; rows are numbered as Excel numbers them, so a message names the row a person sees.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator, Sequence

from samverkan.errors import InputError, Problem
from samverkan.importers.base import ImportContext, Row
from samverkan.importers.files import InputFile

MAX_WORKBOOK_BYTES = 64 * 1024**2  # the .xlsx file
MAX_UNPACKED_BYTES = 512 * 1024**2  # its XML parts once unpacked
MAX_ROWS = 200_000
MAX_COLUMNS = 200

SUFFIXES = (".xlsx", ".xlsm")


def is_workbook(name: str) -> bool:
    """Whether a file name says Excel workbook (``.xls`` too: exports often say ``.xls`` and are xlsx)."""
    return name.lower().endswith((*SUFFIXES, ".xls"))


def read_xlsx(
    ctx: ImportContext, source: InputFile, required: Sequence[str], sheet: str | None = None
) -> Iterator[Row]:
    """Stream the rows of ``sheet`` (default: the first) as :class:`Row` objects keyed by the
    header row, after checking the size, the layout and that every ``required`` column is there.
    Empty rows are skipped; a value is text (numbers and dates as Excel shows them, ``str``)."""
    import openpyxl  # imported here: only this reader needs it
    from openpyxl.utils.exceptions import InvalidFileException

    def stop(message: str, line: int | None = None, field: str | None = None) -> InputError:
        return InputError([Problem(source.display, line, field, message)])

    if source.size > MAX_WORKBOOK_BYTES:
        raise stop(f"the workbook is larger than {MAX_WORKBOOK_BYTES:,} bytes")
    with source.open(ctx.progress) as stream:
        data = stream.read(MAX_WORKBOOK_BYTES + 1)
    if len(data) > MAX_WORKBOOK_BYTES:
        raise stop(f"the workbook is larger than {MAX_WORKBOOK_BYTES:,} bytes")
    buffer = io.BytesIO(data)
    if not zipfile.is_zipfile(buffer):
        raise stop("not an Excel workbook (.xlsx); an old binary .xls must be saved as .xlsx first")
    try:
        with zipfile.ZipFile(buffer) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise stop(f"broken workbook: {exc}") from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise stop(f"the workbook unpacks to more than {MAX_UNPACKED_BYTES:,} bytes")
    buffer.seek(0)
    try:
        book = openpyxl.load_workbook(buffer, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise stop(f"not a readable Excel workbook: {exc}") from exc
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise stop(f"no sheet {sheet!r}; the workbook has {', '.join(book.sheetnames)}")
        worksheet = book[sheet] if sheet is not None else book.worksheets[0]
        display = f"{source.display}!{worksheet.title}"
        rows = worksheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
        first = next(rows, None)
        header = [_cell(v) or "" for v in first or ()]
        while header and not header[-1]:
            header.pop()
        if not header:
            raise InputError([Problem(display, 1, None, "the sheet is empty (no header row)")])
        missing = [c for c in required if c not in header]
        if missing:
            raise InputError(
                [
                    Problem(
                        display,
                        1,
                        None,
                        f"required column(s) missing: {', '.join(missing)} (the header has: {', '.join(header[:30])})",
                    )
                ]
            )
        dupes = sorted({h for h in header if h and header.count(h) > 1})
        if dupes:
            raise InputError([Problem(display, 1, dupes[0], "column appears more than once")])
        for number, values in enumerate(rows, start=2):
            if number > MAX_ROWS + 1:
                raise InputError([Problem(display, number, None, f"the sheet has more than {MAX_ROWS:,} rows")])
            cells = [_cell(v) for v in values]
            if not any(cells):
                continue
            yield Row(display, number, {h: c for h, c in zip(header, cells, strict=False) if h})
    finally:
        book.close()


def _cell(value: object) -> str | None:
    """A cell as text; ``None`` for an empty one."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None

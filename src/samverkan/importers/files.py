"""Input files from a folder, a zip archive or a single path, read as streams with progress."""

from __future__ import annotations

import gzip
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO

from samverkan.errors import InputError, Problem

ProgressFn = Callable[[int], None]


@dataclass(frozen=True)
class InputFile:
    """One file to import; ``display`` names it in messages (``archive.zip!member.csv``)."""

    display: str
    name: str
    size: int
    _open: Callable[[], IO[bytes]]

    def open(self, progress: ProgressFn | None = None) -> IO[bytes]:
        """A binary stream of the (decompressed) content; ``progress`` gets raw bytes read."""
        raw = self._open()
        if progress is not None:
            raw = io.BufferedReader(_CountingRaw(raw, progress), buffer_size=1 << 16)
        if self.display.endswith(".gz"):
            return _GzipReader(raw)  # type: ignore[return-value]
        return raw


class _GzipReader(gzip.GzipFile):
    """A gzip stream that also closes the file it reads from."""

    def __init__(self, raw: IO[bytes]) -> None:
        super().__init__(fileobj=raw, mode="rb")
        self._raw = raw

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._raw.close()


class _CountingRaw(io.RawIOBase):
    def __init__(self, inner: IO[bytes], progress: ProgressFn) -> None:
        self._inner = inner
        self._progress = progress

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        data = self._inner.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        if n:
            self._progress(n)
        return n

    def close(self) -> None:
        self._inner.close()
        super().close()


def list_inputs(path: Path) -> list[InputFile]:
    """All files under ``path``: a folder (recursively), a ``.zip`` archive or one file."""
    if not path.exists():
        raise InputError([Problem(str(path), None, None, "no such file or folder")])
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file())
        return [_plain(p) for p in files]
    if zipfile.is_zipfile(path):
        return _zip_members(path)
    return [_plain(path)]


def _plain(path: Path) -> InputFile:
    name = path.name[:-3] if path.name.endswith(".gz") else path.name
    return InputFile(str(path), name, path.stat().st_size, lambda: open(path, "rb"))


def _zip_members(path: Path) -> list[InputFile]:
    try:
        archive = zipfile.ZipFile(path)
        infos = [i for i in archive.infolist() if not i.is_dir()]
    except zipfile.BadZipFile as exc:
        raise InputError([Problem(str(path), None, None, f"broken zip archive: {exc}")]) from exc
    out = []
    for info in sorted(infos, key=lambda i: i.filename):
        if Path(info.filename).name.lower().endswith(".zip"):
            continue  # nested archives are not followed
        out.append(
            InputFile(
                f"{path}!{info.filename}",
                Path(info.filename).name,
                info.file_size,
                partial(archive.open, info),
            )
        )
    return out


def total_size(files: list[InputFile]) -> int:
    return sum(f.size for f in files)

"""Reading the official sources over HTTP, within bounds, into a staging folder that survives
an interrupted sync.

A sync first *stages* what it reads (each page or file written to a temporary name, then
renamed, so a file in the staging folder is always whole) and imports only once everything is
there; so a sync killed half-way resumes from the pages it already has, and a source that
cannot be reached leaves the database as it was. Staged files older than
:data:`STAGE_MAX_AGE` are not reused (the source will have moved on).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2 as httpx

from samverkan.bounds import Unbounded, load_json
from samverkan.errors import SamverkanError

STAGE_MAX_AGE = dt.timedelta(hours=20)
MAX_JSON_BYTES = 64 * 1024 * 1024  # one page of search results
MAX_FILE_BYTES = 8 * 1024**3  # one downloaded dump
RETRIES = 3
USER_AGENT = "samverkan-sync (+https://github.com/samverkan)"


class Unreachable(SamverkanError):
    """A source did not answer, or not as expected; nothing was written."""

    code = "unreachable"


@dataclass(frozen=True)
class Download:
    path: Path
    changed: bool  # False: the source said it has not changed since the last sync (304)


class Stage:
    """One source's staging folder: whole files only, with a small JSON state beside them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        state = self.read_state()
        started = state.get("started")
        if started and dt.datetime.now(dt.UTC) - dt.datetime.fromisoformat(started) > STAGE_MAX_AGE:
            self.clear(keep=("validators.json",))
            started = None
        if not started:  # every stage ages, pages and dumps alike
            self.write_state({"started": dt.datetime.now(dt.UTC).isoformat()})

    @contextmanager
    def locked(self, what: str) -> Iterator[None]:
        """Hold the stage alone for a whole sync (the scheduler and a command line may meet)."""
        with (self.folder / ".lock").open("w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise SamverkanError(f"a sync of {what} is running already; try again when it has finished") from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def read_state(self) -> dict[str, Any]:
        return self.read_json("state.json") or {}

    def write_state(self, state: dict[str, Any]) -> None:
        self.write_json("state.json", state)

    def read_json(self, name: str) -> Any:
        path = self.folder / name
        if not path.is_file():
            return None
        return json.loads(path.read_text(encoding="utf-8"))

    def write_json(self, name: str, value: Any) -> None:
        self.write_bytes(name, json.dumps(value, ensure_ascii=False).encode())

    def write_bytes(self, name: str, data: bytes) -> None:
        """Write ``name`` whole or not at all (a temporary name, then an atomic rename)."""
        final = self.folder / name
        partial = final.with_name(final.name + ".part")
        partial.write_bytes(data)
        os.replace(partial, final)

    def has(self, name: str) -> bool:
        return (self.folder / name).is_file()

    def path(self, name: str) -> Path:
        return self.folder / name

    def clear(self, keep: tuple[str, ...] = ("validators.json",)) -> None:
        """Forget what was staged (after a successful import, or when it is too old)."""
        for child in self.folder.iterdir():
            if child.name in keep or child.name == ".lock":
                continue
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()


class Fetcher:
    """HTTP with a timeout, a few retries with back-off, and bounded answers."""

    def __init__(self, timeout: float, retries: int = RETRIES, pause: float = 1.0) -> None:
        self.client = httpx.Client(
            timeout=timeout, follow_redirects=True, headers={"User-Agent": USER_AGENT, "Accept": "application/json"}
        )
        self.retries = retries
        self.pause = pause

    def close(self) -> None:
        self.client.close()

    def post_form(self, url: str, fields: dict[str, Any]) -> Any:
        """POST ``fields`` as multipart form data (objects and lists as JSON parts, as the
        portal's search service expects) and return the JSON answer."""
        files = {
            name: ("blob", json.dumps(value), "application/json")
            if isinstance(value, (dict, list))
            else (None, str(value))
            for name, value in fields.items()
        }
        response = self._send(lambda: self.client.post(url, files=files), url)
        if len(response.content) > MAX_JSON_BYTES:
            raise Unreachable(f"{url}: an answer of {len(response.content):,} bytes is more than a page can be")
        try:  # bounded: nested at most as deep as any JSON from outside may be
            return load_json(response.content, "the answer")
        except Unbounded as exc:
            raise Unreachable(f"{url}: {exc} ({_start(response.text)})") from None

    def download(
        self,
        url: str,
        stage: Stage,
        name: str,
        progress: Callable[[int], None] | None = None,
        conditional: bool = True,
    ) -> Download:
        """Stream ``url`` into the stage as ``name``, unless it is staged already or (with
        ``conditional``: the database holds what the last sync read) the source says it has not
        changed since the last successful sync (ETag / Last-Modified)."""
        if stage.has(name):
            return Download(stage.path(name), True)
        validators = (stage.read_json("validators.json") or {}).get(url, {}) if conditional else {}
        headers = {}
        if validators.get("etag"):
            headers["If-None-Match"] = validators["etag"]
        if validators.get("last_modified"):
            headers["If-Modified-Since"] = validators["last_modified"]
        final = stage.path(name)
        partial = final.with_name(final.name + ".part")
        for attempt in range(self.retries):
            try:
                with self.client.stream("GET", url, headers=headers) as response:
                    if response.status_code == 304:
                        return Download(final, False)
                    if response.status_code >= 400:
                        response.read()
                    _check(response, url)
                    received = 0
                    with partial.open("wb") as out:
                        for chunk in response.iter_bytes(1 << 20):
                            received += len(chunk)
                            if received > MAX_FILE_BYTES:
                                raise Unreachable(f"{url}: more than {MAX_FILE_BYTES:,} bytes; not a dump we read")
                            out.write(chunk)
                            if progress:
                                progress(len(chunk))
                    os.replace(partial, final)
                    stage.write_json(
                        "pending-validators.json",
                        (stage.read_json("pending-validators.json") or {})
                        | {
                            url: {
                                "etag": response.headers.get("etag"),
                                "last_modified": response.headers.get("last-modified"),
                            }
                        },
                    )
                    return Download(final, True)
            except httpx.HTTPError as exc:
                if attempt + 1 == self.retries:
                    raise Unreachable(f"{url}: {_reason(exc)}") from None
                time.sleep(self.pause * 2**attempt)
        raise AssertionError("unreachable")

    def _send(self, request: Callable[[], httpx.Response], url: str) -> httpx.Response:
        for attempt in range(self.retries):
            try:
                response = request()
                if response.status_code >= 500 and attempt + 1 < self.retries:
                    time.sleep(self.pause * 2**attempt)
                    continue
                _check(response, url)
                return response
            except httpx.HTTPError as exc:
                if attempt + 1 == self.retries:
                    raise Unreachable(f"{url}: {_reason(exc)}") from None
                time.sleep(self.pause * 2**attempt)
        raise AssertionError("unreachable")


def commit_validators(stage: Stage) -> None:
    """After a successful import: remember the downloads' validators for the next sync."""
    pending = stage.read_json("pending-validators.json") or {}
    stage.write_json("validators.json", (stage.read_json("validators.json") or {}) | pending)


def _check(response: httpx.Response, url: str) -> None:
    if response.status_code >= 400:
        raise Unreachable(f"{url}: the source answered HTTP {response.status_code} ({_start(response.text)})")


def _reason(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "no answer in time (SAMVERKAN_SYNC_TIMEOUT_SECONDS)"
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect ({exc})"
    return str(exc) or type(exc).__name__


def _start(text: str) -> str:
    text = " ".join(text.split())
    return text[:120] + ("…" if len(text) > 120 else "")

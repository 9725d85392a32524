"""The door of the web app: every HTTP request passes :class:`Guard` first.

In order, for each request:

1. **Rate limits** (the ``limits`` library, in memory, sliding windows): a request with a token
   counts against that token (``rate_limit_token``), one without against its client address
   (``rate_limit_address``); a refused token (401) counts against the address too, so guessing
   tokens is limited like anything anonymous. Above the limit: ``429`` with ``Retry-After``.
   Static files are not counted.
2. **The address** may hold no NUL character (no database stores one) (``400``). **The body**
   is read here once and bounded: at most ``sta_max_body_bytes`` under ``/sta``,
   :data:`API_MAX_BODY` elsewhere (``413``), arriving within the request's time budget, at
   least :data:`BODY_SECONDS` (``408``: a client trickling a body must not hold a connection);
   a write to ``/api`` or ``/sta`` must say ``application/json`` (``415``); a JSON body is
   parsed by :func:`samverkan.bounds.load_json` (``400`` naming what is wrong; a large one in a
   worker thread) and handed on in the scope, so no handler parses it again.
3. **A time budget** (:mod:`samverkan.budget`, ``request_budget_seconds``) for the work before
   the response starts, and a watch on the connection: when the client goes away the budget is
   spent at once and the work stops at its next check.
4. **Headers**: ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy`` on every response.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import math
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import SlidingWindowCounterRateLimiter

from samverkan import budget
from samverkan.bounds import Unbounded, load_json
from samverkan.dataspace.tenants import bearer
from samverkan.errors import OverBudget, SamverkanError, TooLarge, Unsupported
from samverkan.settings import Settings

log = logging.getLogger("samverkan.web")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

API_MAX_BODY = 1024 * 1024  # bytes of a JSON body to /api (shares and tokens are a few hundred)
BODY_SECONDS = 1.0  # the least time a body may take to arrive, whatever the request's budget
PARSE_INLINE = 64 * 1024  # bodies up to this size are parsed in the event loop (quicker than a thread)
BODY = "samverkan.body"  # the scope key of the parsed JSON body
WRITES = {"POST", "PUT", "PATCH"}
HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin")]


def parsed_body(scope: Scope) -> Any:
    """The JSON body the guard parsed (None when the request had none)."""
    return scope.get(BODY)


class Limiter:
    """Sliding-window counters per token and per client address."""

    def __init__(self, per_address: str, per_token: str) -> None:
        self.address: RateLimitItem = parse(per_address)
        self.token: RateLimitItem = parse(per_token)
        self.windows = SlidingWindowCounterRateLimiter(MemoryStorage())

    def admit(self, address: str, token: str | None) -> int | None:
        """None if the request may go ahead, else the seconds to wait."""
        if token is not None:
            key = hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()[:32]
            if not self.windows.test(self.address, "address", address):  # it is guessing tokens
                return self._wait(self.address, "address", address)
            return None if self.windows.hit(self.token, "token", key) else self._wait(self.token, "token", key)
        return (
            None if self.windows.hit(self.address, "address", address) else self._wait(self.address, "address", address)
        )

    def refused(self, address: str) -> None:
        """A token was refused: count it against the address."""
        self.windows.hit(self.address, "address", address)

    def _wait(self, item: RateLimitItem, *keys: str) -> int:
        reset = self.windows.get_window_stats(item, *keys).reset_time
        return max(1, math.ceil(reset - time.time()))


class Guard:
    """ASGI middleware: rate limits, bounded and checked bodies, time budget, headers."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.limiter = Limiter(settings.rate_limit_address, settings.rate_limit_token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        address = (scope.get("client") or ("unknown", 0))[0]
        try:
            token = bearer(headers.get("authorization"))
        except SamverkanError:  # malformed: the handler answers 401; it counts as a guess here
            token = headers.get("authorization", "")
        if not path.startswith("/static/"):
            wait = self.limiter.admit(address, token)
            if wait is not None:
                message = f"too many requests; try again in {wait} s"
                await _refuse(send, path, 429, "too_many_requests", message, {"retry-after": str(wait)})
                return
        try:
            if "\x00" in path or b"%00" in scope.get("query_string", b""):
                raise _Refusal(
                    400, "nul_character", "the address holds a NUL character, which no parameter may contain"
                )
            body = await self._body(scope, receive, path, headers)
        except _Refusal as refusal:
            await _refuse(send, path, refusal.status, refusal.code, refusal.message)
            return
        await self._serve(scope, receive, send, body, address, token is not None)

    async def _body(self, scope: Scope, receive: Receive, path: str, headers: dict[str, str]) -> bytes:
        """The whole body, within its limit, and — for JSON writes — parsed into the scope."""
        limit = self.settings.sta_max_body_bytes if path.startswith("/sta/") else API_MAX_BODY
        declared = headers.get("content-length", "")
        if declared.isascii() and declared.isdigit() and int(declared) > limit:
            raise _Refusal(413, TooLarge.code, f"request body of {int(declared)} bytes; the limit is {limit}")
        chunks, size = [], 0
        allowed = max(BODY_SECONDS, self.settings.request_budget_seconds)
        deadline = time.monotonic() + allowed
        while True:
            try:  # a body trickled in slowly would hold a connection (and a shutdown) for ever
                message = await asyncio.wait_for(receive(), max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                raise _Refusal(408, "body_timeout", f"the body did not arrive within {allowed:g} s") from None
            if message["type"] == "http.disconnect":
                raise _Refusal(400, "incomplete_body", "the client went away before sending the whole body")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _Refusal(413, TooLarge.code, f"request body above the limit of {limit} bytes")
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if scope["method"] in WRITES and path.startswith(("/api/", "/sta/")) and body.strip():
            media = headers.get("content-type", "").split(";")[0].strip().lower()
            if media != "application/json" and not media.endswith("+json"):
                raise _Refusal(
                    415, Unsupported.code, f"send the body as application/json, not {media or 'without a Content-Type'}"
                )
            try:
                if len(body) > PARSE_INLINE:  # a large body is parsed beside the event loop
                    scope[BODY] = await anyio.to_thread.run_sync(load_json, body, "body", self.settings.json_max_depth)
                else:
                    scope[BODY] = load_json(body, "body", self.settings.json_max_depth)
            except Unbounded as exc:
                raise _Refusal(exc.status, exc.code, str(exc)) from None
        return body

    async def _serve(
        self, scope: Scope, receive: Receive, send: Send, body: bytes, address: str, with_token: bool
    ) -> None:
        """Hand the request on with its budget: the body replayed to the app, the real
        connection watched for the client going away, headers added to the answer."""
        with budget.opened(self.settings.request_budget_seconds) as work:
            replayed, started = False, False
            gone = asyncio.Event()

            async def downstream_receive() -> Message:
                nonlocal replayed
                if not replayed:
                    replayed = True
                    return {"type": "http.request", "body": body, "more_body": False}
                await gone.wait()
                return {"type": "http.disconnect"}

            async def guarded_send(message: Message) -> None:
                nonlocal started
                if message["type"] == "http.response.start":
                    started = True
                    work.unlimited()  # a streamed answer goes on while the client reads
                    if with_token and message["status"] == 401:
                        self.limiter.refused(address)
                    present = {k.lower() for k, _ in message.get("headers", [])}
                    message["headers"] = [*message.get("headers", []), *(h for h in HEADERS if h[0] not in present)]
                await send(message)

            async def watch() -> None:
                while (await receive())["type"] != "http.disconnect":
                    pass
                work.gone.set()
                gone.set()

            watcher = asyncio.create_task(watch())
            try:
                await self.app(scope, downstream_receive, guarded_send)
            except Exception:
                if started or not work.spent:
                    raise
                log.warning("%s %s stopped: its budget was spent", scope["method"], scope["path"])
                message = "the request was stopped: it ran out of time"
                await _refuse(send, scope["path"], 503, OverBudget.code, message, {"retry-after": "1"})
            finally:
                watcher.cancel()


class _Refusal(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


async def _refuse(
    send: Send, path: str, status: int, code: str, message: str, extra: dict[str, str] | None = None
) -> None:
    """An error answer in the form of the part of the app asked: SensorThings' error object,
    the API's ``{"detail", "code"}`` (``code`` as :mod:`samverkan.errors` names it), or plain
    text for pages."""
    if path.startswith("/sta/"):
        payload = json.dumps({"code": status, "type": "error", "message": message}).encode()
        media = b"application/json"
    elif path.startswith("/api/"):
        payload = json.dumps({"detail": message, "code": code}).encode()
        media = b"application/json"
    else:
        payload = message.encode()
        media = b"text/plain; charset=utf-8"
    headers = [(b"content-type", media), (b"content-length", str(len(payload)).encode()), *HEADERS]
    headers += [(k.encode(), v.encode()) for k, v in (extra or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})

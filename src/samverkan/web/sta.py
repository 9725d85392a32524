"""OGC SensorThings API 1.1 over HTTP, under ``/sta/v1.1``.

The standard defines this interface (its own specification is the documentation), so it is
left out of samverkan's OpenAPI document. Errors answer ``{"code", "type": "error",
"message"}`` with the standard's status codes: 400 malformed request, 401 missing or invalid
token, 403 not allowed, 404 unknown entity, 409 conflict, 413 too large.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from samverkan.dataspace.model import SETS
from samverkan.dataspace.tenants import bearer
from samverkan.errors import SamverkanError, TooLarge, http_status

PREFIX = "/sta/v1.1"
router = APIRouter(include_in_schema=False)
CONFORMANCE = [
    "http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/resource-path/resource-path-to-entities",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/request-data",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/create-update-delete",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/data-array/data-array",
]


def error(status: int, message: str) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="samverkan"'} if status == 401 else None
    return JSONResponse({"code": status, "type": "error", "message": message}, status_code=status, headers=headers)


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/") + PREFIX


async def answer(request: Request, work: Callable[[], Any], success: Callable[[Any], Response]) -> Response:
    try:
        result = await run_in_threadpool(work)
    except SamverkanError as exc:
        return error(http_status(exc), str(exc))
    return success(result)


async def body_of(request: Request) -> Any:
    """The JSON body, within the size limit; a clear 400 or 413 otherwise."""
    limit = request.app.state.samverkan.settings.sta_max_body_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"request body of {int(declared)} bytes; the limit is {limit}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"request body above the limit of {limit} bytes")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        raise SamverkanError("the request has no body: send a JSON entity")
    try:
        return json.loads(raw)
    except UnicodeDecodeError as exc:
        raise SamverkanError("the body is not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        raise SamverkanError(f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from exc


def token_of(request: Request) -> str | None:
    return bearer(request.headers.get("authorization"))


@router.get(PREFIX)
@router.get(PREFIX + "/")
async def root(request: Request) -> Response:
    base = base_url(request)
    return JSONResponse(
        {
            "value": [{"name": name, "url": f"{base}/{name}"} for name in SETS],
            "serverSettings": {"conformance": CONFORMANCE},
        }
    )


@router.api_route(PREFIX + "/{path:path}", methods=["GET", "POST", "PATCH", "DELETE"])
async def resource(request: Request, path: str) -> Response:
    space = request.app.state.samverkan.dataspace
    base = base_url(request)
    try:
        token = token_of(request)
        body = await body_of(request) if request.method in ("POST", "PATCH") else None
    except SamverkanError as exc:
        return error(http_status(exc), str(exc))
    if request.method == "GET":
        query = dict(request.query_params)
        return await answer(
            request, lambda: space.read(token, path, query, base, request.url.query), lambda r: _json(r)
        )
    if request.method == "POST" and path.strip("/") == "CreateObservations":
        return await answer(
            request,
            lambda: space.create_observations(token, body),
            lambda ids: Response(self_links(base, ids), status_code=201, media_type="application/json"),
        )
    if request.method == "POST":

        def create() -> tuple[str, Any]:
            name, ident = space.create(token, path, body)
            return f"{base}/{name}({ident})", space.read(token, f"{name}({ident})", {}, base)

        return await answer(
            request,
            create,
            lambda made: JSONResponse(made[1], status_code=201, headers={"Location": made[0]}),
        )
    if request.method == "PATCH":
        return await answer(
            request,
            lambda: (space.update(token, path, body), space.read(token, path, {}, base))[1],
            lambda entity: _json(entity),
        )
    return await answer(request, lambda: space.delete(token, path), lambda _: Response(status_code=200))


def self_links(base: str, ids: list[int]) -> bytes:
    """The answer to ``CreateObservations``: a JSON array of the observations' selfLinks, written
    directly (a batch can hold 100,000 of them, and only the number changes): the numbers are
    joined by commas, and each comma becomes the end of one link and the start of the next."""
    if not ids:
        return b"[]"
    prefix = json.dumps(f"{base}/Observations(")[:-1]  # the opening quote, escaped as JSON
    return ("[" + prefix + ",".join(map(str, ids)).replace(",", ')",' + prefix) + ')"]').encode()


def _json(value: Any) -> Response:
    if isinstance(value, str):  # …/property/$value
        return Response(value, media_type="text/plain; charset=utf-8")
    return JSONResponse(value)

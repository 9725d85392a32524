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
from samverkan.errors import SamverkanError
from samverkan.web.guard import parsed_body

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
    """The SensorThings root for self links: the configured public address, never ``Host``."""
    return request.app.state.samverkan.settings.base_url + PREFIX


async def answer(request: Request, work: Callable[[], Any], success: Callable[[Any], Response]) -> Response:
    try:
        result = await run_in_threadpool(work)
    except SamverkanError as exc:
        response = error(exc.status, str(exc))
        if exc.status == 503:
            response.headers["Retry-After"] = "1"
        return response
    return success(result)


def body_of(request: Request) -> Any:
    """The JSON body, as the guard read, bounded and parsed it (:mod:`samverkan.web.guard`)."""
    body = parsed_body(request.scope)
    if body is None:
        raise SamverkanError("the request has no body: send a JSON entity", code="no_body")
    return body


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
        body = body_of(request) if request.method in ("POST", "PATCH") else None
    except SamverkanError as exc:
        return error(exc.status, str(exc))
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

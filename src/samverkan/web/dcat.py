"""The open-data catalogue for harvesters (dataportal.se, data.europa.eu): DCAT-AP 3 as Turtle
at ``/dcat/catalog.ttl`` and JSON-LD at ``/dcat/catalog.jsonld``; ``/dcat/catalog`` picks by
``Accept``. Only datastreams their owners shared with the public are listed."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy.orm import Session

from samverkan.dataspace import catalog, dcat

router = APIRouter(include_in_schema=False)


async def _catalogue(request: Request, fmt: str) -> Response:
    core = request.app.state.samverkan
    base = core.settings.base_url

    def build() -> str:
        with Session(core.engine) as session:
            return catalog.catalogue(session, base, fmt)

    body = await run_in_threadpool(build)
    media = dcat.TURTLE_TYPE if fmt == "ttl" else dcat.JSONLD_TYPE
    return Response(body, media_type=f"{media}; charset=utf-8")


@router.get("/dcat/catalog.ttl")
async def turtle(request: Request) -> Response:
    return await _catalogue(request, "ttl")


@router.get("/dcat/catalog.jsonld")
async def jsonld(request: Request) -> Response:
    return await _catalogue(request, "jsonld")


@router.get("/dcat/catalog")
async def negotiated(request: Request) -> Response:
    accept = request.headers.get("accept", "")
    return await _catalogue(request, "jsonld" if "json" in accept else "ttl")

"""``create_app(settings)`` builds the FastAPI application; nothing is created at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from samverkan.core import Samverkan
from samverkan.errors import NotFound, SamverkanError
from samverkan.search import QueryError
from samverkan.search.filters import FilterError
from samverkan.settings import Settings, load_settings
from samverkan.web import pages
from samverkan.web.api import partners, records, search


def create_app(settings: Settings | None = None, app: Samverkan | None = None) -> FastAPI:
    """The web application over one database (``settings.db``)."""
    settings = settings or load_settings()
    core = app or Samverkan(settings)

    @asynccontextmanager
    async def lifespan(_web: FastAPI) -> AsyncIterator[None]:
        yield
        core.close()  # release database connections on shutdown

    web = FastAPI(
        lifespan=lifespan,
        title="samverkan API",
        version="1",
        description=(
            "Find EU calls, hubs, collaboration platforms, partners, reusable solutions and past "
            "projects for a need written in Swedish or English."
        ),
    )
    web.state.samverkan = core
    web.include_router(search.router, prefix="/api/v1")
    web.include_router(partners.router, prefix="/api/v1")
    web.include_router(records.router, prefix="/api/v1")
    web.include_router(pages.router)

    @web.exception_handler(QueryError)
    async def _query_error(_request: Request, exc: QueryError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @web.exception_handler(FilterError)
    async def _filter_error(_request: Request, exc: FilterError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @web.exception_handler(NotFound)
    async def _not_found(_request: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @web.exception_handler(SamverkanError)
    async def _user_error(_request: Request, exc: SamverkanError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    return web

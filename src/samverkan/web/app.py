"""``create_app(settings)`` builds the FastAPI application; nothing is created at import time."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware.gzip import GZipMiddleware

from samverkan.core import Samverkan
from samverkan.errors import QueryError, SamverkanError
from samverkan.search.filters import FilterError
from samverkan.settings import Settings, load_settings
from samverkan.web import dcat, docs, sta
from samverkan.web.api import accounts, dataspace, details, digests, partners, postings, records, search, strategy
from samverkan.web.api.schemas import ERRORS
from samverkan.web.deps import SignInFirst
from samverkan.web.guard import Guard
from samverkan.web.i18n import translations
from samverkan.web.templating import language, render
from samverkan.web.views import account_common, browse, consortium, entities, places, sources
from samverkan.web.views import accounts as account_pages
from samverkan.web.views import digests as digest_pages
from samverkan.web.views import postings as posting_pages
from samverkan.web.views import search as search_pages
from samverkan.web.views import strategy as strategy_pages

log = logging.getLogger("samverkan.web")
STATIC = Path(__file__).parent / "static"


def create_app(
    settings: Settings | None = None, app: Samverkan | None = None, on_shutdown: Sequence[Callable[[], None]] = ()
) -> FastAPI:
    """The web application over one database (``settings.db``). ``on_shutdown``: what to stop
    when the server stops (e.g. the MQTT broker ``serve`` started), before the database closes."""
    settings = settings or load_settings()
    core = app or Samverkan(settings)

    @asynccontextmanager
    async def lifespan(_web: FastAPI) -> AsyncIterator[None]:
        yield
        for stop in on_shutdown:
            await run_in_threadpool(stop)
        core.close()  # release database connections on shutdown

    web = FastAPI(
        lifespan=lifespan,
        docs_url=None,  # served by web/docs.py from our own origin (FastAPI's loads a CDN)
        redoc_url=None,
        title="samverkan API",
        version="1",
        description=(
            "Find EU calls, hubs, collaboration platforms, partners, reusable solutions and past "
            "projects for a need written in Swedish or English."
        ),
    )
    web.state.samverkan = core
    web.add_middleware(Guard, settings=settings)
    for api in (search, partners, details, records, dataspace, accounts, postings, digests, strategy):
        web.include_router(api.router, prefix="/api/v1", responses=ERRORS)
    web.include_router(sta.router)
    web.include_router(dcat.router)
    web.include_router(docs.router)
    web.include_router(search_pages.router)
    web.include_router(browse.router)  # /calls, /hubs … lists, beside the entity pages under them
    web.include_router(entities.router)
    web.include_router(places.router)
    web.include_router(sources.router)
    web.include_router(consortium.router)
    for pages in (account_pages, posting_pages, digest_pages, strategy_pages):
        web.include_router(pages.router)
    # the static files (the design system's CSS above all) go out compressed; pages do not, as a
    # page can carry a CSRF token beside text the visitor typed (BREACH)
    web.mount("/static", GZipMiddleware(StaticFiles(directory=STATIC), minimum_size=1024), name="static")

    def answer(request: Request, status: int, detail: str, code: str | None = None) -> Response:
        """JSON for the API (``{"detail", "code"}``), a friendly page in the reader's language for
        everything else; chosen by status, the page's wording of a query error by its code."""
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": detail} if code is None else {"detail": detail, "code": code}, status)
        _ = translations(language(request)).gettext
        if status == 404:
            heading, message = (
                _("Page not found"),
                _("We have nothing at this address: %(detail)s") % {"detail": detail},
            )
        elif status >= 500:
            heading = _("Something went wrong on our side")
            message = _("The error has been logged. Please try again in a moment, or start over from the search.")
        else:
            heading, message = _("We could not do that"), detail
        return render(request, "error.html", {"heading": heading, "message": message}, status=status)

    @web.exception_handler(QueryError)
    async def _query_error(request: Request, exc: QueryError) -> Response:
        if request.url.path.startswith("/api/"):
            return answer(request, exc.status, str(exc), exc.code)
        return answer(request, exc.status, search_pages.explain_query_error(exc, language(request)), exc.code)

    @web.exception_handler(FilterError)
    async def _filter_error(request: Request, exc: FilterError) -> Response:
        if request.url.path.startswith("/api/"):  # as the OpenAPI document says a 422 looks
            problem = {"loc": ["query", exc.field], "msg": str(exc), "type": "value_error"}
            return JSONResponse({"detail": [problem]}, status_code=exc.status)
        return answer(request, exc.status, str(exc), exc.code)

    @web.exception_handler(SamverkanError)
    async def _user_error(request: Request, exc: SamverkanError) -> Response:
        detail = str(exc)
        if not request.url.path.startswith("/api/"):
            if isinstance(exc, SignInFirst):  # a page for signed-in people: sign in, then come back
                return account_common.sign_in_redirect(exc.next)
            detail = account_common.explain(exc, language(request)) or detail
        response = answer(request, exc.status, detail, exc.code)
        if exc.status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="samverkan"'
        elif exc.status == 503:
            response.headers["Retry-After"] = "1"
        return response

    @web.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404 and not request.url.path.startswith("/api/"):
            return answer(request, 404, request.url.path)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    @web.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": jsonable_encoder(exc.errors())}, status_code=422)
        return answer(request, 422, _invalid_fields(exc.errors(), language(request)))

    @web.exception_handler(Exception)
    async def _server_error(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return answer(request, 500, "internal error")

    return web


def _invalid_fields(errors: Sequence[Any], lang: str) -> str:
    """A page's invalid parameters, each named and said wrong in the reader's language
    ("lead: required"), where pydantic's messages are English and name no field."""
    _ = translations(lang).gettext
    said = {
        "missing": _("required"),
        "string_too_long": _("too long"),
        "string_too_short": _("too short"),
        "int_parsing": _("must be a whole number"),
        "greater_than_equal": _("too small"),
        "greater_than": _("too small"),
        "less_than_equal": _("too large"),
        "less_than": _("too large"),
    }
    otherwise = _("not valid")
    parts = []
    for error in errors[:5]:
        field = ".".join(str(part) for part in error.get("loc", ())[1:]) or "?"
        parts.append(f"{field}: {said.get(error.get('type', ''), otherwise)}")
    return "; ".join(parts)

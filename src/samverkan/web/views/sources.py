"""The sources page: where the catalogue's data comes from and how current it is."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from samverkan.web.deps import Core
from samverkan.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/sources", response_class=HTMLResponse)
async def sources(request: Request, app: Core) -> HTMLResponse:
    listed = await run_in_threadpool(app.sources)
    return render(request, "sources.html", {"listed": listed})

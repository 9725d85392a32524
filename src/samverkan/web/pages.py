"""Server-rendered pages. The full search-first UI is its own piece of work; this is the
landing page that shows the catalogue is there and how to reach the API."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from samverkan.web.deps import Core

router = APIRouter(include_in_schema=False)

LABELS = {
    "calls": ("Calls", "Utlysningar"),
    "organisations": ("Organisations", "Organisationer"),
    "projects": ("Projects", "Projekt"),
    "hubs": ("Innovation hubs", "Innovationsnav"),
    "platforms": ("EU platforms", "EU-plattformar"),
    "solutions": ("Reusable solutions", "Återanvändbara lösningar"),
    "regions": ("NUTS regions", "NUTS-regioner"),
    "municipalities": ("Swedish municipalities", "Kommuner"),
}


@router.get("/", response_class=HTMLResponse)
async def home(app: Core) -> str:
    counts = await run_in_threadpool(app.counts)
    rows = "".join(
        f"<tr><th scope='row'>{escape(en)} / <span lang='sv'>{escape(sv)}</span></th>"
        f"<td>{counts.get(key, 0):,}</td></tr>"
        for key, (en, sv) in LABELS.items()
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>samverkan</title></head>
<body><main>
<h1>samverkan</h1>
<p>Find EU calls, hubs, platforms, partners and solutions for your need.
<span lang="sv">Hitta EU-utlysningar, innovationsnav, plattformar, partner och lösningar för ert behov.</span></p>
<form action="/api/v1/search" method="get" role="search">
<label for="q">Need / <span lang="sv">Behov</span></label>
<input id="q" name="q" type="search" required maxlength="20000">
<button type="submit">Search / <span lang="sv">Sök</span></button></form>
<table><caption>Catalogue / <span lang="sv">Katalog</span></caption>{rows}</table>
<p><a href="/docs">API documentation (OpenAPI)</a></p>
</main></body></html>"""

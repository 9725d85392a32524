"""``/docs``: the API documentation, browsable offline.

Swagger UI's assets come from the maintained ``swagger-ui-py`` package, which bundles the built
files of Swagger UI (Apache-2.0, its ``LICENSE`` is served beside them at
``/docs/assets/LICENSE``), and are served by the app itself: no CDN, and nothing the page's
Content-Security-Policy (own origin only, no inline script) has to make an exception for. The
page's one script of our own (``web/static/docs.js``) points Swagger UI at ``/openapi.json``.
"""

from __future__ import annotations

from pathlib import Path

import swagger_ui
from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, Response

from samverkan.web.templating import SECURITY_HEADERS

router = APIRouter(include_in_schema=False)
ASSETS = Path(swagger_ui.__file__).parent / "static"
SERVED = {  # name → media type: only what the page uses, and the licence
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
    "LICENSE": "text/plain; charset=utf-8",
}
PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>samverkan API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"><p>The API documentation needs JavaScript; the description itself is at
<a href="/openapi.json">/openapi.json</a>.</p></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/static/docs.js"></script>
</body>
</html>
"""


@router.get("/docs")
async def page() -> Response:
    return HTMLResponse(PAGE, headers=SECURITY_HEADERS)


@router.get("/docs/assets/{name}")
async def asset(name: str) -> Response:
    if name not in SERVED:
        return Response("not found", status_code=404, media_type="text/plain")
    return FileResponse(
        ASSETS / name, media_type=SERVED[name], headers={"Cache-Control": "public, max-age=86400", **SECURITY_HEADERS}
    )

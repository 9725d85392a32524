"""The web app (FastAPI): JSON API under /api/v1 and server-rendered pages."""

from samverkan.web.app import create_app

__all__ = ["create_app"]

"""Request dependencies shared by the API and the pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from samverkan.core import Samverkan


def core(request: Request) -> Samverkan:
    return request.app.state.samverkan


Core = Annotated[Samverkan, Depends(core)]

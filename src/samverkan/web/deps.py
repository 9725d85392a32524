"""Request dependencies shared by the API and the pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from samverkan.accounts.actor import Actor
from samverkan.core import Samverkan
from samverkan.dataspace.tenants import authenticate, bearer


def core(request: Request) -> Samverkan:
    return request.app.state.samverkan


Core = Annotated[Samverkan, Depends(core)]


SESSION_COOKIE = "samverkan_session"  # the web session (accounts); __Host- prefixed over https


def actor(request: Request, app: Core) -> Actor:
    """Who acts on this request: a bearer token's organisation, else the signed-in person of the
    session cookie, else the public. A malformed or unknown token is 401, never the public."""
    authorization = request.headers.get("authorization")
    if authorization is not None:
        token = bearer(authorization)
        with Session(app.engine) as session:
            viewer = authenticate(session, token)
        assert viewer.tenant_id is not None and viewer.scope is not None
        return Actor.token(viewer.tenant_id, viewer.scope)
    cookie = request.cookies.get(SESSION_COOKIE) or request.cookies.get("__Host-" + SESSION_COOKIE)
    if cookie:
        return app.accounts.actor_for_session(cookie)
    return Actor.public()


Acting = Annotated[Actor, Depends(actor)]

"""Request dependencies shared by the API and the pages: the core, and who acts.

- ``app: Core`` — the :class:`~samverkan.core.Samverkan` object;
- ``actor: Acting`` — who acts on this request (:func:`actor`): a bearer token's organisation,
  else the signed-in person of the session cookie, else the public; computed once per request;
- ``person: Person`` — the same, but a signed-in person is required: anyone else is sent to
  the sign-in page (pages) or answered 401 (API), by :class:`SignInFirst`.

Cookies of the web app (:func:`set_cookie`) are ``HttpOnly`` and ``SameSite=Lax``; when the
app's ``public_url`` is https they are ``Secure`` and named with the ``__Host-`` prefix (only
that name is read then, so no other site or subdomain can plant one).

The JSON API's writes (``POST``, ``PUT``, ``PATCH``, ``DELETE`` under ``/api/``) carried by a
session cookie must come from our own pages: one that a browser marks as sent from another
site (``Sec-Fetch-Site: cross-site`` or ``same-site``) or from another origin (an ``Origin``
that is neither the app's ``public_url`` nor the address asked) is ``403`` (code ``csrf``).
Forms carry their own token (:mod:`samverkan.web.forms`); a JSON body already needs a media type
no other site can send without CORS; this closes the rest — a write without a body, which a
form of another site could post with the cookie where ``SameSite`` is not enforced. Scripts
with a bearer token and clients that send no ``Origin`` (curl) are not concerned.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from samverkan.accounts.actor import Actor
from samverkan.core import Samverkan
from samverkan.dataspace.tenants import authenticate, bearer
from samverkan.errors import Forbidden, SamverkanError, Unauthorized
from samverkan.settings import Settings


def core(request: Request) -> Samverkan:
    return request.app.state.samverkan


Core = Annotated[Samverkan, Depends(core)]


SESSION_COOKIE = "samverkan_session"  # the web session (accounts); __Host- prefixed over https
FORM_COOKIE = "samverkan_form"  # the signed-out forms' CSRF cookie (web/forms.py)


def secure(settings: Settings) -> bool:
    return settings.base_url.startswith("https://")


def cookie_name(settings: Settings, name: str) -> str:
    return "__Host-" + name if secure(settings) else name


def cookie(request: Request, name: str) -> str | None:
    """The value of one of our cookies (by its name for this app: see :func:`cookie_name`)."""
    return request.cookies.get(cookie_name(request.app.state.samverkan.settings, name))


def set_cookie(response: Response, settings: Settings, name: str, value: str, max_age: int | None = None) -> None:
    """Set one of our cookies: HttpOnly, SameSite=Lax, path /, Secure and ``__Host-`` over https."""
    response.set_cookie(
        cookie_name(settings, name),
        value,
        max_age=max_age,
        path="/",
        secure=secure(settings),
        httponly=True,
        samesite="lax",
    )


def clear_cookie(response: Response, settings: Settings, name: str) -> None:
    response.delete_cookie(
        cookie_name(settings, name), path="/", secure=secure(settings), httponly=True, samesite="lax"
    )


def actor(request: Request, app: Core) -> Actor:
    """Who acts on this request: a bearer token's organisation, else the signed-in person of the
    session cookie, else the public. A malformed or unknown token is 401, never the public.
    Computed once per request (kept in ``request.state.actor``)."""
    known = getattr(request.state, "actor", None)
    if isinstance(known, Actor):
        return known
    authorization = request.headers.get("authorization")
    if authorization is not None:
        token = bearer(authorization)
        with Session(app.engine) as session:
            viewer = authenticate(session, token)
        assert viewer.tenant_id is not None and viewer.scope is not None
        found = Actor.token(viewer.tenant_id, viewer.scope)
    else:
        value = cookie(request, SESSION_COOKIE)
        found = app.accounts.actor_for_session(value) if value else Actor.public()
        if found.person and request.method in UNSAFE and request.url.path.startswith("/api/"):
            if from_elsewhere(request, app.settings):
                raise Forbidden("a write with a session cookie must come from this site's own pages", code="csrf")
    request.state.actor = found
    return found


UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def from_elsewhere(request: Request, settings: Settings) -> bool:
    """Whether the browser says the request was sent by another site or origin."""
    if request.headers.get("sec-fetch-site", "").lower() in ("cross-site", "same-site"):
        return True
    origin = request.headers.get("origin")
    if origin is None:
        return False
    ours = {origin_of(settings.base_url), origin_of(f"{request.url.scheme}://{request.headers.get('host', '')}")}
    return origin.strip().lower() not in ours


Acting = Annotated[Actor, Depends(actor)]


class SignInFirst(Unauthorized):
    """This needs a signed-in person: a page sends the browser to sign in (then back to
    ``next``); the API answers 401."""

    code = "sign_in_first"

    def __init__(self, next_path: str | None = None) -> None:
        super().__init__("sign in first")
        self.next = next_path


def person(request: Request, acting: Acting) -> Actor:
    """The signed-in person (a browser's session), or :class:`SignInFirst`."""
    if not acting.person:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInFirst(here if request.method == "GET" else None)
    return acting


Person = Annotated[Actor, Depends(person)]


def page_actor(request: Request) -> Actor:
    """Who acts, for a page being rendered: as :func:`actor`, but never an error (an unknown
    token or a database in trouble gives the public, so an error page can always be shown)."""
    try:
        return actor(request, request.app.state.samverkan)
    except (SamverkanError, SQLAlchemyError):
        return Actor.public()

"""HTML forms: every POST from a page carries a CSRF token, checked here before anything else.

Two kinds of token, both unguessable by another site:

- a signed-in person's is their session's CSRF secret (:attr:`Actor.csrf`), stored server-side
  with the session;
- anyone else's (the forms of the signed-out: sign in, register, confirm again, reset) is a
  *signed double submit*: the browser holds a random value in an ``HttpOnly`` cookie
  (``samverkan_form``; ``__Host-`` and ``Secure`` over https, ``SameSite=Lax``), set the first
  time a page renders a form; the form carries the HMAC of that value under the server's key
  (:mod:`samverkan.signing`, purpose ``form``). Another site can neither read the cookie nor
  compute the HMAC, and cannot plant a cookie of its own (``__Host-``), so it cannot forge a
  sign-in, a registration or any other signed-out form.

:func:`submitted` accepts either token for whoever posts (a person whose session has just
started or ended may post a form rendered before). A missing or wrong token is ``403``.

Templates: :func:`samverkan.web.templating.render` puts ``actor``, ``csrf`` (the token, made
lazily) and ``csrf_field()`` (the hidden input) in every page's context, so a form is just
``<form method="post" action="…">{{ csrf_field() }}…</form>``. Handlers call
``form = await submitted(request, actor)``.

Forms are sent as ``application/x-www-form-urlencoded`` (a form's default ``enctype``) and
parsed here, bounded (:data:`MAX_FIELDS`, the guard's body limit); any other media type is
``415``. A form is UTF-8 throughout — its bytes and what its ``%XX`` escapes decode to — and no
field's name or value holds a NUL character (no database stores one): otherwise ``400``, before
its token is checked or anything is done. FastAPI's ``Form()`` parameters are not used: they
need ``python-multipart``.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import parse_qsl

from fastapi import Request
from markupsafe import Markup, escape
from starlette.datastructures import FormData, UploadFile

from samverkan.accounts.actor import Actor
from samverkan.errors import Forbidden, SamverkanError, Unsupported
from samverkan.web.deps import FORM_COOKIE, cookie

FIELD = "csrf"
MAX_FIELDS = 200
MEDIA = "application/x-www-form-urlencoded"
PURPOSE = "form"


def csrf_field(actor: Actor) -> Markup:
    """The hidden input a form of a signed-in person carries (pages have ``csrf_field()``,
    which works signed out too)."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, escape(actor.csrf or ""))


def signed_out_token(request: Request, value: str) -> str:
    """The form token that goes with the form cookie ``value``."""
    return request.app.state.samverkan.signer(PURPOSE).sign(value)


class FormToken:
    """The CSRF token of a page being rendered: the session's secret for a signed-in person,
    else the signed-out token — whose cookie is made when a form first asks for it
    (:attr:`new_cookie`, which the page's response must set)."""

    def __init__(self, request: Request, actor: Actor) -> None:
        self.request = request
        self.actor = actor
        self.new_cookie: str | None = None
        self._value: str | None = None

    @property
    def value(self) -> str:
        if self._value is None:
            if self.actor.csrf:
                self._value = self.actor.csrf
            else:
                held = cookie(self.request, FORM_COOKIE)
                if not held:
                    held = self.new_cookie = secrets.token_urlsafe(32)
                self._value = signed_out_token(self.request, held)
        return self._value

    def __str__(self) -> str:
        return self.value

    def __html__(self) -> str:
        return str(escape(self.value))

    def field(self, *_ignored: object) -> Markup:
        """The hidden input (arguments are ignored: ``csrf_field(actor)`` reads the same)."""
        return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, self.value)


async def read_form(request: Request) -> FormData:
    """The fields of an urlencoded form (none for an empty body; ``415`` for another media
    type, ``400`` when not UTF-8, with more than :data:`MAX_FIELDS` fields or with a NUL
    character)."""
    body = await request.body()
    if not body:
        return FormData()
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != MEDIA:
        raise Unsupported(f"send the form as {MEDIA}")
    try:
        decoded = body.decode("utf-8")
        pairs: list[tuple[str, str | UploadFile]] = list(
            parse_qsl(decoded, keep_blank_values=True, max_num_fields=MAX_FIELDS, errors="strict")
        )
    except (UnicodeDecodeError, ValueError):
        raise SamverkanError("the form is not UTF-8 or has too many fields", code="form") from None
    for name, value in pairs:
        if "\x00" in name or (isinstance(value, str) and "\x00" in value):
            raise SamverkanError(f"{name[:40].replace(chr(0), '')}: holds a NUL character", code="form")
    return FormData(pairs)


def _matches(given: str, expected: str | None) -> bool:
    return bool(expected) and hmac.compare_digest(given.encode(), (expected or "").encode())


async def submitted(request: Request, actor: Actor) -> FormData:
    """The form's fields, once its CSRF token is checked (``403`` when missing or wrong)."""
    form = await read_form(request)
    given = form.get(FIELD)
    held = cookie(request, FORM_COOKIE)
    if not isinstance(given, str) or not (
        _matches(given, actor.csrf) or (held and _matches(given, signed_out_token(request, held)))
    ):
        raise Forbidden("the form's security token is missing or wrong: reload the page and try again", code="csrf")
    return form


def text(form: FormData, name: str) -> str:
    """A field's text ("" when absent)."""
    value = form.get(name)
    return value if isinstance(value, str) else ""

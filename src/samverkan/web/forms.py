"""HTML forms: every POST from a page carries a CSRF token, checked here before anything else.

A signed-in person's token is their session's CSRF secret (:attr:`Actor.csrf`), stored
server-side with the session. Pages put it in a hidden field named :data:`FIELD`
(``{{ csrf_field(request) }}`` in a template; handlers call :func:`submitted`). A missing or
wrong token is ``403``. Forms of the signed-out (sign in, register, reset) are covered by the
accounts pages (see ``web/views/accounts.py``).
"""

from __future__ import annotations

import hmac

from fastapi import Request
from markupsafe import Markup, escape
from starlette.datastructures import FormData

from samverkan.accounts.actor import Actor
from samverkan.errors import Forbidden

FIELD = "csrf"
MAX_FIELDS = 200
MAX_FIELD_BYTES = 256 * 1024


def csrf_field(actor: Actor) -> Markup:
    """The hidden input a form of a signed-in person carries."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, escape(actor.csrf or ""))


async def submitted(request: Request, actor: Actor) -> FormData:
    """The form's fields, once its CSRF token is checked (``403`` when missing or wrong)."""
    form = await request.form(max_files=0, max_fields=MAX_FIELDS, max_part_size=MAX_FIELD_BYTES)
    given = form.get(FIELD)
    if not isinstance(given, str) or not actor.csrf or not hmac.compare_digest(given, actor.csrf):
        raise Forbidden("the form's security token is missing or wrong: reload the page and try again")
    return form

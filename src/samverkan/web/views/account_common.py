"""What the pages of accounts and of organisations share: the words of their errors and
notices in the reader's language, and the answers that sign a browser in or send it to sign in."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from samverkan.accounts.rules import InvalidInput, Throttled
from samverkan.accounts.sessions import LIFETIME
from samverkan.core import Samverkan
from samverkan.errors import SamverkanError
from samverkan.web import deps
from samverkan.web.i18n import COOKIE as LANGUAGE_COOKIE
from samverkan.web.i18n import translations
from samverkan.web.templating import render


def problem_texts(lang: str) -> dict[str, str]:
    """What each field problem (:class:`~samverkan.accounts.rules.Problem` code) says on a page."""
    _ = translations(lang).gettext
    return {
        "email_missing": _("Enter your e-mail address"),
        "email_invalid": _("Enter an e-mail address like name@example.se"),
        "name_missing": _("Enter a name"),
        "name_too_long": _("A name can be at most 200 characters"),
        "name_invalid": _("A name may not hold control characters"),
        "password_too_short": _("The password must be at least 10 characters"),
        "password_too_long": _("The password can be at most 1,000 characters"),
        "password_invalid": _("The password may not hold a NUL character"),
        "password_wrong": _("This is not your current password"),
        "language_invalid": _("Choose Swedish or English"),
        "role_invalid": _("Choose a role: member, editor or administrator"),
        "slug_invalid": _("Use 1–40 lowercase letters a–z, digits and hyphens inside (like vastra-gotaland)"),
        "slug_taken": _("This short name is taken: choose another"),
        "label_too_long": _("A label can be at most 200 characters"),
        "label_invalid": _("A label may not hold control characters"),
        "scope_invalid": _("Choose what the token may do"),
        "days_invalid": _("Give a number of days above 0"),
        "organisation_unknown": _("The catalogue has no organisation with this id"),
        "organisation_invalid": _("An organisation id has at most 64 characters"),
    }


def field_errors(error: InvalidInput, lang: str) -> dict[str, str]:
    texts = problem_texts(lang)
    return {p.field: texts.get(p.code, p.message) for p in error.problems}


def explain(error: SamverkanError, lang: str) -> str | None:
    """An error of accounts in the reader's words, for the error page (None: not ours)."""
    _ = translations(lang).gettext
    texts = {
        "csrf": _("The form's security check failed. Reload the page and try again."),
        "forbidden": _("You do not have the right to do this here."),
        "unauthorized": _("Sign in first."),
        "link_unknown": _("This link is not valid. Check that it was copied whole."),
        "link_expired": _("This link has expired. Ask for a new one."),
        "link_used": _("This link has already been used."),
        "last_admin": _("An organisation keeps at least one administrator. Make someone else administrator first."),
        "has_account": _("This address already has an account: sign in to accept the invitation."),
        "unsupported_media_type": _("The form was sent in a way we do not read. Reload the page and try again."),
        "form": _(
            "The form could not be read: it must be UTF-8 text without NUL characters. Reload the page and try again."
        ),
    }
    return texts.get(error.code)


def throttled(error: Throttled, lang: str) -> str:
    _ = translations(lang).gettext
    minutes = max(1, (error.retry_after + 59) // 60)
    return _("Too many failed attempts to sign in. Wait %(minutes)s minutes and try again.") % {"minutes": minutes}


def notices(lang: str) -> dict[str, str]:
    """What a page says after something was done (``?done=…``)."""
    _ = translations(lang).gettext
    return {
        "profile": _("Your details are saved."),
        "password": _("Your password is changed. Your other sessions are signed out."),
        "reset": _("Your password is changed and every session is signed out. Sign in with the new password."),
        "revoked": _("The session is signed out."),
        "others": _("Every other session is signed out."),
        "everywhere": _("You are signed out everywhere."),
        "confirmed": _("Your e-mail address is confirmed. Sign in."),
    }


def sign_in_redirect(next_path: str | None) -> RedirectResponse:
    query = f"?{urlencode({'next': next_path})}" if next_path else ""
    return RedirectResponse("/account/sign-in" + query, status_code=303)


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def signed_in(app: Samverkan, cookie: str, lang: str, to: str) -> RedirectResponse:
    """The answer to a new session: its cookie, the person's language, and on to ``to``."""
    response = RedirectResponse(to, status_code=303)
    deps.set_cookie(response, app.settings, deps.SESSION_COOKIE, cookie, int(LIFETIME.total_seconds()))
    response.set_cookie(LANGUAGE_COOKIE, lang, max_age=365 * 86400, samesite="lax", httponly=True)
    return response


def notice(request: Request, heading: str, message: str, status: int = 200, **more: Any) -> HTMLResponse:
    context = {"heading": heading, "message": message, "links": [], "resend": False, "email": "", **more}
    return render(request, "account_notice.html", context, status=status)

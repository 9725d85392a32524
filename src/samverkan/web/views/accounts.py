"""Pages of a person's account: register, confirm the address, sign in and out, reset the
password, their details, password and sessions. The organisations' pages are in
:mod:`samverkan.web.views.organisations` (included here).

E-mail links only show a page; a button on it acts (mail filters open links). Every form is
CSRF-checked first (:func:`samverkan.web.forms.submitted`); errors in fields
are shown above the form (a summary linking to each field) and beside each field, in the
reader's language, with the values typed kept — never a password.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from samverkan.accounts.rules import (
    AccountDisabled,
    InvalidInput,
    LinkError,
    NotConfirmed,
    SignInFailed,
    Throttled,
    local_path,
)
from samverkan.web import deps
from samverkan.web.deps import Acting, Core, Person
from samverkan.web.forms import submitted, text
from samverkan.web.i18n import COOKIE as LANGUAGE_COOKIE
from samverkan.web.i18n import translations
from samverkan.web.templating import language, render
from samverkan.web.views import organisations
from samverkan.web.views.account_common import (
    client_address,
    explain,
    field_errors,
    notice,
    notices,
    signed_in,
    throttled,
)

router = APIRouter(include_in_schema=False)
router.include_router(organisations.router)

Token = Annotated[str, Path(max_length=100, description="The token of an e-mail link.")]


# --- registering and confirming ----------------------------------------------------------------------


@router.get("/account/register", response_class=HTMLResponse)
async def register_page(request: Request) -> HTMLResponse:
    return render(request, "account_register.html", {"values": {"language": language(request)}, "errors": {}})


@router.post("/account/register", response_class=HTMLResponse)
async def register(request: Request, app: Core, actor: Acting) -> HTMLResponse:
    form = await submitted(request, actor)
    values = {k: text(form, k) for k in ("email", "name", "language")}
    try:
        await run_in_threadpool(
            app.accounts.register, values["email"], values["name"], text(form, "password"), values["language"]
        )
    except InvalidInput as error:
        errors = field_errors(error, language(request))
        return render(request, "account_register.html", {"values": values, "errors": errors}, status=422)
    _ = translations(language(request)).gettext
    return notice(
        request,
        _("Check your e-mail"),
        _(
            "We have sent a link to %(email)s. Follow it within 48 hours to confirm your address, then sign in. "
            "No e-mail? Look in the spam folder, or ask for a new link below."
        )
        % {"email": values["email"].strip().lower()},
        resend=True,
        email=values["email"],
    )


def _unconfirmed(request: Request, error: LinkError) -> HTMLResponse:
    _ = translations(language(request)).gettext
    message = explain(error, language(request)) or str(error)
    return notice(request, _("We could not confirm your address"), message, status=error.status, resend=True)


@router.get("/account/confirm/{token}", response_class=HTMLResponse)
async def confirm_page(request: Request, app: Core, token: Token) -> HTMLResponse:
    """The link shows a button; only the button confirms (see :func:`people.confirm`)."""
    try:
        person = await run_in_threadpool(app.accounts.confirm_target, token)
    except LinkError as error:
        return _unconfirmed(request, error)
    return render(request, "account_confirm.html", {"person": person, "token": token})


@router.post("/account/confirm/resend", response_class=HTMLResponse)
async def resend(request: Request, app: Core, actor: Acting) -> HTMLResponse:
    form = await submitted(request, actor)
    lang = language(request)
    _ = translations(lang).gettext
    try:
        await run_in_threadpool(app.accounts.resend_confirmation, text(form, "email"))
    except InvalidInput as error:
        return notice(
            request,
            _("Ask for a new link"),
            field_errors(error, lang)["email"],
            status=422,
            resend=True,
            email=text(form, "email"),
        )
    return notice(
        request,
        _("Check your e-mail"),
        _("If %(email)s awaits confirmation, a new link is on its way. It works for 48 hours.")
        % {"email": text(form, "email").strip().lower()},
    )


@router.post("/account/confirm/{token}", response_class=HTMLResponse)
async def confirm(request: Request, app: Core, actor: Acting, token: Token) -> HTMLResponse:
    await submitted(request, actor)
    _ = translations(language(request)).gettext
    try:
        person = await run_in_threadpool(app.accounts.confirm, token)
    except LinkError as error:
        return _unconfirmed(request, error)
    return notice(
        request,
        _("Your e-mail address is confirmed"),
        _("Welcome, %(name)s. You can now sign in.") % {"name": person["name"]},
        links=[("/account/sign-in?" + urlencode({"email": person["email"]}), _("Sign in"))],
    )


# --- signing in and out --------------------------------------------------------------------------------


@router.get("/account/sign-in", response_class=HTMLResponse)
async def sign_in_page(request: Request, actor: Acting) -> Response:
    next_path = local_path(request.query_params.get("next"))
    if actor.person:
        return RedirectResponse(next_path, status_code=303)
    done = notices(language(request)).get(request.query_params.get("done") or "")
    values = {"email": (request.query_params.get("email") or "")[:254]}
    return render(
        request,
        "account_sign_in.html",
        {"values": values, "next": next_path, "error": None, "done": done, "resend": False},
    )


@router.post("/account/sign-in", response_class=HTMLResponse)
async def sign_in(request: Request, app: Core, actor: Acting) -> Response:
    form = await submitted(request, actor)
    lang = language(request)
    _ = translations(lang).gettext
    values = {"email": text(form, "email")[:254]}
    next_path = local_path(text(form, "next"))
    agent = request.headers.get("user-agent")
    try:
        done = await run_in_threadpool(
            app.accounts.sign_in, values["email"], text(form, "password"), client_address(request), agent
        )
    except Throttled as error:
        message = throttled(error, lang)
        page = render(
            request,
            "account_sign_in.html",
            {"values": values, "next": next_path, "error": message, "done": None, "resend": False},
            status=429,
        )
        page.headers["Retry-After"] = str(error.retry_after)
        return page
    except (SignInFailed, NotConfirmed, AccountDisabled) as error:
        messages = {
            SignInFailed: _("Wrong e-mail address or password."),
            NotConfirmed: _(
                "Your e-mail address is not confirmed yet. Follow the link we sent you, or ask for a new one."
            ),
            AccountDisabled: _("This account is disabled. Contact the site's administrator."),
        }
        context = {
            "values": values,
            "next": next_path,
            "error": messages[type(error)],
            "done": None,
            "resend": isinstance(error, NotConfirmed),
        }
        return render(request, "account_sign_in.html", context, status=error.status)
    await run_in_threadpool(app.accounts.sign_out, deps.cookie(request, deps.SESSION_COOKIE))  # the one replaced
    return signed_in(app, done.cookie, done.language, next_path)


@router.post("/account/sign-out")
async def sign_out(request: Request, app: Core, actor: Acting) -> RedirectResponse:
    await submitted(request, actor)
    await run_in_threadpool(app.accounts.sign_out, deps.cookie(request, deps.SESSION_COOKIE))
    response = RedirectResponse("/", status_code=303)
    deps.clear_cookie(response, app.settings, deps.SESSION_COOKIE)
    return response


# --- the signed-in person ------------------------------------------------------------------------------


async def _account(request: Request, app: Core, actor: Person, errors: dict[str, str], status: int = 200) -> Response:
    person = await run_in_threadpool(app.accounts.person, actor)
    done = notices(language(request)).get(request.query_params.get("done") or "")
    return render(request, "account.html", {"person": person, "errors": errors, "done": done}, status=status)


@router.get("/account", response_class=HTMLResponse)
async def account(request: Request, app: Core, actor: Person) -> Response:
    return await _account(request, app, actor, {})


@router.post("/account/profile")
async def profile(request: Request, app: Core, actor: Person) -> Response:
    form = await submitted(request, actor)
    try:
        person = await run_in_threadpool(app.accounts.update_person, actor, text(form, "name"), text(form, "language"))
    except InvalidInput as error:
        return await _account(request, app, actor, field_errors(error, language(request)), status=422)
    response = RedirectResponse("/account?done=profile", status_code=303)
    response.set_cookie(LANGUAGE_COOKIE, person["language"], max_age=365 * 86400, samesite="lax", httponly=True)
    return response


@router.post("/account/password")
async def password(request: Request, app: Core, actor: Person) -> Response:
    form = await submitted(request, actor)
    keep = deps.cookie(request, deps.SESSION_COOKIE)
    try:
        await run_in_threadpool(
            app.accounts.change_password, actor, text(form, "current"), text(form, "password"), keep
        )
    except InvalidInput as error:
        return await _account(request, app, actor, field_errors(error, language(request)), status=422)
    except Throttled as error:
        page = await _account(request, app, actor, {"current": throttled(error, language(request))}, status=429)
        page.headers["Retry-After"] = str(error.retry_after)
        return page
    return RedirectResponse("/account?done=password", status_code=303)


@router.get("/account/sessions", response_class=HTMLResponse)
async def sessions(request: Request, app: Core, actor: Person) -> Response:
    listed = await run_in_threadpool(app.accounts.sessions, actor, deps.cookie(request, deps.SESSION_COOKIE))
    done = notices(language(request)).get(request.query_params.get("done") or "")
    return render(request, "account_sessions.html", {"sessions": listed, "done": done})


@router.post("/account/sessions/revoke")
async def revoke_session(request: Request, app: Core, actor: Person) -> RedirectResponse:
    form = await submitted(request, actor)
    await run_in_threadpool(app.accounts.revoke_session, actor, text(form, "session")[:16])
    return RedirectResponse("/account/sessions?done=revoked", status_code=303)


@router.post("/account/sessions/revoke-others")
async def revoke_others(request: Request, app: Core, actor: Person) -> RedirectResponse:
    await submitted(request, actor)
    await run_in_threadpool(app.accounts.revoke_sessions, actor, deps.cookie(request, deps.SESSION_COOKIE))
    return RedirectResponse("/account/sessions?done=others", status_code=303)


@router.post("/account/sessions/revoke-all")
async def revoke_all(request: Request, app: Core, actor: Person) -> RedirectResponse:
    await submitted(request, actor)
    await run_in_threadpool(app.accounts.revoke_sessions, actor, None)
    response = RedirectResponse("/account/sign-in?done=everywhere", status_code=303)
    deps.clear_cookie(response, app.settings, deps.SESSION_COOKIE)
    return response


# --- password reset --------------------------------------------------------------------------------------


@router.get("/account/reset", response_class=HTMLResponse)
async def reset_request_page(request: Request) -> HTMLResponse:
    values = {"email": (request.query_params.get("email") or "")[:254]}
    return render(request, "account_reset_request.html", {"values": values, "errors": {}})


@router.post("/account/reset", response_class=HTMLResponse)
async def reset_request(request: Request, app: Core, actor: Acting) -> HTMLResponse:
    form = await submitted(request, actor)
    values = {"email": text(form, "email")}
    try:
        await run_in_threadpool(app.accounts.request_reset, values["email"])
    except InvalidInput as error:
        errors = field_errors(error, language(request))
        return render(request, "account_reset_request.html", {"values": values, "errors": errors}, status=422)
    _ = translations(language(request)).gettext
    return notice(
        request,
        _("Check your e-mail"),
        _(
            "If %(email)s has an account, a link to choose a new password is on its way. It works for one hour. "
            "No e-mail? Look in the spam folder, or ask again in a minute."
        )
        % {"email": values["email"].strip().lower()},
    )


async def _reset_form(request: Request, app: Core, token: str, errors: dict[str, str], status: int = 200) -> Response:
    _ = translations(language(request)).gettext
    try:
        person = await run_in_threadpool(app.accounts.reset_target, token)
    except LinkError as error:
        return notice(
            request,
            _("We could not use this link"),
            explain(error, language(request)) or str(error),
            status=error.status,
            links=[("/account/reset", _("Ask for a new link"))],
        )
    return render(request, "account_reset.html", {"person": person, "token": token, "errors": errors}, status=status)


@router.get("/account/reset/{token}", response_class=HTMLResponse)
async def reset_page(request: Request, app: Core, token: Token) -> Response:
    return await _reset_form(request, app, token, {})


@router.post("/account/reset/{token}")
async def reset(request: Request, app: Core, actor: Acting, token: Token) -> Response:
    form = await submitted(request, actor)
    try:
        await run_in_threadpool(app.accounts.reset_password, token, text(form, "password"))
    except InvalidInput as error:
        return await _reset_form(request, app, token, field_errors(error, language(request)), status=422)
    except LinkError:
        return await _reset_form(request, app, token, {})
    response = RedirectResponse("/account/sign-in?done=reset", status_code=303)
    deps.clear_cookie(response, app.settings, deps.SESSION_COOKIE)
    return response

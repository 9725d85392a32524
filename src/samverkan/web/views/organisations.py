"""Pages of organisations: a person's organisations (and founding a new one), an
organisation's public page (its name and slug, nothing more), its settings for its
administrators (members, invitations, API tokens, the link to its CORDIS organisation), and
the page of an invitation link.

Every settings page and form asks :class:`~samverkan.accounts.service.Accounts` with the
actor, which answers 403 to anyone but the organisation's administrators before reading
anything: another organisation's members, addresses and tokens are never on a page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from samverkan.accounts.actor import Actor
from samverkan.accounts.rules import InvalidInput, LinkError
from samverkan.bounds import INT32_MAX
from samverkan.core import Samverkan
from samverkan.errors import Conflict
from samverkan.web.deps import Acting, Core, Person
from samverkan.web.forms import submitted, text
from samverkan.web.i18n import translations
from samverkan.web.templating import language, render
from samverkan.web.views.account_common import explain, field_errors, signed_in

router = APIRouter(include_in_schema=False)

Slug = Annotated[str, Path(max_length=40, description="The organisation's short name.")]
UserId = Annotated[int, Path(ge=1, le=INT32_MAX)]
Token = Annotated[str, Path(max_length=100)]


def _done(request: Request) -> str | None:
    _ = translations(language(request)).gettext
    return {
        "created": _("The organisation is created. You are its administrator."),
        "invited": _("The invitation is sent."),
        "cancelled": _("The invitation is cancelled."),
        "role": _("The role is changed."),
        "removed": _("The member is removed."),
        "revoked": _("The token is revoked."),
        "linked": _("The link to the catalogue is saved."),
        "left": _("You have left the organisation."),
        "joined": _("You have joined the organisation."),
    }.get(request.query_params.get("done") or "")


def _back(slug: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"/orgs/{slug}/settings?done={done}", status_code=303)


# --- a person's organisations --------------------------------------------------------------------


async def _mine(
    request: Request, app: Samverkan, actor: Actor, errors: dict[str, str], values: dict[str, str]
) -> Response:
    listed = await run_in_threadpool(app.accounts.my_organisations, actor)
    context = {"organisations": listed, "errors": errors, "values": values, "done": _done(request)}
    return render(request, "account_organisations.html", context, status=422 if errors else 200)


@router.get("/account/organisations", response_class=HTMLResponse)
async def my_organisations(request: Request, app: Core, actor: Person) -> Response:
    return await _mine(request, app, actor, {}, {})


@router.post("/account/organisations")
async def create_organisation(request: Request, app: Core, actor: Person) -> Response:
    form = await submitted(request, actor)
    values = {"slug": text(form, "slug"), "name": text(form, "name")}
    try:
        made = await run_in_threadpool(app.accounts.create_organisation, actor, values["slug"], values["name"])
    except InvalidInput as error:
        return await _mine(request, app, actor, field_errors(error, language(request)), values)
    return _back(made["slug"], "created")


# --- an organisation's public page ------------------------------------------------------------------


@router.get("/orgs/{slug}", response_class=HTMLResponse)
async def organisation(request: Request, app: Core, actor: Acting, slug: Slug) -> Response:
    shown = await run_in_threadpool(app.accounts.organisation, slug, actor)
    role = shown.pop("role") if actor.person else None
    return render(request, "org.html", {"organisation": shown, "role": role, "done": _done(request)})


# --- settings, for the organisation's administrators --------------------------------------------------


async def _settings(
    request: Request,
    app: Samverkan,
    actor: Actor,
    slug: str,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    page = await run_in_threadpool(app.accounts.settings_of, actor, slug)
    context = {**page, "errors": errors or {}, "values": values or {}, "done": _done(request), "me": actor.user_id}
    return render(request, "org_settings.html", context, status=422 if errors else 200)


@router.get("/orgs/{slug}/settings", response_class=HTMLResponse)
async def settings(request: Request, app: Core, actor: Person, slug: Slug) -> Response:
    return await _settings(request, app, actor, slug)


@router.post("/orgs/{slug}/invite")
async def invite(request: Request, app: Core, actor: Person, slug: Slug) -> Response:
    form = await submitted(request, actor)
    values = {k: text(form, k) for k in ("email", "role", "language")}
    try:
        await run_in_threadpool(
            app.accounts.invite, actor, slug, values["email"], values["role"], values["language"] or None
        )
    except InvalidInput as error:
        errors = field_errors(error, language(request))
        return await _settings(request, app, actor, slug, errors, values)
    return _back(slug, "invited")


@router.post("/orgs/{slug}/invitations/{invitation}/cancel")
async def cancel_invitation(
    request: Request, app: Core, actor: Person, slug: Slug, invitation: Annotated[str, Path(max_length=16)]
) -> Response:
    await submitted(request, actor)
    await run_in_threadpool(app.accounts.cancel_invitation, actor, slug, invitation)
    return _back(slug, "cancelled")


@router.post("/orgs/{slug}/members/{user_id}/role")
async def change_role(request: Request, app: Core, actor: Person, slug: Slug, user_id: UserId) -> Response:
    form = await submitted(request, actor)
    try:
        await run_in_threadpool(app.accounts.set_role, actor, slug, user_id, text(form, "role"))
    except InvalidInput as error:
        errors = field_errors(error, language(request))
        return await _settings(request, app, actor, slug, {f"role-{user_id}": errors["role"]})
    return _back(slug, "role")


@router.post("/orgs/{slug}/members/{user_id}/remove")
async def remove_member(request: Request, app: Core, actor: Person, slug: Slug, user_id: UserId) -> Response:
    await submitted(request, actor)
    await run_in_threadpool(app.accounts.remove_member, actor, slug, user_id)
    if user_id == actor.user_id:
        return RedirectResponse("/account/organisations?done=left", status_code=303)
    return _back(slug, "removed")


@router.post("/orgs/{slug}/tokens")
async def create_token(request: Request, app: Core, actor: Person, slug: Slug) -> Response:
    form = await submitted(request, actor)
    values = {"scope": text(form, "scope"), "label": text(form, "label")}
    try:
        made = await run_in_threadpool(app.accounts.issue_token, actor, slug, values["scope"], values["label"])
    except InvalidInput as error:
        errors = field_errors(error, language(request))
        return await _settings(request, app, actor, slug, errors, values)
    shown = await run_in_threadpool(app.accounts.organisation, slug)
    return render(request, "org_token.html", {"organisation": shown, "token": made})


@router.post("/orgs/{slug}/tokens/{token_id}/revoke")
async def revoke_token(
    request: Request, app: Core, actor: Person, slug: Slug, token_id: Annotated[int, Path(ge=1, le=INT32_MAX)]
) -> Response:
    await submitted(request, actor)
    await run_in_threadpool(app.accounts.revoke_token, actor, slug, token_id)
    return _back(slug, "revoked")


@router.post("/orgs/{slug}/link")
async def link(request: Request, app: Core, actor: Person, slug: Slug) -> Response:
    form = await submitted(request, actor)
    values = {"organisation": text(form, "organisation")}
    try:
        await run_in_threadpool(app.accounts.link_organisation, actor, slug, values["organisation"])
    except InvalidInput as error:
        errors = field_errors(error, language(request))
        return await _settings(request, app, actor, slug, errors, values)
    return _back(slug, "linked")


@router.post("/orgs/{slug}/leave")
async def leave(request: Request, app: Core, actor: Person, slug: Slug) -> Response:
    await submitted(request, actor)
    await run_in_threadpool(app.accounts.leave, actor, slug)
    return RedirectResponse("/account/organisations?done=left", status_code=303)


# --- invitations -------------------------------------------------------------------------------------


async def _invitation(
    request: Request, app: Samverkan, actor: Actor, token: str, errors: dict[str, str], values: dict[str, str]
) -> Response:
    _ = translations(language(request)).gettext
    try:
        offered = await run_in_threadpool(app.accounts.invitation, token)
    except LinkError as error:
        heading = _("We could not use this invitation")
        message = explain(error, language(request)) or str(error)
        context = {"heading": heading, "message": message, "links": [], "resend": False, "email": ""}
        return render(request, "account_notice.html", context, status=error.status)
    context = {"invitation": offered, "token": token, "errors": errors, "values": values}
    return render(request, "invitation.html", context, status=422 if errors else 200)


@router.get("/invitations/{token}", response_class=HTMLResponse)
async def invitation(request: Request, app: Core, actor: Acting, token: Token) -> Response:
    return await _invitation(request, app, actor, token, {}, {"language": language(request)})


@router.post("/invitations/{token}/accept")
async def accept(request: Request, app: Core, actor: Person, token: Token) -> Response:
    await submitted(request, actor)
    joined = await run_in_threadpool(app.accounts.accept_invitation, actor, token)
    return RedirectResponse(f"/orgs/{joined['slug']}?done=joined", status_code=303)


@router.post("/invitations/{token}/register")
async def register_and_accept(request: Request, app: Core, actor: Acting, token: Token) -> Response:
    form = await submitted(request, actor)
    values = {"name": text(form, "name"), "language": text(form, "language")}
    try:
        done = await run_in_threadpool(
            app.accounts.register_by_invitation,
            token,
            values["name"],
            text(form, "password"),
            values["language"],
            request.headers.get("user-agent"),
        )
    except InvalidInput as error:
        return await _invitation(request, app, actor, token, field_errors(error, language(request)), values)
    except Conflict:
        return await _invitation(request, app, actor, token, {}, values)
    offered_to = "/account/organisations?done=joined"
    return signed_in(app, done.cookie, done.language, offered_to)

"""Pages of needs and solutions: lists, a posting's page with its matches and reasons, the
owner's form, history and withdraw button, "we are interested", and the board.

Each page calls :class:`samverkan.postings.service.Postings` as the JSON API does, with the
:class:`~samverkan.accounts.actor.Actor` of the request. Forms are for signed-in people: every
POST checks the session's CSRF token first (:func:`samverkan.web.forms.submitted`, 403 when
missing or wrong); a field the library refuses re-shows the form with the message, 422.
``/solutions/{id}`` serves both published solutions (``p12``) and the catalogue's JRC cases.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from samverkan.accounts.actor import Actor
from samverkan.errors import Conflict, Forbidden, SamverkanError
from samverkan.postings.fields import EDITABLE, MATURITY, FieldError, is_posting_id
from samverkan.web.deps import Acting, Core
from samverkan.web.forms import csrf_field, submitted
from samverkan.web.i18n import translations
from samverkan.web.templating import language, render

router = APIRouter(include_in_schema=False)

PATHS = {"need": "/needs", "solution": "/solutions"}
PER_PAGE = 20
SIGN_IN = "/account/sign-in"


def labels(lang: str) -> dict[str, Any]:
    """The words of these pages that depend on a value (kinds, statuses, lists of matches)."""
    _ = translations(lang).gettext
    return {
        "kind": {"need": _("Need"), "solution": _("Solution")},
        "kinds": {"need": _("Needs"), "solution": _("Solutions")},
        "status": {"draft": _("draft"), "published": _("published"), "withdrawn": _("withdrawn")},
        "maturity": {"idea": _("idea"), "pilot": _("pilot"), "in_use": _("in use"), "scaled": _("scaled")},
        "language": {"sv": _("Swedish"), "en": _("English")},
        "matches": {
            "need": {
                "calls": _("Calls you can apply for"),
                "partners": _("Possible partners"),
                "hubs": _("Innovation hubs"),
                "platforms": _("EU platforms and working groups"),
                "solutions": _("Reusable solutions"),
                "needs": _("Similar needs of other organisations"),
            },
            "solution": {
                "needs": _("Needs it could answer"),
                "solutions": _("Similar solutions"),
                "hubs": _("Innovation hubs"),
                "calls": _("Calls to pilot or scale it"),
            },
        },
        "fields": {
            "title": _("Title"),
            "text": _("Text"),
            "status": _("Status"),
            "language": _("Language"),
            "region": _("Region"),
            "municipality": _("Municipality"),
            "focus_areas": _("Focus areas"),
            "technologies": _("Technologies"),
            "maturity": _("Maturity"),
            "licence": _("Licence"),
            "links": _("Links"),
            "contact": _("Public contact"),
            "organisation": _("Organisation"),
            "body": _("Form"),
            "message": _("Message"),
        },
    }


def paragraphs(text: str) -> list[str]:
    """A text's paragraphs (blank lines apart); each is shown escaped, its line breaks kept."""
    return [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]


def lines(form: FormData, name: str) -> list[str]:
    value = form.get(name)
    return [line.strip() for line in value.splitlines() if line.strip()] if isinstance(value, str) else []


def posted(form: FormData, kind: str, creating: bool) -> dict[str, Any]:
    """The posting's fields from a submitted form (only the fields a posting has)."""
    fields: dict[str, Any] = {}
    for name in EDITABLE:
        if name == "licence" and kind != "solution":
            continue
        if name in ("focus_areas", "technologies", "links"):
            fields[name] = lines(form, name)
            continue
        value = form.get(name)
        text = value if isinstance(value, str) else ""
        if name in ("title", "text"):
            fields[name] = text
        elif name == "language":
            if text:
                fields[name] = text
        elif name == "status":
            fields[name] = text or "draft"
        else:
            fields[name] = text.strip() or None
    organisation = form.get("organisation")
    if creating and isinstance(organisation, str) and organisation:
        fields["organisation"] = organisation
    return fields


async def call(function: Callable[..., Any], *args: Any) -> Any:
    return await run_in_threadpool(function, *args)


def _can_write(actor: Actor) -> bool:
    """A person whose forms can be checked (a session with its CSRF secret)."""
    return bool(actor.csrf) and actor.signed_in


# --- the board (before /needs/{id}, no clash, but kept first) ------------------------------------


@router.get("/board", response_class=HTMLResponse)
async def board(request: Request, app: Core) -> HTMLResponse:
    region = request.query_params.get("region", "").strip() or None
    focus = request.query_params.get("focus_area", "").strip() or None
    choices = await call(app.region_choices)
    try:
        found = await call(app.postings.board, region, focus)
        problem = None
    except FieldError as exc:
        found, problem = await call(app.postings.board), str(exc)
    lang = language(request)
    context = {"board": found, "region_choices": choices, "problem": problem, "labels": labels(lang)}
    return render(request, "postings/board.html", context, status=422 if problem else 200)


# --- per kind --------------------------------------------------------------------------------------


def _pages(kind: str) -> None:
    base = PATHS[kind]

    @router.get(base, response_class=HTMLResponse, name=f"{kind}_list")
    async def listing(request: Request, app: Core, actor: Acting) -> HTMLResponse:
        params = request.query_params
        filters = {k: params.get(k, "").strip() or None for k in ("region", "focus_area", "organisation", "status")}
        try:
            page = max(1, min(500, int(params.get("page", "1"))))
        except ValueError:
            page = 1
        problem = None
        try:
            found = await call(
                app.postings.list,
                actor,
                kind,
                filters["status"],
                filters["organisation"],
                filters["region"],
                filters["focus_area"],
                PER_PAGE,
                (page - 1) * PER_PAGE,
            )
        except FieldError as exc:
            problem = str(exc)
            found = await call(app.postings.list, actor, kind)
        query = {k: v for k, v in filters.items() if v}

        def page_url(number: int) -> str:
            return base + "?" + urlencode({**query, "page": number})

        context = {
            "kind": kind,
            "found": found,
            "filters": filters,
            "problem": problem,
            "labels": labels(language(request)),
            "region_choices": await call(app.region_choices),
            "can_publish": _can_write(actor) and bool(actor.organisations("editor")),
            "signed_in": actor.signed_in,
            "prev_url": page_url(page - 1) if page > 1 else None,
            "next_url": page_url(page + 1) if found["offset"] + PER_PAGE < found["total"] else None,
            "page": page,
        }
        return render(request, "postings/list.html", context, status=422 if problem else 200)

    @router.get(base + "/new", response_class=HTMLResponse, name=f"{kind}_new")
    async def new(request: Request, app: Core, actor: Acting) -> HTMLResponse:
        return await _form(request, app, actor, kind, None, {"status": "draft"})

    @router.post(base + "/new", response_class=HTMLResponse, name=f"{kind}_create")
    async def create(request: Request, app: Core, actor: Acting) -> Response:
        form = await submitted(request, actor)
        fields = posted(form, kind, creating=True)
        try:
            made = await call(app.postings.create, actor, kind, fields)
        except FieldError as exc:
            return await _form(request, app, actor, kind, None, fields, exc, 422)
        return RedirectResponse(made["url"], status_code=303)

    @router.get(base + "/{key}", response_class=HTMLResponse, name=f"{kind}_page")
    async def page(request: Request, app: Core, actor: Acting, key: str) -> HTMLResponse:
        if not is_posting_id(kind, key):  # a catalogued JRC case
            record = await call(app.postings.get, actor, kind, key)
            matches = await call(app.postings.matches, actor, kind, key)
            context = {"solution": record, "matches": matches, "labels": labels(language(request))}
            return render(request, "postings/case.html", context)
        return await _page(request, app, actor, kind, key)

    @router.get(base + "/{key}/edit", response_class=HTMLResponse, name=f"{kind}_edit")
    async def edit(request: Request, app: Core, actor: Acting, key: str) -> HTMLResponse:
        posting = await call(app.postings.get, actor, kind, key)
        if not posting.get("editable"):
            raise Forbidden(f"only the editors of {posting['organisation']['name']} change this {kind}")
        return await _form(request, app, actor, kind, posting, posting)

    @router.post(base + "/{key}/edit", response_class=HTMLResponse, name=f"{kind}_update")
    async def update(request: Request, app: Core, actor: Acting, key: str) -> Response:
        form = await submitted(request, actor)
        posting = await call(app.postings.get, actor, kind, key)
        fields = posted(form, kind, creating=False)
        try:
            changed = await call(app.postings.update, actor, kind, key, fields)
        except (FieldError, Conflict) as exc:
            return await _form(request, app, actor, kind, posting, {**posting, **fields}, exc, exc.status)
        return RedirectResponse(changed["url"], status_code=303)

    @router.post(base + "/{key}/withdraw", name=f"{kind}_withdraw")
    async def withdraw(request: Request, app: Core, actor: Acting, key: str) -> Response:
        await submitted(request, actor)
        gone = await call(app.postings.withdraw, actor, kind, key)
        return RedirectResponse(gone["url"], status_code=303)

    @router.post(base + "/{key}/interest", response_class=HTMLResponse, name=f"{kind}_interest")
    async def interest(request: Request, app: Core, actor: Acting, key: str) -> Response:
        form = await submitted(request, actor)
        text = form.get("message")
        organisation = form.get("organisation")
        try:
            await call(
                app.postings.interest,
                actor,
                kind,
                key,
                text if isinstance(text, str) else None,
                organisation if isinstance(organisation, str) and organisation else None,
            )
        except (FieldError, Conflict) as exc:
            return await _page(request, app, actor, kind, key, problem=exc, status=exc.status)
        return RedirectResponse(f"{base}/{key}#interest", status_code=303)

    @router.get(base + "/{key}/history", response_class=HTMLResponse, name=f"{kind}_history")
    async def history(request: Request, app: Core, actor: Acting, key: str) -> HTMLResponse:
        found = await call(app.postings.history, actor, kind, key)
        context = {"kind": kind, "history": found, "labels": labels(language(request)), "base": base}
        return render(request, "postings/history.html", context)


async def _page(
    request: Request,
    app: Core,
    actor: Actor,
    kind: str,
    key: str,
    problem: SamverkanError | None = None,
    status: int = 200,
) -> HTMLResponse:
    """A posting's page: what it says, its matches with reasons, the owner's buttons, interest."""
    posting = await call(app.postings.get, actor, kind, key)
    matches = await call(app.postings.matches, actor, kind, key) if posting["status"] != "withdrawn" else {}
    owner = bool(posting["yours"])
    interested = await call(app.postings.interested, actor, kind, key) if owner else []
    shown = await call(app.postings.interests.shown, actor, int(posting["id"][1:]))
    others = await call(app.postings.store.organisations, actor, "member")
    mine = [o for o in others if o["slug"] != posting["organisation"]["slug"]]
    context = {
        "kind": kind,
        "posting": posting,
        "paragraphs": paragraphs(posting["text"]),
        "matches": matches,
        "owner": owner,
        "interested": interested,
        "shown": shown,
        "my_organisations": mine,
        "can_write": _can_write(actor),
        "signed_in": actor.signed_in,
        "csrf": csrf_field(actor),
        "labels": labels(language(request)),
        "problem": problem,
        "sign_in": SIGN_IN,
        "calls_as_of": await call(app.calls_freshness) if matches.get("calls") else None,
    }
    return render(request, "postings/page.html", context, status=status)


async def _form(
    request: Request,
    app: Core,
    actor: Actor,
    kind: str,
    posting: dict[str, Any] | None,
    values: dict[str, Any],
    problem: SamverkanError | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The form to publish (``posting`` None) or change a posting."""
    organisations = await call(app.postings.store.organisations, actor, "editor") if posting is None else []
    context = {
        "kind": kind,
        "posting": posting,
        "values": values,
        "problem": problem,
        "field": getattr(problem, "field", None),
        "organisations": organisations,
        "can_write": _can_write(actor) and (posting is not None or bool(organisations)),
        "signed_in": actor.signed_in,
        "csrf": csrf_field(actor),
        "labels": labels(language(request)),
        "maturity": MATURITY,
        "region_choices": await call(app.region_choices),
        "municipalities": await call(app.postings.store.municipalities),
        "sign_in": SIGN_IN,
        "base": PATHS[kind],
    }
    return render(request, "postings/form.html", context, status=status)


_pages("need")
_pages("solution")

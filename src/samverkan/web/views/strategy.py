"""Pages of regional strategies: the list, the board, an initiative, the forms that define and
edit a strategy, the newsletter's numbers (archive, draft, edit, send) and subscribing.

Every page is built from the same library call as its JSON counterpart (``app.strategies``);
every form carries the session's CSRF token (``web.forms``), and its fields are read through
the API's input models, so a form is validated exactly as a JSON body (an error names the
field). A successful form answers ``303`` to the page that shows the result.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from samverkan.accounts.actor import Actor
from samverkan.bounds import INT32_MAX
from samverkan.errors import SamverkanError
from samverkan.strategy.amounts import amount_text
from samverkan.strategy.inputs import (
    DecisionIn,
    FieldError,
    FocusAreaIn,
    FocusAreaPatch,
    InitiativeIn,
    InitiativePatch,
    NewsletterEdit,
    SectionEdit,
    StrategyIn,
    StrategyPatch,
    UpdateIn,
)
from samverkan.web import charts
from samverkan.web.deps import Acting, Core
from samverkan.web.forms import csrf_field, submitted
from samverkan.web.i18n import translations
from samverkan.web.templating import language, render

router = APIRouter(include_in_schema=False)
M = TypeVar("M", bound=BaseModel)
Since = Annotated[dt.date | None, Query()]
FollowId = Annotated[int, Query(ge=1, le=INT32_MAX)]
Signature = Annotated[str, Query(max_length=64)]
# the addresses' parts, bounded as the API's (an id beyond the database's integers is a 422, not a 500)
Slug = Annotated[str, Path(max_length=60)]
AreaId = Annotated[int, Path(ge=1, le=INT32_MAX)]
InitiativeId = Annotated[int, Path(ge=1, le=INT32_MAX)]
DecisionId = Annotated[int, Path(ge=1, le=INT32_MAX)]
Number = Annotated[int, Path(ge=1, le=100_000)]


def read_form(model: type[M], form: FormData, fields: tuple[str, ...]) -> M:
    """The form's ``fields`` (an empty one is none) through ``model``; a wrong one is a 422
    naming it."""
    values: dict[str, Any] = {}
    for name in fields:
        value = form.get(name)
        if isinstance(value, str):
            values[name] = value if value.strip() else None
    values = {k: v for k, v in values.items() if v is not None or k not in _REQUIRED_TEXT}
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "form"
        raise FieldError(field, first["msg"]) from None


_REQUIRED_TEXT = {"name", "title", "text", "body", "on", "slug"}  # left out when empty: the model names them


def _page(request: Request, actor: Actor, template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    lang = language(request)
    base = {"csrf": csrf_field(actor), "signed_in": actor.user_id is not None}
    base["amount"] = lambda value, currency: amount_text(value, currency, lang)
    return render(request, template, base | context, status=status)


def _back(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _strategy_path(slug: str) -> str:
    return f"/strategies/{quote(slug)}"


async def _subscription(app: Core, actor: Actor, slug: str) -> dict[str, Any] | None:
    if actor.user_id is None:
        return None
    try:
        return await run_in_threadpool(app.strategies.subscription, actor, slug)
    except SamverkanError:  # signed in, but no longer known
        return None


# --- reading ------------------------------------------------------------------------------------


@router.get("/strategies", response_class=HTMLResponse)
async def strategies(request: Request, app: Core, actor: Acting) -> HTMLResponse:
    listed = await run_in_threadpool(app.strategies.summaries)
    return _page(
        request, actor, "strategies.html", {"strategies": listed, "may_create": bool(actor.organisations("admin"))}
    )


@router.get("/strategies/new", response_class=HTMLResponse)
async def new_strategy(request: Request, actor: Acting) -> HTMLResponse:
    actor.require(actor.organisations("admin")[0] if actor.organisations("admin") else None, "admin")
    return _page(request, actor, "strategy_new.html", {"organisations": actor.organisations("admin")})


@router.post("/strategies")
async def create_strategy(request: Request, app: Core, actor: Acting) -> Response:
    form = await submitted(request, actor)
    data = read_form(StrategyIn, form, ("slug", "name", "organisation", "region", "language", "description"))
    made = await run_in_threadpool(app.strategies.create, actor, data)
    return _back(_strategy_path(made["slug"]) + "/edit")


def _progress_chart(request: Request, shown: dict) -> Any:
    """The board's progress per focus area as stacked bars (the page's progress table is its text)."""
    _ = translations(language(request)).gettext
    order = ("completed", "ongoing", "planned", "paused")
    names = {"completed": _("completed"), "ongoing": _("ongoing"), "planned": _("planned"), "paused": _("paused")}
    return charts.stacked(
        [(area["name"], [area["progress"][s] for s in order]) for area in shown["focus_areas"]],
        [names[s] for s in order],
        _("Progress per focus area"),
        _("Bar chart: the initiatives of each focus area by status (completed, ongoing, planned, paused)."),
    )


@router.get("/strategies/{slug}", response_class=HTMLResponse)
async def board(request: Request, app: Core, actor: Acting, slug: Slug, since: Since = None) -> HTMLResponse:
    shown = await run_in_threadpool(app.strategies.board, slug, actor, since, 3)
    new_calls = {
        call["id"]
        for area in shown["focus_areas"]
        for part in (area, *area["sub_areas"])
        for holder in (part, *part["initiatives"])
        for call in (holder.get("opportunities") or {}).get("calls", [])
        if call.get("new")
    }
    context = {"board": shown, "new_calls": len(new_calls), "subscription": await _subscription(app, actor, slug)}
    context["progress_chart"] = _progress_chart(request, shown)
    context["calls_as_of"] = await run_in_threadpool(app.calls_freshness)
    return _page(request, actor, "strategy.html", context)


@router.get("/strategies/{slug}/initiatives/{initiative_id}", response_class=HTMLResponse)
async def initiative(
    request: Request, app: Core, actor: Acting, slug: Slug, initiative_id: InitiativeId
) -> HTMLResponse:
    shown = await run_in_threadpool(app.strategies.initiative, slug, initiative_id, actor)
    areas = await _areas(app, slug) if shown["permissions"]["edit"] else []
    return _page(request, actor, "strategy_initiative.html", {"i": shown, "areas": areas, "today": _today(app)})


def _today(app: Core) -> str:
    return app.settings.current_day().isoformat()


async def _areas(app: Core, slug: str) -> list[dict[str, Any]]:
    """Focus areas and sub-areas, in order, as form choices (``level`` 1: a sub-area)."""
    shown = await run_in_threadpool(app.strategies.board, slug, None, None, 0)
    keep = ("id", "name", "description", "position")
    out = []
    for area in shown["focus_areas"]:
        out.append({k: area[k] for k in keep} | {"level": 0})
        out += [{k: sub[k] for k in keep} | {"level": 1} for sub in area["sub_areas"]]
    return out


# --- defining and editing -----------------------------------------------------------------------


@router.get("/strategies/{slug}/edit", response_class=HTMLResponse)
async def edit_page(request: Request, app: Core, actor: Acting, slug: Slug) -> HTMLResponse:
    shown = await run_in_threadpool(app.strategies.board, slug, actor, None, 0)
    if not (shown["permissions"]["edit"] or shown["permissions"]["define"]):
        actor.require(-1, "editor")  # 401 signed out, else 403
    initiatives = [i for a in shown["focus_areas"] for p in (a, *a["sub_areas"]) for i in p["initiatives"]]
    initiatives += shown["unassigned"]
    context = {"board": shown, "areas": await _areas(app, slug), "initiatives": initiatives, "today": _today(app)}
    return _page(request, actor, "strategy_edit.html", context)


@router.post("/strategies/{slug}/edit")
async def change_strategy(request: Request, app: Core, actor: Acting, slug: Slug) -> Response:
    form = await submitted(request, actor)
    patch = read_form(StrategyPatch, form, ("name", "region", "language", "description", "newsletter_title", "source"))
    await run_in_threadpool(app.strategies.change, actor, slug, patch)
    return _back(_strategy_path(slug) + "/edit")


@router.post("/strategies/{slug}/focus-areas")
async def add_focus_area(request: Request, app: Core, actor: Acting, slug: Slug) -> Response:
    form = await submitted(request, actor)
    data = read_form(FocusAreaIn, form, ("name", "description", "parent_id", "position"))
    await run_in_threadpool(app.strategies.add_focus_area, actor, slug, data)
    return _back(_strategy_path(slug) + "/edit")


@router.post("/strategies/{slug}/focus-areas/{area_id}")
async def change_focus_area(request: Request, app: Core, actor: Acting, slug: Slug, area_id: AreaId) -> Response:
    form = await submitted(request, actor)
    if form.get("action") == "delete":
        await run_in_threadpool(app.strategies.remove_focus_area, actor, slug, area_id)
    else:
        patch = read_form(FocusAreaPatch, form, ("name", "description", "position"))
        await run_in_threadpool(app.strategies.change_focus_area, actor, slug, area_id, patch)
    return _back(_strategy_path(slug) + "/edit")


INITIATIVE_FIELDS = (
    "title", "description", "focus_area_id", "owner", "owner_name", "status", "starts", "ends", "budget", "currency",
    "need_id",
)  # fmt: skip


@router.post("/strategies/{slug}/initiatives")
async def add_initiative(request: Request, app: Core, actor: Acting, slug: Slug) -> Response:
    form = await submitted(request, actor)
    data = read_form(InitiativeIn, form, INITIATIVE_FIELDS)
    made = await run_in_threadpool(app.strategies.add_initiative, actor, slug, data)
    return _back(f"{_strategy_path(slug)}/initiatives/{made['id']}")


@router.post("/strategies/{slug}/initiatives/{initiative_id}")
async def change_initiative(
    request: Request, app: Core, actor: Acting, slug: Slug, initiative_id: InitiativeId
) -> Response:
    form = await submitted(request, actor)
    if form.get("action") == "delete":
        await run_in_threadpool(app.strategies.remove_initiative, actor, slug, initiative_id)
        return _back(_strategy_path(slug))
    patch = read_form(InitiativePatch, form, INITIATIVE_FIELDS)
    await run_in_threadpool(app.strategies.change_initiative, actor, slug, initiative_id, patch)
    return _back(f"{_strategy_path(slug)}/initiatives/{initiative_id}")


@router.post("/strategies/{slug}/initiatives/{initiative_id}/updates")
async def add_update(request: Request, app: Core, actor: Acting, slug: Slug, initiative_id: InitiativeId) -> Response:
    form = await submitted(request, actor)
    data = read_form(UpdateIn, form, ("text", "on", "status"))
    await run_in_threadpool(app.strategies.add_update, actor, slug, initiative_id, data)
    return _back(f"{_strategy_path(slug)}/initiatives/{initiative_id}")


@router.post("/strategies/{slug}/decisions")
async def add_decision(request: Request, app: Core, actor: Acting, slug: Slug) -> Response:
    form = await submitted(request, actor)
    fields = ("body", "on", "title", "text", "amount", "currency", "initiative_id", "document", "document_url")
    data = read_form(DecisionIn, form, fields)
    await run_in_threadpool(app.strategies.add_decision, actor, slug, data)
    return _back(_strategy_path(slug) + "#decisions-h")


@router.post("/strategies/{slug}/decisions/{decision_id}")
async def change_decision(request: Request, app: Core, actor: Acting, slug: Slug, decision_id: DecisionId) -> Response:
    form = await submitted(request, actor)
    if form.get("action") != "delete":
        raise FieldError("action", "only 'delete' is done here; change a decision through the API")
    await run_in_threadpool(app.strategies.remove_decision, actor, slug, decision_id)
    return _back(_strategy_path(slug) + "/edit")


# --- the newsletter ---------------------------------------------------------------------------------


@router.get("/strategies/{slug}/newsletters", response_class=HTMLResponse)
async def newsletters(request: Request, app: Core, actor: Acting, slug: Slug) -> HTMLResponse:
    listed = await run_in_threadpool(app.strategies.newsletters, slug, actor)
    shown = await run_in_threadpool(app.strategies.board, slug, actor, None, 0)
    context = {"listed": listed, "board": shown, "subscription": await _subscription(app, actor, slug)}
    return _page(request, actor, "newsletters.html", context)


@router.post("/strategies/{slug}/newsletters")
async def draft(request: Request, app: Core, actor: Acting, slug: Slug) -> Response:
    form = await submitted(request, actor)
    made, _written = await run_in_threadpool(app.strategies.draft, actor, slug, form.get("regenerate") == "yes")
    return _back(f"{_strategy_path(slug)}/newsletters/{made['number']}")


@router.get("/strategies/{slug}/newsletters/{number}", response_class=HTMLResponse)
async def newsletter(request: Request, app: Core, actor: Acting, slug: Slug, number: Number) -> HTMLResponse:
    shown = await run_in_threadpool(app.strategies.newsletter, slug, number, actor)
    context = {"n": shown, "content": shown["content"], "base": "", "slug": slug}
    return _page(request, actor, "newsletter.html", context)


@router.post("/strategies/{slug}/newsletters/{number}")
async def edit_newsletter(request: Request, app: Core, actor: Acting, slug: Slug, number: Number) -> Response:
    form = await submitted(request, actor)
    sections = []
    for key in ("status", "decisions", "calls", "postings", "notes"):
        if f"heading_{key}" in form or f"text_{key}" in form:
            heading = str(form.get(f"heading_{key}") or "").strip() or None
            sections.append(SectionEdit(key=key, heading=heading, text=str(form.get(f"text_{key}") or "")))  # type: ignore[arg-type]
    try:
        change = NewsletterEdit(
            title=str(form.get("title") or "").strip() or None,
            intro=str(form.get("intro") or ""),
            closing=str(form.get("closing") or ""),
            sections=sections,
            remove=[str(v) for v in form.getlist("remove")],
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        raise FieldError(".".join(str(p) for p in first["loc"]) or "form", first["msg"]) from None
    await run_in_threadpool(app.strategies.edit_newsletter, actor, slug, number, change)
    return _back(f"{_strategy_path(slug)}/newsletters/{number}")


@router.post("/strategies/{slug}/newsletters/{number}/send")
async def send(request: Request, app: Core, actor: Acting, slug: Slug, number: Number) -> Response:
    await submitted(request, actor)
    await run_in_threadpool(app.strategies.send, actor, slug, number)
    return _back(f"{_strategy_path(slug)}/newsletters/{number}?sent=1")


# --- subscribing ----------------------------------------------------------------------------------


@router.post("/strategies/{slug}/subscription")
async def subscription(request: Request, app: Core, actor: Acting, slug: Slug) -> Response:
    form = await submitted(request, actor)
    if form.get("action") == "unsubscribe":
        await run_in_threadpool(app.strategies.unsubscribe, actor, slug)
    else:
        await run_in_threadpool(app.strategies.subscribe, actor, slug)
    return _back(_strategy_path(slug))


@router.get("/strategies/{slug}/unsubscribe", response_class=HTMLResponse)
async def unsubscribe_page(
    request: Request, actor: Acting, slug: Slug, follow: FollowId, sig: Signature
) -> HTMLResponse:
    """The link of an e-mail: a button, so that a mail scanner opening links unsubscribes nobody."""
    return _page(
        request, actor, "strategy_unsubscribe.html", {"slug": slug, "follow": follow, "sig": sig, "done": None}
    )


@router.post("/strategies/{slug}/unsubscribe", response_class=HTMLResponse)
async def unsubscribe(
    request: Request,
    app: Core,
    actor: Acting,
    slug: Slug,
    follow: FollowId,
    sig: Signature,
) -> HTMLResponse:
    """One click (RFC 8058): the signature is the proof, so no session or CSRF token is needed."""
    done = await run_in_threadpool(app.strategies.unsubscribe_signed, slug, follow, sig)
    context = {"slug": slug, "follow": follow, "sig": sig, "done": done}
    return _page(request, actor, "strategy_unsubscribe.html", context, status=200 if done else 400)

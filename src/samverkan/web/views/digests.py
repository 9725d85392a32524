"""Pages of follows: "follow this search" (``/follows/new``), "my follows" (``/follows``), the
private Atom feed (``/feeds/{key}.atom``) and the one-click unsubscribe (``/unsubscribe/…``).

Every form of a signed-in person carries the session's CSRF token (:mod:`samverkan.web.forms`).
The unsubscribe POST does not, and must not (RFC 8058: a mail client posts
``List-Unsubscribe=One-Click`` with no cookies and no page in between): its authority is the
HMAC signature in its address, which only our server can make, so a cross-site request cannot
forge it; and all it can do is stop the one follow it names.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from samverkan.accounts.actor import Actor
from samverkan.bounds import INT32_MAX
from samverkan.digests.follows import FILTER_NAMES
from samverkan.errors import NotFound, SamverkanError
from samverkan.web.deps import Acting, Core
from samverkan.web.forms import csrf_field, submitted
from samverkan.web.i18n import translations
from samverkan.web.templating import language, render

router = APIRouter(include_in_schema=False)

SIGN_IN = "/account/sign-in"  # the accounts pages' sign-in, which returns to ``next``
ONE_CLICK = "List-Unsubscribe=One-Click"
FollowId = Annotated[int, Path(ge=1, le=INT32_MAX)]
Signature = Annotated[str, Path(max_length=64)]


def follow_url(query: str, kind: str | None, params: dict[str, str]) -> str:
    """The "follow this search" link of a results page."""
    pairs = [("q", query), ("kind", kind or "")] + [(k, v) for k, v in params.items() if k in FILTER_NAMES]
    return "/follows/new?" + urlencode([(k, v) for k, v in pairs if v])


def _sign_in_url(request: Request) -> str:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"{SIGN_IN}?" + urlencode({"next": here})


def _signed_out(request: Request, actor: Actor) -> HTMLResponse:
    _ = translations(language(request)).gettext
    message = (
        _("An organisation's token cannot follow: follows belong to a person.")
        if actor.via == "token"
        else _("Sign in to follow searches and postings and get what is new by e-mail.")
    )
    return render(
        request,
        "follows.html",
        {"signed_in": False, "message": message, "sign_in_url": _sign_in_url(request), "follows": []},
        status=403 if actor.via == "token" else 401,
    )


@router.get("/follows", response_class=HTMLResponse)
async def my_follows(request: Request, app: Core, actor: Acting) -> HTMLResponse:
    if actor.user_id is None:
        return _signed_out(request, actor)
    mine = await run_in_threadpool(app.digests.mine, actor)
    return render(request, "follows.html", {"signed_in": True, "follows": mine, "csrf": csrf_field(actor)})


@router.get("/follows/new", response_class=HTMLResponse)
async def new_follow(request: Request, app: Core, actor: Acting) -> HTMLResponse:
    """The form that follows a search (``q``, ``kind``, filters) or a posting (``target``, ``id``)."""
    if actor.user_id is None:
        return _signed_out(request, actor)
    params = request.query_params
    target = params.get("target", "search")
    if target not in ("search", "need", "solution"):
        raise NotFound("nothing of that kind can be followed")
    fields = {"target": target}
    if target == "search":
        fields |= {k: v for k in ("q", "kind", *FILTER_NAMES) if (v := params.get(k, "").strip())}
        label = fields.get("q", "")[:120]
    else:
        fields["target_id"] = params.get("id", "")
        label = ""
    context = {"fields": fields, "label": label, "csrf": csrf_field(actor), "target": target}
    return render(request, "follow_new.html", context)


@router.post("/follows", response_class=HTMLResponse)
async def create_follow(request: Request, app: Core, actor: Acting) -> HTMLResponse:
    if actor.user_id is None:
        return _signed_out(request, actor)
    form = await submitted(request, actor)
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    target = values.get("target", "search")
    filters = {k: v for k in FILTER_NAMES if (v := values.get(k, "").strip())}
    target_id = values.get("target_id", "")
    try:
        created = await run_in_threadpool(
            lambda: app.digests.create(
                actor,
                target=target,
                text=values.get("q") if target == "search" else None,
                kind=(values.get("kind") or None) if target == "search" else None,
                filters=filters if target == "search" else None,
                target_id=_number(target_id),
                label=values.get("label") or None,
                frequency=values.get("frequency", "weekly"),
                language=values.get("language") or language(request),
            )
        )
    except SamverkanError as exc:
        if exc.status in (401, 403, 404):
            raise
        page = {"fields": {k: v for k, v in values.items() if k != "csrf"}, "label": values.get("label", "")}
        page |= {"csrf": csrf_field(actor), "target": target, "error": str(exc)}
        return render(request, "follow_new.html", page, status=exc.status)
    return render(request, "follow_created.html", {"follow": created}, status=201)


def _number(text: str) -> int | None:
    """A form's id: ASCII digits only (``"²".isdigit()`` is true, but no ``int``), at most 9."""
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


@router.post("/follows/{follow_id}", response_class=HTMLResponse)
async def change_follow(request: Request, app: Core, actor: Acting, follow_id: FollowId) -> Response:
    """The buttons of "my follows": ``action`` = stop, resume, delete, frequency or feed-key."""
    if actor.user_id is None:
        return _signed_out(request, actor)
    form = await submitted(request, actor)
    action = form.get("action")
    if action == "feed-key":
        key = await run_in_threadpool(app.digests.rotate_feed_key, actor, follow_id)
        shown = await run_in_threadpool(app.digests.get, actor, follow_id)
        return render(request, "follow_created.html", {"follow": shown | key, "rotated": True})
    if action == "delete":
        await run_in_threadpool(app.digests.delete, actor, follow_id)
    elif action in ("stop", "resume"):
        await run_in_threadpool(lambda: app.digests.update(actor, follow_id, active=action == "resume"))
    elif action == "frequency":
        frequency = str(form.get("frequency", ""))
        await run_in_threadpool(lambda: app.digests.update(actor, follow_id, frequency=frequency))
    else:
        raise NotFound("no such action")
    return RedirectResponse("/follows", status_code=303)


@router.get("/feeds/{key}.atom")
async def private_feed(app: Core, key: str) -> Response:
    """A follow's private feed: its key is the only credential (no cookie is read)."""
    body = await run_in_threadpool(app.digests.feed, key)
    headers = {"Cache-Control": "private, max-age=300", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}
    return Response(body, media_type="application/atom+xml; charset=utf-8", headers=headers)


@router.get("/unsubscribe/{follow_id}/{signature}", response_class=HTMLResponse)
async def unsubscribe_page(request: Request, app: Core, follow_id: FollowId, signature: Signature) -> HTMLResponse:
    """Confirm with a button (a link scanner that opens the address stops nothing)."""
    label, active = await run_in_threadpool(app.digests.unsubscribe_label, follow_id, signature)
    return render(request, "unsubscribe.html", {"label": label, "done": not active, "action": request.url.path})


@router.post("/unsubscribe/{follow_id}/{signature}")
async def unsubscribe(request: Request, app: Core, follow_id: FollowId, signature: Signature) -> Response:
    """RFC 8058 one-click: stop the follow the signed address names; no sign-in, no CSRF token
    (see the module's docstring)."""
    label = await run_in_threadpool(app.digests.unsubscribe, follow_id, signature)
    body = await request.body()
    if body.strip() == ONE_CLICK.encode():  # a mail client: a short answer is all it reads
        return Response("unsubscribed\n", media_type="text/plain")
    return render(request, "unsubscribe.html", {"label": label, "done": True, "action": request.url.path})

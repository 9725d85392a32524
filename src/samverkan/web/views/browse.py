"""Lists to browse the catalogue, with filters and their counts: hubs, platforms, working groups,
calls one can still apply to, reusable solutions and published needs; and ``/browse``, their index.

Each list is one route in three formats: the page, ``.csv`` and ``.json`` (or ``?format=csv|json``),
all of the same rows — the page's. What is selected and counted is
:func:`samverkan.catalogue.listing.select`; a parameter it refuses answers 400 naming it, in the
page's language (JSON: ``{"detail", "code", "field"}``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response

from samverkan.catalogue import listing
from samverkan.catalogue.listing import LISTINGS, ParameterError, Selection
from samverkan.web.deps import Core
from samverkan.web.i18n import translations
from samverkan.web.templating import data_labels, hub_type_labels, language, render
from samverkan.web.views.entities import csv_response

router = APIRouter(include_in_schema=False)

# kind → where its list is (/solutions and /needs are the postings' own lists, with drafts for their owners)
PATHS = {
    "hub": "/hubs",
    "platform": "/platforms",
    "working_group": "/working-groups",
    "call": "/calls",
    "solution": "/browse/solutions",
    "need": "/browse/needs",
}
FORMATS = ("html", "csv", "json")
# facets whose values are a source's English vocabulary (shown as they are, marked as English)
ENGLISH = {("hub", "service"), ("hub", "technology"), ("platform", "topic"), ("working_group", "topic")}
ENGLISH |= {("call", "programme"), ("solution", "sector"), ("solution", "technology")}


def words(lang: str) -> dict[str, Any]:
    """The words of these pages that depend on a value: lists, facets, and their values."""
    _ = translations(lang).gettext
    return {
        "lists": {
            "hub": _("Innovation hubs"),
            "platform": _("EU platforms"),
            "working_group": _("Working groups"),
            "call": _("Calls open now or opening soon"),
            "solution": _("Reusable solutions"),
            "need": _("Published needs"),
        },
        "about": {
            "hub": _("European Digital Innovation Hubs, Seals of Excellence and other digital innovation hubs."),
            "platform": _("EU collaboration platforms: what each is, who it is for and how to join."),
            "working_group": _("The platforms' working groups: what each works on and how to take part."),
            "call": _("Funding calls one can still apply to: open now, or opening soon, by programme."),
            "solution": _(
                "Public-sector solutions to reuse: the JRC's catalogued cases and those organisations publish."
            ),
            "need": _("Needs that organisations have published, looking for help, partners and funding."),
        },
        "facets": {
            "hub_type": _("Type"),
            "country": _("Country"),
            "region": _("Region (NUTS 2)"),
            "service": _("Service"),
            "technology": _("Technology"),
            "status": _("Status"),
            "audience": _("For"),
            "topic": _("Topic"),
            "platform": _("Platform"),
            "source": _("Source"),
            "sector": _("Sector"),
            "programme": _("Programme"),
            "focus_area": _("Focus area"),
            "maturity": _("Maturity"),
        },
        "values": {
            "hub_type": hub_type_labels(lang),
            "status": {
                "open": _("open now"),
                "forthcoming": _("opening soon"),
                "active": _("active"),
                "ended": _("ended"),
                "proposed": _("proposed"),
            },
            "audience": data_labels(lang)["audience"],
            "source": {"catalogue": _("catalogued case (JRC)"), "published": _("published by an organisation")},
            "maturity": {"idea": _("idea"), "pilot": _("pilot"), "in_use": _("in use"), "scaled": _("scaled")},
        },
    }


def explain(exc: ParameterError, lang: str) -> str:
    """A refused parameter in the reader's language, naming the parameter."""
    _ = translations(lang).gettext
    label = words(lang)["facets"].get(exc.field)
    if exc.field in ("page", "per_page"):
        top = listing.MAX_PAGE if exc.field == "page" else listing.MAX_PER_PAGE
        return _("%(field)s must be a whole number from 1 to %(top)s.") % {"field": exc.field, "top": top}
    if exc.field == "format":
        return _("format must be one of html, csv and json.")
    return _("%(label)s (%(field)s): “%(value)s” is not a value of this list.") % {
        "label": label or exc.field,
        "field": exc.field,
        "value": exc.value or "",
    }


def options(kind: str, selection: Selection, lang: str) -> list[dict[str, Any]]:
    """Each facet as the filter form shows it: its options' words and counts."""
    said = words(lang)
    out = []
    for name, found in selection.facets.items():
        named = said["values"].get(name, {})
        shown = []
        for o in found:
            text = named.get(o.value) or o.label or o.value
            if name == "region":
                text = f"{o.label} ({o.value})" if o.label else o.value
            shown.append({"value": o.value, "text": text, "count": o.count, "chosen": o.chosen})
        english = (kind, name) in ENGLISH
        out.append({"name": name, "label": said["facets"][name], "options": shown, "english": english})
    return out


def _format(request: Request, suffix: str | None) -> str:
    chosen = suffix or request.query_params.get("format") or "html"
    if chosen not in FORMATS:
        raise ParameterError("format must be one of html, csv and json", "format", chosen)
    return chosen


async def _list(request: Request, app: Core, kind: str, suffix: str | None) -> Response:
    lang = language(request)
    fmt = suffix or "html"
    try:
        fmt = _format(request, suffix)
        params = request.query_params
        page, per_page = listing.paging(params)
        chosen = listing.choices(LISTINGS[kind], params)
        selection = await run_in_threadpool(app.browse, kind, chosen, page, per_page)
    except ParameterError as exc:
        message = explain(exc, lang)
        if fmt in ("json", "csv"):
            return JSONResponse({"detail": message, "code": exc.code, "field": exc.field}, status_code=400)
        _ = translations(lang).gettext
        return render(request, "error.html", {"heading": _("We could not do that"), "message": message}, 400)
    columns = list(LISTINGS[kind].columns)
    if fmt == "json":
        return JSONResponse(selection.as_json(columns))
    if fmt == "csv":
        filename = PATHS[kind].rsplit("/", 1)[1] + ".csv"
        return csv_response(filename, columns, listing.table(LISTINGS[kind], selection.rows))
    base = PATHS[kind]
    query = {**selection.chosen, **({"per_page": per_page} if per_page != listing.PER_PAGE else {})}

    def url(path: str, **more: Any) -> str:
        values = {**query, **more}
        return path + ("?" + urlencode(values) if values else "")

    context = {
        "kind": kind,
        "selection": selection,
        "facets": options(kind, selection, lang),
        "words": words(lang),
        "base": base,
        "csv_url": url(base + ".csv", **({"page": page} if page > 1 else {})),
        "json_url": url(base + ".json", **({"page": page} if page > 1 else {})),
        "prev_url": url(base, page=page - 1) if page > 1 else None,
        "next_url": url(base, page=page + 1) if page < selection.pages else None,
        "first": (page - 1) * per_page + 1,
        # a call's status is computed for the `today` setting from the calls as the portal last said them
        "calls_as_of": await run_in_threadpool(app.calls_freshness) if kind == "call" else None,
    }
    return render(request, "browse_list.html", context)


@router.get("/browse", response_class=HTMLResponse)
async def index(request: Request, app: Core) -> HTMLResponse:
    counts = {}
    for kind in PATHS:
        counts[kind] = len(await run_in_threadpool(app.listing_rows, kind))
    return render(request, "browse.html", {"counts": counts, "paths": PATHS, "words": words(language(request))})


def _routes(kind: str) -> None:
    base = PATHS[kind]

    @router.get(base, response_class=HTMLResponse, name=f"browse_{kind}")
    async def page(request: Request, app: Core) -> Response:
        return await _list(request, app, kind, None)

    @router.get(base + ".csv", name=f"browse_{kind}_csv")
    async def as_csv(request: Request, app: Core) -> Response:
        return await _list(request, app, kind, "csv")

    @router.get(base + ".json", name=f"browse_{kind}_json")
    async def as_json(request: Request, app: Core) -> Response:
        return await _list(request, app, kind, "json")


for _kind in PATHS:
    _routes(_kind)

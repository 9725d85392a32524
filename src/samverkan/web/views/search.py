"""The start page and the results page for a need: the same library search as
``GET /api/v1/search``, grouped by kind, with reasons, facets, paging and a shareable URL."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from babel.numbers import format_decimal
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from samverkan.catalogue.calls import CHOICES, CURRENT
from samverkan.errors import QueryError
from samverkan.search.filters import FilterError, Filters
from samverkan.search.service import KINDS
from samverkan.web.deps import Core
from samverkan.web.i18n import translations
from samverkan.web.templating import hub_type_labels, language, org_type_labels, render
from samverkan.web.views.digests import follow_url

router = APIRouter(include_in_schema=False)

PER_KIND = 5  # results per kind on the grouped page
PER_PAGE = 10  # results per page for one kind
FILTER_PARAMS = ("region", "country", "org_type", "sme", "hub_type", "programme", "status")
FACET_PARAMS = {"activity_type": "org_type", "countries": "country"}  # facet name → filter parameter

EXAMPLES = {
    "sv": [
        "Vi söker partner och finansiering för att använda AI och sensordata i äldreomsorgen i vår kommun",
        "E-hälsa och digitala vårdtjänster på distans för glesbygd",
        "Grön omställning av industrin med vätgas och fossilfri stålproduktion",
        "Kompetensförsörjning inom den marina sektorn och sjöfarten",
        "AI för handläggning i offentlig förvaltning",
        "IoT-sensorer för att mäta luftkvalitet och trafik i staden",
    ],
    "en": [
        "We are looking for partners and funding to use AI and sensor data in elderly care in our municipality",
        "E-health and remote digital care services for rural areas",
        "Green transition of industry with hydrogen and fossil-free steel",
        "Skills for the marine and maritime sector",
        "AI for case handling in public administration",
        "IoT sensors to measure air quality and traffic in the city",
    ],
}


def _labels(lang: str) -> dict[str, Any]:
    _ = translations(lang).gettext
    return {
        "kinds": {
            "call": _("Open calls"),
            "organisation": _("Partner organisations"),
            "hub": _("Innovation hubs"),
            "platform": _("EU platforms to join"),
            "working_group": _("Working groups to join"),
            "solution": _("Reusable solutions"),
            "need": _("Needs of other organisations"),
            "project": _("Similar past projects"),
        },
        "calls_by_status": {
            "current": _("Calls you can apply for"),
            "open": _("Open calls"),
            "forthcoming": _("Forthcoming calls"),
            "closed": _("Closed calls"),
            "all": _("Calls"),
        },
        "call_parts": {"open": _("Open now"), "forthcoming": _("Opening soon")},
        "facets": {
            "programme": _("Programme"),
            "status": _("Status"),
            "country": _("Country"),
            "countries": _("Country"),
            "region": _("NUTS 2 region"),
            "activity_type": _("Type of organisation"),
            "sme": _("SME"),
            "hub_type": _("Type of hub"),
        },
        "hubs_near": _("Innovation hubs in your region"),
        "platform_status": {"active": _("active"), "ended": _("ended")},
        "yes_no": {"true": _("yes"), "false": _("no")},
        "org_types": org_type_labels(lang),
        "hub_types": hub_type_labels(lang),
        "counts": [
            ("calls", _("Funding calls")),
            ("hubs", _("Innovation hubs")),
            ("platforms", _("EU platforms")),
            ("organisations", _("Organisations")),
            ("solutions", _("Reusable solutions")),
            ("projects", _("EU projects")),
            ("regions", _("NUTS regions")),
            ("municipalities", _("Swedish municipalities")),
        ],
        "bad_page": _("There is no such page of results."),
    }


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, app: Core) -> HTMLResponse:
    lang = language(request)
    counts, closing, regions = await run_in_threadpool(
        lambda: (app.counts(), app.closing_soon(8), app.region_choices())
    )
    labels = _labels(lang)
    return render(
        request,
        "home.html",
        {
            "examples": EXAMPLES[lang],
            "closing": closing,
            "counts": counts,
            "count_labels": labels["counts"],
            "region_choices": regions,
        },
    )


def _filters(params: dict[str, str]) -> Filters:
    sme = {"true": True, "false": False, "": None}.get(params.get("sme", "").lower())
    if sme is None and params.get("sme"):
        raise FilterError("sme must be true or false", "sme")
    return Filters(
        programme=params.get("programme") or None,
        country=(params.get("country") or "").upper() or None,
        region=(params.get("region") or "").upper() or None,
        org_type=(params.get("org_type") or "").upper() or None,
        sme=sme,
        hub_type=params.get("hub_type") or None,
    )


@router.get("/search", response_class=HTMLResponse)
async def results(request: Request, app: Core) -> HTMLResponse:
    lang = language(request)
    _ = translations(lang).gettext
    labels = _labels(lang)
    query = request.query_params.get("q", "")
    kind = request.query_params.get("kind") or None
    params = {k: v for k in FILTER_PARAMS if (v := request.query_params.get(k, "").strip())}
    status = params.get("status", CURRENT)
    regions = await run_in_threadpool(app.region_choices)
    base: dict[str, Any] = {"query": query, "region_choices": regions, "filters": params}

    def error(message: str, code: int = 400) -> HTMLResponse:
        page = {"heading": _("We could not search for that"), "message": message}
        return render(request, "search_error.html", base | page, status=code)

    try:
        page = int(request.query_params.get("page", "1"))
    except ValueError:
        page = 0
    if kind is not None and kind not in KINDS or status not in CHOICES or not 1 <= page <= 10:
        return error(labels["bad_page"])
    try:
        filters = _filters(params)
        if kind:
            limit = min(page * PER_PAGE + 1, 100)
            answer = await run_in_threadpool(app.search, query, kind, status, limit, filters)
        else:
            answer = await run_in_threadpool(app.search, query, None, status, PER_KIND + 1, filters)
    except QueryError as exc:
        return error(explain_query_error(exc, lang))
    except FilterError as exc:
        return error(str(exc), 422)

    def url(**changes: Any) -> str:
        merged = {"q": query, "kind": kind, **params, "page": None, **changes}
        return "/search?" + urlencode([(k, v) for k, v in merged.items() if v not in (None, "")])

    groups = []
    for k in [kind] if kind else KINDS:
        found = [r for r in answer["results"] if r["kind"] == k]
        if k == "call" and status == CURRENT:
            # one more than shown was asked for, to know if there are more; the service put the
            # open ones of all of them first, so the shown ones are the most relevant by score,
            # in the service's order (as the API with the shown number as its limit)
            shown_count = (page * PER_PAGE) if kind else PER_KIND
            best = {r["id"] for r in sorted(found, key=lambda r: -r["score"])[:shown_count]}
            found = [r for r in found if r["id"] in best] + [r for r in found if r["id"] not in best]
        label = labels["calls_by_status"][status] if k == "call" else labels["kinds"][k]
        if k == "hub" and params.get("region"):
            label = labels["hubs_near"]
        if kind:
            start = (page - 1) * PER_PAGE
            shown, more = found[start : start + PER_PAGE], len(found) > start + PER_PAGE
        else:
            start, shown, more = 0, found[:PER_KIND], len(found) > PER_KIND
        parts: list[dict[str, Any]] = [{"heading": None, "results": shown, "start": start + 1}]
        if k == "call" and status == CURRENT:  # open now, then opening soon, each under its heading
            parts, first = [], start + 1
            for part in ("open", "forthcoming"):
                these = [r for r in shown if r["status"] == part]
                if these:
                    parts.append({"heading": labels["call_parts"][part], "results": these, "start": first})
                    first += len(these)
        groups.append(
            {
                "kind": k,
                "label": label,
                "results": shown,
                "parts": parts,
                "start": start + 1,
                "more_url": url(kind=k) if more and not kind else None,
                "next": more,
            }
        )
    facets = {}
    if kind:
        for name, values in answer["facets"].get(kind, {}).items():
            if FACET_PARAMS.get(name, name) not in params:
                facets[name] = values

    def facet_url(name: str, value: str) -> str:
        return url(**{FACET_PARAMS.get(name, name): value})

    def facet_value(name: str, value: str) -> str:
        if name == "activity_type":
            return labels["org_types"].get(value, value)
        if name == "sme":
            return labels["yes_no"].get(value, value)
        if name == "hub_type":
            return labels["hub_types"].get(value, value)
        return value

    context = base | {
        "answer": answer,
        "kind": kind,
        "groups": groups,
        "facets": facets,
        "facet_labels": labels["facets"],
        "facet_url": facet_url,
        "facet_value": facet_value,
        "platform_status": labels["platform_status"],
        "page": page,
        "prev_url": url(page=page - 1) if kind and page > 1 else None,
        "next_url": url(page=page + 1) if kind and groups[0]["next"] and page < 10 else None,
        "all_url": url(kind=None),
        "status": status,
        "forthcoming_url": url(kind="call", status="forthcoming"),
        "clear_url": "/search?" + urlencode([(k, v) for k, v in (("q", query), ("kind", kind)) if v]),
        "share_url": request.app.state.samverkan.settings.base_url + url(page=page if page > 1 else None),
        "follow_url": follow_url(query, kind, params),
    }
    return render(request, "results.html", context)


def explain_query_error(exc: QueryError, lang: str) -> str:
    """What went wrong with a query, in the reader's language, chosen by the error's ``code``
    (never by its English message, which is the fallback for a code the pages do not word)."""
    _ = translations(lang).gettext
    if exc.code == "empty":
        return _("Describe what you are looking for: the search box is empty.")
    if exc.code == "language":
        return _("samverkan understands Swedish and English; please describe your need in one of them.")
    if exc.code == "no_words":
        return _("The text has no words to search for.")
    if exc.code == "too_long" and exc.length is not None and exc.limit is not None:
        numbers = {"length": format_decimal(exc.length, locale=lang), "limit": format_decimal(exc.limit, locale=lang)}
        return _("The text is too long: %(length)s characters, at most %(limit)s.") % numbers
    return str(exc)

"""The consortium builder's page: the team proposed for a call (``GET /consortium``, the same
question as ``GET /api/v1/consortium``), its members with their roles, countries and fit to the
call's subject, and the checks the team passes, all in the reader's language.

The builder (:mod:`samverkan.match.consortium`) words its checks in English for the API; this
page words each check again from what it says (:data:`CHECKS`: each known check and its
evidence, by pattern). A check the page does not know is shown as the builder wrote it, marked
``lang="en"``, and so is evidence quoted from a call (its conditions, the builder's reasons).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from samverkan.web import i18n
from samverkan.web.deps import Core
from samverkan.web.templating import environment, language, org_type_labels, render

router = APIRouter(include_in_schema=False)

Gettext = Callable[..., str]
CODES = re.compile(r"^[A-Z]{2}(, [A-Z]{2})*$")  # a list of country codes: "DE, DK, IT"


def _countries(detail: str | None, name: Callable[[str], str], _: Gettext) -> tuple[str | None, str | None]:
    if detail == "none":
        return _("none"), None
    if detail and CODES.match(detail):
        return ", ".join(name(code) for code in detail.split(", ")), None
    return detail, "en"


def _why_role(detail: str, _: Gettext, ngettext: Gettext) -> tuple[str, str | None]:
    """Why the call needs a role (:func:`samverkan.match.consortium.call_needs`), worded again; the
    words a call speaks of are its own (English)."""
    if detail == "the action builds on research":
        return _("the action builds on research"), None
    if detail == "innovation actions bring results to the market":
        return _("innovation actions bring results to the market"), None
    if found := re.fullmatch(r"the call speaks of industry or companies \((\d+) times\)", detail):
        num = int(found.group(1))
        worded = ngettext(
            "the call speaks of industry or companies (%(num)s time)",
            "the call speaks of industry or companies (%(num)s times)",
            num,
        )
        return worded % {"num": num}, None
    return detail, "en"  # "the call speaks of municipality, region": the call's own words


def word_check(check: dict[str, Any], lang: str, country: Callable[[str], str]) -> dict[str, Any]:
    """One check of the builder in ``lang``: ``{"text", "text_lang", "detail", "detail_lang", "ok"}``
    (a ``*_lang`` is set where the builder's English words are kept)."""
    translations = i18n.translations(lang)
    _, ngettext = translations.gettext, translations.ngettext
    text, detail = check["check"], check.get("detail")
    out: dict[str, Any] = {"ok": check["ok"], "text": text, "text_lang": "en", "detail": detail, "detail_lang": "en"}

    def worded(new_text: str, new_detail: str | None = None, detail_lang: str | None = None) -> dict[str, Any]:
        return {**out, "text": new_text, "text_lang": None, "detail": new_detail, "detail_lang": detail_lang}

    if found := re.fullmatch(r"at least (\d+) independent legal entit(?:ies|y) from eligible countries", text):
        num = int(found.group(1))
        counted = re.fullmatch(r"(\d+) of (\d+) members count", detail or "")
        return worded(
            ngettext(
                "at least %(num)s independent legal entity from eligible countries",
                "at least %(num)s independent legal entities from eligible countries",
                num,
            )
            % {"num": num},
            _("%(counted)s of %(members)s members count") % {"counted": counted.group(1), "members": counted.group(2)}
            if counted
            else detail,
            None if counted else "en",
        )
    if found := re.fullmatch(r"at least (\d+) different member states or associated countries", text):
        shown, shown_lang = _countries(detail, country, _)
        return worded(
            _("at least %(num)s different member states or associated countries") % {"num": found.group(1)},
            shown,
            shown_lang,
        )
    if found := re.fullmatch(r"at least (\d+) in EU member states", text):
        shown, shown_lang = _countries(detail, country, _)
        return worded(_("at least %(num)s in EU member states") % {"num": found.group(1)}, shown, shown_lang)
    if text == "only entities from the countries the call admits":
        return worded(_("only entities from the countries the call admits"), detail, "en")
    if text == "the call's further condition":
        return worded(_("a further condition of the call, to check by hand"), detail, "en")
    if found := re.fullmatch(r"partner for (\w+) \(([A-Z/]+)\)", text):
        kinds = org_type_labels(lang)
        need = {"research": _("research"), "industry": _("industry"), "public": _("the public sector")}
        types = ", ".join(kinds.get(code, code) for code in found.group(2).split("/"))
        why, why_lang = _why_role(detail or "", _, ngettext)
        named = need.get(found.group(1), found.group(1))
        return worded(_("a partner for %(need)s (%(types)s)") % {"need": named, "types": types}, why, why_lang)
    if text == "at least one SME":
        same = detail == "the call expects industry"
        return worded(_("at least one SME"), _("the call expects industry") if same else detail, None if same else "en")
    if text == "the call's themes are covered by past work":
        covered = re.fullmatch(r"(\d+) of (\d+) covered(?:; not yet: (.+))?", detail or "")
        if covered:
            shown = _("%(covered)s of %(themes)s covered") % {"covered": covered.group(1), "themes": covered.group(2)}
            if covered.group(3):  # the themes are words of the call's English text
                return {**worded(_("the call's themes are covered by past work"), shown), "missing": covered.group(3)}
            return worded(_("the call's themes are covered by past work"), shown)
    if text == "every member has past work near the call's subject":
        near = re.fullmatch(r"(\d+) of (\d+) members(?:; no work near it: (.+))?", detail or "")
        if near:
            shown = _("%(near)s of %(members)s members") % {"near": near.group(1), "members": near.group(2)}
            result = worded(_("every member has past work near the call's subject"), shown)
            return {**result, "far": near.group(3)} if near.group(3) else result
    if text == "members are independent of each other":
        return worded(
            _("members are independent of each other"),
            _("samverkan merges duplicate records of one organisation but cannot see ownership or control"),
        )
    return out


@router.get("/consortium", response_class=HTMLResponse)
async def consortium(
    request: Request,
    app: Core,
    call: Annotated[str, Query(min_length=1, max_length=100)],
    lead: Annotated[str, Query(min_length=1, max_length=100)],
    lock: Annotated[list[str] | None, Query(max_length=20)] = None,
    drop: Annotated[list[str] | None, Query(max_length=100)] = None,
    size: Annotated[int | None, Query(ge=1, le=20)] = None,
) -> HTMLResponse:
    answer = await run_in_threadpool(app.consortium, call, lead, lock or [], drop or [], size)
    lang = language(request)
    country = environment(lang).filters["country"]  # the pages' one way to name a country
    checks = [word_check(c, lang, country) for c in answer["checks"]]
    query = request.url.query
    params = "&".join(p for p in query.split("&") if not p.startswith("lang="))
    return render(
        request, "consortium.html", {"answer": answer, "checks": checks, "json_url": "/api/v1/consortium?" + params}
    )

"""The consortium builder's page: the team proposed for a call (``GET /consortium``, the same
question as ``GET /api/v1/consortium``), its members with their roles, countries and fit to the
call's subject, and the checks the team passes, all in the reader's language.

The builder gives each check a ``code`` and ``params`` besides its English
(:mod:`samverkan.match.consortium_checks`); this page words each check from those
(:func:`word_check`), never from the English. A check with a code the page does not know is shown
as the builder wrote it, marked ``lang="en"``, and so are words quoted from a call (its
conditions, the words a role's reason cites, its themes).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape

from samverkan.web import i18n
from samverkan.web.deps import Core
from samverkan.web.templating import environment, language, org_type_labels, render

router = APIRouter(include_in_schema=False)

Gettext = Callable[..., str]


def _countries(codes: list[str], name: Callable[[str], str], _: Gettext) -> str:
    return ", ".join(name(code) for code in codes) or _("none")


def _why_role(why: dict[str, Any], _: Gettext, ngettext: Gettext) -> tuple[str | None, str | None]:
    """Why the call needs a role (a code of :func:`samverkan.match.consortium_checks.why`) in the
    reader's language, and the language to mark it with: ``None`` for a code this page does not know."""
    code = why.get("code")
    if code == "research_action":
        return _("the action builds on research"), None
    if code == "innovation_action":
        return _("innovation actions bring results to the market"), None
    if code == "industry_words":
        num = why["count"]
        worded = ngettext(
            "the call speaks of industry or companies (%(num)s time)",
            "the call speaks of industry or companies (%(num)s times)",
            num,
        )
        return worded % {"num": num}, None
    if code == "public_words":  # the words are the call's own (English)
        words = Markup('<span lang="en">{}</span>').format(", ".join(why["words"]))
        return escape(_("the call speaks of %(words)s")) % {"words": words}, None
    return None, None


def word_check(check: dict[str, Any], lang: str, country: Callable[[str], str]) -> dict[str, Any]:
    """One check of the builder in ``lang``, from its ``code`` and ``params``: ``{"text",
    "text_lang", "detail", "detail_lang", "ok"}`` (a ``*_lang`` is set where the builder's English
    words, or a call's, are kept), and ``missing`` or ``far`` where the check lists them."""
    translations = i18n.translations(lang)
    _, ngettext = translations.gettext, translations.ngettext
    code, p = check.get("code"), check.get("params") or {}
    out: dict[str, Any] = {
        "ok": check["ok"],
        "text": check["check"],
        "text_lang": "en",
        "detail": check.get("detail"),
        "detail_lang": "en",
    }

    def worded(new_text: str, new_detail: str | None = None, detail_lang: str | None = None) -> dict[str, Any]:
        return {**out, "text": new_text, "text_lang": None, "detail": new_detail, "detail_lang": detail_lang}

    if code == "min_entities":
        num = p["num"]
        return worded(
            ngettext(
                "at least %(num)s independent legal entity from eligible countries",
                "at least %(num)s independent legal entities from eligible countries",
                num,
            )
            % {"num": num},
            _("%(counted)s of %(members)s members count") % {"counted": p["counted"], "members": p["members"]},
        )
    if code == "min_countries":
        return worded(
            _("at least %(num)s different member states or associated countries") % {"num": p["num"]},
            _countries(p["countries"], country, _),
        )
    if code == "min_member_states":
        return worded(
            _("at least %(num)s in EU member states") % {"num": p["num"]}, _countries(p["countries"], country, _)
        )
    if code == "restricted_countries":
        text = _("only entities from the countries the call admits")
        if p["outside"]:  # organisations' names
            return worded(text, _("outside: %(names)s") % {"names": ", ".join(p["outside"])})
        return worded(text, p["restriction"], "en")  # the call's own words
    if code == "further_condition":
        return worded(_("a further condition of the call, to check by hand"), p["text"], "en")
    if code == "role":
        kinds = org_type_labels(lang)
        need = {"research": _("research"), "industry": _("industry"), "public": _("the public sector")}
        types = ", ".join(kinds.get(t, t) for t in p["types"])
        named = need.get(p["need"], p["need"])
        why, why_lang = _why_role(p["why"], _, ngettext)
        if why is None:  # a reason this page does not know: the builder's English
            why, why_lang = check.get("detail"), "en"
        return worded(_("a partner for %(need)s (%(types)s)") % {"need": named, "types": types}, why, why_lang)
    if code == "sme":
        return worded(_("at least one SME"), _("the call expects industry"))
    if code == "themes_covered":
        shown = _("%(covered)s of %(themes)s covered") % {"covered": p["covered"], "themes": p["themes"]}
        result = worded(_("the call's themes are covered by past work"), shown)
        # the themes are words of the call's English text
        return {**result, "missing": ", ".join(p["missing"])} if p["missing"] else result
    if code == "members_on_topic":
        shown = _("%(near)s of %(members)s members") % {"near": p["near"], "members": p["members"]}
        result = worded(_("every member has past work near the call's subject"), shown)
        return {**result, "far": ", ".join(p["far"])} if p["far"] else result
    if code == "independent":
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

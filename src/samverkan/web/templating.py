"""Jinja2 templates in the reader's language: one environment per language, with gettext,
dates, numbers, money and country names formatted by Babel for that language."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any
from urllib.parse import quote, urlencode

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_compact_currency, format_decimal
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from samverkan.accounts.sessions import LIFETIME
from samverkan.catalogue.countries import iso_from_code
from samverkan.web import deps, forms, i18n, sections

ENTITY_PATHS = {
    "call": "/calls/",
    "organisation": "/organisations/",
    "hub": "/hubs/",
    "platform": "/platforms/",
    "working_group": "/working-groups/",
    "solution": "/solutions/",
    "need": "/needs/",
    "project": "/projects/",
    "region": "/regions/",
    "municipality": "/municipalities/",
}
SESSION_SECONDS = int(LIFETIME.total_seconds())
SECURITY_HEADERS = {
    # everything from our own origin; inline SVG needs no exception
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def entity_url(kind: str, record_id: str) -> str:
    return ENTITY_PATHS[kind] + quote(str(record_id), safe="")


def org_type_labels(language: str) -> dict[str, str]:
    """CORDIS activity types in words."""
    _ = i18n.translations(language).gettext
    return {
        "HES": _("higher education"),
        "REC": _("research organisation"),
        "PRC": _("company"),
        "PUB": _("public body"),
        "OTH": _("other"),
    }


def hub_type_labels(language: str) -> dict[str, str]:
    """Hub types (``Hub.kind``) in words, in the order of :data:`samverkan.catalogue.hubs.TYPES`."""
    _ = i18n.translations(language).gettext
    return {
        "EDIH": _("European Digital Innovation Hub (EDIH)"),
        "SoE": _("Seal of Excellence"),
        "DIH": _("Digital Innovation Hub (DIH)"),
    }


def project_lang(project_id: str) -> str:
    """The language of a project's title: Swedish for the Swedish ERDF/ESF projects (``se-…``),
    English for CORDIS's."""
    return "sv" if str(project_id).startswith("se-") else "en"


ENGLISH_KINDS = frozenset({"call", "solution", "platform", "working_group"})  # titles in English


def record_lang(record: dict[str, Any]) -> str | None:
    """The language of a search result's or match's title, for its ``lang`` (WCAG 3.1.2): its own
    ``language`` where the record says (postings), English for the EU catalogues' calls, JRC
    solutions, platforms and working groups, a project's by :func:`project_lang`; ``None`` for
    names of organisations and hubs (proper names, in any language)."""
    if record.get("language"):
        return str(record["language"])
    kind = record.get("kind")
    if kind == "project":
        return project_lang(str(record.get("id", "")))
    return "en" if kind in ENGLISH_KINDS else None


def language_names(language: str) -> dict[str, str]:
    """The languages we speak, named in ``language`` ("Read as Swedish"; a language picker names
    each in its own language instead: :data:`samverkan.web.i18n.NAMES`)."""
    _ = i18n.translations(language).gettext
    return {"sv": _("Swedish"), "en": _("English")}


def data_labels(language: str) -> dict[str, dict[str, str]]:
    """Words that come from data and the API, not from the templates, in ``language``: platforms'
    audiences and facts, the catalogue's tables (what a source holds), deadline models, solutions'
    statuses. A page shows ``labels[group].get(value, value)``; a value not listed here is shown as
    it came (and the one-language test, tests/web/test_one_language.py, watches for it)."""
    _ = i18n.translations(language).gettext
    return {
        "audience": {
            "region": _("regions"),
            "municipality": _("municipalities"),
            "public_body": _("public bodies"),
            "university": _("universities"),
            "sme": _("small and medium-sized companies"),
            "hub": _("innovation hubs"),
        },
        "platform_fact": {
            "url": _("web site"),
            "operator": _("run by"),
            "purpose": _("purpose"),
            "how_to_join": _("how to join"),
            "can_publish": _("what you can publish"),
            "status": _("status"),
            "audience": _("for whom"),
        },
        "table": {
            "calls": _("calls"),
            "organisations": _("organisations"),
            "projects": _("projects"),
            "participations": _("participations"),
            "project_topics": _("projects' topics"),
            "project_legal_bases": _("projects' legal bases"),
            "hubs": _("innovation hubs"),
            "platforms": _("platforms"),
            "working_groups": _("working groups"),
            "solutions": _("reusable solutions"),
            "cohesion_projects": _("Swedish ERDF and ESF projects"),
            "regions": _("regions"),
            "counties": _("counties"),
            "municipalities": _("municipalities"),
        },
        "deadline_model": {
            "single-stage": _("single-stage"),
            "two-stage": _("two-stage"),
            "multiple cut-off": _("multiple cut-off dates"),
        },
        "solution_status": {
            "Planned": _("planned"),
            "In development": _("in development"),
            "Pilot": _("pilot"),
            "Implemented": _("implemented"),
            "In production": _("in production"),
            "Not in use anymore": _("no longer in use"),
        },
    }


def eligibility_text(language: str, rule: dict[str, Any]) -> str:
    """A call's consortium rule (:meth:`samverkan.match.eligibility.Rule.as_dict`) in words of
    ``language``, from its structured fields; the API's ``text`` is its English wording."""
    _ = i18n.translations(language).gettext
    kind = rule.get("kind")
    if kind == "consortium":
        if rule.get("min_member_states", 1) >= 2:
            return _(
                "at least three independent legal entities, each established in a different member state or "
                "associated country, two of them in member states"
            )
        return _(
            "at least three independent legal entities, each established in a different member state or "
            "associated country, one in a member state"
        )
    if kind == "single":
        return _("one applicant established in a member state or associated country; a consortium is not required")
    if kind == "open":
        return _("at least one legal entity established in a member state or associated country")
    return _(
        "the consortium rules of this call are not modelled: the team is built to the standard rule (three "
        "entities from three member states or associated countries); check the call's conditions"
    )


def rule_source(language: str, source: str) -> str:
    """Where a consortium rule comes from, in ``language`` (names of documents stay as they are)."""
    _ = i18n.translations(language).gettext
    return {"samverkan's default": _("samverkan's default"), "the call's conditions": _("the call's conditions")}.get(
        source, source.replace("this type of action", _("this type of action"))
    )


@cache
def environment(language: str) -> Environment:
    env = Environment(
        loader=PackageLoader("samverkan.web", "templates"),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # the i18n extension adds this method at run time; Jinja's type hints do not declare it
    env.install_gettext_translations(i18n.translations(language), newstyle=True)  # type: ignore[attr-defined]
    locale = Locale.parse(language)

    def date(value: str | dt.date | None, form: str = "medium") -> str:
        if not value:
            return ""
        day = dt.date.fromisoformat(value[:10]) if isinstance(value, str) else value
        return format_date(day, form, locale=locale)

    def money(value: float | None) -> str:
        return "" if value is None else format_compact_currency(value, "EUR", locale=locale, fraction_digits=1)

    def number(value: float | None) -> str:
        return "" if value is None else format_decimal(value, locale=locale)

    def country(code: str | None) -> str:
        if not code:
            return ""
        return locale.territories.get(iso_from_code(code), code)

    env.filters.update(
        date=date,
        money=money,
        number=number,
        country=country,
        eligibility_text=lambda rule: eligibility_text(language, rule),
        rule_source=lambda source: rule_source(language, source),
    )
    env.globals.update(
        lang=language,
        entity_url=entity_url,
        languages=i18n.NAMES,
        language_names=language_names(language),
        project_lang=project_lang,
        record_lang=record_lang,
        labels_of_data=data_labels(language),
        org_types=org_type_labels(language),
        hub_types=hub_type_labels(language),
        lead=sections.lead,
    )
    return env


def language(request: Request) -> str:
    return i18n.choose(
        request.query_params.get("lang"), request.cookies.get(i18n.COOKIE), request.headers.get("accept-language")
    )


def render(request: Request, template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """The page ``template`` in the reader's language; an explicit ``?lang=`` is remembered.

    Every page's context holds ``actor`` (who acts, :func:`samverkan.web.deps.page_actor`),
    ``csrf`` (the form token) and ``csrf_field()`` (its hidden input; see
    :mod:`samverkan.web.forms`), under whatever ``context`` gives. A page for a signed-in person
    is never stored by caches, and renews the session cookie's lifetime as the session slides."""
    lang = language(request)
    core = request.app.state.samverkan
    today = core.settings.current_day()  # the day calls' statuses are for
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    other = "en" if lang == "sv" else "sv"
    who = deps.page_actor(request)
    token = forms.FormToken(request, who)
    values = {
        "request": request,
        "path": request.url.path,
        "switch_url": request.url.path + "?" + urlencode([*params, ("lang", other)]),
        "other_lang": other,
        "days_until": lambda iso: (dt.date.fromisoformat(iso[:10]) - today).days if iso else None,
        "actor": who,
        "csrf": token,
        "csrf_field": token.field,
    }
    page = environment(lang).get_template(template).render({**values, **context})
    response = HTMLResponse(page, status_code=status, headers=SECURITY_HEADERS)
    response.headers["Content-Language"] = lang
    response.headers["Vary"] = "Accept-Language, Cookie"
    if request.query_params.get("lang") in i18n.LANGUAGES:
        response.set_cookie(i18n.COOKIE, lang, max_age=365 * 86400, samesite="lax", httponly=True)
    if token.new_cookie is not None:
        deps.set_cookie(response, core.settings, deps.FORM_COOKIE, token.new_cookie)
    if who.person:
        response.headers["Cache-Control"] = "private, no-store"
        held = deps.cookie(request, deps.SESSION_COOKIE)
        if held:
            deps.set_cookie(response, core.settings, deps.SESSION_COOKIE, held, SESSION_SECONDS)
    return response

"""The consortium builder's checks and the reasons a call needs a role: codes, and their English.

Each check (:func:`check`) is a ``code`` with ``params`` — the numbers, country codes and lists
its wording needs — plus the English the API and the CLI have always returned (``check``,
``detail``), made here from the code and the params, and only here (:func:`english`). The reason
a call needs a role (:func:`why`) is likewise a code with its params, worded by
:func:`why_english`. The web page words both again in the reader's language from the codes
(:mod:`samverkan.web.views.consortium`), as the search pages word :mod:`samverkan.search.reasons`.

Check codes, with their ``kind`` and params:

- ``min_entities`` (eligibility): ``num`` entities the rule asks for, ``counted`` members that
  count toward it, ``members`` in the team;
- ``min_countries`` (eligibility): ``num``, ``countries`` (codes of the counted members);
- ``min_member_states`` (eligibility): ``num``, ``countries`` (those in EU member states);
- ``restricted_countries`` (eligibility): ``outside`` (names of members outside the countries the
  call admits), ``restriction`` (the call's own words);
- ``further_condition`` (by hand): ``text``, quoted from the call;
- ``role`` (balance): ``need`` (research, industry, public), ``types`` (activity types that fill
  it), ``why`` (a role reason);
- ``sme`` (balance): no params;
- ``themes_covered`` (themes): ``covered``, ``themes`` (how many), ``missing`` (labels as the
  call writes them);
- ``members_on_topic`` (on topic): ``near``, ``members``, ``far`` (names of members with no work
  near the call's subject);
- ``independent`` (by hand): no params.

Role reason codes: ``research_action``, ``innovation_action``, ``industry_words`` (``count``),
``public_words`` (``words``, the call's own).
"""

from __future__ import annotations

from typing import Any

Check = dict[str, Any]
Why = dict[str, Any]

KINDS = {
    "min_entities": "eligibility",
    "min_countries": "eligibility",
    "min_member_states": "eligibility",
    "restricted_countries": "eligibility",
    "further_condition": "by hand",
    "role": "balance",
    "sme": "balance",
    "themes_covered": "themes",
    "members_on_topic": "on topic",
    "independent": "by hand",
}
INDEPENDENCE = "samverkan merges duplicate records of one organisation but cannot see ownership or control"


def why(code: str, **params: Any) -> Why:
    """A reason the call needs a role: ``{"code": …, **params}``."""
    return {"code": code, **params}


def why_english(reason: Why) -> str:
    """A role reason as the English phrase the API returns."""
    code = reason["code"]
    if code == "research_action":
        return "the action builds on research"
    if code == "innovation_action":
        return "innovation actions bring results to the market"
    if code == "industry_words":
        return f"the call speaks of industry or companies ({reason['count']} times)"
    if code == "public_words":
        return f"the call speaks of {', '.join(reason['words'])}"
    raise ValueError(f"unknown role reason {code!r}")


def english(code: str, params: dict[str, Any]) -> tuple[str, str | None]:
    """A check's English: what is checked (``check``) and the evidence (``detail``)."""
    p = params
    if code == "min_entities":
        entities = "entities" if p["num"] > 1 else "entity"
        return (
            f"at least {p['num']} independent legal {entities} from eligible countries",
            f"{p['counted']} of {p['members']} members count",
        )
    if code == "min_countries":
        return f"at least {p['num']} different member states or associated countries", _codes(p["countries"])
    if code == "min_member_states":
        return f"at least {p['num']} in EU member states", _codes(p["countries"])
    if code == "restricted_countries":
        detail = ("outside: " + ", ".join(p["outside"])) if p["outside"] else p["restriction"]
        return "only entities from the countries the call admits", detail
    if code == "further_condition":
        return "the call's further condition", p["text"]
    if code == "role":
        return f"partner for {p['need']} ({'/'.join(p['types'])})", why_english(p["why"])
    if code == "sme":
        return "at least one SME", "the call expects industry"
    if code == "themes_covered":
        missing = f"; not yet: {', '.join(p['missing'])}" if p["missing"] else ""
        return "the call's themes are covered by past work", f"{p['covered']} of {p['themes']} covered{missing}"
    if code == "members_on_topic":
        far = f"; no work near it: {', '.join(p['far'])}" if p["far"] else ""
        return "every member has past work near the call's subject", f"{p['near']} of {p['members']} members{far}"
    if code == "independent":
        return "members are independent of each other", INDEPENDENCE
    raise ValueError(f"unknown check {code!r}")


def check(code: str, ok: bool | None, **params: Any) -> Check:
    """One check: ``kind``, ``check``, ``ok``, ``detail`` (English, from :func:`english`), ``code``
    and ``params``."""
    text, detail = english(code, params)
    return {"kind": KINDS[code], "check": text, "ok": ok, "detail": detail, "code": code, "params": params}


def _codes(countries: list[str]) -> str:
    return ", ".join(countries) or "none"

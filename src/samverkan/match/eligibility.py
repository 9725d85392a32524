"""Who may apply to a call together: the consortium rule, read from the call.

Horizon Europe's standard rule (General Annex B of the work programme) is the default for
collaborative actions (RIA, IA, PCP, PPI, Cofund, doctoral networks): at least three independent
legal entities, each established in a different member state or associated country, at least one
of them in a member state. Coordination and support actions may be a single entity. ERC, EIC,
MSCA fellowships and prizes go to one applicant.

A call's own conditions can change that, and we read the parts that are written the same way in
every call: "participation is limited to legal entities established in …" (which countries may
take part) and "at least three independent legal entities …" (a consortium rule for a call type
that has none by default). Anything else a call adds ("the following additional eligibility
criteria apply: …") is quoted so the user checks it by hand; we never pretend to have checked it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from samverkan.catalogue.countries import EU_MEMBER_STATES, HORIZON_ASSOCIATED, HORIZON_PILLAR_TWO_ONLY, NAMES
from samverkan.db.models import Call

COLLABORATIVE = (
    "research and innovation action",
    "innovation action",
    "pre-commercial procurement",
    "public procurement of innovative solutions",
    "cofund",
    "doctoral network",
)
SINGLE_APPLICANT = ("erc grant", "eic grant", "eic equity", "postdoctoral fellowship", "prize")

RESTRICTION = re.compile(r"participation (?:in this topic )?is limited to legal entities established in ([^.]+)", re.I)
STANDARD_CONSORTIUM = re.compile(
    r"at least (?:three|3) independent legal entities"
    r"|at least one legal entity established in a member state and at least two other independent legal entities",
    re.I,
)
TWO_IN_MEMBER_STATES = re.compile(r"two of which are established in a member state", re.I)
ADDITIONAL = re.compile(
    r"(?:the following )?additional eligibility criteria apply:\s*(.+?)(?=described in annex|$)", re.I
)
QUOTE_CHARS = 400


@dataclass(frozen=True)
class Rule:
    """A call's consortium rule. ``counting``: the countries whose entities count toward it."""

    kind: str  # "consortium", "open" (one entity is enough), "single" (one applicant) or "unknown"
    min_entities: int
    min_countries: int
    min_member_states: int
    counting: frozenset[str]
    restricted: bool  # only entities from ``counting`` may take part at all
    text: str
    source: str
    restriction: str | None = None  # the call's own words, when it limits who may take part
    other: tuple[str, ...] = ()  # further conditions quoted from the call, to be checked by hand

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "text": self.text,
            "source": self.source,
            "min_entities": self.min_entities,
            "min_countries": self.min_countries,
            "min_member_states": self.min_member_states,
            "restriction": self.restriction,
            "other_conditions": list(self.other),
        }


def associated_for(call_id: str) -> frozenset[str]:
    """Associated countries whose entities count for this call (some are associated to Pillar II only)."""
    pillar_two = re.match(r"HORIZON-(CL\d|JU-)", call_id.upper()) is not None
    return HORIZON_ASSOCIATED if pillar_two else HORIZON_ASSOCIATED - HORIZON_PILLAR_TWO_ONLY


def restricted_countries(clause: str) -> frozenset[str] | None:
    """Countries named in "limited to legal entities established in …", or ``None`` if the clause
    names groups we cannot list (e.g. OECD or Mercosur countries)."""
    text = " " + re.sub(r"[\s\-–]+", " ", clause.lower()) + " "
    if "oecd" in text or "mercosur" in text:
        return None
    countries: set[str] = set()
    if "member state" in text:
        countries |= EU_MEMBER_STATES
    following = re.search(r"following (?:additional )?associated countries:", text)
    if re.search(r"associated countries|countries associated to horizon europe", text) and not following:
        countries |= HORIZON_ASSOCIATED
    for name, code in NAMES.items():
        if re.search(rf"\b{re.escape(name)}\b", text):
            countries.add(code)
    return frozenset(countries) or None


def eligibility(call: Call) -> Rule:
    """The consortium rule of ``call``, from its programme and type of action and its conditions."""
    conditions = " ".join((call.conditions or "").split())
    kind_of_action = (call.types_of_action or call.action_type or "").lower()
    member_states = EU_MEMBER_STATES
    if call.programme != "Horizon Europe" and not call.id.upper().startswith("HORIZON-"):
        counting = member_states | HORIZON_ASSOCIATED
        rule = Rule(
            "unknown",
            3,
            3,
            1,
            counting,
            False,
            f"{call.programme or 'This programme'}'s consortium rules are not modelled: the team is built to "
            "Horizon Europe's standard rule (three entities from three countries); check the call's conditions",
            "samverkan's default",
        )
        return _with_conditions(rule, conditions)
    counting = member_states | associated_for(call.id)
    source = f"Horizon Europe General Annex B, {call.types_of_action or call.action_type or 'this type of action'}"
    if STANDARD_CONSORTIUM.search(conditions) or any(k in kind_of_action for k in COLLABORATIVE):
        two = TWO_IN_MEMBER_STATES.search(conditions) is not None
        text = "at least three independent legal entities, each established in a different member state or " + (
            "associated country, two of them in member states" if two else "associated country, one in a member state"
        )
        if STANDARD_CONSORTIUM.search(conditions) and not any(k in kind_of_action for k in COLLABORATIVE):
            source = "the call's conditions"
        rule = Rule("consortium", 3, 3, 2 if two else 1, counting, False, text, source)
    elif any(k in kind_of_action for k in SINGLE_APPLICANT):
        rule = Rule(
            "single",
            1,
            1,
            0,
            counting,
            False,
            "one applicant established in a member state or associated country; a consortium is not required",
            source,
        )
    elif "coordination and support" in kind_of_action:
        rule = Rule(
            "open",
            1,
            1,
            0,
            counting,
            False,
            "at least one legal entity established in a member state or associated country",
            source,
        )
    else:
        rule = Rule(
            "unknown",
            3,
            3,
            1,
            counting,
            False,
            "the type of action is not known: the team is built to the standard rule (three entities from three "
            "member states or associated countries); check the call's conditions",
            "samverkan's default",
        )
    return _with_conditions(rule, conditions)


def _with_conditions(rule: Rule, conditions: str) -> Rule:
    restriction = None
    counting, restricted = rule.counting, rule.restricted
    found = RESTRICTION.search(conditions)
    other = []
    if found:
        restriction = found.group(0).strip()
        countries = restricted_countries(found.group(1))
        if countries is None:
            other.append(_quote(restriction))
        else:
            counting, restricted = countries, True
    for extra in ADDITIONAL.finditer(conditions):
        other.append(_quote(extra.group(1)))
    return Rule(
        rule.kind,
        rule.min_entities,
        rule.min_countries,
        rule.min_member_states,
        frozenset(counting),
        restricted,
        rule.text,
        rule.source,
        restriction,
        tuple(dict.fromkeys(other)),
    )


def _quote(text: str) -> str:
    text = text.strip()
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1].rsplit(" ", 1)[0] + " …"

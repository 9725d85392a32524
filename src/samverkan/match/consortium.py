"""Consortium builder: a complete, eligible team for a call, around a lead.

The team grows one member at a time. Each round the partner finder scores every organisation
against the call *and the team so far* (so a new member's partners rise next round), and an
organisation that closes an open gap gets a bonus on top of its score. The gaps are:

- **eligibility**: entities and countries still missing for the call's rule (:mod:`eligibility`),
  e.g. three independent legal entities from three member states or associated countries;
- **roles**: research (HES/REC) and industry (PRC) for research and innovation actions, an SME
  where the call expects industry, a public body or end user where the call speaks of them;
- **themes**: the call's keywords, or its most distinctive words, that no member has worked on.

Only organisations with past work near the call's subject may be proposed (``NEAR`` in
:mod:`partners`: a project close in meaning to the call's title), whatever their graph signals;
the lead and locked members stay whatever their fit. ``eligible`` is the rule check alone; each
member's ``on_topic`` (similarity, label, closest project) and the proposal's ``on_topic`` (every
member has work near the subject) say how well the team fits.

While the rule is not met and the free places run short, only organisations that close an
eligibility gap may join. No country takes more than a third of the places. The user can lock
members (they stay, and count) and drop organisations (never proposed again), then rebuild.
Every member says why it is there and which gap it fills.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from samverkan.catalogue.countries import EU_MEMBER_STATES
from samverkan.db.models import Call
from samverkan.errors import NotFound
from samverkan.match.consortium_checks import Check, Why, check, why, why_english
from samverkan.match.eligibility import Rule, eligibility
from samverkan.match.partner_reasons import reasons
from samverkan.match.partners import FEATURES, History, Partner, PartnerFinder, Team
from samverkan.match.topicality import NEAR, on_topic
from samverkan.search.filters import FilterError

# A team member is chosen first for what it knows about the call, then for having worked with the
# team: the graph signals are capped, so a giant with 80 shared projects does not outrank a
# specialist with 2 (uncapped, the finder's weights fill every team with the same five institutes).
# Checked by hand on open Horizon Europe calls; there is no held-out set of good consortia.
BUILDER_WEIGHTS = {
    "meaning": 1.0,
    "text": 1.0,
    "funded": 0.5,
    "topic": 1.0,
    "family": 0.5,
    "partners_related": 1.0,
    "partners": 0.5,
    "partners2": 0.25,
    "recent": 0.25,
    "topical": 4.0,  # closeness of its closest project (0.25–0.45 among candidates): 0.1 nearer ≈ 0.4
}
GRAPH_CAP = {"partners": 1.0, "partners2": 1.0, "partners_related": 1.0}
MAX_SIZE = 20
DEFAULT_SIZE_CAP = 10  # a proposal longer than this is hard to read; ask for more with size=
GAP_BONUS = 0.5  # per gap closed, in units of the round's best score
THEME_BONUS = 0.2  # per uncovered theme an organisation has worked on (at most two count)
MAX_THEMES = 6
THEME_TEXT_CHARS = 4_000
THEME_MAX_SHARE = 0.02  # a word in more than 2 % of past projects says little about the call
RESEARCH, INDUSTRY, PUBLIC = ("HES", "REC"), ("PRC",), ("PUB",)
INDUSTRY_WORDS = re.compile(
    r"\b(industr\w*|smes?|compan(?:y|ies)|start-?ups?|market\w*|business\w*|manufactur\w*)\b", re.I
)
PUBLIC_WORDS = re.compile(
    r"\b(public authorit\w*|local authorit\w*|regional authorit\w*|municipalit\w*|public administrations?|"
    r"public sector|cities|end[- ]users?|citizens|hospitals?|care providers?)\b",
    re.I,
)
# words of the calls' own prose that say nothing about the subject
CALL_BOILERPLATE = frozenset(
    """topic topics notably proposal proposals applicant applicants expected outcome outcomes scope strategic
    action actions activities call calls programme programmes partnership partnerships beneficiaries should
    contribute including relevant specific particular addition additional also moreover furthermore relevant
    support supporting ensure address addressing well novel innovative innovation destination destinations
    possibly associated plan plans full scale large level levels based next generation towards demonstration
    demonstrations""".split()
)
CODE_LIKE = re.compile(r"\d|^HORIZON", re.I)


@dataclass(frozen=True)
class Theme:
    label: str  # as the call writes it
    terms: tuple[str, ...]  # index terms; an organisation covers the theme with most of them in one project


@dataclass
class Needs:
    """What a team for this call should have besides eligibility."""

    roles: dict[str, tuple[str, ...]] = field(default_factory=dict)  # need → activity types that fill it
    sme: bool = False
    themes: list[Theme] = field(default_factory=list)
    why: dict[str, Why] = field(default_factory=dict)  # need → why the call asks for it (a code, see consortium_checks)


def call_needs(call: Call, history: History) -> Needs:
    """Roles, SME and themes the call asks for, read from its type of action and its text."""
    text = " ".join(t for t in (call.title, call.description) if t)
    action = (call.types_of_action or call.action_type or "").lower()
    needs = Needs()
    innovation = "innovation action" in action and "research and" not in action
    industry_words = len(INDUSTRY_WORDS.findall(text))
    if "research" in action or innovation or "procurement" in action:
        needs.roles["research"] = RESEARCH
        needs.why["research"] = why("research_action")
    if innovation or industry_words >= 3:
        needs.roles["industry"] = INDUSTRY
        needs.sme = True
        needs.why["industry"] = why("innovation_action") if innovation else why("industry_words", count=industry_words)
    public_words = PUBLIC_WORDS.findall(text)
    if len({w.lower() for w in public_words}) >= 2 or len(public_words) >= 4:
        needs.roles["public"] = PUBLIC
        needs.why["public"] = why("public_words", words=sorted({w.lower() for w in public_words})[:3])
    needs.themes = call_themes(call, history)
    return needs


def call_themes(call: Call, history: History) -> list[Theme]:
    """The call's keywords (not its codes), then its most distinctive words against the project history."""
    analyzer, index = history.analyzer, history.index
    themes: list[Theme] = []
    seen: set[tuple[str, ...]] = set()
    for keyword in (call.keywords or "").split(","):
        keyword = keyword.strip()
        if not keyword or CODE_LIKE.search(keyword):
            continue
        terms = tuple(dict.fromkeys(analyzer.index_terms(keyword, "en")))
        if terms and terms not in seen and any(t in index.vocabulary for t in terms):
            seen.add(terms)
            themes.append(Theme(keyword, terms))
    # the title's specific words, then those the start of the description (expected outcome,
    # scope) repeats; not the programme's preamble, not the words every call text uses
    title = call.title or ""
    start = (call.description or "")[:THEME_TEXT_CHARS]
    if len(themes) < MAX_THEMES and (title or start):
        origin = analyzer.analyse_query(f"{title} {start}").origin
        counts = Counter(analyzer.index_terms(start, "en")) if start else Counter()
        title_terms = set(analyzer.index_terms(title, "en")) if title else set()
        n = len(index)
        ranked = []
        for term in title_terms | set(counts):
            docs = index.documents(term)
            word = origin.get(term, "").split(" (")[0]
            if docs is None or len(term) < 4 or not word.isalpha() or word.lower() in CALL_BOILERPLATE:
                continue
            df = len(docs)
            idf = math.log(n / df)
            if term in title_terms and df <= THEME_MAX_SHARE * n:
                ranked.append((0, -idf, term, word))
            elif counts[term] >= 2 and 3 <= df <= THEME_MAX_SHARE * n:
                ranked.append((1, -counts[term] * idf**2, term, word))  # squared idf: specific words first
        for _, _, term, word in sorted(ranked):
            if len(themes) >= MAX_THEMES:
                break
            if (term,) not in seen and not any(term in theme.terms for theme in themes):
                seen.add((term,))
                themes.append(Theme(word, (term,)))
    return themes


def theme_coverage(history: History, themes: Sequence[Theme]) -> np.ndarray:
    """``covers[t, o]``: organisation ``o`` has a project with most of theme ``t``'s terms."""
    covers = np.zeros((len(themes), len(history)), dtype=bool)
    n_projects = len(history.project_ids)
    for row, theme in enumerate(themes):
        hits = np.zeros(n_projects, dtype=np.int32)
        for term in theme.terms:
            docs = history.index.documents(term)
            if docs is not None:
                hits[docs] += 1
        needed = len(theme.terms) - len(theme.terms) // 3
        covers[row] = history.per_org_max((hits >= needed).astype(np.float64)) > 0
    return covers


def builder_score(signals: dict[str, np.ndarray]) -> np.ndarray:
    """Competence first, the co-participation graph capped (see ``BUILDER_WEIGHTS``)."""
    return sum(w * np.minimum(signals[n], GRAPH_CAP.get(n, np.inf)) for n, w in BUILDER_WEIGHTS.items())


@dataclass
class Member:
    org: int
    role: str  # "lead", "locked" or "proposed"
    score: float | None
    why: list[str]
    fills: list[str]
    on_topic: dict[str, Any] = field(default_factory=dict)


@dataclass
class Proposal:
    call: Call
    rule: Rule
    needs: Needs
    size: int
    members: list[Member]
    dropped: list[int]
    checks: list[dict[str, Any]]
    notes: list[str]

    @property
    def eligible(self) -> bool:
        """The call's rule alone: not whether the members fit the subject (``on_topic``)."""
        return all(c["ok"] for c in self.checks if c["kind"] == "eligibility")

    @property
    def on_topic(self) -> bool | None:
        """Every member has past work near the call's subject; ``None`` when not measured."""
        labels = [m.on_topic.get("label") for m in self.members]
        if not labels or "unknown" in labels:
            return None
        return all(label in ("close", "related") for label in labels)


class ConsortiumBuilder:
    def __init__(self, finder: PartnerFinder) -> None:
        self.finder = finder
        self.history = finder.history

    def typical_size(self, call: Call) -> tuple[int, str]:
        """The median number of organisations in past projects of the same kind of action."""
        action = (call.action_type or "").upper()
        if action in ("RIA", "IA", "CSA"):
            sizes = self.history.scheme_sizes.get(action)
            if sizes is not None and len(sizes):
                median = int(np.median(sizes))
                return median, f"the median {action} project in the history has {median} organisations"
        return 5, "a small team (no past projects of this type to measure)"

    def build(
        self,
        call: Call,
        call_text: str | None,
        lead: str,
        locked: Sequence[str] = (),
        dropped: Sequence[str] = (),
        size: int | None = None,
    ) -> Proposal:
        h = self.history
        rule = eligibility(call)
        needs = call_needs(call, h)
        notes: list[str] = []
        lead_at = self._position(lead)
        locked_at = [self._position(o) for o in locked]
        dropped_at = [self._position(o) for o in dropped]
        if lead_at in dropped_at:
            raise FilterError("the lead cannot be dropped", "drop")
        both = set(locked_at) & set(dropped_at)
        if both:
            names = ", ".join(h.orgs[i]["id"] for i in sorted(both))
            raise FilterError(f"{names} is both locked and dropped: the requests contradict", "lock")
        fixed = list(dict.fromkeys([lead_at, *locked_at]))
        if size is None:
            typical, how = self.typical_size(call)
            size = max(rule.min_entities, min(typical, DEFAULT_SIZE_CAP), len(fixed))
            if rule.kind == "single":
                size = max(1, len(fixed))
            notes.append(f"{size} members: {how}" if rule.kind != "single" else rule.text)
        elif not 1 <= size <= MAX_SIZE:
            raise FilterError(f"size must be between 1 and {MAX_SIZE}", "size")
        if size < len(fixed):
            raise FilterError(f"size {size} is smaller than the lead and the locked members ({len(fixed)})", "size")

        covers = theme_coverage(h, needs.themes)
        countries, roles = h.countries, h.roles
        sme = np.array([bool(o["sme"]) for o in h.orgs])
        allowed = np.isin(countries, list(rule.counting))
        for i in fixed:
            if rule.restricted and not allowed[i]:
                notes.append(
                    f"{h.orgs[i]['name']} ({h.orgs[i]['country'] or 'no country'}) is outside the countries this "
                    "call admits: the proposal is not eligible with it"
                )
            elif not allowed[i]:
                notes.append(
                    f"{h.orgs[i]['name']} ({h.orgs[i]['country'] or 'no country'}) is not in a member state or "
                    "associated country: it may take part but does not count toward the rule"
                )
        cap = max(2, math.ceil(size / 3))

        members: list[Member] = []
        team = Team([])
        for i in fixed:
            fills = self._fills(i, members, rule, needs, covers, sme)
            signals, projects = self.finder.signals(team, call.id, call_text, call_title=call.title)
            partner = Partner(i, 0.0, {n: float(signals[n][i]) for n in FEATURES})
            why = ["lead" if i == lead_at else "locked by you", *reasons(self.finder, team, partner, projects)]
            fit = on_topic(h, i, projects)
            members.append(Member(i, "lead" if i == lead_at else "locked", None, why, fills, fit))
            team = h.team([m.org for m in members])

        excluded = np.zeros(len(h), dtype=bool)
        excluded[[m.org for m in members]] = True
        excluded[dropped_at] = True
        candidates = allowed & ~excluded & (countries != "")
        closeness = self.finder.signals(team, call.id, call_text, call_title=call.title)[1].get("closeness")
        if closeness is not None:  # evidence of work on the subject, never a graph path alone
            candidates &= h.topical(closeness) >= NEAR
        while len(members) < size:
            signals, projects = self.finder.signals(team, call.id, call_text, call_title=call.title)
            score = builder_score(signals)
            open_ = self._open_gaps(members, rule, needs, covers, sme)
            pool = candidates.copy()
            per_country = Counter(h.orgs[m.org]["country"] for m in members)
            for country, count in per_country.items():
                if count >= cap:
                    pool &= countries != country
            free = size - len(members)
            must = self._must(open_, free, members, rule, pool)
            if must is not None and (pool & must).any():
                pool &= must
            if not pool.any():
                notes.append(f"no more organisations fit (stopped at {len(members)} of {size})")
                break
            top = float(score[pool].max()) or 1.0
            gain = np.zeros(len(h))
            if open_["countries"]:
                counted = {h.orgs[m.org]["country"] for m in members if allowed[m.org]}
                gain += GAP_BONUS * (allowed & ~np.isin(countries, list(counted)))
            if open_["member_states"]:
                gain += GAP_BONUS * np.isin(countries, list(_member_states(rule)))
            for need in open_["roles"]:
                gain += GAP_BONUS * np.isin(roles, needs.roles[need])
            if open_["sme"]:
                gain += GAP_BONUS * sme
            if open_["themes"]:
                gain += THEME_BONUS * np.minimum(covers[open_["themes"]].sum(axis=0), 2)
            total = np.where(pool, score / top + gain, -np.inf)
            best = int(np.argmax(total))  # first position on ties: deterministic
            fills = self._fills(best, members, rule, needs, covers, sme)
            partner = Partner(best, float(score[best]), {n: float(signals[n][best]) for n in FEATURES})
            why = reasons(self.finder, team, partner, projects)
            members.append(Member(best, "proposed", float(score[best]), why, fills, on_topic(h, best, projects)))
            candidates[best] = False
            team = h.team([m.org for m in members])

        checks = self._checks(members, rule, needs, covers, sme, allowed)
        return Proposal(call, rule, needs, size, members, dropped_at, checks, notes)

    # --- gaps ------------------------------------------------------------------------------

    def _position(self, organisation_id: str) -> int:
        at = self.history.position(organisation_id)
        if at is None:
            raise NotFound(f"organisation {organisation_id!r} is not in the catalogue's project history")
        return at

    def _open_gaps(
        self, members: list[Member], rule: Rule, needs: Needs, covers: np.ndarray, sme: np.ndarray
    ) -> dict[str, Any]:
        h = self.history
        counted = [m.org for m in members if h.orgs[m.org]["country"] in rule.counting]
        countries = {h.orgs[i]["country"] for i in counted}
        in_member_states = {c for c in countries if c in _member_states(rule)}
        have_roles = {h.orgs[m.org]["activity_type"] for m in members}
        covered = np.any(covers[:, [m.org for m in members]], axis=1) if len(needs.themes) else np.zeros(0, dtype=bool)
        return {
            "entities": max(0, rule.min_entities - len(counted)),
            "countries": max(0, rule.min_countries - len(countries)),
            "member_states": max(0, rule.min_member_states - len(in_member_states)),
            "roles": [need for need, kinds in needs.roles.items() if not have_roles & set(kinds)],
            "sme": needs.sme and not any(sme[m.org] for m in members),
            "themes": [t for t in range(len(needs.themes)) if not covered[t]],
        }

    def _must(
        self, open_: dict[str, Any], free: int, members: list[Member], rule: Rule, pool: np.ndarray
    ) -> np.ndarray | None:
        """When the free places only just suffice for the rule, only organisations that close an
        eligibility gap may take the next one (every candidate counts as an entity)."""
        h = self.history
        if free > max(open_["entities"], open_["countries"], open_["member_states"]):
            return None
        must = pool.copy()
        if open_["countries"] >= free:
            counted = {h.orgs[m.org]["country"] for m in members if h.orgs[m.org]["country"] in rule.counting}
            must &= ~np.isin(h.countries, list(counted))
        if open_["member_states"] >= free:
            must &= np.isin(h.countries, list(_member_states(rule)))
        return must

    def _fills(
        self, org: int, members: list[Member], rule: Rule, needs: Needs, covers: np.ndarray, sme: np.ndarray
    ) -> list[str]:
        """The gaps ``org`` closes when it joins ``members``."""
        h = self.history
        o = h.orgs[org]
        open_ = self._open_gaps(members, rule, needs, covers, sme)
        out = []
        counted_countries = {h.orgs[m.org]["country"] for m in members if h.orgs[m.org]["country"] in rule.counting}
        if o["country"] in rule.counting:
            if open_["countries"] and o["country"] not in counted_countries:
                n = len(counted_countries) + 1
                out.append(f"eligibility: country {n} of {rule.min_countries} ({o['country']})")
            elif open_["entities"]:
                n = rule.min_entities - open_["entities"] + 1
                out.append(f"eligibility: entity {n} of {rule.min_entities}")
            if open_["member_states"] and o["country"] in _member_states(rule):
                out.append("eligibility: a member state")
        for need in open_["roles"]:
            if o["activity_type"] in needs.roles[need]:
                out.append(f"role: {need} ({o['activity_type']}) — {why_english(needs.why[need])}")
        if open_["sme"] and sme[org]:
            out.append("an SME, as the call expects industry")
        themes = [needs.themes[t].label for t in open_["themes"] if covers[t, org]]
        if themes:
            out.append("themes: " + ", ".join(themes))
        if not out:  # every gap was closed before it joined: say what it strengthens
            depth = [theme.label for t, theme in enumerate(needs.themes) if covers[t, org]][:3]
            out.append("more depth in: " + ", ".join(depth) if depth else "competence: its closest past work (see why)")
        return out

    def _checks(
        self,
        members: list[Member],
        rule: Rule,
        needs: Needs,
        covers: np.ndarray,
        sme: np.ndarray,
        allowed: np.ndarray,
    ) -> list[Check]:
        """What the team was checked against: codes and params, worded in :mod:`consortium_checks`."""
        h = self.history
        orgs = [h.orgs[m.org] for m in members]
        counted = [o for o, m in zip(orgs, members, strict=True) if allowed[m.org]]
        countries = sorted({o["country"] for o in counted})
        member_states = sorted(c for c in countries if c in _member_states(rule))
        checks = [
            check(
                "min_entities",
                len(counted) >= rule.min_entities,
                num=rule.min_entities,
                counted=len(counted),
                members=len(orgs),
            ),
            check("min_countries", len(countries) >= rule.min_countries, num=rule.min_countries, countries=countries),
        ]
        if rule.min_member_states:
            checks.append(
                check(
                    "min_member_states",
                    len(member_states) >= rule.min_member_states,
                    num=rule.min_member_states,
                    countries=member_states,
                )
            )
        if rule.restricted:
            outside = [o["name"] for o, m in zip(orgs, members, strict=True) if not allowed[m.org]]
            checks.append(check("restricted_countries", not outside, outside=outside, restriction=rule.restriction))
        for text in rule.other:
            checks.append(check("further_condition", None, text=text))
        kinds = {o["activity_type"] for o in orgs}
        for need, types in needs.roles.items():
            ok = bool(kinds & set(types))
            checks.append(check("role", ok, need=need, types=list(types), why=dict(needs.why[need])))
        if needs.sme:
            checks.append(check("sme", any(sme[m.org] for m in members)))
        if needs.themes:
            covered = np.any(covers[:, [m.org for m in members]], axis=1)
            missing = [t.label for t, c in zip(needs.themes, covered, strict=True) if not c]
            checks.append(
                check(
                    "themes_covered", not missing, covered=int(covered.sum()), themes=len(needs.themes), missing=missing
                )
            )
        fits = [m.on_topic.get("label") for m in members]
        if members and "unknown" not in fits:
            far = [h.orgs[m.org]["name"] for m, label in zip(members, fits, strict=True) if label == "distant"]
            checks.append(
                check("members_on_topic", not far, near=len(members) - len(far), members=len(members), far=far)
            )
        checks.append(check("independent", None))
        return checks


def _member_states(rule: Rule) -> frozenset[str]:
    return EU_MEMBER_STATES & rule.counting

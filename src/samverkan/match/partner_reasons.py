"""Why a partner is suggested: the reasons a person can check, chosen from its signals.

The finder (:mod:`samverkan.match.partners`) ranks; this module says why, strongest first, as
structured reasons (:mod:`samverkan.search.reasons`, worded in the reader's language by the
pages): the team members it worked with and their shared project nearest the subject, projects
under the call's topic or strand, its closest work when near the subject
(:data:`~samverkan.match.topicality.NEAR`), and what it adds to the team.
"""

from __future__ import annotations

import numpy as np

from samverkan.match.partners import Partner, PartnerFinder, Team
from samverkan.match.topicality import NEAR
from samverkan.search import reasons as why
from samverkan.search.reasons import Reason


def partner_reasons(
    finder: PartnerFinder, team: Team, partner: Partner, projects: dict[str, np.ndarray]
) -> list[Reason]:
    """Why ``partner`` is suggested, strongest first, as structured reasons
    (:mod:`samverkan.search.reasons`, worded in the reader's language by the pages)."""
    h = finder.history
    s = partner.signals

    def project(index: int | None) -> dict[str, str] | None:
        return None if index is None else {"id": h.project_ids[index], "title": h.project_titles[index]}

    closeness = projects.get("closeness")
    out = []
    if s["partners"] > 0:
        shared = projects["team"]
        if closeness is not None:  # of the projects shared with the team, the one nearest the subject
            shared = shared + 0.25 * (closeness + 1.0)
        best = h.best_project(partner.org, shared)
        names = [h.orgs[m]["short_name"] or h.orgs[m]["name"] for m in team.members[:3]]
        out.append(why.worked_with(names, int(round(np.expm1(s["partners"]))), project(best)))
    elif s["partners2"] > 0.05:
        out.append(why.partners_partners())
    if s["topic"] > 0:
        best = h.best_project(partner.org, projects["topic"])
        out.append(why.call_projects(int(round(np.expm1(s["topic"]))), project(best)))
    elif s["family"] > 0:
        out.append(why.call_family(int(round(np.expm1(s["family"])))))
    if closeness is not None:  # its closest project, when it is near (words alone can mislead)
        closest = h.best_project(partner.org, closeness)
        if closest is not None and closeness[closest] >= NEAR:
            out.append(why.project_work("meaning", project(closest) or {}))
    else:
        for name in ("text", "meaning", "funded"):
            if s[name] > 0 and name in projects and projects[name].any():
                found = project(h.best_project(partner.org, projects[name]))
                if found is not None:
                    out.append(why.project_work(name, found))
                    break
    organisation = h.orgs[partner.org]
    if team.members and organisation["country"] and organisation["country"] not in team.countries:
        out.append(why.adds_country(organisation["country"]))
    if team.members and organisation["activity_type"] and organisation["activity_type"] not in team.roles:
        out.append(why.adds_role(organisation["activity_type"], bool(organisation["sme"])))
    coordinated = int(h.coordinated[partner.org])
    if coordinated:
        out.append(why.coordinated(coordinated))
    return out


def reasons(finder: PartnerFinder, team: Team, partner: Partner, projects: dict[str, np.ndarray]) -> list[str]:
    """Short reasons a person can check, strongest first (in English)."""
    return [why.english(r) for r in partner_reasons(finder, team, partner, projects)]

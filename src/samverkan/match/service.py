"""The partner finder over one database: history cached per catalogue revision."""

from __future__ import annotations

import threading
from typing import Any, TypedDict

from sqlalchemy.orm import Session

from samverkan import budget
from samverkan.catalogue.calls import of_call
from samverkan.db.models import Call
from samverkan.match.consortium import ConsortiumBuilder
from samverkan.match.partner_reasons import partner_reasons
from samverkan.match.partners import History, PartnerFilters, PartnerFinder, call_text
from samverkan.match.profile import organisation_profile
from samverkan.match.topicality import on_topic
from samverkan.search.analysis import UnsupportedLanguage
from samverkan.search.dense import embed_query
from samverkan.search.reasons import why
from samverkan.search.service import QueryError, SearchService


class PartnerAnswer(TypedDict):
    """Who to team up with (the API's JSON): each result an organisation's summary, score and why."""

    call: dict[str, Any] | None
    text: str | None
    team: list[dict[str, Any]]
    filters: dict[str, Any]
    results: list[dict[str, Any]]


class ConsortiumAnswer(TypedDict):
    """A proposed team for a call (the API's JSON)."""

    call: dict[str, Any]
    rule: dict[str, Any]
    needs: dict[str, Any]
    size: int
    eligible: bool
    on_topic: bool | None
    members: list[dict[str, Any]]
    dropped: list[str]
    checks: list[Any]
    notes: list[str]


class PartnerService:
    def __init__(self, searcher: SearchService, max_limit: int = 100) -> None:
        self.searcher = searcher
        self.max_limit = max_limit
        self._lock = threading.Lock()
        self._finder: PartnerFinder | None = None

    def finder(self) -> PartnerFinder:
        """The finder over the whole history, of the catalogue's current revision."""
        s = self.searcher

        snapshot = s.snapshot()

        def build() -> History:
            organisations = s.records("organisation", snapshot)  # placed once, in the same revision
            with Session(s.engine) as session:
                return History.from_snapshot(session, organisations, s.analyzer, s.vector_source())

        with budget.exempt():
            history = snapshot.part(s.dense_part("history"), build)
        with self._lock:
            if self._finder is None or self._finder.history is not history:
                history.analyzer = s.analyzer  # not stored with the history
                self._finder = PartnerFinder(history, embed=lambda text: embed_query(s.embedder, text))
            return self._finder

    def partners(
        self,
        call: str | None = None,
        text: str | None = None,
        members: list[str] | None = None,
        limit: int = 20,
        filters: PartnerFilters | None = None,
    ) -> PartnerAnswer:
        members = members or []
        text = (text or "").strip() or None
        if call is None and text is None:
            raise QueryError("give a call (call=TOPIC_ID), a need (text=…), or both", code="empty")
        if text is not None and len(text) > self.searcher.max_query_chars:
            raise QueryError(
                f"the text is {len(text):,} characters long; the limit is {self.searcher.max_query_chars:,}",
                code="too_long",
                length=len(text),
                limit=self.searcher.max_query_chars,
            )
        if not 1 <= limit <= self.max_limit:
            raise QueryError(f"limit must be between 1 and {self.max_limit}", code="limit", limit=self.max_limit)
        if text is not None:
            try:
                self.searcher.analyzer.analyse_query(text)
            except UnsupportedLanguage as exc:
                raise QueryError(
                    f"the text looks like {exc.language!r}; samverkan understands Swedish and English",
                    code="language",
                    language=exc.language,
                ) from exc
        finder = self.finder()
        h = finder.history
        call_record = None
        words = title = None
        if call is not None:
            with Session(self.searcher.engine) as session:
                title, words = call_text(session, call)
            call_record = {"id": call, "title": title, "projects": len(h.topics.get(call, []))}
        team = finder.team(members)
        ranked, projects = finder.rank(
            team, call=call, call_text=words, text=text, filters=filters, limit=limit, call_title=title
        )
        results = []
        for partner in ranked:
            found = partner_reasons(finder, team, partner, projects)
            results.append(
                h.summary(partner.org)
                | {"score": round(partner.score, 4), "why": why(found), "reasons": found}
                | {"on_topic": on_topic(h, partner.org, projects)}
            )
        return PartnerAnswer(
            call=call_record,
            text=text,
            team=[{k: h.orgs[m][k] for k in ("id", "name", "country", "activity_type")} for m in team.members],
            filters=(filters or PartnerFilters()).active(),
            results=results,
        )

    def consortium(
        self,
        call: str,
        lead: str,
        locked: list[str] | None = None,
        dropped: list[str] | None = None,
        size: int | None = None,
    ) -> ConsortiumAnswer:
        """A complete team for ``call`` around ``lead``; ``locked`` stay, ``dropped`` never come back."""
        finder = self.finder()
        h = finder.history
        with Session(self.searcher.engine) as session:
            _, words = call_text(session, call)  # NotFound if unknown
            record = session.get_one(Call, call)
            session.expunge(record)
        proposal = ConsortiumBuilder(finder).build(record, words, lead, locked or [], dropped or [], size)
        members = []
        for m in proposal.members:
            members.append(
                h.summary(m.org)
                | {
                    "role": m.role,
                    "score": None if m.score is None else round(m.score, 4),
                    "why": "; ".join(m.why),
                    "fills": m.fills,
                    "on_topic": m.on_topic,
                }
            )
        c = proposal.call
        today = of_call(self.searcher.today(), c)
        deadline = today.next_deadline or c.deadline  # the next one, or the last once all have passed
        answer: ConsortiumAnswer = {
            "call": {
                "id": c.id,
                "title": c.title,
                "programme": c.programme,
                "type_of_action": c.types_of_action or c.action_type,
                "status": today.status,
                "deadline": deadline.isoformat() if deadline else None,
            },
            "rule": proposal.rule.as_dict(),
            "needs": {
                "roles": {need: list(kinds) for need, kinds in proposal.needs.roles.items()},
                "sme": proposal.needs.sme,
                "themes": [t.label for t in proposal.needs.themes],
            },
            "size": proposal.size,
            "eligible": proposal.eligible,
            "on_topic": proposal.on_topic,
            "members": members,
            "dropped": [h.orgs[i]["id"] for i in proposal.dropped],
            "checks": proposal.checks,
            "notes": proposal.notes,
        }
        return answer

    def profile(self, organisation_id: str) -> dict[str, Any]:
        """An organisation's projects, roles, partners over time, countries and fields."""
        history = self.finder().history
        with Session(self.searcher.engine) as session:
            return organisation_profile(session, history, organisation_id)

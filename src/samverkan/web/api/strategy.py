"""JSON API of regional strategies: the board, its focus areas, initiatives, updates and
decisions, the newsletter (draft, edit, send, archive) and subscribing to it.

Reading is public; writing needs ``Authorization: Bearer TOKEN`` of the owning organisation
(or a signed-in session): ``admin`` defines the strategy and its focus areas, ``editor`` edits
initiatives, updates, decisions and newsletters. Every body is validated at the door: an
unknown or malformed field is ``422`` naming it (``loc``); a value the database refuses (a focus
area of another strategy, a need that is not published) is ``400`` naming it (``detail``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from samverkan.bounds import INT32_MAX
from samverkan.strategy.inputs import (
    DecisionIn,
    DecisionPatch,
    DraftIn,
    FocusAreaIn,
    FocusAreaPatch,
    InitiativeIn,
    InitiativePatch,
    NewsletterEdit,
    StrategyIn,
    StrategyPatch,
    UpdateIn,
)
from samverkan.web.api.schemas import Problem
from samverkan.web.deps import Acting, Core

router = APIRouter(
    tags=["strategy"],
    responses={409: {"model": Problem, "description": "Taken already (a slug), or a number that was sent meanwhile."}},
)

Slug = Annotated[str, Path(max_length=60, description="The strategy's slug.")]
AreaId = Annotated[int, Path(ge=1, le=INT32_MAX, description="Focus area id.")]
InitiativeId = Annotated[int, Path(ge=1, le=INT32_MAX, description="Initiative id.")]
UpdateId = Annotated[int, Path(ge=1, le=INT32_MAX, description="Update id.")]
DecisionId = Annotated[int, Path(ge=1, le=INT32_MAX, description="Decision id.")]
Number = Annotated[int, Path(ge=1, le=100_000, description="The newsletter's number.")]
DAY = ["2023-09-05"]
SOURCE = Field(description="Where the fact comes from.", examples=["Uppdatering från … nr 8, september 2023"])


class Org(BaseModel):
    organisation: str | None = Field(description="The organisation's slug, when it is one here.", examples=["vgr"])
    name: str = Field(description="Its name.", examples=["Västra Götalandsregionen"])


class Progress(BaseModel):
    planned: int = Field(description="Initiatives planned.", examples=[5])
    ongoing: int = Field(description="Initiatives ongoing.", examples=[3])
    completed: int = Field(description="Initiatives completed.", examples=[0])
    paused: int = Field(description="Initiatives paused.", examples=[0])
    total: int = Field(description="All initiatives.", examples=[8])


class UpdateOut(BaseModel):
    id: int = Field(description="Update id.", examples=[12])
    on: str = Field(description="Its day.", examples=DAY)
    status: str = Field(description="The initiative's status from then on.", examples=["ongoing"])
    text: str = Field(description="What happened.", examples=["Förstudien är i slutskedet."])
    source: str | None = SOURCE


class NewUpdate(UpdateOut):
    initiative_status: str = Field(description="The initiative's status now.", examples=["ongoing"])


class ChangedUpdate(UpdateOut):
    initiative_id: int = Field(description="Its initiative.", examples=[3])
    initiative: str = Field(description="Its initiative's title.", examples=["Smart region Västra Götaland"])


class DecisionOut(BaseModel):
    id: int = Field(description="Decision id.", examples=[1])
    body: str = Field(description="Who decided.", examples=["Miljö- och regionutvecklingsnämnden"])
    on: str = Field(description="Day of the decision.", examples=DAY)
    title: str = Field(description="What it is about.", examples=["Industry in West"])
    text: str = Field(description="The decision in words.", examples=["34,6 miljoner kr till IDC …"])
    amount: float | None = Field(description="Amount decided.", examples=[34600000])
    currency: str | None = Field(description="Its currency.", examples=["SEK"])
    initiative_id: int | None = Field(description="The initiative it concerns.", examples=[1])
    initiative: str | None = Field(default=None, description="That initiative's title.", examples=["Industry in West"])
    focus_area_id: int | None = Field(description="The focus area it concerns.", examples=[2])
    document: str | None = Field(description="The document's reference.", examples=["3369318.PDF"])
    document_url: str | None = Field(description="Link to the document.", examples=[None])
    source: str | None = SOURCE


class Opportunity(BaseModel):
    model_config = ConfigDict(extra="allow")
    kind: str = Field(description="call, organisation, hub, platform, working_group or solution.", examples=["call"])
    id: str = Field(description="Record id.", examples=["HORIZON-CL2-2026-01-DEMOCRACY-10"])
    title: str | None = Field(description="Title or name.", examples=["Digital and media literacy …"])
    score: float = Field(description="Relevance (comparable within a kind).", examples=[0.0812])
    why: str = Field(
        description="Why it matches, in English.", examples=["matched: medie (media); deadline 2026-09-23"]
    )
    status: str | None = Field(default=None, description="A call's status today.", examples=["open"])
    new: bool | None = Field(default=None, description="A call that opened since the last update.", examples=[True])


class Opportunities(BaseModel):
    calls: list[Opportunity] = Field(description="Open, then forthcoming calls.")
    partners: list[Opportunity] = Field(description="Organisations with matching EU projects.")
    hubs: list[Opportunity] = Field(description="Digital innovation hubs.")
    platforms: list[Opportunity] = Field(description="EU collaboration platforms and working groups.")
    solutions: list[Opportunity] = Field(description="Reusable public-sector solutions.")
    needs: list[Opportunity] = Field(description="Similar needs of other regions.")


class Changes(BaseModel):
    updates: list[int] = Field(description="Ids of its updates since the day asked.", examples=[[12]])
    decisions: list[int] = Field(description="Ids of its decisions since the day asked.", examples=[[]])


class Permissions(BaseModel):
    define: bool = Field(description="You may change the strategy and its focus areas.", examples=[False])
    edit: bool = Field(description="You may edit initiatives, decisions and newsletters.", examples=[False])
    update: bool = Field(description="You may add updates.", examples=[False])


class InitiativeOut(BaseModel):
    id: int = Field(description="Initiative id.", examples=[1])
    title: str = Field(description="Name.", examples=["Industry in West"])
    description: str = Field(description="What it does.", examples=["Stöttar små och medelstora …"])
    focus_area_id: int | None = Field(description="Its focus area.", examples=[2])
    status: str = Field(description="planned, ongoing, completed or paused.", examples=["planned"])
    owner: Org | None = Field(description="Who owns it, as stated.")
    starts: str | None = Field(description="First day.", examples=[None])
    ends: str | None = Field(description="Last day.", examples=[None])
    budget: float | None = Field(description="Budget.", examples=[34600000])
    currency: str | None = Field(description="Its currency.", examples=["SEK"])
    need_id: int | None = Field(description="The published need describing it.", examples=[1])
    need_title: str | None = Field(description="That need's title.", examples=["Industry in West – …"])
    source: str | None = SOURCE
    latest_update: UpdateOut | None = Field(description="Its latest update.")
    updates: list[UpdateOut] = Field(description="Its updates, newest first.")
    decisions: list[DecisionOut] = Field(description="Decisions about it, newest first.")
    changes: Changes = Field(description="What changed since the day asked.")
    opportunities: Opportunities | None = Field(default=None, description="What matches it.")


class Ref(BaseModel):
    id: int = Field(description="Id.", examples=[2])
    name: str = Field(description="Name.", examples=["Näringslivets digitala transformation"])


class StrategyRef(BaseModel):
    slug: str = Field(description="Slug.", examples=["vastsvensk-kraftsamling-digitalisering"])
    name: str = Field(description="Name.", examples=["Västsvensk kraftsamling digitalisering"])
    language: str = Field(description="Language.", examples=["sv"])


class InitiativePage(InitiativeOut):
    focus_area: Ref | None = Field(description="Its focus area.")
    strategy: StrategyRef = Field(description="Its strategy.")
    since: str = Field(description="What is new is after this day (the last newsletter's).", examples=DAY)
    permissions: Permissions = Field(description="What you may do.")


class AreaOut(BaseModel):
    id: int = Field(description="Focus area id.", examples=[2])
    parent_id: int | None = Field(description="The area it is a sub-area of.", examples=[1])
    position: int = Field(description="Order among its siblings.", examples=[0])
    name: str = Field(description="Name.", examples=["Öppna och delade data"])
    description: str = Field(description="What it focuses on.", examples=["Inför 2022: fokus på öppna …"])
    source: str | None = SOURCE
    progress: Progress = Field(description="Its initiatives (and its sub-areas') by status.")
    initiatives: list[InitiativeOut] = Field(description="Its own initiatives.")
    decisions: list[DecisionOut] = Field(description="Decisions about it, newest first.")
    sub_areas: list[AreaOut] = Field(description="Its sub-areas.")
    opportunities: Opportunities | None = Field(default=None, description="What matches it.")


class BoardChanges(BaseModel):
    updates: list[ChangedUpdate] = Field(description="Updates since the day asked, newest first.")
    decisions: list[DecisionOut] = Field(description="Decisions since the day asked, newest first.")


class NewsletterRef(BaseModel):
    number: int = Field(description="Number.", examples=[8])
    title: str = Field(description="Title.", examples=["Uppdatering från … nr 8 September 2023"])
    status: str = Field(description="draft or sent.", examples=["sent"])
    sent_at: str | None = Field(description="When it was sent.", examples=["2023-09-05T00:00:00+00:00"])


class LastNewsletter(BaseModel):
    number: int = Field(description="Number.", examples=[8])
    sent_at: str | None = Field(description="When it was sent.", examples=["2023-09-05T00:00:00+00:00"])


class StrategySummary(BaseModel):
    slug: str = Field(description="Slug.", examples=["vastsvensk-kraftsamling-digitalisering"])
    name: str = Field(description="Name.", examples=["Västsvensk kraftsamling digitalisering"])
    organisation: Org = Field(description="The owning organisation.")
    region: str | None = Field(description="NUTS 2021 code.", examples=["SE232"])
    language: str = Field(description="Language of its texts.", examples=["sv"])
    initiatives: int = Field(description="Initiatives (0 in a write's answer).", examples=[17])
    newsletters: int = Field(description="Numbers sent (0 in a write's answer).", examples=[2])


class BoardOut(BaseModel):
    slug: str = Field(description="Slug.", examples=["vastsvensk-kraftsamling-digitalisering"])
    name: str = Field(description="Name.", examples=["Västsvensk kraftsamling digitalisering"])
    organisation: Org = Field(description="The owning organisation.")
    region: str | None = Field(description="NUTS 2021 code.", examples=["SE232"])
    region_name: str | None = Field(description="The region's name.", examples=["Västra Götalands län"])
    language: str = Field(description="Language of its texts.", examples=["sv"])
    description: str = Field(description="What the strategy is.", examples=["Det här mejlet är …"])
    source: str | None = SOURCE
    today: str = Field(description="The day the calls' statuses are for.", examples=["2026-08-12"])
    since: str | None = Field(description="What changed is after this day.", examples=DAY)
    last_newsletter: LastNewsletter | None = Field(description="The last number sent.")
    progress: Progress = Field(description="All initiatives by status.")
    focus_areas: list[AreaOut] = Field(description="Focus areas with their sub-areas.")
    unassigned: list[InitiativeOut] = Field(description="Initiatives without a focus area.")
    decisions: list[DecisionOut] = Field(description="Every decision, newest first.")
    changes: BoardChanges = Field(description="Updates and decisions since `since`.")
    newsletters: list[NewsletterRef] = Field(description="Numbers (drafts only for the organisation's members).")
    permissions: Permissions = Field(description="What you may do.")


class NewsletterOut(BaseModel):
    strategy: str = Field(description="The strategy's slug.", examples=["vastsvensk-kraftsamling-digitalisering"])
    strategy_name: str = Field(description="The strategy's name.", examples=["Västsvensk kraftsamling digitalisering"])
    number: int = Field(description="Number.", examples=[9])
    title: str = Field(description="Title.", examples=["Uppdatering från Västsvensk kraftsamling digitalisering nr 9"])
    status: str = Field(description="draft or sent.", examples=["draft"])
    language: str = Field(description="Language it is written in.", examples=["sv"])
    period_from: str | None = Field(description="It reports what came after this day.", examples=DAY)
    period_to: str = Field(description="The day it was made.", examples=["2026-08-12"])
    created_at: str | None = Field(description="When the draft was made.", examples=["2026-08-12T08:00:00+00:00"])
    updated_at: str | None = Field(description="When it last changed.", examples=["2026-08-12T08:30:00+00:00"])
    sent_at: str | None = Field(description="When it was sent.", examples=[None])
    content: dict[str, Any] = Field(
        description="intro, closing, since_number and sections (status, decisions, calls, postings, notes), each "
        "with heading (null: the default), text and items (each with an id).",
        examples=[{"intro": "…", "closing": "", "since_number": 8, "sections": [{"key": "decisions", "heading": None,
                   "text": "", "items": [{"id": "decision:7", "title": "Industry in West", "amount": 34600000}]}]}],
    )  # fmt: skip


class NewsletterPage(NewsletterOut):
    permissions: Permissions = Field(description="What you may do.")


class NewsletterList(BaseModel):
    strategy: str = Field(description="The strategy's slug.", examples=["vastsvensk-kraftsamling-digitalisering"])
    name: str = Field(description="The strategy's name.", examples=["Västsvensk kraftsamling digitalisering"])
    newsletters: list[NewsletterRef] = Field(description="Numbers, newest first.")


class Sent(BaseModel):
    number: int = Field(description="Number.", examples=[9])
    enqueued: int = Field(description="E-mails written to the outbox now (one per subscriber).", examples=[42])
    already_sent: bool = Field(description="It had been sent before: nothing was written.", examples=[False])
    sent_at: str | None = Field(description="When it was sent.", examples=["2026-08-12T09:00:00+00:00"])


class Removed(BaseModel):
    removed: str = Field(description="What was removed.", examples=["initiative"])
    id: int = Field(description="Its id.", examples=[5])


class Subscription(BaseModel):
    strategy: str = Field(description="The strategy's slug.", examples=["vastsvensk-kraftsamling-digitalisering"])
    subscribed: bool = Field(description="You receive its newsletter.", examples=[True])
    email: str = Field(description="The address it goes to.", examples=["anna@example.se"])


# --- reading --------------------------------------------------------------------------------------


@router.get("/strategies", response_model=list[StrategySummary], summary="Regional strategies")
async def strategies(app: Core) -> list[dict[str, Any]]:
    return await run_in_threadpool(app.strategies.summaries)


@router.get("/strategies/{slug}", response_model=BoardOut, summary="A strategy's board")
async def strategy_board(
    app: Core,
    actor: Acting,
    slug: Slug,
    since: Annotated[
        dt.date | None, Query(description="What changed after this day (default: the last newsletter's day).")
    ] = None,
    opportunities: Annotated[
        int, Query(ge=0, le=10, description="Opportunities of each kind per initiative and focus area (0: none).")
    ] = 3,
) -> dict[str, Any]:
    """Focus areas and sub-areas with their initiatives (status, period, budget, updates,
    decisions), a progress summary per area, what changed since `since`, and for each initiative
    and focus area the matching calls (open, then forthcoming), partners, hubs, platforms and
    solutions, each with its reasons."""
    return await run_in_threadpool(app.strategies.board, slug, actor, since, opportunities)


@router.get("/strategies/{slug}/initiatives/{initiative_id}", response_model=InitiativePage, summary="An initiative")
async def initiative(app: Core, actor: Acting, slug: Slug, initiative_id: InitiativeId) -> dict[str, Any]:
    return await run_in_threadpool(app.strategies.initiative, slug, initiative_id, actor)


# --- defining (admin) -------------------------------------------------------------------------------


@router.post("/strategies", response_model=StrategySummary, status_code=201, summary="Define a strategy (admin)")
async def create_strategy(app: Core, actor: Acting, body: StrategyIn) -> dict[str, Any]:
    return await run_in_threadpool(app.strategies.create, actor, body)


@router.patch("/strategies/{slug}", response_model=StrategySummary, summary="Change a strategy (admin)")
async def change_strategy(app: Core, actor: Acting, slug: Slug, body: StrategyPatch) -> dict[str, Any]:
    return await run_in_threadpool(app.strategies.change, actor, slug, body)


@router.post(
    "/strategies/{slug}/focus-areas", response_model=AreaOut, status_code=201, summary="Add a focus area (admin)"
)
async def add_focus_area(app: Core, actor: Acting, slug: Slug, body: FocusAreaIn) -> dict[str, Any]:
    return await run_in_threadpool(app.strategies.add_focus_area, actor, slug, body)


@router.patch("/strategies/{slug}/focus-areas/{area_id}", response_model=AreaOut, summary="Change a focus area (admin)")
async def change_focus_area(app: Core, actor: Acting, slug: Slug, area_id: AreaId, body: FocusAreaPatch) -> dict:
    return await run_in_threadpool(app.strategies.change_focus_area, actor, slug, area_id, body)


@router.delete(
    "/strategies/{slug}/focus-areas/{area_id}", response_model=Removed, summary="Remove a focus area (admin)"
)
async def remove_focus_area(app: Core, actor: Acting, slug: Slug, area_id: AreaId) -> dict[str, Any]:
    """Its sub-areas go with it; its initiatives and decisions stay, without a focus area."""
    await run_in_threadpool(app.strategies.remove_focus_area, actor, slug, area_id)
    return {"removed": "focus_area", "id": area_id}


# --- editing (editor) ------------------------------------------------------------------------------


@router.post(
    "/strategies/{slug}/initiatives", response_model=InitiativeOut, status_code=201, summary="Add an initiative"
)
async def add_initiative(app: Core, actor: Acting, slug: Slug, body: InitiativeIn) -> dict[str, Any]:
    return await run_in_threadpool(app.strategies.add_initiative, actor, slug, body)


@router.patch(
    "/strategies/{slug}/initiatives/{initiative_id}", response_model=InitiativeOut, summary="Change an initiative"
)
async def change_initiative(
    app: Core, actor: Acting, slug: Slug, initiative_id: InitiativeId, body: InitiativePatch
) -> dict[str, Any]:
    return await run_in_threadpool(app.strategies.change_initiative, actor, slug, initiative_id, body)


@router.delete("/strategies/{slug}/initiatives/{initiative_id}", response_model=Removed, summary="Remove an initiative")
async def remove_initiative(app: Core, actor: Acting, slug: Slug, initiative_id: InitiativeId) -> dict[str, Any]:
    await run_in_threadpool(app.strategies.remove_initiative, actor, slug, initiative_id)
    return {"removed": "initiative", "id": initiative_id}


@router.post(
    "/strategies/{slug}/initiatives/{initiative_id}/updates",
    response_model=NewUpdate,
    status_code=201,
    summary="Add a dated status update",
)
async def add_update(app: Core, actor: Acting, slug: Slug, initiative_id: InitiativeId, body: UpdateIn) -> dict:
    """By the strategy's editors, or the editors of the organisation that owns the initiative.
    The initiative takes the status of its latest update."""
    return await run_in_threadpool(app.strategies.add_update, actor, slug, initiative_id, body)


@router.delete(
    "/strategies/{slug}/initiatives/{initiative_id}/updates/{update_id}",
    response_model=Removed,
    summary="Remove an update",
)
async def remove_update(
    app: Core, actor: Acting, slug: Slug, initiative_id: InitiativeId, update_id: UpdateId
) -> dict[str, Any]:
    await run_in_threadpool(app.strategies.remove_update, actor, slug, initiative_id, update_id)
    return {"removed": "update", "id": update_id}


@router.post("/strategies/{slug}/decisions", response_model=DecisionOut, status_code=201, summary="Add a decision")
async def add_decision(app: Core, actor: Acting, slug: Slug, body: DecisionIn) -> dict[str, Any]:
    return await run_in_threadpool(app.strategies.add_decision, actor, slug, body)


@router.patch("/strategies/{slug}/decisions/{decision_id}", response_model=DecisionOut, summary="Change a decision")
async def change_decision(
    app: Core, actor: Acting, slug: Slug, decision_id: DecisionId, body: DecisionPatch
) -> dict[str, Any]:
    return await run_in_threadpool(app.strategies.change_decision, actor, slug, decision_id, body)


@router.delete("/strategies/{slug}/decisions/{decision_id}", response_model=Removed, summary="Remove a decision")
async def remove_decision(app: Core, actor: Acting, slug: Slug, decision_id: DecisionId) -> dict[str, Any]:
    await run_in_threadpool(app.strategies.remove_decision, actor, slug, decision_id)
    return {"removed": "decision", "id": decision_id}


# --- the newsletter ----------------------------------------------------------------------------------


@router.get("/strategies/{slug}/newsletters", response_model=NewsletterList, summary="A strategy's newsletters")
async def newsletters(app: Core, actor: Acting, slug: Slug) -> dict[str, Any]:
    return await run_in_threadpool(app.strategies.newsletters, slug, actor)


@router.post(
    "/strategies/{slug}/newsletters",
    response_model=NewsletterOut,
    status_code=201,
    responses={200: {"model": NewsletterOut, "description": "The open draft, as it is (no `regenerate`)."}},
    summary="Make the next number's draft from the board",
)
async def draft(app: Core, actor: Acting, slug: Slug, response: Response, body: DraftIn | None = None) -> dict:
    """ "Uppdatering från … nr N", N the next number: status per initiative (updates since the
    last number sent), decisions since then, open and coming calls per focus area with their
    reasons, new needs and solutions in the strategy's region. `201` when written now, `200`
    with the open draft as it is."""
    out, written = await run_in_threadpool(app.strategies.draft, actor, slug, bool(body and body.regenerate))
    response.status_code = 201 if written else 200
    return out


@router.get("/strategies/{slug}/newsletters/{number}", response_model=NewsletterPage, summary="One number")
async def newsletter(app: Core, actor: Acting, slug: Slug, number: Number) -> dict[str, Any]:
    """A sent number for everyone; a draft only for the organisation's members (else 404)."""
    return await run_in_threadpool(app.strategies.newsletter, slug, number, actor)


@router.patch("/strategies/{slug}/newsletters/{number}", response_model=NewsletterOut, summary="Edit a draft")
async def edit_newsletter(app: Core, actor: Acting, slug: Slug, number: Number, body: NewsletterEdit) -> dict:
    """Change its title, intro, closing and section texts, remove items by id. A sent number
    is `409`."""
    return await run_in_threadpool(app.strategies.edit_newsletter, actor, slug, number, body)


@router.post("/strategies/{slug}/newsletters/{number}/send", response_model=Sent, summary="Send a number")
async def send(app: Core, actor: Acting, slug: Slug, number: Number) -> dict[str, Any]:
    """One e-mail per subscriber (key `newsletter:<id>:<user>` in the outbox), then the number
    is sent and archived. Sending again writes nothing (`already_sent`)."""
    return await run_in_threadpool(app.strategies.send, actor, slug, number)


@router.get("/strategies/{slug}/subscription", response_model=Subscription, summary="Do you receive the newsletter?")
async def subscription(app: Core, actor: Acting, slug: Slug) -> dict[str, Any]:
    return await run_in_threadpool(app.strategies.subscription, actor, slug)


@router.put("/strategies/{slug}/subscription", response_model=Subscription, summary="Subscribe (signed in)")
async def subscribe(app: Core, actor: Acting, slug: Slug) -> dict[str, Any]:
    return await run_in_threadpool(app.strategies.subscribe, actor, slug)


@router.delete("/strategies/{slug}/subscription", response_model=Subscription, summary="Unsubscribe (signed in)")
async def unsubscribe(app: Core, actor: Acting, slug: Slug) -> dict[str, Any]:
    return await run_in_threadpool(app.strategies.unsubscribe, actor, slug)

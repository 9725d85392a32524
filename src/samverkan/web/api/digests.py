"""JSON API of follows: ``/api/v1/follows`` (a signed-in person's saved searches and followed
postings, with their digests and private feeds). Someone else's follow is 404; a token cannot
follow (403): a follow is a person's, mailed to them in their language."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from samverkan.bounds import INT32_MAX
from samverkan.digests.follows import MAX_FOLLOWS, MAX_LABEL, MAX_TEXT
from samverkan.web.api.schemas import Problem
from samverkan.web.deps import Acting, Core

router = APIRouter(tags=["follows"])

FollowId = Annotated[int, Path(description="Follow id.", ge=1, le=INT32_MAX)]


class SearchFilters(BaseModel):
    """The filters of ``GET /api/v1/search`` (each narrows only the kinds that carry it)."""

    model_config = ConfigDict(extra="forbid")
    programme: str | None = Field(
        None, max_length=200, description="Calls and projects: programme name.", examples=["Horizon Europe"]
    )
    country: str | None = Field(
        None, min_length=2, max_length=2, description="Organisations, hubs, solutions: country code.", examples=["SE"]
    )
    region: str | None = Field(
        None, min_length=2, max_length=5, description="NUTS 2021 region of any level.", examples=["SE23"]
    )
    org_type: Literal["HES", "REC", "PRC", "PUB", "OTH"] | None = Field(
        None, description="Organisations: activity type.", examples=["PUB"]
    )
    sme: bool | None = Field(None, description="Organisations: only SMEs (true) or only non-SMEs.", examples=[True])
    hub_type: Literal["EDIH", "SoE", "DIH"] | None = Field(None, description="Hubs: type of hub.", examples=["EDIH"])
    deadline_from: dt.date | None = Field(
        None, description="Calls: deadline on or after this day.", examples=["2026-09-01"]
    )
    deadline_to: dt.date | None = Field(
        None, description="Calls: deadline on or before this day.", examples=["2026-12-31"]
    )


Target = Literal["search", "need", "solution"]
Frequency = Literal["daily", "weekly"]
Language = Literal["sv", "en"]


class FollowIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target: Target = Field(
        "search",
        description="`search`: a saved search; `need` / `solution`: what is new among a published posting's matches.",
        examples=["search"],
    )
    text: str | None = Field(
        None, max_length=MAX_TEXT, description="search: what to look for, Swedish or English.", examples=["AI i vården"]
    )
    kind: Literal["call", "organisation", "hub", "platform", "working_group", "solution", "project", "need"] | None = (
        Field(
            None,
            description="search: only this kind of record; omit for calls, partners, needs and solutions.",
            examples=["call"],
        )
    )
    filters: SearchFilters | None = Field(None, description="search: the filters, as `GET /api/v1/search` takes them.")
    target_id: int | None = Field(
        None, ge=1, le=INT32_MAX, description="need / solution: the published posting's id.", examples=[12]
    )
    label: str | None = Field(
        None,
        max_length=MAX_LABEL,
        description="A name for it (default: the text, or the posting's title).",
        examples=["AI i vården, Sverige"],
    )
    frequency: Frequency = Field("weekly", description="How often a digest is sent.", examples=["weekly"])
    language: Language | None = Field(None, description="The digest's language (default: yours).", examples=["sv"])


class FollowPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str | None = Field(None, max_length=MAX_LABEL, description="A new name.", examples=["AI i vården"])
    frequency: Frequency | None = Field(None, description="How often a digest is sent.", examples=["daily"])
    language: Language | None = Field(None, description="The digest's language.", examples=["en"])
    active: bool | None = Field(
        None,
        description="false: stop the digests (the feed stays); true: resume, from now on.",
        examples=[False],
    )


class FollowOut(BaseModel):
    id: int = Field(description="Follow id.", examples=[7])
    target: Target = Field(
        description="What is followed: a search, or a need's or solution's matches.", examples=["search"]
    )
    query: dict[str, Any] | None = Field(
        description="search: `text`, `kind` and `filters`, as the search service validated them.",
        examples=[{"text": "AI i vården", "kind": None, "filters": {"country": "SE"}}],
    )
    target_id: int | None = Field(description="need / solution: the posting followed.", examples=[None])
    label: str = Field(description="Its name.", examples=["AI i vården"])
    frequency: Frequency = Field(description="How often a digest is sent.", examples=["weekly"])
    language: Language = Field(description="The digest's language.", examples=["sv"])
    active: bool = Field(description="false once stopped (by you, or the e-mail's unsubscribe link).", examples=[True])
    created_at: str = Field(description="When it was made (ISO 8601).", examples=["2026-12-04T09:12:00+00:00"])
    since: str = Field(
        description="What is newer than this comes in the next digest (ISO 8601).",
        examples=["2026-12-04T09:12:00+00:00"],
    )
    stopped_at: str | None = Field(description="When it was stopped (ISO 8601).", examples=[None])
    url: str = Field(
        description="The search's results page, or the posting's page.",
        examples=["https://samverkan.example/search?q=AI+i+v%C3%A5rden"],
    )


class FollowCreated(FollowOut):
    feed_key: str = Field(
        description="The private feed's key: shown now only (only its SHA-256 is stored).",
        examples=["q3W0bS3m1n2Yk0yJr9d8V4o0mZb0pS7dJ5fQ1xYtA2E"],
    )
    feed_url: str = Field(
        description="The private Atom feed; anyone with this address can read it.",
        examples=["https://samverkan.example/feeds/q3W0bS3m1n2Yk0yJr9d8V4o0mZb0pS7dJ5fQ1xYtA2E.atom"],
    )


class FeedKey(BaseModel):
    id: int = Field(description="Follow id.", examples=[7])
    feed_key: str = Field(description="The new key (the old address is 404 from now on).", examples=["Zx…"])
    feed_url: str = Field(
        description="The new private Atom feed.", examples=["https://samverkan.example/feeds/Zx….atom"]
    )


class Follows(BaseModel):
    follows: list[FollowOut] = Field(description="Your follows, oldest first.")


class Removed(BaseModel):
    id: int = Field(description="The follow removed, with its ledger and its feed.", examples=[7])
    removed: bool = Field(description="Always true.", examples=[True])


@router.get("/follows", response_model=Follows, summary="Your follows")
async def list_follows(app: Core, actor: Acting) -> dict[str, Any]:
    return {"follows": await run_in_threadpool(app.digests.mine, actor)}


@router.post(
    "/follows",
    response_model=FollowCreated,
    status_code=201,
    summary="Follow a search or a posting",
    responses={409: {"model": Problem, "description": f"You follow {MAX_FOLLOWS} things already, the most one may."}},
)
async def create_follow(app: Core, actor: Acting, body: FollowIn) -> dict[str, Any]:
    filters = body.filters.model_dump(exclude_none=True) if body.filters is not None else None
    return await run_in_threadpool(
        lambda: app.digests.create(
            actor,
            target=body.target,
            text=body.text,
            kind=body.kind,
            filters=filters,
            target_id=body.target_id,
            label=body.label,
            frequency=body.frequency,
            language=body.language,
        )
    )


@router.get("/follows/{follow_id}", response_model=FollowOut, summary="One of your follows")
async def get_follow(app: Core, actor: Acting, follow_id: FollowId) -> dict[str, Any]:
    return await run_in_threadpool(app.digests.get, actor, follow_id)


@router.patch("/follows/{follow_id}", response_model=FollowOut, summary="Change, stop or resume a follow")
async def update_follow(app: Core, actor: Acting, follow_id: FollowId, body: FollowPatch) -> dict[str, Any]:
    return await run_in_threadpool(
        lambda: app.digests.update(
            actor, follow_id, label=body.label, frequency=body.frequency, language=body.language, active=body.active
        )
    )


@router.delete("/follows/{follow_id}", response_model=Removed, summary="Remove a follow, its ledger and its feed")
async def delete_follow(app: Core, actor: Acting, follow_id: FollowId) -> dict[str, Any]:
    await run_in_threadpool(app.digests.delete, actor, follow_id)
    return {"id": follow_id, "removed": True}


@router.post("/follows/{follow_id}/feed-key", response_model=FeedKey, summary="A new private feed address")
async def rotate_feed_key(app: Core, actor: Acting, follow_id: FollowId) -> dict[str, Any]:
    return await run_in_threadpool(app.digests.rotate_feed_key, actor, follow_id)

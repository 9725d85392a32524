"""JSON API of follows: ``/api/v1/follows`` (a signed-in person's saved searches and followed
postings, with their digests and private feeds). Someone else's follow is 404; a token cannot
follow (403): a follow is a person's, mailed to them in their language."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from samverkan.bounds import INT32_MAX
from samverkan.digests.follows import MAX_LABEL, MAX_TEXT
from samverkan.web.deps import Acting, Core

router = APIRouter(tags=["follows"])

FollowId = Annotated[int, Path(description="Follow id.", ge=1, le=INT32_MAX)]


class SearchFilters(BaseModel):
    """The filters of ``GET /api/v1/search`` (each narrows only the kinds that carry it)."""

    model_config = ConfigDict(extra="forbid")
    programme: str | None = Field(None, max_length=200, examples=["Horizon Europe"])
    country: str | None = Field(None, min_length=2, max_length=2, examples=["SE"])
    region: str | None = Field(None, min_length=2, max_length=5, examples=["SE23"])
    org_type: Literal["HES", "REC", "PRC", "PUB", "OTH"] | None = None
    sme: bool | None = None
    hub_type: Literal["EDIH", "SoE", "DIH"] | None = None
    deadline_from: dt.date | None = None
    deadline_to: dt.date | None = None


class FollowIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target: Literal["search", "need", "solution"] = Field(
        "search", description="`search`: a saved search; `need` / `solution`: what is new among a posting's matches."
    )
    text: str | None = Field(
        None, max_length=MAX_TEXT, description="search: what to look for, Swedish or English.", examples=["AI i vården"]
    )
    kind: Literal["call", "organisation", "hub", "platform", "working_group", "solution", "project", "need"] | None = (
        Field(None, description="search: only this kind of record; omit for calls, partners, needs and solutions.")
    )
    filters: SearchFilters | None = Field(None, description="search: as `GET /api/v1/search`.")
    target_id: int | None = Field(None, ge=1, le=INT32_MAX, description="need / solution: the published posting.")
    label: str | None = Field(None, max_length=MAX_LABEL, description="A name for it (default: the text or title).")
    frequency: Literal["daily", "weekly"] = Field("weekly", description="How often a digest is sent.")
    language: Literal["sv", "en"] | None = Field(None, description="The digest's language (default: yours).")


class FollowPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str | None = Field(None, max_length=MAX_LABEL)
    frequency: Literal["daily", "weekly"] | None = None
    language: Literal["sv", "en"] | None = None
    active: bool | None = Field(None, description="false: stop the digests (the feed stays); true: resume from now.")


class FollowOut(BaseModel):
    id: int = Field(examples=[7])
    target: Literal["search", "need", "solution"]
    query: dict[str, Any] | None = Field(
        description="search: `text`, `kind` and `filters` as validated by the search service.",
        examples=[{"text": "AI i vården", "kind": None, "filters": {"country": "SE"}}],
    )
    target_id: int | None = Field(description="need / solution: the posting followed.")
    label: str
    frequency: Literal["daily", "weekly"]
    language: Literal["sv", "en"]
    active: bool = Field(description="false once stopped (by you or the e-mail's unsubscribe link).")
    created_at: str
    since: str = Field(description="What is newer than this comes in the next digest (ISO 8601).")
    stopped_at: str | None
    url: str = Field(description="The search's results page, or the posting's page.")


class FollowCreated(FollowOut):
    feed_key: str = Field(description="The private feed's key: shown now only (only its SHA-256 is stored).")
    feed_url: str = Field(description="The private Atom feed; anyone with this address can read it.")


class FeedKey(BaseModel):
    id: int
    feed_key: str
    feed_url: str


class Follows(BaseModel):
    follows: list[FollowOut]


@router.get("/follows", response_model=Follows, summary="Your follows")
async def list_follows(app: Core, actor: Acting) -> dict[str, Any]:
    return {"follows": await run_in_threadpool(app.digests.mine, actor)}


@router.post("/follows", response_model=FollowCreated, status_code=201, summary="Follow a search or a posting")
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


@router.delete("/follows/{follow_id}", status_code=204, summary="Remove a follow, its ledger and its feed")
async def delete_follow(app: Core, actor: Acting, follow_id: FollowId) -> Response:
    await run_in_threadpool(app.digests.delete, actor, follow_id)
    return Response(status_code=204)


@router.post("/follows/{follow_id}/feed-key", response_model=FeedKey, summary="A new private feed address")
async def rotate_feed_key(app: Core, actor: Acting, follow_id: FollowId) -> dict[str, Any]:
    return await run_in_threadpool(app.digests.rotate_feed_key, actor, follow_id)

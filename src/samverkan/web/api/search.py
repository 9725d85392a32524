"""``GET /api/v1/search`` — the catalogue search contract (see PRODUCT.md)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from samverkan.web.deps import Core

router = APIRouter(tags=["search"])

Kind = Literal["call", "organisation", "hub", "platform", "solution", "project"]


class SearchResult(BaseModel):
    model_config = ConfigDict(extra="allow")
    kind: Kind = Field(description="Kind of record.", examples=["organisation"])
    id: str = Field(
        description="Record id: topic code for calls, CORDIS organisationID (PIC) for organisations.",
        examples=["999905974"],
    )
    title: str = Field(description="Name or title to show.", examples=["THE WELLCOME TRUST LIMITED"])
    score: float = Field(description="Relevance score; comparable only within one kind and one query.")
    why: str = Field(description="A short reason a person can check.", examples=["matched: wellcome, trust"])


class SearchAnswer(BaseModel):
    query: str = Field(description="The query as searched.")
    language: str = Field(description="Language the query was read in: sv or en.", examples=["sv"])
    kind: Kind | None = Field(description="The kind asked for; null means every kind, grouped.")
    status: str = Field(description="Call status filter applied.")
    results: list[SearchResult]


@router.get("/search", response_model=SearchAnswer, summary="Search the catalogue")
async def search(
    app: Core,
    q: Annotated[str, Query(min_length=1, description="What you need, in Swedish or English.")],
    kind: Annotated[Kind | None, Query(description="Only this kind of record; omit for every kind, grouped.")] = None,
    status: Annotated[
        Literal["open", "forthcoming", "closed", "all"], Query(description="Calls only: which status (default open).")
    ] = "open",
    limit: Annotated[int, Query(ge=1, le=1000, description="Results per kind.")] = 10,
) -> dict[str, Any]:
    return await run_in_threadpool(app.search, q, kind, status, limit)

"""The data space beside SensorThings: shares, the audit log, tokens and aggregates.

Every endpoint takes ``Authorization: Bearer TOKEN``; aggregates of public datastreams may be
read without one. Sharing and tokens need an ``admin`` token, the audit log too.
"""

from __future__ import annotations

import os
import tempfile
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, Response, StreamingResponse
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask
from starlette.concurrency import iterate_in_threadpool

from samverkan.bounds import INT32_MAX, INT_MAX
from samverkan.dataspace import licences
from samverkan.dataspace.observations.export import buckets_csv
from samverkan.dataspace.tenants import bearer
from samverkan.web.deps import Core

router = APIRouter(tags=["data space"])
PARQUET = "application/vnd.apache.parquet"

CSV_EXAMPLE = (
    "id,phenomenonTime,phenomenonTimeEnd,resultTime,result,FeatureOfInterest\n"
    "1,1961-01-01T06:00:00Z,,,-0.5,1\n"
    "2,1961-01-01T12:00:00Z,,,0.0,1\n"
)


def token(
    authorization: Annotated[
        str | None, Header(description="`Bearer TOKEN`, as printed by `samverkan tenant create`.")
    ] = None,
) -> str | None:
    return bearer(authorization)


Token = Annotated[str | None, Depends(token)]
DatastreamId = Annotated[int, Path(description="Datastream id.", ge=1, le=INT32_MAX)]
From = Annotated[
    str | None, Query(alias="from", max_length=40, description="ISO 8601 start (inclusive), with a time zone.")
]
To = Annotated[str | None, Query(alias="to", max_length=40, description="ISO 8601 end (exclusive), with a time zone.")]


class Bucket(BaseModel):
    start: str = Field(description="Start of the interval, UTC.", examples=["2014-08-01T00:00:00Z"])
    count: int = Field(description="Numeric observations in the interval.", examples=[12])
    min: float = Field(description="Smallest result.", examples=[14.2])
    max: float = Field(description="Largest result.", examples=[21.9])
    mean: float = Field(description="Mean result.", examples=[17.35])


class Aggregate(BaseModel):
    datastream: int = Field(description="Datastream id (as in SensorThings).", examples=[7])
    interval: str = Field(description="Length of each bucket.", examples=["1h"])
    from_: str | None = Field(
        alias="from", description="Start of the first bucket asked for (rounded down to a bucket).",
        examples=["2014-08-01T00:00:00Z"],
    )  # fmt: skip
    to: str | None = Field(
        description="End of the last bucket asked for (rounded up).", examples=["2014-09-01T00:00:00Z"]
    )
    unit: dict[str, Any] = Field(
        description="The datastream's unitOfMeasurement.",
        examples=[{"name": "degree Celsius", "symbol": "°C", "definition": "http://qudt.org/vocab/unit/DEG_C"}],
    )
    buckets: list[Bucket] = Field(description="One entry per interval that holds observations, oldest first.")


class ShareRequest(BaseModel):
    datastream: int = Field(ge=1, le=INT32_MAX, description="One of your datastreams.", examples=[7])
    grantee: str = Field(
        max_length=40, description="A tenant's slug, or `public` for open data.", examples=["boras-stad"]
    )
    level: Literal["raw", "hourly", "daily"] = Field(
        description="`raw`: observations; `hourly` / `daily`: only aggregates of at least that interval.",
        examples=["hourly"],
    )
    licence: str | None = Field(
        default=None,
        max_length=300,
        description="Licence of a public share (listed in the DCAT-AP catalogue), one of: "
        + ", ".join(licences.KNOWN)
        + " (http or https, with or without the final slash).",
        examples=["http://creativecommons.org/licenses/by/4.0/"],
    )


class ShareOut(BaseModel):
    id: int = Field(description="Share id (to revoke it).", examples=[3])
    datastream: int = Field(description="The shared datastream.", examples=[7])
    owner: str | None = Field(description="Slug of the owner.", examples=["smhi"])
    grantee: str = Field(description="Slug of the grantee, or `public`.", examples=["boras-stad"])
    level: str = Field(description="raw, hourly or daily.", examples=["hourly"])
    licence: str | None = Field(description="Licence URI, if given.", examples=[None])
    created_at: str | None = Field(description="When it was made, UTC.", examples=["2026-11-23T09:00:00Z"])
    revoked_at: str | None = Field(description="When it was revoked, if it was.", examples=[None])


class Shares(BaseModel):
    given: list[ShareOut] = Field(description="Shares you made.")
    received: list[ShareOut] = Field(description="Shares made to you by name (public ones are not listed).")


class AuditOut(BaseModel):
    id: int = Field(description="Entry id (page with `before`).", examples=[120])
    at: str | None = Field(description="When, UTC.", examples=["2026-11-23T09:01:00Z"])
    actor: str = Field(description="Who: a tenant slug, or `public`.", examples=["boras-stad"])
    action: str = Field(description="share, revoke or read.", examples=["read"])
    datastream: int | None = Field(description="The datastream concerned, when one.", examples=[7])
    detail: str = Field(description="What was asked or done.", examples=["GET Datastreams(7)/Observations"])
    count: int = Field(description="Entities or buckets read (0 for share and revoke).", examples=[100])


class DeadLetterOut(BaseModel):
    id: int = Field(description="Record id (page with `before`).", examples=[31])
    received_at: str | None = Field(description="When the message arrived, UTC.", examples=["2026-12-04T10:00:00Z"])
    datastream: int | None = Field(description="The datastream its topic names.", examples=[7])
    topic: str = Field(description="The MQTT topic.", examples=["v1.1/Datastreams(7)/Observations"])
    reason: str = Field(
        description="Why it was not stored.",
        examples=["Observation.phenomenonTime: the time is outside the years 1 … 9999 in UTC"],
    )
    payload: str = Field(
        description="The start of the message (2,000 characters), as text.",
        examples=['{"phenomenonTime": "0001-01-01T00:00:00+01:00", "result": 1}'],
    )
    size: int = Field(description="Bytes of the whole message.", examples=[61])


class TokenRequest(BaseModel):
    scope: Literal["read", "write", "admin"] = Field(description="What the token may do.", examples=["write"])
    label: str | None = Field(default=None, max_length=200, description="A note for you.", examples=["weather station"])
    days: float | None = Field(
        default=None,
        gt=0,
        le=36_500,
        allow_inf_nan=False,
        description="Lifetime in days (at most 100 years); none: until revoked.",
        examples=[90],
    )


class TokenOut(BaseModel):
    id: int = Field(description="Token id (to revoke it).", examples=[4])
    prefix: str = Field(description="First characters, to recognise it.", examples=["svk_Q2x9aB"])
    scope: str = Field(description="read, write or admin.", examples=["write"])
    label: str | None = Field(description="Your note.", examples=["weather station"])
    created_at: str | None = Field(description="When it was made, UTC.", examples=["2026-11-23T09:00:00Z"])
    expires_at: str | None = Field(description="When it stops working, if ever.", examples=[None])
    revoked_at: str | None = Field(description="When it was revoked, if it was.", examples=[None])


class NewToken(TokenOut):
    tenant: str = Field(description="Your tenant.", examples=["smhi"])
    token: str = Field(description="The token itself: shown only this once.", examples=["svk_Q2x9aB…"])


@router.get(
    "/datastreams/{datastream}/aggregate", response_model=Aggregate, response_model_by_alias=True,
    summary="Count, min, max and mean per interval",
)  # fmt: skip
async def aggregate(
    app: Core,
    auth: Token,
    datastream: DatastreamId,
    interval: Annotated[
        str, Query(max_length=8, description="Bucket length: 1m … 30m, whole hours or days (1h, 6h, 1d).")
    ] = "1h",  # fmt: skip
    start: From = None,
    end: To = None,
    format: Annotated[Literal["json", "csv"], Query(description="`csv`: one line per bucket.")] = "json",
) -> Any:
    answer = await run_in_threadpool(app.dataspace.aggregate, auth, datastream, interval, start, end)
    if format == "json":
        return answer
    return Response(
        buckets_csv(answer["buckets"]),
        media_type="text/csv; charset=utf-8",
        headers=_attachment(f"datastream-{datastream}-{interval}"),
    )


@router.get(
    "/datastreams/{datastream}/observations.csv",
    summary="Observations as CSV",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"example": CSV_EXAMPLE}}, "description": "Oldest first."}},
)  # fmt: skip
async def export_csv(
    app: Core,
    auth: Token,
    datastream: DatastreamId,
    start: From = None,
    end: To = None,
) -> Response:
    """The raw observations of a datastream you own or that is shared with you as `raw` (with
    an aggregate share, export the aggregates: `aggregate?format=csv`). Streamed: any size."""
    lines = await run_in_threadpool(app.dataspace.export, auth, datastream, start, end)
    return StreamingResponse(
        iterate_in_threadpool(lines),
        media_type="text/csv; charset=utf-8",
        headers=_attachment(f"datastream-{datastream}"),
    )


@router.get(
    "/datastreams/{datastream}/observations.parquet",
    summary="Observations as Apache Parquet",
    response_class=Response,
    responses={
        200: {
            "content": {PARQUET: {"schema": {"type": "string", "format": "binary"}}},
            "description": "Oldest first; one row group per 100,000 observations.",
        }
    },
)  # fmt: skip
async def export_parquet(
    app: Core,
    auth: Token,
    datastream: DatastreamId,
    start: From = None,
    end: To = None,
) -> Response:
    """The raw observations, as for `observations.csv`, in a typed, compressed column file
    (zstd): times as UTC timestamps (ms), a numeric result in `result`, any other result as
    JSON text in `resultJson`; the datastream's name and unit are in the file's metadata. The
    file is written to a temporary file first (Parquet's index comes last) and removed once sent."""
    handle, name = tempfile.mkstemp(prefix="samverkan-export-", suffix=".parquet")
    try:
        with os.fdopen(handle, "wb") as target:
            await run_in_threadpool(app.dataspace.export_parquet, auth, datastream, start, end, target)
    except BaseException:
        os.unlink(name)
        raise
    return FileResponse(
        name,
        media_type=PARQUET,
        headers=_attachment(f"datastream-{datastream}", "parquet"),
        background=BackgroundTask(os.unlink, name),
    )


def _attachment(name: str, suffix: str = "csv") -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}.{suffix}"'}


@router.post("/shares", response_model=ShareOut, status_code=201, summary="Share a datastream")
async def create_share(app: Core, auth: Token, request: ShareRequest) -> dict[str, Any]:
    return await run_in_threadpool(
        app.dataspace.share, auth, request.datastream, request.grantee, request.level, request.licence
    )


@router.get("/shares", response_model=Shares, summary="Shares you made and received")
async def list_shares(
    app: Core,
    auth: Token,
    revoked: Annotated[bool, Query(description="Include revoked shares.")] = False,
) -> dict[str, Any]:
    return await run_in_threadpool(app.dataspace.shares, auth, revoked)


@router.delete("/shares/{share}", response_model=ShareOut, summary="Revoke a share")
async def revoke_share(
    app: Core, auth: Token, share: Annotated[int, Path(description="Share id.", ge=1, le=INT32_MAX)]
) -> dict:
    return await run_in_threadpool(app.dataspace.revoke_share, auth, share)


@router.get("/audit", response_model=list[AuditOut], summary="Your audit log, newest first")
async def audit(
    app: Core,
    auth: Token,
    limit: Annotated[int, Query(ge=1, le=1000, description="Entries per page.")] = 100,
    before: Annotated[
        int | None, Query(ge=1, le=INT_MAX, description="Only entries older than this id (paging).")
    ] = None,
) -> list[dict[str, Any]]:
    return await run_in_threadpool(app.dataspace.audit, auth, limit, before)


@router.get(
    "/dead-letters", response_model=list[DeadLetterOut], summary="Your MQTT messages that were not stored, newest first"
)
async def dead_letters(
    app: Core,
    auth: Token,
    limit: Annotated[int, Query(ge=1, le=1000, description="Records per page.")] = 100,
    before: Annotated[
        int | None, Query(ge=1, le=INT_MAX, description="Only records older than this id (paging).")
    ] = None,
) -> list[dict[str, Any]]:
    """Messages your devices published that could not become observations (malformed, out of
    range, for a datastream that is gone), with the reason. They were acknowledged to the
    broker, so devices do not send them again. The newest 1,000 are kept."""
    return await run_in_threadpool(app.dataspace.dead_letters, auth, limit, before)


@router.post("/tokens", response_model=NewToken, status_code=201, summary="Make a token for your tenant")
async def create_token(app: Core, auth: Token, request: TokenRequest) -> dict[str, Any]:
    return await run_in_threadpool(app.dataspace.issue_token, auth, request.scope, request.label, request.days)


@router.delete("/tokens/{token_id}", response_model=TokenOut, summary="Revoke one of your tokens")
async def revoke_token(
    app: Core, auth: Token, token_id: Annotated[int, Path(description="Token id.", ge=1, le=INT32_MAX)]
) -> dict:
    return await run_in_threadpool(app.dataspace.revoke_token, auth, token_id)

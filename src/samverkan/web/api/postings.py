"""JSON API of needs and solutions: publish, read, change, withdraw, list, history, matches,
"we are interested", and the board (README, *Publishing*).

Every route calls one method of :class:`samverkan.postings.service.Postings` with the
:class:`~samverkan.accounts.actor.Actor` of the request (a bearer token, else a signed-in person)
and only translates: a :class:`~samverkan.postings.fields.FieldError` becomes a 422 in the form
FastAPI gives a malformed body (``{"detail": [{"loc", "msg", "type"}]}``) naming the field.
The same routes serve ``/needs`` and ``/solutions``.
"""

# no `from __future__ import annotations`: the routes are made in a function for both kinds, and
# FastAPI must see their body models (local variables) as classes, not as names to look up

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from samverkan.errors import NotFound
from samverkan.postings.fields import FieldError
from samverkan.web.api import posting_schemas as schemas
from samverkan.web.api.schemas import Problem
from samverkan.web.deps import Acting, Core

router = APIRouter(tags=["needs and solutions"])

RESPONSES: dict[int | str, dict[str, Any]] = {
    409: {"model": Problem, "description": "The change contradicts its status (withdrawn is final …)."},
    422: {"model": schemas.Invalid, "description": "A field that cannot be taken as given, named in `loc`."},
}
PostingId = Annotated[
    str,
    Path(
        max_length=24,
        description="p<number> (a need's bare number is accepted too; a solution's bare number is a catalogued "
        "JRC case, which only has matches here: its record is at /api/v1/records/solution/{id}).",
        examples=["p12"],
    ),
]


async def answer(where: str, call: Callable[..., Any], *args: Any) -> Any:
    """The library's answer, or the 422 naming the field it refused."""
    try:
        return await run_in_threadpool(call, *args)
    except FieldError as exc:
        problem = {"loc": [where, *exc.field.split(".")], "msg": str(exc), "type": "value_error"}
        return JSONResponse({"detail": [problem]}, status_code=422)


def body(model: BaseModel) -> dict[str, Any]:
    """The fields a client sent (null included: it clears a field)."""
    return model.model_dump(exclude_unset=True)


def _routes(kind: Literal["need", "solution"]) -> None:
    plural = f"{kind}s"
    base = f"/{plural}"
    new_model, patch_model = (
        (schemas.NeedIn, schemas.NeedPatch) if kind == "need" else (schemas.SolutionIn, schemas.SolutionPatch)
    )
    matches_model = schemas.NeedMatches if kind == "need" else schemas.SolutionMatches

    @router.post(
        base, response_model=schemas.Posting, status_code=201, responses=RESPONSES, summary=f"Publish a {kind}"
    )
    async def create(app: Core, actor: Acting, fields: new_model) -> Any:  # type: ignore[valid-type]
        """Needs a token with scope write or admin (or an editor's session). `status` draft (the
        default) is seen by your organisation only."""
        return await answer("body", app.postings.create, actor, kind, body(fields))

    @router.get(base, response_model=schemas.PostingList, responses=RESPONSES, summary=f"List {plural}")
    async def listing(
        app: Core,
        actor: Acting,
        status: Annotated[
            Literal["published", "draft", "withdrawn", "all"] | None,
            Query(
                description="Omitted: published ones and your organisations' drafts; draft and withdrawn: "
                "your organisations' only; all: published and all of yours."
            ),
        ] = None,
        organisation: Annotated[
            str | None, Query(max_length=40, description="Only this organisation's (its slug).", examples=["vgr"])
        ] = None,
        region: Annotated[
            str | None, Query(max_length=5, description="NUTS code; holds its subregions.", examples=["SE23"])
        ] = None,
        focus_area: Annotated[
            str | None, Query(max_length=80, description="Only with this focus area.", examples=["E-hälsa"])
        ] = None,
        limit: Annotated[int, Query(ge=1, le=100, description="Page size.")] = 20,
        offset: Annotated[int, Query(ge=0, le=10_000, description="Results to skip.")] = 0,
    ) -> Any:
        return await answer(
            "query", app.postings.list, actor, kind, status, organisation, region, focus_area, limit, offset
        )

    @router.get(base + "/{id}", response_model=schemas.Posting, responses=RESPONSES, summary=f"One {kind}")
    async def read(app: Core, actor: Acting, id: PostingId) -> Any:
        """A draft or withdrawn one is 404 to everyone but its organisation."""
        if kind == "solution" and not id.startswith("p"):
            raise NotFound(f"solution {id!r} is a catalogued case: GET /api/v1/records/solution/{id}")
        return await answer("path", app.postings.get, actor, kind, id)

    @router.patch(base + "/{id}", response_model=schemas.Posting, responses=RESPONSES, summary=f"Change a {kind}")
    async def update(app: Core, actor: Acting, id: PostingId, fields: patch_model) -> Any:  # type: ignore[valid-type]
        """Only the fields sent change (null clears an optional one); each change is a new version."""
        return await answer("body", app.postings.update, actor, kind, id, body(fields))

    @router.delete(base + "/{id}", response_model=schemas.Posting, responses=RESPONSES, summary=f"Withdraw a {kind}")
    async def withdraw(app: Core, actor: Acting, id: PostingId) -> Any:
        """Withdrawn is final: gone from search, matches and the board at once; kept in its history."""
        return await answer("path", app.postings.withdraw, actor, kind, id)

    @router.get(
        base + "/{id}/history", response_model=schemas.History, responses=RESPONSES, summary=f"A {kind}'s history"
    )
    async def history(app: Core, actor: Acting, id: PostingId) -> Any:
        """Every saved version, newest first; for its organisation only."""
        return await answer("path", app.postings.history, actor, kind, id)

    @router.get(
        base + "/{id}/matches",
        response_model=matches_model,
        responses=RESPONSES,
        summary=f"What matches a {kind}, with reasons",
    )
    async def matches(
        app: Core,
        actor: Acting,
        id: PostingId,
        limit: Annotated[int, Query(ge=1, le=20, description="Results per list.")] = 5,
    ) -> Any:
        return await answer("query", app.postings.matches, actor, kind, id, limit)

    @router.post(
        base + "/{id}/interest",
        response_model=schemas.Interest,
        status_code=201,
        responses=RESPONSES | {200: {"model": schemas.Interest, "description": "Your organisation had already."}},
        summary="We are interested",
    )
    async def interest(app: Core, actor: Acting, id: PostingId, request: schemas.InterestIn) -> Any:
        """Tells the owner's editors and admins by e-mail, once per organisation; who you are is
        shown to them only."""
        found = await answer("body", app.postings.interest, actor, kind, id, request.message, request.organisation)
        if isinstance(found, dict) and not found["created"]:
            return JSONResponse(schemas.Interest.model_validate(found).model_dump(), status_code=200)
        return found

    @router.get(
        base + "/{id}/interests",
        response_model=list[schemas.InterestSeen],
        responses=RESPONSES,
        summary=f"Who is interested in your {kind}",
    )
    async def interests(app: Core, actor: Acting, id: PostingId) -> Any:
        """With their contact: for the posting's organisation only."""
        return await answer("path", app.postings.interested, actor, kind, id)


_routes("need")
_routes("solution")


@router.get("/board", response_model=schemas.Board, responses=RESPONSES, summary="Supply and demand side by side")
async def board(
    app: Core,
    region: Annotated[
        str | None, Query(max_length=5, description="NUTS code; holds its subregions.", examples=["SE23"])
    ] = None,
    focus_area: Annotated[
        str | None, Query(max_length=80, description="Only this focus area.", examples=["E-hälsa"])
    ] = None,
) -> Any:
    """Published needs and solutions per focus area and per NUTS 2 region, counted and listed."""
    return await answer("query", app.postings.board, region, focus_area)

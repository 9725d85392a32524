"""JSON API of accounts: who am I, and an organisation's members, invitations and tokens.

Every endpoint takes ``Authorization: Bearer TOKEN`` (an organisation's token) or the session
cookie of a signed-in person. Members, invitations and tokens need the role ``admin`` in the
organisation (an ``admin`` token, or a person who administers it); anyone else gets 401 or 403
and never another organisation's data. Bodies are checked at the door: a 422 names the field.
Writes with the session cookie are safe from other sites: the API reads only
``application/json`` (which no form of another site can send without CORS, which we do not
allow) and the cookie is ``SameSite=Lax``; besides, a cookie-carried write sent from another
origin is refused (:func:`samverkan.web.deps.actor`). A body's unknown field is a 422 naming it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field, field_validator

from samverkan.accounts import rules
from samverkan.bounds import INT32_MAX
from samverkan.web.api.dataspace import NewToken, TokenOut
from samverkan.web.api.schemas import Problem
from samverkan.web.deps import Acting, Core

router = APIRouter(tags=["accounts"])

Slug = Annotated[str, Path(max_length=40, description="The organisation's short name (its tenant slug).")]
UserId = Annotated[int, Path(ge=1, le=INT32_MAX, description="The member's person id.")]
Role = Literal["member", "editor", "admin"]
FORBID = ConfigDict(extra="forbid")  # a field we do not know is a 422 naming it, never silently ignored
LAST_ADMIN: dict[int | str, dict[str, Any]] = {
    409: {"model": Problem, "description": "The organisation's last administrator (code `last_admin`)."}
}


class PersonOut(BaseModel):
    id: int = Field(description="Person id.", examples=[12])
    email: str = Field(description="E-mail address.", examples=["anna@vgregion.se"])
    name: str = Field(description="Name.", examples=["Anna Svensson"])
    language: str = Field(description="Language of pages and e-mails: sv or en.", examples=["sv"])


class MyOrganisation(BaseModel):
    slug: str = Field(description="Short name (the data-space tenant).", examples=["vastra-gotaland"])
    name: str = Field(description="Name.", examples=["Västra Götalandsregionen"])
    organisation: str | None = Field(description="Its CORDIS organisation id, if linked.", examples=["999874649"])
    role: Role = Field(description="Your role in it.", examples=["admin"])


class Me(BaseModel):
    via: Literal["session", "token", "public"] = Field(description="How you are known.", examples=["session"])
    person: PersonOut | None = Field(description="The signed-in person (none for a token or the public).")
    organisations: list[MyOrganisation] = Field(description="Your organisations with your role in each.")


class MemberOut(BaseModel):
    user: int = Field(description="Person id.", examples=[12])
    name: str = Field(description="Name.", examples=["Anna Svensson"])
    email: str = Field(description="E-mail address.", examples=["anna@vgregion.se"])
    role: Role = Field(description="Role in the organisation.", examples=["editor"])
    since: str = Field(description="Member since, UTC.", examples=["2026-11-23T09:00:00+00:00"])


class InvitationOut(BaseModel):
    id: str = Field(description="Invitation id (to cancel it).", examples=["3fa85f6457174562"])
    email: str = Field(description="The invited address.", examples=["bo@boras.se"])
    role: Role = Field(description="The role it gives.", examples=["member"])
    created_at: str = Field(description="When it was sent, UTC.", examples=["2026-11-23T09:00:00+00:00"])
    expires_at: str = Field(description="When the link stops working, UTC.", examples=["2026-11-30T09:00:00+00:00"])


class InviteRequest(BaseModel):
    model_config = FORBID
    email: str = Field(max_length=254, description="Whom to invite.", examples=["bo@boras.se"])
    role: Role = Field(default="member", description="The role the invitation gives.", examples=["editor"])
    language: Literal["sv", "en"] | None = Field(
        default=None,
        description="Language of the e-mail (default: the person's own if they have an account, else yours).",
        examples=["sv"],
    )

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        try:
            return rules.email(value)
        except rules.FieldError as error:
            raise ValueError(error.message) from None


class RoleRequest(BaseModel):
    model_config = FORBID
    role: Role = Field(description="The member's new role.", examples=["admin"])


class TokenRequest(BaseModel):
    model_config = FORBID
    scope: Literal["read", "write", "admin"] = Field(description="What the token may do.", examples=["write"])
    label: str | None = Field(
        default=None, max_length=200, description="A note to recognise it by.", examples=["publishing script"]
    )
    days: float | None = Field(
        default=None,
        gt=0,
        le=36_500,
        allow_inf_nan=False,
        description="Lifetime in days (at most 100 years); none: until revoked.",
        examples=[365],
    )

    @field_validator("label")
    @classmethod
    def _label(cls, value: str | None) -> str | None:
        """Checked here, so a bad label is the 422 this API documents (naming ``label``)."""
        if value is None:
            return None
        try:
            return rules.label(value)
        except rules.FieldError as error:
            raise ValueError(error.message) from None


@router.get("/me", response_model=Me, summary="Who you are, with your organisations and roles")
async def me(app: Core, actor: Acting) -> dict[str, Any]:
    return await run_in_threadpool(app.accounts.me, actor)


@router.get(
    "/organisations/{slug}/members", response_model=list[MemberOut], summary="An organisation's members (admin)"
)
async def members(app: Core, actor: Acting, slug: Slug) -> list[dict[str, Any]]:
    return await run_in_threadpool(app.accounts.members, actor, slug)


@router.post(
    "/organisations/{slug}/members",
    response_model=InvitationOut,
    status_code=202,
    summary="Invite a person to the organisation by e-mail (admin)",
)
async def invite(app: Core, actor: Acting, slug: Slug, request: InviteRequest) -> dict[str, Any]:
    """A link goes to the address; the person joins when they accept it (with an account they
    have, or a new one). Nothing changes in the members until then."""
    return await run_in_threadpool(app.accounts.invite, actor, slug, request.email, request.role, request.language)


@router.patch(
    "/organisations/{slug}/members/{user_id}",
    response_model=MemberOut,
    responses=LAST_ADMIN,
    summary="Change a member's role (admin)",
)
async def set_role(app: Core, actor: Acting, slug: Slug, user_id: UserId, request: RoleRequest) -> dict[str, Any]:
    """An organisation keeps at least one administrator: demoting the last one is 409."""
    return await run_in_threadpool(app.accounts.set_role, actor, slug, user_id, request.role)


@router.delete("/organisations/{slug}/members/{user_id}", response_model=MemberOut, summary="Remove a member (admin)")
async def remove_member(app: Core, actor: Acting, slug: Slug, user_id: UserId) -> dict[str, Any]:
    """The answer is the membership as it was. Removing the last administrator is 409."""
    return await run_in_threadpool(app.accounts.remove_member, actor, slug, user_id)


@router.get(
    "/organisations/{slug}/invitations",
    response_model=list[InvitationOut],
    summary="An organisation's open invitations (admin)",
)
async def invitations(app: Core, actor: Acting, slug: Slug) -> list[dict[str, Any]]:
    return await run_in_threadpool(app.accounts.invitations, actor, slug)


@router.delete(
    "/organisations/{slug}/invitations/{invitation}",
    response_model=InvitationOut,
    summary="Cancel an invitation: its link stops working (admin)",
)
async def cancel_invitation(
    app: Core, actor: Acting, slug: Slug, invitation: Annotated[str, Path(max_length=16, description="Its id.")]
) -> dict[str, Any]:
    return await run_in_threadpool(app.accounts.cancel_invitation, actor, slug, invitation)


@router.get(
    "/organisations/{slug}/tokens",
    response_model=list[TokenOut],
    summary="An organisation's API tokens, without their secrets (admin)",
)
async def tokens(app: Core, actor: Acting, slug: Slug) -> list[dict[str, Any]]:
    return await run_in_threadpool(app.accounts.tokens, actor, slug)


@router.post(
    "/organisations/{slug}/tokens", response_model=NewToken, status_code=201, summary="Make an API token (admin)"
)
async def create_token(app: Core, actor: Acting, slug: Slug, request: TokenRequest) -> dict[str, Any]:
    """The token is in the answer, once; only its digest is kept."""
    return await run_in_threadpool(app.accounts.issue_token, actor, slug, request.scope, request.label, request.days)


@router.delete(
    "/organisations/{slug}/tokens/{token_id}", response_model=TokenOut, summary="Revoke an API token (admin)"
)
async def revoke_token(
    app: Core, actor: Acting, slug: Slug, token_id: Annotated[int, Path(ge=1, le=INT32_MAX, description="Token id.")]
) -> dict[str, Any]:
    return await run_in_threadpool(app.accounts.revoke_token, actor, slug, token_id)

"""Needs and solutions as stored: create, read, update, withdraw, list, and their history.

Invariants:
- Only editors and admins of the owning organisation write (a token's ``write`` or ``admin``
  scope); a draft or a withdrawn posting is *not found* (404) for everyone but the members of
  its organisation, on every read and write, so its existence is never revealed.
- Every save that changes something writes the posting's new state to ``posting_versions``
  (version 1 is the creation), renews the postings' state for search (:func:`bump`) and moves
  ``updated_at``, all in one transaction. A PATCH that changes nothing writes nothing.
- Status moves ``draft`` → ``published`` → ``withdrawn`` (a draft may be withdrawn too);
  withdrawn is final and a published posting never returns to draft (409).
- A published posting has a text; its region and municipality exist in the catalogue (a
  municipality alone gives its NUTS 3 region; both must agree).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from samverkan.accounts.actor import Actor
from samverkan.dataspace.times import now
from samverkan.db.community import Posting, PostingVersion
from samverkan.db.dataspace import Tenant
from samverkan.db.engine import aware
from samverkan.db.models import Municipality, Region
from samverkan.errors import Conflict, Forbidden, NotFound, Unauthorized
from samverkan.postings.fields import (
    EDITABLE,
    KINDS,
    LANGUAGES,
    NUTS_CODE,
    STATUSES,
    FieldError,
    check_kind,
    clean,
    posting_number,
)
from samverkan.search.documents import posting_key
from samverkan.search.postings import bump

MAX_LIMIT = 100
MAX_OFFSET = 10_000
LIST_STATUSES = ("published", "draft", "withdrawn", "all")


def visible(actor: Actor, posting: Posting) -> bool:
    """Whether the actor may see the posting: published, or one of its organisation's."""
    return posting.status == "published" or actor.can(posting.tenant_id, "member")


def state(posting: Posting) -> dict[str, Any]:
    """A posting's editable fields as they are (what a version records)."""
    return {name: _copy(getattr(posting, name)) for name in EDITABLE}


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


class Store:
    """Needs and solutions in the database, as an actor may see and change them."""

    def __init__(self, engine: Engine, detect: Callable[[str], str], clock: Callable[[], dt.datetime] = now) -> None:
        self.engine = engine
        self.detect = detect  # language of a text: sv, en or another ISO 639-1 code
        self.clock = clock

    # --- writes -------------------------------------------------------------------------------

    def create(self, actor: Actor, kind: str, fields: Any) -> dict[str, Any]:
        """A new need or solution of the actor's organisation (``fields["organisation"]``, its
        slug, when the actor edits several)."""
        check_kind(kind)
        if not actor.signed_in:
            raise Unauthorized("sign in, or send 'Authorization: Bearer TOKEN'")
        given = clean(kind, fields, creating=True)
        with Session(self.engine) as session, session.begin():
            tenant = self._organisation(session, actor, given.pop("organisation", None))
            posting = self.add(session, tenant.id, kind, given, actor.user_id)
            return self._public(session, posting, actor, tenant)

    def add(self, session: Session, tenant_id: int, kind: str, fields: dict[str, Any], user_id: int | None) -> Posting:
        """Write a new posting of organisation ``tenant_id`` in the caller's transaction (its
        version 1, the postings' state renewed). ``fields`` as :func:`~samverkan.postings.fields.clean`
        returns them (or raw: they are cleaned here if they were not). For loaders such as a demo."""
        check_kind(kind)
        given = clean(kind, fields, creating=True)
        given.pop("organisation", None)
        moment = self.clock()
        posting = Posting(
            kind=kind,
            tenant_id=tenant_id,
            status="draft",
            language="en",
            title="",
            text="",
            focus_areas=[],
            technologies=[],
            links=[],
            version=1,
            created_at=moment,
            updated_at=moment,
            created_by=user_id,
        )
        self._apply(session, posting, given, moment)
        session.add(posting)
        session.flush()
        session.add(PostingVersion(posting_id=posting.id, version=1, at=moment, by_user=user_id, fields=state(posting)))
        bump(session)
        return posting

    def update(self, actor: Actor, kind: str, key: int | str, fields: Any) -> dict[str, Any]:
        """Change the given fields (PATCH); a new version when something changed."""
        check_kind(kind)
        with Session(self.engine) as session, session.begin():
            posting = self.load(session, actor, kind, key, write=True)
            given = clean(kind, fields, creating=False)
            moment = self.clock()
            before = state(posting), posting.status
            self._apply(session, posting, given, moment)
            if (state(posting), posting.status) != before:
                self._saved(session, posting, actor, moment)
            return self._public(session, posting, actor)

    def withdraw(self, actor: Actor, kind: str, key: int | str) -> dict[str, Any]:
        """Withdraw a posting (final). Withdrawing a withdrawn posting changes nothing."""
        check_kind(kind)
        with Session(self.engine) as session, session.begin():
            posting = self.load(session, actor, kind, key, write=True)
            if posting.status != "withdrawn":
                moment = self.clock()
                self._apply(session, posting, {"status": "withdrawn"}, moment)
                self._saved(session, posting, actor, moment)
            return self._public(session, posting, actor)

    def _saved(self, session: Session, posting: Posting, actor: Actor, moment: dt.datetime) -> None:
        posting.version += 1
        posting.updated_at = moment
        session.add(
            PostingVersion(
                posting_id=posting.id, version=posting.version, at=moment, by_user=actor.user_id, fields=state(posting)
            )
        )
        bump(session)

    def _apply(self, session: Session, posting: Posting, given: dict[str, Any], moment: dt.datetime) -> None:
        """Put checked fields on a posting: status moves, places and language checked."""
        status = given.pop("status", None)
        for name, value in given.items():
            setattr(posting, name, value)
        if "municipality" in given or "region" in given:
            self._place(session, posting, "municipality" in given, "region" in given)
        if "language" not in given and ("title" in given or "text" in given) and posting.id is None:
            language = self.detect(f"{posting.title}\n{posting.text}")
            if language not in LANGUAGES:
                raise FieldError(
                    "language",
                    f"the text looks like {language!r}; write in Swedish or English (or give language: sv or en)",
                )
            posting.language = language
        if status is not None and status != posting.status:
            self._move(posting, status, moment)
        if posting.status == "published" and not posting.text.strip():
            raise FieldError("text", f"a published {posting.kind} needs a text")

    def _move(self, posting: Posting, status: str, moment: dt.datetime) -> None:
        current = posting.status
        if posting.id is not None and current == "withdrawn":
            raise Conflict(
                f"status: {posting_key(posting.id)} is withdrawn, which is final; publish a new {posting.kind}"
            )
        if posting.id is not None and current == "published" and status == "draft":
            raise Conflict("status: a published posting does not return to draft; edit it, or withdraw it")
        assert status in STATUSES
        posting.status = status
        if status == "published" and posting.published_at is None:
            posting.published_at = moment
        if status == "withdrawn":
            posting.withdrawn_at = moment

    def _place(self, session: Session, posting: Posting, municipality_given: bool, region_given: bool) -> None:
        """The region exists; a municipality exists and lies in the region (or gives it)."""
        if posting.municipality is not None:
            nuts3 = session.scalar(select(Municipality.nuts3).where(Municipality.code == posting.municipality))
            if nuts3 is None and session.get(Municipality, posting.municipality) is None:
                raise FieldError("municipality", f"{posting.municipality!r} is not a Swedish municipality code")
            if posting.region is None or (municipality_given and not region_given and nuts3):
                posting.region = nuts3
            elif nuts3 and not nuts3.startswith(posting.region):
                raise FieldError("municipality", f"{posting.municipality} lies in {nuts3}, not in {posting.region}")
        if posting.region is not None and session.get(Region, posting.region) is None:
            raise FieldError("region", f"{posting.region!r} is not a NUTS 2021 region in the catalogue")

    def _organisation(self, session: Session, actor: Actor, slug: str | None) -> Tenant:
        """The organisation a new posting belongs to: named, or the only one the actor edits."""
        if slug is not None:
            tenant = session.scalar(select(Tenant).where(Tenant.slug == slug))
            if tenant is None or not actor.can(tenant.id, "member"):
                raise FieldError("organisation", f"you are not a member of an organisation {slug[:40]!r}")
            actor.require(tenant.id, "editor")
            return tenant
        editable = actor.organisations("editor")
        if not editable:
            raise Forbidden("publishing needs the role 'editor' in an organisation (a token with scope write or admin)")
        if len(editable) > 1:
            raise FieldError("organisation", "you edit several organisations: name one by its slug")
        return session.get_one(Tenant, editable[0])

    # --- reads --------------------------------------------------------------------------------

    def load(self, session: Session, actor: Actor, kind: str, key: int | str, write: bool = False) -> Posting:
        """The posting, if the actor may see it (else NotFound); for a write, locked and only
        for the organisation's editors (401/403 after the visibility check)."""
        number = posting_number(kind, key)
        query = select(Posting).where(Posting.id == number, Posting.kind == kind)
        posting = session.scalar(query.with_for_update() if write else query)
        if posting is None or not visible(actor, posting):
            raise NotFound(f"no {kind} {posting_key(number)}")
        if write:
            actor.require(posting.tenant_id, "editor")
        return posting

    def get(self, actor: Actor, kind: str, key: int | str) -> dict[str, Any]:
        check_kind(kind)
        with Session(self.engine) as session:
            return self._public(session, self.load(session, actor, kind, key), actor)

    def posting(self, actor: Actor, kind: str, key: int | str) -> Posting:
        """The stored row, as the actor may see it (detached)."""
        check_kind(kind)
        with Session(self.engine) as session:
            posting = self.load(session, actor, kind, key)
            session.expunge(posting)
            return posting

    def history(self, actor: Actor, kind: str, key: int | str) -> dict[str, Any]:
        """Every saved version, newest first: for the posting's own organisation only (others
        see the public posting, not what it said before)."""
        check_kind(kind)
        with Session(self.engine) as session:
            posting = self.load(session, actor, kind, key)
            if not actor.can(posting.tenant_id, "member"):
                if not actor.signed_in:
                    raise Unauthorized("the history of a posting is for its organisation: sign in")
                raise Forbidden("the history of a posting is for its organisation")
            versions = session.scalars(
                select(PostingVersion)
                .where(PostingVersion.posting_id == posting.id)
                .order_by(PostingVersion.version.desc())
            ).all()
            out = []
            for i, v in enumerate(versions):
                older = versions[i + 1].fields if i + 1 < len(versions) else {}
                changed = sorted(k for k in v.fields if v.fields.get(k) != older.get(k)) if older else []
                out.append(
                    {
                        "version": v.version,
                        "at": aware(v.at).isoformat(),
                        "by_user": v.by_user,
                        "changed": changed,
                        "fields": v.fields,
                    }
                )
            return {"id": posting_key(posting.id), "kind": kind, "title": posting.title, "versions": out}

    def organisations(self, actor: Actor, role: str = "editor") -> list[dict[str, str]]:
        """The organisations in which the actor holds at least ``role`` (slug and name), by name."""
        ids = actor.organisations(role)
        if not ids:
            return []
        with Session(self.engine) as session:
            rows = session.execute(select(Tenant.slug, Tenant.name).where(Tenant.id.in_(ids))).all()
        return sorted(({"slug": slug, "name": name} for slug, name in rows), key=lambda o: (o["name"], o["slug"]))

    def municipalities(self) -> list[tuple[str, str]]:
        """Swedish municipalities (code, name), by name: the choices of a form."""
        with Session(self.engine) as session:
            rows = [(code, name) for code, name in session.execute(select(Municipality.code, Municipality.name))]
        return sorted(rows, key=lambda row: (row[1], row[0]))

    def _public(self, session: Session, posting: Posting, actor: Actor, tenant: Tenant | None = None) -> dict[str, Any]:
        tenant = tenant or session.get_one(Tenant, posting.tenant_id)
        names = _names(session, [posting])
        record = _summary(posting, tenant, names, actor)
        record.update(
            text=posting.text,
            municipality=posting.municipality,
            municipality_name=names.get(("m", posting.municipality)) if posting.municipality else None,
            links=list(posting.links or []),
            contact=posting.contact,
            created_at=aware(posting.created_at).isoformat(),
            withdrawn_at=aware(posting.withdrawn_at).isoformat() if posting.withdrawn_at else None,
        )
        if posting.kind == "solution":
            record["licence"] = posting.licence
        return record

    def list(
        self,
        actor: Actor,
        kind: str,
        status: str | None = None,
        tenant: str | None = None,
        region: str | None = None,
        focus_area: str | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> dict[str, Any]:
        """Postings of ``kind``, last changed first. ``status=None``: the published ones and the
        actor's organisations' drafts; ``published``; ``draft`` or ``withdrawn`` (the actor's
        organisations' only); ``all`` (published, and all of the actor's organisations')."""
        check_kind(kind)
        if status is not None and status not in LIST_STATUSES:
            raise FieldError("status", f"use one of {', '.join(LIST_STATUSES)}")
        if not 1 <= limit <= MAX_LIMIT:
            raise FieldError("limit", f"between 1 and {MAX_LIMIT}")
        if not 0 <= offset <= MAX_OFFSET:
            raise FieldError("offset", f"between 0 and {MAX_OFFSET}")
        if region is not None and not NUTS_CODE.fullmatch(region := region.strip().upper()):
            raise FieldError("region", "expected a NUTS 2021 code (e.g. SE, SE2, SE23, SE232)")
        query = select(Posting, Tenant).join(Tenant, Tenant.id == Posting.tenant_id).where(Posting.kind == kind)
        if tenant is not None:
            query = query.where(Tenant.slug == tenant)
        if region is not None:
            query = query.where(Posting.region.like(region + "%"))
        with Session(self.engine) as session:
            rows = session.execute(query).all()

            def wanted(p: Posting) -> bool:
                mine = actor.can(p.tenant_id, "member")
                if status is None:
                    return p.status == "published" or (mine and p.status == "draft")
                if status == "published":
                    return p.status == "published"
                if status == "all":
                    return p.status == "published" or mine
                return mine and p.status == status

            folded = focus_area.strip().casefold() if focus_area else None
            chosen = [
                (p, t)
                for p, t in rows
                if wanted(p) and (folded is None or folded in {f.casefold() for f in p.focus_areas or []})
            ]
            chosen.sort(key=lambda pair: (aware(pair[0].updated_at), pair[0].id), reverse=True)
            page = chosen[offset : offset + limit]
            names = _names(session, [p for p, _ in page])
            results = [_summary(p, t, names, actor) for p, t in page]
        return {"kind": kind, "total": len(chosen), "limit": limit, "offset": offset, "results": results}


def _names(session: Session, postings: list[Posting]) -> dict[tuple[str, str], str]:
    """Names of the regions and municipalities the postings name."""
    regions = {p.region for p in postings if p.region}
    municipalities = {p.municipality for p in postings if p.municipality}
    out: dict[tuple[str, str], str] = {}
    if regions:
        out |= {("r", c): n for c, n in session.execute(select(Region.id, Region.name).where(Region.id.in_(regions)))}
    if municipalities:
        rows = session.execute(
            select(Municipality.code, Municipality.name).where(Municipality.code.in_(municipalities))
        )
        out |= {("m", c): n for c, n in rows}
    return out


def _summary(posting: Posting, tenant: Tenant, names: dict[tuple[str, str], str], actor: Actor) -> dict[str, Any]:
    """What a list shows of a posting (and the start of its page's record)."""
    return {
        "id": posting_key(posting.id),
        "kind": posting.kind,
        "status": posting.status,
        "title": posting.title,
        "language": posting.language,
        "organisation": {"slug": tenant.slug, "name": tenant.name},
        "region": posting.region,
        "region_name": names.get(("r", posting.region)) if posting.region else None,
        "focus_areas": list(posting.focus_areas or []),
        "technologies": list(posting.technologies or []),
        "maturity": posting.maturity,
        "version": posting.version,
        "updated_at": aware(posting.updated_at).isoformat(),
        "published_at": aware(posting.published_at).isoformat() if posting.published_at else None,
        "url": ("/needs/" if posting.kind == "need" else "/solutions/") + posting_key(posting.id),
        "editable": actor.can(posting.tenant_id, "editor"),
        "yours": actor.can(posting.tenant_id, "member"),
    }


__all__ = ["KINDS", "Store", "state", "visible"]

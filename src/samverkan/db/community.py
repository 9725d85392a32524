"""The community schema: people and their organisations, what organisations publish (needs and
solutions), who follows what, the mail outbox, and regional strategies with their newsletters.

An organisation *is* a data-space tenant (``ds_tenants``): one slug, one set of members and
tokens. A person (``users``) belongs to organisations with a role (``memberships``). Secrets are
never stored, only their digests: session ids, e-mail link tokens, feed keys (SHA-256, as
bearer tokens; each carries 256 random bits) and passwords (argon2id).

Every outgoing e-mail is a row of ``outbox`` first, written in the same transaction as what
caused it, under a unique ``key`` that says what it is (e.g. ``digest:17:2026-12-04``): a second
run that would write the same mail finds the key taken, and delivery marks each row sent.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from samverkan.db.dataspace import NEVER_REUSED
from samverkan.db.models import Base

BigId = BigInteger().with_variant(Integer(), "sqlite")


def _tenant(nullable: bool = False) -> Any:
    return mapped_column(ForeignKey("ds_tenants.id", ondelete="CASCADE"), index=True, nullable=nullable)


def _user(nullable: bool = False, ondelete: str = "CASCADE") -> Any:
    return mapped_column(ForeignKey("users.id", ondelete=ondelete), index=True, nullable=nullable)


# --- people -----------------------------------------------------------------------------------


class User(Base):
    """A person who signs in. The e-mail address is stored lower-cased and is unique."""

    __tablename__ = "users"
    __table_args__ = NEVER_REUSED
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(Text)
    password_hash: Mapped[str] = mapped_column(String(200), comment="argon2id, PHC string format")
    language: Mapped[str] = mapped_column(String(2), comment="sv or en: pages and e-mails")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    disabled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    site_admin: Mapped[bool] = mapped_column(Boolean, default=False)


class Membership(Base):
    """A person's role in an organisation: member < editor < admin."""

    __tablename__ = "memberships"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("ds_tenants.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (Index("ix_memberships_tenant", "tenant_id"),)


class UserSession(Base):
    """A signed-in browser. The cookie holds the session's secret; only its digest is here."""

    __tablename__ = "user_sessions"
    digest: Mapped[str] = mapped_column(String(64), primary_key=True, comment="sha256 hex of the cookie value")
    user_id: Mapped[int] = _user()
    csrf: Mapped[str] = mapped_column(String(64), comment="the session's CSRF secret")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    user_agent: Mapped[str | None] = mapped_column(String(200))


class EmailToken(Base):
    """A link sent by e-mail: confirm an address, reset a password or join an organisation."""

    __tablename__ = "email_tokens"
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = _user(nullable=True)
    purpose: Mapped[str] = mapped_column(String(16), comment="confirm, reset or invite")
    email: Mapped[str] = mapped_column(String(254))
    tenant_id: Mapped[int | None] = _tenant(nullable=True)
    role: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class SignInFailure(Base):
    """A failed sign-in, counted per e-mail address and per client address to throttle guessing
    (shared by every web process, unlike in-memory counters)."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (Index("ix_sign_in_failures_key_at", "key", "at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), comment="sha256 of 'email:…' or 'address:…'")
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


# --- needs and solutions ------------------------------------------------------------------------


class Posting(Base):
    """A need (a digital-transformation story: problems or goals) or a solution (reusable digital
    resources shown to solve such a challenge) that an organisation publishes."""

    __tablename__ = "postings"
    __table_args__ = (Index("ix_postings_kind_status", "kind", "status"), NEVER_REUSED)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), comment="need or solution")
    tenant_id: Mapped[int] = _tenant()
    status: Mapped[str] = mapped_column(String(10), comment="draft, published or withdrawn")
    language: Mapped[str] = mapped_column(String(2), comment="sv or en, of title and text")
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(String(10), comment="NUTS 2021 code")
    municipality: Mapped[str | None] = mapped_column(String(8), comment="Swedish municipality code")
    focus_areas: Mapped[list[str]] = mapped_column(JSON, default=list)
    technologies: Mapped[list[str]] = mapped_column(JSON, default=list)
    maturity: Mapped[str | None] = mapped_column(String(20))
    licence: Mapped[str | None] = mapped_column(String(80), comment="solutions: SPDX id or name")
    links: Mapped[list[str]] = mapped_column(JSON, default=list)
    contact: Mapped[str | None] = mapped_column(Text, comment="shown publicly only when the owner gave it")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[int | None] = _user(nullable=True, ondelete="SET NULL")


class PostingVersion(Base):
    """Each saved state of a posting (its history): the fields as they were, who, when."""

    __tablename__ = "posting_versions"
    posting_id: Mapped[int] = mapped_column(ForeignKey("postings.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    by_user: Mapped[int | None] = _user(nullable=True, ondelete="SET NULL")
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)


class Interest(Base):
    """ "We are interested": one organisation's interest in another's posting."""

    __tablename__ = "interests"
    __table_args__ = (UniqueConstraint("posting_id", "tenant_id"), NEVER_REUSED)
    id: Mapped[int] = mapped_column(primary_key=True)
    posting_id: Mapped[int] = mapped_column(ForeignKey("postings.id", ondelete="CASCADE"), index=True)
    tenant_id: Mapped[int] = _tenant()
    user_id: Mapped[int | None] = _user(nullable=True, ondelete="SET NULL")
    message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


# --- following: saved searches, digests, feeds -------------------------------------------------


class Follow(Base):
    """Something a person follows: a search (``query``), a posting, or a strategy's newsletter."""

    __tablename__ = "follows"
    __table_args__ = NEVER_REUSED
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = _user()
    target: Mapped[str] = mapped_column(String(10), comment="search, need, solution or strategy")
    query: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, comment="search: text, kind, filters")
    target_id: Mapped[int | None] = mapped_column(Integer, comment="the posting or strategy followed")
    label: Mapped[str] = mapped_column(Text)
    frequency: Mapped[str] = mapped_column(String(8), comment="daily or weekly")
    language: Mapped[str] = mapped_column(String(2))
    feed_digest: Mapped[str | None] = mapped_column(String(64), unique=True, comment="sha256 of the feed key")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    since: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), comment="what is new is newer than this")
    stopped_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class DigestItem(Base):
    """An item a follow has reported (once, ever): the ledger that keeps digests idempotent."""

    __tablename__ = "digest_items"
    follow_id: Mapped[int] = mapped_column(ForeignKey("follows.id", ondelete="CASCADE"), primary_key=True)
    item: Mapped[str] = mapped_column(String(200), primary_key=True, comment="kind:id:event, e.g. call:X:opened")
    digest: Mapped[str] = mapped_column(String(120), comment="the outbox key of the digest that carried it")
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    entry: Mapped[dict[str, Any]] = mapped_column(JSON, comment="what was shown: title, reason, link (feeds)")


class Outbox(Base):
    """An e-mail to send. Written with what caused it; ``key`` makes writing it twice impossible."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_unsent", "sent_at", "id"), NEVER_REUSED)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


# --- regional strategies ------------------------------------------------------------------------


class Strategy(Base):
    """A region's strategy (e.g. Västsvensk kraftsamling digitalisering), owned by an organisation."""

    __tablename__ = "strategies"
    __table_args__ = NEVER_REUSED
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    tenant_id: Mapped[int] = _tenant()
    name: Mapped[str] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(String(10), comment="NUTS 2021 code")
    language: Mapped[str] = mapped_column(String(2))
    description: Mapped[str] = mapped_column(Text, default="")
    newsletter_title: Mapped[str] = mapped_column(Text, comment='e.g. "Uppdatering från … nr {number}"')
    source: Mapped[str | None] = mapped_column(Text, comment="where the facts come from")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class FocusArea(Base):
    """A focus area of a strategy, or a sub-area (``parent_id``)."""

    __tablename__ = "focus_areas"
    __table_args__ = NEVER_REUSED
    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int] = mapped_column(ForeignKey("strategies.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("focus_areas.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str | None] = mapped_column(Text, comment="where its name and focus text come from")


class Initiative(Base):
    """A project or effort under a focus area: owner, status, period, budget."""

    __tablename__ = "initiatives"
    __table_args__ = NEVER_REUSED
    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int] = mapped_column(ForeignKey("strategies.id", ondelete="CASCADE"), index=True)
    focus_area_id: Mapped[int | None] = mapped_column(ForeignKey("focus_areas.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    owner_tenant_id: Mapped[int | None] = _tenant(nullable=True)
    owner_name: Mapped[str | None] = mapped_column(Text, comment="the owner as stated, when not an organisation here")
    status: Mapped[str] = mapped_column(String(12), comment="planned, ongoing, completed or paused")
    starts: Mapped[dt.date | None] = mapped_column(Date)
    ends: Mapped[dt.date | None] = mapped_column(Date)
    budget: Mapped[Any | None] = mapped_column(Numeric(16, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    need_id: Mapped[int | None] = mapped_column(
        ForeignKey("postings.id", ondelete="SET NULL"), comment="the need that describes it, for matching"
    )
    source: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class InitiativeUpdate(Base):
    """A dated status update of an initiative."""

    __tablename__ = "initiative_updates"
    __table_args__ = NEVER_REUSED
    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id", ondelete="CASCADE"), index=True)
    on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12))
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Decision(Base):
    """A decision taken for the strategy: body, date, amount, document."""

    __tablename__ = "decisions"
    __table_args__ = NEVER_REUSED
    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int] = mapped_column(ForeignKey("strategies.id", ondelete="CASCADE"), index=True)
    initiative_id: Mapped[int | None] = mapped_column(ForeignKey("initiatives.id", ondelete="SET NULL"))
    focus_area_id: Mapped[int | None] = mapped_column(ForeignKey("focus_areas.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text, comment="who decided, e.g. Miljö- och regionutvecklingsnämnden")
    on: Mapped[dt.date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text, default="")
    amount: Mapped[Any | None] = mapped_column(Numeric(16, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    document: Mapped[str | None] = mapped_column(Text, comment="the document's reference as given, e.g. 3369318.PDF")
    document_url: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Newsletter(Base):
    """A number of a strategy's newsletter: a draft the editor may change, then sent and archived."""

    __tablename__ = "newsletters"
    __table_args__ = (UniqueConstraint("strategy_id", "number"), NEVER_REUSED)
    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int] = mapped_column(ForeignKey("strategies.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8), comment="draft or sent")
    period_from: Mapped[dt.date | None] = mapped_column(Date, comment="the previous number's date")
    period_to: Mapped[dt.date] = mapped_column(Date)
    content: Mapped[dict[str, Any]] = mapped_column(JSON, comment="the sections, as generated then edited")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

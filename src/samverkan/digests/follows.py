"""Follows: what a signed-in person follows (a search or a published posting), validated once
here, owned by that person alone.

Invariants:

* a follow belongs to one person (``user_id``); every read or change goes through
  :func:`owned`, which answers :class:`~samverkan.errors.NotFound` for someone else's follow
  exactly as for one that does not exist (no one learns that a follow id is taken);
* a followed search is stored as :class:`FollowedSearch` normalised by the search service's
  own validation (the same :class:`~samverkan.search.filters.Filters` and query checks as
  ``GET /api/v1/search``), so a stored follow can always be searched again;
* a person has at most :data:`MAX_FOLLOWS` follows (stopped ones included: they keep their
  feed and can be resumed);
* the private feed key is random (256 bits) and only its SHA-256 is stored
  (``follows.feed_digest``): the key is shown when it is made and never again; rotating it makes
  the old address 404;
* ``since`` is the moment after which something is new for the follow; it starts when the
  follow is made (or resumed) and moves to the end of each digest's period
  (:mod:`samverkan.digests.service`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from samverkan.db.community import DigestItem, Follow, Posting, User
from samverkan.errors import Conflict, NotFound, SamverkanError
from samverkan.search.filters import FilterError, Filters

MAX_FOLLOWS = 50  # per person
MAX_TEXT = 2000  # characters of a followed search's text (a need described in a few paragraphs)
MAX_LABEL = 200
TARGETS = ("search", "need", "solution")  # "strategy" follows are the strategy board's (its newsletter)
POSTING_KINDS = ("need", "solution")
FREQUENCIES = ("daily", "weekly")
LANGUAGES = ("sv", "en")
FILTER_NAMES = ("programme", "country", "region", "org_type", "sme", "hub_type", "deadline_from", "deadline_to")


class FollowError(SamverkanError):
    """A follow that cannot be made as asked (HTTP 400, the message starts with the field's
    name, e.g. ``filters.region: …``); ``field`` names the input."""

    status = 400
    code = "follow"

    def __init__(self, message: str, field: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class FollowedSearch:
    """A search as ``GET /api/v1/search`` takes it: text, kind (None: every kind) and filters."""

    text: str
    kind: str | None = None
    filters: Filters = field(default_factory=Filters)

    def as_json(self) -> dict[str, Any]:
        active = {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in self.filters.active().items()}
        return {"text": self.text, "kind": self.kind, "filters": active}

    @classmethod
    def from_json(cls, stored: dict[str, Any]) -> FollowedSearch:
        raw = dict(stored.get("filters") or {})
        for name in ("deadline_from", "deadline_to"):
            if raw.get(name):
                raw[name] = dt.date.fromisoformat(raw[name])
        return cls(stored.get("text") or "", stored.get("kind"), Filters(**raw))


def read_filters(given: dict[str, Any] | None) -> Filters:
    """Filters from outside (a JSON object or a page's parameters), validated by :class:`Filters`
    itself; an unknown name or a value of the wrong type is a :class:`FilterError` naming it."""
    values: dict[str, Any] = {}
    for name, value in (given or {}).items():
        if name not in FILTER_NAMES:
            raise FilterError(f"unknown filter {name!r}; use {', '.join(FILTER_NAMES)}", name)
        if value is None or value == "":
            continue
        if name == "sme":
            if isinstance(value, str) and value.lower() in ("true", "false"):
                value = value.lower() == "true"
            if not isinstance(value, bool):
                raise FilterError("sme must be true or false", name)
        elif name.startswith("deadline"):
            if not isinstance(value, dt.date):
                try:
                    value = dt.date.fromisoformat(str(value))
                except ValueError:
                    raise FilterError(f"{name} must be a date (YYYY-MM-DD)", name) from None
        elif not isinstance(value, str) or len(value) > 200:
            raise FilterError(f"{name} must be a text of at most 200 characters", name)
        values[name] = value
    return Filters(**values)


def feed_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


def new_feed_key() -> tuple[str, str]:
    """A fresh feed key and the digest stored for it."""
    key = secrets.token_urlsafe(32)
    return key, feed_digest(key)


def aware(moment: dt.datetime) -> dt.datetime:
    """A stored moment in UTC (SQLite hands back naive datetimes)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def check_label(label: str | None, fallback: str) -> str:
    text = " ".join((label if label is not None else fallback).split())
    if not text:
        raise FollowError("the label is empty", "label")
    if len(text) > MAX_LABEL:
        if label is None:
            return text[: MAX_LABEL - 1] + "…"
        raise FollowError(f"the label is {len(text)} characters long; at most {MAX_LABEL}", "label")
    return text


def check_choice(value: str, choices: tuple[str, ...], name: str) -> str:
    if value not in choices:
        raise FollowError(f"{name} {value!r}: use {' or '.join(choices)}", name)
    return value


def owned(session: Session, user_id: int, follow_id: int, lock: bool = False) -> Follow:
    """The person's follow ``follow_id``; NotFound when it is not theirs or does not exist."""
    query = select(Follow).where(Follow.id == follow_id, Follow.user_id == user_id, Follow.target.in_(TARGETS))
    if lock and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    follow = session.scalar(query)
    if follow is None:
        raise NotFound(f"no follow {follow_id}")
    return follow


def published_posting(session: Session, kind: str, posting_id: int) -> Posting:
    """A published need or solution (a draft or withdrawn one is 404 to a follower)."""
    posting = session.scalar(
        select(Posting).where(Posting.id == posting_id, Posting.kind == kind, Posting.status == "published")
    )
    if posting is None:
        raise NotFound(f"no published {kind} {posting_id}")
    return posting


def count(session: Session, user_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Follow).where(Follow.user_id == user_id)) or 0


def make(
    session: Session,
    user: User,
    target: str,
    query: FollowedSearch | None,
    target_id: int | None,
    label: str,
    frequency: str,
    language: str,
    now: dt.datetime,
) -> tuple[Follow, str]:
    """Add a follow for ``user`` (checked by the caller); returns it and its feed key (shown once)."""
    if count(session, user.id) >= MAX_FOLLOWS:
        raise Conflict(f"you follow {MAX_FOLLOWS} things already, the most one person may: stop one first")
    key, digest = new_feed_key()
    follow = Follow(
        user_id=user.id,
        target=target,
        query=query.as_json() if query is not None else {},
        target_id=target_id,
        label=label,
        frequency=frequency,
        language=language,
        feed_digest=digest,
        created_at=now,
        since=now,
    )
    session.add(follow)
    session.flush()
    return follow, key


def remember_known(session: Session, follow_id: int, keys: set[str], now: dt.datetime) -> None:
    """Record items that were already among the follow's results when it was made: never
    reported (``digest`` empty), so only what comes *newly* among them is."""
    for key in sorted(keys):
        session.add(DigestItem(follow_id=follow_id, item=key, digest="", at=now, entry={}))


def reported_keys(session: Session, follow_id: int) -> set[str]:
    return set(session.scalars(select(DigestItem.item).where(DigestItem.follow_id == follow_id)))


def by_feed_key(session: Session, key: str) -> Follow | None:
    if not key or len(key) > 100:
        return None
    return session.scalar(select(Follow).where(Follow.feed_digest == feed_digest(key), Follow.target.in_(TARGETS)))


def describe(follow: Follow) -> dict[str, Any]:
    """A follow as the API shows it to its owner (never the feed key: it is not stored)."""
    return {
        "id": follow.id,
        "target": follow.target,
        "query": follow.query if follow.target == "search" else None,
        "target_id": follow.target_id,
        "label": follow.label,
        "frequency": follow.frequency,
        "language": follow.language,
        "active": follow.stopped_at is None,
        "created_at": aware(follow.created_at).isoformat(),
        "since": aware(follow.since).isoformat(),
        "stopped_at": aware(follow.stopped_at).isoformat() if follow.stopped_at else None,
    }

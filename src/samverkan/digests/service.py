"""Follows, digests (e-mail) and private feeds: what the API, the pages and the CLI call.

**Who.** A follow belongs to a signed-in person (``actor.user_id``). An organisation's token
cannot follow: a digest goes to a person's confirmed address, in that person's language, and a
token has neither (``403``). Someone else's follow is ``404``, as if it did not exist.

**When.** ``now`` is the real time, moved to the ``today`` setting's day when that is set (so
tests and demos can move the calendar); each run may also be given its own ``now``. A follow is
due when its last digest (``since``) was on a day at least one day (daily) or seven days
(weekly) before today.

**Once.** For each due follow, what is new (:mod:`samverkan.digests.news`) is read first; then
one transaction writes the items to the ledger, enqueues the e-mail under the key
``digest:<follow>:<day>`` (:func:`samverkan.mail.enqueue`) and moves ``since`` to ``now`` —
all or nothing. A second run over the same period finds the follow not due (or, racing, the
key taken or ``since`` moved) and writes nothing; delivery (:func:`samverkan.mail.deliver`)
then sends each outbox row once. One e-mail per follow per run (not one per person): each
carries its own one-click unsubscribe, which stops exactly that follow.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from samverkan import mail
from samverkan.accounts.actor import Actor
from samverkan.db.community import DigestItem, Follow, Posting, User
from samverkan.digests import feed, follows, mailing
from samverkan.digests.follows import (
    FREQUENCIES,
    LANGUAGES,
    MAX_TEXT,
    POSTING_KINDS,
    TARGETS,
    FollowedSearch,
    FollowError,
    aware,
)
from samverkan.digests.news import Finder, Item
from samverkan.errors import Forbidden, NotFound, SamverkanError, Unauthorized
from samverkan.search import KINDS
from samverkan.search.documents import posting_key
from samverkan.search.filters import FilterError

if TYPE_CHECKING:
    from samverkan.core import Samverkan

log = logging.getLogger("samverkan.digests")

PERIOD_DAYS = {"daily": 1, "weekly": 7}
SETTLE = dt.timedelta(minutes=5)  # postings are read this far before ``since``: one whose
# transaction was still open when the last digest read them is not missed (the ledger keeps
# one reported already from coming twice)
FEED_ENTRIES = 100


@dataclass
class RunReport:
    """What one ``digest run`` did."""

    today: str
    due: int = 0
    composed: int = 0  # digests written (e-mails enqueued, or written to the ledger only)
    items: int = 0
    nothing_new: int = 0
    not_mailed: int = 0  # digests of people without a confirmed address: ledger and feed only
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    sent: int = 0
    send_failed: int = 0
    previews: list[dict[str, Any]] = field(default_factory=list)  # --dry-run

    def as_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        if not self.previews:
            out.pop("previews")
        return out


class Digests:
    """Follows, digests (e-mail) and private feeds."""

    def __init__(self, app: Samverkan) -> None:
        self.app = app
        self.engine = app.engine
        self.settings = app.settings

    # -- time and addresses ---------------------------------------------------------------------

    def now(self) -> dt.datetime:
        """The real time, on the ``today`` setting's day when it is set."""
        real = dt.datetime.now(dt.UTC)
        today = self.settings.today
        return real if today is None else dt.datetime.combine(today, real.timetz())

    def unsubscribe_url(self, follow_id: int) -> str:
        signature = self.app.signer("unsubscribe").sign(f"follow:{follow_id}")
        return f"{self.settings.base_url}/unsubscribe/{follow_id}/{signature}"

    def feed_url(self, key: str) -> str:
        return f"{self.settings.base_url}/feeds/{key}.atom"

    def target_url(self, follow: Follow) -> str:
        """The page of what is followed: the search's results, or the posting."""
        base = self.settings.base_url
        if follow.target in POSTING_KINDS:
            return f"{base}/{follow.target}s/{posting_key(follow.target_id or 0)}"
        query = follow.query or {}
        params = [("q", query.get("text", "")), ("kind", query.get("kind"))]
        params += [(k, v) for k, v in (query.get("filters") or {}).items() if not k.startswith("deadline")]
        return f"{base}/search?" + urlencode(
            [(k, str(v).lower() if isinstance(v, bool) else v) for k, v in params if v]
        )

    # -- follows ------------------------------------------------------------------------------

    @staticmethod
    def person(actor: Actor) -> int:
        """The signed-in person acting (follows are a person's, never a token's)."""
        if actor.user_id is not None:
            return actor.user_id
        if actor.via == "token":
            raise Forbidden("follows belong to a person: sign in (an organisation's token cannot follow)")
        raise Unauthorized("sign in to follow searches and postings")

    def mine(self, actor: Actor) -> list[dict[str, Any]]:
        user_id = self.person(actor)
        with Session(self.engine) as session:
            rows = session.scalars(
                select(Follow).where(Follow.user_id == user_id, Follow.target.in_(TARGETS)).order_by(Follow.id)
            )
            return [self._out(f) for f in rows]

    def get(self, actor: Actor, follow_id: int) -> dict[str, Any]:
        with Session(self.engine) as session:
            return self._out(follows.owned(session, self.person(actor), follow_id))

    def _out(self, follow: Follow) -> dict[str, Any]:
        return follows.describe(follow) | {"url": self.target_url(follow)}

    def create(
        self,
        actor: Actor,
        target: str = "search",
        text: str | None = None,
        kind: str | None = None,
        filters: dict[str, Any] | None = None,
        target_id: int | None = None,
        label: str | None = None,
        frequency: str = "weekly",
        language: str | None = None,
    ) -> dict[str, Any]:
        """Follow a search (``text``, ``kind``, ``filters`` as ``GET /api/v1/search``) or a
        published need or solution (``target_id``). Answers the follow with its private feed's
        key and address (shown this once)."""
        user_id = self.person(actor)
        follows.check_choice(target, TARGETS, "target")
        follows.check_choice(frequency, FREQUENCIES, "frequency")
        now = self.now()
        finder = Finder(self.app, now.date())
        with Session(self.engine) as session:
            user = session.get(User, user_id)
            if user is None or user.disabled_at is not None:
                raise Unauthorized("sign in to follow searches and postings")
            language = follows.check_choice(language or user.language or "en", LANGUAGES, "language")
            query: FollowedSearch | None = None
            if target == "search":
                try:
                    query = self._search_of(text, kind, filters)
                    finder.validate(query)
                except FilterError as exc:  # as the search service says it, named as the body has it
                    raise FollowError(str(exc), f"filters.{exc.field}") from exc
                fallback = query.text
            else:
                if target_id is None:
                    raise FollowError(f"give the id of the {target} to follow", "target_id")
                if text is not None or kind is not None or filters:
                    raise FollowError("a followed posting takes no text, kind or filters", "target")
                fallback = follows.published_posting(session, target, target_id).title
            name = follows.check_label(label, fallback)
            probe = Follow(target=target, query=query.as_json() if query else {}, target_id=target_id, since=now)
            known = finder.known_now(probe, session)
        with Session(self.engine) as session, session.begin():
            user = session.get_one(User, user_id)
            follow, key = follows.make(session, user, target, query, target_id, name, frequency, language, now)
            follows.remember_known(session, follow.id, known, now)
            out = self._out(follow)
        return out | {"feed_key": key, "feed_url": self.feed_url(key)}

    @staticmethod
    def _search_of(text: str | None, kind: str | None, filters: dict[str, Any] | None) -> FollowedSearch:
        words = " ".join((text or "").split())
        if not words:
            raise FollowError("describe what to follow: the text is empty", "text")
        if len(words) > MAX_TEXT:
            raise FollowError(f"the text is {len(words)} characters long; at most {MAX_TEXT}", "text")
        if kind is not None and kind not in KINDS and kind not in POSTING_KINDS:
            raise FollowError(f"unknown kind {kind!r}; use one of {', '.join(dict.fromkeys((*KINDS, 'need')))}", "kind")
        return FollowedSearch(words, kind, follows.read_filters(filters))

    def update(
        self,
        actor: Actor,
        follow_id: int,
        label: str | None = None,
        frequency: str | None = None,
        language: str | None = None,
        active: bool | None = None,
    ) -> dict[str, Any]:
        """Change a follow's label, frequency or language, or stop (``active=False``) or resume
        it; a resumed follow starts afresh from now (nothing of the pause is sent late)."""
        user_id = self.person(actor)
        with Session(self.engine) as session, session.begin():
            follow = follows.owned(session, user_id, follow_id, lock=True)
            if label is not None:
                follow.label = follows.check_label(label, follow.label)
            if frequency is not None:
                follow.frequency = follows.check_choice(frequency, FREQUENCIES, "frequency")
            if language is not None:
                follow.language = follows.check_choice(language, LANGUAGES, "language")
            if active is False and follow.stopped_at is None:
                follow.stopped_at = self.now()
            elif active is True and follow.stopped_at is not None:
                follow.stopped_at = None
                follow.since = self.now()
            return self._out(follow)

    def delete(self, actor: Actor, follow_id: int) -> None:
        """Remove a follow, its ledger and its feed."""
        user_id = self.person(actor)
        with Session(self.engine) as session, session.begin():
            session.delete(follows.owned(session, user_id, follow_id, lock=True))

    def rotate_feed_key(self, actor: Actor, follow_id: int) -> dict[str, Any]:
        """A new private feed address; the old one answers 404 from now on."""
        user_id = self.person(actor)
        with Session(self.engine) as session, session.begin():
            follow = follows.owned(session, user_id, follow_id, lock=True)
            key, follow.feed_digest = follows.new_feed_key()
        return {"id": follow_id, "feed_key": key, "feed_url": self.feed_url(key)}

    # -- unsubscribe --------------------------------------------------------------------------

    def unsubscribe_label(self, follow_id: int, signature: str) -> tuple[str, bool]:
        """The label of the follow a signed link stops, and whether it is still active;
        NotFound for a wrong signature or a follow that is gone."""
        if not self.app.signer("unsubscribe").valid(f"follow:{follow_id}", signature):
            raise NotFound("this unsubscribe link is not valid")
        with Session(self.engine) as session:
            follow = session.get(Follow, follow_id)
            if follow is None or follow.target not in TARGETS:
                raise NotFound("this follow no longer exists")
            return follow.label, follow.stopped_at is None

    def unsubscribe(self, follow_id: int, signature: str) -> str:
        """Stop the follow a signed link names (its owner's one click, no sign-in needed)."""
        label, active = self.unsubscribe_label(follow_id, signature)
        if active:
            with Session(self.engine) as session, session.begin():
                follow = session.get_one(Follow, follow_id)
                if follow.stopped_at is None:
                    follow.stopped_at = self.now()
        return label

    # -- digests ------------------------------------------------------------------------------

    def due(self, today: dt.date, frequency: str | None = None) -> list[int]:
        """Ids of the active follows whose digest is due on ``today``."""
        with Session(self.engine) as session:
            rows = session.execute(
                select(Follow.id, Follow.frequency, Follow.since)
                .where(Follow.stopped_at.is_(None), Follow.target.in_(TARGETS))
                .order_by(Follow.id)
            ).all()
        return [
            i
            for i, freq, since in rows
            if (frequency is None or freq == frequency) and _is_due(freq, aware(since), today)
        ]

    def run(
        self,
        frequency: str | None = None,
        dry_run: bool = False,
        now: dt.datetime | None = None,
        deliver: bool = True,
    ) -> RunReport:
        """Compose every due digest (each in its own transaction), then deliver the outbox
        (unless ``deliver`` is false: ``serve``'s postman does). ``dry_run``: say what would be
        sent, write and send nothing."""
        if frequency is not None:
            follows.check_choice(frequency, FREQUENCIES, "frequency")
        now = now or self.now()
        today = now.date()
        report = RunReport(today=today.isoformat())
        finder = Finder(self.app, today)
        for follow_id in self.due(today, frequency):
            report.due += 1
            try:
                self._compose(finder, follow_id, now, dry_run, report)
            except SamverkanError as exc:  # e.g. a stored search the catalogue no longer answers
                report.failed += 1
                report.errors.append(f"follow {follow_id}: {exc}")
                log.warning("digest of follow %s: %s", follow_id, exc)
        if deliver and not dry_run:
            delivery = self.app.deliver_mail()
            report.sent, report.send_failed = delivery.sent, delivery.failed
            report.errors += delivery.errors
        return report

    def _compose(self, finder: Finder, follow_id: int, now: dt.datetime, dry_run: bool, report: RunReport) -> None:
        today = now.date()
        with Session(self.engine) as session:  # read what is new (searches) outside the write
            follow = session.get(Follow, follow_id)
            if (
                follow is None
                or follow.stopped_at is not None
                or not _is_due(follow.frequency, aware(follow.since), today)
            ):
                return
            seen_since = aware(follow.since)
            user = session.get_one(User, follow.user_id)
            reading = Follow(
                target=follow.target, query=follow.query, target_id=follow.target_id, since=seen_since - SETTLE
            )
            items = finder.new_items(reading, session, follows.reported_keys(session, follow_id))
            mailable = user.confirmed_at is not None and user.disabled_at is None and mail.valid_address(user.email)
            letter = self._letter(follow, seen_since.date(), items) if items else None
            recipient = user.email
        if dry_run:
            report.previews.append(
                {"follow": follow_id, "to": recipient if mailable else None, "items": [i.key for i in items]}
                | ({"subject": letter.subject} if letter else {})
            )
            return
        key = f"digest:{follow_id}:{today.isoformat()}"
        try:
            with Session(self.engine) as session, session.begin():
                follow = follows.owned(session, user.id, follow_id, lock=True)
                if follow.stopped_at is not None or aware(follow.since) != seen_since:
                    raise _Raced  # another run composed it meanwhile (or it was stopped)
                if items:
                    if mailable and letter is not None:
                        written = mail.enqueue(
                            session, key, recipient, letter.subject, letter.text, letter.html, letter.headers
                        )
                        if not written:
                            raise _Raced  # the key is taken: another run wrote this digest
                    for item in items:
                        entry = item.entry(today)
                        session.add(DigestItem(follow_id=follow_id, item=item.key, digest=key, at=now, entry=entry))
                follow.since = now
        except _Raced:
            return
        if not items:
            report.nothing_new += 1
            return
        report.composed += 1
        report.items += len(items)
        if not mailable:
            report.not_mailed += 1

    def _letter(self, follow: Follow, since: dt.date, items: list[Item]) -> mailing.Mail:
        return mailing.compose(
            follow.language,
            follow.label,
            follow.frequency,
            since,
            items,
            self.unsubscribe_url(follow.id),
            f"{self.settings.base_url}/follows",
        )

    # -- feeds --------------------------------------------------------------------------------

    def feed(self, key: str) -> bytes:
        """The private Atom feed a key opens (NotFound for any other key)."""
        with Session(self.engine) as session:
            follow = follows.by_feed_key(session, key)
            if follow is None:
                raise NotFound("no such feed")
            rows = session.execute(
                select(DigestItem.item, DigestItem.at, DigestItem.entry)
                .where(DigestItem.follow_id == follow.id, DigestItem.digest != "")
                .order_by(DigestItem.at.desc(), DigestItem.item)
                .limit(FEED_ENTRIES * 2)
            ).all()
            withdrawn = _withdrawn(session, [entry for _, _, entry in rows])
            entries = [
                (item, aware(at), entry)
                for item, at, entry in rows
                if (entry.get("kind"), entry.get("id")) not in withdrawn
            ][:FEED_ENTRIES]
            return feed.atom(
                base_url=self.settings.base_url,
                follow_id=follow.id,
                created=aware(follow.created_at),
                label=follow.label,
                language=follow.language,
                self_url=self.feed_url(key),
                alternate_url=self.target_url(follow),
                entries=entries,
            )


class _Raced(Exception):
    """Another run wrote this follow's digest first: this one writes nothing."""


def _is_due(frequency: str, since: dt.datetime, today: dt.date) -> bool:
    return since.date() <= today - dt.timedelta(days=PERIOD_DAYS.get(frequency, 7))


def _withdrawn(session: Session, entries: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """The postings among ``entries`` that are no longer published (never shown again)."""
    keys = {str(e.get("id", "")) for e in entries if e.get("kind") in POSTING_KINDS}
    ids = {int(k[1:]) for k in keys if k[:1] == "p" and k[1:].isdigit()}
    if not ids:
        return set()
    published = set(session.scalars(select(Posting.id).where(Posting.id.in_(ids), Posting.status == "published")))
    return {(kind, posting_key(i)) for i in ids - published for kind in POSTING_KINDS}

"""Who receives a strategy's newsletter, and sending a number to them.

A subscriber is a person who follows the strategy (``follows`` with target ``strategy`` and the
strategy's id, not stopped) and whose address is confirmed and account not disabled. Sending a
number writes one e-mail per subscriber to the outbox, under the key
``newsletter:<newsletter id>:<user id>``, and marks the number sent — all in the caller's
transaction, so either every mail and the mark are written or none is. A number already sent
writes nothing; a key already in the outbox is never written twice. Each e-mail is multipart
(plain text and HTML) in the strategy's language, links to the archived page and carries a
signed one-click unsubscribe link (RFC 8058 headers).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from samverkan import mail
from samverkan.dataspace.times import now
from samverkan.db.community import Follow, Newsletter, Strategy, User
from samverkan.signing import Signer
from samverkan.strategy.amounts import amount_text

TARGET = "strategy"
FREQUENCY = "issue"  # a newsletter follow is sent per number, not by the digests' daily or weekly runs
UNSUBSCRIBE = "newsletter-unsubscribe"  # the signer's purpose


def follow_of(session: Session, user_id: int, strategy_id: int) -> Follow | None:
    """The person's follow of the strategy, if they follow it now."""
    return session.scalar(
        select(Follow).where(
            Follow.user_id == user_id,
            Follow.target == TARGET,
            Follow.target_id == strategy_id,
            Follow.stopped_at.is_(None),
        )
    )


def subscribe(session: Session, user: User, strategy: Strategy) -> Follow:
    """Follow the strategy (once: following again keeps the existing follow)."""
    existing = follow_of(session, user.id, strategy.id)
    if existing is not None:
        return existing
    moment = now()
    follow = Follow(
        user_id=user.id,
        target=TARGET,
        query={},
        target_id=strategy.id,
        label=strategy.name,
        frequency=FREQUENCY,
        language=user.language,
        created_at=moment,
        since=moment,
    )
    session.add(follow)
    session.flush()
    return follow


def unsubscribe(session: Session, user_id: int, strategy_id: int) -> bool:
    """Stop following; False when the person did not follow it."""
    follow = follow_of(session, user_id, strategy_id)
    if follow is None:
        return False
    follow.stopped_at = now()
    return True


def subscribers(session: Session, strategy_id: int) -> list[tuple[Follow, User]]:
    rows = session.execute(
        select(Follow, User)
        .join(User, User.id == Follow.user_id)
        .where(
            Follow.target == TARGET,
            Follow.target_id == strategy_id,
            Follow.stopped_at.is_(None),
            User.confirmed_at.is_not(None),
            User.disabled_at.is_(None),
        )
        .order_by(Follow.id)
    )
    return [(follow, user) for follow, user in rows]


def unsubscribe_url(base: str, strategy: Strategy, follow_id: int, signer: Signer) -> str:
    return f"{base}/strategies/{quote(strategy.slug)}/unsubscribe?follow={follow_id}&sig={signer.sign(str(follow_id))}"


def render(strategy: Strategy, row: Newsletter, base: str, unsubscribe: str | None) -> tuple[str, str]:
    """The number as an e-mail in the strategy's language: (plain text, HTML)."""
    from samverkan.web.templating import environment  # the templates the pages use, without a request

    env = environment(strategy.language)
    context: dict[str, Any] = {
        "strategy": strategy,
        "newsletter": row,
        "content": row.content,
        "base": base,
        "slug": strategy.slug,
        "page_url": f"{base}/strategies/{quote(strategy.slug)}/newsletters/{row.number}",
        "unsubscribe_url": unsubscribe,
        "amount": lambda value, currency: amount_text(value, currency, strategy.language),
    }
    text = env.get_template("newsletter_mail_text.html").render(**context)
    html = env.get_template("newsletter_mail.html").render(**context)
    return text, html


def send(session: Session, strategy: Strategy, row: Newsletter, base: str, signer: Signer) -> int:
    """Write the number's e-mails and mark it sent; the number of e-mails written (0 when sent
    before). Call inside a transaction that has locked ``row``."""
    if row.status == "sent":
        return 0
    written = 0
    for follow, user in subscribers(session, strategy.id):
        link = unsubscribe_url(base, strategy, follow.id, signer)
        text, html = render(strategy, row, base, link)
        headers = {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
        if mail.enqueue(session, f"newsletter:{row.id}:{user.id}", user.email, row.title, text, html, headers):
            written += 1
    row.status = "sent"
    row.sent_at = now()
    row.updated_at = row.sent_at
    return written

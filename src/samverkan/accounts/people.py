"""People (``users``): registering, confirming an address, resetting a password.

Each function works inside the caller's transaction. Passwords arrive here already hashed
(:mod:`samverkan.accounts.passwords`): hashing takes a tenth of a second, and no transaction is
held open meanwhile.

Invariants:

- an address is stored lower-cased and belongs to one person;
- registering, asking for a confirmation link again and asking for a password reset answer the
  same whether the address has an account or not; what differs goes to the address's mailbox
  only (a new link, or a note that it already has an account);
- a person signs in only once their address is confirmed (by the link, a password reset — which
  proves the mailbox too — an accepted invitation, or the operator);
- every e-mail is written to the outbox in the transaction that caused it, in the recipient's
  language, under a key that says what it is (``confirm:<user id>:<link digest prefix>``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from samverkan import mail
from samverkan.accounts import letters, links
from samverkan.accounts.rules import Problems, email, language, name, password
from samverkan.dataspace.times import now
from samverkan.db.community import User
from samverkan.db.engine import aware
from samverkan.errors import Conflict, NotFound

NOTICE_EVERY_HOURS = 1  # "you already have an account": at most one such mail an hour


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "language": user.language,
        "confirmed": user.confirmed_at is not None,
        "disabled": user.disabled_at is not None,
        "created_at": aware(user.created_at).isoformat(),
    }


def registration(raw_email: str, raw_name: str, raw_password: str, raw_language: str) -> tuple[str, str, str, str]:
    """The fields of a registration, cleaned (:class:`~samverkan.accounts.rules.InvalidInput`
    naming every field in error)."""
    problems = Problems()
    address = problems.check("email", email, raw_email)
    person = problems.check("name", name, raw_name)
    secret = problems.check("password", password, raw_password)
    lang = problems.check("language", language, raw_language)
    problems.raise_any()
    return str(address), str(person), str(secret), str(lang)


def contact(session: Session, user_id: int) -> dict[str, Any] | None:
    """Whom to write to: a confirmed, enabled person's address, name and language (None for
    anyone else, so that no mail goes to an unconfirmed or disabled account)."""
    user = session.get(User, user_id)
    if user is None or user.confirmed_at is None or user.disabled_at is not None:
        return None
    return {"id": user.id, "email": user.email, "name": user.name, "language": user.language}


def by_email(session: Session, address: str) -> User | None:
    return session.scalar(select(User).where(User.email == address.strip().lower()))


def by_email_or_404(session: Session, address: str) -> User:
    user = by_email(session, address)
    if user is None:
        raise NotFound(f"no person with the e-mail address {address!r}")
    return user


def new_user(session: Session, address: str, person: str, hashed: str, lang: str, confirmed: bool) -> User:
    """A new person; :class:`Conflict` when the address has an account."""
    if by_email(session, address) is not None:
        raise Conflict(f"{address!r} already has an account")
    moment = now()
    user = User(
        email=address,
        name=person,
        password_hash=hashed,
        language=lang,
        created_at=moment,
        confirmed_at=moment if confirmed else None,
        site_admin=False,
    )
    session.add(user)
    session.flush()
    return user


def send_confirmation(session: Session, base_url: str, user: User) -> bool:
    """A confirmation link to the person, unless one went less than a minute ago."""
    if links.made_recently(session, "confirm", user.email):
        return False
    token, row = links.issue(session, "confirm", user.email, user_id=user.id)
    letter = letters.confirm(user.language, user.name, f"{base_url}/account/confirm/{token}")
    mail.enqueue(session, f"confirm:{user.id}:{row.digest[:16]}", user.email, letter.subject, letter.text, letter.html)
    return True


def register(session: Session, base_url: str, address: str, person: str, hashed: str, lang: str) -> None:
    """Register (fields cleaned, password hashed). Says nothing of whether the address had an
    account: a new person gets a confirmation link; a person not confirmed yet gets a new
    link; a confirmed person gets a note that they have an account (at most once an hour)."""
    user = by_email(session, address)
    if user is None:
        try:
            with session.begin_nested():
                user = new_user(session, address, person, hashed, lang, confirmed=False)
        except IntegrityError:  # registered by another request since the look-up: it has its link
            return
        send_confirmation(session, base_url, user)
    elif user.disabled_at is not None:
        return
    elif user.confirmed_at is None:
        send_confirmation(session, base_url, user)
    else:
        hour = now().strftime("%Y%m%d%H")
        letter = letters.registered_again(user.language, user.name, f"{base_url}/account/sign-in")
        mail.enqueue(session, f"registered:{user.id}:{hour}", user.email, letter.subject, letter.text, letter.html)


def resend_confirmation(session: Session, base_url: str, address: str) -> None:
    """A new confirmation link if the address awaits one (silently nothing otherwise)."""
    user = by_email(session, address)
    if user is not None and user.confirmed_at is None and user.disabled_at is None:
        send_confirmation(session, base_url, user)


def confirm(session: Session, token: str, peek_only: bool = False) -> User:
    """Confirm the address the link was sent to; the link and its siblings are used up
    (``peek_only``: only the person it is for). Following the link only shows a button that
    confirms: a mail filter that opens links must not confirm an account someone else
    registered with this address."""
    row = links.peek(session, token, "confirm") if peek_only else links.use(session, token, "confirm")
    user = session.get(User, row.user_id) if row.user_id is not None else None
    if user is None or user.email != row.email:
        raise NotFound("the account of this link no longer exists")
    if peek_only:
        return user
    if user.confirmed_at is None:
        user.confirmed_at = now()
    links.retire(session, "confirm", user.email)
    return user


def request_reset(session: Session, base_url: str, address: str) -> None:
    """A password-reset link to the address if it has an account (silently nothing otherwise)."""
    user = by_email(session, address)
    if user is None or user.disabled_at is not None or links.made_recently(session, "reset", user.email):
        return
    token, row = links.issue(session, "reset", user.email, user_id=user.id)
    letter = letters.reset(user.language, user.name, f"{base_url}/account/reset/{token}")
    mail.enqueue(session, f"reset:{user.id}:{row.digest[:16]}", user.email, letter.subject, letter.text, letter.html)


def reset_user(session: Session, token: str, peek_only: bool = False) -> User:
    """The person a reset link is for (``peek_only``: without using the link)."""
    row = links.peek(session, token, "reset") if peek_only else links.use(session, token, "reset")
    user = session.get(User, row.user_id) if row.user_id is not None else None
    if user is None or user.disabled_at is not None or user.email != row.email:
        raise NotFound("the account of this link no longer exists")
    return user


def reset(session: Session, token: str, hashed: str) -> User:
    """Set a new password by a reset link: the link is used up (with any other reset link of
    the person), the address counts as confirmed. The caller revokes the sessions."""
    user = reset_user(session, token)
    user.password_hash = hashed
    if user.confirmed_at is None:
        user.confirmed_at = now()
    links.retire(session, "reset", user.email)
    return user

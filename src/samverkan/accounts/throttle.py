"""Throttling password guesses, in the database so every web process counts the same.

Each sign-in attempt is counted under two keys, the e-mail address asked for and the client's
address (stored as SHA-256 digests, never in clear). With :data:`LIMIT` failures of one key in
the last :data:`WINDOW`, further attempts under that key are refused — with the right password
too — until the oldest failure leaves the window (a sliding window).

An attempt is written and committed *before* its password is checked (:func:`record`), then
the key's attempts in the window are counted, its own included (:func:`refusal`): of attempts
made at the same moment by several processes, each sees the others, so at most :data:`LIMIT`
passwords are ever tried per key and window, however the requests are spread. A refused attempt
is removed (it tried nothing), so the window really does pass; so is one whose password was
right (:func:`forget`). No transaction is open while a password is verified. Rows are deleted as
they age out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from samverkan.dataspace.times import now
from samverkan.db.community import SignInFailure
from samverkan.db.engine import aware

LIMIT = 5
WINDOW = dt.timedelta(minutes=15)


def keys(email: str, address: str | None) -> list[str]:
    """The counters an attempt counts against: its e-mail address and its client address."""
    out = [hashlib.sha256(f"email:{email.strip().lower()}".encode()).hexdigest()]
    if address:
        out.append(hashlib.sha256(f"address:{address}".encode()).hexdigest())
    return out


def record(session: Session, counted: list[str]) -> list[int]:
    """Count an attempt under each key (the caller commits before checking the password);
    the new rows' ids. Rows older than the window go."""
    moment = now()
    session.execute(delete(SignInFailure).where(SignInFailure.at <= moment - WINDOW))
    rows = [SignInFailure(key=key, at=moment) for key in counted]
    session.add_all(rows)
    session.flush()
    return [r.id for r in rows]


def refusal(session: Session, counted: list[str]) -> int | None:
    """None if the attempt just recorded may go on, else the seconds until it may: a key has
    more than :data:`LIMIT` attempts in the window, this one included."""
    moment = now()
    wait = 0
    for key in counted:
        rows = session.scalars(
            select(SignInFailure.at)
            .where(SignInFailure.key == key, SignInFailure.at > moment - WINDOW)
            .order_by(SignInFailure.at)
        ).all()
        if len(rows) > LIMIT:  # it may go once all but LIMIT of them (this one last) left the window
            leaves = aware(rows[len(rows) - LIMIT - 1]) + WINDOW
            wait = max(wait, math.ceil((leaves - moment).total_seconds()))
    return max(1, wait) if wait else None


def forget(session: Session, attempt_ids: list[int], email_key: str | None = None) -> None:
    """This attempt was refused or its password right: it is no failure. With ``email_key``
    (a right password) the address's earlier failures go too; the client address's stay."""
    session.execute(delete(SignInFailure).where(SignInFailure.id.in_(attempt_ids)))
    if email_key is not None:
        session.execute(delete(SignInFailure).where(SignInFailure.key == email_key))

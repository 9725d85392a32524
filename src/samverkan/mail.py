"""E-mail: written to the outbox with what caused it, then delivered.

Whatever sends mail (a confirmation link, a password reset, an interest, a digest, a newsletter)
calls :func:`enqueue` inside the transaction that caused it. The row's ``key`` says what the
mail is (``confirm:<user>:<token digest>``, ``digest:<follow>:<period>``); a key can be written
once only, so a second run that would write the same mail writes nothing, and a rolled-back
transaction leaves no mail behind.

:func:`deliver` sends what is unsent, oldest first, each row in its own transaction: the row is
locked while it is sent, and marked sent in that transaction. Two deliverers (``serve``'s postman
and a command line) never take the same row: on PostgreSQL each row is locked (``FOR UPDATE SKIP
LOCKED``); on SQLite, which reads outside its one write lock (both would read a row as unsent and
send it), one deliverer works at a time, by a file lock beside the database (:func:`alone`). A process killed
between the SMTP server's acceptance and that commit would send the row again on the next run;
its ``Message-ID`` is derived from the row, so the copy is recognisable as the same message.
This window is the only one; everything acknowledged by the outbox is sent.

Without an SMTP server (``smtp_host`` unset, the embedded default) each mail is written to
``mail_folder`` as an ``.eml`` file, under a temporary name and renamed, so the folder only ever
holds whole messages.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import re
import smtplib
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from samverkan.dataspace.times import now
from samverkan.db.community import Outbox
from samverkan.errors import SamverkanError
from samverkan.settings import Settings

log = logging.getLogger("samverkan.mail")

MAX_ATTEMPTS = 8  # a row that failed this often is left for a person to look at (`last_error`)
ADDRESS = re.compile(r"^[^@\s<>\"',;]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})*$")


class MailError(SamverkanError):
    """Mail could not be sent (the SMTP server refused or could not be reached)."""

    status = 503
    code = "mail"


def valid_address(address: str) -> bool:
    """Whether ``address`` is a plain e-mail address (no display name, no header tricks)."""
    return len(address) <= 254 and ADDRESS.match(address) is not None


def enqueue(
    session: Session,
    key: str,
    recipient: str,
    subject: str,
    text: str,
    html: str | None = None,
    headers: dict[str, str] | None = None,
) -> bool:
    """Put one e-mail in the outbox, in the caller's transaction. False if ``key`` is already
    there (this mail was written before: nothing is added)."""
    if not valid_address(recipient):
        raise SamverkanError(f"not an e-mail address: {recipient!r}")
    if any("\n" in v or "\r" in v for v in (subject, *(headers or {}).values())):
        raise SamverkanError("an e-mail header may not hold a line break")
    if session.scalar(select(Outbox.id).where(Outbox.key == key)) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(
                Outbox(
                    key=key,
                    recipient=recipient,
                    subject=subject,
                    text=text,
                    html=html,
                    headers=dict(headers or {}),
                    created_at=now(),
                    attempts=0,
                )
            )
    except IntegrityError:  # another process wrote the same key since the check
        return False
    return True


def message(row: Outbox, sender: str) -> EmailMessage:
    """The row as an RFC 5322 message: plain text, and HTML as its alternative when given."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = row.recipient
    mail["Subject"] = row.subject
    mail["Date"] = formatdate(row.created_at.timestamp(), usegmt=True)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    mail["Message-ID"] = f"<outbox.{row.id}.{hashlib.sha256(row.key.encode()).hexdigest()[:16]}@{domain}>"
    for name, value in row.headers.items():
        mail[name] = value
    mail.set_content(row.text)
    if row.html:
        mail.add_alternative(row.html, subtype="html")
    return mail


@dataclass
class Delivery:
    """What one :func:`deliver` run did."""

    sent: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"sent": self.sent, "failed": self.failed, "errors": self.errors}


class Transport:
    """Where messages go: an SMTP connection (opened on first use, reused) or a folder."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def send(self, mail: EmailMessage) -> None:
        if self.settings.smtp_host is None:
            self._write(mail)
            return
        if self.smtp is None:
            self.smtp = self._connect()
        self.smtp.send_message(mail)

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        assert s.smtp_host is not None
        try:
            smtp: smtplib.SMTP
            if s.smtp_security == "tls":
                smtp = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=30, context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=30)
                if s.smtp_security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password or "")
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"cannot reach the SMTP server {s.smtp_host}:{s.smtp_port}: {exc}") from exc
        return smtp

    def _write(self, mail: EmailMessage) -> None:
        folder = self.settings.mail_folder
        folder.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9.]", "_", str(mail["Message-ID"]).strip("<>"))
        target = folder / f"{name}.eml"
        partial = folder / f".{name}.tmp"
        with partial.open("wb") as out:
            out.write(bytes(mail))
            out.flush()
            os.fsync(out.fileno())
        partial.replace(target)

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self.smtp = None


@contextmanager
def alone(engine: Engine) -> Iterator[None]:
    """On a SQLite database file, wait until no other deliverer (of any process) is at work, and
    hold that until the block ends: a lock on ``<database>.outbox-lock``. Elsewhere, nothing."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:" or database.startswith("file:"):
        yield
        return
    with open(f"{database}.outbox-lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def deliver(engine: Engine, settings: Settings, limit: int | None = None) -> Delivery:
    """Send every unsent row of the outbox (at most ``limit``), each in its own transaction."""
    with alone(engine):
        return _deliver(engine, settings, limit)


def _deliver(engine: Engine, settings: Settings, limit: int | None) -> Delivery:
    report = Delivery()
    transport = Transport(settings)
    skipped: set[int] = set()
    try:
        while limit is None or report.sent + report.failed < limit:
            with Session(engine) as session, session.begin():
                query = (
                    select(Outbox)
                    .where(Outbox.sent_at.is_(None), Outbox.attempts < MAX_ATTEMPTS)
                    .order_by(Outbox.id)
                    .limit(1)
                )
                if skipped:
                    query = query.where(Outbox.id.not_in(skipped))
                if engine.dialect.name == "postgresql":
                    query = query.with_for_update(skip_locked=True)
                row = session.scalar(query)
                if row is None:
                    break
                try:
                    transport.send(message(row, settings.mail_from))
                except (OSError, smtplib.SMTPException, MailError) as exc:
                    row.attempts += 1
                    row.last_error = str(exc)[:500]
                    report.failed += 1
                    report.errors.append(f"{row.key}: {exc}")
                    skipped.add(row.id)
                    transport.close()
                    if isinstance(exc, MailError):  # the server cannot be reached: try again later
                        break
                    continue
                row.attempts += 1
                row.sent_at = now()
                report.sent += 1
    finally:
        transport.close()
    if report.sent or report.failed:
        log.info("mail: %d sent, %d failed", report.sent, report.failed)
    return report


class Postman:
    """Delivers the outbox every ``seconds`` in a daemon thread until :meth:`stop` (``serve`` runs
    one, in its parent process only, whatever the number of web workers). A failed round is
    logged; what failed stays in the outbox for the next."""

    def __init__(self, engine: Engine, settings: Settings, seconds: float) -> None:
        self.engine, self.settings, self.seconds = engine, settings, seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="postman", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.seconds):
            try:
                deliver(self.engine, self.settings)
            except Exception:
                log.exception("delivering the outbox failed (tried again in %s s)", self.seconds)


def unsent(engine: Engine) -> int:
    """How many e-mails wait in the outbox."""
    from sqlalchemy import func

    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(Outbox).where(Outbox.sent_at.is_(None))) or 0


def read_folder(folder: Path) -> list[EmailMessage]:
    """The messages written to ``folder`` (oldest first): what a reader of the embedded default
    finds, and what tests read."""
    from email import policy
    from email.parser import BytesParser

    files = sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    parser = BytesParser(policy=policy.default)
    return [parser.parsebytes(p.read_bytes()) for p in files]  # type: ignore[misc]


__all__ = ["Delivery", "MailError", "Postman", "deliver", "enqueue", "message", "read_folder", "unsent"]

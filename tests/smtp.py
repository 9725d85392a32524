"""A real SMTP server for tests (aiosmtpd on a free port of 127.0.0.1) that keeps what it
receives, parsed, in the order it arrived."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """aiosmtpd handler: every accepted message, parsed, with its envelope recipients."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []
        self.refuse: bool = False  # answer 451 to every message (a server in trouble)
        self.changed = threading.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "451 Requested action aborted: local error in processing"
        parsed = BytesParser(policy=policy.default).parsebytes(envelope.original_content or envelope.content)
        with self.changed:
            self.messages.append(parsed)  # type: ignore[arg-type]
            self.recipients.append(list(envelope.rcpt_tos))
            self.changed.notify_all()
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m, r in zip(self.messages, self.recipients, strict=True) if address in r]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        with self.changed:
            while len(self.messages) < count and time.monotonic() < deadline:
                self.changed.wait(deadline - time.monotonic())
        return list(self.messages)


@contextmanager
def smtp_server(inbox: Inbox | None = None) -> Iterator[tuple[Inbox, dict[str, Any]]]:
    """A running SMTP server (with ``inbox`` as its handler, default a new :class:`Inbox`) and
    the settings that point samverkan at it."""
    inbox = inbox or Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none"}
    finally:
        controller.stop()

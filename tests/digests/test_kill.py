"""A digest run killed while it sends resends nothing already sent and misses nothing.

The run is the real command (``samverkan digest run``) in a subprocess, against a real SMTP
server whose handler is slow and holds one message: the test kills the process (SIGKILL)
while the server holds that message, i.e. while the client waits for the server's answer to it.
aiosmtpd drops a message whose client went away before the answer (its handler is cancelled),
as a careful server does; so the message in flight is not delivered, stays unsent in the
outbox, and the next run sends it. The one window this cannot close — the server accepted a
message and the process died before marking it sent — is stated in ``samverkan/mail.py``; the
copy sent again then carries the same Message-ID.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import threading
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from samverkan.db.community import Outbox
from tests.digests.conftest import QUANTUM, add_user, make_app, person
from tests.smtp import Inbox, smtp_server

FOLLOWS = 12
HOLD = 5  # the message the server holds when the process is killed


class HoldingInbox(Inbox):
    """Slow, and holds message number ``hold`` until the client goes away."""

    def __init__(self) -> None:
        super().__init__()
        self.hold: int | None = HOLD
        self.holding = threading.Event()
        self.seen = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.seen += 1
        if self.hold is not None and self.seen == self.hold:
            self.holding.set()
            await asyncio.sleep(120)  # cancelled when the client's connection is lost
        await asyncio.sleep(0.05)
        return await super().handle_DATA(server, session, envelope)


def _command(db_url: str, smtp: dict[str, Any], *args: str) -> list[str]:
    return [sys.executable, "-m", "samverkan", "--db", db_url, *args]


def _environment(smtp: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    env |= {f"SAMVERKAN_{k.upper()}": str(v) for k, v in smtp.items()}
    env |= {"SAMVERKAN_TODAY": "2026-08-14", "SAMVERKAN_PUBLIC_URL": "http://testserver"}
    return env


def test_a_run_killed_while_sending_resends_nothing_and_misses_nothing(demo_copy):
    app = make_app(demo_copy)
    addresses = [f"person{i}@example.se" for i in range(FOLLOWS)]
    for address in addresses:
        app.digests.create(person(add_user(app, address)), text=QUANTUM, frequency="daily")
    app.close()

    inbox = HoldingInbox()
    with smtp_server(inbox) as (_, smtp):
        env = _environment(smtp)
        process = subprocess.Popen(
            _command(demo_copy, smtp, "digest", "run"), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        try:
            assert inbox.holding.wait(180), process.communicate(timeout=5)[0]
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(30)
            assert process.stdout is not None
            process.stdout.close()
        assert process.returncode == -signal.SIGKILL
        delivered = len(inbox.wait_for(HOLD - 1))
        assert delivered == HOLD - 1  # the held one was dropped with its connection

        app = make_app(demo_copy, today=dt.date(2026, 8, 14))
        with Session(app.engine) as session:  # every digest was written before sending began
            assert session.scalar(select(func.count()).select_from(Outbox)) == FOLLOWS
            assert session.scalar(select(func.count()).where(Outbox.sent_at.is_not(None))) == HOLD - 1
        app.close()

        inbox.hold = None
        rerun = subprocess.run(
            _command(demo_copy, smtp, "digest", "run", "--json"), env=env, capture_output=True, text=True, timeout=300
        )
        assert rerun.returncode == 0, rerun.stderr
        assert '"due": 0' in rerun.stdout and f'"sent": {FOLLOWS - HOLD + 1}' in rerun.stdout, rerun.stdout
        messages = inbox.wait_for(FOLLOWS)
        again = subprocess.run(
            _command(demo_copy, smtp, "mail", "send"), env=env, capture_output=True, text=True, timeout=120
        )
        assert again.returncode == 0 and "0 sent" in again.stdout

    recipients = sorted(str(m["To"]) for m in messages)
    assert recipients == sorted(addresses)  # each person's digest exactly once
    assert len({str(m["Message-ID"]) for m in messages}) == FOLLOWS

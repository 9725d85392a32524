"""Digests on a schedule: ``serve`` runs :meth:`Digests.run` every hour in a daemon thread of
its parent process (never in web workers). A run composes only what is due (once a day for a
daily follow, once a week for a weekly one) into the outbox, which ``serve``'s postman
(:class:`samverkan.mail.Postman`) delivers within seconds. Running hourly rather than daily,
a digest goes out within the hour it becomes due, and a server restarted at any time misses
no day. The first run starts an hour after the server (tests and demos that start servers see
no digest they did not ask for)."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from samverkan.core import Samverkan

log = logging.getLogger("samverkan.digests")

EVERY_SECONDS = 3600.0


class DigestScheduler:
    def __init__(self, app: Samverkan, every: float = EVERY_SECONDS) -> None:
        self.app = app
        self.every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="digests", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                report = self.app.digests.run(deliver=False)
                if report.due or report.sent:
                    log.info("digests: %s", report.as_dict())
            except Exception:
                log.exception("the digest run failed (the next one tries again)")

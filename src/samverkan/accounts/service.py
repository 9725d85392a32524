"""People, organisations' members, sessions, e-mail links."""

from __future__ import annotations

from typing import TYPE_CHECKING

from samverkan.accounts.actor import Actor

if TYPE_CHECKING:
    from samverkan.core import Samverkan


class Accounts:
    """People, organisations' members, sessions, e-mail links."""

    def __init__(self, app: Samverkan) -> None:
        self.app = app
        self.engine = app.engine
        self.settings = app.settings

    def actor_for_session(self, cookie: str) -> Actor:
        """The person a session cookie stands for (the public when unknown, expired or revoked).
        To be written with sessions (issue 25, step 1)."""
        return Actor.public()

"""Needs and solutions: publishing, history, search, matching, the board."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from samverkan.core import Samverkan


class Postings:
    """Needs and solutions: publishing, history, search, matching, the board."""

    def __init__(self, app: Samverkan) -> None:
        self.app = app
        self.engine = app.engine
        self.settings = app.settings

"""Strategies, their boards and newsletters."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from samverkan.core import Samverkan


class Strategies:
    """Strategies, their boards and newsletters."""

    def __init__(self, app: Samverkan) -> None:
        self.app = app
        self.engine = app.engine
        self.settings = app.settings

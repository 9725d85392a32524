"""The command line of digests."""

from __future__ import annotations

COMMANDS: list = []  # click commands and groups added to `samverkan`

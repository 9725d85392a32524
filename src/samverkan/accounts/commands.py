"""The command line of accounts."""

from __future__ import annotations

COMMANDS: list = []  # click commands and groups added to `samverkan`

"""Errors a user can act on. The CLI and the API turn these into messages, never tracebacks."""

from __future__ import annotations

from dataclasses import dataclass


class SamverkanError(Exception):
    """Base class for errors caused by input or configuration, with a readable message."""


@dataclass(frozen=True)
class Problem:
    """One problem in an input file, located as precisely as we can."""

    file: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        field = f" field {self.field!r}:" if self.field else ""
        return f"{where}:{field} {self.message}"


class InputError(SamverkanError):
    """An input file was rejected; nothing of it was written."""

    def __init__(self, problems: list[Problem], more: int = 0) -> None:
        self.problems = problems
        self.more = more
        lines = [str(p) for p in problems]
        if more:
            lines.append(f"… and {more} more problem(s)")
        super().__init__("\n".join(lines))


class NotFound(SamverkanError):
    """A requested record does not exist."""


class Unauthorized(SamverkanError):
    """No credentials, or credentials that are unknown, expired or revoked (HTTP 401)."""


class Forbidden(SamverkanError):
    """Known credentials without the right to do this (HTTP 403)."""


class Conflict(SamverkanError):
    """The request contradicts what is stored (HTTP 409)."""


class TooLarge(SamverkanError):
    """A payload or batch above the configured limit (HTTP 413)."""


class Unsupported(SamverkanError):
    """A request body in a media type the endpoint does not read (HTTP 415)."""


class OverBudget(SamverkanError):
    """A request ran out of its time budget, or its client went away (HTTP 503)."""


STATUSES: tuple[tuple[type[SamverkanError], int], ...] = (
    (Unauthorized, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (Conflict, 409),
    (TooLarge, 413),
    (Unsupported, 415),
    (OverBudget, 503),
)


def http_status(exc: SamverkanError) -> int:
    """The HTTP status for an error a user can act on (400 when nothing more specific applies)."""
    for kind, status in STATUSES:
        if isinstance(exc, kind):
            return status
    return 400

"""Errors a user can act on. The CLI and the API turn these into messages, never tracebacks.

Every error carries its HTTP ``status`` and a short, stable machine ``code`` (both class
attributes; one ``raise`` may give its own ``code`` where a class covers several cases).
Whoever answers an error decides by its type, ``status`` or ``code`` — never by its message,
which is English prose for people and may be reworded at any time.
"""

from __future__ import annotations

from dataclasses import dataclass


class SamverkanError(Exception):
    """Base class for errors caused by input or configuration, with a readable message."""

    status: int = 400  # the HTTP status that answers it
    code: str = "invalid"  # what went wrong, for programs: lower-case words joined by _

    def __init__(self, *args: object, code: str | None = None) -> None:
        super().__init__(*args)
        if code is not None:
            self.code = code


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

    code = "input"

    def __init__(self, problems: list[Problem], more: int = 0) -> None:
        self.problems = problems
        self.more = more
        lines = [str(p) for p in problems]
        if more:
            lines.append(f"… and {more} more problem(s)")
        super().__init__("\n".join(lines))


class NotFound(SamverkanError):
    """A requested record does not exist."""

    status = 404
    code = "not_found"


class Unauthorized(SamverkanError):
    """No credentials, or credentials that are unknown, expired or revoked (HTTP 401)."""

    status = 401
    code = "unauthorized"


class Forbidden(SamverkanError):
    """Known credentials without the right to do this (HTTP 403)."""

    status = 403
    code = "forbidden"


class Conflict(SamverkanError):
    """The request contradicts what is stored (HTTP 409)."""

    status = 409
    code = "conflict"


class TooLarge(SamverkanError):
    """A payload or batch above the configured limit (HTTP 413)."""

    status = 413
    code = "too_large"


class Unsupported(SamverkanError):
    """A request body in a media type the endpoint does not read (HTTP 415)."""

    status = 415
    code = "unsupported_media_type"


class OverBudget(SamverkanError):
    """A request ran out of its time budget, or its client went away (HTTP 503)."""

    status = 503
    code = "over_budget"


class QueryError(SamverkanError):
    """A search or partner query that cannot be answered as asked (HTTP 400). ``code`` says why,
    and the attributes carry what a message in another language needs:

    - ``empty``: nothing to look for (no text; for partners, neither a call nor a text);
    - ``too_long``: ``length`` characters, more than the ``limit``;
    - ``language``: written in ``language`` (a language code), neither Swedish nor English;
    - ``no_words``: no word to search for is left once the text is analysed;
    - ``kind``, ``status``: an unknown kind of record or call status (``value``);
    - ``limit``: a number of results outside 1 … ``limit``.
    """

    code = "query"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        length: int | None = None,
        limit: int | None = None,
        language: str | None = None,
        value: str | None = None,
    ) -> None:
        super().__init__(message, code=code)
        self.length = length
        self.limit = limit
        self.language = language
        self.value = value

"""What a person or an organisation may be called, and the errors of accounts.

Every field that comes from outside (a form, a JSON body, the command line) is cleaned here,
once, by the library function that takes it. A cleaner returns the value as stored (an e-mail
address lower-cased, a name stripped) or raises :class:`FieldError`; :class:`Problems` collects
the errors of one form so that a page can show them all at once, each with its field and a
stable code the pages translate.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from samverkan.accounts.actor import ROLES
from samverkan.dataspace.tenants import PUBLIC, SLUG
from samverkan.errors import Forbidden, SamverkanError, Unauthorized
from samverkan.mail import valid_address

LANGUAGES = ("sv", "en")
NAME_MAX = 200
PASSWORD_MIN = 10
PASSWORD_MAX = 1000
LABEL_MAX = 200
T = TypeVar("T")


class FieldError(ValueError):
    """One field's value is not acceptable: ``code`` says why (for translation)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Problem:
    field: str
    code: str
    message: str


class InvalidInput(SamverkanError):
    """One or more fields are not acceptable (HTTP 422); ``problems`` names each field."""

    status = 422
    code = "invalid_input"

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.problems = problems

    @classmethod
    def one(cls, field: str, code: str, message: str) -> InvalidInput:
        return cls([Problem(field, code, message)])


class Problems:
    """The errors of one form: ``value = problems.check("email", email, raw)``, then
    :meth:`raise_any`. A field in error gives back its raw value, which is never stored because
    :meth:`raise_any` raises before."""

    def __init__(self) -> None:
        self.found: list[Problem] = []

    def check(self, field: str, cleaner: Callable[[str], T], raw: str) -> T | str:
        try:
            return cleaner(raw)
        except FieldError as error:
            self.found.append(Problem(field, error.code, error.message))
            return raw

    def raise_any(self) -> None:
        if self.found:
            raise InvalidInput(self.found)


# --- the errors of signing in and of e-mail links ------------------------------------------------


class SignInFailed(Unauthorized):
    """Unknown address or wrong password: the answer never says which."""

    code = "sign_in_failed"


class NotConfirmed(Forbidden):
    """The right password for an address not confirmed yet (said only after the right password)."""

    code = "not_confirmed"


class AccountDisabled(Forbidden):
    code = "disabled"


class Throttled(SamverkanError):
    """Too many failed sign-ins for this address or from this client (HTTP 429)."""

    status = 429
    code = "too_many_attempts"

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, (retry_after + 59) // 60)
        super().__init__(f"too many failed attempts to sign in; try again in {minutes} minute(s)")
        self.retry_after = retry_after


class LinkError(SamverkanError):
    """An e-mail link that cannot be used: ``link_unknown`` (404), ``link_expired`` or
    ``link_used`` (410)."""

    status = 404
    code = "link_unknown"

    def __init__(self, code: str) -> None:
        messages = {
            "link_unknown": "this link is not valid: check that it was copied whole",
            "link_expired": "this link has expired: ask for a new one",
            "link_used": "this link has already been used",
        }
        super().__init__(messages[code], code=code)
        self.status = 404 if code == "link_unknown" else 410


# --- cleaners ------------------------------------------------------------------------------------


def _no_controls(value: str) -> bool:
    return not any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in value)


def email(raw: str) -> str:
    """An e-mail address as stored: stripped, lower-cased, a plain address (no display name)."""
    value = raw.strip().lower()
    if not value:
        raise FieldError("email_missing", "give an e-mail address")
    if not valid_address(value):
        raise FieldError("email_invalid", "not an e-mail address (like name@example.se)")
    return value


def name(raw: str) -> str:
    """A person's or an organisation's name: 1–200 characters, no control characters."""
    value = " ".join(raw.split())
    if not value:
        raise FieldError("name_missing", "give a name")
    if len(value) > NAME_MAX:
        raise FieldError("name_too_long", f"at most {NAME_MAX} characters")
    if not _no_controls(value):
        raise FieldError("name_invalid", "a name may not hold control characters")
    return value


def password(raw: str) -> str:
    """A new password: 10–1,000 characters, kept exactly as typed (spaces are characters)."""
    if len(raw) < PASSWORD_MIN:
        raise FieldError("password_too_short", f"at least {PASSWORD_MIN} characters")
    if len(raw) > PASSWORD_MAX:
        raise FieldError("password_too_long", f"at most {PASSWORD_MAX} characters")
    if "\x00" in raw:
        raise FieldError("password_invalid", "a password may not hold a NUL character")
    return raw


def language(raw: str) -> str:
    if raw not in LANGUAGES:
        raise FieldError("language_invalid", "choose sv or en")
    return raw


def role(raw: str) -> str:
    if raw not in ROLES:
        raise FieldError("role_invalid", f"choose one of {', '.join(ROLES)}")
    return raw


def slug(raw: str) -> str:
    value = raw.strip().lower()
    if not SLUG.match(value) or value == PUBLIC:
        raise FieldError(
            "slug_invalid", "1–40 lowercase letters, digits and inner hyphens (like vastra-gotaland), not 'public'"
        )
    return value


def label(raw: str) -> str | None:
    """A token's label: optional, at most 200 characters."""
    value = " ".join(raw.split())
    if len(value) > LABEL_MAX:
        raise FieldError("label_too_long", f"at most {LABEL_MAX} characters")
    if not _no_controls(value):
        raise FieldError("label_invalid", "a label may not hold control characters")
    return value or None


NEXT = re.compile(r"^/(?![/\\])[^\s\\]*$")


def local_path(raw: str | None, default: str = "/account") -> str:
    """Where to go after signing in: a path of this site only (never ``//host`` or a URL)."""
    if raw and len(raw) <= 2000 and NEXT.match(raw):
        return raw
    return default

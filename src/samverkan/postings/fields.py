"""What a need or a solution is made of, and the one check of what comes from outside.

Every door (the JSON API, the pages' forms, the command line, a loader) hands its fields to
:func:`clean`, which refuses an unknown field, a value of the wrong type, a text too long or a
link that is not http(s), with :class:`FieldError` naming the field (HTTP 422). What needs the
database (does the region exist? the municipality?) and the language of the text are checked by
:mod:`samverkan.postings.store` with the same error.

Vocabulary (documented in the README):

- ``kind``: ``need`` (a digital-transformation story: a problem or a goal, with or without a
  solution yet) or ``solution`` (reusable digital resources shown to solve such a challenge);
- ``status``: ``draft`` → ``published`` → ``withdrawn``; a draft may also be withdrawn; withdrawn is
  final (to publish again, publish a new posting); a published posting does not go back to draft;
- ``maturity``: ``idea`` (an idea or a plan), ``pilot`` (tried in a pilot or a test bed),
  ``in_use`` (in daily use by at least one organisation), ``scaled`` (in use by several
  organisations or regions);
- ``language``: ``sv`` or ``en`` (detected from the title and text when not given).

Public ids: a posting is ``p<number>`` (``p12``) in the API, in search and in URLs, for needs and
solutions alike, so that a published solution never meets the numeric id of a JRC case.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from samverkan.bounds import INT32_MAX, Unbounded, check_text
from samverkan.errors import NotFound, SamverkanError

KINDS = ("need", "solution")
STATUSES = ("draft", "published", "withdrawn")
MATURITY = ("idea", "pilot", "in_use", "scaled")
LANGUAGES = ("sv", "en")

TITLE_CHARS = 200
TEXT_CHARS = 20_000
ITEM_CHARS = 80  # a focus area or a technology
FOCUS_AREAS = 10
TECHNOLOGIES = 20
LICENCE_CHARS = 80
LINKS = 10
LINK_CHARS = 2_000
CONTACT_CHARS = 500
MESSAGE_CHARS = 2_000  # "we are interested"

EDITABLE = (
    "title",
    "text",
    "status",
    "language",
    "region",
    "municipality",
    "focus_areas",
    "technologies",
    "maturity",
    "licence",
    "links",
    "contact",
)
ON_CREATE = ("organisation",)  # which organisation publishes (its slug), when the actor edits several
OPTIONAL = ("language", "region", "municipality", "maturity", "licence", "contact")  # null clears them
LISTS = ("focus_areas", "technologies", "links")  # null is the empty list
NUTS_CODE = re.compile(r"[A-Z]{2}[0-9A-Z]{0,3}")
MUNICIPALITY_CODE = re.compile(r"[0-9]{4}")
NUMBER = re.compile(r"p?([0-9]{1,10})")


class FieldError(SamverkanError):
    """A field of a need or solution that cannot be taken as given (HTTP 422): ``field`` names it."""

    status = 422
    code = "invalid_field"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise NotFound(f"unknown kind {kind!r}: use need or solution")
    return kind


def posting_number(kind: str, value: int | str) -> int:
    """The number of posting ``value`` (``p12``, ``12`` or 12); NotFound when it names none.
    A solution's bare number is a JRC case, not a posting (see :func:`is_posting_id`)."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        found = NUMBER.fullmatch(str(value).strip())
        if found is None or (kind == "solution" and not str(value).strip().startswith("p")):
            raise NotFound(f"no {kind} {str(value)[:40]!r}")
        number = int(found.group(1))
    if not 1 <= number <= INT32_MAX:
        raise NotFound(f"no {kind} {value!r}")
    return number


def is_posting_id(kind: str, value: int | str) -> bool:
    """Whether ``value`` names a posting (else, for solutions, a catalogued JRC case)."""
    if isinstance(value, int) or kind == "need":
        return True
    return str(value).strip().startswith("p")


# --- the one check ------------------------------------------------------------------------------


def clean(kind: str, fields: Any, creating: bool) -> dict[str, Any]:
    """The fields, checked and normalised; :class:`FieldError` naming the first bad one.

    ``creating``: a new posting (``title`` required, ``organisation`` accepted, ``status`` defaults
    to ``draft`` and may not be ``withdrawn``); else a PATCH: only the fields given change.
    """
    if not isinstance(fields, Mapping):
        raise FieldError("body", "expected a JSON object of fields")
    allowed = EDITABLE + ON_CREATE if creating else EDITABLE
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if name not in allowed:
            if name in ON_CREATE:
                raise FieldError(name, "a posting's organisation is chosen when it is created and does not change")
            shown = str(name)[:40]
            raise FieldError(shown, f"unknown field; a {kind} has {', '.join(allowed)}")
        if name == "licence" and kind != "solution" and value is not None:
            raise FieldError(name, "only a solution has a licence")
        out[name] = CHECKS[name](value, name)
    if creating:
        if "title" not in out:
            raise FieldError("title", "a title is required")
        out.setdefault("status", "draft")
        if out["status"] == "withdrawn":
            raise FieldError("status", "a new posting is a draft or published")
    return out


def _text(value: Any, field: str, limit: int, required: bool, one_line: bool) -> str | None:
    if value is None:
        if required:
            raise FieldError(field, "may not be null")
        return None
    if not isinstance(value, str):
        raise FieldError(field, "expected a string")
    try:
        check_text(value, field, limit)
    except Unbounded as exc:
        raise FieldError(field, exc.reason) from None
    text = " ".join(value.split()) if one_line else value.strip()
    if _CONTROL.search(text):
        raise FieldError(field, "holds a control character")
    if required and not text:
        raise FieldError(field, "may not be empty")
    return text or None


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _title(value: Any, field: str) -> str:
    text = _text(value, field, TITLE_CHARS, required=True, one_line=True)
    assert text is not None
    return text


def _body(value: Any, field: str) -> str:
    if value is None:
        raise FieldError(field, "may not be null (send an empty string for no text)")
    return _text(value, field, TEXT_CHARS, required=False, one_line=False) or ""


def _choice(values: tuple[str, ...], optional: bool) -> Callable[[Any, str], str | None]:
    def check(value: Any, field: str) -> str | None:
        if value is None and optional:
            return None
        if not isinstance(value, str):
            raise FieldError(field, f"expected one of {', '.join(values)}")
        given = value.strip().lower().replace(" ", "_")
        if given not in values:
            raise FieldError(field, f"{value[:40]!r} is not one of {', '.join(values)}")
        return given

    return check


def _region(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not NUTS_CODE.fullmatch(code := value.strip().upper()):
        raise FieldError(field, "expected a NUTS 2021 code (e.g. SE, SE2, SE23, SE232)")
    return code


def _municipality(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not MUNICIPALITY_CODE.fullmatch(code := value.strip()):
        raise FieldError(field, "expected a Swedish municipality code of four digits (e.g. 1480)")
    return code


def _items(limit: int, chars: int) -> Callable[[Any, str], list[str]]:
    def check(value: Any, field: str) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise FieldError(field, "expected a list of strings")
        if len(value) > limit:
            raise FieldError(field, f"{len(value)} items; at most {limit} are accepted")
        out: list[str] = []
        seen: set[str] = set()
        for i, item in enumerate(value):
            text = _text(item, f"{field}[{i}]", chars, required=True, one_line=True)
            assert text is not None
            if text.casefold() not in seen:
                seen.add(text.casefold())
                out.append(text)
        return out

    return check


def _links(value: Any, field: str) -> list[str]:
    links = _items(LINKS, LINK_CHARS)(value, field)
    for i, link in enumerate(links):
        try:
            parts = urlsplit(link)
            parts.port  # noqa: B018 - raises on a malformed port
        except ValueError:
            raise FieldError(f"{field}[{i}]", "not a web address") from None
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname or " " in link:
            raise FieldError(f"{field}[{i}]", "expected an http:// or https:// address")
    return links


def _licence(value: Any, field: str) -> str | None:
    return _text(value, field, LICENCE_CHARS, required=False, one_line=True)


def _contact(value: Any, field: str) -> str | None:
    return _text(value, field, CONTACT_CHARS, required=False, one_line=False)


def _organisation(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 40:
        raise FieldError(field, "expected an organisation's slug")
    return value.strip()


def message(value: Any, field: str = "message") -> str | None:
    """The optional message of "we are interested"."""
    return _text(value, field, MESSAGE_CHARS, required=False, one_line=False)


CHECKS: dict[str, Callable[[Any, str], Any]] = {
    "title": _title,
    "text": _body,
    "status": _choice(STATUSES, optional=False),
    "language": _choice(LANGUAGES, optional=True),
    "region": _region,
    "municipality": _municipality,
    "focus_areas": _items(FOCUS_AREAS, ITEM_CHARS),
    "technologies": _items(TECHNOLOGIES, ITEM_CHARS),
    "maturity": _choice(MATURITY, optional=True),
    "licence": _licence,
    "links": _links,
    "contact": _contact,
    "organisation": _organisation,
}

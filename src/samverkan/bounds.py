"""Bounds on what comes from outside: JSON documents, texts, numbers and times.

Every door — HTTP bodies, MQTT payloads, lines of an imported file — reads JSON through
:func:`load_json`, and the texts, numbers and times a document carries are checked here, so an
input that a serialiser, the database or Python's recursion limit would choke on is refused
where it enters, with the field named, and never reaches code that would fail on it later.

Invariants of a document :func:`load_json` accepts:

* it nests at most ``max_depth`` arrays and objects (measured on the raw text, before parsing,
  in linear time);
* every number is a whole number of 64 bits (``-2**63 … 2**63 - 1``) or a finite float;
  ``NaN`` and ``Infinity`` are not JSON and are refused;
* no string (key or value) holds a NUL character or half of a surrogate pair, which neither
  UTF-8 nor the databases can store.

Times are instants from 0001-01-01 to 9999-12-31 in UTC (what ISO 8601 and ``datetime`` can
write), held as integer milliseconds since the epoch.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from samverkan.errors import SamverkanError

INT_MIN, INT_MAX = -(2**63), 2**63 - 1  # what a 64-bit integer column holds
INT32_MAX = 2**31 - 1  # the largest id of a table with 32-bit ids (PostgreSQL's integer)
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
FIRST = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
LAST = dt.datetime(9999, 12, 31, 23, 59, 59, 999_000, tzinfo=dt.UTC)
MIN_MS = (FIRST - EPOCH) // dt.timedelta(milliseconds=1)
MAX_MS = (LAST - EPOCH) // dt.timedelta(milliseconds=1)

_BRACKETS = frozenset(b"[]{}")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in _BRACKETS)
_OPEN = np.zeros(256, np.int8)
_OPEN[[ord("["), ord("{")]] = 1
_OPEN[[ord("]"), ord("}")]] = -1
# what only a document with a suspicious value can contain (then every value is looked at):
# an escaped NUL or surrogate half, an integer of 19 digits or more, an exponent of 3 digits
_SUSPECT = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])|[0-9]{19}|[eE][+-]?[0-9]{3}")


class Unbounded(SamverkanError):
    """An input beyond what samverkan accepts (HTTP 400): ``field`` names where, ``reason`` says
    what is wrong; the message is both, ``"field: reason"``."""

    code = "out_of_bounds"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class Limits:
    """The bounds of documents and their texts (settings: ``json_max_depth``,
    ``text_max_chars``, ``json_max_bytes``)."""

    max_depth: int = 32
    max_text: int = 10_000
    max_json_bytes: int = 65_536


DEFAULT_LIMITS = Limits()

# -- JSON documents -----------------------------------------------------------------------------


def json_depth(raw: bytes | bytearray) -> int:
    """How deeply arrays and objects nest in ``raw`` (a JSON text), without parsing it.

    Linear and in C: escaped backslashes and quotes are removed, the text is cut at the
    remaining quotes (every other piece is inside a string), and the brackets outside strings
    are summed up (+1 opening, -1 closing). Malformed JSON gives some number; the parser refuses
    it afterwards.
    """
    unescaped = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    outside = b"".join(unescaped.split(b'"')[::2])
    brackets = outside.translate(None, _NOT_BRACKETS)
    if not brackets:
        return 0
    return int(np.cumsum(_OPEN[np.frombuffer(brackets, np.uint8)], dtype=np.int64).max())


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def load_json(raw: bytes | bytearray | str, where: str, max_depth: int = Limits.max_depth) -> Any:
    """Parse a JSON document from outside within the invariants above; raises :class:`Unbounded`
    naming ``where`` (e.g. ``body`` or ``line 12``) and, for a bad value, its path."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    depth = json_depth(data)
    if depth > max_depth:
        raise Unbounded(where, f"JSON nested {depth} levels deep; at most {max_depth} are accepted")
    try:
        value = json.loads(data, parse_constant=_no_constant)
    except UnicodeDecodeError as exc:
        raise Unbounded(where, f"not UTF-8 text (byte {exc.start + 1})") from None
    except json.JSONDecodeError as exc:
        at = f"column {exc.colno}" if b"\n" not in data.rstrip() else f"line {exc.lineno}, column {exc.colno}"
        raise Unbounded(where, f"malformed JSON at {at}: {exc.msg}") from None
    except (ValueError, RecursionError) as exc:  # a constant, or an integer of over 4,300 digits
        raise Unbounded(where, f"{exc}") from None
    if _SUSPECT.search(data):
        check_values(value, where)
    return value


def check_values(value: Any, where: str) -> None:
    """Every number and text of a parsed document within the invariants (an iterative walk)."""
    stack: list[tuple[Any, str]] = [(value, where)]
    while stack:
        item, path = stack.pop()
        if isinstance(item, dict):
            for key, inner in item.items():
                check_text(key, f"{path} (a key)")
                stack.append((inner, f"{path}.{key}"))
        elif isinstance(item, list):
            stack.extend((inner, f"{path}[{i}]") for i, inner in enumerate(item))
        elif isinstance(item, str):
            check_text(item, path)
        elif isinstance(item, int | float) and not isinstance(item, bool):
            check_number(item, path)


# -- values ---------------------------------------------------------------------------------------

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def check_text(value: str, field: str, max_chars: int | None = None) -> str:
    """``value`` if it is storable text within ``max_chars``; :class:`Unbounded` naming ``field``."""
    if max_chars is not None and len(value) > max_chars:
        raise Unbounded(field, f"{len(value)} characters; at most {max_chars} are accepted")
    bad = _UNSTORABLE.search(value)
    if bad is not None:
        what = "a NUL character" if bad.group() == "\x00" else "half of a surrogate pair (not Unicode text)"
        raise Unbounded(field, f"holds {what} at character {bad.start() + 1}")
    return value


def check_number(value: int | float, field: str) -> int | float:
    """A whole number of 64 bits or a finite float; :class:`Unbounded` naming ``field``."""
    if isinstance(value, int):
        if not INT_MIN <= value <= INT_MAX:
            raise Unbounded(field, f"{_short(value)} is outside the 64-bit whole numbers")
    elif not math.isfinite(value):
        raise Unbounded(field, f"{value} is not a finite number")
    return value


def check_id(value: Any, field: str, maximum: int = INT_MAX) -> int:
    """An entity id: a whole number from 1 to ``maximum`` (what its table's id column holds)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise Unbounded(field, "expected a whole number")
    if not 1 <= value <= maximum:
        raise Unbounded(field, f"{_short(value)} is not an id (1 … {maximum})")
    return value


def whole_number(text: str, field: str, maximum: int = INT_MAX) -> int:
    """A non-negative whole number written in ASCII digits (``"²"`` is a digit to Python, not to us)."""
    if not text.isascii() or not text.isdigit():
        raise Unbounded(field, f"expected a non-negative whole number, got {text[:40]!r}")
    if len(text) > 19 or int(text) > maximum:
        raise Unbounded(field, f"at most {maximum}, got {text[:40]}")
    return int(text)


def json_size(value: Any, field: str, max_bytes: int) -> Any:
    """``value`` if its JSON form takes at most ``max_bytes``; :class:`Unbounded` otherwise."""
    size = len(json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise Unbounded(field, f"{size} bytes as JSON; at most {max_bytes} are accepted")
    return value


def json_type(value: Any) -> str:
    """What kind of JSON value ``value`` is, for messages ("an object", "a string", …)."""
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )


def _short(value: int) -> str:
    text = str(value) if abs(value) < 10**40 else f"a number of {len(str(abs(value)))} digits"
    return text


# -- times ------------------------------------------------------------------------------------------


def to_ms(moment: dt.datetime) -> int:
    """Milliseconds since the epoch of an aware ``moment`` (works before year 1 UTC too, for
    :func:`check_ms` to refuse)."""
    return round((moment - EPOCH) / dt.timedelta(milliseconds=1))


def from_ms(ms: int) -> dt.datetime:
    """The UTC instant ``ms`` milliseconds after the epoch (any instant of years 1 … 9999)."""
    return EPOCH + dt.timedelta(milliseconds=ms)


def check_ms(ms: int, field: str) -> int:
    """A time in milliseconds within years 1 … 9999 UTC; :class:`Unbounded` naming ``field``."""
    if not MIN_MS <= ms <= MAX_MS:
        raise Unbounded(field, "the time is outside the years 1 … 9999 in UTC")
    return ms

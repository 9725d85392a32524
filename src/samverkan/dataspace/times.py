"""Every time of the data space, read and written here.

A time is held as integer milliseconds since the epoch in UTC, within years 1 … 9999
(:func:`samverkan.bounds.check_ms`): compact, and bucketed into hours and days with plain
integer arithmetic on both databases. What comes in is ISO 8601 with a time zone — an
instant, an interval ``start/end`` (``phenomenonTime``, ``validTime``), a request's
``from``/``to`` window, a ``$filter`` literal — and what goes out is ISO 8601 in UTC with a
``Z``. The way devices and clients mostly write times (``2024-05-01T10:00:00Z``) is also read
a whole column at a time, giving what the general reader gives.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import numpy as np

from samverkan.bounds import check_ms, from_ms, json_type, to_ms
from samverkan.db.engine import aware
from samverkan.errors import SamverkanError

log = logging.getLogger("samverkan.dataspace")

HOUR = 3_600_000
DAY = 24 * HOUR


class TimeError(SamverkanError):
    """A time that cannot be read (HTTP 400); the message names the field."""


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def now_ms() -> int:
    """Now, in milliseconds: the phenomenonTime of an observation that gives none."""
    return to_ms(now())


def floor_to(ms: int, step: int) -> int:
    """The start of the ``step``-long bucket holding ``ms`` (also before 1970)."""
    return ms - ms % step


# -- reading -------------------------------------------------------------------------------------


def parse_ms(text: str) -> int:
    """An ISO 8601 instant with a time zone (``Z`` or ``+01:00``) in milliseconds since the
    epoch, within years 1 … 9999 in UTC."""
    try:
        moment = dt.datetime.fromisoformat(text)  # since Python 3.11 with "Z" too
    except ValueError as exc:
        raise TimeError(f"{text[:60]!r} is not an ISO 8601 time") from exc
    if moment.tzinfo is None:
        raise TimeError(f"time {text!r} has no time zone: add Z for UTC or an offset such as +01:00")
    return check_ms(to_ms(moment), f"time {text!r}")


def parse_time(text: str) -> dt.datetime:
    """:func:`parse_ms` as an aware UTC datetime, to the millisecond."""
    return from_ms(parse_ms(text))


def read_time(value: Any, field: str) -> int:
    """A JSON member holding an instant, in milliseconds."""
    if not isinstance(value, str):
        raise TimeError(f"{field}: expected an ISO 8601 time as a string, got {json_type(value)}")
    try:
        return parse_ms(value)
    except SamverkanError as exc:
        raise TimeError(f"{field}: {exc}") from exc


def read_interval(value: Any, field: str) -> tuple[int, int | None]:
    """An instant or an ISO 8601 interval ``start/end`` as milliseconds (end None for an instant)."""
    if isinstance(value, str) and "/" in value:
        start, _, end = value.partition("/")
        first, last = read_time(start, field), read_time(end, field)
        if last < first:
            raise TimeError(f"{field}: the interval ends before it starts")
        return first, last
    return read_time(value, field), None


def read_period(value: Any, field: str) -> tuple[int, int]:
    """An ISO 8601 interval ``start/end`` (an instant is refused) as milliseconds."""
    start, end = read_interval(value, field)
    if end is None:
        raise TimeError(f"{field}: expected an interval start/end")
    return start, end


def window(start: str | None, end: str | None) -> tuple[int | None, int | None]:
    """``from`` and ``to`` of a request as milliseconds (either may be open)."""
    first = parse_ms(start) if start else None
    last = parse_ms(end) if end else None
    if first is not None and last is not None and last <= first:
        raise TimeError("'to' must be after 'from'")
    return first, last


STEPS = {"m": 60_000, "h": HOUR, "d": DAY}


def read_step(text: str) -> int:
    """The step of aggregate buckets, ``15m``, ``1h``, ``6h``, ``1d`` …, as milliseconds."""
    number, unit = text[:-1], text[-1:]
    if unit not in STEPS or not number.isdigit() or int(number) <= 0:
        raise TimeError(f"interval {text!r}: use a whole number and m, h or d, e.g. 15m, 1h, 1d")
    step = int(number) * STEPS[unit]
    if (step < HOUR and HOUR % step) or (step > HOUR and step % HOUR):
        raise TimeError(f"interval {text!r}: use a part of an hour (1m … 30m) or whole hours or days")
    return step


# the fixed places of the separators in a UTC time written ``YYYY-MM-DDTHH:MM:SS[.fff]Z``
_SEPARATORS = {4: "-", 7: "-", 10: "T", 13: ":", 16: ":", 19: "."}
_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def utc_ms(texts: list[str]) -> np.ndarray | None:
    """Milliseconds since the epoch of times that are all written the way devices and clients
    mostly write them, ``2024-05-01T10:00:00Z`` or ``2024-05-01T10:00:00.250Z``, read in one
    numpy pass (a fifth of the time of ``datetime``); None when any is written otherwise or is
    not a real time, for the general reader to read or refuse."""
    width = len(texts[0]) if texts else 0
    if width not in (20, 24) or set(map(len, texts)) != {width}:
        return None
    joined = "".join(texts)
    if not joined.isascii():
        return None
    # one row per place in the text (contiguous), the characters' codes minus that of "0"
    places = np.frombuffer(joined.encode("ascii"), np.uint8).reshape(len(texts), width).T - np.uint8(ord("0"))
    separators = {at: mark for at, mark in _SEPARATORS.items() if at < width - 1} | {width - 1: "Z"}
    marks = np.frombuffer("".join(separators.values()).encode(), np.uint8) - np.uint8(ord("0"))
    if not (places[list(separators)] == marks[:, None]).all():
        return None
    if not (places[[at for at in range(width) if at not in separators]] <= 9).all():  # others wrap to > 9
        return None

    def value(start: int, end: int) -> Any:  # the number written in places start … end - 1
        return sum(places[at].astype(np.int64) * 10 ** (end - 1 - at) for at in range(start, end))

    year, month, day = value(0, 4), value(5, 7), value(8, 10)
    if not ((year >= 1) & (month >= 1) & (month <= 12) & (day >= 1)).all():
        return None
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    hour, minute, second = value(11, 13), value(14, 16), value(17, 19)
    if not (
        (day <= _MONTH_DAYS[month - 1] + ((month == 2) & leap)) & (hour < 24) & (minute < 60) & (second < 60)
    ).all():
        return None
    # days from 1970-01-01 in the proleptic Gregorian calendar, as datetime counts them
    # (the "days from civil" algorithm, with years starting in March)
    shifted = year - (month <= 2)
    era = shifted // 400
    of_era = shifted - era * 400
    day_of_year = (153 * (month + np.where(month > 2, -3, 9)) + 2) // 5 + day - 1
    days = era * 146_097 + of_era * 365 + of_era // 4 - of_era // 100 + day_of_year - 719_468
    millis = value(20, 23) if width == 24 else 0
    return (((days * 24 + hour) * 60 + minute) * 60 + second) * 1000 + millis


def instants_ms(texts: list[str]) -> np.ndarray | None:
    """Milliseconds of instants written as :func:`parse_ms` reads them, one numpy array;
    None when any is not one (an interval, no time zone, not a time, outside years 1 … 9999),
    for a reader that names the problem. :func:`utc_ms` first, then one by one."""
    moments = utc_ms(texts)
    if moments is not None:
        return moments
    try:
        return np.array([parse_ms(text) for text in texts], np.int64)
    except SamverkanError:
        return None


# -- writing -------------------------------------------------------------------------------------


def format_ms(ms: int | None) -> str | None:
    """ISO 8601 in UTC with a ``Z``; milliseconds only when there are any. A stored time outside
    years 1 … 9999 (written before such times were refused) reads as unknown, and is logged."""
    if ms is None:
        return None
    try:
        moment = from_ms(ms)
    except OverflowError:
        log.warning("a stored time of %d ms lies outside years 1 … 9999; shown as unknown", ms)
        return None
    text = f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment:%H:%M:%S}"
    if ms % 1000:
        text += f".{ms % 1000:03d}"
    return text + "Z"


def format_interval(start: int | None, end: int | None) -> str | None:
    first, last = format_ms(start), format_ms(end)
    if first is None:
        return None
    return first if last is None else f"{first}/{last}"


def iso(moment: dt.datetime | None) -> str | None:
    """A stored moment (a database timestamp: token and share times, audit entries) as ISO
    8601 in UTC with a ``Z`` (None stays None)."""
    if moment is None:
        return None
    return aware(moment).astimezone(dt.UTC).isoformat().replace("+00:00", "Z")

"""Amounts of money as a newsletter writes them: ``34,6 miljoner kr`` in Swedish, ``SEK 34.6
million`` in English.

Invariants: a whole amount below a million is written in full with thousands grouped by a
no-break space (``300 000 kr``); from a million on it is written in millions (``miljoner``) or
billions (``miljarder``) with at most two decimals, trailing zeros dropped, so the figure is
never rounded by more than half a hundredth of the unit; the currency follows in Swedish
(``kr`` for SEK, ``euro`` for EUR, else the code) and precedes in English (the ISO code).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

NBSP = "\u00a0"
SWEDISH_CURRENCY = {"SEK": "kr", "EUR": "euro"}


def _figure(value: Decimal, decimal_mark: str, group: str) -> str:
    """``value`` with at most two decimals (trailing zeros dropped) and grouped thousands."""
    rounded = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    whole, _, fraction = f"{rounded:f}".partition(".")
    fraction = fraction.rstrip("0")
    sign = "-" if whole.startswith("-") else ""
    digits = whole.lstrip("-")
    groups: list[str] = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    text = sign + group.join(groups or ["0"])
    return f"{text}{decimal_mark}{fraction}" if fraction else text


def amount_text(amount: Decimal | float | int | str | None, currency: str | None, language: str = "sv") -> str:
    """``34600000, "SEK"`` → ``34,6 miljoner kr`` (sv) or ``SEK 34.6 million`` (en); ``""`` for none."""
    if amount is None or amount == "":
        return ""
    value = Decimal(str(amount))
    code = (currency or "").upper()
    size = abs(value)
    if language == "sv":
        unit = SWEDISH_CURRENCY.get(code, code)
        if size >= 1_000_000_000:
            figure = _figure(value / 1_000_000_000, ",", NBSP)
            words = "miljard" if figure in ("1", "-1") else "miljarder"
            text = f"{figure} {words}"
        elif size >= 1_000_000:
            figure = _figure(value / 1_000_000, ",", NBSP)
            words = "miljon" if figure in ("1", "-1") else "miljoner"
            text = f"{figure} {words}"
        else:
            text = _figure(value, ",", NBSP)
        return f"{text} {unit}".strip()
    if size >= 1_000_000_000:
        text = f"{_figure(value / 1_000_000_000, '.', ',')} billion"
    elif size >= 1_000_000:
        text = f"{_figure(value / 1_000_000, '.', ',')} million"
    else:
        text = _figure(value, ".", ",")
    return f"{code} {text}".strip()

"""The OData query options SensorThings clients use: ``$filter``, ``$orderby``, ``$select``,
``$expand`` (nested, with its own options), ``$top``, ``$skip`` and ``$count``.

Parsing only: expressions become a small tree that :mod:`samverkan.dataspace.query` turns
into SQL. Every error names the option and the position in it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from samverkan.bounds import INT_MAX, Unbounded, check_number, whole_number
from samverkan.dataspace.times import parse_time
from samverkan.errors import SamverkanError


class QueryOptionError(SamverkanError):
    """A malformed query option (HTTP 400)."""


# -- the expression tree ---------------------------------------------------------------


@dataclass(frozen=True)
class Path:
    """A property path such as ``name``, ``properties/owner`` or ``Datastream/Thing/name``."""

    parts: tuple[str, ...]


@dataclass(frozen=True)
class Literal:
    value: Any  # str, int, float, bool, None or an aware datetime


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Any, ...]


@dataclass(frozen=True)
class Unary:
    op: str  # "not" or "-"
    operand: Any


@dataclass(frozen=True)
class Binary:
    op: str  # eq ne gt ge lt le and or add sub mul div mod
    left: Any
    right: Any


@dataclass(frozen=True)
class Order:
    path: Path
    descending: bool


@dataclass
class Options:
    """The query options of one request, or of one ``$expand`` item."""

    filter: Any = None
    orderby: list[Order] = field(default_factory=list)
    select: list[str] | None = None
    expand: list[Expand] = field(default_factory=list)
    top: int | None = None
    skip: int = 0
    count: bool = False


@dataclass
class Expand:
    navigation: str
    options: Options


@dataclass(frozen=True)
class QueryLimits:
    """What one request's options may ask for (settings ``sta_max_*``): each bound is named in
    the message that refuses it. ``max_entities`` is applied by the reader, which knows which
    navigation properties lead to many entities."""

    max_top: int = 10_000
    max_filter_tokens: int = 200
    max_filter_depth: int = 10
    max_orderby: int = 8
    max_expand_depth: int = 2
    max_expand_items: int = 8
    max_entities: int = 20_000


DEFAULT_QUERY_LIMITS = QueryLimits()


# -- tokens ----------------------------------------------------------------------------

_DATETIME = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})"
_TOKEN = re.compile(
    rf"""\s*(?:
      (?P<datetime>{_DATETIME})
    | (?P<string>'(?:[^']|'')*')
    | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
    | (?P<name>[A-Za-z_@$][\w@.$]*(?:/[A-Za-z_@$][\w@.$]*)*)
    | (?P<punct>[(),])
    )""",
    re.VERBOSE,
)
COMPARISONS = {"eq", "ne", "gt", "ge", "lt", "le"}
ARITHMETIC = {"add": 3, "sub": 3, "mul": 4, "div": 4, "mod": 4}
PRECEDENCE = {"or": 1, "and": 2, **{c: 2.5 for c in COMPARISONS}, **ARITHMETIC}


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    at: int


def tokens(text: str, option: str, most: int | None = None) -> list[Token]:
    """The tokens of ``text``; at most ``most`` of them (a bound on the cost of what follows)."""
    out: list[Token] = []
    at = 0
    while at < len(text):
        if most is not None and len(out) == most:
            raise QueryOptionError(f"{option}: more than {most} terms; at most {most} are accepted")
        if text[at:].strip() == "":
            break
        match = _TOKEN.match(text, at)
        if not match or match.end() == at:
            raise QueryOptionError(f"{option}: cannot read {text[at : at + 20]!r} at position {at + 1}")
        kind = match.lastgroup or ""
        out.append(Token(kind, match.group(kind), match.start(kind)))
        at = match.end()
    return out


# -- $filter ---------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str, option: str, limits: QueryLimits = DEFAULT_QUERY_LIMITS) -> None:
        self.option = option
        self.tokens = tokens(text, option, limits.max_filter_tokens)
        self.i = 0
        self.depth = 0  # nesting of parentheses, functions and operators being read
        self.max_depth = limits.max_filter_depth

    def error(self, message: str) -> QueryOptionError:
        where = self.tokens[self.i].at + 1 if self.i < len(self.tokens) else "the end"
        return QueryOptionError(f"{self.option}: {message} (at position {where})")

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, text: str | None = None) -> Token:
        token = self.peek()
        if token is None or (text is not None and token.text != text):
            raise self.error(f"expected {text!r}" if text else "unexpected end")
        self.i += 1
        return token

    def done(self) -> None:
        token = self.peek()
        if token is not None:
            raise self.error(f"unexpected {token.text!r}")

    @contextmanager
    def nested(self) -> Iterator[None]:
        """One level deeper: parentheses, a function's arguments, ``not`` (the parser's recursion)."""
        self.depth += 1
        if self.depth > self.max_depth:
            raise self.error(f"nested more than {self.max_depth} levels deep; at most that many are accepted")
        try:
            yield
        finally:
            self.depth -= 1

    def expression(self, min_precedence: float = 0) -> Any:
        left = self.unary()
        while (token := self.peek()) is not None and token.kind == "name" and token.text in PRECEDENCE:
            precedence = PRECEDENCE[token.text]
            if precedence <= min_precedence:
                break
            self.i += 1
            left = Binary(token.text, left, self.expression(precedence))
        return left

    def number(self, token: Token) -> int | float:
        text = token.text
        try:
            return check_number(float(text) if any(c in text for c in ".eE") else int(text), "number")
        except (Unbounded, ValueError):
            where = f"at position {token.at + 1}"
            message = f"{self.option}: {text[:40]} is not a 64-bit whole number or a finite float ({where})"
            raise QueryOptionError(message) from None

    def unary(self) -> Any:
        token = self.peek()
        if token is None:
            raise self.error("expected an expression")
        if token.kind == "name" and token.text == "not":
            self.i += 1
            with self.nested():
                return Unary("not", self.expression(2))
        return self.primary()

    def primary(self) -> Any:
        token = self.take()
        if token.kind == "punct" and token.text == "(":
            with self.nested():
                inner = self.expression()
            self.take(")")
            return inner
        if token.kind == "string":
            return Literal(token.text[1:-1].replace("''", "'"))
        if token.kind == "number":
            return Literal(self.number(token))
        if token.kind == "datetime":
            return Literal(parse_time(token.text))
        if token.kind == "name":
            lowered = token.text.lower()
            if lowered in ("true", "false"):
                return Literal(lowered == "true")
            if lowered == "null":
                return Literal(None)
            nxt = self.peek()
            if nxt is not None and nxt.text == "(":
                self.i += 1
                args = []
                with self.nested():
                    if (nxt := self.peek()) is not None and nxt.text != ")":
                        args.append(self.expression())
                        while (nxt := self.peek()) is not None and nxt.text == ",":
                            self.i += 1
                            args.append(self.expression())
                self.take(")")
                return Call(token.text.lower(), tuple(args))
            if token.text in PRECEDENCE or token.text == "not":
                raise self.error(f"operator {token.text!r} needs an operand before it")
            return Path(tuple(token.text.split("/")))
        raise self.error(f"unexpected {token.text!r}")


def parse_filter(text: str, limits: QueryLimits = DEFAULT_QUERY_LIMITS) -> Any:
    parser = _Parser(text, "$filter", limits)
    if not parser.tokens:
        raise QueryOptionError("$filter: empty expression")
    tree = parser.expression()
    parser.done()
    return tree


# -- $orderby, $select, $expand ------------------------------------------------------------


def _split_top_level(text: str, separator: str, option: str) -> list[str]:
    """Split at ``separator`` outside parentheses and quotes."""
    parts, depth, quoted, start = [], 0, False, 0
    for i, char in enumerate(text):
        if char == "'":
            quoted = not quoted
        elif quoted:
            continue
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                raise QueryOptionError(f"{option}: unbalanced ')' at position {i + 1}")
        elif char == separator and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if depth or quoted:
        raise QueryOptionError(f"{option}: unbalanced parentheses or quotes")
    parts.append(text[start:])
    return [p.strip() for p in parts]


def parse_orderby(text: str, most: int = DEFAULT_QUERY_LIMITS.max_orderby) -> list[Order]:
    orders = []
    parts = _split_top_level(text, ",", "$orderby")
    if len(parts) > most:
        raise QueryOptionError(f"$orderby: {len(parts)} terms; at most {most} are accepted")
    for part in parts:
        words = part.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise QueryOptionError(f"$orderby: expected 'property [asc|desc]', got {part!r}")
        orders.append(Order(Path(tuple(words[0].split("/"))), len(words) == 2 and words[1].lower() == "desc"))
    return orders


def parse_select(text: str) -> list[str]:
    names = [p for p in _split_top_level(text, ",", "$select")]
    if not all(names):
        raise QueryOptionError("$select: empty property name")
    return names


def _number(value: str, option: str, maximum: int = INT_MAX) -> int:
    try:
        return whole_number(value, option, maximum)
    except Unbounded as exc:
        raise QueryOptionError(str(exc)) from None


def parse_expand(text: str, limits: QueryLimits = DEFAULT_QUERY_LIMITS, depth: int = 1) -> list[Expand]:
    """``$expand`` items (``depth``: the level they are at; paths such as ``Datastreams/Thing``
    count one level per step)."""
    items: list[Expand] = []
    parts = _split_top_level(text, ",", "$expand")
    if len(parts) > limits.max_expand_items:
        raise QueryOptionError(f"$expand: {len(parts)} items; at most {limits.max_expand_items} are accepted")
    for part in parts:
        if not part:
            raise QueryOptionError("$expand: empty item")
        name, inner = part, ""
        if part.endswith(")") and "(" in part:
            name, inner = part[: part.index("(")], part[part.index("(") + 1 : -1]
        steps = name.strip().split("/")
        if depth + len(steps) - 1 > limits.max_expand_depth:
            raise QueryOptionError(
                f"$expand: {name.strip()!r} goes {depth + len(steps) - 1} levels deep; "
                f"at most {limits.max_expand_depth} are accepted"
            )
        options = parse_inline(inner, limits, depth + len(steps) - 1) if inner else Options()
        # Datastreams/Observations is Datastreams($expand=Observations)
        for step in reversed(steps[1:]):
            options = Options(expand=[Expand(step, options)])
        items.append(Expand(steps[0], options))
    if sum(count_items(item) for item in items) > limits.max_expand_items:
        raise QueryOptionError(f"$expand: more than {limits.max_expand_items} items in all levels together")
    return items


def count_items(item: Expand) -> int:
    """The expand items of ``item`` and below it, itself included."""
    return 1 + sum(count_items(inner) for inner in item.options.expand)


def parse_inline(text: str, limits: QueryLimits = DEFAULT_QUERY_LIMITS, depth: int = 1) -> Options:
    """Options inside ``$expand=Nav(…)``, separated by ``;``."""
    raw: dict[str, str] = {}
    for part in _split_top_level(text, ";", "$expand"):
        key, sep, value = part.partition("=")
        if not sep:
            raise QueryOptionError(f"$expand: expected '$option=value' inside parentheses, got {part!r}")
        raw[key.strip()] = value.strip()
    return parse_options(raw, limits, depth)


def parse_options(raw: dict[str, str], limits: QueryLimits = DEFAULT_QUERY_LIMITS, depth: int = 0) -> Options:
    """All query options of a request (unknown ``$`` options are an error); ``depth``: 0 for the
    request itself, the level of the ``$expand`` item otherwise."""
    options = Options()
    for key, value in raw.items():
        if key == "$filter":
            options.filter = parse_filter(value, limits)
        elif key == "$orderby":
            options.orderby = parse_orderby(value, limits.max_orderby)
        elif key == "$select":
            options.select = parse_select(value)
        elif key == "$expand":
            options.expand = parse_expand(value, limits, depth + 1)
        elif key == "$top":
            options.top = _number(value, "$top", limits.max_top)
        elif key == "$skip":
            options.skip = _number(value, "$skip")
        elif key == "$count":
            if value not in ("true", "false"):
                raise QueryOptionError(f"$count: expected true or false, got {value!r}")
            options.count = value == "true"
        elif key == "$resultFormat":
            raise QueryOptionError("$resultFormat: only the default JSON format is offered")
        elif key.startswith("$"):
            raise QueryOptionError(f"unknown query option {key[:40]!r}")
    return options

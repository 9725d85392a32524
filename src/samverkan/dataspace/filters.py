"""``$filter`` compiled to SQL: comparisons, arithmetic and the standard's functions on
properties (JSON members, results, times, texts), and paths through navigation properties,
which become subqueries that respect visibility too (:func:`samverkan.dataspace.visibility.visible`)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, String, and_, cast, false, func, literal, not_, or_, select, true
from sqlalchemy.sql.elements import False_, True_

from samverkan.bounds import to_ms
from samverkan.dataspace import odata
from samverkan.dataspace.model import SETS, EntitySet, Nav
from samverkan.dataspace.odata import Binary, Call, Literal, Path, QueryOptionError, Unary
from samverkan.dataspace.sharing import Access
from samverkan.dataspace.times import parse_ms
from samverkan.dataspace.visibility import visible
from samverkan.db import dataspace as t


def having(nav: Nav, source: EntitySet, target_ids: Any) -> ColumnElement[bool]:
    """Rows of ``source`` related to any target row that ``target_ids`` selects."""
    model = source.model
    target = SETS[nav.target].model
    if nav.fk is not None:
        return getattr(model, nav.fk).in_(target_ids)
    if nav.back is not None:
        return model.id.in_(select(getattr(target, nav.back)).where(target.id.in_(target_ids)))
    assert nav.link is not None
    table, mine, theirs = nav.link
    return model.id.in_(select(getattr(table, mine)).where(getattr(table, theirs).in_(target_ids)))


@dataclass(frozen=True)
class Operand:
    sql: Any
    kind: str  # number, text, time, json, bool, null, object


JSON_PROPS = {"object", "any"}


def _paths(node: Any) -> list[Path]:
    if isinstance(node, Path):
        return [node]
    if isinstance(node, Binary):
        return _paths(node.left) + _paths(node.right)
    if isinstance(node, Unary):
        return _paths(node.operand)
    if isinstance(node, Call):
        return [p for a in node.args for p in _paths(a)]
    return []


def _strip(node: Any, count: int) -> Any:
    if isinstance(node, Path):
        return Path(node.parts[count:])
    if isinstance(node, Binary):
        return Binary(node.op, _strip(node.left, count), _strip(node.right, count))
    if isinstance(node, Unary):
        return Unary(node.op, _strip(node.operand, count))
    if isinstance(node, Call):
        return Call(node.name, tuple(_strip(a, count) for a in node.args))
    return node


def condition(node: Any, eset: EntitySet, access: Access) -> ColumnElement[bool]:
    """A ``$filter`` tree as a SQL condition on ``eset`` (navigation paths become subqueries
    that respect visibility too)."""
    if isinstance(node, Binary) and node.op in ("and", "or"):
        join = and_ if node.op == "and" else or_
        return join(condition(node.left, eset, access), condition(node.right, eset, access))
    if isinstance(node, Unary) and node.op == "not":
        return not_(condition(node.operand, eset, access))
    # a leaf predicate: if all its paths start with the same navigation property, evaluate it there
    paths = _paths(node)
    navs = {p.parts[0] for p in paths if eset.nav(p.parts[0]) is not None and len(p.parts) > 1}
    if navs:
        if len(navs) > 1 or any(eset.nav(p.parts[0]) is None for p in paths):
            raise QueryOptionError(
                "$filter: a comparison may follow one navigation property on both sides, not several"
            )
        nav = eset.nav(navs.pop())
        assert nav is not None
        target = SETS[nav.target]
        inner = select(target.model.id).where(visible(target, access), condition(_strip(node, 1), target, access))
        return having(nav, eset, inner)
    result = operand(node, eset)
    if result.kind not in ("bool", "json"):
        raise QueryOptionError("$filter: the expression is not a condition (compare it with eq, gt, …)")
    return result.sql if result.kind == "bool" else result.sql.as_boolean()


def operand(node: Any, eset: EntitySet) -> Operand:
    if isinstance(node, Literal):
        value = node.value
        if value is None:
            return Operand(None, "null")
        if isinstance(value, bool):
            return Operand(true() if value else false(), "bool")
        if isinstance(value, dt.datetime):
            return Operand(to_ms(value), "time")
        if isinstance(value, int):  # as a 64-bit literal: a 32-bit id column compares with any
            return Operand(literal(value, BigInteger), "number")
        return Operand(value, "number" if isinstance(value, float) else "text")
    if isinstance(node, Path):
        return path_operand(node, eset)
    if isinstance(node, Binary) and node.op in odata.COMPARISONS:
        return Operand(_compare(node.op, operand(node.left, eset), operand(node.right, eset)), "bool")
    if isinstance(node, Binary) and node.op in odata.ARITHMETIC:
        left, right = _numeric(operand(node.left, eset)), _numeric(operand(node.right, eset))
        ops = {
            "add": lambda a, b: a + b,
            "sub": lambda a, b: a - b,
            "mul": lambda a, b: a * b,
            "div": lambda a, b: a / b,
            "mod": lambda a, b: a % b,
        }
        return Operand(ops[node.op](left, right), "number")
    if isinstance(node, Binary):  # and/or below a comparison or a function
        raise QueryOptionError(f"$filter: {node.op} joins conditions; its result cannot be compared or computed with")
    if isinstance(node, Unary) and node.op == "not":
        inner = operand(node.operand, eset)
        return Operand(not_(inner.sql), "bool")
    if isinstance(node, Call):
        return _call(node, eset)
    raise QueryOptionError("$filter: unsupported expression")  # pragma: no cover


def path_operand(path: Path, eset: EntitySet) -> Operand:
    name, rest = path.parts[0], path.parts[1:]
    model = eset.model
    if name in ("id", "@iot.id"):
        if rest:
            raise QueryOptionError(f"$filter: {'/'.join(path.parts)} is not a property")
        return Operand(model.id, "number")
    prop = eset.prop(name)
    if prop is None:
        raise QueryOptionError(f"$filter: {eset.singular} has no property {name!r}")
    if prop.kind == "computed":
        raise QueryOptionError(f"$filter: {eset.singular}/{name} cannot be filtered on")
    if prop.kind in JSON_PROPS:
        column = getattr(model, prop.column)
        return Operand(column[rest] if len(rest) > 1 else column[rest[0]] if rest else column, "json")
    if rest:
        raise QueryOptionError(f"$filter: {eset.singular}/{name} has no sub-properties")
    if prop.kind == "result":
        return Operand((t.Observation.result, t.Observation.result_json), "result")
    if prop.kind in ("time", "interval", "period"):
        return Operand(getattr(model, prop.column), "time")
    return Operand(getattr(model, prop.column), "text")


def _numeric(value: Operand) -> Any:
    if value.kind == "number" or value.kind == "time":
        return value.sql
    if value.kind == "result":
        return value.sql[0]
    if value.kind == "json":
        return value.sql.as_float()
    raise QueryOptionError("$filter: arithmetic needs numbers")


def _compare(op: str, left: Operand, right: Operand) -> ColumnElement[bool]:
    for value, other in ((left, right), (right, left)):
        constant = isinstance(other.sql, str) or isinstance(other.sql, True_ | False_)
        if value.kind == "result" and other.kind in ("text", "bool") and constant:
            # a text or boolean result is stored as its JSON text, which compares as stored
            stored = cast(value.sql[1], String)
            plain = other.sql if isinstance(other.sql, str) else isinstance(other.sql, True_)
            literal_json = json.dumps(plain, ensure_ascii=False)
            a, b = (stored, literal_json) if value is left else (literal_json, stored)
            return _ops(op, a, b)
    left, right = _align(left, right), _align(right, left)
    a, b = left.sql, right.sql
    if right.kind == "null" or left.kind == "null":
        if op not in ("eq", "ne"):
            raise QueryOptionError("$filter: null can only be compared with eq or ne")
        column = a if right.kind == "null" else b
        return column.is_(None) if op == "eq" else column.is_not(None)
    return _ops(op, a, b)


def _ops(op: str, a: Any, b: Any) -> ColumnElement[bool]:
    return {
        "eq": lambda: a == b,
        "ne": lambda: a != b,
        "gt": lambda: a > b,
        "ge": lambda: a >= b,
        "lt": lambda: a < b,
        "le": lambda: a <= b,
    }[op]()


def _align(value: Operand, other: Operand) -> Operand:
    """Give JSON and result operands the type of what they are compared with; read time
    strings compared with a time property as times."""
    if value.kind == "result":
        if other.kind in ("text", "bool"):  # literals were handled by _compare
            raise QueryOptionError("$filter: compare result with a number, or with a text or true/false literal")
        return Operand(value.sql[0], "number")
    if value.kind == "json":
        if other.kind == "text":
            return Operand(value.sql.as_string(), "text")
        if other.kind == "bool":
            return Operand(value.sql.as_boolean(), "bool")
        if other.kind in ("number", "time"):
            return Operand(value.sql.as_float(), "number")
        return value
    if value.kind == "text" and other.kind == "time" and isinstance(value.sql, str):
        try:
            return Operand(parse_ms(value.sql), "time")
        except Exception as exc:
            raise QueryOptionError(f"$filter: {value.sql!r} is not a time") from exc
    return value


def _text(value: Operand) -> Any:
    if value.kind == "json":
        return value.sql.as_string()
    if value.kind == "result":
        return cast(value.sql[1], String)  # the stored JSON text
    if value.kind == "text":
        return value.sql
    raise QueryOptionError("$filter: a text function needs text")


def _call(node: Call, eset: EntitySet) -> Operand:
    arity = {
        "substringof": 2,
        "contains": 2,
        "startswith": 2,
        "endswith": 2,
        "tolower": 1,
        "toupper": 1,
        "length": 1,
        "trim": 1,
        "concat": 2,
        "round": 1,
    }
    if node.name not in arity:
        raise QueryOptionError(f"$filter: unsupported function {node.name!r}")
    args = [operand(a, eset) for a in node.args]
    if len(args) != arity[node.name]:
        raise QueryOptionError(f"$filter: {node.name} takes {arity[node.name]} argument(s), got {len(args)}")
    if node.name == "round":
        return Operand(func.round(_numeric(args[0])), "number")
    texts = [_sql(_text(a)) for a in args]
    if node.name in ("substringof", "contains", "startswith", "endswith"):
        hay, needle = (texts[1], args[0]) if node.name == "substringof" else (texts[0], args[1])
        return Operand(_like(hay, needle, node.name), "bool")
    if node.name == "concat":
        return Operand(texts[0] + texts[1], "text")
    return Operand(
        {"tolower": func.lower, "toupper": func.upper, "length": func.length, "trim": func.trim}[node.name](texts[0]),
        "number" if node.name == "length" else "text",
    )


def _sql(value: Any) -> Any:
    return literal(value, String) if isinstance(value, str) else value


def _like(hay: Any, needle: Operand, name: str) -> ColumnElement[bool]:
    """substringof/contains, startswith and endswith, with ``%`` and ``_`` taken literally."""
    if isinstance(needle.sql, str):
        method = {"startswith": hay.startswith, "endswith": hay.endswith}.get(name, hay.contains)
        return method(needle.sql, autoescape=True)
    pattern = _sql(_text(needle))
    if name == "startswith":
        return hay.like(pattern + "%")
    if name == "endswith":
        return hay.like("%" + pattern)
    return hay.like("%" + pattern + "%")

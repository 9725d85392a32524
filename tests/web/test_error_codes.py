"""Errors are answered by their type, status and code — never by the wording of their message,
which is English prose for people and may be reworded: the Swedish pages word each query
error by its code, the API names the code beside the message, and no module of the web layer
reads an error's message for anything but passing it on."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from samverkan.errors import NotFound, QueryError, SamverkanError, TooLarge, Unauthorized

WEB = Path(__file__).resolve().parents[2] / "src" / "samverkan" / "web"
SV = {"Accept-Language": "sv-SE,sv;q=0.9"}
NBSP = "\xa0"  # Swedish groups thousands with a no-break space

# every query error a search page can meet, and its Swedish wording
PAGE_CODES = {
    "empty": "Beskriv vad ni söker: sökrutan är tom.",
    "too_long": f"Texten är för lång: 20{NBSP}001 tecken, högst 20{NBSP}000.",
    "language": "samverkan förstår svenska och engelska; beskriv ert behov på något av dem.",
    "no_words": "Texten har inga ord att söka efter.",
}


def test_every_error_carries_its_status_and_code():
    assert (SamverkanError("x").status, SamverkanError("x").code) == (400, "invalid")
    assert (NotFound("x").status, NotFound("x").code) == (404, "not_found")
    assert (Unauthorized("x").status, TooLarge("x").status) == (401, 413)
    error = QueryError("the query is long", code="too_long", length=30, limit=20)
    assert (error.status, error.code, error.length, error.limit) == (400, "too_long", 30, 20)
    assert QueryError("x").code == "query" and SamverkanError("x", code="busy").code == "busy"
    from samverkan.search import QueryError as reexported  # the old import keeps working

    assert reexported is QueryError


@pytest.mark.parametrize("code", sorted(PAGE_CODES))
def test_each_query_error_is_worded_on_the_swedish_page_by_its_code(client, monkeypatch, code):
    def search(*args, **kwargs):
        raise QueryError("A MESSAGE THE PAGE MUST NOT READ", code=code, length=20_001, limit=20_000, language="fr")

    monkeypatch.setattr(client.app.state.samverkan, "search", search)
    page = client.get("/search", params={"q": "energi"}, headers=SV)
    assert page.status_code == 400 and PAGE_CODES[code] in page.text
    assert "A MESSAGE" not in page.text and 'role="alert"' in page.text


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("   ", "empty"),
        ("x" * 20_001, "too_long"),
        ("bonjour je cherche des partenaires pour un projet", "language"),
        ("!!! ??? …", "no_words"),
    ],
)
def test_real_query_errors_in_swedish_and_in_the_api(client, query, code):
    page = client.get("/search", params={"q": query}, headers=SV)
    assert page.status_code == 400 and PAGE_CODES[code] in page.text
    api = client.get("/api/v1/search", params={"q": query})
    assert api.status_code == 400 and api.json()["code"] == code and api.json()["detail"]


def test_api_errors_name_their_code(client):
    limit = client.get("/api/v1/search", params={"q": "energi", "limit": 500})
    assert limit.status_code == 400 and limit.json()["code"] == "limit"
    nothing = client.get("/api/v1/partners")
    assert nothing.status_code == 400 and nothing.json()["code"] == "empty"
    missing = client.get("/api/v1/calls/NO-SUCH-CALL")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    refused = client.post("/api/v1/tenants", content=b"x", headers={"content-type": "text/plain"})
    assert refused.status_code == 415 and refused.json()["code"] == "unsupported_media_type"


# -- no module of the web layer reads an error's message ---------------------------------------------

EXCEPTION_NAMES = {"exc", "error", "err", "e", "exception", "refusal"}
MESSAGE_ATTRIBUTES = {"args", "message", "msg"}
PASSED_ON = {"encode"}  # serialising a message for the answer is passing it on


def message_inspections(source: str) -> list[int]:
    """Lines where an error's message (``str(exc)``, ``exc.args``, a name or parameter holding
    one, also across calls to the module's own functions) is compared, searched, sliced or
    transformed instead of only being passed on as a value."""
    tree = ast.parse(source)
    parents: dict[ast.AST, ast.AST] = {}
    scope_of: dict[ast.AST, ast.AST] = {}
    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}

    def visit(node: ast.AST, scope: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            parents[child] = node
            scope_of[child] = scope
            visit(child, child if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else scope)

    visit(tree, tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            functions.setdefault(node.name, node)
    errors: set[tuple[ast.AST, str]] = set()  # (scope, name) holding an exception
    messages: set[tuple[ast.AST, str]] = set()  # (scope, name) holding a message
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler) and node.name:
            errors.add((scope_of[node], node.name))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for arg in node.args.args + node.args.kwonlyargs:
                annotation = ast.unparse(arg.annotation) if arg.annotation else ""
                if arg.arg in EXCEPTION_NAMES or annotation.endswith(("Error", "Exception", "NotFound")):
                    errors.add((node, arg.arg))

    def is_error(node: ast.AST) -> bool:
        return isinstance(node, ast.Name) and (scope_of[node], node.id) in errors

    def is_message(node: ast.AST) -> bool:
        if isinstance(node, ast.Name):
            return (scope_of[node], node.id) in messages
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("str", "repr", "format"):
            return bool(node.args) and is_error(node.args[0])
        if isinstance(node, ast.Attribute):
            return node.attr in MESSAGE_ATTRIBUTES and is_error(node.value)
        if isinstance(node, ast.JoinedStr | ast.FormattedValue):
            return any(is_error(n) or is_message(n) for n in ast.iter_child_nodes(node))
        if isinstance(node, ast.BinOp):
            return is_message(node.left) or is_message(node.right)
        return False

    def taint(function: ast.FunctionDef | ast.AsyncFunctionDef, call: ast.Call, argument: ast.AST, kind: set) -> bool:
        params = function.args.args + function.args.kwonlyargs
        name = None
        if argument in call.args:
            at = call.args.index(argument)
            name = params[at].arg if at < len(params) else None
        for keyword in call.keywords:
            if keyword.value is argument:
                name = keyword.arg
        if name is None or (function, name) in kind:
            return False
        kind.add((function, name))
        return True

    changed = True
    while changed:  # follow messages and errors through assignments and the module's own calls
        changed = False
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and is_message(node.value):
                for target in node.targets:
                    if isinstance(target, ast.Name) and (scope_of[target], target.id) not in messages:
                        messages.add((scope_of[target], target.id))
                        changed = True
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in functions:
                for argument in [*node.args, *(k.value for k in node.keywords)]:
                    if is_message(argument):
                        changed |= taint(functions[node.func.id], node, argument, messages)
                    elif is_error(argument):
                        changed |= taint(functions[node.func.id], node, argument, errors)
    found = []
    for node in ast.walk(tree):
        if not is_message(node) or node not in parents:
            continue
        parent = parents[node]
        inspected = (
            isinstance(parent, ast.Compare | ast.Subscript | ast.Match)
            or (isinstance(parent, ast.Attribute) and parent.attr not in PASSED_ON)
            or (
                isinstance(parent, ast.Call)
                and isinstance(parent.func, ast.Attribute)
                and isinstance(parent.func.value, ast.Name)
                and parent.func.value.id == "re"
            )
        )
        if inspected:
            found.append(node.lineno)
    return sorted(found)


def test_the_checker_finds_a_message_read_for_its_wording():
    old = """
def explain(message, _):
    if message.startswith("the query is empty"):
        return _("empty")
    return message

def page(exc):
    return explain(str(exc), None)

async def handler(request, exc: QueryError):
    if "too long" in str(exc) or exc.args[0] == "x":
        return 1
    text = f"{exc}"
    return re.match("the", text)
"""
    assert message_inspections(old) == [3, 11, 11, 14]
    passed_on = """
def answer(detail):
    return {"detail": detail, "text": f"sorry: {detail}", "bytes": detail.encode()}

def handler(request, exc: SamverkanError):
    if exc.code == "empty" or exc.status >= 500:
        return answer(str(exc))
    return answer(exc.args and str(exc))
"""
    assert message_inspections(passed_on) == []


@pytest.mark.parametrize("module", sorted(WEB.rglob("*.py")), ids=lambda p: str(p.relative_to(WEB)))
def test_no_web_module_reads_an_errors_message(module):
    found = message_inspections(module.read_text(encoding="utf-8"))
    assert not found, f"{module.name} reads an error's message on lines {found}: decide by type, status or code"

"""How each route of the community is attacked (:mod:`tests.community.test_attacks`): the route
table as the app serves it, and for each route either the body a write sends, whether anyone may
read it, whether its body claims to act for organisation A, or why it is skipped; with the
addresses of A's things to send requests to, and the odd values sent to forms.

Every route of the community's routers must be in these tables: a new route fails
``test_every_community_route_is_classified`` until it says how it is attacked.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

from fastapi.routing import APIRoute

from tests.community.conftest import TEXT, World

COMMUNITY = {
    f"samverkan.web.{m}"
    for m in (
        "api.accounts",
        "api.postings",
        "api.digests",
        "api.strategy",
        "views.accounts",
        "views.organisations",
        "views.postings",
        "views.digests",
        "views.strategy",
    )
}
PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")
Route = tuple[str, str]  # method, path template


def community_routes(web: Any) -> list[Route]:
    """(method, path) of every route of the community's routers, as the app serves them."""

    def walk(routes: list[Any], prefix: str) -> Iterator[tuple[str, APIRoute]]:
        for route in routes:
            inner = getattr(route, "original_router", None)
            if inner is not None:  # newer FastAPI keeps an included router as one route
                yield from walk(inner.routes, prefix + route.include_context.prefix)
            elif isinstance(route, APIRoute):
                yield prefix + route.path, route

    found = {
        (method, path)
        for path, route in walk(web.routes, "")
        if route.endpoint.__module__ in COMMUNITY
        for method in route.methods
        if method != "HEAD"
    }
    return sorted(found, key=lambda r: (r[1], r[0]))


# --- how each route is attacked ---------------------------------------------------------------------

Body = Callable[[dict[str, Any]], dict[str, Any]]


def const(value: dict[str, Any]) -> Body:
    return lambda ids: value


NEED_FORM = {"title": "Mallory", "text": TEXT, "status": "published"}
# JSON bodies (API) and form fields (pages) of the writes, valid but for whose ids they name
BODIES: dict[Route, Body] = {
    ("POST", "/api/v1/organisations/{slug}/members"): const({"email": "mallory@beta.example", "role": "admin"}),
    ("PATCH", "/api/v1/organisations/{slug}/members/{user_id}"): const({"role": "member"}),
    ("POST", "/api/v1/organisations/{slug}/tokens"): const({"scope": "admin", "label": "mallory"}),
    ("POST", "/api/v1/needs"): lambda ids: {**NEED_FORM, "organisation": ids["a_slug"]},
    ("POST", "/api/v1/solutions"): lambda ids: {**NEED_FORM, "organisation": ids["a_slug"]},
    ("PATCH", "/api/v1/needs/{id}"): const({"title": "Mallory"}),
    ("PATCH", "/api/v1/solutions/{id}"): const({"title": "Mallory"}),
    ("POST", "/api/v1/needs/{id}/interest"): const({"message": "Mallory"}),
    ("POST", "/api/v1/solutions/{id}/interest"): const({"message": "Mallory"}),
    ("POST", "/api/v1/follows"): lambda ids: {"target": "need", "target_id": int(ids["draft_need"][1:])},
    ("PATCH", "/api/v1/follows/{follow_id}"): const({"label": "Mallory", "active": False}),
    ("POST", "/api/v1/strategies"): lambda ids: {"slug": "mallory", "name": "Mallory", "organisation": ids["a_slug"]},
    ("PATCH", "/api/v1/strategies/{slug}"): const({"name": "Mallory"}),
    ("POST", "/api/v1/strategies/{slug}/focus-areas"): const({"name": "Mallory"}),
    ("PATCH", "/api/v1/strategies/{slug}/focus-areas/{area_id}"): const({"name": "Mallory"}),
    ("POST", "/api/v1/strategies/{slug}/initiatives"): const({"title": "Mallory"}),
    ("PATCH", "/api/v1/strategies/{slug}/initiatives/{initiative_id}"): const({"title": "Mallory"}),
    ("POST", "/api/v1/strategies/{slug}/initiatives/{initiative_id}/updates"): const({"text": "Mallory"}),
    ("POST", "/api/v1/strategies/{slug}/decisions"): const({"body": "M", "on": "2026-08-01", "title": "Mallory"}),
    ("PATCH", "/api/v1/strategies/{slug}/decisions/{decision_id}"): const({"title": "Mallory"}),
    ("POST", "/api/v1/strategies/{slug}/newsletters"): const({"regenerate": True}),
    ("PATCH", "/api/v1/strategies/{slug}/newsletters/{number}"): const({"intro": "Mallory"}),
    # pages
    ("POST", "/account/sessions/revoke"): lambda ids: {"session": ids["a_session"]},
    ("POST", "/orgs/{slug}/invite"): const({"email": "mallory@beta.example", "role": "admin", "language": "sv"}),
    ("POST", "/orgs/{slug}/members/{user_id}/role"): const({"role": "member"}),
    ("POST", "/orgs/{slug}/tokens"): const({"scope": "admin", "label": "mallory"}),
    ("POST", "/orgs/{slug}/link"): const({"organisation": ""}),
    ("POST", "/needs/new"): lambda ids: {**NEED_FORM, "organisation": ids["a_slug"]},
    ("POST", "/solutions/new"): lambda ids: {**NEED_FORM, "organisation": ids["a_slug"]},
    ("POST", "/needs/{key}/edit"): const(NEED_FORM),
    ("POST", "/solutions/{key}/edit"): const(NEED_FORM),
    ("POST", "/needs/{key}/interest"): const({"message": "Mallory"}),
    ("POST", "/solutions/{key}/interest"): const({"message": "Mallory"}),
    ("POST", "/follows"): lambda ids: {"target": "need", "target_id": ids["draft_need"][1:], "frequency": "daily"},
    ("POST", "/follows/{follow_id}"): const({"action": "delete"}),
    ("POST", "/strategies"): lambda ids: {"slug": "mallory", "name": "Mallory", "organisation": ids["a_slug"]},
    ("POST", "/strategies/{slug}/edit"): const({"name": "Mallory"}),
    ("POST", "/strategies/{slug}/focus-areas"): const({"name": "Mallory"}),
    ("POST", "/strategies/{slug}/focus-areas/{area_id}"): const({"action": "delete"}),
    ("POST", "/strategies/{slug}/initiatives"): const({"title": "Mallory"}),
    ("POST", "/strategies/{slug}/initiatives/{initiative_id}"): const({"action": "delete"}),
    ("POST", "/strategies/{slug}/initiatives/{initiative_id}/updates"): const({"text": "Mallory"}),
    ("POST", "/strategies/{slug}/decisions"): const({"body": "M", "on": "2026-08-01", "title": "Mallory"}),
    ("POST", "/strategies/{slug}/decisions/{decision_id}"): const({"action": "delete"}),
    ("POST", "/strategies/{slug}/newsletters"): const({"regenerate": "yes"}),
    ("POST", "/strategies/{slug}/newsletters/{number}"): const({"intro": "Mallory"}),
}
# reads that anyone may make (or that are the asker's own): answered, but without A's secrets
PUBLIC: set[Route] = {
    ("GET", "/api/v1/me"),
    ("GET", "/api/v1/needs"),
    ("GET", "/api/v1/solutions"),
    ("GET", "/api/v1/board"),
    ("GET", "/api/v1/follows"),
    ("GET", "/api/v1/strategies"),
    ("GET", "/api/v1/strategies/{slug}"),
    ("GET", "/api/v1/strategies/{slug}/initiatives/{initiative_id}"),
    ("GET", "/api/v1/strategies/{slug}/newsletters"),
    ("GET", "/api/v1/strategies/{slug}/subscription"),
    ("GET", "/account"),
    ("GET", "/account/register"),
    ("GET", "/account/sign-in"),
    ("GET", "/account/reset"),
    ("GET", "/account/sessions"),
    ("GET", "/account/organisations"),
    ("GET", "/orgs/{slug}"),
    ("GET", "/board"),
    ("GET", "/needs"),
    ("GET", "/needs/new"),
    ("GET", "/solutions"),
    ("GET", "/solutions/new"),
    ("GET", "/follows"),
    ("GET", "/follows/new"),
    ("GET", "/strategies"),
    ("GET", "/strategies/new"),
    ("GET", "/strategies/{slug}"),
    ("GET", "/strategies/{slug}/initiatives/{initiative_id}"),
    ("GET", "/strategies/{slug}/newsletters"),
}
# writes with no id of A in their address, whose body claims to act for A: refused (422 names the field)
CLAIMS: set[Route] = {
    ("POST", "/api/v1/needs"),
    ("POST", "/api/v1/solutions"),
    ("POST", "/api/v1/follows"),
    ("POST", "/api/v1/strategies"),
    ("POST", "/needs/new"),
    ("POST", "/solutions/new"),
    ("POST", "/follows"),
    ("POST", "/strategies"),
    ("POST", "/account/sessions/revoke"),
}
LINKS = "a link's secret token (or signature) is its authority: tried with wrong ones in the tests of links"
OWN = "acts on the signed-in person's own account or subscription only"
SIGNED_OUT = "a signed-out form (register, sign in, ask for a link): no organisation's data"
SKIPPED: dict[Route, str] = {
    ("GET", "/account/confirm/{token}"): LINKS,
    ("POST", "/account/confirm/{token}"): LINKS,
    ("GET", "/account/reset/{token}"): LINKS,
    ("POST", "/account/reset/{token}"): LINKS,
    ("GET", "/invitations/{token}"): LINKS,
    ("POST", "/invitations/{token}/accept"): LINKS,
    ("POST", "/invitations/{token}/register"): LINKS,
    ("GET", "/feeds/{key}.atom"): LINKS,
    ("GET", "/unsubscribe/{follow_id}/{signature}"): LINKS,
    ("POST", "/unsubscribe/{follow_id}/{signature}"): LINKS,
    ("GET", "/strategies/{slug}/unsubscribe"): LINKS,
    ("POST", "/strategies/{slug}/unsubscribe"): LINKS,
    ("POST", "/account/register"): SIGNED_OUT,
    ("POST", "/account/sign-in"): SIGNED_OUT,
    ("POST", "/account/confirm/resend"): SIGNED_OUT,
    ("POST", "/account/reset"): SIGNED_OUT,
    ("POST", "/account/sign-out"): OWN,
    ("POST", "/account/profile"): OWN,
    ("POST", "/account/password"): OWN,
    ("POST", "/account/sessions/revoke-others"): OWN,
    ("POST", "/account/sessions/revoke-all"): OWN,
    ("POST", "/account/organisations"): OWN,
    ("PUT", "/api/v1/strategies/{slug}/subscription"): OWN,
    ("DELETE", "/api/v1/strategies/{slug}/subscription"): OWN,
    ("POST", "/strategies/{slug}/subscription"): OWN,
}
SIGNED_ONE_CLICK = {("POST", "/unsubscribe/{follow_id}/{signature}"), ("POST", "/strategies/{slug}/unsubscribe")}


def values(route: Route, ids: dict[str, Any]) -> list[dict[str, str]]:
    """The addresses of A's things to attack ``route`` with: one dict of path values each."""
    method, path = route
    choices: dict[str, list[str]] = {}
    for name in PARAM.findall(path):
        if name == "slug":
            choices[name] = [slug(path, ids)["slug"]]
        elif name in ("id", "key"):
            kind = "need" if "/needs" in path else "solution"
            choices[name] = [ids[f"draft_{kind}"], ids[f"withdrawn_{kind}"]]
            rest = path.split("}", 1)[1]
            if kind == "need" and not ((method == "GET" and rest in ("", "/matches")) or rest == "/interest"):
                choices[name].append(ids["published_need"])  # anyone reads it; only A changes it
        elif name == "user_id":
            choices[name] = [str(ids["a_admin"])]
        else:
            choices[name] = [str(ids[name])]
    names = list(choices)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*(choices[n] for n in names))]


def slug(path: str, ids: dict[str, Any]) -> dict[str, str]:
    """The ``slug`` of an address: A's strategy's under /strategies, else A's organisation's."""
    return {"slug": ids["strategy"] if path.startswith(("/api/v1/strategies", "/strategies")) else ids["a_slug"]}


def address(path: str, given: dict[str, str]) -> str:
    return PARAM.sub(lambda m: quote(given[m.group(1)], safe=""), path)


def form_routes(w: World) -> list[Route]:
    """Every state-changing form of the pages (the signed one-click unsubscribes excepted)."""
    return [
        r
        for r in community_routes(w.site.web)
        if r[0] == "POST" and not r[1].startswith("/api/") and r not in SIGNED_ONE_CLICK
    ]


ODD_IDS = ("-1", "0", "99999999999999999999", "p999999999999999999999", "x" * 300, "<script>", "a\x00b")
LINK_PAGES = {("GET", "/strategies/{slug}/unsubscribe")}  # shows its button whatever the slug says


def own_values(route: Route, w: World) -> dict[str, str]:
    """Addresses of A's own things, for A to send odd requests to."""
    method, path = route
    ids = w.ids
    given = {k: str(v) for k, v in ids.items()} | slug(path, ids)
    given |= {
        "id": ids["published_need"] if "/needs" in path else ids["draft_solution"],
        "key": ids["feed_key"]
        if path.startswith("/feeds")
        else (ids["published_need"] if "/needs" in path else ids["draft_solution"]),
        "user_id": str(w.a_admin_id),
        "token": ids["invite_link"],
        "signature": "x",
    }
    return given


def query_of(route: Route) -> str:
    return "?follow=1&sig=x" if route[1] == "/strategies/{slug}/unsubscribe" else ""


def schema_of(openapi: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON body's object schema of an operation (None: it takes no body)."""
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return None
    schema = content["schema"]
    ref = schema.get("$ref") or next((s["$ref"] for s in schema.get("anyOf", []) if "$ref" in s), None)
    assert ref is not None, schema
    return openapi["components"]["schemas"][ref.rsplit("/", 1)[1]]


def community_operations(w: World) -> Iterator[tuple[Route, dict[str, Any]]]:
    openapi = w.site.web.openapi()
    routes = set(community_routes(w.site.web))
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            if (method.upper(), path) in routes:
                yield (method.upper(), path), operation


def deep(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = [value]
    return value


# the fields of forms that a page reads as numbers, days, choices or ids: each given odd values
ODD_FIELDS: dict[Route, tuple[str, ...]] = {
    ("POST", "/follows"): ("target_id", "frequency", "language", "kind", "sme", "deadline_from", "region"),
    ("POST", "/follows/{follow_id}"): ("action", "frequency"),
    ("POST", "/needs/new"): ("status", "region", "municipality", "maturity", "language", "links", "organisation"),
    ("POST", "/needs/{key}/edit"): ("status", "region", "municipality", "maturity", "language", "links"),
    ("POST", "/needs/{key}/interest"): ("organisation",),
    ("POST", "/strategies"): ("region", "language", "organisation"),
    ("POST", "/strategies/{slug}/edit"): ("region", "language"),
    ("POST", "/strategies/{slug}/focus-areas"): ("parent_id", "position"),
    ("POST", "/strategies/{slug}/focus-areas/{area_id}"): ("position",),
    ("POST", "/strategies/{slug}/initiatives"): (
        "focus_area_id",
        "owner",
        "status",
        "starts",
        "ends",
        "budget",
        "need_id",
    ),
    ("POST", "/strategies/{slug}/initiatives/{initiative_id}"): ("focus_area_id", "status", "ends", "budget"),
    ("POST", "/strategies/{slug}/initiatives/{initiative_id}/updates"): ("on", "status"),
    ("POST", "/strategies/{slug}/decisions"): ("on", "amount", "initiative_id", "document_url"),
    ("POST", "/strategies/{slug}/newsletters/{number}"): ("remove",),
    ("POST", "/orgs/{slug}/invite"): ("role", "language"),
    ("POST", "/orgs/{slug}/members/{user_id}/role"): ("role",),
    ("POST", "/orgs/{slug}/tokens"): ("scope",),
    ("POST", "/orgs/{slug}/link"): ("organisation",),
    ("POST", "/account/profile"): ("language",),
    ("POST", "/account/sessions/revoke"): ("session",),
}
ODD_VALUES = ("²", "-1", "99999999999999999999", "1e999", "nan", "2026-02-30", "x" * 3000, "<script>")
# the other fields such a form needs (so that only the odd one is wrong)
GIVEN_FIELDS = {
    "title": "Fuzz",
    "text": TEXT,
    "name": "Fuzz",
    "slug": "fuzz-strategi",
    "body": "Nämnden",
    "on": "2026-08-01",
    "target": "need",
    "q": "luftkvalitet",
}

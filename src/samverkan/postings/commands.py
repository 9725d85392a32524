"""The command line of needs and solutions: ``samverkan needs|solutions list|show|matches`` and
``samverkan board``. The command line acts as the operator (who holds the database anyway: it
sees drafts when asked with ``--status``); publishing is done in the web app or the API."""

from __future__ import annotations

import json
from typing import Any

import click

from samverkan.accounts.actor import Actor
from samverkan.console import Context, pass_context, user_errors

OPERATOR = Actor(via="operator")  # every right in every organisation (accounts: Actor.operator())


def _echo_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


def _group(kind: str) -> click.Group:
    plural = f"{kind}s"

    @click.group(plural, help=f"Published {plural}: list, show, matches.")
    def group() -> None:
        pass

    @group.command("list")
    @click.option(
        "--status",
        type=click.Choice(["published", "draft", "withdrawn", "all"]),
        default="published",
        show_default=True,
        help="Which ones.",
    )
    @click.option("--org", "organisation", help="Only this organisation's (its slug).")
    @click.option("--region", help="Only in this NUTS region (with its subregions).")
    @click.option("--focus-area", help="Only with this focus area.")
    @click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100))
    @click.option("--json", "as_json", is_flag=True, help="Print JSON (as the API does).")
    @pass_context
    def listing(
        obj: Context,
        status: str,
        organisation: str | None,
        region: str | None,
        focus_area: str | None,
        limit: int,
        as_json: bool,
    ) -> None:
        with user_errors():
            found = obj.app.postings.list(OPERATOR, kind, status, organisation, region, focus_area, limit)
        if as_json:
            _echo_json(found)
            return
        if not found["results"]:
            click.echo(f"no {plural}")
        for p in found["results"]:
            click.echo(
                f"{p['id']:<8}{p['status']:<11}{p['organisation']['slug']:<24}{p['region'] or '':<7}{p['title']}"
            )

    @group.command("show")
    @click.argument("id")
    @pass_context
    def show(obj: Context, id: str) -> None:
        """One posting, as JSON."""
        with user_errors():
            _echo_json(obj.app.postings.get(OPERATOR, kind, id))

    @group.command("matches")
    @click.argument("id")
    @click.option("--limit", default=5, show_default=True, type=click.IntRange(1, 20), help="Results per list.")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON (as the API does).")
    @pass_context
    def matches(obj: Context, id: str, limit: int, as_json: bool) -> None:
        """What matches a posting, with reasons."""
        with user_errors():
            found = obj.app.postings.matches(OPERATOR, kind, id, limit)
        if as_json:
            _echo_json(found)
            return
        for name, results in found.items():
            click.echo(f"{name}:")
            if not results:
                click.echo("  nothing found")
            for r in results:
                status = f" [{r['status']}]" if r["kind"] == "call" else ""
                click.echo(f"  {r['id']:<44}{r['title']}{status}")
                click.echo(f"  {'':<44}{r['why']}")

    return group


@click.command("board")
@click.option("--region", help="Only this NUTS region (with its subregions).")
@click.option("--focus-area", help="Only this focus area.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (as the API does).")
@pass_context
def board(obj: Context, region: str | None, focus_area: str | None, as_json: bool) -> None:
    """Published needs and solutions side by side, per focus area and per region."""
    with user_errors():
        found = obj.app.postings.board(region, focus_area)
    if as_json:
        _echo_json(found)
        return
    totals = found["totals"]
    click.echo(f"{totals['needs']} needs, {totals['solutions']} solutions")
    for title, name, groups in (("per focus area", "focus_area", found["focus_areas"]),
                                ("per region", "region", found["regions"])):  # fmt: skip
        click.echo(f"\n{title}:")
        for g in groups:
            label = g.get("region_name") or g[name] or "(none)"
            click.echo(f"  {label:<50}{g['needs']:>4} needs{g['solutions']:>4} solutions")


COMMANDS: list = [_group("need"), _group("solution"), board]

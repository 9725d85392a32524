"""The command line of strategies: ``samverkan strategy list|show|matches`` and ``samverkan
newsletter draft|send``. The operator on the command line acts with every right (as ``tenant``
commands do); each command calls one method of ``app.strategies``."""

from __future__ import annotations

import json

import click

from samverkan.console import Context, pass_context, user_errors
from samverkan.strategy.amounts import amount_text


@click.group()
def strategy() -> None:
    """Regional strategy boards: focus areas, initiatives, decisions, opportunities."""


@strategy.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def strategy_list(obj: Context, as_json: bool) -> None:
    """Every strategy with its organisation and how much it holds."""
    with user_errors():
        listed = obj.app.strategies.summaries()
    if as_json:
        click.echo(json.dumps(listed, ensure_ascii=False, indent=2))
        return
    if not listed:
        click.echo("no strategy yet")
    for s in listed:
        click.echo(
            f"{s['slug']}\t{s['name']}\t{s['organisation']['name']}\t{s['region'] or '-'}\t"
            f"{s['initiatives']} initiatives\t{s['newsletters']} newsletters sent"
        )


@strategy.command("show")
@click.argument("slug")
@click.option("--json", "as_json", is_flag=True, help="Print the board as JSON (as GET /api/v1/strategies/SLUG).")
@click.option("--opportunities", default=3, type=click.IntRange(0, 10), help="Opportunities of each kind (JSON).")
@pass_context
def strategy_show(obj: Context, slug: str, as_json: bool, opportunities: int) -> None:
    """The board: focus areas, initiatives with status and latest update, decisions."""
    with user_errors():
        board = obj.app.strategies.board(slug, None, None, opportunities if as_json else 0)
    if as_json:
        click.echo(json.dumps(board, ensure_ascii=False, indent=2))
        return
    lang = board["language"]
    click.echo(f"{board['name']} ({board['organisation']['name']}, {board['region'] or '-'})")
    p = board["progress"]
    click.echo(f"{p['total']} initiatives: {p['ongoing']} ongoing, {p['planned']} planned, {p['completed']} completed")
    for area in board["focus_areas"]:
        click.echo(f"\n{area['name']}  [{area['progress']['total']}]")
        for part, indent in [(area, "  "), *((sub, "    ") for sub in area["sub_areas"])]:
            if part is not area:
                click.echo(f"  {part['name']}")
            for i in part["initiatives"]:
                money = f", {amount_text(i['budget'], i['currency'], lang)}" if i["budget"] is not None else ""
                latest = i["latest_update"]
                click.echo(f"{indent}- {i['title']} ({i['status']}{money})")
                if latest:
                    click.echo(f"{indent}  {latest['on']}: {latest['text'][:160]}")
    click.echo("\nDecisions:")
    for d in board["decisions"]:
        money = f" – {amount_text(d['amount'], d['currency'], lang)}" if d["amount"] is not None else ""
        click.echo(f"  {d['on']} {d['body']}: {d['title']}{money}{' (' + d['document'] + ')' if d['document'] else ''}")


@strategy.command("matches")
@click.argument("slug")
@click.option("--limit", default=5, type=click.IntRange(1, 20), help="Calls per initiative.")
@pass_context
def strategy_matches(obj: Context, slug: str, limit: int) -> None:
    """For each initiative described by a need: the calls it matches (status, dates, reasons)."""
    with user_errors():
        board = obj.app.strategies.board(slug, None, None, 0)
        initiatives = [i for a in board["focus_areas"] for p in (a, *a["sub_areas"]) for i in p["initiatives"]]
        initiatives += board["unassigned"]
        click.echo(f"today: {board['today']}")
        for i in (i for i in initiatives if i["need_id"] is not None):
            found = obj.app.strategies.initiative(slug, i["id"], None, limit)["opportunities"]["calls"]
            click.echo(f"\nneed {i['need_id']}: {i['need_title'] or i['title']}")
            for rank, call in enumerate(found, start=1):
                when = (
                    f"deadline {call.get('deadline')}" if call["status"] == "open" else f"opens {call.get('opening')}"
                )
                click.echo(f"  {rank}. [{call['status']}, {when}] {call['id']} — {call['title']}")
                click.echo(f"     why: {call['why']}")


@click.group()
def newsletter() -> None:
    """A strategy's newsletter: make the next number's draft, send a number."""


@newsletter.command("draft")
@click.argument("slug")
@click.option("--regenerate", is_flag=True, help="Write the open draft again from the board (its edits are lost).")
@click.option("--json", "as_json", is_flag=True, help="Print the draft as JSON.")
@pass_context
def newsletter_draft(obj: Context, slug: str, regenerate: bool, as_json: bool) -> None:
    """Make (or show) the next number's draft from the board."""
    with user_errors():
        draft, written = obj.app.strategies.draft(None, slug, regenerate)
    if as_json:
        click.echo(json.dumps(draft, ensure_ascii=False, indent=2))
        return
    click.echo(f"{'made' if written else 'open draft'}: nr {draft['number']} — {draft['title']}")
    for section in draft["content"]["sections"]:
        click.echo(f"  {section['key']}: {len(section['items'])} items")
    number = draft["number"]
    click.echo(f"edit it at /strategies/{slug}/newsletters/{number}, then: samverkan newsletter send {slug} {number}")


@newsletter.command("send")
@click.argument("slug")
@click.argument("number", type=click.IntRange(1, 100_000))
@click.option("--no-deliver", is_flag=True, help="Only write the e-mails to the outbox (serve delivers them).")
@pass_context
def newsletter_send(obj: Context, slug: str, number: int, no_deliver: bool) -> None:
    """Send a number to its subscribers (once: a second run sends nothing) and archive it."""
    with user_errors():
        sent = obj.app.strategies.send(None, slug, number)
        delivery = None if no_deliver or not sent["enqueued"] else obj.app.deliver_mail()
    if sent["already_sent"]:
        click.echo(f"nr {number} was sent before ({sent['sent_at']}): nothing sent")
        return
    count = sent["enqueued"]
    click.echo(f"nr {number} sent: {count} e-mail{'' if count == 1 else 's'} written to the outbox")
    if delivery is not None:
        click.echo(f"delivered: {delivery.sent}, failed: {delivery.failed}")
        for error in delivery.errors:
            click.echo(f"  {error}", err=True)


COMMANDS: list = [strategy, newsletter]  # click commands and groups added to `samverkan`

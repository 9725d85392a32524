"""The command line of digests and mail: ``samverkan digest run``, ``samverkan mail send`` and
``samverkan mail status``."""

from __future__ import annotations

import json
from typing import Any

import click
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from samverkan import mail
from samverkan.console import Context, pass_context, user_errors
from samverkan.db.community import Outbox


@click.group("digest")
def digest_group() -> None:
    """Digests of followed searches and postings."""


@digest_group.command("run")
@click.option(
    "--frequency", type=click.Choice(["daily", "weekly"]), default=None, help="Only follows of this frequency."
)
@click.option("--dry-run", is_flag=True, help="Say what would be sent; write and send nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@pass_context
def digest_run(obj: Context, frequency: str | None, dry_run: bool, as_json: bool) -> None:
    """Compose the digests that are due (what is new since each follow's last one), then
    deliver the outbox. Run it as often as you like: a digest is due once a day (daily) or
    once a week (weekly), and nothing is ever sent twice."""
    with user_errors():
        report = obj.app.digests.run(frequency=frequency, dry_run=dry_run)
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
        return
    verb = "would be written" if dry_run else "written"
    click.echo(
        f"{report.today}: {report.due} due, {report.composed} digests {verb} ({report.items} items), "
        f"{report.nothing_new} with nothing new, {report.not_mailed} for unconfirmed addresses (feed only), "
        f"{report.failed} failed"
    )
    if not dry_run:
        click.echo(f"mail: {report.sent} sent, {report.send_failed} failed")
    for preview in report.previews:
        click.echo(f"  follow {preview['follow']} → {preview['to'] or '(feed only)'}: {len(preview['items'])} new")
    for error in report.errors:
        click.echo(f"  {error}", err=True)
    if report.failed or report.send_failed:
        raise SystemExit(1)


@click.group("mail")
def mail_group() -> None:
    """The outbox of e-mail (confirmations, resets, digests, newsletters)."""


@mail_group.command("send")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@pass_context
def mail_send(obj: Context, as_json: bool) -> None:
    """Deliver what waits in the outbox (to the SMTP server, or the mail folder without one)."""
    with user_errors():
        delivery = obj.app.deliver_mail()
    if as_json:
        click.echo(json.dumps(delivery.as_dict(), ensure_ascii=False))
    else:
        click.echo(f"mail: {delivery.sent} sent, {delivery.failed} failed")
        for error in delivery.errors:
            click.echo(f"  {error}", err=True)
    if delivery.failed:
        raise SystemExit(1)


@mail_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_context
def mail_status(obj: Context, as_json: bool) -> None:
    """How much mail waits, how much was sent, and what keeps failing."""
    with user_errors():
        status = outbox_status(obj.app)
    if as_json:
        click.echo(json.dumps(status, ensure_ascii=False))
        return
    settings = obj.app.settings
    where = (
        f"SMTP {settings.smtp_host}:{settings.smtp_port}" if settings.smtp_host else f"folder {settings.mail_folder}"
    )
    click.echo(f"mail goes to: {where}")
    click.echo(f"waiting: {status['waiting']}, sent: {status['sent']}, given up: {status['given_up']}")
    for row in status["failing"]:
        click.echo(f"  {row['key']} → {row['recipient']}: {row['attempts']} attempts, {row['last_error']}")


def outbox_status(app: Any) -> dict[str, Any]:
    with Session(app.engine) as session:

        def count(*where: Any) -> int:
            return session.scalar(select(func.count()).select_from(Outbox).where(*where)) or 0

        unsent = Outbox.sent_at.is_(None)
        failing = session.scalars(select(Outbox).where(unsent, Outbox.attempts > 0).order_by(Outbox.id).limit(20)).all()
        return {
            "waiting": count(unsent, Outbox.attempts < mail.MAX_ATTEMPTS),
            "sent": count(Outbox.sent_at.is_not(None)),
            "given_up": count(unsent, Outbox.attempts >= mail.MAX_ATTEMPTS),
            "failing": [
                {"key": r.key, "recipient": r.recipient, "attempts": r.attempts, "last_error": r.last_error}
                for r in failing
            ],
        }


COMMANDS: list = [digest_group, mail_group]  # click commands and groups added to `samverkan`

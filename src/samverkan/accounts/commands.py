"""The command line of accounts: ``samverkan user …`` and ``samverkan org …``.

The operator at the command line acts with every right (:meth:`Actor.operator`); each command
calls one method of :class:`~samverkan.accounts.service.Accounts` and prints JSON (a list as
JSON lines). ``samverkan tenant create`` is unchanged; ``org create`` does the same and may name
a first administrator.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from samverkan.accounts.actor import ROLES, Actor
from samverkan.console import Context, pass_context, user_errors

LANGUAGE = click.Choice(["sv", "en"])


def _print(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False))


@click.group("user")
def user() -> None:
    """People who sign in to the web app."""


@user.command("create")
@click.argument("email")
@click.option("--name", required=True, help="The person's name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@click.option("--language", type=LANGUAGE, default="sv", show_default=True, help="Of pages and e-mails.")
@click.option("--confirmed", is_flag=True, help="The address counts as confirmed (no confirmation e-mail).")
@pass_context
def user_create(obj: Context, email: str, name: str, password_stdin: bool, language: str, confirmed: bool) -> None:
    """Create a person; without --confirmed a confirmation link is put in the outbox."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with user_errors():
        _print(obj.app.accounts.create_user(email, name, password, language, confirmed))


@user.command("list")
@pass_context
def user_list(obj: Context) -> None:
    """Every person as JSON lines."""
    with user_errors():
        for row in obj.app.accounts.users():
            _print(row)


@user.command("disable")
@click.argument("email")
@pass_context
def user_disable(obj: Context, email: str) -> None:
    """Stop a person from signing in; their sessions end at once."""
    with user_errors():
        _print(obj.app.accounts.disable_user(email))


@user.command("sessions")
@click.argument("email")
@pass_context
def user_sessions(obj: Context, email: str) -> None:
    """A person's live sessions as JSON lines."""
    with user_errors():
        for row in obj.app.accounts.user_sessions(email):
            _print(row)


@user.command("revoke-sessions")
@click.argument("email")
@pass_context
def user_revoke_sessions(obj: Context, email: str) -> None:
    """Sign a person out everywhere."""
    with user_errors():
        _print({"revoked": obj.app.accounts.revoke_user_sessions(email)})


@click.group("org")
def org() -> None:
    """Organisations (data-space tenants) and their members."""


@org.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="The organisation's name.")
@click.option("--organisation", help="Its CORDIS organisation id in the catalogue.")
@click.option("--admin", metavar="EMAIL", help="A person (with an account) to administer it.")
@pass_context
def org_create(obj: Context, slug: str, name: str, organisation: str | None, admin: str | None) -> None:
    """Create an organisation; prints {"tenant", "token", …} with its first (admin) token."""
    with user_errors():
        _print(obj.app.accounts.create_organisation(Actor.operator(), slug, name, organisation, admin))


@org.command("list")
@pass_context
def org_list(obj: Context) -> None:
    """Every organisation as JSON lines, with its number of members."""
    with user_errors():
        for row in obj.app.accounts.organisations():
            _print(row)


@org.command("members")
@click.argument("slug")
@pass_context
def org_members(obj: Context, slug: str) -> None:
    """An organisation's members as JSON lines."""
    with user_errors():
        for row in obj.app.accounts.org_members(slug):
            _print(row)


@org.command("add")
@click.argument("slug")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="member", show_default=True)
@pass_context
def org_add(obj: Context, slug: str, email: str, role: str) -> None:
    """Make a person (with an account) a member, or change their role."""
    with user_errors():
        _print(obj.app.accounts.add_member(slug, email, role))


@org.command("remove")
@click.argument("slug")
@click.argument("email")
@pass_context
def org_remove(obj: Context, slug: str, email: str) -> None:
    """Remove a member (not the last administrator)."""
    with user_errors():
        obj.app.accounts.remove_member_by_email(slug, email)
        _print({"removed": email.strip().lower(), "organisation": slug})


@org.command("link")
@click.argument("slug")
@click.argument("cordis_id")
@pass_context
def org_link(obj: Context, slug: str, cordis_id: str) -> None:
    """Link an organisation to its CORDIS organisation ("" unlinks)."""
    with user_errors():
        _print(obj.app.accounts.link_organisation(Actor.operator(), slug, cordis_id))


COMMANDS: list = [user, org]  # click commands and groups added to `samverkan`

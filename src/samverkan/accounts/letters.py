"""The e-mails of accounts, in the recipient's language (``users.language``; for a person
without an account yet, the language the inviter chose).

Each is plain text with an HTML alternative; every value from a person (a name, an
organisation's name) is escaped in the HTML. Strings are in English and translated through the
web app's Swedish catalogue (``babel.cfg`` extracts this module; ``tests/accounts`` checks that
each has its translation).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup


@dataclass(frozen=True)
class Letter:
    subject: str
    text: str
    html: str


def gettext(language: str) -> Callable[[str], str]:
    # imported here: the package samverkan.web imports the core, which imports accounts
    from samverkan.web.i18n import translations

    return translations(language).gettext


def role_name(role: str, language: str) -> str:
    _ = gettext(language)
    return {"member": _("member"), "editor": _("editor"), "admin": _("administrator")}.get(role, role)


def _compose(language: str, subject: str, greeting: str, before: list[str], link: str, label: str) -> Letter:
    _ = gettext(language)
    after = [_("If you did not ask for this, you can ignore this e-mail."), _("samverkan")]
    text = "\n\n".join([greeting, *before, f"{label}:\n{link}", *after]) + "\n"
    paragraphs = Markup("").join(Markup("<p>{}</p>").format(p) for p in [greeting, *before])
    button = Markup('<p><a href="{}">{}</a></p>').format(link, label)
    closing = Markup("").join(Markup("<p>{}</p>").format(p) for p in after)
    html = Markup('<!doctype html><html lang="{}"><body>{}{}{}</body></html>').format(
        language, paragraphs, button, closing
    )
    return Letter(subject, text, str(html))


def confirm(language: str, name: str, link: str) -> Letter:
    _ = gettext(language)
    return _compose(
        language,
        _("Confirm your e-mail address for samverkan"),
        _("Hello %(name)s,") % {"name": name},
        [_("Welcome to samverkan. Confirm your e-mail address to sign in; the link works for 48 hours.")],
        link,
        _("Confirm my address"),
    )


def reset(language: str, name: str, link: str) -> Letter:
    _ = gettext(language)
    return _compose(
        language,
        _("Choose a new password for samverkan"),
        _("Hello %(name)s,") % {"name": name},
        [
            _(
                "Someone, probably you, asked to reset the password of your account. The link works for one "
                "hour and once; choosing a new password signs you out everywhere."
            )
        ],
        link,
        _("Choose a new password"),
    )


def registered_again(language: str, name: str, sign_in: str) -> Letter:
    """To the holder of an address someone tried to register again."""
    _ = gettext(language)
    return _compose(
        language,
        _("You already have an account at samverkan"),
        _("Hello %(name)s,") % {"name": name},
        [
            _(
                "Someone tried to register a new account with this e-mail address, which already has one. "
                "If it was you, sign in, or ask for a new password from the sign-in page."
            )
        ],
        sign_in,
        _("Sign in"),
    )


def invite(language: str, organisation: str, inviter: str | None, role: str, link: str) -> Letter:
    _ = gettext(language)
    who = (
        _("%(inviter)s invites you to join %(organisation)s at samverkan as %(role)s.")
        % {"inviter": inviter, "organisation": organisation, "role": role_name(role, language)}
        if inviter
        else _("You are invited to join %(organisation)s at samverkan as %(role)s.")
        % {"organisation": organisation, "role": role_name(role, language)}
    )
    return _compose(
        language,
        _("Join %(organisation)s at samverkan") % {"organisation": organisation},
        _("Hello,"),
        [who, _("The invitation works for 7 days. You can accept it with an account you have or a new one.")],
        link,
        _("See the invitation"),
    )


__all__ = ["Letter", "confirm", "invite", "registered_again", "reset", "role_name"]

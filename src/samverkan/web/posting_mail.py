"""The e-mails of needs and solutions, in the recipient's language (the texts live here, beside
the Swedish catalogue that translates them; :mod:`samverkan.postings.interest` sends them)."""

from __future__ import annotations

from markupsafe import Markup, escape

from samverkan.web.i18n import LANGUAGES, translations


def interest_mail(
    language: str,
    kind: str,
    title: str,
    organisation: str,
    person: tuple[str, str] | None,
    message: str | None,
    url: str,
) -> tuple[str, str, str]:
    """Subject, plain text and HTML of "an organisation is interested in your need/solution"."""
    _ = translations(language if language in LANGUAGES else "en").gettext
    values = {"organisation": organisation, "title": title}
    if kind == "need":
        subject = _("%(organisation)s is interested in your need “%(title)s”") % values
    else:
        subject = _("%(organisation)s is interested in your solution “%(title)s”") % values
    subject = " ".join(subject.split())[:250]  # one line, whatever the title holds
    lines = [subject + ".", ""]
    if person is not None:
        lines.append(_("Contact: %(name)s <%(email)s>") % {"name": person[0], "email": person[1]})
    else:
        lines.append(_("They used an API token of %(organisation)s; no person is named.") % values)
    if message:
        lines += ["", _("Their message:"), message]
    lines += ["", _("See it on samverkan: %(url)s") % {"url": url}, ""]
    lines.append(_("Only your organisation sees who is interested; nothing of it is shown publicly."))
    text = "\n".join(lines)
    paragraphs = [Markup("<p>{}</p>").format(line) for line in text.split("\n\n")]
    html = Markup('<!doctype html><html lang="{}"><body>{}</body></html>').format(
        escape(language), Markup("").join(paragraphs)
    )
    return subject, text, str(html).replace("\n", "<br>\n")

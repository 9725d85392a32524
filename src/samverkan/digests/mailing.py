"""The digest e-mail: subject, plain text and HTML in the reader's language, and the headers of
a signed one-click unsubscribe (RFC 8058).

The wording is in the templates (``digest_mail.html``, ``digest_mail_text.html``,
``_digest.html``), translated with the web app's gettext catalogue. The HTML part is escaped by
Jinja's autoescaping; the text part is plain text (nothing in it is markup).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from samverkan.digests.news import Item


def environment(language: str) -> Environment:
    from samverkan.web.templating import environment as pages  # the web app imports the core, which imports this

    return pages(language)


SECTIONS = ("opened", "soon", "need", "solution", "organisation", "other")


@dataclass(frozen=True)
class Mail:
    subject: str
    text: str
    html: str
    headers: dict[str, str]


def section_of(item: Item) -> str:
    if item.kind == "call":
        return "opened" if item.event == "opened" else "soon"
    if item.kind in ("need", "solution") and item.event == "published":
        return item.kind
    return item.kind if item.kind == "organisation" else "other"


def sections(items: Sequence[Item]) -> list[tuple[str, list[Item]]]:
    grouped: dict[str, list[Item]] = {}
    for item in items:
        grouped.setdefault(section_of(item), []).append(item)
    return [(name, grouped[name]) for name in SECTIONS if name in grouped]


def words(language: str, macro: str, *args: Any, **kwargs: Any) -> str:
    """A phrase of ``_digest.html`` as plain text (e.g. an event's label for the feed)."""
    module = environment(language).get_template("_digest.html").make_module({})
    value = getattr(module, macro)(*args, **kwargs)
    return " ".join((Markup(value).unescape() if isinstance(value, Markup) else str(value)).split())


def unsubscribe_headers(url: str) -> dict[str, str]:
    """RFC 2369 and RFC 8058: a mail client's "unsubscribe" POSTs ``List-Unsubscribe=One-Click``
    to ``url`` (which must be https in production; its signature is the authority)."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def compose(
    language: str,
    label: str,
    frequency: str,
    since: dt.date,
    items: Sequence[Item],
    unsubscribe_url: str,
    follows_url: str,
) -> Mail:
    env = environment(language)
    grouped = sections(items)
    subject = words(language, "subject", label, len(items))
    context = {
        "label": label,
        "frequency": frequency,
        "since": since,
        "sections": grouped,
        "subject": subject,
        "unsubscribe_url": unsubscribe_url,
        "follows_url": follows_url,
    }
    text = env.get_template("digest_mail_text.html").render(**context)
    lines = [line.rstrip() for line in text.strip().splitlines()]
    text = "\n".join("-- " if line == "--" else line for line in lines) + "\n"  # the signature's separator
    html = env.get_template("digest_mail.html").render(**context)
    headers = unsubscribe_headers(unsubscribe_url) | {"Auto-Submitted": "auto-generated"}
    return Mail(subject=" ".join(subject.split())[:250], text=text, html=html, headers=headers)

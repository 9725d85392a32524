"""A follow's private Atom 1.0 feed (RFC 4287): the items its digests reported, newest first.

Built with :mod:`xml.etree.ElementTree`, which escapes every text and attribute, so a title
with ``<script>`` or ``&`` is data, never markup. Ids are ``tag:`` URIs (RFC 4151) made from
the public address's host, the day the follow was made and the item's ledger key: stable, and
free of the secret feed key.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, urlsplit
from xml.etree import ElementTree as ET

from samverkan.digests.mailing import words

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ET.register_namespace("", ATOM)


def _el(parent: ET.Element, name: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{name}", attributes)
    if text is not None:
        element.text = text
    return element


def rfc3339(moment: dt.datetime) -> str:
    moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def atom(
    *,
    base_url: str,
    follow_id: int,
    created: dt.datetime,
    label: str,
    language: str,
    self_url: str,
    alternate_url: str,
    entries: Sequence[tuple[str, dt.datetime, dict[str, Any]]],
) -> bytes:
    """The feed: ``entries`` are (ledger key, when reported, entry), newest first."""
    host = urlsplit(base_url).hostname or "localhost"
    tag = f"tag:{host},{created.date().isoformat()}:follow/{follow_id}"
    feed = ET.Element(f"{{{ATOM}}}feed", {XML_LANG: language})
    _el(feed, "id", tag)
    _el(feed, "title", words(language, "feed_title", label))
    newest = max((at for _, at, _e in entries), default=created)
    _el(feed, "updated", rfc3339(newest))
    author = _el(feed, "author")
    _el(author, "name", "samverkan")
    _el(author, "uri", base_url)
    _el(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _el(feed, "link", rel="alternate", type="text/html", href=alternate_url)
    _el(feed, "generator", "samverkan", uri=base_url)
    for key, at, entry in entries:
        item = _el(feed, "entry")
        _el(item, "id", f"{tag}/{quote(key, safe=':')}")
        label_ = words(language, "event_label", entry.get("kind"), entry.get("event"))
        _el(item, "title", f"{label_}: {entry.get('title', '')}")
        _el(item, "updated", rfc3339(at))
        _el(item, "link", rel="alternate", type="text/html", href=str(entry.get("url") or alternate_url))
        _el(item, "category", term=str(entry.get("kind", "")), label=label_)
        lines = [words(language, "when", _Entry(entry))]
        lines += [words(language, "reason_text", r) for r in entry.get("reasons") or []]
        summary = "\n".join(line for line in lines if line) or str(entry.get("why") or "")
        _el(item, "summary", summary, type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


class _Entry(dict):  # type: ignore[type-arg]
    """A ledger entry read by the templates' ``when`` macro like an :class:`Item`."""

    def __getattr__(self, name: str) -> Any:
        if name == "details":
            return self.get("details") or {}
        return self.get(name)

"""A hub listed in two catalogues is one hub: link the older record to the one shown.

The EDIH network's catalogue (source ``edih``) is the newer and the one shown; the JRC S3
catalogue of 2022 (source ``hubs``) lists many of the same hubs. Records are linked
(``same_as_id``), never merged, as duplicate organisations are. Precision matters more than
recall (a wrong link hides a hub), so a JRC record is linked only when, in the same country,

* its name is the EDIH record's name or title, once case, accents and punctuation are
  dropped (the JRC harvest lost accented letters: "Mlardalen" matches "Mälardalen"), with or
  without a bracketed part ("Health Data Sweden (HDS)"); or
* its website's host is the EDIH record's, no other hub of that country has that host in
  either catalogue (a university's host serves many hubs), and the two names share a word
  of four or more letters beside "digital", "innovation", "hub" and their like (a research
  institute's host also serves the hubs it runs under other names);

and all that it matches is one hub. Within the EDIH catalogue a name listed twice in one
country (DATAlife as a DIH and as an EDIH) is one hub too: the DIH or Seal of Excellence
record is linked to the EDIH one.

The links are worked out again from all stored hubs after every import of either catalogue,
so importing one file again keeps them, and changes nothing when nothing changed.
"""

from __future__ import annotations

import html
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select, update

from samverkan.catalogue.names import name_key
from samverkan.db.models import Hub
from samverkan.importers.base import ImportContext

SHOWN = "edih"  # the source whose records are shown
RANK = {"EDIH": 0, "SoE": 1, "DIH": 2}  # within the shown catalogue, which record of a hub is shown
MIN_KEY = 4  # shorter names ("DIH") say too little to link on
_BRACKETS = re.compile(r"\s*\([^)]*\)")
# words every hub's name may hold: sharing them says nothing
GENERIC = frozenset(
    "DIGITAL INNOVATION INNOVATIONS HUB HUBS EUROPEAN EDIH DIH CENTRE CENTER NETWORK REGIONAL "
    "TECHNOLOGY TECHNOLOGIES FOR AND THE".split()
)


@dataclass(frozen=True)
class HubFacts:
    """What linking looks at."""

    id: str
    source: str
    kind: str
    country: str | None
    names: tuple[str, ...]  # name and, where known, title
    url: str | None


def name_keys(names: Iterable[str | None]) -> set[str]:
    """Keys two spellings of one hub's name share (see the module docstring)."""
    keys = set()
    for name in names:
        if not name:
            continue
        text = html.unescape(name)
        for variant in (text, _BRACKETS.sub("", text)):
            for spelling in (variant, "".join(ch for ch in variant if ch.isascii())):
                key = name_key(spelling)
                if len(key) >= MIN_KEY:
                    keys.add(key)
    return keys


def name_words(names: Iterable[str | None]) -> set[str]:
    """The telling words of a hub's names (four or more letters, not in :data:`GENERIC`)."""
    return {word for key in name_keys(names) for word in key.split() if len(word) >= MIN_KEY and word not in GENERIC}


def host(url: str | None) -> str | None:
    """``"https://www.ltu.se/ai"`` → ``"ltu.se"``."""
    if not url:
        return None
    try:
        found = urlsplit(url if "//" in url else f"//{url}").hostname
    except ValueError:
        return None
    if not found:
        return None
    return found.removeprefix("www.")


def plan_links(hubs: list[HubFacts]) -> dict[str, str]:
    """Record id → the id of the record shown for the same hub (only records that are linked)."""
    shown = [h for h in hubs if h.source == SHOWN]
    older = [h for h in hubs if h.source != SHOWN]
    links: dict[str, str] = {}

    # within the shown catalogue: one name in one country is one hub, shown as its best-ranked record
    by_name: dict[tuple[str | None, str], list[HubFacts]] = defaultdict(list)
    for h in shown:
        for key in name_keys(h.names[:1]):
            by_name[(h.country, key)].append(h)
    for group in by_name.values():
        ranked = sorted({h.id: h for h in group}.values(), key=lambda h: (RANK.get(h.kind, 9), h.id))
        if len(ranked) > 1 and RANK.get(ranked[0].kind, 9) < RANK.get(ranked[1].kind, 9):
            for h in ranked[1:]:
                links.setdefault(h.id, ranked[0].id)

    def canonical(record_id: str) -> str:
        return links.get(record_id, record_id)

    names: dict[tuple[str | None, str], set[str]] = defaultdict(set)
    for h in shown:
        for key in name_keys(h.names):
            names[(h.country, key)].add(canonical(h.id))
    hosts: dict[tuple[str | None, str], set[str]] = defaultdict(set)
    for h in shown:
        if (found := host(h.url)) is not None:
            hosts[(h.country, found)].add(canonical(h.id))
    words: dict[str, set[str]] = defaultdict(set)  # a shown hub's words, with its linked records'
    for h in shown:
        words[canonical(h.id)] |= name_words(h.names)
    older_hosts = Counter((h.country, host(h.url)) for h in older if host(h.url))

    for h in older:
        if h.country is None:
            continue
        matches: set[str] = set()
        for key in name_keys(h.names):
            matches |= names.get((h.country, key), set())
        found = host(h.url)
        if found is not None and older_hosts[(h.country, found)] == 1:
            same_host = hosts.get((h.country, found), set())
            if len(same_host) == 1 and name_words(h.names) & words[next(iter(same_host))]:
                matches |= same_host
        if len(matches) == 1:
            links[h.id] = matches.pop()
    return links


def link_hubs(ctx: ImportContext) -> None:
    """Set every hub's ``same_as_id`` to what :func:`plan_links` finds (counted as "hub links")."""
    session = ctx.session
    rows = session.execute(
        select(Hub.id, Hub.source, Hub.kind, Hub.country, Hub.name, Hub.title, Hub.url, Hub.same_as_id)
    ).all()
    facts = [
        HubFacts(r.id, r.source, r.kind, r.country, (r.name, r.title) if r.title else (r.name,), r.url) for r in rows
    ]
    wanted = plan_links(facts)
    counts = ctx.report.entity("hub links")
    for r in sorted(rows, key=lambda r: r.id):
        target = wanted.get(r.id)
        if target is None and r.same_as_id is None:
            continue
        counts.read += 1
        if target == r.same_as_id:
            counts.unchanged += 1
            continue
        session.execute(update(Hub).where(Hub.id == r.id).values(same_as_id=target, imported_at=ctx.now))
        if r.same_as_id is None:
            counts.inserted += 1
        else:
            counts.updated += 1

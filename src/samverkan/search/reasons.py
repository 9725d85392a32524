"""Why a record was found: a list of small structured reasons, and their English one-line form.

The API returns both: ``reasons`` for programs and for the web pages, which word them in the
reader's language, and ``why``, the same reasons as one English line a person can check.

Matched words hold up (:func:`matched_terms`, the one place that decides them). A word of the
user's is shown as matched only if

- it is a real content word of the query: two letters or more and not a stop word (the "e" of
  "e-hälsa", the "för" of a name are not; :func:`content_word`);
- the record's text carries it beyond its name (the callers pass only such terms: see
  :func:`samverkan.search.names.beyond_name`), unless the query names the record — more than
  half of the query's content words are in the record's name ("Chalmers tekniska högskola",
  not "digital twin" for "CAP DIGITAL");
- it is :func:`checkable` in the terms the record carries: the word itself, or what it is shown
  through (a translation, "digital tvilling (digital twin)"; a compound part, "mediekompetens
  (medie)"), has every one of its words there. A translation is not shown for one of its words
  ("digital" alone is no digital twin).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Collection, Iterable
from typing import Any

import Stemmer

from samverkan.search.analysis import STOP, Analysed
from samverkan.search.text import tokens

Reason = dict[str, Any]
STEMMERS = {"sv": "swedish", "en": "english"}
# Words no reason shows, besides the stop words of both languages (analysis.STOP): Swedish
# prepositions, particles and light verbs the stop list lacks, each seen shown as "matched"
# over the 20 real needs of tests/search/test_reasons_honest.py ("ta fram", "bland", "vid").
NOT_CONTENT = frozenset("bland vid fram emot kvar fler ta tar får gör göra ge se vet haft ha even get".split())
NOT_SHOWN = STOP["sv"] | STOP["en"] | NOT_CONTENT
NAMED_SHARE = 0.5  # a query names a record when more than this share of its content words are in the name
_local = threading.local()  # PyStemmer's stemmers are not shared between threads


def _stem(language: str, word: str) -> str:
    stemmers = getattr(_local, "stemmers", None)
    if stemmers is None:
        stemmers = _local.stemmers = {code: Stemmer.Stemmer(name) for code, name in STEMMERS.items()}
    return stemmers[language].stemWord(word)


@functools.lru_cache(maxsize=65536)
def content_word(word: str) -> bool:
    """Whether a user's word (or glossary phrase) is a real content word of a query: some
    piece of it has two letters or more and is no stop word of either language (a Swedish
    query's "in", an English one's "men" are not) nor in ``NOT_CONTENT``."""
    return any(len(piece) >= 2 and piece not in NOT_SHOWN for piece in tokens(word))


def checkable(phrase: str, terms: Collection[str]) -> bool:
    """Whether a shown word or phrase can be checked in a record's analysed text ``terms``: in
    Swedish or in English, each of its words but the stop words has its Snowball stem among the
    terms, and none of them is a one-letter piece (a lone "e" says nothing: "e.g." has one)."""
    return any(stems and all(stem in terms for stem in stems) for stems in _stems(phrase))


@functools.lru_cache(maxsize=65536)
def _stems(phrase: str) -> tuple[tuple[str, ...], ...]:
    """The stems :func:`checkable` looks for, in Swedish and in English (none where a piece has
    one letter): computed once per phrase, as a long query's words recur in every result."""
    out = []
    for language in STEMMERS:
        words = [w for w in tokens(phrase) if w not in STOP[language]]
        out.append(tuple(_stem(language, w) for w in words) if all(len(w) >= 2 for w in words) else ())
    return tuple(out)


def matched_terms(
    terms: Iterable[str],
    analysed: Analysed,
    in_name: Iterable[str] = (),
    asked: Iterable[str] = (),
    most: int = 6,
) -> Reason | None:
    """The ``matched`` reason of a record, or ``None`` if no word of the user's holds up (see
    the module). ``terms``: the query's index terms the record's text carries beyond its name;
    ``in_name``: the user's words found in the record's name; ``asked``: the user's words looked
    for in names (for the share that makes the query name the record)."""
    carried = list(dict.fromkeys(terms))
    have = set(carried)
    grouped: dict[str, list[str]] = {}
    for term in carried:
        word, _, phrase = analysed.origin.get(term, "").partition(" (")
        if not word or not content_word(word):
            continue
        via = phrase[:-1] if phrase else None
        if via is None and not checkable(word, have):
            via = _part(term, word, analysed)  # a compound part of the word: "medie" of "mediekompetens"
            if via is None:
                continue
        if via is not None and not checkable(via, have):
            continue
        shown = grouped.setdefault(word, [])
        if via is not None and via not in shown:
            shown.append(via)
    named = list(dict.fromkeys(w for w in in_name if content_word(w)))
    if named and len(named) > NAMED_SHARE * len({w for w in asked if content_word(w)}):
        for word in named:
            grouped.setdefault(word, [])
    if not grouped:
        return None
    return {"type": "matched", "terms": [{"word": w, "via": via} for w, via in list(grouped.items())[:most]]}


def _part(term: str, word: str, analysed: Analysed) -> str | None:
    """The compound part of a Swedish ``word`` that query term ``term`` was split from, as
    written ("medie" of "mediekompetens", "hälsa" of "hälsodata"), if it can be told."""
    at = word.find(term)
    if at < 0:
        return None
    ends = [word.find(t, at + 1) for t, o in analysed.origin.items() if o == word and t != term]
    end = min([e for e in ends if e > at], default=len(word))
    piece = word[at:end]
    for candidate in (piece, piece[:-1], piece[:-1] + "a", term):  # joined by -s, or -o/-u for -a
        if len(candidate) >= 2 and _stem(analysed.language, candidate) == term:
            return candidate
    return None


def matched(origins: Iterable[str], most: int = 6) -> Reason:
    """The user's words that matched, each with the terms it was matched through:
    ``["kommun (municipality)", "kommun (local authority)", "ai"]`` →
    ``[{"word": "kommun", "via": ["municipality", "local authority"]}, {"word": "ai", "via": []}]``."""
    grouped: dict[str, list[str]] = {}
    for origin in origins:
        word, _, phrase = origin.partition(" (")
        phrases = grouped.setdefault(word, [])
        if phrase and phrase[:-1] not in phrases:
            phrases.append(phrase[:-1])
    terms = [{"word": w, "via": via} for w, via in list(grouped.items())[:most]]
    return {"type": "matched", "terms": terms}


def meaning(cosine: float) -> Reason:
    return {"type": "meaning", "cosine": round(float(cosine), 2)}


def similar_project(project: dict[str, Any]) -> Reason:
    reason = {"type": "similar_project", "id": project["id"], "title": project["title"]}
    if "similarity" in project:
        reason["similarity"] = round(float(project["similarity"]), 2)
    return reason


def deadline(day: str) -> Reason:
    return {"type": "deadline", "date": day}


def projects(count: int) -> Reason:
    return {"type": "projects", "count": count}


def place(record: dict[str, Any]) -> Reason | None:
    """Where a hub or organisation is, from its city, country and NUTS region."""
    if not any(record.get(k) for k in ("city", "country", "region")):
        return None
    return {
        "type": "place",
        "city": record.get("city"),
        "country": record.get("country"),
        "region": record.get("region"),
        "region_name": record.get("region_name"),
    }


def near(region: str, region_name: str | None, scope: str) -> Reason:
    """In or near the region of what is matched: ``scope`` is ``region`` (the same NUTS 2
    region, or one inside it) or ``country``."""
    return {"type": "near", "region": region, "region_name": region_name, "scope": scope}


def focus_areas(shared: Iterable[str]) -> Reason:
    """Focus areas in common with what is matched."""
    return {"type": "focus_areas", "shared": list(shared)}


# --- why an organisation is a good partner (the partner finder, :mod:`samverkan.match.partners`) ---------

WORK_SIGNALS = {"text": "matching words in", "meaning": "similar work", "funded": "work like the call's projects"}


def worked_with(names: list[str], count: int, project: dict[str, Any] | None) -> Reason:
    """It worked with these members of the team in ``count`` projects (``project``: the best one)."""
    return {"type": "worked_with", "names": names, "count": count, "project": project}


def partners_partners() -> Reason:
    return {"type": "partners_partners"}


def call_projects(count: int, project: dict[str, Any] | None) -> Reason:
    """It has ``count`` projects funded under the call asked about."""
    return {"type": "call_projects", "count": count, "project": project}


def call_family(count: int) -> Reason:
    return {"type": "call_family", "count": count}


def project_work(signal: str, project: dict[str, Any]) -> Reason:
    """Its project closest to the need or call by ``signal``: ``text`` (the words), ``meaning`` or
    ``funded`` (like the call's funded projects)."""
    return {"type": "project_work", "signal": signal, "project": project}


def adds_country(country: str) -> Reason:
    return {"type": "adds_country", "country": country}


def adds_role(role: str, sme: bool) -> Reason:
    return {"type": "adds_role", "role": role, "sme": sme}


def coordinated(count: int) -> Reason:
    return {"type": "coordinated", "count": count}


def _projects(count: int) -> str:
    return f"{count} project{'s' if count > 1 else ''}"


def _example(project: dict[str, Any] | None) -> str:
    return f", e.g. {project['title']} ({project['id']})" if project else ""


def words(reason: Reason) -> str:
    """``kommun (municipality, local authority), ai``."""
    return ", ".join(f"{t['word']} ({', '.join(t['via'])})" if t["via"] else t["word"] for t in reason["terms"])


def where(reason: Reason) -> str:
    """``Goteborg, SE (Västra Götalands län, SE232)``."""
    text = ", ".join(p for p in (reason["city"], reason["country"]) if p)
    if reason["region"]:
        region = f"{reason['region_name']}, {reason['region']}" if reason["region_name"] else reason["region"]
        text = f"{text} ({region})" if text else region
    return text


def english(reason: Reason) -> str:
    """One reason as an English phrase."""
    kind = reason["type"]
    if kind == "matched":
        return "matched: " + words(reason)
    if kind == "meaning":
        return f"close in meaning (cosine {reason['cosine']:.2f})"
    if kind == "similar_project":
        similarity = f", similarity {reason['similarity']:.2f}" if "similarity" in reason else ""
        return f"funded a similar project: {reason['title']} ({reason['id']}{similarity})"
    if kind == "deadline":
        return f"deadline {reason['date']}"
    if kind == "projects":
        return f"{reason['count']} EU project{'s' if reason['count'] > 1 else ''}"
    if kind == "place":
        return f"in {where(reason)}"
    if kind == "near":
        named = f"{reason['region_name']}, {reason['region']}" if reason["region_name"] else reason["region"]
        return f"in the same {'region' if reason['scope'] == 'region' else 'country'} ({named})"
    if kind == "focus_areas":
        return "shared focus areas: " + ", ".join(reason["shared"])
    if kind == "worked_with":
        names = ", ".join(reason["names"])
        return f"worked with {names} in {_projects(reason['count'])}{_example(reason['project'])}"
    if kind == "partners_partners":
        return "worked with your partners' partners"
    if kind == "call_projects":
        return f"{_projects(reason['count'])} under this call{_example(reason['project'])}"
    if kind == "call_family":
        return f"{_projects(reason['count'])} in the same call family"
    if kind == "project_work":
        project = reason["project"]
        return f"{WORK_SIGNALS[reason['signal']]}: {project['title']} ({project['id']})"
    if kind == "adds_country":
        return f"adds a country: {reason['country']}"
    if kind == "adds_role":
        return f"adds a role: {reason['role']}" + (" (SME)" if reason["sme"] else "")
    if kind == "coordinated":
        return f"coordinated {_projects(reason['count'])}"
    raise ValueError(f"unknown reason type {kind!r}")


def why(reasons: Iterable[Reason]) -> str:
    """All reasons as one English line."""
    return "; ".join(english(r) for r in reasons)

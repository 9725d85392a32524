"""The topics of an official work programme, from the text of its pages (no I/O).

Horizon 2020 and Horizon Europe work programmes (the PDFs the Commission publishes) list
their topics twice: in the table of contents (``LC-SC3-EE-2-2018-2019: Integrated home
renovation services ....... 20``) and in the body, where each topic starts with its id and
title and goes on with headed sections — Horizon 2020: *Specific Challenge*, *Scope*,
*Expected Impact*, *Type of Action*; Horizon Europe: *Expected Outcome*, *Scope*. This
module reads both from the text of each page (as a PDF library extracts it) so that the
importer can say how many topics of the table of contents it found with text.

What the page texts carry besides the topics is removed first: the running header (down to
``Page N of M``), footnotes (below the rule, which text extraction gives as a blank line) and
the footnote numbers glued to words (``construction sector21``). The rules were written
against the text PDFium (pypdfium2) extracts from the Commission's PDFs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

# Horizon 2020: LC-SC3-EE-1-2018-2019-2020, SFS-2-2014/2015, CE-SFS-36-2020, SFS-01a-2014;
# Horizon Europe: HORIZON-CL5-2021-D3-01-01
H2020_ID = r"[A-Z][A-Z0-9]*(?:-[A-Z][A-Z0-9]*)*-\d{1,2}[a-zA-Z]?-20\d\d(?:[-/]20\d\d)*"
HE_ID = r"HORIZON(?:-[A-Z0-9]+)*-20\d\d(?:-[A-Za-z0-9]+)+"
TOPIC_ID = re.compile(rf"(?:{HE_ID}|{H2020_ID})(?![\w/-])")
# a line that opens a topic: its id at the start, then (after ':', a dash or a space) its title
HEADING = re.compile(rf"^\s*({HE_ID}|{H2020_ID})(?![\w/-])\s*[:–-]?\s*(.*)$")
# an entry of the table of contents ends in dot leaders (at least one dot) and a page number
TOC_LEADER = re.compile(r"(?:(?:\s*\.){2,}\s*|\.\s+)(\d{1,4})\s*$")
BARE_PAGE = re.compile(r"(?<=[^\d\s.,/-])\s*(\d{1,4})\s*$")  # "… aquaculture 41", "… aquaculture41"
PAGE_LINE = re.compile(r"\bPage\s+\d+\s+of\s+\d+\s*$", re.IGNORECASE)
PERIOD = re.compile(r"Work\s+Programme\s+(20\d\d)\s*[-–]\s*(20\d\d)", re.IGNORECASE)
FOOTNOTE = re.compile(r"^\s*(\d{1,4})(?:\s+\S|\s*$)")  # "21 This topic …", or the number on a line of its own

# section headings as printed → the name kept in the description
SECTIONS = {
    "specific challenge & scope": "Specific Challenge & Scope",
    "specific challenge": "Specific Challenge",
    "expected outcomes": "Expected Outcome",
    "expected outcome": "Expected Outcome",
    "expected impacts": "Expected Impact",
    "expected impact": "Expected Impact",
    "scope": "Scope",
    "type of action": "Type of Action",
}
SECTION = re.compile(
    r"^\s*(Specific [Cc]hallenge & [Ss]cope|Specific [Cc]hallenge|Expected [Oo]utcomes?|Expected [Ii]mpacts?"
    r"|Scope|Type of [Aa]ction)\s*:\s*(.*)$"
    r"|^\s*(Specific [Cc]hallenge)\s+([A-Z].*)$"  # one topic of 2014-15 lacks the colon
)
# the sections a topic's text opens with (a topic named in another topic's text is not followed
# by one of these)
OPENING = ("Specific Challenge", "Specific Challenge & Scope", "Expected Outcome")
# where a topic's text ends at the latest (the call's conditions, the next call)
END = re.compile(
    r"^\s*(?:The conditions related to this topic are provided|Conditions for the Call\b|CONDITIONS FOR THIS CALL"
    r"|Call\s*[-–]\s|Call for\s)",
)
# how far below its heading a topic's first section may start: Horizon 2020 topics go on at
# once (after a title of up to a few lines); Horizon Europe topics first give a table of
# conditions (budget, type of action, …)
H2020_WINDOW = 6
HE_WINDOW = 60
BULLETS = {"\ufffe": "-", "\uf0b7": "•", "\uf06f": "◦", "\uf0a7": "▪", "\uf0d8": "•", "\uf0fc": "•", "\uf02d": "–"}
BULLET_START = re.compile(r"^\s*[•◦▪–-]\s+")
TYPES_OF_ACTION = (  # Horizon 2020 names → CORDIS funding schemes
    ("research and innovation", "RIA"),
    ("coordination and support", "CSA"),
    ("innovation action", "IA"),
    ("era-net", "ERA-NET-Cofund"),
    ("european joint programme", "COFUND-EJP"),
    ("pre-commercial procurement", "PCP"),
    ("public procurement of innovative", "PPI"),
)


@dataclass(frozen=True)
class TocEntry:
    id: str
    title: str
    page: int  # the page number printed in the table of contents


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    page: int  # 1-based index of the page where the topic starts
    sections: tuple[tuple[str, str], ...]  # (heading, text) in the order printed
    type_of_action: str | None

    @property
    def description(self) -> str:
        """The sections as readable paragraphs with their headings (not the type of action)."""
        return "\n\n".join(f"{name}: {text}" for name, text in self.sections)

    @property
    def action_type(self) -> str | None:
        """The type of action as CORDIS abbreviates it (``RIA``, ``IA``, ``CSA``, …), for a topic
        of one type (not "A: Research and innovation actions; B: …", not a lump sum)."""
        lowered = (self.type_of_action or "").lower()
        if any(mark in lowered for mark in (",", ";", "lump sum")):
            return None
        return next((abbreviation for name, abbreviation in TYPES_OF_ACTION if name in lowered), None)


@dataclass(frozen=True)
class WorkProgramme:
    framework: str | None  # "Horizon 2020" or "Horizon Europe"
    period: tuple[int, int] | None  # (2018, 2020) for "Work Programme 2018-2020"
    toc: tuple[TocEntry, ...]
    topics: tuple[Topic, ...]

    def coverage(self) -> tuple[int, int]:
        """(topics of the table of contents found with text, topics in the table of contents)."""
        found = {t.id for t in self.topics if t.sections}
        listed = {e.id for e in self.toc}
        return len(listed & found), len(listed)

    def missing(self) -> list[str]:
        """Ids of the table of contents that the body gave no text for."""
        found = {t.id for t in self.topics if t.sections}
        return sorted({e.id for e in self.toc} - found)


def parse_workprogramme(pages: Sequence[str]) -> WorkProgramme:
    """The table of contents and the topics of a work programme, from the text of its pages."""
    head = "\n".join(pages[:3])
    framework = "Horizon Europe" if re.search(r"Horizon\s+Europe", head, re.I) else None
    if framework is None and re.search(r"Horizon\s+2020", head, re.I):
        framework = "Horizon 2020"
    found = PERIOD.search(head)
    period = (int(found.group(1)), int(found.group(2))) if found else None
    toc_pages = table_of_contents_pages(pages)
    toc = tuple(parse_toc([pages[i] for i in toc_pages], len(pages)))
    titles = {e.id: e.title for e in toc}
    body_start = (toc_pages[-1] + 1) if toc_pages else 0
    lines = list(body_lines(pages, body_start))
    topics = tuple(_topics(lines, titles))
    return WorkProgramme(framework, period, toc, topics)


# --------------------------------------------------------------------------- contents


def table_of_contents_pages(pages: Sequence[str]) -> list[int]:
    """Indexes of the pages of the table of contents: from the page that names it (within the
    first 20), each following page with entries ending in dot leaders and a page number."""
    start = next((i for i, p in enumerate(pages[:20]) if re.search(r"table\s+of\s+contents", p, re.I)), None)
    if start is None:
        return []
    out = []
    for i in range(start, len(pages)):
        leaders = sum(1 for line in pages[i].splitlines() if re.search(r"\.{4,}\s*\d+\s*$", line))
        if leaders < 3:
            break
        out.append(i)
    return out


def parse_toc(pages: Sequence[str], last_page: int) -> Iterator[TocEntry]:
    """The topics listed in the table of contents. An entry may wrap over several lines; it
    ends with dot leaders and a page number, or (a few entries lack leaders) with a bare page
    number, which must lie between the previous entry's page and ``last_page``."""
    pending: list[str] = []
    previous = 0
    for page in pages:
        for line in page.replace("\ufffe", "-").splitlines():
            if HEADING.match(line):
                pending = [line]
            elif pending:
                pending.append(line)
            else:
                continue
            leader = TOC_LEADER.search(line)
            end = leader or BARE_PAGE.search(line)
            if end and not (previous if not leader else 0) <= int(end.group(1)) <= last_page:
                end = None
            if end or len(pending) > 4:
                text = re.sub(r"(?<=\w)- (?=[a-z])", "-", " ".join(p.strip() for p in pending))
                match = HEADING.match((TOC_LEADER if leader else BARE_PAGE).sub("", text, count=1))
                if end and match:
                    previous = int(end.group(1))
                    yield TocEntry(match.group(1), _tidy(match.group(2).rstrip(" .")), previous)
                pending = []


# --------------------------------------------------------------------------- body


def body_lines(pages: Sequence[str], start: int = 0) -> Iterator[tuple[int, str]]:
    """(page index, line) of the body text: running headers, footnotes and the footnote
    numbers glued to words removed, bullet glyphs made readable."""
    for index in range(start, len(pages)):
        lines = pages[index].splitlines()
        lines = _without_header(lines)
        lines, notes = _without_footnotes(lines)
        for line in lines:
            line = _unglue(line, notes)
            for glyph, bullet in BULLETS.items():
                line = line.replace(glyph, bullet)
            if line.strip():
                yield index, line.rstrip()


def _without_header(lines: list[str]) -> list[str]:
    for i, line in enumerate(lines[:8]):
        if PAGE_LINE.search(line):
            return lines[i + 1 :]
    return lines


def _without_footnotes(lines: list[str]) -> tuple[list[str], set[str]]:
    """The page without its footnotes and their numbers. The rule above the footnotes comes
    out of the PDF as a blank line; the first line below it starts with a number."""
    for i, line in enumerate(lines):
        if line.strip():
            continue
        rest = [x for x in lines[i + 1 :] if x.strip()]
        if rest and FOOTNOTE.match(rest[0]):
            numbers = {m.group(1) for x in rest if (m := FOOTNOTE.match(x))}
            return lines[:i], numbers
    return lines, set()


def _unglue(line: str, numbers: set[str]) -> str:
    """Drop footnote numbers of this page glued to the end of a word (``sector21``, ``date42:``)."""
    if not numbers:
        return line

    def drop(match: re.Match[str]) -> str:
        return match.group(1) if match.group(2) in numbers else match.group(0)

    return re.sub(r"([a-z)'’”]|[a-z][.,;:])(\d{1,4})(?=[\s.,;:)]|$)", drop, line)


def _topics(lines: list[tuple[int, str]], titles: dict[str, str]) -> Iterator[Topic]:
    """Topics of the body: a line opening with an id is a topic's heading when one of the
    opening sections follows within its window, before any other line opening with an id;
    its text runs to the next heading (ids named at the start of a line of text are text)."""
    candidates = [i for i, (_, line) in enumerate(lines) if HEADING.match(line)] + [len(lines)]
    headings: list[tuple[int, int]] = []  # (heading line, first section line)
    for n, i in enumerate(candidates[:-1]):
        opening = HEADING.match(lines[i][1])
        assert opening is not None
        topic_id = opening.group(1)
        window = HE_WINDOW if topic_id.startswith("HORIZON-") else H2020_WINDOW
        stop = min(candidates[n + 1], i + 1 + window)
        first = next((j for j in range(i + 1, stop) if _opens(lines[j][1])), None)
        if first is not None:
            headings.append((i, first))
    for n, (i, first) in enumerate(headings):
        end = headings[n + 1][0] if n + 1 < len(headings) else len(lines)
        match = HEADING.match(lines[i][1])
        assert match is not None
        topic_id = match.group(1)
        title = titles.get(topic_id)
        if title is None:
            title_lines = [match.group(2)]
            if not topic_id.startswith("HORIZON-"):
                title_lines += [line for _, line in lines[i + 1 : first]]
            title = _tidy(" ".join(title_lines))
        sections, type_of_action = _sections([line for _, line in lines[first:end]])
        yield Topic(topic_id, title, lines[i][0] + 1, sections, type_of_action)


def _section(match: re.Match[str]) -> tuple[str, str]:
    """(the section's name as kept, the text on its heading's line)."""
    heading, rest = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
    return SECTIONS[heading.lower()], rest


def _opens(line: str) -> bool:
    match = SECTION.match(line)
    return match is not None and _section(match)[0] in OPENING


def _sections(lines: list[str]) -> tuple[tuple[tuple[str, str], ...], str | None]:
    sections: list[tuple[str, list[str]]] = []
    kinds: list[str] = []
    for n, line in enumerate(lines):
        match = SECTION.match(line)
        if match:
            name, rest = _section(match)
            if name == "Type of Action":  # Horizon 2020: closes the topic; it may wrap once
                after = lines[n + 1 : n + 2]
                more = [x for x in after if not (END.match(x) or SECTION.match(x) or HEADING.match(x))]
                kinds.append(re.sub(r"\s+\d{1,3}$", "", _tidy(" ".join([rest, *more]))))
                if sections:
                    break
                continue
            sections.append((name, [rest]))
        elif END.match(line):
            break
        elif sections:
            sections[-1][1].append(line)
    out = tuple((name, text) for name, body in sections if (text := paragraphs(body)))
    return out, next((k for k in kinds if k), None)


def paragraphs(lines: Sequence[str]) -> str:
    """Lines of a PDF page joined into paragraphs: a line ends a paragraph when it ends a
    sentence well before the right margin; a bullet item starts a line of its own; a word
    broken by a hyphen at the end of a line is joined again."""
    width = max((len(line.rstrip()) for line in lines), default=0)
    out: list[str] = []
    current = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if BULLET_START.match(line) and current:
            out.append(current)
            current = ""
        if not current:
            current = line
        elif current.endswith("-") and line[:1].islower() and not current.endswith(" -"):
            current += line
        else:
            current += " " + line
        if line[-1:] in ".:!?" and len(raw.rstrip()) < 0.8 * width:
            out.append(current)
            current = ""
    if current:
        out.append(current)
    return "\n".join(re.sub(r"\s+", " ", p).strip() for p in out).strip()


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip(" :")
    return re.sub(r"(?<=[a-z)])\d{1,3}$", "", text)  # a footnote number after the title

"""Official work programme PDFs (Horizon 2020, Horizon Europe): the text of their topics.

Many calls are known only by a topic code and title (CORDIS ``topics.csv``); their text lives
in the work programme that announced them. A PDF (or a folder of them) is read with PDFium
(pypdfium2: 14 times as fast as pypdf on these files, and the same text),
its pages parsed by :mod:`samverkan.importers.workprogramme_text`, and each topic found
gives its call the sections as readable paragraphs ("Specific Challenge: …\\n\\nScope: …").

Merging, decided here so that it stays in one place:

- a topic already known as a call (by its code; a 2014-15 topic such as ``SFS-2-2014/2015``
  also by the portal codes of its years and parts, ``SFS-02a-2014``, ``SFS-02b-2015``) gains
  the description, and its title, programme and type of action where it had none; every
  other field is kept;
- a description that did not come from a work programme (the Funding & Tenders export) is
  never replaced; one from another work programme is replaced only by a newer work programme
  (by its period; the period of each imported PDF is kept in ``meta``);
- a Horizon 2020 topic not yet known becomes a closed call (title from the PDF, no dates);
  a Horizon Europe topic not yet known is only noted (its status cannot be told without
  dates), as is a 2014-15 topic of several years none of whose portal codes is known;
- provenance: source ``workprogramme``, source_id ``FILE.pdf#TOPIC-ID``.

The report notes, per PDF, how many topics of its table of contents were found with text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
from sqlalchemy import or_, select

from samverkan.db.models import Call, Meta
from samverkan.errors import InputError, Problem
from samverkan.importers.base import ImportContext, Row, RowInvalid
from samverkan.importers.files import InputFile, list_inputs
from samverkan.importers.workprogramme_text import Topic, WorkProgramme, parse_workprogramme

SOURCE = "workprogramme"
MAX_PDF_BYTES = 64 * 1024 * 1024  # the largest Horizon Europe parts are about 10 MB
MAX_PAGES = 2000  # they run to about 700 pages
MAX_PAGE_CHARS = 200_000  # a dense page holds about 5,000
META_PREFIX = "workprogramme:"  # meta key per PDF name → its period, "2018-2020"
# a topic code as the portal splits an older work programme's topic by year and part:
# SFS-2-2014/2015 → SFS-02a-2014, SFS-02b-2015; BG-12-2014/2015 → BG-12-2014-1, …
H2020_PARTS = re.compile(r"^(.+?)-(\d{1,2})[a-zA-Z]?-((?:20\d\d[-/])*20\d\d)$")


@dataclass(frozen=True)
class Found:
    """A topic with text from one PDF."""

    file: str  # the PDF's name, for source_id and precedence
    display: str  # the PDF as named in messages
    period: tuple[int, int]
    framework: str
    topic: Topic

    @property
    def source_id(self) -> str:
        return f"{self.file}#{self.topic.id}"


def run(ctx: ImportContext, path: Path) -> None:
    files = list_inputs(path)
    pdfs = [f for f in files if f.name.lower().endswith(".pdf")]
    if not pdfs:
        raise InputError([Problem(str(path), None, None, "no .pdf file found (expected a work programme PDF)")])
    for f in files:
        if f not in pdfs:
            ctx.report.notes.append(f"skipped {f.display} (not a PDF)")
    found: dict[str, Found] = {}  # topic id → the topic from the newest work programme
    periods: dict[str, tuple[int, int]] = {}
    for source in pdfs:
        programme = read_workprogramme(source, ctx)
        listed_found, listed = programme.coverage()
        share = 100 * listed_found / listed if listed else 0.0
        note = f"{source.display}: {listed_found} of {listed} topics of the table of contents found with text"
        note += f" ({share:.1f} %)"
        if programme.missing():
            note += f"; without text: {', '.join(programme.missing()[:10])}"
        ctx.report.notes.append(note)
        period = programme.period or (0, 0)
        periods[source.name] = period
        for topic in programme.topics:
            if not topic.sections:
                continue
            candidate = Found(source.name, source.display, period, programme.framework or "Horizon 2020", topic)
            known = found.get(topic.id)
            if known is None or candidate.period > known.period:
                found[topic.id] = candidate
    _merge(ctx, list(found.values()), periods)


# --------------------------------------------------------------------------- reading


def read_workprogramme(source: InputFile, ctx: ImportContext | None = None) -> WorkProgramme:
    """Read and parse one PDF; raise :class:`InputError` naming it if it is not a readable
    work programme (too large, corrupt, encrypted, no topic ids)."""
    programme = parse_workprogramme(read_pages(source, ctx))
    if not programme.toc and not programme.topics:
        raise InputError(
            [
                Problem(
                    source.display,
                    None,
                    None,
                    "not a work programme: no topic ids (such as LC-SC3-EE-1-2018-2019-2020 or "
                    "HORIZON-CL5-2021-D3-01-01) in its table of contents or its text",
                )
            ]
        )
    return programme


def read_pages(source: InputFile, ctx: ImportContext | None = None) -> list[str]:
    """The text of each page of a PDF (PDFium, through pypdfium2), within bounds."""

    def stop(message: str, page: int | None = None) -> InputError:
        return InputError([Problem(source.display, page, None, message)])

    if source.size > MAX_PDF_BYTES:
        raise stop(f"the file has {source.size:,} bytes; at most {MAX_PDF_BYTES:,} are read")
    with source.open() as stream:
        data = stream.read(MAX_PDF_BYTES + 1)
    if len(data) > MAX_PDF_BYTES:
        raise stop(f"the file has more than {MAX_PDF_BYTES:,} bytes")
    if data[:1024].find(b"%PDF-") < 0:
        raise stop("not a PDF (no %PDF- header)")
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise stop("the PDF is protected by a password; import a copy without one") from exc
        raise stop(f"the PDF is damaged or incomplete and cannot be read ({exc})") from exc
    pages: list[str] = []
    try:
        count = len(document)
        if count > MAX_PAGES:
            raise stop(f"the PDF has {count:,} pages; at most {MAX_PAGES:,} are read")
        for number in range(1, count + 1):
            try:
                page = document[number - 1]
                textpage = page.get_textpage()
                text = textpage.get_text_range()
                textpage.close()
                page.close()
            except pdfium.PdfiumError as exc:
                raise stop(f"the page cannot be read: {exc}", number) from exc
            if len(text) > MAX_PAGE_CHARS:
                raise stop(f"the page holds {len(text):,} characters of text; at most {MAX_PAGE_CHARS:,}", number)
            pages.append(text.replace("\x00", ""))
            if ctx is not None and ctx.progress is not None:
                ctx.progress(source.size // count + (source.size % count if number == count else 0))
    finally:
        document.close()
    return pages


# --------------------------------------------------------------------------- merging


def _merge(ctx: ImportContext, topics: list[Found], periods: dict[str, tuple[int, int]]) -> None:
    counts = ctx.report.entity("topics")
    calls = ctx.upserter(Call, "calls")
    session = ctx.session
    stored_periods = {
        row.key.removeprefix(META_PREFIX): _period(row.value)
        for row in session.scalars(select(Meta).where(Meta.key.like(f"{META_PREFIX}%")))
    }
    stored_periods.update(periods)
    targets = _targets(ctx, topics)
    kept, portal_parts = 0, 0
    unmatched: list[str] = []
    for found in sorted(topics, key=lambda f: f.topic.id):
        topic = found.topic
        with ctx.row(Row(found.display, topic.page, {}), counts):
            if len(topic.id) > 100:
                raise RowInvalid("topic", f"{topic.id[:40]!r}… is longer than a topic code can be")
            stored = targets.get(topic.id, [])
            if not stored:
                if found.framework == "Horizon Europe" or "/" in topic.id:
                    unmatched.append(topic.id)
                    continue
                calls.add(
                    {
                        "id": topic.id,
                        "source_id": found.source_id,
                        "title": topic.title,
                        "programme": "Horizon 2020",
                        "status": "closed",
                        "types_of_action": topic.type_of_action,
                        "action_type": topic.action_type,
                        "description": topic.description,
                    }
                )
                continue
            portal_parts += sum(1 for call in stored if call.id != topic.id)
            for call in stored:
                change: dict[str, object] = {"id": call.id, "source_id": found.source_id}
                if may_replace(call, found, stored_periods):
                    change["description"] = topic.description
                elif call.description != topic.description:
                    kept += 1
                    continue
                for field, value in (
                    ("title", topic.title),
                    ("programme", found.framework),
                    ("types_of_action", topic.type_of_action),
                    ("action_type", topic.action_type),
                ):
                    if not getattr(call, field) and value:
                        change[field] = value
                calls.add(change)
    calls.flush()
    for name, period in periods.items():
        if period != (0, 0):
            session.merge(Meta(key=f"{META_PREFIX}{name}", value=f"{period[0]}-{period[1]}"))
    if portal_parts:
        ctx.report.notes.append(f"{portal_parts} calls matched by the portal codes of a topic's years and parts")
    if kept:
        ctx.report.notes.append(f"kept the description of {kept} calls (from the Funding & Tenders portal or newer)")
    if unmatched:
        ctx.report.notes.append(
            f"{len(unmatched)} topics are not calls in the catalogue and were left out (a Horizon Europe topic's "
            f"status needs its dates, a 2014-15 topic's portal codes are not known): {', '.join(unmatched[:5])}"
        )


def _targets(ctx: ImportContext, topics: list[Found]) -> dict[str, list[Call]]:
    """The stored calls each topic gives its text to: the call with its code, or else the
    calls with the portal codes of its years and parts."""
    session = ctx.session
    ids = [f.topic.id for f in topics]
    exact: dict[str, Call] = {}
    for start in range(0, len(ids), 500):
        for call in session.scalars(select(Call).where(Call.id.in_(ids[start : start + 500]))):
            exact[call.id] = call
    out: dict[str, list[Call]] = {i: [exact[i]] for i in ids if i in exact}
    loose = [(i, m) for i in ids if i not in exact and (m := H2020_PARTS.match(i))]
    prefixes = sorted({m.group(1) for _, m in loose})
    family: list[Call] = []
    for start in range(0, len(prefixes), 200):
        chunk = prefixes[start : start + 200]
        family += session.scalars(select(Call).where(or_(*(Call.id.like(f"{p}-%") for p in chunk)))).all()
    for topic_id, match in loose:
        prefix, number, years = match.group(1), int(match.group(2)), re.split(r"[-/]", match.group(3))
        pattern = re.compile(rf"^{re.escape(prefix)}-0*{number}[a-zA-Z]?-({'|'.join(years)})(?:-\d)?$")
        parts = sorted((c for c in family if pattern.match(c.id)), key=lambda c: c.id)
        if parts:
            out[topic_id] = parts
    return out


def may_replace(call: Call, found: Found, periods: dict[str, tuple[int, int]]) -> bool:
    """Whether the topic's text may replace the call's description."""
    if not call.description:
        return True
    if call.source != SOURCE:
        return False  # the Funding & Tenders text, or another source's: kept
    stored_file = (call.source_id or "").split("#", 1)[0]
    if stored_file == found.file:
        return True
    return found.period >= periods.get(stored_file, (0, 0))


def _period(value: str) -> tuple[int, int]:
    first, _, last = value.partition("-")
    return (int(first), int(last)) if first.isdigit() and last.isdigit() else (0, 0)

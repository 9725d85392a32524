"""Long portal texts made readable: a call's description split into the sections the Funding &
Tenders portal runs together ("…targets;Scope:In this topic…", "Expected Outcome:Projects…"),
and a long paragraph cut into a first part to show and the rest to expand (``<details>``).
Pure functions over strings; the templates decide what is shown and what is folded."""

from __future__ import annotations

import re

# the headings of Funding & Tenders topic texts, as the portal spells them (any case)
HEADINGS = (
    r"Expected Outcomes?",
    r"Expected Impacts?",
    r"Specific Challenge",
    r"Scope",
    r"Objectives?",
    r"Themes and priorities[^:.;]{0,40}",
    r"Targeted types of activities",
    r"Activity types",
    r"Indicative budget",
)
SECTION = re.compile(r"(?i)(?<![\w-])(" + "|".join(HEADINGS) + r")\s*:")
SENTENCE_END = re.compile(r"[.!?;](?=\s+\S|[A-Z])")


def sections(text: str | None) -> list[tuple[str, str]]:
    """The text as (heading, text) pairs in order; the heading is empty for what comes before
    the first one. A heading with no text after it is dropped."""
    if not text or not text.strip():
        return []
    parts = SECTION.split(text)
    out = [("", parts[0].strip())] if parts[0].strip() else []
    for i in range(1, len(parts) - 1, 2):
        body = parts[i + 1].strip()
        heading = " ".join(parts[i].split())
        if body.lower().startswith(heading.lower() + " "):  # "Expected Impact:Expected Impact The…"
            body = body[len(heading) :].strip()
        if body:
            out.append((heading[0].upper() + heading[1:], body))
    return out


def lead(text: str | None, limit: int = 400) -> tuple[str, str]:
    """``text`` cut after the first sentence that ends at or beyond ``limit`` characters: the
    part to show and the rest (empty when the text is short or has no later sentence end)."""
    if not text:
        return "", ""
    text = text.strip()
    if len(text) <= limit:
        return text, ""
    end = SENTENCE_END.search(text, limit)
    if end is None or len(text) - end.end() < 80:  # nothing worth folding away
        return text, ""
    return text[: end.end()].strip(), text[end.end() :].strip()

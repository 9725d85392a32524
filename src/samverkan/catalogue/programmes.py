"""Framework programme codes used by CORDIS → the names the Funding & Tenders portal uses, and
the families of call (topic) codes."""

import itertools
import re

PROGRAMME_NAMES = {"H2020": "Horizon 2020", "HORIZON": "Horizon Europe", "FP7": "FP7"}

_PARTS: dict[str, str] | None = None


def programme_part(code: str, depth: int = 3) -> tuple[str, str] | None:
    """``H2020-EU.3.3.2.1.`` → ``("H2020-EU.3.3.", "Energy")`` at ``depth`` 2: the code cut to that
    many levels and its name, from the bundled CORDIS reference table; ``None`` if unknown."""
    global _PARTS
    if _PARTS is None:
        from importlib.resources import files

        text = files("samverkan").joinpath("data/reference/h2020-programme-parts.tsv").read_text(encoding="utf-8")
        _PARTS = dict(line.split("\t", 1) for line in text.splitlines()[1:] if "\t" in line)
    prefix, _, rest = code.partition(".")
    levels = [p for p in rest.split(".") if p]
    for n in range(min(depth, len(levels)), 0, -1):
        key = f"{prefix}.{'.'.join(levels[:n])}."
        if key in _PARTS:
            return key, _PARTS[key]
    return None


# Two granularities of "the same kind of call", each the one its finder was tuned with:
NUMBER = re.compile(r"^\d+[a-z]?$", re.IGNORECASE)


def call_family(code: str) -> str:
    """A call's family, broad: its code up to the first part that is a number (``SC5-13a-2014`` →
    ``SC5``, ``HORIZON-CL5-2026-09-D4-02`` → ``HORIZON-CL5``). The call finder lets the funded
    projects nearest a need vote for families this broad."""
    head = list(itertools.takewhile(lambda part: not NUMBER.match(part), code.split("-")))
    return "-".join(head) or code


def call_strand(code: str) -> str:
    """A call's strand, narrower than its family: its code without the parts that are numbers
    (``LC-SC3-EE-1-2018-2019-2020`` → ``LC-SC3-EE``, ``HORIZON-CL5-2024-D3-01-05`` →
    ``HORIZON-CL5-D3``), in capitals. The partner finder counts an organisation's experience
    with the strand of the call at hand."""
    parts = [p for p in code.upper().split("-") if p and not p.isdigit()]
    return "-".join(parts) or code.upper()

"""Framework programme codes used by CORDIS → the names the Funding & Tenders portal uses."""

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

"""The curated catalogue of EU collaboration platforms and their working groups (TOML).

The catalogue ships with samverkan (``samverkan/data/platforms.toml``); every fact names the
public source it came from. ``import platforms`` without a path loads the bundled file.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from samverkan.db.models import Platform, WorkingGroup
from samverkan.errors import InputError, Problem
from samverkan.importers.base import ImportContext, Row, RowInvalid, overwrite

STATUSES = ("active", "proposed", "ended")
AUDIENCES = ("region", "municipality", "university", "hub", "sme", "public_body")
FACTS = ("purpose", "how_to_join", "can_publish")


def bundled_path() -> Path:
    return Path(str(resources.files("samverkan") / "data" / "platforms.toml"))


def run(ctx: ImportContext, path: Path) -> None:
    if path.is_dir():
        path = path / "platforms.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError([Problem(str(path), None, None, "no such file")]) from exc
    except UnicodeDecodeError as exc:
        raise InputError([Problem(str(path), None, None, "not valid UTF-8")]) from exc
    except tomllib.TOMLDecodeError as exc:
        raise InputError([Problem(str(path), None, None, f"not valid TOML: {exc}")]) from exc
    entries = data.get("platform")
    if not isinstance(entries, list) or not entries:
        raise InputError([Problem(str(path), None, "platform", "expected [[platform]] tables")])
    platforms = ctx.upserter(Platform, "platforms", merge=overwrite)
    groups = ctx.upserter(WorkingGroup, "working groups", merge=overwrite)
    groups.depends_on = [platforms]
    p_counts, g_counts = ctx.report.entity("platforms"), ctx.report.entity("working groups")
    for number, entry in enumerate(entries, start=1):
        row = Row(f"{path} [[platform]] #{number}", 0, entry)
        with ctx.row(row, p_counts):
            platforms.add(_platform(row))
            for g_number, group in enumerate(entry.get("working_group", []), start=1):
                g_row = Row(f"{path} [[platform]] #{number} working_group #{g_number}", 0, group)
                with ctx.row(g_row, g_counts):
                    groups.add(_group(g_row, entry["id"]))
    groups.flush()


def _platform(row: Row) -> dict[str, Any]:
    pid = row.required("id")
    status = row.choice("status", STATUSES) or "active"
    audience = _strings(row, "audience")
    unknown = [a for a in audience if a not in AUDIENCES]
    if unknown:
        raise RowInvalid("audience", f"{unknown[0]!r} is not one of {', '.join(AUDIENCES)}")
    sources = row.values.get("sources") or {}
    if not isinstance(sources, dict):
        raise RowInvalid("sources", "expected a table of fact = URL")
    record: dict[str, Any] = {
        "id": pid,
        "source_id": pid,
        "name": row.required("name"),
        "url": row.text("url"),
        "status": status,
        "operator": row.text("operator"),
        "audience": audience,
        "topics": _strings(row, "topics"),
        "sources": sources,
    }
    for fact in FACTS:
        value = row.values.get(fact) or {}
        if not isinstance(value, dict):
            raise RowInvalid(fact, "expected en = … and sv = …")
        record[f"{fact}_en"] = value.get("en")
        record[f"{fact}_sv"] = value.get("sv")
        if value and fact not in sources:
            raise RowInvalid(f"sources.{fact}", f"{fact} has no public source")
    return record


def _group(row: Row, platform_id: str) -> dict[str, Any]:
    gid = row.required("id")
    if not gid.startswith(platform_id + "/"):
        raise RowInvalid("id", f"{gid!r} must start with {platform_id + '/'!r}")
    description = row.values.get("description") or {}
    return {
        "id": gid,
        "source_id": gid,
        "platform_id": platform_id,
        "name": row.required("name"),
        "topics": _strings(row, "topics"),
        "description_en": description.get("en"),
        "description_sv": description.get("sv"),
        "url": row.text("url"),
        "source_url": row.required("source"),
    }


def _strings(row: Row, name: str) -> list[str]:
    value = row.values.get(name) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RowInvalid(name, "expected a list of strings")
    return value

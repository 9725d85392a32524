"""The curated EU platform catalogue: complete, sourced, bilingual."""

import tomllib

import pytest

from samverkan.errors import InputError
from samverkan.importers import import_source
from samverkan.importers.platforms import bundled_path

REQUIRED = {
    "living-in-eu",
    "dt4regions",
    "digital-skills-jobs-platform",
    "ai-on-demand",
    "joinup",
    "edih-network",
    "jrc-s3-platform",
    "european-ai-alliance",
    "data-europa-eu",
    "ai4cities",
    "innospace",
}


def test_bundled_catalogue_covers_the_platforms_with_sources():
    data = tomllib.loads(bundled_path().read_text(encoding="utf-8"))
    platforms = {p["id"]: p for p in data["platform"]}
    assert REQUIRED <= set(platforms)
    for pid, p in platforms.items():
        assert p["purpose"]["en"] and p["purpose"]["sv"], pid
        for fact in ("purpose", "how_to_join", "can_publish", "url", "operator"):
            if fact in p:
                assert p["sources"][fact].startswith("https://"), (pid, fact)
        for group in p.get("working_group", []):
            assert group["source"].startswith("http"), group["id"]
    known = [p for p in platforms.values() if p["status"] != "proposed"]
    assert all(p["url"].startswith("https://") and p["how_to_join"]["sv"] for p in known)


def test_import_is_idempotent(engine):
    report = import_source(engine, "platforms", bundled_path())
    assert report.counts["platforms"].inserted >= 11
    assert report.counts["working groups"].inserted > 0
    assert not import_source(engine, "platforms", bundled_path()).changed


def test_an_unsourced_fact_is_rejected(engine, tmp_path):
    path = tmp_path / "platforms.toml"
    path.write_text('[[platform]]\nid = "x"\nname = "X"\npurpose.en = "A claim"\n', encoding="utf-8")
    with pytest.raises(InputError, match="field 'sources.purpose': purpose has no public source"):
        import_source(engine, "platforms", path)
    path.write_text("[[platform]\n", encoding="utf-8")
    with pytest.raises(InputError, match="not valid TOML"):
        import_source(engine, "platforms", path)

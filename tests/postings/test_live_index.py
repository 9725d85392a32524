"""The live index of postings: a posting's write moves the postings' state, never the catalogue
revision (whose snapshot is expensive); search sees every change at once, also rows a loader
wrote itself; a posting's text is embedded once. And the command line over it."""

from __future__ import annotations

import datetime as dt
import json

from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from samverkan.accounts.actor import Actor
from samverkan.cli import main
from samverkan.db import revision
from samverkan.db.community import Posting
from samverkan.db.models import Embedding
from samverkan.search import postings as live
from tests.postings.conftest import Site


def _found(site: Site, query: str, kind: str = "need") -> list[str]:
    return [r["id"] for r in site.core.search(query, kind=kind, limit=20)["results"]]


def test_writes_move_the_postings_state_not_the_catalogue_revision(empty_site: Site):
    site = empty_site
    engine = site.core.engine
    org = site.organisation()
    actor = Actor.token(org.id, "admin")
    catalogue, state = revision.key(engine), live.state(engine)
    made = site.core.postings.create(actor, "need", {"title": "Vätgas i hamnen", "text": "Vätgasdrivna fartyg."})
    assert live.state(engine) != state and revision.key(engine) == catalogue
    assert made["id"] not in _found(site, "vätgas fartyg")  # a draft is not found
    site.core.postings.update(actor, "need", made["id"], {"status": "published"})
    assert _found(site, "vätgas fartyg") == [made["id"]]
    site.core.postings.update(actor, "need", made["id"], {"title": "Elektrifierade färjor"})
    assert _found(site, "elektrifierade färjor") == [made["id"]]
    site.core.postings.withdraw(actor, "need", made["id"])
    assert _found(site, "elektrifierade färjor") == []
    assert revision.key(engine) == catalogue


def test_rows_a_loader_writes_are_found_and_texts_embedded_once(empty_site: Site):
    site = empty_site
    engine = site.core.engine
    org = site.organisation()
    store = site.core.postings.store
    with Session(engine) as session, session.begin():  # a loader's own transaction (the demo strategy)
        store.add(session, org.id, "need", {"title": "Öppna data i kommunen", "text": "Dela öppna data.",
                                            "status": "published"}, None)  # fmt: skip
    assert len(_found(site, "öppna data")) == 1
    moment = dt.datetime.now(dt.UTC)
    with Session(engine) as session, session.begin():  # a row written without the store at all
        session.add(Posting(kind="solution", tenant_id=org.id, status="published", language="sv",
                            title="Dataportal för kommuner", text="En öppen dataportal.", focus_areas=[],
                            technologies=[], links=[], version=1, created_at=moment, updated_at=moment,
                            published_at=moment))  # fmt: skip
    assert any(i.startswith("p") for i in _found(site, "dataportal", kind="solution"))
    if site.core.settings.search_dense:
        with Session(engine) as session:
            count = session.scalar(select(func.count()).select_from(Embedding).where(Embedding.kind == "posting"))
            computed = session.scalars(select(Embedding.computed_at).where(Embedding.kind == "posting")).all()
        assert count == 2
        _found(site, "något annat")
        with Session(engine) as session:
            again = session.scalars(select(Embedding.computed_at).where(Embedding.kind == "posting")).all()
        assert sorted(again) == sorted(computed)  # the same texts are not embedded again


def test_the_command_line(site: Site):
    org = site.organisation("Region Östergötland")
    actor = Actor.token(org.id, "admin")
    made = site.core.postings.create(
        actor, "need", {"title": "AI i äldreomsorgen", "text": "Vi vill använda AI i äldreomsorgen.",
                        "status": "published", "region": "SE123"},
    )  # fmt: skip
    draft = site.core.postings.create(actor, "need", {"title": "Ett utkast"})
    url = site.core.settings.db

    def run(*args: str):
        return CliRunner().invoke(main, ["--db", url, *args], catch_exceptions=False)

    listed = run("needs", "list", "--org", org.slug)
    assert listed.exit_code == 0 and made["id"] in listed.output and draft["id"] not in listed.output
    shown = json.loads(run("needs", "show", made["id"]).output)
    assert shown["title"] == "AI i äldreomsorgen"
    matches = json.loads(run("needs", "matches", made["id"], "--json", "--limit", "3").output)
    assert len(matches["calls"]) == 3 and all(c["status"] in ("open", "forthcoming") for c in matches["calls"])
    human = run("needs", "matches", made["id"])
    assert "calls:" in human.output and "matched:" in human.output
    board = json.loads(run("board", "--region", "SE12", "--json").output)
    assert board["totals"]["needs"] >= 1
    missing = run("needs", "show", "p999999")
    assert missing.exit_code == 1 and "no need" in missing.output

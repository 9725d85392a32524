"""Official work programme PDFs: topics found against the table of contents, their text, the
merge into calls (CORDIS topics known by title only), idempotence and bad PDFs."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from samverkan.cli import main
from samverkan.db.models import Call
from samverkan.errors import InputError
from samverkan.importers import import_source
from samverkan.importers.files import list_inputs
from samverkan.importers.workprogramme import Found, may_replace, read_workprogramme
from samverkan.importers.workprogramme_text import WorkProgramme

from .helpers import snapshot, write_csv

PDFS = (
    "h2020-wp1415-food_en.pdf",
    "h2020-wp1617-food_en.pdf",
    "h2020-wp1820-energy_en.pdf",
    "h2020-wp1820-food_en.pdf",
)


@pytest.fixture(scope="session")
def programmes(shared: Path) -> dict[str, WorkProgramme]:
    """The four real work programmes, each read and parsed once per session."""
    return {f.name: read_workprogramme(f) for f in list_inputs(shared / "workprogrammes")}


def topic(programmes: dict[str, WorkProgramme], pdf: str, topic_id: str):
    return next(t for t in programmes[pdf].topics if t.id == topic_id)


@pytest.mark.parametrize("pdf", PDFS)
def test_topics_of_the_table_of_contents_are_found_with_text(programmes, pdf):
    programme = programmes[pdf]
    found, listed = programme.coverage()
    assert listed >= 40, "the table of contents was not read"
    assert found / listed >= 0.95, programme.missing()
    assert programme.framework == "Horizon 2020"
    # every topic found in the body is listed in the table of contents (no mention taken for a topic)
    assert {t.id for t in programme.topics} <= {e.id for e in programme.toc}


def test_the_energy_programme_and_its_one_cancelled_topic(programmes):
    programme = programmes["h2020-wp1820-energy_en.pdf"]
    assert programme.period == (2018, 2020)
    # page 167: "LC-SC3-ES-12-2020 … This topic is cancelled and replaced by topic LC-SC3-ES-13-2020"
    assert programme.missing() == ["LC-SC3-ES-12-2020"]
    assert len([e for e in programme.toc if e.id.startswith("LC-SC3-")]) >= 100


def test_a_topic_text_as_printed(programmes):
    skills = topic(programmes, "h2020-wp1820-energy_en.pdf", "LC-SC3-EE-3-2019-2020")
    assert skills.title == "Stimulating demand for sustainable energy skills in the construction sector"  # no "21"
    assert [name for name, _ in skills.sections] == ["Specific Challenge", "Scope", "Expected Impact"]
    assert skills.description.startswith(
        "Specific Challenge: Based on results of the BUILD UP Skills initiative, in particular the National "
        "Qualification Platforms and Roadmaps"
    )
    assert "This topic will not be continued in 2020" not in skills.description  # its footnote
    assert "Part 10 - Page" not in skills.description  # running headers
    heating = topic(programmes, "h2020-wp1820-energy_en.pdf", "LC-SC3-RES-8-2019")
    assert heating.type_of_action == "Innovation action" and heating.action_type == "IA"
    impact = dict(heating.sections)["Expected Impact"]
    assert impact.startswith("A reduced dependency of district heating and/or cooling systems on fossil fuels")
    assert "\n\nScope: Support will be given to cost-effective solutions for district heating" in heating.description


def test_a_2014_topic_without_the_colon_and_with_parts(programmes):
    crops = topic(programmes, "h2020-wp1415-food_en.pdf", "SFS-2-2014/2015")
    assert crops.title == "Sustainable crop production"
    assert dict(crops.sections)["Specific Challenge"].startswith("European crop production is facing more")
    assert "B. [2015] Assessing soil-improving cropping systems" in crops.description  # hyphen kept across lines
    assert crops.action_type == "RIA"
    # "Specific challenge Global warming …": the heading lacks its colon in the PDF
    fisheries = topic(programmes, "h2020-wp1415-food_en.pdf", "BG-2-2015")
    assert dict(fisheries.sections)["Specific Challenge"].startswith("Global warming and climate change")


def test_bullets_are_lines_of_their_own(programmes):
    renovation = topic(programmes, "h2020-wp1820-energy_en.pdf", "LC-SC3-EE-2-2018-2019")
    impact = dict(renovation.sections)["Expected Impact"]
    assert "\n• Availability of adequate financing offer for integrated renovation services;" in impact
    assert "\uf0b7" not in renovation.description


# --------------------------------------------------------------------------- the database


def cordis_dump(shared: Path, tmp_path: Path, codes: set[str]) -> Path:
    """The real rows of CORDIS topics.csv for ``codes`` and of project.csv for their projects."""
    folder = tmp_path / "dump"
    folder.mkdir()
    with open(shared / "cordis" / "h2020" / "topics.csv", encoding="utf-8") as stream:
        topics = [r for r in csv.DictReader(stream, delimiter=";") if r["topic"] in codes]
    assert {r["topic"] for r in topics} == codes
    write_csv(
        folder / "topics.csv", "projectID;topic;title", [f"{r['projectID']};{r['topic']};{r['title']}" for r in topics]
    )
    with open(shared / "cordis" / "h2020" / "project.csv", encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream, delimiter=";")
        projects = [r for r in reader if r["id"] in {t["projectID"] for t in topics}]
        with open(folder / "project.csv", "w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, reader.fieldnames or [], delimiter=";", quoting=csv.QUOTE_ALL)
            writer.writeheader()
            writer.writerows(projects)
    return folder


def pdf(shared: Path, name: str) -> Path:
    return shared / "workprogrammes" / name


def test_a_known_call_keeps_its_fields_and_gains_the_text(engine, shared, tmp_path):
    codes = {"LC-SC3-RES-8-2019", "SFS-02a-2014", "SFS-02b-2015"}
    import_source(engine, "cordis", cordis_dump(shared, tmp_path, codes))
    with Session(engine) as session:
        before = {c.id: (c.title, c.programme, c.status) for c in session.scalars(select(Call))}
    assert before["SFS-02a-2014"] == ("External nutrient inputs", "Horizon 2020", "closed")
    report = import_source(engine, "workprogramme", pdf(shared, "h2020-wp1820-energy_en.pdf"))
    assert report.counts["calls"].updated == 1 and report.counts["calls"].inserted == 104
    assert any("105 of 106 topics of the table of contents found with text (99.1 %)" in n for n in report.notes)
    with Session(engine) as session:
        call = session.get(Call, "LC-SC3-RES-8-2019")
        assert (call.title, call.programme, call.status) == before["LC-SC3-RES-8-2019"]
        assert call.description.startswith("Specific Challenge: There is a large potential to integrate")
        assert call.types_of_action == "Innovation action" and call.action_type == "IA"
        assert (call.source, call.source_id) == ("workprogramme", "h2020-wp1820-energy_en.pdf#LC-SC3-RES-8-2019")
    # a 2014-15 topic gives its text to the portal codes of its parts
    report = import_source(engine, "workprogramme", pdf(shared, "h2020-wp1415-food_en.pdf"))
    with Session(engine) as session:
        for code in ("SFS-02a-2014", "SFS-02b-2015"):
            call = session.get(Call, code)
            assert (call.title, call.programme, call.status) == before[code]  # the part's own title kept
            assert call.description.startswith("Specific Challenge: European crop production")
            assert call.source_id == "h2020-wp1415-food_en.pdf#SFS-2-2014/2015"
        # topics of several years whose parts are not known are left out, not invented
        assert session.scalar(select(func.count()).select_from(Call).where(Call.id.like("%/%"))) == 0
    assert any("2 calls matched by the portal codes" in n for n in report.notes)


def test_unknown_topics_become_closed_calls_and_reimport_changes_nothing(engine, shared):
    report = import_source(engine, "workprogramme", pdf(shared, "h2020-wp1820-energy_en.pdf"))
    assert report.counts["topics"].read == 105 and report.counts["calls"].inserted == 105
    with Session(engine) as session:
        call = session.get(Call, "LC-SC3-EE-3-2019-2020")
        assert call.title == "Stimulating demand for sustainable energy skills in the construction sector"
        assert (call.status, call.programme, call.deadline) == ("closed", "Horizon 2020", None)
    again = import_source(engine, "workprogramme", pdf(shared, "h2020-wp1820-energy_en.pdf"))
    assert not again.changed and again.counts["calls"].unchanged == 105


def test_a_funding_and_tenders_description_is_never_replaced(engine, shared, tmp_path):
    text = "Expected Outcome: the portal's own text of this topic, kept as the authoritative description."
    line = {"topicId": "LC-SC3-RES-8-2019", "title": "Portal title", "callStatus": "closed", "description": text}
    (tmp_path / "calls.jsonl").write_text(json.dumps(line) + "\n")
    import_source(engine, "calls", tmp_path / "calls.jsonl")
    report = import_source(engine, "workprogramme", pdf(shared, "h2020-wp1820-energy_en.pdf"))
    assert any("kept the description of 1 calls" in n for n in report.notes)
    with Session(engine) as session:
        call = session.get(Call, "LC-SC3-RES-8-2019")
        assert (call.description, call.title, call.source) == (text, "Portal title", "calls")


def test_the_newer_work_programme_wins(programmes):
    older = Found("h2020-wp1617-food_en.pdf", "older", (2016, 2017), "Horizon 2020", programmes[PDFS[1]].topics[0])
    newer = Found("h2020-wp1820-food_en.pdf", "newer", (2018, 2020), "Horizon 2020", programmes[PDFS[3]].topics[0])
    periods = {older.file: older.period, newer.file: newer.period}

    def stored(found: Found) -> Call:
        return Call(id="X", description=found.topic.description, source="workprogramme", source_id=found.source_id)

    assert may_replace(stored(older), newer, periods)
    assert not may_replace(stored(newer), older, periods)
    assert may_replace(Call(id="X", description=None, source="cordis"), older, periods)
    assert not may_replace(Call(id="X", description="portal text", source="calls"), newer, periods)


def write_pdf(path: Path, source: Path, pages: range, password: str | None = None) -> Path:
    """A PDF made of some pages of a real one (optionally with a password), written by pypdf."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    reader = PdfReader(source)
    for number in pages:
        writer.add_page(reader.pages[number])
    if password:
        writer.encrypt(user_password=password, algorithm="RC4-128")
    with open(path, "wb") as stream:
        writer.write(stream)
    return path


def test_bad_pdfs_are_clear_errors_and_write_nothing(engine, shared, tmp_path):
    real = pdf(shared, "h2020-wp1415-food_en.pdf")
    cover = write_pdf(tmp_path / "cover.pdf", real, range(0, 1))  # the cover page: no topic ids
    locked = write_pdf(tmp_path / "locked.pdf", real, range(0, 3), password="secret")
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(real.read_bytes()[:400_000])
    renamed = tmp_path / "topics.pdf"
    renamed.write_bytes((shared / "cordis" / "h2020" / "topics.csv").read_bytes()[:10_000])
    cases = [
        (cover, r"cover.pdf: not a work programme: no topic ids"),
        (locked, r"locked.pdf: the PDF is protected by a password"),
        (truncated, r"truncated.pdf: the PDF is damaged or incomplete"),
        (renamed, r"topics.pdf: not a PDF \(no %PDF- header\)"),
        (shared / "calls", r"no .pdf file found"),
    ]
    before = snapshot(engine)
    for path, message in cases:
        with pytest.raises(InputError, match=message):
            import_source(engine, "workprogramme", path)
    assert snapshot(engine) == before


def test_the_cli_prints_the_coverage_and_a_bad_pdf_is_a_message(db_url, shared, tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["--db", db_url, "import", "workprogramme", str(pdf(shared, PDFS[0]))])
    assert result.exit_code == 0, result.output
    assert "h2020-wp1415-food_en.pdf: 49 of 49 topics of the table of contents found with text (100.0 %)" in (
        result.output
    )
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 100)
    result = runner.invoke(main, ["--db", db_url, "import", "workprogramme", str(broken)])
    assert result.exit_code == 1 and "broken.pdf: the PDF is damaged or incomplete" in result.output
    assert "Traceback" not in result.output

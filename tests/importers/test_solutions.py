"""JRC Innovative Public Services explorer cases (CSV) → solutions."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from samverkan.db.models import Solution
from samverkan.errors import InputError
from samverkan.importers import import_source
from tests.importers.helpers import snapshot, write_rows

HEADER = [
    "entry_type", "cid", "id", "rtype", "name", "url", "contact", "description", "geoextent", "geocoverage",
    "geocoverage_codes", "lead_organisation_name", "lead_organisation_category", "start_date", "active", "end_date",
    "primary_sector", "secondary_sector", "technology", "uptake", "cross_border", "cross_sector", "type", "status",
    "lead_organisation:name", "lead_organisation:category",
]  # fmt: skip


def case(case_id: str, name: str = "A chatbot", codes: str = "SE", **values: str) -> list[str]:
    row = dict.fromkeys(HEADER, "")
    row.update(entry_type="case", cid="10001", id=case_id, name=name, description="Multi-line\ntext.",
               geoextent="Local", geocoverage="Sweden", geocoverage_codes=codes, start_date="2020")  # fmt: skip
    row.update(values)
    return [row[h] for h in HEADER]


def write(path: Path, rows: list[list[str]], header: list[str] = HEADER, encoding: str = "utf-8") -> Path:
    return write_rows(path, header, rows, encoding)


def test_cases_import_from_the_folder_and_reimport_changes_nothing(engine, shared):
    report = import_source(engine, "solutions", shared / "solutions")
    assert report.counts["case rows"].read == 853 and report.counts["solutions"].inserted == 853
    assert any("ips-explorer-catalogs.csv" in note and "skipped" in note for note in report.notes)
    again = import_source(engine, "solutions", shared / "solutions" / "ips-explorer-cases.csv")
    counts = again.counts["solutions"]
    assert (counts.inserted, counts.updated, counts.unchanged) == (0, 0, 853) and not again.changed
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Solution)) == 853
        swedish = session.scalars(select(Solution.countries)).all()
        assert sum("SE" in countries for countries in swedish) == 23
        ams = session.get(Solution, "10000")
        assert ams.name == "AMS - public empolyment service" and ams.countries == ["AT"]
        assert (ams.lead_organisation, ams.lead_category) == ("Public Employment Service Austria", "Central-Government")
        assert (ams.geo_extent, ams.technology) == ("National", "Artificial intelligence")
        assert ams.status == "Not in use anymore"
        assert ams.start_year == "2020" and ams.end_year is None and ams.resource_type == "Service"
        tailor = session.get(Solution, "10553")
        assert tailor.countries == ["SE"] and tailor.end_year == "2023" and tailor.url == "https://tailor-network.eu/"
        assert session.get(Solution, "10771").countries == ["AD"]  # codes empty, country named
        assert session.get(Solution, "10749").countries == []  # "European Union"
        assert session.get(Solution, "10462").url is None  # a lone non-breaking space
        corpus = session.get(Solution, "10125")  # two addresses in one cell
        assert corpus.url == "http://journal.sepln.org/sepln/ojs/ojs/index.php/pln/article/view/6117"


def test_nuts_style_and_several_codes_become_iso(engine, tmp_path):
    rows = [case("1", codes="EL, UK;SE|EL"), case("2", codes="", geocoverage="Czech Republic")]
    import_source(engine, "solutions", write(tmp_path / "cases.csv", rows))
    with Session(engine) as session:
        assert session.get(Solution, "1").countries == ["GR", "GB", "SE"]
        assert session.get(Solution, "2").countries == ["CZ"]
        assert session.get(Solution, "1").description == "Multi-line\ntext."


def test_only_case_rows_are_solutions(engine, tmp_path):
    rows = [case("1"), case("2", entry_type="catalog")]
    report = import_source(engine, "solutions", write(tmp_path / "cases.csv", rows))
    assert report.counts["solutions"].inserted == 1
    assert any("1 rows with entry_type 'catalog'" in note for note in report.notes)


def test_the_catalogs_file_alone_is_rejected_by_its_columns(engine, shared):
    with pytest.raises(InputError, match=r"ips-explorer-catalogs\.csv:1: field 'id': required column is missing"):
        import_source(engine, "solutions", shared / "solutions" / "ips-explorer-catalogs.csv")


def test_folder_without_a_cases_file_is_an_error(engine, shared, tmp_path):
    shutil.copy(shared / "solutions" / "ips-explorer-catalogs.csv", tmp_path)
    with pytest.raises(InputError, match="no IPS explorer cases CSV"):
        import_source(engine, "solutions", tmp_path)


def test_missing_column_names_column_and_file(engine, tmp_path):
    header = [h for h in HEADER if h != "geocoverage_codes"]
    row = [v for h, v in zip(HEADER, case("1"), strict=True) if h != "geocoverage_codes"]
    with pytest.raises(InputError, match=r"cases\.csv:1: field 'geocoverage_codes': required column is missing"):
        import_source(engine, "solutions", write(tmp_path / "cases.csv", [row], header))


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (case("2", codes="Sweden"), r"cases\.csv:4: field 'geocoverage_codes': 'Sweden' is not a two-letter"),
        (case("2", end_date="ongoing"), r"cases\.csv:4: field 'end_date': 'ongoing' is not a year"),
        (case("2", name=""), r"cases\.csv:4: field 'name': is required but empty"),
        (case("", name="No id"), r"cases\.csv:4: field 'id': is required but empty"),
    ],
)
def test_a_broken_row_rejects_the_file_and_changes_nothing(engine, tmp_path, bad, message):
    import_source(engine, "solutions", write(tmp_path / "first.csv", [case("1")]))
    before = snapshot(engine)
    # the first row spans two lines (a multi-line description), so the bad row starts on line 4
    with pytest.raises(InputError, match=message):
        import_source(engine, "solutions", write(tmp_path / "cases.csv", [case("1", name="Renamed"), bad]))
    assert snapshot(engine) == before
    with Session(engine) as session:
        assert session.get(Solution, "1").name == "A chatbot"


def test_non_utf8_file_is_a_clear_error(engine, tmp_path):
    path = write(tmp_path / "cases.csv", [case("1", name="Göteborg chatbot")], encoding="latin-1")
    with pytest.raises(InputError, match=r"cases\.csv:\d+: not valid UTF-8"):
        import_source(engine, "solutions", path)
    assert snapshot(engine)["solutions"] == 0

"""Tillväxtverket's ERDF/ESF project bank (CSV) → cohesion projects."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from samverkan.db.models import CohesionProject
from samverkan.errors import InputError
from samverkan.importers import import_source
from tests.importers.helpers import snapshot, write_rows

HEADER = [
    "_source", "ärende-id", "stödmottagare", "beviljat_belopp_sek", "beviljat_belopp_eur", "projektnamn",
    "projektbeskrivning", "projekt_starttid", "projekt_sluttid", "län", "kommuner", "uppdateringsdatum", "område",
    "insatsområde", "tematiskt_mål",
]  # fmt: skip
ERUF = "http://projektbank.tillvaxtverket.se/projektbanken2020#page=eruf"


def project(project_id: str = "1", **values: str) -> list[str]:
    row = dict.fromkeys(HEADER, "")
    row.update({"_source": ERUF, "ärende-id": project_id, "stödmottagare": "Borås Stad",
                "beviljat_belopp_sek": "400000",
                "beviljat_belopp_eur": "0", "projektnamn": "Smart stad", "projekt_starttid": "2016-01-01",
                "projekt_sluttid": "2018-12-31", "kommuner": "Borås"})  # fmt: skip
    row.update(values)
    return [row[h] for h in HEADER]


def write(path: Path, rows: list[list[str]], header: list[str] = HEADER, encoding: str = "utf-8") -> Path:
    return write_rows(path, header, rows, encoding)


def test_project_bank_imports_and_reimport_changes_nothing(engine, shared):
    report = import_source(engine, "projects-se", shared / "cohesion")
    assert report.counts["project rows"].read == 374 and report.counts["cohesion projects"].inserted == 374
    assert any("sweden-erdf-source.yaml" in note for note in report.notes)
    again = import_source(engine, "projects-se", shared / "cohesion" / "sweden-erdf-esf-2014-2020-projects.csv")
    counts = again.counts["cohesion projects"]
    assert (counts.inserted, counts.updated, counts.unchanged) == (0, 0, 374) and not again.changed
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(CohesionProject)) == 374
        assert set(session.scalars(select(CohesionProject.fund))) == {"ERDF"}  # the 2016 scrape is ERDF only
        assert set(session.scalars(select(CohesionProject.amount_eur))) == {None}  # 0 EUR = unknown
        arjeplog = session.get(CohesionProject, "20200940")
        assert arjeplog.beneficiary == "Arjeplogs kommun" and arjeplog.amount_sek == 3929285
        assert arjeplog.name == "Ortsammanbindande nät Arjeplogs kommun" and arjeplog.municipalities == ["Arjeplog"]
        assert (arjeplog.start_date, arjeplog.end_date) == (dt.date(2017, 1, 2), dt.date(2020, 4, 30))
        assert arjeplog.county == "Norrbotten" and arjeplog.source_updated == "2016-10-14 01:17:38"
        assert arjeplog.description.startswith("Avsikten med projektet")
        stockholm = session.get(CohesionProject, "20201077")
        assert stockholm.municipalities[:3] == ["Botkyrka", "Danderyd", "Ekerö"] and len(stockholm.municipalities) == 26


def test_fund_amounts_and_municipalities(engine, tmp_path):
    rows = [
        project("1", kommuner="Lund, Malmö,, Lund ", beviljat_belopp_eur="42000,5"),
        project("2", _source="https://projektbank.esf.se/projekt/2"),
        project("3", _source=""),
    ]
    report = import_source(engine, "projects-se", write(tmp_path / "bank.csv", rows))
    assert any("1 projects have a _source naming neither" in note for note in report.notes)
    with Session(engine) as session:
        first = session.get(CohesionProject, "1")
        assert first.fund == "ERDF" and first.amount_eur == 42000.5 and first.municipalities == ["Lund", "Malmö"]
        assert session.get(CohesionProject, "2").fund == "ESF" and session.get(CohesionProject, "2").amount_eur is None
        assert session.get(CohesionProject, "3").fund is None


def test_missing_column_names_column_and_file(engine, tmp_path):
    header = [h for h in HEADER if h != "projektnamn"]
    row = [v for h, v in zip(HEADER, project(), strict=True) if h != "projektnamn"]
    with pytest.raises(InputError, match=r"bank\.csv:1: field 'projektnamn': required column is missing"):
        import_source(engine, "projects-se", write(tmp_path / "bank.csv", [row], header))


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (project("2", projekt_starttid="hösten"), r"bank\.csv:3: field 'projekt_starttid': 'hösten' is not a date"),
        (project("2", projekt_sluttid="2015-12-31"), r"bank\.csv:3: field 'projekt_sluttid': 2015-12-31 is before"),
        (project("2", beviljat_belopp_sek="många"), r"bank\.csv:3: field 'beviljat_belopp_sek': 'många' is not a"),
        (project("2", projektnamn=""), r"bank\.csv:3: field 'projektnamn': is required but empty"),
        (project(""), r"bank\.csv:3: field 'ärende-id': is required but empty"),
    ],
)
def test_a_broken_row_rejects_the_file_and_changes_nothing(engine, tmp_path, bad, message):
    import_source(engine, "projects-se", write(tmp_path / "first.csv", [project("1")]))
    before = snapshot(engine)
    with pytest.raises(InputError, match=message):
        import_source(engine, "projects-se", write(tmp_path / "bank.csv", [project("1", projektnamn="Ny"), bad]))
    assert snapshot(engine) == before
    with Session(engine) as session:
        assert session.get(CohesionProject, "1").name == "Smart stad"


def test_non_utf8_file_is_a_clear_error(engine, tmp_path):
    path = write(tmp_path / "bank.csv", [project("1")], encoding="latin-1")
    with pytest.raises(InputError, match=r"bank\.csv:1: not valid UTF-8"):
        import_source(engine, "projects-se", path)
    assert snapshot(engine)["cohesion_projects"] == 0

"""JRC S3 Digital Innovation Hub catalogue (CSV) → hubs."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from samverkan.db.models import Hub
from samverkan.errors import InputError
from samverkan.importers import import_source
from tests.importers.helpers import snapshot, write_rows

HEADER = "jrc_id,title,website,country,locality,region,street,domains,competences,description".split(",")
GOOD = ["1443", "Robotdalen", "http://www.robotdalen.se/", "Sweden", "Vasteras", "", "", "Education", "", "Bots"]


def write(path: Path, rows: list[list[str]], header: list[str] = HEADER, encoding: str = "utf-8") -> Path:
    return write_rows(path, header, rows, encoding)


def test_catalogue_imports_and_reimport_changes_nothing(engine, shared):
    path = shared / "hubs" / "jrc-s3-dih-catalogue-2022.csv"
    report = import_source(engine, "hubs", path)
    assert report.counts["hub rows"].read == 701 and report.counts["hubs"].inserted == 701
    again = import_source(engine, "hubs", shared / "hubs")  # the folder holds the same file
    counts = again.counts["hubs"]
    assert (counts.inserted, counts.updated, counts.unchanged) == (0, 0, 701) and not again.changed
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Hub)) == 701
        assert session.scalar(select(func.count()).select_from(Hub).where(Hub.country == "SE")) == 18
        robotdalen = session.get(Hub, "1443")
        assert (robotdalen.name, robotdalen.country, robotdalen.kind) == ("Robotdalen", "SE", "DIH")
        assert robotdalen.services == [] and robotdalen.technologies == []  # competences is empty in 2022
        aachen = session.get(Hub, "4423")
        assert aachen.country == "DE" and aachen.city == "Aachen"
        assert aachen.sectors == ["Life sciences & healthcare"] and aachen.region is None
        assert session.get(Hub, "5523").name.startswith('Digital Innovation Hub "Smart Production Systems Saxony"')
        countries = set(session.scalars(select(Hub.country)))
        assert {"GB", "GR", "XK", "MK"} <= countries and None not in countries


def test_lists_are_split_trimmed_and_deduplicated(engine, tmp_path):
    row = ["7", "Hub &amp; Co", "", "Greece", "Athens", "", "", " Energy | |Energy|Transport ", "AI|IoT", ""]
    import_source(engine, "hubs", write(tmp_path / "hubs.csv", [row]))
    with Session(engine) as session:
        hub = session.get(Hub, "7")
        assert hub.name == "Hub & Co" and hub.country == "GR" and hub.description is None
        assert hub.sectors == ["Energy", "Transport"] and hub.technologies == ["AI", "IoT"]


def test_swedish_hubs_get_back_the_letters_the_catalogue_dropped(engine, shared):
    import_source(engine, "hubs", shared / "hubs" / "jrc-s3-dih-catalogue-2022.csv")
    with Session(engine) as session:
        linkoping, sics, gavle = session.get(Hub, "18265"), session.get(Hub, "4575"), session.get(Hub, "17266")
        assert (linkoping.name, linkoping.source_name, linkoping.city) == (
            "Linköping Science Park",
            "Linkping Science Park",
            "Linköping",
        )
        assert sics.city == "Luleå"  # "Lule&amp;#229;": escaped twice
        assert gavle.city == "Gävle" and gavle.source_name is None
        assert session.get(Hub, "12689").street == "Campus Grsvik 2"  # streets are not restored
        # other countries keep their spelling, references resolved
        assert session.get(Hub, "5523").name.startswith('Digital Innovation Hub "Smart Production Systems Saxony"')


def test_a_semicolon_separated_export_is_read_too(engine, tmp_path):
    path = tmp_path / "hubs.csv"
    path.write_text(";".join(HEADER) + "\n" + ";".join(GOOD) + "\n", encoding="utf-8")
    assert import_source(engine, "hubs", path).counts["hubs"].inserted == 1


def test_missing_column_names_column_and_file(engine, tmp_path):
    header = [h for h in HEADER if h != "country"]
    path = write(tmp_path / "hubs.csv", [[v for h, v in zip(HEADER, GOOD, strict=True) if h != "country"]], header)
    with pytest.raises(InputError, match=r"hubs\.csv:1: field 'country': required column is missing"):
        import_source(engine, "hubs", path)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (["99", "X", "", "Atlantis", "", "", "", "", "", ""], r"hubs\.csv:3: field 'country': 'Atlantis' is not a"),
        (["", "No id", "", "Sweden", "", "", "", "", "", ""], r"hubs\.csv:3: field 'jrc_id': is required but empty"),
        (["99", "", "", "Sweden", "", "", "", "", "", ""], r"hubs\.csv:3: field 'title': is required but empty"),
        (["99", "Short row", "Sweden"], r"hubs\.csv:3: field 'country': expected 10 fields"),
    ],
)
def test_a_broken_row_rejects_the_file_and_changes_nothing(engine, tmp_path, bad, message):
    import_source(engine, "hubs", write(tmp_path / "first.csv", [GOOD]))
    before = snapshot(engine)
    renamed = [GOOD[0], "Robotdalen renamed", *GOOD[2:]]
    with pytest.raises(InputError, match=message):
        import_source(engine, "hubs", write(tmp_path / "hubs.csv", [renamed, bad]))
    assert snapshot(engine) == before
    with Session(engine) as session:
        assert session.get(Hub, "1443").name == "Robotdalen"


def test_skip_invalid_keeps_the_good_rows(engine, tmp_path):
    bad = ["99", "Atlantis Hub", "", "Atlantis", "", "", "", "", "", ""]
    report = import_source(engine, "hubs", write(tmp_path / "hubs.csv", [GOOD, bad]), skip_invalid=True)
    assert report.counts["hubs"].inserted == 1 and report.counts["hub rows"].rejected == 1
    assert "field 'country'" in str(report.rejected[0])


def test_non_utf8_file_is_a_clear_error(engine, tmp_path):
    row = ["18", "Gävle Hub", "", "Sweden", "Gävle", "", "", "", "", ""]
    path = write(tmp_path / "hubs.csv", [row], encoding="latin-1")
    with pytest.raises(InputError, match=r"hubs\.csv:2: not valid UTF-8 \(byte 0xe4\)"):
        import_source(engine, "hubs", path)
    assert snapshot(engine)["hubs"] == 0


def test_folder_without_csv_is_an_error(engine, tmp_path):
    (tmp_path / "readme.txt").write_text("nothing here")
    with pytest.raises(InputError, match="no DIH catalogue CSV found; found readme.txt"):
        import_source(engine, "hubs", tmp_path)

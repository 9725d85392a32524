"""The EDIH network's hub catalogue (Excel export) → hubs, linked to the same hubs in the JRC catalogue."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from samverkan.db.models import Hub
from samverkan.errors import InputError
from samverkan.importers import import_source, sheets
from samverkan.importers.base import Row, RowInvalid
from samverkan.importers.edih import REQUIRED, hub_id, rated_items, slug, split_location
from samverkan.importers.hub_links import HubFacts, plan_links
from tests.importers.helpers import snapshot

SPELLED = {"EDIH": "EDIH", "Seal of Excellence": "SoE", "DIH": "DIH"}
GOOD = {
    "EDIH Name": "DigIT Hub Sweden",
    "EDIH Title": "DigIT Hub Sweden",
    "Description (indexed field)": "Smart manufacturing and smart cities in Skåne, Blekinge and Kronoberg.",
    "Country": "Sweden",
    "Contact Location": "Mårtenstorget 10A, 22351 Lund, Sweden",
    "EDIH/SoE": "EDIH",
    "Website": "https://digithub.se/",
    "Formatted sectors": "Health care - 2, Smart City - 5",
    "Formatted services": "",
    "Formatted technologies": "Chemical engineering (plants, products) - 3, Internet of Things - 5",
}


@pytest.fixture(scope="module")
def export(shared: Path) -> Path:
    return shared / "hubs" / "edih-catalogue-export.xlsx"


def file_rows(path: Path) -> list[dict[str, object]]:
    """The export's rows, read with openpyxl directly (independently of the importer)."""
    book = openpyxl.load_workbook(path, read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    header = [str(h) for h in rows[0]]
    return [dict(zip(header, r, strict=True)) for r in rows[1:] if any(r)]


def write_xlsx(path: Path, rows: list[dict[str, str]], header: list[str] | None = None) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "EDIH Catalogue"
    header = header or list(REQUIRED)
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(h) or None for h in header])
    book.save(path)
    return path


def stored(engine) -> dict[str, tuple]:
    with Session(engine) as session:
        return {
            h.id: (h.name, h.title, h.kind, h.country, h.city, h.url, h.sectors, h.same_as_id, h.imported_at)
            for h in session.scalars(select(Hub))
        }


def test_the_export_imports_457_hubs_of_the_types_the_file_gives(engine, export):
    expected = Counter(SPELLED[str(r["EDIH/SoE"])] for r in file_rows(export))
    assert sum(expected.values()) == 457
    report = import_source(engine, "edih", export)
    assert report.counts["hub rows"].read == 457 and report.counts["hubs"].inserted == 457
    with Session(engine) as session:
        kinds = Counter(session.scalars(select(Hub.kind)))
        swedish = session.scalar(select(func.count()).select_from(Hub).where(Hub.country == "SE"))
        hds = session.get_one(Hub, "edih-se-health-data-sweden-hds")
        digit = session.get_one(Hub, "edih-se-digit-hub-sweden")
        datalife = {h.id: h.kind for h in session.scalars(select(Hub).where(Hub.name == "DATAlife"))}
        technologies = {t for ts in session.scalars(select(Hub.technologies)) for t in ts}
    assert kinds == expected and kinds == {"EDIH": 168, "SoE": 83, "DIH": 206}
    assert swedish == 12
    assert (hds.name, hds.title, hds.kind, hds.city, hds.street) == (
        "Health Data Sweden (HDS)",
        "Health Data Sweden",
        "EDIH",
        "Stockholm",
        "Brinellvagen 8",
    )
    assert hds.url is None  # the export writes "Website" where a hub has no address
    assert hds.sectors == ["Health care", "Life sciences", "Personal services", "Public administration"]
    assert (digit.kind, digit.city, digit.url) == ("EDIH", "Lund", "https://digithub.se/")
    assert datalife == {"edih-es-datalife-dih": "DIH", "edih-es-datalife-edih": "EDIH"}  # one name, two rows
    assert "Chemical engineering (plants, products)" in technologies  # a list item holding a comma


def test_a_hub_in_both_catalogues_is_linked_to_its_edih_record(engine, shared, export):
    import_source(engine, "hubs", shared / "hubs" / "jrc-s3-dih-catalogue-2022.csv")
    report = import_source(engine, "edih", export)
    links = report.counts["hub links"]
    with Session(engine) as session:
        same = dict(session.execute(select(Hub.id, Hub.same_as_id).where(Hub.same_as_id.is_not(None))).all())
        sources = dict(session.execute(select(Hub.id, Hub.source)).all())
    assert links.inserted == len(same) == 177  # measured: 176 JRC records and one DIH row of the export
    assert same["18801"] == "edih-se-digit-hub-sweden"  # DigIT Hub Sweden, same name
    assert same["17480"] == "edih-se-ltu-ai-innovation-hub"
    assert same["edih-es-datalife-dih"] == "edih-es-datalife-edih"
    assert "1375" not in same  # RISE ICT: its host ri.se also serves SICS ICE, and no name word is shared
    assert all(sources[target] == "edih" and target not in same for target in same.values())


def test_reimporting_either_catalogue_keeps_the_links_and_changes_nothing(engine, shared, export):
    jrc = shared / "hubs" / "jrc-s3-dih-catalogue-2022.csv"
    assert import_source(engine, "edih", export).counts["hub links"].inserted == 1  # DATAlife's two rows
    first = import_source(engine, "hubs", jrc)  # the JRC catalogue second: its 176 links come with it
    assert (first.counts["hub links"].inserted, first.counts["hub links"].unchanged) == (176, 1)
    before = stored(engine)
    for source, path in (("edih", export), ("edih", shared / "hubs"), ("hubs", jrc)):
        again = import_source(engine, source, path)
        assert not again.changed, again.render()
        assert again.counts["hubs"].unchanged == (457 if source == "edih" else 701)
        assert again.counts["hub links"].unchanged == 177
    assert stored(engine) == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"EDIH Name": ""}, r"!EDIH Catalogue:3: field 'EDIH Name': is required but empty"),
        ({"Country": "Atlantis"}, r":3: field 'Country': 'Atlantis' is not a country name"),
        ({"EDIH/SoE": "Hub"}, r":3: field 'EDIH/SoE': 'Hub' is not one of EDIH, Seal of Excellence, DIH"),
        ({"Formatted sectors": "Health care, Energy"}, r":3: field 'Formatted sectors': expected 'item - rating"),
        ({"Website": "digithub.se"}, r":3: field 'Website': 'digithub.se' is not a web address"),
    ],
)
def test_a_broken_row_names_its_row_and_field_and_nothing_is_written(engine, tmp_path, change, message):
    other = GOOD | {"EDIH Name": "Other hub"}
    path = write_xlsx(tmp_path / "export.xlsx", [other, GOOD | change])
    with pytest.raises(InputError, match=message):
        import_source(engine, "edih", path)
    assert snapshot(engine)["hubs"] == 0


def test_an_unexpected_header_lists_what_is_missing(engine, tmp_path):
    header = [h for h in REQUIRED if h not in ("Country", "EDIH/SoE")]
    path = write_xlsx(tmp_path / "export.xlsx", [GOOD], header)
    missing = r"export\.xlsx!EDIH Catalogue:1: required column\(s\) missing: Country, EDIH/SoE"
    with pytest.raises(InputError, match=missing):
        import_source(engine, "edih", path)
    assert snapshot(engine)["hubs"] == 0


def test_what_is_not_a_workbook_is_a_clear_error(engine, tmp_path):
    fake = tmp_path / "export.xlsx"
    fake.write_text("EDIH Name,Country\nX,Sweden\n")
    with pytest.raises(InputError, match=r"export\.xlsx: not an Excel workbook"):
        import_source(engine, "edih", fake)
    (tmp_path / "notes.txt").write_text("nothing")
    fake.unlink()
    with pytest.raises(InputError, match="no EDIH catalogue workbook"):
        import_source(engine, "edih", tmp_path)


def test_a_workbook_over_the_bound_is_refused_before_it_is_read(engine, tmp_path, monkeypatch):
    path = write_xlsx(tmp_path / "export.xlsx", [GOOD])
    monkeypatch.setattr(sheets, "MAX_WORKBOOK_BYTES", path.stat().st_size - 1)
    with pytest.raises(InputError, match="the workbook is larger than"):
        import_source(engine, "edih", path)
    monkeypatch.setattr(sheets, "MAX_WORKBOOK_BYTES", path.stat().st_size)
    monkeypatch.setattr(sheets, "MAX_UNPACKED_BYTES", 1000)
    with pytest.raises(InputError, match="the workbook unpacks to more than 1,000 bytes"):
        import_source(engine, "edih", path)


def test_skip_invalid_keeps_the_good_rows(engine, tmp_path):
    path = write_xlsx(tmp_path / "export.xlsx", [GOOD, GOOD | {"EDIH Name": "Atlantis", "Country": "Atlantis"}])
    report = import_source(engine, "edih", path, skip_invalid=True)
    assert report.counts["hubs"].inserted == 1 and report.counts["hub rows"].rejected == 1
    with Session(engine) as session:
        hub = session.get_one(Hub, "edih-se-digit-hub-sweden")
        assert hub.services == []
        assert hub.technologies == ["Chemical engineering (plants, products)", "Internet of Things"]


@pytest.mark.parametrize(
    ("location", "street", "city"),
    [
        ("Campus gräsvik 2, 371 75 Karlskrona, Sweden", "Campus gräsvik 2", "Karlskrona"),
        ("Via Santa Croce 77, 38122 Trento TN, Italy", "Via Santa Croce 77", "Trento"),
        (
            "Ai campus berlin, max-urich-straße 3, 13355 Berlin, Germany",
            "Ai campus berlin, max-urich-straße 3",
            "Berlin",
        ),  # noqa: E501
        ("Put gimnazije 2, Sibenik, Croatia", "Put gimnazije 2", "Sibenik"),
        ("Budapest, 5525, Hungary", "Budapest", None),
        ("Sweden", "Sweden", None),
        (None, None, None),
    ],
)
def test_the_contact_location_gives_street_and_city(location, street, city):
    assert split_location(location) == (street, city)


def test_rated_lists_and_ids():
    row = Row("x.xlsx", 2, {"s": "Energy, fuels and petroleum engineering - 4, Energy - 3, Energy - 5"})
    assert rated_items(row, "s") == ["Energy, fuels and petroleum engineering", "Energy"]
    with pytest.raises(RowInvalid):
        rated_items(Row("x.xlsx", 2, {"s": "Energy - high"}), "s")
    assert slug("Centre d'Innovació Digital · Ñ") == "centre-d-innovacio-digital-n"
    long = hub_id("es", slug("Digital Innovation Hub for the deployment of Artificial Intelligence in Galicia"))
    assert len(long) == 40 and long.startswith("edih-es-digital-innovation-hub-fo-")
    assert long != hub_id("es", slug("Digital Innovation Hub for the deployment of Artificial Intelligence in Spain"))


def facts(id: str, source: str, kind: str, names: tuple[str, ...], url: str | None = None, country: str = "SE"):
    return HubFacts(id, source, kind, country, names, url)


def test_links_prefer_precision():
    shown = [
        facts("e-ice", "edih", "DIH", ("SICS ICE",), "https://ri.se/ice"),
        facts("e-malar", "edih", "EDIH", ("Mälardalen Hub",)),
        facts("e-a", "edih", "EDIH", ("Twin",)),
        facts("e-b", "edih", "SoE", ("Twin Labs",), "https://labs.example/"),
        facts("e-c", "edih", "EDIH", ("Quantum Twin",), "https://qt.example/"),
    ]
    older = [
        facts("1", "hubs", "DIH", ("RISE ICT",), "https://www.ri.se/ict"),  # same host, no word in common
        facts("2", "hubs", "DIH", ("Mlardalen Hub",)),  # the JRC harvest lost the "ä"
        facts("3", "hubs", "DIH", ("Mälardalen Hub",), country="FI"),  # another country
        facts("4", "hubs", "DIH", ("Twin Labs Centre",), "http://labs.example/about"),  # host and the word "twin"
        facts("5", "hubs", "DIH", ("Twin",), "https://qt.example/x"),  # the name of one, the host of another
    ]
    assert plan_links(shown + older) == {"2": "e-malar", "4": "e-b"}

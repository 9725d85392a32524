"""CORDIS importer: the official CSV layout and the old single-file layout, on real data."""

from __future__ import annotations

import zipfile

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from samverkan.db import make_engine
from samverkan.db.models import Call, Organisation, Participation, Project
from samverkan.errors import InputError
from samverkan.importers import import_source

from .helpers import ORG_HEADER, PROJECT_HEADER, snapshot, write_csv

ORG_ROW = (
    "632927;ERC-EuropePMC-1-2014;999905974;;THE WELLCOME TRUST LIMITED;Wellcome Trust;;PRC;;;LONDON;UK;;;;;;;1;"
    "coordinator;;;;;"
)
PROJECT_ROW = (
    "632927;ERC-EuropePMC;SIGNED;Europe PMC;2014-10-01;2019-09-30;125113,75;125113.75;H2020-EU.1.1.;"
    "ERC-2014-SUPP;;H2020;;;;;;;;"
)


def test_full_h2020_folder_counts_and_idempotence(engine, shared):
    report = import_source(engine, "cordis", shared / "cordis" / "h2020")
    c = report.counts
    assert c["projects"].read == 7775 and c["projects"].inserted == 7775
    assert c["organisation rows"].read == 33229 and c["organisation rows"].rejected == 0
    # two rows of organization.csv are exact duplicates of another row (same project, PIC, role)
    assert c["participations"].inserted == 33227
    assert c["organisations"].inserted == 13018
    assert c["topic rows"].read == 34837
    assert c["calls"].inserted == 3495
    # name hashes linked to the PIC record of the same name; spellings differing only in initials or
    # in how a lost umlaut was written ("E.V."/"EV", "FOERDERUNG"/"FORDERUNG") count as the same name
    assert c["duplicate links"].inserted == 118
    again = import_source(engine, "cordis", shared / "cordis" / "h2020")
    assert not again.changed
    assert again.counts["organisations"].unchanged == 13018
    with Session(engine) as session:
        wellcome = session.get(Organisation, "999905974")
        assert (wellcome.name, wellcome.country, wellcome.activity_type) == ("THE WELLCOME TRUST LIMITED", "GB", "PRC")
        assert session.get(Organisation, "439f60b1b945e6fc42696194b46ba63b").same_as_id == "998811911"
        assert {o.country for o in session.execute(select(Organisation)).scalars()} >= {"GB", "GR"}
        assert session.scalar(select(Organisation).where(Organisation.country.in_(["UK", "EL"]))) is None
        geo = session.get(Organisation, "955334474")
        assert (geo.lat, geo.lon) == pytest.approx((48.14240555, 11.588733303237))
        call = session.get(Call, "LC-SC3-RES-8-2019")
        assert call.programme == "Horizon 2020" and call.status == "closed" and call.title


def test_old_layout_resolves_participant_names_and_reimports_change_nothing(demo_db, demo_copy, shared):
    """The demo holds the official H2020 tables and then the old layout, as the shared set."""
    legacy = next(r for r in demo_db.reports if "projects (old layout)" in r.counts)
    assert legacy.counts["projects (old layout)"].read == 1413
    assert legacy.counts["projects"].inserted == 1016  # 397 were already known from project.csv
    engine = make_engine(demo_copy)
    with Session(engine) as session:
        geocep = session.get(Project, "870245")
        assert geocep.title == "Global Excellence in Modeling Climate and Energy Policies"
        assert geocep.objective.startswith("The global GEOCEP project")
        coordinator = session.execute(
            select(Organisation.name)
            .join(Participation)
            .where(Participation.project_id == "870245", Participation.role == "coordinator")
        ).scalar_one()
        assert coordinator == "UNIVERZITA KARLOVA"
    for path in (shared / "cordis" / "h2020", shared / "cordis" / "h2020-cleantech" / "cordis-h2020projects.csv"):
        report = import_source(engine, "cordis", path)
        assert not report.changed, report.render()
    engine.dispose()


def test_zip_archive_and_decimal_commas(engine, tmp_path):
    folder = tmp_path / "dump"
    write_csv(folder / "project.csv", PROJECT_HEADER, [PROJECT_ROW])
    write_csv(folder / "organization.csv", ORG_HEADER, [ORG_ROW])
    archive = tmp_path / "cordis.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in folder.iterdir():
            z.write(f, f"cordis-h2020projects-csv/{f.name}")
    report = import_source(engine, "cordis", archive)
    assert report.counts["participations"].inserted == 1
    with Session(engine) as session:
        project = session.get(Project, "632927")
        assert project.total_cost == 125113.75 and project.ec_max_contribution == 125113.75
        assert session.get(Call, "ERC-2014-SUPP").programme == "Horizon 2020"


def test_missing_organisation_id_column_is_rejected_and_nothing_is_written(engine, tmp_path):
    header = ORG_HEADER.replace("organisationID;", "")
    row = ORG_ROW.replace("999905974;", "")
    write_csv(tmp_path / "project.csv", PROJECT_HEADER, [PROJECT_ROW])
    write_csv(tmp_path / "organization.csv", header, [row])
    before = snapshot(engine)
    with pytest.raises(InputError) as info:
        import_source(engine, "cordis", tmp_path)
    message = str(info.value)
    assert "organisationID" in message and "organization.csv:1" in message
    assert snapshot(engine) == before  # project.csv was valid, but the import is atomic


def test_a_broken_row_names_file_line_and_field(engine, tmp_path):
    bad = ORG_ROW.replace(";;PRC;", ";perhaps;PRC;")
    write_csv(tmp_path / "organization.csv", ORG_HEADER, [ORG_ROW.replace("632927", "632928"), bad])
    before = snapshot(engine)
    with pytest.raises(InputError) as info:
        import_source(engine, "cordis", tmp_path)
    assert str(info.value) == f"{tmp_path / 'organization.csv'}:3: field 'SME': 'perhaps' is not true/false"
    assert snapshot(engine) == before


def test_skip_invalid_imports_the_valid_rows_and_lists_the_rest(engine, tmp_path):
    bad = ORG_ROW.replace(";UK;", ";United Kingdom;").replace("632927", "632928")
    write_csv(tmp_path / "organization.csv", ORG_HEADER, [ORG_ROW, bad])
    report = import_source(engine, "cordis", tmp_path, skip_invalid=True)
    assert report.counts["organisation rows"].read == 2
    assert report.counts["organisation rows"].rejected == 1
    assert report.counts["participations"].inserted == 1
    assert "field 'country'" in str(report.rejected[0])


def test_wrong_encoding_is_reported_with_its_line(engine, tmp_path):
    write_csv(
        tmp_path / "organization.csv", ORG_HEADER, [ORG_ROW, ORG_ROW.replace("LONDON", "MÜNCHEN")], encoding="latin-1"
    )
    with pytest.raises(InputError, match=r"organization.csv:3: not valid UTF-8 \(byte 0xdc\)"):
        import_source(engine, "cordis", tmp_path)


def test_a_row_with_the_wrong_number_of_fields(engine, tmp_path):
    write_csv(tmp_path / "organization.csv", ORG_HEADER, [ORG_ROW.rsplit(";", 3)[0]])
    with pytest.raises(InputError, match=r"organization.csv:2: field 'totalCost': expected 25 fields"):
        import_source(engine, "cordis", tmp_path)


def test_a_folder_without_cordis_files(engine, tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(InputError, match="no CORDIS files found"):
        import_source(engine, "cordis", tmp_path)
    with pytest.raises(InputError, match="no such file or folder"):
        import_source(engine, "cordis", tmp_path / "absent")


def test_names_are_repaired_and_swedish_names_restored_at_the_door(engine, tmp_path, shared):
    """Real rows of organization.csv: a transliterated Swedish name, a city in UTF-8 read as
    Mac Roman, a name with letters lost as "�"."""
    wanted = ('"999981925"', '"998006908"', '"999481211"')
    lines, seen = [], set()
    with open(shared / "cordis" / "h2020" / "organization.csv", encoding="utf-8") as f:
        header = f.readline()
        for line in f:
            org = next((w for w in wanted if w in line and w not in seen), None)
            if org:
                seen.add(org)
                lines.append(line)
    (tmp_path / "organization.csv").write_text(header + "".join(lines), encoding="utf-8")
    import_source(engine, "cordis", tmp_path)
    with Session(engine) as session:
        gu = session.get(Organisation, "999981925")
        cit = session.get(Organisation, "998006908")
        formas = session.get(Organisation, "999481211")
        assert gu is not None and cit is not None and formas is not None
        assert (gu.name, gu.source_name, gu.city) == ("Göteborgs universitet", "GOETEBORGS UNIVERSITET", "GOETEBORG")
        assert cit.city == "GÖTEBORG" and cit.source_name is None  # nothing to restore: "CHALMERS" is a name
        assert formas.name == "FORSKNINGSRÅDET FÖR MILJÖ, AREELLA NÄRINGAR OCH SAMHÄLLSBYGGANDE"
        assert formas.source_name == "FORSKNINGSR?DET F?R MILJ?, AREELLA N?RINGAR OCH SAMH?LLSBYGGANDE"
        assert gu.name_key == "GOTEBORGS UNIVERSITET"  # duplicates are still found by the source's key
    again = import_source(engine, "cordis", tmp_path)
    assert not again.changed

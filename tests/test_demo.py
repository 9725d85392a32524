"""The bundled demo catalogue loads completely from the package alone."""

from samverkan.demo import DEMO_SOURCES, demo_inputs


def test_every_demo_input_is_in_the_package():
    for source, path in demo_inputs():
        assert path.exists(), (source, path)
    assert {s for s, _ in DEMO_SOURCES} >= {
        "cordis",
        "calls",
        "hubs",
        "edih",
        "solutions",
        "regions",
        "projects-se",
        "platforms",
        "workprogramme",
    }


def test_demo_counts_match_the_files(demo_db):
    totals: dict[str, int] = {}
    for report in demo_db.reports:
        for name, counts in report.counts.items():
            totals[name] = totals.get(name, 0) + counts.inserted
        assert not report.rejected
    # official rows (2 exact duplicates) + old-layout rows that name an organisation not yet in that project
    assert totals["participations"] == 33227 + 6774
    assert totals["calls"] >= 3495 + 629
    assert totals["hubs"] == 701 + 457  # the JRC catalogue and the EDIH network's export
    assert totals["hub links"] == 177  # records of one hub in both, shown once
    assert totals["solutions"] == 853
    assert totals["regions"] == 2010
    assert totals["municipalities"] == 290
    assert totals["platforms"] >= 11

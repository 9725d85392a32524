"""The DCAT-AP 3.0.0 catalogue of open datasets, validated with pyshacl against the official SHACL
shapes (SEMICeu/DCAT-AP ``releases/3.0.0``, in ``../shared/data/dcat/shacl-dcat-ap-3.0.0``).

What is validated is the serialised output, parsed back: Turtle and JSON-LD. The shapes run with
no inference and no owl:imports, and the network is closed while the tests run.
"""

from __future__ import annotations

import json
import socket
import warnings
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pyshacl
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SH, XSD

from samverkan.dataspace.dcat import (
    JSONLD_TYPE,
    TURTLE_TYPE,
    OpenDataset,
    Publisher,
    catalogue_graph,
    to_jsonld,
    to_turtle,
)
from samverkan.dataspace.vocabularies import theme_for

BASE = "https://samverkan.example.se"
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SHAPES = Path("dcat") / "shacl-dcat-ap-3.0.0"
# Everything that must hold: the generated complete set (the EU ITB validator's "DCAT-AP 3.0.0
# Full (individual constraints)": cardinalities, node kinds and class ranges in one file) and the
# split set behind its "Full" option (shapes.ttl: the constraints, incl. the date datatypes of
# Catalog and Distribution; range.ttl: class ranges; deprecateduris.ttl: warnings on DCAT-AP 2
# terms). range.ttl is not needed beside dcat-ap-SHACL.ttl, which has the ranges, but it is part
# of the split set. imports.ttl is left out: it only owl:imports remote vocabularies (background
# knowledge), and nothing may be fetched.
MANDATORY = ("dcat-ap-SHACL.ttl", "shapes.ttl", "range.ttl", "deprecateduris.ttl")
# the recommended properties, as sh:Warning
RECOMMENDED = ("shapes_recommended.ttl",)
LOCN_ABSENT = "dcat:bbox and dcat:centroid of places known only by a NUTS or municipality IRI"

SMHI = Publisher("smhi", "Sveriges meteorologiska och hydrologiska institut", "https://www.smhi.se/")
AARHUS = Publisher("aarhus", "Aarhus Kommune", "https://www.aarhus.dk/", "opendata@example.dk")
BRISTOL = Publisher("kwmc", "Knowle West Media Centre", None, "not an address")
OPERATOR = Publisher("samverkan", "samverkan", f"{BASE}/", "dataspace@example.se")
CET_SUMMER = timezone(timedelta(hours=2))


def urls(datastream: int, csv: bool = True) -> dict[str, str | None]:
    return {
        "sta_url": f"{BASE}/sta/v1.1/Datastreams({datastream})",
        "observations_url": f"{BASE}/sta/v1.1/Datastreams({datastream})/Observations",
        "aggregate_url": f"{BASE}/api/v1/datastreams/{datastream}/aggregate?interval=1h",
        "csv_url": f"{BASE}/api/v1/datastreams/{datastream}/observations.csv" if csv else None,
    }


# SMHI station Borås (klimatnummer 72450): position and period from the metadata block of
# ../shared/data/iot/smhi/smhi-opendata_Boras.csv; Borås kommun is 1490, in NUTS 3 SE232
BORAS = OpenDataset(
    datastream_id=7,
    title="Lufttemperatur Borås",
    description="Lufttemperatur 2 m över marken, momentanvärde en gång i timmen, SMHI:s station Borås (72450).",
    publisher=SMHI,
    licence="http://creativecommons.org/licenses/by/4.0/",
    keywords=("lufttemperatur", "Borås", "SMHI", "Lufttemperatur"),
    observed_property="Lufttemperatur",
    observed_property_definition="http://vocab.nerc.ac.uk/collection/P07/current/CFSN0023/",
    unit="degree Celsius",
    level="hourly",
    point=(12.9493, 57.7611),
    nuts=("SE232",),
    municipality="1490",
    temporal_start=datetime(1961, 1, 1, tzinfo=UTC),
    temporal_end=datetime(2015, 11, 30, 23, 59, 59, tzinfo=UTC),
    issued=datetime(2025, 3, 4, 9, 30, tzinfo=UTC),
    modified=datetime(2025, 3, 5, 12, 0, 0, 123456, tzinfo=UTC),
    **urls(7),
)
# CityPulse road traffic, Aarhus report 158324 (../shared/data/iot/citypulse-aarhus), local time
AARHUS_TRAFFIC = OpenDataset(
    datastream_id=12,
    title="Vehicle count, report 158324",
    description="Vehicles counted every 5 minutes between two road sensors in Aarhus (CityPulse).",
    publisher=AARHUS,
    licence="http://publications.europa.eu/resource/authority/licence/CC_BY_4_0",
    keywords=("traffic", "Aarhus", "CityPulse"),
    observed_property="Vehicle count",
    observed_property_definition=None,
    unit="vehicles per 5 minutes",
    level="raw",
    point=None,
    nuts=("DK042",),
    municipality=None,
    temporal_start=datetime(2014, 8, 1, 7, 50, tzinfo=CET_SUMMER),
    temporal_end=datetime(2014, 9, 30, 22, 20, tzinfo=CET_SUMMER),
    issued=datetime(2025, 4, 1, 8, 0, tzinfo=UTC),
    modified=None,
    **urls(12),
)
# sensor.community SDS011 in Bristol (../shared/data/iot/sensor-community-bristol): the UK has no
# NUTS 2021 code; position: central Bristol, approximately; still running, so no end
BRISTOL_PM = OpenDataset(
    datastream_id=31,
    title="PM2.5, sensor 66966",
    description="",
    publisher=BRISTOL,
    licence="https://opendatacommons.org/licenses/odbl/1.0/",
    keywords=(" ", "SDS011", "sensor.community"),
    observed_property="PM2.5",
    observed_property_definition="PM2.5 mass concentration",
    unit="µg/m³",
    level="daily",
    point=(-2.59, 51.45),
    nuts=(),
    municipality=None,
    temporal_start=datetime(2022, 7, 1, tzinfo=UTC),
    temporal_end=None,
    issued=datetime(2025, 5, 6, 7, 8, 9, tzinfo=UTC),
    modified=datetime(2025, 5, 7, tzinfo=UTC),
    **urls(31, csv=False),
)
DATASETS = (BORAS, AARHUS_TRAFFIC, BRISTOL_PM)


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing here may download anything: any attempt to connect fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def load_shapes(shared: Path, names: tuple[str, ...]) -> Graph:
    shapes = Graph()
    for name in names:
        shapes.parse(shared / SHAPES / name, format="turtle")
    return shapes


@pytest.fixture(scope="module")
def mandatory(shared: Path) -> Graph:
    return load_shapes(shared, MANDATORY)


@pytest.fixture(scope="module")
def recommended(shared: Path) -> Graph:
    return load_shapes(shared, RECOMMENDED)


def validate(data: Graph, shapes: Graph) -> tuple[bool, Graph, str]:
    """pyshacl on local graphs only: no inference (classes must be stated in the data, as a
    harvester without background knowledge sees them), no owl:imports, warnings count."""
    conforms, report, text = pyshacl.validate(
        data,
        shacl_graph=shapes,
        ont_graph=None,
        inference="none",
        do_owl_imports=False,
        meta_shacl=False,
        advanced=False,
        abort_on_first=False,
        allow_warnings=False,
        allow_infos=False,
    )
    return conforms, report, text


def parse_turtle(text: str) -> Graph:
    return Graph().parse(data=text, format="turtle")


def parse_jsonld(text: str) -> Graph:
    with warnings.catch_warnings():
        # rdflib 7's own JSON-LD parser builds a ConjunctiveGraph and warns that the class is
        # deprecated; only parsing (the tests) hits it, the serialiser the app uses does not
        warnings.filterwarnings("ignore", "ConjunctiveGraph is deprecated", DeprecationWarning)
        return Graph().parse(data=text, format="json-ld")


def build(datasets=DATASETS, **kwargs) -> Graph:
    return catalogue_graph(datasets, BASE, publisher=OPERATOR, **kwargs)


def dataset_iri(d: OpenDataset) -> URIRef:
    return URIRef(f"{BASE}/dcat/datasets/{d.datastream_id}")


def test_turtle_conforms_to_dcat_ap_3(mandatory):
    text = to_turtle(build())
    assert TURTLE_TYPE == "text/turtle"
    data = parse_turtle(text)
    assert set(data.subjects(RDF.type, DCAT.Dataset)) == {dataset_iri(d) for d in DATASETS}
    conforms, _, report = validate(data, mandatory)
    assert conforms is True, report


def test_jsonld_conforms_and_says_the_same_as_turtle(mandatory):
    graph = build()
    text = to_jsonld(graph)
    assert JSONLD_TYPE == "application/ld+json"
    document = json.loads(text)
    assert isinstance(document["@context"], dict), "the context is inline: nothing to fetch"
    assert document["@context"]["dcat"] == str(DCAT)
    data = parse_jsonld(text)
    assert set(data) == set(parse_turtle(to_turtle(graph))) == set(graph)
    conforms, _, report = validate(data, mandatory)
    assert conforms is True, report


def test_empty_catalogue_conforms(mandatory):
    data = parse_turtle(to_turtle(build(datasets=())))
    catalogue = URIRef(f"{BASE}/dcat/catalog")
    assert (catalogue, RDF.type, DCAT.Catalog) in data
    assert not list(data.objects(catalogue, DCAT.dataset))
    conforms, _, report = validate(data, mandatory)
    assert conforms is True, report


def test_recommended_properties_are_there_where_the_facts_allow(recommended):
    """Known gaps: no geometry for places named by IRI, no publisher type, no end of a running stream."""
    data = parse_turtle(to_turtle(build()))
    _, report, text = validate(data, recommended)
    gaps = set()
    for result in report.subjects(RDF.type, SH.ValidationResult):
        assert report.value(result, SH.resultSeverity) == SH.Warning, text
        focus, path = report.value(result, SH.focusNode), report.value(result, SH.resultPath)
        classes = set(data.objects(focus, RDF.type))
        if DCTERMS.Location in classes and path in (DCAT.bbox, DCAT.centroid):
            gaps.add((LOCN_ABSENT, focus, path))
        elif FOAF.Agent in classes and path == DCTERMS.type:
            gaps.add(("publisher type unknown", focus, path))
        elif DCTERMS.PeriodOfTime in classes and path == DCAT.endDate:
            gaps.add(("still running", focus, path))
        else:
            pytest.fail(f"recommended property missing: {focus} {path}\n{text}")
    point = URIRef(f"{dataset_iri(BORAS)}#location")
    assert (LOCN_ABSENT, point, DCAT.bbox) in gaps
    assert (LOCN_ABSENT, point, DCAT.centroid) not in gaps
    assert {focus for reason, focus, _ in gaps if reason == "still running"} == {
        URIRef(f"{dataset_iri(BRISTOL_PM)}#period")
    }


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        pytest.param(lambda g: g.remove((dataset_iri(BORAS), DCTERMS.title, None)), "dct:title", id="no-title"),
        pytest.param(
            lambda g: g.set((URIRef(f"{BASE}/dcat/catalog"), DCTERMS.modified, Literal("5 March 2025"))),
            "DateOrDateTimeDataType_Shape",
            id="modified-not-a-date",
        ),
        pytest.param(
            lambda g: g.set((dataset_iri(BORAS), DCAT.temporalResolution, Literal("hourly"))),
            "xsd:duration",
            id="resolution-not-a-duration",
        ),
        pytest.param(
            lambda g: g.remove((URIRef(f"{dataset_iri(BORAS)}#distribution-csv"), DCAT.accessURL, None)),
            "dcat:accessURL",
            id="no-access-url",
        ),
        pytest.param(
            lambda g: g.remove((URIRef(BORAS.licence), RDF.type, None)),
            "dct:LicenseDocument",
            id="licence-not-a-licence-document",
        ),
        pytest.param(
            lambda g: g.remove((URIRef(f"{BASE}/dcat/publishers/smhi"), FOAF.name, None)),
            "foaf:name",
            id="publisher-without-name",
        ),
    ],
)
def test_broken_catalogue_does_not_conform(mandatory, damage, message):
    data = parse_turtle(to_turtle(build()))
    damage(data)
    conforms, _, report = validate(data, mandatory)
    assert conforms is False
    assert message in report


def test_dates_are_utc_datetimes():
    """The 3.0.0 shapes leave these unchecked for datasets and periods (shapes.ttl gives them
    ``sh:shape``, which is not SHACL), so check them here."""
    data = parse_turtle(to_turtle(build()))
    dates = [o for p in (DCTERMS.issued, DCTERMS.modified, DCAT.startDate, DCAT.endDate) for o in data.objects(None, p)]
    assert len(dates) == 12
    for value in dates:
        assert isinstance(value, Literal) and value.datatype == XSD.dateTime, value
        assert str(value).endswith("+00:00") and "." not in str(value), value
    period = URIRef(f"{dataset_iri(AARHUS_TRAFFIC)}#period")
    assert str(data.value(period, DCAT.startDate)) == "2014-08-01T05:50:00+00:00"
    assert data.value(URIRef(f"{dataset_iri(BRISTOL_PM)}#period"), DCAT.endDate) is None
    catalogue = URIRef(f"{BASE}/dcat/catalog")
    assert str(data.value(catalogue, DCTERMS.issued)) == "2025-03-04T09:30:00+00:00"
    assert str(data.value(catalogue, DCTERMS.modified)) == "2025-05-07T00:00:00+00:00"


def test_what_the_catalogue_says_about_a_dataset():
    data = parse_turtle(to_turtle(build()))
    boras, aarhus, bristol = (dataset_iri(d) for d in DATASETS)
    theme = "http://publications.europa.eu/resource/authority/data-theme/"
    assert data.value(boras, DCAT.theme) == URIRef(theme + "ENVI")
    assert data.value(aarhus, DCAT.theme) == URIRef(theme + "TRAN")
    assert data.value(bristol, DCAT.theme) == URIRef(theme + "ENVI")
    assert set(data.objects(boras, DCTERMS.spatial)) == {
        URIRef("http://data.europa.eu/nuts/code/SE232"),
        URIRef(f"{BASE}/municipalities/1490"),
        URIRef(f"{boras}#location"),
    }
    assert str(data.value(URIRef(f"{boras}#location"), DCAT.centroid)) == "POINT(12.9493 57.7611)"
    assert str(data.value(URIRef(f"{bristol}#location"), DCAT.centroid)) == "POINT(-2.59 51.45)"
    assert set(data.objects(aarhus, DCTERMS.spatial)) == {URIRef("http://data.europa.eu/nuts/code/DK042")}
    assert data.value(boras, DCAT.temporalResolution) == Literal("PT1H", datatype=XSD.duration)
    assert data.value(bristol, DCAT.temporalResolution) == Literal("P1D", datatype=XSD.duration)
    assert data.value(aarhus, DCAT.temporalResolution) is None
    # the observations themselves only where the public may read them raw
    aarhus_sta = set(data.objects(URIRef(f"{aarhus}#distribution-sta"), DCAT.accessURL))
    assert URIRef(AARHUS_TRAFFIC.observations_url) in aarhus_sta
    assert set(data.objects(URIRef(f"{boras}#distribution-sta"), DCAT.accessURL)) == {URIRef(BORAS.sta_url)}
    assert len(set(data.objects(boras, DCAT.distribution))) == 3
    assert len(set(data.objects(bristol, DCAT.distribution))) == 2
    csv = URIRef(f"{boras}#distribution-csv")
    assert data.value(csv, DCAT.downloadURL) == URIRef(BORAS.csv_url)
    assert data.value(csv, DCAT.mediaType) == URIRef("https://www.iana.org/assignments/media-types/text/csv")
    assert data.value(csv, DCTERMS.license) == URIRef(BORAS.licence)
    # keywords: the observed property first, no blanks, no repeats
    assert {str(k) for k in data.objects(boras, DCAT.keyword)} == {"Lufttemperatur", "Borås", "SMHI"}
    assert {str(k) for k in data.objects(bristol, DCAT.keyword)} == {"PM2.5", "SDS011", "sensor.community"}
    # a blank description is replaced; an unusable e-mail or definition is left out
    assert {d.language for d in data.objects(bristol, DCTERMS.description)} == {"sv", "en"}
    assert data.value(bristol, DCTERMS.subject) is None
    assert data.value(URIRef(f"{BASE}/dcat/publishers/kwmc#contact"), VCARD.hasEmail) is None
    service = URIRef(f"{BASE}/dcat/services/sta")
    assert set(data.objects(service, DCAT.servesDataset)) == {boras, aarhus, bristol}
    assert data.value(service, DCAT.endpointURL) == URIRef(f"{BASE}/sta/v1.1")


def test_markup_and_quotes_round_trip_as_literals():
    title = 'Temperatur <script>alert("x")</script> & \'citat\' "quotes" \\ \u2028 end'
    description = "Rad ett\nrad två\t<b>fet</b> ]]> --> @prefix x: <y> ."
    odd = replace(BORAS, title=title, description=description)
    graph = build(datasets=(odd,), language="en")
    for data in (parse_turtle(to_turtle(graph)), parse_jsonld(to_jsonld(graph))):
        assert data.value(dataset_iri(odd), DCTERMS.title) == Literal(title, lang="en")
        assert data.value(dataset_iri(odd), DCTERMS.description) == Literal(description, lang="en")


def test_language_tags_follow_the_language_argument():
    graph = build(datasets=(AARHUS_TRAFFIC,), language=None, title="Open sensor data")
    catalogue = URIRef(f"{BASE}/dcat/catalog")
    assert graph.value(dataset_iri(AARHUS_TRAFFIC), DCTERMS.title) == Literal(AARHUS_TRAFFIC.title)
    assert graph.value(catalogue, DCTERMS.title) == Literal("Open sensor data")
    languages = set(graph.objects(catalogue, DCTERMS.language))
    assert {str(x).rsplit("/", 1)[1] for x in languages} == {"SWE", "ENG"}


@pytest.mark.parametrize(
    ("observed", "theme"),
    [
        ("Air temperature", "ENVI"),
        ("Lufttemperatur", "ENVI"),
        ("PM10", "ENVI"),
        ("Relative humidity", "ENVI"),
        ("Vehicle count", "TRAN"),
        ("Lediga parkeringsplatser", "TRAN"),
        ("Electricity consumption", "ENER"),
        ("Battery voltage", "TECH"),
    ],
)
def test_theme_for(observed, theme):
    assert theme_for(observed) == theme


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"issued": datetime(2025, 1, 1)}, "timezone-aware"),
        ({"level": "minutely"}, "unknown level"),
        ({"nuts": ("SE 232",)}, "NUTS"),
        ({"municipality": "149"}, "municipality"),
        ({"point": (57.7, 212.9)}, "WGS84"),
        ({"sta_url": "javascript:alert(1)"}, "http"),
        ({"aggregate_url": f"{BASE}/api/v1/x y"}, "http"),
        ({"temporal_start": datetime(2016, 1, 1, tzinfo=UTC)}, "after"),
    ],
)
def test_a_dataset_with_a_bad_fact_is_left_out_and_the_others_listed(change, error, caplog, mandatory):
    # a fact written before it was checked must not break the catalogue for everyone
    broken = replace(BORAS, **change)
    data = build(datasets=(broken, AARHUS_TRAFFIC))
    catalogue = URIRef(f"{BASE}/dcat/catalog")
    assert set(data.objects(catalogue, DCAT.dataset)) == {dataset_iri(AARHUS_TRAFFIC)}
    assert not list(data.triples((dataset_iri(broken), None, None)))
    assert any(error in r.getMessage() and "left out" in r.getMessage() for r in caplog.records)
    assert validate(data, mandatory)[0]


def test_a_datastream_is_listed_once():
    with pytest.raises(ValueError, match="more than once"):
        build(datasets=(BORAS, replace(BORAS, title="again")))

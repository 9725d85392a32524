"""The open datasets of the data space as a DCAT-AP 3.0.0 catalogue (Turtle and JSON-LD).

A datastream that its owner shares with the public becomes one ``dcat:Dataset``, so that regional
and national portals (Sweden's dataportal.se, which harvests DCAT-AP-SE, and data.europa.eu) can
harvest it from ``/dcat/catalog.ttl``. Everything here is a pure function of the facts the caller
gathered: no database, no network. The vocabularies it is written in (namespaces, the EU
authority tables, data themes) are in :mod:`samverkan.dataspace.vocabularies`.

The output conforms, with no background knowledge and no inference, to the official DCAT-AP 3.0.0
SHACL shapes (SEMICeu/DCAT-AP ``releases/3.0.0``): both the generated ``shacl/dcat-ap-SHACL.ttl``
and the split ``html/shacl/shapes.ttl`` + ``range.ttl`` + ``deprecateduris.ttl``; and it gives
every recommended property of ``shapes_recommended.ttl`` for the catalogue, its datasets,
distributions and data service that the facts allow. Shapes check ``sh:class`` against the
``rdf:type`` triples in the data itself, so every value is typed here with the class its property
expects (``dct:LicenseDocument``, ``dct:Location``, ``skos:Concept`` with a ``skos:prefLabel`` …).
Nested resources get IRIs (fragments of their dataset), not blank nodes, so the output is stable
from one request to the next.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, GEO, RDF, RDFS, SKOS, XSD

from samverkan.dataspace import licences
from samverkan.dataspace.vocabularies import (
    ACCESS_RIGHT,
    ADMS_LICENCE_TYPE,
    DATA_THEME,
    DCATAP,
    DEFAULT_THEME,
    EU,
    FILE_TYPE,
    IANA_MEDIA_TYPE,
    JSONLD_CONTEXT,
    LANGUAGE,
    LANGUAGES,
    LICENCE_TYPE_LABELS,
    NUTS,
    OGC_STA,
    OGC_STA_DOCUMENT,
    PLANNED_AVAILABILITY,
    PREFIXES,
    THEMES,
    VCARD,
    theme_for,
)

__all__ = [
    "JSONLD_TYPE",
    "LEVELS",
    "TURTLE_TYPE",
    "OpenDataset",
    "Publisher",
    "catalogue_graph",
    "to_jsonld",
    "to_turtle",
]

log = logging.getLogger("samverkan.dataspace")

TURTLE_TYPE = "text/turtle"
JSONLD_TYPE = "application/ld+json"

# what the public may read of a shared datastream (as in samverkan.dataspace.sharing)
LEVELS = ("raw", "hourly", "daily")

CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"

DEFAULT_TITLE = {"sv": "samverkan – öppna sensordata", "en": "samverkan open sensor data"}
DEFAULT_DESCRIPTION = {
    "sv": "Sensordatamängder som organisationerna i datarummet samverkan delar öppet, beskrivna enligt DCAT-AP 3.0.0.",
    "en": "Sensor datasets that the organisations in the samverkan data space share openly, "
    "described with DCAT-AP 3.0.0.",
}
LEVEL_TEXT = {
    "raw": {"en": "every observation", "sv": "alla observationer"},
    "hourly": {"en": "hourly aggregates", "sv": "timaggregat"},
    "daily": {"en": "daily aggregates", "sv": "dygnsaggregat"},
}
# the finest time step the public may read, as xsd:duration (raw: unknown, not stated)
LEVEL_RESOLUTION = {"hourly": "PT1H", "daily": "P1D"}

_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|\\^`]')
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_NUTS_CODE = re.compile(r"^[A-Z]{2}[0-9A-Z]{0,3}$")
_KOMMUNKOD = re.compile(r"^[0-9]{4}$")

Text = str | Mapping[str, str]


@dataclass(frozen=True)
class Publisher:
    """A tenant (or the operator of the data space) as the publisher of datasets."""

    slug: str  # tenant slug, e.g. "smhi"
    name: str  # e.g. "Sveriges meteorologiska och hydrologiska institut"
    homepage: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class OpenDataset:
    """What the catalogue says about one datastream shared with the public."""

    datastream_id: int
    title: str  # the datastream's name
    description: str  # the datastream's description
    publisher: Publisher
    licence: str  # licence URI, e.g. http://creativecommons.org/licenses/by/4.0/ or an EU authority URI
    keywords: tuple[str, ...]  # e.g. observed property name, sensor name
    observed_property: str  # name, e.g. "Air temperature"
    observed_property_definition: str | None  # URI if known
    unit: str | None  # e.g. "degree Celsius"
    level: str  # "raw" | "hourly" | "daily": what the public may read
    point: tuple[float, float] | None  # (longitude, latitude) of the Thing, WGS84
    nuts: tuple[str, ...]  # NUTS codes covering it, e.g. ("SE232",)
    municipality: str | None  # Swedish municipality code (kommunkod, 4 digits), e.g. "1490"
    temporal_start: datetime | None  # timezone-aware
    temporal_end: datetime | None
    issued: datetime  # when the share was made
    modified: datetime | None
    sta_url: str  # the datastream in the SensorThings API, e.g. https://host/sta/v1.1/Datastreams(7)
    observations_url: str  # its observations, e.g. https://host/sta/v1.1/Datastreams(7)/Observations
    aggregate_url: str  # e.g. https://host/api/v1/datastreams/7/aggregate?interval=1h
    csv_url: str | None  # download URL of a CSV export


def catalogue_graph(
    datasets: Sequence[OpenDataset],
    base_url: str,
    *,
    title: Text = DEFAULT_TITLE,
    description: Text = DEFAULT_DESCRIPTION,
    language: str | None = "sv",
    publisher: Publisher,
    licence: str = CC0,
    sta_endpoint: str | None = None,
) -> Graph:
    """The DCAT-AP 3.0.0 catalogue of ``datasets``, served from ``base_url``.

    ``title`` and ``description`` are one text or texts by language tag. ``language`` tags the
    plain texts: the catalogue's own if given as one string, and the tenants' dataset titles,
    descriptions and keywords (``None`` leaves them untagged); the texts written here are in
    Swedish and English. ``publisher`` runs the data space; ``licence`` is the licence of the
    metadata (CC0 by default, as portals expect); ``sta_endpoint`` is the root of the
    SensorThings API (default ``{base_url}/sta/v1.1``).

    A malformed URL, date or code in a dataset raises ValueError; only a tenant's optional
    homepage or e-mail that is not a usable http(s) URL or address is left out.
    """
    builder = _Builder(base_url, language)
    return builder.catalogue(datasets, title, description, publisher, licence, sta_endpoint)


def to_turtle(graph: Graph) -> str:
    """The graph as Turtle (``TURTLE_TYPE``)."""
    return graph.serialize(format="turtle")


def to_jsonld(graph: Graph) -> str:
    """The graph as compacted JSON-LD (``JSONLD_TYPE``) with an inline prefix context."""
    return graph.serialize(format="json-ld", context=JSONLD_CONTEXT, indent=2)


class _Builder:
    """Adds the catalogue's resources to one graph; every value is typed as the shapes expect."""

    def __init__(self, base_url: str, language: str | None) -> None:
        self.base = str(_url(base_url.rstrip("/"), "base_url"))
        self.language = language
        self.graph = Graph(bind_namespaces="core")
        for prefix, namespace in PREFIXES.items():
            self.graph.bind(prefix, namespace)

    def add(self, subject: URIRef, predicate: URIRef, obj: URIRef | Literal) -> None:
        self.graph.add((subject, predicate, obj))

    def texts(self, subject: URIRef, predicate: URIRef, text: Text) -> None:
        """One text (tagged with the catalogue's language) or texts by language tag."""
        if isinstance(text, Mapping):
            for lang, value in text.items():
                self.add(subject, predicate, Literal(value, lang=lang))
        else:
            self.add(subject, predicate, Literal(text, lang=self.language))

    def typed(self, iri: URIRef, *classes: URIRef) -> URIRef:
        for cls in classes:
            self.add(iri, RDF.type, cls)
        return iri

    def web_resource(self, url: str, what: str) -> URIRef:
        # The generated dcat-ap-SHACL.ttl of 3.0.0 gives accessURL, downloadURL, endpointURL and
        # endpointDescription the class rdfs:Resource, which a validator without inference only
        # finds as an explicit type (SEMICeu/DCAT-AP#412, fixed in 3.0.1). It is true of any IRI.
        return self.typed(_url(url, what), RDFS.Resource)

    # --- the catalogue ---------------------------------------------------------------------

    def catalogue(
        self,
        datasets: Sequence[OpenDataset],
        title: Text,
        description: Text,
        publisher: Publisher,
        licence: str,
        sta_endpoint: str | None,
    ) -> Graph:
        ids = [d.datastream_id for d in datasets]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"datastreams listed more than once: {duplicates}")
        catalogue = self.typed(URIRef(f"{self.base}/dcat/catalog"), DCAT.Catalog)
        self.texts(catalogue, DCTERMS.title, title)
        self.texts(catalogue, DCTERMS.description, description)
        self.add(catalogue, DCTERMS.publisher, self.agent(publisher))
        self.add(catalogue, FOAF.homepage, self.typed(URIRef(f"{self.base}/"), FOAF.Document))
        self.add(catalogue, DCTERMS.license, self.licence(licence))
        for lang in dict.fromkeys([*([self.language] if self.language else []), "sv", "en"]):
            if lang in LANGUAGES:
                self.add(catalogue, DCTERMS.language, self.typed(LANGUAGE[LANGUAGES[lang]], DCTERMS.LinguisticSystem))
        self.add(catalogue, DCAT.themeTaxonomy, self.theme_scheme())
        service = self.service(sta_endpoint or f"{self.base}/sta/v1.1", publisher)
        self.add(catalogue, DCAT.service, service)
        listed = []
        for dataset in datasets:
            # each dataset is described on its own first: one that cannot be (a value written
            # before it was checked) is left out and logged, and never breaks the catalogue
            part = _Builder(self.base, self.language)
            try:
                iri = part.dataset(dataset, service)
                spatial = [part.nuts(code) for code in dataset.nuts]
            except (ValueError, OverflowError) as exc:
                log.warning("datastream %s is left out of the DCAT catalogue: %s", dataset.datastream_id, exc)
                continue
            self.graph += part.graph
            self.add(catalogue, DCAT.dataset, iri)
            self.add(service, DCAT.servesDataset, iri)
            for region in spatial:
                self.add(catalogue, DCTERMS.spatial, region)
            listed.append(dataset)
        datasets = listed
        if datasets:
            self.add(catalogue, DCTERMS.issued, _when(min(_utc(d.issued, "issued") for d in datasets), "issued"))
            changed = max(_utc(d.modified or d.issued, "modified") for d in datasets)
            self.add(catalogue, DCTERMS.modified, _when(changed, "modified"))
        return self.graph

    def agent(self, publisher: Publisher) -> URIRef:
        """The publisher as a foaf:Agent with its name (and a homepage if usable)."""
        if not publisher.slug.strip():
            raise ValueError(f"publisher {publisher.name!r} has no slug")
        agent = URIRef(f"{self.base}/dcat/publishers/{quote(publisher.slug, safe='')}")
        self.typed(agent, FOAF.Agent, FOAF.Organization)
        self.add(agent, FOAF.name, Literal(publisher.name))
        if homepage := _optional_url(publisher.homepage):
            self.add(agent, FOAF.homepage, homepage)
        return agent

    def contact(self, publisher: Publisher) -> URIRef:
        """The publisher's contact point: a vcard:Kind with its name, e-mail and web site."""
        contact = self.typed(URIRef(f"{self.agent(publisher)}#contact"), VCARD.Organization, VCARD.Kind)
        self.add(contact, VCARD.fn, Literal(publisher.name))
        email = (publisher.email or "").strip()
        if _EMAIL.match(email):
            self.add(contact, VCARD.hasEmail, URIRef(f"mailto:{email}"))
        if homepage := _optional_url(publisher.homepage):
            self.add(contact, VCARD.hasURL, homepage)
        return contact

    def licence(self, uri: str) -> URIRef:
        """A dct:LicenseDocument, with its ADMS licence type(s) when the licence is a known one."""
        licence = self.typed(_url(uri, "licence"), DCTERMS.LicenseDocument)
        for name in licences.types(uri):
            kind = self.typed(ADMS_LICENCE_TYPE[name], SKOS.Concept)
            self.add(kind, SKOS.prefLabel, Literal(LICENCE_TYPE_LABELS[name], lang="en"))
            self.add(licence, DCTERMS.type, kind)
        return licence

    def theme_scheme(self) -> URIRef:
        scheme = self.typed(URIRef(EU + "data-theme"), SKOS.ConceptScheme)
        self.add(scheme, DCTERMS.title, Literal("Data theme", lang="en"))
        self.add(scheme, DCTERMS.title, Literal("Datatema", lang="sv"))
        return scheme

    def theme(self, code: str) -> URIRef:
        """An EU data theme as a skos:Concept with its labels (the shapes want a prefLabel)."""
        theme = self.typed(DATA_THEME[code], SKOS.Concept)
        for lang, label in THEMES[code].items():
            self.add(theme, SKOS.prefLabel, Literal(label, lang=lang))
        self.add(theme, SKOS.inScheme, self.theme_scheme())
        return theme

    def public(self) -> URIRef:
        return self.typed(ACCESS_RIGHT.PUBLIC, DCTERMS.RightsStatement)

    # --- the SensorThings API as a data service ------------------------------------------------

    def service(self, endpoint: str, publisher: Publisher) -> URIRef:
        service = self.typed(URIRef(f"{self.base}/dcat/services/sta"), DCAT.DataService)
        self.texts(service, DCTERMS.title, {"sv": "samverkan SensorThings API", "en": "samverkan SensorThings API"})
        self.texts(
            service,
            DCTERMS.description,
            {
                "sv": "Datarummets OGC SensorThings API 1.1: läsåtkomst till delade dataströmmar, som JSON.",
                "en": "The data space's OGC SensorThings API 1.1: read access to shared datastreams, as JSON.",
            },
        )
        self.add(service, DCAT.endpointURL, self.web_resource(endpoint, "sta_endpoint"))
        self.add(service, DCAT.endpointDescription, self.web_resource(str(OGC_STA_DOCUMENT), "endpoint description"))
        self.add(service, DCTERMS.conformsTo, self.standard())
        self.add(service, DCTERMS.publisher, self.agent(publisher))
        self.add(service, DCAT.contactPoint, self.contact(publisher))
        self.add(service, DCTERMS.accessRights, self.public())
        for keyword in ("OGC SensorThings API", "IoT"):
            self.add(service, DCAT.keyword, Literal(keyword))
        self.add(service, DCAT.keyword, Literal("sensordata", lang="sv"))
        self.add(service, DCAT.keyword, Literal("sensor data", lang="en"))
        self.add(service, DCAT.theme, self.theme(DEFAULT_THEME))
        return service

    def standard(self) -> URIRef:
        standard = self.typed(OGC_STA, DCTERMS.Standard)
        self.add(standard, DCTERMS.title, Literal("OGC SensorThings API Part 1: Sensing, version 1.1", lang="en"))
        self.add(standard, RDFS.seeAlso, OGC_STA_DOCUMENT)
        return standard

    # --- datasets --------------------------------------------------------------------------

    def dataset(self, d: OpenDataset, service: URIRef) -> URIRef:
        if not isinstance(d.datastream_id, int) or isinstance(d.datastream_id, bool) or d.datastream_id < 0:
            raise ValueError(f"not a datastream id: {d.datastream_id!r}")
        if d.level not in LEVELS:
            raise ValueError(f"datastream {d.datastream_id}: unknown level {d.level!r}, use one of {LEVELS}")
        iri = self.typed(URIRef(f"{self.base}/dcat/datasets/{d.datastream_id}"), DCAT.Dataset)
        self.add(iri, DCTERMS.identifier, Literal(str(iri)))
        self.texts(iri, DCTERMS.title, d.title.strip() or f"Datastream {d.datastream_id}")
        if d.description.strip():
            self.texts(iri, DCTERMS.description, d.description)
        else:
            self.texts(
                iri,
                DCTERMS.description,
                {
                    "sv": f"Observationer av {d.observed_property} delade av {d.publisher.name}.",
                    "en": f"Observations of {d.observed_property} shared by {d.publisher.name}.",
                },
            )
        self.add(iri, DCTERMS.publisher, self.agent(d.publisher))
        self.add(iri, DCAT.contactPoint, self.contact(d.publisher))
        for keyword in _unique([d.observed_property, *d.keywords]):
            self.add(iri, DCAT.keyword, Literal(keyword, lang=self.language))
        self.add(iri, DCAT.theme, self.theme(theme_for(d.observed_property)))
        if (definition := _optional_url(d.observed_property_definition)) is not None:
            self.add(iri, DCTERMS.subject, definition)
        self.add(iri, DCTERMS.accessRights, self.public())
        self.add(iri, DCTERMS.issued, _when(d.issued, "issued"))
        if d.modified is not None:
            self.add(iri, DCTERMS.modified, _when(d.modified, "modified"))
        if d.level in LEVEL_RESOLUTION:
            self.add(iri, DCAT.temporalResolution, Literal(LEVEL_RESOLUTION[d.level], datatype=XSD.duration))
        for location in self.spatial(iri, d):
            self.add(iri, DCTERMS.spatial, location)
        if (period := self.period(iri, d)) is not None:
            self.add(iri, DCTERMS.temporal, period)
        for distribution in self.distributions(iri, d, service):
            self.add(iri, DCAT.distribution, distribution)
        return iri

    def spatial(self, dataset: URIRef, d: OpenDataset) -> list[URIRef]:
        """The dataset's places: its NUTS regions, its municipality and the point of its Thing."""
        places = [self.nuts(code) for code in d.nuts]
        if d.municipality is not None:
            places.append(self.municipality(d.municipality))
        if d.point is not None:
            lon, lat = (float(v) for v in d.point)
            if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
                raise ValueError(f"datastream {d.datastream_id}: not a WGS84 (longitude, latitude): {d.point!r}")
            point = self.typed(URIRef(f"{dataset}#location"), DCTERMS.Location)
            # WKT without a CRS IRI is in OGC CRS84: longitude first. Only dcat:centroid: the two
            # 3.0.0 shape sets disagree on locn:geometry (a literal in shapes.ttl, a locn:Geometry
            # node in dcat-ap-SHACL.ttl), so no value of it conforms to both.
            self.add(point, DCAT.centroid, Literal(f"POINT({lon} {lat})", datatype=GEO.wktLiteral))
            places.append(point)
        return places

    def nuts(self, code: str) -> URIRef:
        code = code.strip().upper()
        if not _NUTS_CODE.match(code):
            raise ValueError(f"not a NUTS code: {code!r}")
        return self.typed(NUTS[code], DCTERMS.Location)

    def municipality(self, code: str) -> URIRef:
        """A Swedish municipality as a dct:Location, identified by its kommunkod.

        The DCAT-AP-SE examples name places with GeoNames URIs (``http://sws.geonames.org/2661886``
        for Sweden), and the EU authority tables stop at countries and NUTS; but neither a GeoNames
        id nor any national linked-data URI can be derived from a kommunkod without a look-up, and
        nothing may be fetched here. So the municipality is the data space's own page for it,
        ``{base_url}/municipalities/{kommunkod}`` (the web app serves it), typed dct:Location
        with the kommunkod as its dct:identifier; the NUTS 3 code beside it carries the
        EU-wide meaning.
        """
        code = code.strip()
        if not _KOMMUNKOD.match(code):
            raise ValueError(f"not a Swedish municipality code (4 digits): {code!r}")
        place = self.typed(URIRef(f"{self.base}/municipalities/{code}"), DCTERMS.Location)
        self.add(place, DCTERMS.identifier, Literal(code))
        return place

    def period(self, dataset: URIRef, d: OpenDataset) -> URIRef | None:
        if d.temporal_start is None and d.temporal_end is None:
            return None
        if d.temporal_start is not None and d.temporal_end is not None:
            if _utc(d.temporal_start, "temporal_start") > _utc(d.temporal_end, "temporal_end"):
                raise ValueError(f"datastream {d.datastream_id}: temporal_start is after temporal_end")
        period = self.typed(URIRef(f"{dataset}#period"), DCTERMS.PeriodOfTime)
        if d.temporal_start is not None:
            self.add(period, DCAT.startDate, _when(d.temporal_start, "temporal_start"))
        if d.temporal_end is not None:
            self.add(period, DCAT.endDate, _when(d.temporal_end, "temporal_end"))
        return period

    # --- distributions ---------------------------------------------------------------------

    def distributions(self, dataset: URIRef, d: OpenDataset, service: URIRef) -> list[URIRef]:
        """One distribution per way in: the SensorThings API, the aggregates, the CSV export."""
        what = d.observed_property + (f" ({d.unit})" if d.unit else "")
        level = LEVEL_TEXT[d.level]
        raw = d.level == "raw"
        sta = self.distribution(
            f"{dataset}#distribution-sta",
            d,
            title={"sv": "OGC SensorThings API (JSON)", "en": "OGC SensorThings API (JSON)"},
            description={
                "sv": "Dataströmmen i OGC SensorThings API 1.1 med sak, sensor och observerad egenskap"
                + ("; dess observationer kan läsas där." if raw else f". Delad öppet som {level['sv']}."),
                "en": "The datastream in the OGC SensorThings API 1.1 with its thing, sensor and observed property"
                + ("; its observations can be read there." if raw else f". Shared openly as {level['en']}."),
            },
            access=[d.sta_url, d.observations_url] if raw else [d.sta_url],
            file_type="JSON",
            media_type="application/json",
        )
        self.add(sta, DCAT.accessService, service)
        self.add(sta, DCTERMS.conformsTo, self.standard())
        aggregate = self.distribution(
            f"{dataset}#distribution-aggregate",
            d,
            title={"sv": "Aggregat (JSON)", "en": "Aggregates (JSON)"},
            description={
                "sv": f"{what} aggregerat per tidsintervall från samverkans REST-API, som JSON ({level['sv']}).",
                "en": f"{what} aggregated per time interval from the samverkan REST API, as JSON ({level['en']}).",
            },
            access=[d.aggregate_url],
            file_type="JSON",
            media_type="application/json",
        )
        out = [sta, aggregate]
        if d.csv_url is not None:
            csv = self.distribution(
                f"{dataset}#distribution-csv",
                d,
                title={"sv": "CSV-export", "en": "CSV export"},
                description={"sv": f"{what} som CSV ({level['sv']}).", "en": f"{what} as CSV ({level['en']})."},
                access=[d.csv_url],
                file_type="CSV",
                media_type="text/csv",
            )
            self.add(csv, DCAT.downloadURL, self.web_resource(d.csv_url, "csv_url"))
            out.append(csv)
        return out

    def distribution(
        self,
        iri: str,
        d: OpenDataset,
        *,
        title: Mapping[str, str],
        description: Mapping[str, str],
        access: Iterable[str],
        file_type: str,
        media_type: str,
    ) -> URIRef:
        distribution = self.typed(URIRef(iri), DCAT.Distribution)
        self.texts(distribution, DCTERMS.title, title)
        self.texts(distribution, DCTERMS.description, description)
        for url in access:
            self.add(distribution, DCAT.accessURL, self.web_resource(url, "access URL"))
        self.add(distribution, DCTERMS.format, self.typed(FILE_TYPE[file_type], DCTERMS.MediaTypeOrExtent))
        self.add(distribution, DCAT.mediaType, self.typed(URIRef(IANA_MEDIA_TYPE + media_type), DCTERMS.MediaType))
        self.add(distribution, DCTERMS.license, self.licence(d.licence))
        self.add(distribution, DCATAP.availability, self.availability())
        return distribution

    def availability(self) -> URIRef:
        # a tenant may revoke a share: "available" (medium term), not "stable"
        available = self.typed(PLANNED_AVAILABILITY.AVAILABLE, SKOS.Concept)
        self.add(available, SKOS.prefLabel, Literal("available", lang="en"))
        return available


def _url(value: str, what: str) -> URIRef:
    """An absolute http(s) URL as an IRI; ValueError for anything that would not serialise as one."""
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or _IRI_FORBIDDEN.search(value):
        raise ValueError(f"{what} is not an absolute http(s) URL: {value!r}")
    return URIRef(value)


def _optional_url(value: str | None) -> URIRef | None:
    """A tenant's optional URL, or None when it is missing or unusable."""
    if not value:
        return None
    try:
        return _url(value, "url")
    except ValueError:
        return None


def _utc(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware: {value!r}")
    return value.astimezone(UTC)


def _when(value: datetime, what: str) -> Literal:
    """An instant as an xsd:dateTime literal in UTC, to the second."""
    return Literal(_utc(value, what).replace(microsecond=0), datatype=XSD.dateTime)


def _unique(words: Iterable[str]) -> list[str]:
    """Non-empty words, stripped, without repeats (ignoring case), in their first order."""
    seen: dict[str, str] = {}
    for word in words:
        word = word.strip()
        if word and word.casefold() not in seen:
            seen[word.casefold()] = word
    return list(seen.values())

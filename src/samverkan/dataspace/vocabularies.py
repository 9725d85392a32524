"""The vocabularies a DCAT-AP catalogue is written in: RDF namespaces and prefixes, the EU
authority tables it uses (data themes, languages, licence types, file types, access rights,
planned availability), the OGC SensorThings API standard, and which data theme an observed
property falls under."""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, GEO, RDFS, SKOS, XSD

DCATAP = Namespace("http://data.europa.eu/r5r/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
ADMS_LICENCE_TYPE = Namespace("http://purl.org/adms/licencetype/")
EU = "http://publications.europa.eu/resource/authority/"
DATA_THEME = Namespace(EU + "data-theme/")
FILE_TYPE = Namespace(EU + "file-type/")
LANGUAGE = Namespace(EU + "language/")
ACCESS_RIGHT = Namespace(EU + "access-right/")
PLANNED_AVAILABILITY = Namespace(EU + "planned-availability/")
IANA_MEDIA_TYPE = "https://www.iana.org/assignments/media-types/"
NUTS = Namespace("http://data.europa.eu/nuts/code/")

# OGC SensorThings API Part 1: Sensing, version 1.1 (OGC 18-088). The URI is the standard's data
# model conformance class (its Annex A), the one a 1.1 server lists first in the
# ``serverSettings.conformance`` of its root document; the standard's text is at OGC_STA_DOCUMENT.
OGC_STA = URIRef("http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel")
OGC_STA_DOCUMENT = URIRef("https://docs.ogc.org/is/18-088/18-088.html")

PREFIXES = {
    "dcat": DCAT,
    "dct": DCTERMS,
    "dcatap": DCATAP,
    "foaf": FOAF,
    "geo": GEO,
    "rdfs": RDFS,
    "skos": SKOS,
    "vcard": VCARD,
    "xsd": XSD,
}
# the JSON-LD context: prefixes only (no term coercion), inline so that no reader fetches one
JSONLD_CONTEXT = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}

# EU data themes (publications.europa.eu/resource/authority/data-theme) with their official labels
THEMES: dict[str, dict[str, str]] = {
    "ENVI": {"en": "Environment", "sv": "Miljö"},
    "TRAN": {"en": "Transport", "sv": "Transport"},
    "ENER": {"en": "Energy", "sv": "Energi"},
    "TECH": {"en": "Science and technology", "sv": "Vetenskap och teknik"},
}
# the theme of an observed property: the first group with a word inside its name (lower case,
# English or Swedish; substrings, so that Swedish compounds such as "lufttemperatur" match)
THEME_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("TRAN", ("traffic", "vehicle", "parking", "bicycle", "cyclist", "pedestrian", "trafik", "fordon", "parkering")),
    ("ENER", ("energy", "electricity", "electric power", "energi", "elförbrukning", "elproduktion")),
    (
        "ENVI",
        (
            "temperature", "humidity", "pressure", "wind", "rainfall", "precipitation", "air quality",
            "particulate", "pm10", "pm2.5", "pm2,5", "nitrogen", "no2", "ozone", "carbon", "co2", "benzene",
            "noise", "water", "snow", "radiation", "temperatur", "fukt", "lufttryck", "vind", "nederbörd",
            "luftkvalitet", "partiklar", "kväve", "ozon", "koldioxid", "buller", "vatten", "snö", "strålning",
        ),
    ),
)  # fmt: skip
DEFAULT_THEME = "TECH"

LICENCE_TYPE_LABELS = {
    "Attribution": "Attribution",
    "ShareAlike": "Share alike",
    "PublicDomain": "Public domain",
    "NoDerivativeWork": "No derivative work",
    "NonCommercialUseOnly": "Non-commercial use only",
}

# the EU authority table code of each language the catalogue may be written in
LANGUAGES = {"sv": "SWE", "en": "ENG", "da": "DAN", "nb": "NOB", "nn": "NNO", "no": "NOR", "fi": "FIN", "de": "DEU"}


def theme_for(observed_property: str) -> str:
    """The EU data theme code (``ENVI``, ``TRAN``, ``ENER`` or ``TECH``) of an observed property."""
    name = observed_property.lower()
    for theme, words in THEME_WORDS:
        if any(word in name for word in words):
            return theme
    return DEFAULT_THEME

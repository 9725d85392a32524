"""Country codes: CORDIS and NUTS codes and English country names → ISO 3166-1 alpha-2."""

from __future__ import annotations

# CORDIS and Eurostat (NUTS) use a few codes that are not ISO 3166-1.
NON_ISO_CODES = {"UK": "GB", "EL": "GR"}

# English names as used in EU catalogues (JRC DIH catalogue, IPS explorer, …).
NAMES = {
    "albania": "AL",
    "andorra": "AD",
    "armenia": "AM",
    "austria": "AT",
    "azerbaijan": "AZ",
    "belarus": "BY",
    "belgium": "BE",
    "bosnia and herzegovina": "BA",
    "bulgaria": "BG",
    "croatia": "HR",
    "cyprus": "CY",
    "czech republic": "CZ",
    "czechia": "CZ",
    "denmark": "DK",
    "estonia": "EE",
    "faroe islands": "FO",
    "finland": "FI",
    "france": "FR",
    "georgia": "GE",
    "germany": "DE",
    "greece": "GR",
    "hungary": "HU",
    "iceland": "IS",
    "ireland": "IE",
    "israel": "IL",
    "italy": "IT",
    "kosovo": "XK",
    "latvia": "LV",
    "liechtenstein": "LI",
    "lithuania": "LT",
    "luxembourg": "LU",
    "malta": "MT",
    "moldova": "MD",
    "republic of moldova": "MD",
    "monaco": "MC",
    "montenegro": "ME",
    "netherlands": "NL",
    "the netherlands": "NL",
    "north macedonia": "MK",
    "norway": "NO",
    "poland": "PL",
    "portugal": "PT",
    "romania": "RO",
    "russia": "RU",
    "san marino": "SM",
    "serbia": "RS",
    "slovakia": "SK",
    "slovenia": "SI",
    "spain": "ES",
    "sweden": "SE",
    "switzerland": "CH",
    "tunisia": "TN",
    "turkey": "TR",
    "türkiye": "TR",
    "ukraine": "UA",
    "united kingdom": "GB",
    "uk": "GB",
    "morocco": "MA",
    "egypt": "EG",
    "canada": "CA",
    "united states": "US",
    "usa": "US",
    "japan": "JP",
    "china": "CN",
    "india": "IN",
    "australia": "AU",
    "brazil": "BR",
    "south africa": "ZA",
    "new zealand": "NZ",
    "singapore": "SG",
    "south korea": "KR",
    "korea": "KR",
}


def iso_from_code(code: str) -> str:
    """``UK`` → ``GB``, ``EL`` → ``GR``, others unchanged (upper-cased)."""
    code = code.strip().upper()
    return NON_ISO_CODES.get(code, code)


# the other way: a country's code as NUTS (and so the region pages and the outlines) spells it
NUTS_CODES = {iso: nuts for nuts, iso in NON_ISO_CODES.items()}


def nuts_from_code(code: str) -> str:
    """``GB`` → ``UK``, ``GR`` → ``EL``: the NUTS code of a country given by its ISO code; any
    other code (a NUTS code already, of any level) unchanged (upper-cased)."""
    code = code.strip().upper()
    return NUTS_CODES.get(code, code)


def iso_from_name(name: str) -> str | None:
    """An English country name → ISO code, or ``None`` if unknown."""
    return NAMES.get(name.strip().lower())


def is_iso_code(code: str) -> bool:
    return len(code) == 2 and code.isascii() and code.isalpha() and code.isupper()


# The 27 EU member states (ISO codes).
EU_MEMBER_STATES = frozenset("AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split())

# Countries associated to Horizon Europe, after the Commission's "List of participating countries
# in Horizon Europe" (2025 edition). The list changes as agreements are signed: the portal's
# current list is authoritative. Canada, New Zealand and the Republic of Korea are associated to
# Pillar II (the clusters) only.
HORIZON_ASSOCIATED = frozenset("AL AM BA CA CH FO GB GE IL IS KR MD ME MK NO NZ RS TN TR UA XK".split())
HORIZON_PILLAR_TWO_ONLY = frozenset({"CA", "KR", "NZ"})

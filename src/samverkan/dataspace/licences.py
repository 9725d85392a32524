"""The licences a tenant may put on a public share: open licences by their canonical IRIs.

A share's licence ends up in the DCAT-AP catalogue that portals harvest, so it must be an IRI
that serialises and that a harvester recognises. Only the licences below are accepted (with
``http`` or ``https``, with or without the final slash, in any case, and Open Data Commons'
``1-0`` for ``1.0``), stored as the tenant wrote them. Each carries its ADMS licence types for
the catalogue.
"""

from __future__ import annotations

import re

from samverkan.errors import SamverkanError

EU = "http://publications.europa.eu/resource/authority/licence/"
# canonical IRI → ADMS licence types (http://purl.org/adms/licencetype/)
KNOWN: dict[str, tuple[str, ...]] = {
    "http://creativecommons.org/licenses/by/4.0/": ("Attribution",),
    "http://creativecommons.org/licenses/by-sa/4.0/": ("Attribution", "ShareAlike"),
    "http://creativecommons.org/licenses/by-nd/4.0/": ("Attribution", "NoDerivativeWork"),
    "http://creativecommons.org/licenses/by-nc/4.0/": ("Attribution", "NonCommercialUseOnly"),
    "http://creativecommons.org/licenses/by-nc-sa/4.0/": ("Attribution", "NonCommercialUseOnly", "ShareAlike"),
    "http://creativecommons.org/publicdomain/zero/1.0/": ("PublicDomain",),
    "http://opendatacommons.org/licenses/odbl/1.0/": ("Attribution", "ShareAlike"),
    "http://opendatacommons.org/licenses/by/1.0/": ("Attribution",),
    "http://opendatacommons.org/licenses/pddl/1.0/": ("PublicDomain",),
    EU + "CC_BY_4_0": ("Attribution",),
    EU + "CC_BYSA_4_0": ("Attribution", "ShareAlike"),
    EU + "CC_BYND_4_0": ("Attribution", "NoDerivativeWork"),
    EU + "CC_BYNC_4_0": ("Attribution", "NonCommercialUseOnly"),
    EU + "CC0": ("PublicDomain",),
    EU + "ODC_BL": ("Attribution", "ShareAlike"),
    EU + "ODC_BY": ("Attribution",),
    EU + "ODC_PDDL": ("PublicDomain",),
    # the terms the CityPulse data sets (the Aarhus demo tenant's) are published under: a
    # licence document, not one of the standard licences, so without a licence type
    "http://iot.ee.surrey.ac.uk:8080/datasets.html": (),
}
DEFAULT = "http://creativecommons.org/licenses/by/4.0/"


def _key(uri: str) -> str:
    key = re.sub(r"^https?://", "", uri.strip()).rstrip("/").lower()
    return re.sub(r"^(opendatacommons\.org/licenses/\w+/1)-0$", r"\1.0", key)


_BY_KEY = {_key(uri): uri for uri in KNOWN}


def canonical(uri: str) -> str | None:
    """The canonical IRI of a known licence, or None."""
    return _BY_KEY.get(_key(uri))


def check(uri: str) -> str:
    """``uri`` if it names a known licence; :class:`SamverkanError` naming the field if not."""
    if canonical(uri) is None:
        raise SamverkanError(
            f"licence: {uri[:100]!r} is not one of the open licences samverkan knows; use e.g. "
            f"{DEFAULT} (Creative Commons BY 4.0), or see the list in the API documentation"
        )
    return uri.strip()


def types(uri: str) -> tuple[str, ...]:
    """The ADMS licence types of a licence (none for an unknown one)."""
    known = canonical(uri)
    return KNOWN[known] if known else ()

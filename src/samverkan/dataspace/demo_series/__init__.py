"""Demo tenants for the sensor data space, built from the real time series bundled in
``data/demo/iot``.

The files are the shared data set's copies, gzip-compressed and otherwise unchanged (provenance and
licences in ``data/README.md``). This package turns them into the OGC SensorThings API 1.1 shape the
data space stores: a tenant owns Things; a Thing has one Location and Datastreams; each Datastream
has a Sensor, an ObservedProperty, a unitOfMeasurement and Observations (phenomenonTime, numeric
result). Nothing is written anywhere: :func:`demo_tenants` only describes the tenants, and each
series parses its file when its ``observations()`` iterator is first advanced.

Observations come out as timezone-aware UTC datetimes in increasing order. Missing values are
skipped. The data space identifies an observation by datastream + phenomenonTime, so when two rows
of one series carry the same time, the first row in the file wins. Measured on the bundled files,
that rule drops nothing: 0 rows in every file and series (SMHI, traffic, each of the 8 garages after
the daylight-saving fix of :mod:`.aarhus`, each weather file, each Bristol sensor's merged July+August series,
each UCI column). The parking file also has no exact duplicate rows and no repeated (garage,
updatetime) pair.

One module per source reads its files and says how its times are read (time zones decided from
the files themselves) and what else is known of its data: :mod:`.smhi`, :mod:`.aarhus`
(CityPulse), :mod:`.bristol` (sensor.community), :mod:`.uci`; :mod:`.series` holds what they
describe, :mod:`.files` how they read.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from samverkan.dataspace.demo_series import aarhus, bristol, smhi, uci
from samverkan.dataspace.demo_series.series import DemoTenant


def bundled_root() -> Path:
    """The folder of the bundled sensor time series (``samverkan/data/demo/iot``)."""
    return Path(str(resources.files("samverkan") / "data" / "demo" / "iot"))


def demo_tenants(root: Path | None = None) -> list[DemoTenant]:
    """The four demo tenants and their Things.

    Reads only file headers and the first rows it needs for metadata. Observations are parsed
    when a series' ``observations()`` iterator is advanced.
    """
    root = bundled_root() if root is None else Path(root)
    return [
        smhi.tenant(root / "smhi"),
        aarhus.tenant(root / "citypulse-aarhus"),
        bristol.tenant(root / "sensor-community-bristol"),
        uci.tenant(root / "uci-air-quality"),
    ]

"""SMHI weather stations (air temperature) from SMHI's open data files.

Time zone: the column is ``Tid (UTC)``, so the times are read as UTC.

Known properties, kept as they are: values flagged Y (suspect or aggregated) are kept: 14 in
Borås, 77 in Lund and 72 in Falun-Lugnet; the rest are G (checked and approved). Most values
are at 06, 12 and 18 UTC. Lund and Falun-Lugnet moved during their records; the Location is the
latest position and the Thing's properties list all of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

from samverkan.dataspace.demo_series.files import lazy, number, open_csv
from samverkan.dataspace.demo_series.series import CC_BY_4, DEGREE_CELSIUS, DemoTenant, DemoThing, Series, cf

# the ``organisationID`` in samverkan's catalogue (CORDIS H2020 organization.csv; a PIC)
SMHI_ORGANISATION_ID = "999507983"  # SVERIGES METEOROLOGISKA OCH HYDROLOGISKA INSTITUT, SE, NORRKOEPING
SMHI_METOBS_DOCS = "https://opendata.smhi.se/apidocs/metobs/index.html"


@dataclass(frozen=True)
class _SmhiPosition:
    valid_from: str
    valid_to: str
    elevation_m: float
    latitude: float
    longitude: float


@dataclass(frozen=True)
class _SmhiHeader:
    station: str
    climate_number: str
    measuring_height_m: float
    parameter: str
    parameter_description: str
    unit: str
    positions: tuple[_SmhiPosition, ...]
    notes: tuple[str, ...]

    @property
    def current(self) -> _SmhiPosition:
        """The latest position of the station."""
        return max(self.positions, key=lambda p: p.valid_to)


def _smhi_header(path: Path) -> _SmhiHeader:
    """Parses SMHI's metadata block and the notes that the first data rows carry in extra columns.

    The block is a series of small tables separated by blank lines (station, parameter, periods
    with positions), then the data table ``Datum;Tid (UTC);<parameter>;Kvalitet``, whose first
    rows carry free-text notes in a sixth column.
    """
    tables: dict[str, list[list[str]]] = {}
    notes: list[str] = []
    with open_csv(path) as stream:
        current: list[list[str]] | None = None
        for line in stream:
            cells = line.rstrip("\r\n").split(";")
            if cells[0] == "Datum":
                break
            if not any(cells):
                current = None
            elif current is None:
                current = tables.setdefault(cells[0], [])
            else:
                current.append(cells)
        for line in islice(stream, 30):  # the notes end within the first dozen data rows
            cells = line.rstrip("\r\n").split(";")
            if len(cells) > 5 and cells[5].strip():
                notes.append(cells[5].strip())
    station = tables["Stationsnamn"][0]
    parameter = tables["Parameternamn"][0]
    positions = tuple(
        _SmhiPosition(row[0], row[1], float(row[2]), float(row[3]), float(row[4]))
        for row in tables["Tidsperiod (fr.o.m)"]
    )
    return _SmhiHeader(
        station=station[0],
        climate_number=station[1],
        measuring_height_m=float(station[2]),
        parameter=parameter[0],
        parameter_description=parameter[1],
        unit=parameter[2],
        positions=positions,
        notes=tuple(notes),
    )


def _smhi_observations(path: Path) -> Iterator[tuple[datetime, float]]:
    """Rows after the ``Datum;Tid (UTC);...`` line; extra trailing columns are ignored."""
    with open_csv(path) as stream:
        for line in stream:
            if line.startswith("Datum;"):
                break
        for line in stream:
            cells = line.rstrip("\r\n").split(";")
            if len(cells) < 3:
                continue
            value = number(cells[2])
            if value is None:
                continue
            yield datetime.fromisoformat(f"{cells[0]}T{cells[1]}").replace(tzinfo=UTC), value


def _smhi_thing(path: Path) -> DemoThing:
    header = _smhi_header(path)
    if header.parameter != "Lufttemperatur" or header.unit != "degree celsius":
        raise ValueError(f"{path.name}: expected air temperature in degree celsius, got {header.parameter!r}")
    here = header.current
    data_period = "; ".join(note for note in header.notes if note.startswith("Tidsperiod"))
    moved = len(header.positions) > 1
    return DemoThing(
        name=f"SMHI weather station {header.station}",
        description=(
            f"SMHI meteorological station {header.station} (climate number {header.climate_number}). "
            f"Air temperature is measured {header.measuring_height_m:g} m above the ground."
        ),
        location_name=f"{header.station} (SMHI {header.climate_number})",
        longitude=here.longitude,
        latitude=here.latitude,
        location_description=(
            f"Station position from {here.valid_from} to {here.valid_to}, {here.elevation_m:g} m above sea level, "
            "taken from the SMHI file header"
            + (". Earlier positions are listed in the Thing's properties." if moved else ".")
        ),
        properties={
            "climateNumber": header.climate_number,
            "measuringHeightM": header.measuring_height_m,
            "positions": [
                {
                    "from": p.valid_from,
                    "to": p.valid_to,
                    "elevationM": p.elevation_m,
                    "latitude": p.latitude,
                    "longitude": p.longitude,
                }
                for p in header.positions
            ],
            "source": "SMHI open data, meteorological observations (parameter Lufttemperatur)",
        },
        series=(
            Series(
                datastream=f"Air temperature, {header.station}",
                description=(
                    f"Air temperature, instantaneous value (SMHI: '{header.parameter_description}'), "
                    f"{header.measuring_height_m:g} m above the ground, mostly at 06, 12 and 18 UTC. "
                    f"Values with SMHI quality code G (checked and approved) and Y (suspect or aggregated) "
                    f"are included. {data_period}."
                ),
                observed_property="Air temperature",
                property_definition=cf("air_temperature"),
                unit=DEGREE_CELSIUS,
                sensor=f"SMHI thermometer, {header.station}",
                sensor_description=(
                    f"Air temperature sensor of SMHI station {header.station}, "
                    f"{header.measuring_height_m:g} m above the ground. The file does not name the instrument."
                ),
                sensor_metadata=SMHI_METOBS_DOCS,
                observations=lazy(_smhi_observations, path),
            ),
        ),
    )


def tenant(folder: Path) -> DemoTenant:
    files = ("smhi-opendata_Boras.csv.gz", "smhi-opendata_Lund.csv.gz", "smhi-opendata_Falun.csv.gz")
    return DemoTenant(
        slug="smhi",
        name="SMHI - Swedish Meteorological and Hydrological Institute",
        organisation_id=SMHI_ORGANISATION_ID,
        licence=CC_BY_4,
        things=tuple(_smhi_thing(folder / name) for name in files),
    )

"""Bristol: citizen-run particulate-matter sensors of sensor.community (24-hour means).

Time zone: the archive's timestamps are UTC, and the source project's 24-hour means keep them
unchanged.

The Bristol sensors are citizen sensors of sensor.community, and the catalogue has no
organisation for them. The source repository's account (kwmc-lucas) suggests Knowle West Media
Centre (992226096 in CORDIS H2020 organization.csv) runs the dashboard, but that does not make
it the sensors' owner.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from samverkan.dataspace.demo_series.files import lazy, number, rows
from samverkan.dataspace.demo_series.series import MICROGRAM_PER_M3, DemoTenant, DemoThing, Series, cf

ODBL_1 = "https://opendatacommons.org/licenses/odbl/1-0/"
SENSOR_COMMUNITY_AIRROHR = "https://sensor.community/en/sensors/airrohr/"

BRISTOL_CENTRE = (-2.5879, 51.4545)  # (longitude, latitude)
# Site names as listed for these sensor ids in data/luftdaten/aggregated/sensor-summary.json of the
# source repository kwmc-lucas/bristol-air-quality (version 06095742). The host's first name that
# follows each site name there is left out.
BRISTOL_SITES = {"66966": "Richmond Road", "66970": "St. Andrews Road", "66979": "Horley Road"}
SDS011_PATTERN = "*_sds011_sensor_{}_24_hour_means.csv.gz"


def _sds011_files(folder: Path) -> dict[str, tuple[Path, ...]]:
    """Each sensor id's monthly files in month order, e.g. ``2022_07_sds011_sensor_66966_24_hour_means.csv.gz``."""
    files: dict[str, list[Path]] = {}
    for path in sorted(folder.glob(SDS011_PATTERN.format("*"))):
        files.setdefault(path.name.split("_")[4], []).append(path)
    return {sensor_id: tuple(paths) for sensor_id, paths in sorted(files.items())}


def _sds011_observations(paths: tuple[Path, ...], column: str) -> Iterator[tuple[datetime, float]]:
    """One sensor's monthly files in order, merged into one series."""
    for path in paths:
        for row in rows(path):
            value = number(row[column])
            if value is not None:
                yield datetime.fromisoformat(row["timestamp"]).replace(tzinfo=UTC), value


def _bristol_thing(sensor_id: str, paths: tuple[Path, ...]) -> DemoThing:
    site = BRISTOL_SITES.get(sensor_id)
    lon, lat = BRISTOL_CENTRE
    sensor = f"Nova Fitness SDS011, sensor.community sensor {sensor_id}"
    sensor_description = (
        "Laser-scattering particulate-matter sensor (PM2.5 and PM10) of a citizen-run sensor.community "
        f"(formerly luftdaten.info) airRohr station; sensor id {sensor_id}."
    )
    rolling = (
        "24-hour rolling mean computed by the source project (kwmc-lucas/bristol-air-quality) over the raw "
        "readings of the 24 hours up to each timestamp, one value per raw reading (about every 2.5 minutes); "
        "after a gap in the raw data a mean covers fewer readings. July and August 2022 merged."
    )

    def pm(size: str, column: str, cf_name: str) -> Series:
        return Series(
            datastream=f"{size}, 24-hour mean, sensor {sensor_id}",
            description=f"{size} mass concentration (sensor.community field {column}), {rolling}",
            observed_property=f"{size} mass concentration (24-hour rolling mean)",
            property_definition=cf(cf_name),
            unit=MICROGRAM_PER_M3,
            sensor=sensor,
            sensor_description=sensor_description,
            sensor_metadata=SENSOR_COMMUNITY_AIRROHR,
            observations=lazy(_sds011_observations, paths, column),
        )

    return DemoThing(
        name=f"sensor.community SDS011 sensor {sensor_id}, Bristol",
        description=(
            f"Citizen-run particulate-matter sensor {sensor_id} of the sensor.community network in Bristol"
            + (f", site '{site}' in the source project's sensor list" if site else "")
            + ", July-August 2022."
        ),
        location_name=f"Bristol{f' ({site})' if site else ''}",
        longitude=lon,
        latitude=lat,
        location_description=(
            "Approximate centre of Bristol. The data give no coordinates for this sensor, so this point shows the "
            "city only, not where the sensor is." + (f" The source project names the site '{site}'." if site else "")
        ),
        properties={"sensorId": sensor_id, "sensorType": "SDS011", "site": site, "network": "sensor.community"},
        series=(
            pm("PM10", "P1", "mass_concentration_of_pm10_ambient_aerosol_particles_in_air"),
            pm("PM2.5", "P2", "mass_concentration_of_pm2p5_ambient_aerosol_particles_in_air"),
        ),
    )


def tenant(folder: Path) -> DemoTenant:
    return DemoTenant(
        slug="sensor-community-bristol",
        name="sensor.community citizen sensors, Bristol",
        organisation_id=None,
        licence=ODBL_1,
        things=tuple(_bristol_thing(sensor_id, paths) for sensor_id, paths in _sds011_files(folder).items()),
    )

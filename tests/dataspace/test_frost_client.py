"""The real SensorThings client from PyPI (frost-sta-client, Fraunhofer IOSB) against
``samverkan serve``: it creates a Thing with a Datastream and reads Observations back."""

from __future__ import annotations

import datetime as dt

import frost_sta_client as fsc
import pytest
from frost_sta_client.service.auth_handler import AuthHandler

from tests.dataspace.conftest import CELSIUS, MEASUREMENT

# the client calls furl's deprecated ``pathstr``: its warning, not ours
pytestmark = pytest.mark.filterwarnings("ignore:furl.pathstr is deprecated:DeprecationWarning")


def test_frost_client_creates_a_thing_with_a_datastream_and_reads_observations(live):
    base, core = live
    token = core.dataspace.create_tenant("smhi", "SMHI")["token"]
    # frost-sta-client speaks HTTP Basic only: the tenant as user, the token as password
    service = fsc.SensorThingsService(f"{base}/sta/v1.1", auth_handler=AuthHandler("smhi", token))
    location = fsc.Location(
        name="Borås",
        description="SMHI station 72450",
        encoding_type="application/geo+json",
        location={"type": "Point", "coordinates": [12.9493, 57.7611]},
    )
    thing = fsc.Thing(name="Borås A", description="SMHI weather station", locations=[location])
    datastream = fsc.Datastream(
        name="Air temperature Borås",
        description="hourly air temperature",
        observation_type=MEASUREMENT,
        unit_of_measurement=fsc.UnitOfMeasurement(**CELSIUS),
        sensor=fsc.Sensor(name="thermometer", description="", encoding_type="text/html", metadata="https://smhi.se"),
        observed_property=fsc.ObservedProperty(
            name="Air temperature", definition="http://qudt.org/vocab/quantitykind/Temperature", description=""
        ),
    )
    thing.datastreams = [datastream]
    service.create(thing)
    assert thing.id is not None
    created = service.things().find(thing.id)
    assert created.name == "Borås A"
    stream = service.datastreams().query().filter(f"Thing/id eq {thing.id}").list().entities[0]
    readings = [("1961-01-01T06:00:00Z", -0.5), ("1961-01-01T12:00:00Z", 0.0), ("1961-01-01T18:00:00Z", 0.0)]
    for moment, value in readings:
        observation = fsc.Observation(
            result=value, phenomenon_time=dt.datetime.fromisoformat(moment.replace("Z", "+00:00")), datastream=stream
        )
        service.create(observation)
        assert observation.id is not None
    found = (
        service.observations().query().filter(f"Datastream/id eq {stream.id}").orderby("phenomenonTime", "ASC").list()
    )
    assert [o.result for o in found.entities] == [-0.5, 0.0, 0.0]
    assert [o.phenomenon_time for o in found.entities] == [moment for moment, _ in readings]
    expanded = service.datastreams().query().filter(f"id eq {stream.id}").expand("Observations").list().entities[0]
    assert len(expanded.observations.entities) == 3
    # the wrong password is refused
    intruder = fsc.SensorThingsService(f"{base}/sta/v1.1", auth_handler=AuthHandler("smhi", "svk_wrong"))
    try:
        intruder.things().query().list()
    except Exception as exc:  # requests.HTTPError
        assert "401" in str(exc)
    else:
        raise AssertionError("a wrong token was accepted")

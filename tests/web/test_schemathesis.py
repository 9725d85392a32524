"""Schemathesis over the whole OpenAPI document: every operation, with and without a token,
with data the document allows and with data it does not, on the demo catalogue and a data space
with a tenant and a shared datastream. No request may give a server error, and every answer
must match what the document says of it (status code, media type, schema).

Examples are bounded (``SAMVERKAN_FUZZ_EXAMPLES`` per operation, mode and token; 6 by default)
so the suite stays fast; the test prints how many operations and cases it ran.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from samverkan.settings import load_settings
from samverkan.web import create_app
from tests.conftest import TESTSERVER
from tests.dataspace.conftest import station

EXAMPLES = int(os.environ.get("SAMVERKAN_FUZZ_EXAMPLES", "6"))
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]


@pytest.fixture(scope="module")
def fuzzed(demo_copy_module):
    app = create_app(load_settings(db=demo_copy_module, public_url=TESTSERVER))
    space = app.state.samverkan.dataspace
    token = space.create_tenant("fuzz", "Fuzz AB")["token"]
    _, thing = space.create(token, "Things", station("Fuzz", 12.9, 57.7))
    stream = space.read(token, f"Things({thing})/Datastreams", {}, TESTSERVER)["value"][0]["@iot.id"]
    space.share(token, stream, "public", "hourly", None)
    yield app, token
    app.state.samverkan.close()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["allowed", "malformed"])
def test_no_input_gives_a_server_error_or_an_undocumented_answer(fuzzed, mode, capsys):
    app, token = fuzzed
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    failures: list[str] = []
    cases: Counter[str] = Counter()
    statuses: Counter[int] = Counter()

    def fuzz(operation, headers: dict[str, str]) -> None:
        label = operation.label

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case):
            cases[label] += 1
            response = case.call(headers=headers)
            statuses[response.status_code] += 1
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except (Exception, BaseExceptionGroup) as exc:  # every failure is collected and reported together
                failures.append(f"{label} {'with' if headers else 'without'} a token: {exc}"[:2000])

        try:
            run()
        except Unsatisfiable:  # no malformed input exists for an operation without parameters
            assert mode is GenerationMode.NEGATIVE, label

    for operation in operations:
        for headers in ({}, {"Authorization": f"Bearer {token}"}):
            fuzz(operation, headers)
    with capsys.disabled():
        print(
            f"\nschemathesis ({mode.value}): {len(operations)} operations, {sum(cases.values())} cases, "
            f"statuses {dict(sorted(statuses.items()))}, {len(failures)} failures"
        )
    assert len(operations) >= 20
    assert not failures, "\n\n".join(failures[:10])

"""Schemathesis against the OpenAPI schema, in-process (the WSGI application), as the admin.

Bounded: a fixed number of generated examples per operation and derandomized generation (the
same cases every run), valid and invalid data. Checks: no server error, only documented status
codes, documented content types and bodies that conform to the schema.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

MAX_EXAMPLES = 8
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _schema():
    raw = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(raw))


schema = schemathesis.openapi.from_dict(_schema())
schema.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=True)
# The coverage phase (every boundary value of every parameter) alone takes minutes; the explicit
# examples and the bounded, derandomized fuzzing phase keep the run under two minutes.
schema.config.phases.coverage.enabled = False
APP = get_wsgi_application()
REAL_IDS: dict[str, int] = {}  # resource -> the pk of a real object in the admin's township


@schema.hook
def map_path_parameters(context, path_parameters):
    """Half of the generated integer ids become a real object of the resource, so the
    operations run on real rows too (not only into 404s)."""
    if not path_parameters:
        return path_parameters
    resource = context.operation.path.split("/")[3]
    value = path_parameters.get("id")
    if resource in REAL_IDS and isinstance(value, int) and value % 2 == 0:
        path_parameters["id"] = REAL_IDS[resource]
    return path_parameters


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The raw WSGI handler closes database connections when a request ends (request_finished);
    inside a test that closes the test's own transaction on PostgreSQL. Django's test client
    disconnects the same handler; do as it does."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def admin_headers(world):
    own = world.own
    REAL_IDS.clear()
    REAL_IDS.update(
        households=own.household.pk,
        residents=own.resident.pk,
        workgroups=own.workgroup.pk,
        cadres=own.cadre.pk,
        pairings=own.pairing.pk,
        visits=own.visit.pk,
        issues=world.issue("own", "in_progress").pk,
        committees=own.committee.pk,
    )
    return {"Authorization": f"Token {world.tokens['admin']}"}


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, admin_headers):
    case.call_and_validate(app=APP, headers=admin_headers, checks=CHECKS)

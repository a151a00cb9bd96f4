"""The API against its own OpenAPI schema: Schemathesis sends generated requests, valid and invalid, to every
operation of ``/api/v1/schema/`` through the WSGI application and checks each answer: never a 5xx, and only the
status codes, content types, headers and bodies the schema describes.

Bounded for CI (about a minute and a half): a manager, who may do nearly everything, gets Schemathesis's coverage
phase (the edge values of every parameter and field, missing and wrong-typed ones) and a few random requests per
operation; a support agent, refused most actions, and a caller without credentials only a few random ones.
Derandomized, so a failure in CI is the same failure on the next run and locally.

schemathesis is imported without a guard on purpose: where it is missing (requirements-dev.txt) this file fails
to collect instead of being skipped.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from escalation_matrix.wsgi import application
from incidents import services
from incidents.tests.factories import MONDAY, IncidentFactory, incident_matrix

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Who calls (a user of incident_matrix(), or nobody), and how much is generated for them.
CALLERS = {
    "max": {"generation": {"max-examples": 8}, "phases": {"coverage": {"enabled": True}}},  # a manager
    "agent": {"generation": {"max-examples": 4}, "phases": {"coverage": {"enabled": False}}},  # a support agent
    "anonymous": {"generation": {"max-examples": 2}, "phases": {"coverage": {"enabled": False}}},  # no token: 401s
}


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request):
    """Schemathesis 4 renames the test item per operation through ``_nodeid``, which pytest 9 no longer has."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


@pytest.fixture
def _keep_test_connection():
    """The requests go through the real WSGI application, whose request signals would close the database
    connection, and with it the test's transaction; Django's test client disconnects them the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _authorization(user) -> dict[str, str]:
    token, _ = Token.objects.get_or_create(user=user)  # one token a user
    return {"Authorization": f"Token {token.key}"}


@pytest.fixture(params=list(CALLERS))
def caller(request, db, _keep_test_connection) -> tuple[str, dict, dict]:
    """The matrix of incident_matrix() with two incidents (one new, one acknowledged), and who calls: their
    name, the headers that load the schema (a manager's: the schema is for signed-in users) and the headers
    the generated requests carry."""
    people = incident_matrix()
    IncidentFactory()  # a SEV2 in checkout, new
    search = IncidentFactory(reporter=people["agent"], title="Search is slow", product_area="search",
                             impact="minor", urgency="low", details={})
    services.incident_acknowledge(incident=search, user=people["olly"], now=MONDAY)
    name = request.param
    schema_headers = _authorization(people["max"])
    return name, schema_headers, ({} if name == "anonymous" else _authorization(people[name]))


@pytest.fixture
def api_schema(caller):
    name, schema_headers, _ = caller
    config = SchemathesisConfig.from_dict({"seed": 1, **CALLERS[name]})
    return schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application, config=config,
                                          headers=schema_headers)


# The inbound hook authenticates by a signature over the body, which generated requests cannot carry; its own
# tests (incidents/tests/test_hooks.py) cover its answers.
schema = schemathesis.pytest.from_fixture("api_schema").exclude(path_regex=r"/hooks/")


@schema.parametrize()
@settings(
    deadline=None,
    derandomize=True,
    database=None,  # nothing kept between runs: CI and a laptop generate the same requests
    suppress_health_check=list(HealthCheck),  # slow data generation and function-scoped fixtures are expected
)
def test_the_api_answers_as_its_schema_says(case, caller):
    _, _, headers = caller
    case.call_and_validate(headers=headers, checks=CHECKS)

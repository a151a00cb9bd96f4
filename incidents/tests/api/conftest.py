"""The API tests' people: the agent and the responder of incident_matrix(), with token clients.

Here rather than in incidents/tests/conftest.py because ``agent`` means the matrix's agent in these
tests, not the project-wide role fixture."""

import pytest

from incidents.tests.api.support import token_client


@pytest.fixture
def matrix(mx) -> dict:
    return mx


@pytest.fixture
def agent(matrix):
    return matrix["agent"]


@pytest.fixture
def agent_api(agent):
    return token_client(agent)


@pytest.fixture
def responder(matrix):
    return matrix["pat"]


@pytest.fixture
def responder_api(responder):
    return token_client(responder)

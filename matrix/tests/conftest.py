"""The matrix tests' shared people: Morgan the manager, who drafts changes, and Daniel the approver."""

import pytest
from django.test import Client

from escalation_matrix.roles import APPROVERS, MANAGERS


@pytest.fixture
def morgan(role_user):
    return role_user(MANAGERS, username="morgan", email="morgan@example.com")


@pytest.fixture
def daniel(role_user):
    return role_user(APPROVERS, username="daniel", email="daniel@example.com")


@pytest.fixture
def morgan_client(client, morgan):
    client.force_login(morgan)
    return client


@pytest.fixture
def daniel_client(daniel):
    client = Client()
    client.force_login(daniel)
    return client

"""The incidents tests' shared set-up: the small matrix most of them run against."""

import pytest

from incidents.tests.factories import incident_matrix


@pytest.fixture
def mx(db) -> dict:
    """incident_matrix(): checkout (payments, on call: pat; its playbook requires order_id), search (platform),
    rule cdn → platform, support as the triage team, vendor stripe; agent, pat, sid, eve, max…"""
    return incident_matrix()

"""The incident API's reads: the list (newest first, paginated, filtered by key) and one incident with its
timeline, timers, handoffs and breaches."""

import datetime as dt

import pytest
import time_machine

from incidents import services
from incidents.models import Incident
from incidents.tests.api.support import INCIDENTS, NOW, file_incident

pytestmark = pytest.mark.django_db


# --- the list and its filters ----------------------------------------------------------------------------

@pytest.fixture
def three_incidents(matrix, agent, responder):
    with time_machine.travel(NOW, tick=False):
        old = file_incident(agent, title="Slow search", description="Results take 9 s.", product_area="search",
                            impact="minor", urgency="low",
                            details={})
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        middle = file_incident(agent, is_drill=True)
    with time_machine.travel(NOW + dt.timedelta(hours=2), tick=False):
        new = file_incident(agent)
        services.incident_acknowledge(incident=new, user=responder)
    return old, middle, new


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_the_list_is_newest_first_and_paginated(agent_api, three_incidents):
    old, middle, new = three_incidents

    response = agent_api.get(INCIDENTS, {"page_size": 2})

    assert response.json()["count"] == 3
    assert ids(response) == [new.pk, middle.pk]
    assert response.json()["next"].endswith("page=2&page_size=2")
    assert ids(agent_api.get(INCIDENTS, {"page_size": 2, "page": 2})) == [old.pk]


def test_a_list_row_names_everything_by_key(agent_api, three_incidents):
    row = agent_api.get(INCIDENTS).json()["results"][0]

    assert {k: row[k] for k in ("status", "tier", "team", "product_area", "impact", "urgency", "breached")} == {
        "status": "acknowledged", "tier": "sev2", "team": "payments", "product_area": "checkout",
        "impact": "significant", "urgency": "high", "breached": False,
    }


@pytest.mark.parametrize("params, expected", [
    ({"status": "acknowledged"}, ["new"]),
    ({"status": ["new", "acknowledged"]}, ["new", "middle", "old"]),
    ({"team": "payments"}, ["new", "middle"]),
    ({"team": "platform"}, ["old"]),
    ({"tier": "sev4"}, ["old"]),
    ({"product_area": "search"}, ["old"]),
    ({"is_drill": "true"}, ["middle"]),
    ({"is_drill": "false"}, ["new", "old"]),
    ({"breached": "true"}, []),
    ({"open": "true", "team": "payments", "tier": "sev2"}, ["new", "middle"]),
])
def test_the_list_filters_by_key(agent_api, three_incidents, params, expected):
    by_name = dict(zip(["old", "middle", "new"], three_incidents, strict=True))

    assert ids(agent_api.get(INCIDENTS, params)) == [by_name[name].pk for name in expected]


def test_the_breached_filter_finds_breached_incidents(agent_api, three_incidents):
    old, _, _ = three_incidents
    Incident.objects.filter(pk=old.pk).update(breached=True)

    assert ids(agent_api.get(INCIDENTS, {"breached": "true"})) == [old.pk]


def test_an_unknown_key_in_a_filter_is_a_400_naming_it(agent_api, three_incidents):
    response = agent_api.get(INCIDENTS, {"team": "nobody", "status": "lost"})

    assert response.status_code == 400
    assert set(response.json()) == {"team", "status"}


def test_the_list_costs_the_same_queries_for_many_incidents(agent_api, matrix, agent, django_assert_max_num_queries):
    for _ in range(3):
        file_incident(agent)
    with django_assert_max_num_queries(12) as few:
        agent_api.get(INCIDENTS)
    for _ in range(12):
        file_incident(agent)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = agent_api.get(INCIDENTS)

    assert len(response.json()["results"]) == 15


# --- one incident -----------------------------------------------------------------------------------------

def test_one_incident_comes_with_its_timeline_timers_handoffs_and_breaches(agent_api, matrix, agent, responder):
    with time_machine.travel(NOW, tick=False):
        incident = file_incident(agent)
    with time_machine.travel(NOW + dt.timedelta(minutes=3), tick=False):
        services.incident_acknowledge(incident=incident, user=responder)
        services.incident_reassign(incident=incident, user=responder, team="support", reason="Needs triage first")

    body = agent_api.get(f"{INCIDENTS}{incident.pk}/").json()

    assert body["status"] == "acknowledged"
    assert body["acknowledged_by"] == "pat"
    ack = next(e for e in body["timeline"] if e["kind"] == "acknowledged")
    assert ack["at"] == "2026-03-02T12:03:00Z"
    assert ack["actor"] == "pat"
    assert ack["text"]
    assert set(body["timeline"][0]) == {"at", "kind", "actor", "text"}
    assert {"kind": "acknowledge", "step": 0, "due_at": "2026-03-02T12:15:00Z", "state": "met"} in body["timers"]
    assert body["breaches"] == []
    [handoff] = body["handoffs"]
    assert {k: handoff[k] for k in ("kind", "from_team", "to_team", "reason", "state", "requested_by")} == {
        "kind": "handoff", "from_team": "payments", "to_team": "support", "reason": "Needs triage first",
        "state": "pending", "requested_by": "pat",
    }


def test_an_unknown_incident_is_a_404(agent_api, matrix):
    response = agent_api.get(f"{INCIDENTS}999999/")

    assert response.status_code == 404
    assert response.json() == {"detail": "No incident #999999."}

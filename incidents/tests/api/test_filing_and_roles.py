"""The incident API (docs/api.md): authentication and roles, filing, idempotency, the list and its filters,
one incident with its story, and the OpenAPI schema. The lifecycle actions are in test_api_actions.py."""

import threading

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import Client
from rest_framework.authtoken.models import Token

from incidents.models import Incident
from incidents.tests.api.support import INCIDENTS, NOW, SCHEMA, action_url, file_incident, filing, post, token_client
from incidents.tests.factories import incident_matrix
from matrix.tests import factories as f

pytestmark = pytest.mark.django_db

# --- authentication and roles ------------------------------------------------------------------------

@time_machine.travel(NOW, tick=False)
def test_filing_with_a_token_answers_where_it_went_who_has_it_and_by_when(matrix, agent, agent_api):
    response = post(agent_api, INCIDENTS, filing())

    assert response.status_code == 201, response.content
    body = response.json()
    incident = Incident.objects.get()
    assert body["id"] == incident.pk
    assert {k: body[k] for k in ("tier", "team", "status", "on_call", "playbook", "product_area", "channel")} == {
        "tier": "sev2", "team": "payments", "status": "new", "on_call": "pat", "playbook": "checkout",
        "product_area": "checkout", "channel": "api",
    }
    assert (body["acknowledge_by"], body["contain_by"], body["resolve_by"]) == (
        "2026-03-02T12:15:00Z", "2026-03-02T14:00:00Z", "2026-03-02T20:00:00Z")
    assert body["routing"] == {
        "rule": None, "fallback": "area_owner", "correct": None,
        "explanation": "no rule matched; Checkout is owned by Payments; "
                       "tier SEV2 from impact Significant × urgency High",
    }
    assert body["url"] == f"http://testserver/incidents/{incident.pk}/"
    assert body["reporter"] == agent.username
    assert incident.reporter == agent


def test_a_matched_routing_rule_is_named_by_key(agent_api):
    response = post(agent_api, INCIDENTS, filing(title="CDN serves stale assets", product_area="search", details={}))

    assert response.status_code == 201, response.content
    assert response.json()["team"] == "platform"
    assert response.json()["routing"]["rule"] == "cdn"
    assert response.json()["routing"]["fallback"] == "rule"


def test_filing_works_with_a_session(agent_client, matrix):
    response = post(agent_client, INCIDENTS, filing())

    assert response.status_code == 201, response.content


def test_a_session_post_without_a_csrf_token_is_refused(agent):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)

    response = post(client, INCIDENTS, filing())

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not Incident.objects.exists()


@pytest.mark.parametrize("method, path", [
    ("get", ""), ("post", ""), ("get", "1/"), ("post", "1/acknowledge/"), ("post", "1/notes/"),
])
def test_calls_without_credentials_are_refused_with_a_token_challenge(client, matrix, method, path):
    response = getattr(client, method)(INCIDENTS + path)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_wrong_token_is_refused(matrix):
    response = Client(headers={"authorization": "Token not-a-real-token"}).get(INCIDENTS)

    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_a_role_that_may_only_view_cannot_file(matrix):
    executive = token_client(matrix["eve"])

    response = post(executive, INCIDENTS, filing())

    assert response.status_code == 403
    assert response.json() == {"detail": "Your role may not do this to incidents."}
    assert not Incident.objects.exists()


def test_a_support_agent_may_file_and_read_but_not_acknowledge(matrix, agent, agent_api):
    incident = file_incident(agent)

    assert agent_api.get(f"{INCIDENTS}{incident.pk}/").status_code == 200
    response = post(agent_api, action_url(incident, "acknowledge"))

    assert response.status_code == 403
    assert Incident.objects.get().status == "new"


def test_a_user_without_a_role_cannot_even_list(matrix):
    response = token_client(f.UserFactory()).get(INCIDENTS)

    assert response.status_code == 403


def test_permission_is_checked_before_the_incident_is_looked_up(agent_api, matrix):
    response = post(agent_api, f"{INCIDENTS}999999/acknowledge/")

    assert response.status_code == 403


# --- filing: errors and idempotency --------------------------------------------------------------------

def test_an_unknown_key_is_a_400_naming_the_field_and_nothing_is_saved(agent_api, matrix):
    response = post(agent_api, INCIDENTS, filing(product_area="nowhere"))

    assert response.status_code == 400
    assert list(response.json()) == ["product_area"]
    assert "nowhere" in response.json()["product_area"][0]
    assert not Incident.objects.exists()


def test_a_missing_required_triage_field_is_named_details_dot_key(agent_api, matrix):
    response = post(agent_api, INCIDENTS, filing(details={}))

    assert response.status_code == 400
    assert response.json() == {"details.order_id": ["Order ID is required."]}
    assert not Incident.objects.exists()


def test_missing_and_malformed_fields_are_each_named(agent_api, matrix):
    data = filing(details="eu", is_drill="maybe")
    del data["title"]

    response = post(agent_api, INCIDENTS, data)

    assert response.status_code == 400
    assert set(response.json()) == {"title", "details", "is_drill"}
    assert response.json()["title"] == ["This field is required."]


def test_a_body_that_is_not_json_is_a_400(agent_api, matrix):
    response = agent_api.post(INCIDENTS, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_optional_fields_are_filed_as_given(agent_api, matrix):
    response = post(agent_api, INCIDENTS, filing(
        external_ref="ZD-1234", is_drill=True, customer_segment="enterprise", channel="email",
        affected_customers="acme\nglobex", suspected_vendor="stripe",
        details={"order_id": "ORD-1001", "region": "EU"},
    ))

    assert response.status_code == 201, response.content
    body = response.json()
    assert {k: body[k] for k in ("external_ref", "is_drill", "customer_segment", "channel", "affected_customers",
                                 "suspected_vendor", "details")} == {
        "external_ref": "ZD-1234", "is_drill": True, "customer_segment": "enterprise", "channel": "email",
        "affected_customers": "acme\nglobex", "suspected_vendor": "stripe",
        "details": {"order_id": "ORD-1001", "region": "eu"},
    }


def test_a_retried_post_with_the_same_idempotency_key_files_once_and_answers_200(agent_api, matrix):
    headers = {"Idempotency-Key": "4f1c2a9e-retry"}

    first = post(agent_api, INCIDENTS, filing(), headers=headers)
    retry = post(agent_api, INCIDENTS, filing(), headers=headers)

    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json()["id"] == first.json()["id"]
    assert Incident.objects.count() == 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_idempotency_key_file_once_and_only_one_answers_201():
    matrix = incident_matrix()
    token = Token.objects.create(user=matrix["agent"]).key
    statuses, ids = [], set()
    barrier = threading.Barrier(5)

    def retry():
        try:
            client = Client(headers={"authorization": f"Token {token}", "Idempotency-Key": "flaky-network"})
            barrier.wait()
            response = post(client, INCIDENTS, filing())
            statuses.append(response.status_code)
            ids.add(response.json()["id"])
        finally:
            connection.close()

    threads = [threading.Thread(target=retry) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200, 200, 200, 200, 201]
    assert len(ids) == 1
    assert Incident.objects.count() == 1


def test_without_an_idempotency_key_two_posts_file_two_incidents(agent_api, matrix):
    post(agent_api, INCIDENTS, filing())
    post(agent_api, INCIDENTS, filing())

    assert Incident.objects.count() == 2


def test_two_users_choosing_the_same_idempotency_key_each_file_their_own(matrix, agent_api, role_user):
    other = token_client(role_user("Support agents"))
    headers = {"Idempotency-Key": "same-key"}

    first = post(agent_api, INCIDENTS, filing(), headers=headers)
    second = post(other, INCIDENTS, filing(), headers=headers)

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]


def test_an_overlong_idempotency_key_is_a_400(agent_api, matrix):
    response = post(agent_api, INCIDENTS, filing(), headers={"Idempotency-Key": "k" * 256})

    assert response.status_code == 400
    assert response.json() == {"Idempotency-Key": ["At most 255 characters."]}
    assert not Incident.objects.exists()


@pytest.mark.parametrize("field, limit", [("description", 20_000), ("affected_customers", 20_000),
                                          ("title", 200), ("customer_segment", 60), ("external_ref", 200)])
def test_a_text_over_the_limit_every_door_shares_is_a_400_naming_it(agent_api, field, limit):
    response = post(agent_api, INCIDENTS, filing(**{field: "x" * (limit + 1)}))

    assert response.status_code == 400
    assert response.json() == {field: [f"Ensure this field has no more than {limit} characters."]}
    assert not Incident.objects.exists()


# --- the schema ---------------------------------------------------------------------------------------------

def test_the_schema_documents_every_incident_endpoint(agent_client):
    response = agent_client.get(SCHEMA, {"format": "json"})

    assert response.status_code == 200
    paths = response.json()["paths"]
    expected = {"/api/v1/incidents/", "/api/v1/incidents/{id}/", "/api/v1/hooks/{integration_key}/"} | {
        f"/api/v1/incidents/{{id}}/{name}/" for name in (
            "acknowledge", "contain", "resolve", "close", "reopen", "pause", "resume", "reassign", "misroute", "notes",
            "assign", "war-room", "vendor", "checklist", "updates")
    } | {"/api/v1/incidents/{id}/handoffs/{handoff_id}/accept/"}
    assert expected <= set(paths)
    create = paths["/api/v1/incidents/"]["post"]
    assert {"200", "201", "400", "401", "403"} <= set(create["responses"])
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in create["parameters"])
    reassign = paths["/api/v1/incidents/{id}/reassign/"]["post"]
    assert {"200", "400", "401", "403", "404", "409"} <= set(reassign["responses"])
    hook = paths["/api/v1/hooks/{integration_key}/"]["post"]
    assert "application/json" in hook["requestBody"]["content"]
    for header in ("X-Escalation-Signature", "X-Escalation-Timestamp"):
        assert {"name": header, "in": "header", "required": True}.items() <= next(
            p for p in hook["parameters"] if p["name"] == header).items()
    assert "security" not in hook  # the signature, not a token or a session
    assert {"401", "403", "404", "413"} <= set(hook["responses"])
    list_params = {p["name"] for p in paths["/api/v1/incidents/"]["get"]["parameters"]}
    assert {"status", "team", "tier", "product_area", "is_drill", "breached", "page"} <= list_params


def test_the_schema_generates_without_warnings_and_validates(tmp_path):
    # --fail-on-warn turns any drf-spectacular warning (an undocumented field, a guessed type) into an error.
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "schema.yaml"))

    assert "/api/v1/incidents/{id}/misroute/" in (tmp_path / "schema.yaml").read_text()

"""POST /api/v1/hooks/<integration-key>/: signed inbound events file incidents; anything else is refused with
a reason and saves nothing."""

import json

import pytest
from django.test import Client

from incidents.integrations import signature
from incidents.models import Incident, Integration, TimelineEntry
from incidents.tests.factories import incident_matrix
from matrix.models import Impact, ProductArea

pytestmark = pytest.mark.django_db

SECRET = "hook-secret"
URL = "/api/v1/hooks/alerts/"


@pytest.fixture
def matrix():
    return incident_matrix()


@pytest.fixture
def integration(matrix):
    return Integration.objects.create(
        key="alerts", name="Alerts", secret=SECRET,
        mapping={"title": "alert.summary", "description": "alert.text", "product_area": "labels.area",
                 "impact": "labels.impact", "urgency": "labels.urgency", "external_ref": "alert.id",
                 "details.order_id": "labels.order"},
    )


def alert(**labels) -> dict:
    return {
        "alert": {"id": "A-17", "summary": "Card payments failing above 5%", "text": "Since 10:02"},
        "labels": {"area": "checkout", "impact": "significant", "urgency": "high", "order": "ORD-1001", **labels},
    }


def send(payload, *, secret: str = SECRET, url: str = URL, client: Client | None = None, sign: bool = True,
         header: str | None = None):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {}
    if header is not None:
        headers["X-Escalation-Signature"] = header
    elif sign:
        headers["X-Escalation-Signature"] = signature(secret, body)
    return (client or Client()).post(url, body, content_type="application/json", headers=headers)


def nothing_saved() -> bool:
    return not Incident.objects.exists() and not TimelineEntry.objects.exists()


def test_a_signed_alert_files_an_incident_routed_like_any_other(integration):
    response = send(alert())

    assert response.status_code == 201, response.content
    body = response.json()
    incident = Incident.objects.get()
    assert body["id"] == incident.pk
    assert {k: body[k] for k in ("title", "tier", "team", "status", "channel", "external_ref", "reporter",
                                 "details")} == {
        "title": "Card payments failing above 5%", "tier": "sev2", "team": "payments", "status": "new",
        "channel": "monitoring", "external_ref": "A-17", "reporter": None, "details": {"order_id": "ORD-1001"},
    }
    assert body["routing"]["fallback"] == "area_owner"
    assert body["url"] == f"http://testserver/incidents/{incident.pk}/"
    assert incident.reporter is None


def test_the_same_alert_posted_twice_files_once_and_the_repeat_answers_200(integration):
    first = send(alert())
    repeat = send(alert())

    assert (first.status_code, repeat.status_code) == (201, 200)
    assert repeat.json()["id"] == first.json()["id"]
    assert Incident.objects.count() == 1


def test_alerts_with_different_refs_file_separately(integration):
    send(alert())
    other = alert()
    other["alert"]["id"] = "A-18"

    assert send(other).status_code == 201
    assert Incident.objects.count() == 2


def test_alerts_without_an_external_ref_are_not_deduplicated(integration):
    payload = alert()
    del payload["alert"]["id"]

    send(payload)
    send(payload)

    assert Incident.objects.count() == 2


def test_the_integrations_defaults_fill_what_the_payload_lacks(integration):
    integration.default_area = ProductArea.objects.get(key="search")
    integration.default_impact = Impact.objects.get(key="minor")
    integration.save()
    payload = alert()
    del payload["labels"]["area"], payload["labels"]["impact"]

    response = send(payload)

    assert response.status_code == 201, response.content
    assert (response.json()["product_area"], response.json()["impact"]) == ("search", "minor")


# --- refusals: each with its reason, each saving nothing ---------------------------------------------------

def test_a_missing_signature_is_a_401_with_a_challenge(integration):
    response = send(alert(), sign=False)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'HMAC-SHA256 header="X-Escalation-Signature"'
    assert response.json()["detail"].startswith("Missing X-Escalation-Signature header")
    assert nothing_saved()


def test_a_signature_with_the_wrong_secret_is_a_403(integration):
    response = send(alert(), secret="guessed")

    assert response.status_code == 403
    assert "does not match the body" in response.json()["detail"]
    assert nothing_saved()


def test_a_signature_of_other_bytes_is_a_403(integration):
    body = json.dumps(alert()).encode()
    response = send(body, header=signature(SECRET, body + b" "))

    assert response.status_code == 403
    assert nothing_saved()


def test_a_malformed_signature_header_is_a_403(integration):
    body = json.dumps(alert()).encode()
    response = send(body, header=signature(SECRET, body).removeprefix("sha256="))

    assert response.status_code == 403
    assert "must start with 'sha256='" in response.json()["detail"]
    assert nothing_saved()


def test_an_unknown_integration_is_a_404_naming_it(integration):
    response = send(alert(), url="/api/v1/hooks/nagios/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Unknown integration 'nagios'."}
    assert nothing_saved()


def test_an_inactive_integration_reads_as_unknown(integration):
    integration.active = False
    integration.save()

    response = send(alert())

    assert response.status_code == 404
    assert response.json() == {"detail": "Unknown integration 'alerts'."}
    assert nothing_saved()


def test_the_signature_is_checked_before_the_body_is_parsed(integration):
    response = send(b"{not json", secret="guessed")

    assert response.status_code == 403


def test_a_signed_body_that_is_not_json_is_a_400(integration):
    response = send(b"{not json")

    assert response.status_code == 400
    assert response.json()["detail"].startswith("The body is not valid JSON")
    assert nothing_saved()


def test_a_signed_json_list_is_a_400(integration):
    response = send([alert()])

    assert response.status_code == 400
    assert response.json() == {"payload": ["Expected a JSON object."]}


def test_a_payload_missing_a_mapped_field_without_a_default_is_a_400_naming_it(integration):
    payload = alert()
    del payload["alert"]["summary"]

    response = send(payload)

    assert response.status_code == 400
    assert response.json() == {"title": ["Not in the payload at 'alert.summary', and the integration has no default."]}
    assert nothing_saved()


def test_a_mapped_key_the_matrix_does_not_know_is_a_400_naming_the_field(integration):
    response = send(alert(area="nowhere"))

    assert response.status_code == 400
    assert list(response.json()) == ["product_area"]
    assert nothing_saved()


def test_a_missing_triage_field_is_a_400_naming_it(integration):
    payload = alert()
    del payload["labels"]["order"]

    response = send(payload)

    assert response.status_code == 400
    assert response.json() == {"details.order_id": ["Order ID is required."]}
    assert nothing_saved()


# --- the signature is the only authentication ------------------------------------------------------------------

def test_no_session_token_or_csrf_token_is_needed(integration):
    response = send(alert(), client=Client(enforce_csrf_checks=True))

    assert response.status_code == 201, response.content


def test_a_signed_in_user_still_needs_a_signature(integration, manager_client):
    response = send(alert(), client=manager_client, sign=False)

    assert response.status_code == 401
    assert nothing_saved()


def test_the_hook_answers_post_only(integration):
    response = Client().get(URL)

    assert response.status_code == 405

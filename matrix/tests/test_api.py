"""The matrix API: authentication, route preview, the whole matrix as JSON, and the OpenAPI schema."""

import datetime as dt
import json

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.utils.encoders import JSONEncoder

from matrix import models as m
from matrix.cache import reset
from matrix.matrix_file import export_data
from matrix.tests import factories as f

pytestmark = pytest.mark.django_db

PREVIEW = "/api/v1/route-preview/"
MATRIX = "/api/v1/matrix/"
SCHEMA = "/api/v1/schema/"
NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def matrix():
    """Checkout (owned by the checkout team) with a refunds rule to payments, a SEV2 policy and playbook."""
    pm = f.standard_priority_matrix()
    f.TeamFactory(key="triage", name="Triage", is_triage=True)
    checkout = f.AreaFactory(key="checkout", name="Checkout", owner_team=f.TeamFactory(key="checkout-team"))
    payments = f.TeamFactory(key="payments", name="Payments")
    f.RuleFactory(key="refunds", name="refunds → payments", order=12, keywords="refund", team=payments)
    policy = f.PolicyFactory(key="payments-sev2", team=payments, tier=pm["tiers"]["sev2"])
    f.StepFactory(policy=policy, position=1, delay_minutes=0, notify_on_call=True)
    f.StepFactory(policy=policy, position=2, delay_minutes=30, notify_on_call=False, notify_team_lead=True,
                  notify_executives=True)
    f.PlaybookFactory(key="checkout-playbook", area=checkout)
    rotation = f.RotationFactory(team=payments, starts_on=dt.date(2026, 1, 5))
    f.RotationMemberFactory(rotation=rotation, position=1, user=f.UserFactory(username="pat"))
    return pm


@pytest.fixture
def token_headers(agent):
    return {"authorization": f"Token {Token.objects.create(user=agent).key}"}


def preview_params(**overrides):
    return {"product_area": "checkout", "impact": "significant", "urgency": "high",
            "title": "Refunds fail", **overrides}


# --- authentication ---------------------------------------------------------------------------------

@time_machine.travel(NOW, tick=False)
def test_route_preview_with_a_token_answers_who_gets_it_and_by_when(client, matrix, token_headers):
    response = client.get(PREVIEW, preview_params(), headers=token_headers)

    assert response.status_code == 200, response.content
    assert response.json() == {
        "tier": "sev2",
        "team": "payments",
        "routing": {
            "rule": "refunds",
            "explanation": "rule 12 'refunds → payments' matched keyword 'refund'; "
                           "tier SEV2 from impact Significant × urgency High",
            "fallback": "rule",
        },
        "on_call": "pat",
        "policy": "payments-sev2",
        "steps": [
            {"position": 1, "delay_minutes": 0, "notify": ["on-call"]},
            {"position": 2, "delay_minutes": 30, "notify": ["team lead", "executives"]},
        ],
        "playbook": "checkout-playbook",
        "targets": {"acknowledge_minutes": 15, "contain_minutes": 120, "resolve_minutes": 480},
        "acknowledge_by": "2026-03-02T12:15:00Z",
        "contain_by": "2026-03-02T14:00:00Z",
        "resolve_by": "2026-03-02T20:00:00Z",
    }


def test_route_preview_works_with_a_session(agent_client, matrix):
    response = agent_client.get(PREVIEW, preview_params())

    assert response.status_code == 200
    assert response.json()["team"] == "payments"


@pytest.mark.parametrize("url", [PREVIEW, MATRIX, SCHEMA])
def test_requests_without_credentials_are_refused(client, matrix, url):
    response = client.get(url, preview_params())

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_wrong_token_is_refused(client, matrix, token_headers):
    response = client.get(PREVIEW, preview_params(), headers={"authorization": "Token not-a-real-token"})

    assert response.status_code == 401


# --- route preview ----------------------------------------------------------------------------------

def test_without_a_matching_rule_the_preview_shows_the_fallback_and_empty_parts(agent_client, matrix):
    response = agent_client.get(PREVIEW, preview_params(title="Slow page", impact="minor", urgency="low"))

    body = response.json()
    assert body["team"] == "checkout-team"
    assert body["routing"] == {
        "rule": None, "fallback": "area_owner",
        "explanation": "no rule matched; Checkout is owned by Checkout Team; tier SEV4 from impact Minor × urgency Low",
    }
    assert (body["on_call"], body["policy"], body["steps"]) == (None, None, [])


def test_the_preview_saves_nothing(agent_client, matrix):
    with CaptureQueriesContext(connection) as queries:
        response = agent_client.get(PREVIEW, preview_params())

    assert response.status_code == 200
    # PostgreSQL writes a UNION as "(SELECT …) UNION ALL (SELECT …)": strip the parenthesis first.
    reads = ("SELECT", "SAVEPOINT", "RELEASE")
    writes = [q["sql"] for q in queries if not q["sql"].lstrip(" (").upper().startswith(reads)]
    assert writes == []


def test_the_preview_costs_the_same_queries_however_big_the_matrix(agent_client, matrix):
    agent_client.get(PREVIEW, preview_params())  # the session is loaded once either way
    reset()  # measure a load of the matrix, not the kept one (matrix.cache)
    with CaptureQueriesContext(connection) as small:
        agent_client.get(PREVIEW, preview_params())
    for n in range(20):
        f.AreaFactory(key=f"area-x{n}", parent=m.ProductArea.objects.get(key="checkout"))
        f.RuleFactory(key=f"rule-x{n}", order=100 + n, keywords=f"word{n}")
        f.PolicyFactory(key=f"policy-x{n}")
    reset()
    with CaptureQueriesContext(connection) as big:
        assert agent_client.get(PREVIEW, preview_params()).status_code == 200

    assert len(big) == len(small)


def test_the_preview_reads_the_kept_matrix_while_it_is_current(agent_client, matrix):
    agent_client.get(PREVIEW, preview_params())
    with CaptureQueriesContext(connection) as again:
        agent_client.get(PREVIEW, preview_params())

    assert not any("matrix_routingrule" in q["sql"] for q in again)


def test_missing_inputs_are_a_400_naming_each_field(agent_client, matrix):
    response = agent_client.get(PREVIEW, {"title": "Refunds fail"})

    assert response.status_code == 400
    assert response.json() == {
        "product_area": ["This field is required."],
        "impact": ["This field is required."],
        "urgency": ["This field is required."],
    }


def test_unknown_inputs_are_a_400_naming_each_field(agent_client, matrix):
    response = agent_client.get(PREVIEW, preview_params(product_area="x", impact="huge", urgency="now"))

    assert response.status_code == 400
    assert response.json() == {
        "product_area": ["Unknown product area 'x'."],
        "impact": ["Unknown impact 'huge'."],
        "urgency": ["Unknown urgency 'now'."],
    }


def test_an_unknown_channel_is_a_400(agent_client, matrix):
    response = agent_client.get(PREVIEW, preview_params(channel="pigeon"))

    assert response.status_code == 400
    assert response.json() == {"channel": ['"pigeon" is not a valid choice.']}


def test_a_missing_priority_cell_is_a_400_on_urgency(agent_client, matrix):
    m.PriorityCell.objects.filter(impact__key="minor", urgency__key="low").delete()

    response = agent_client.get(PREVIEW, preview_params(impact="minor", urgency="low"))

    assert response.status_code == 400
    assert response.json() == {"urgency": ["The priority matrix has no tier for Minor × Low."]}


def test_an_incident_nobody_can_own_is_a_400_on_product_area(agent_client, matrix):
    m.Team.objects.filter(is_triage=True).delete()
    f.AreaFactory(key="orphan", name="Orphan", owner_team=None)

    response = agent_client.get(PREVIEW, preview_params(product_area="orphan", title="slow"))

    assert response.status_code == 400
    assert response.json() == {
        "product_area": ["No rule matched, Orphan has no owner and there is no triage team."]
    }


def test_the_preview_only_answers_get(agent_client, matrix):
    assert agent_client.post(PREVIEW, preview_params()).status_code == 405


# --- the whole matrix, and the schema ----------------------------------------------------------------

def test_the_matrix_endpoint_returns_the_matrix_file_content_without_secrets_or_webhook_urls(
        client, matrix, token_headers):
    f.ContactChannelFactory(team=m.Team.objects.get(key="payments"), kind=m.ChannelKind.WEBHOOK,
                            target="https://hooks.example.com/payments/T0/B1/xyz", secret="s3cret-hmac-key")

    response = client.get(MATRIX, headers=token_headers)  # a support agent's token

    assert response.status_code == 200
    expected = json.loads(json.dumps(export_data(include_secrets=False, reveal_urls=False), cls=JSONEncoder))
    assert response.json() == expected
    body = response.content.decode()
    assert "https://hooks.example.com/…" in body and "/payments/T0/B1/xyz" not in body
    assert "s3cret-hmac-key" not in body
    assert "s3cret-hmac-key" in json.dumps(export_data())  # the file export keeps them, for a full backup


def test_people_who_edit_contact_channels_read_their_urls_in_the_api(client, matrix, role_user):
    f.ContactChannelFactory(team=m.Team.objects.get(key="payments"), kind=m.ChannelKind.SLACK,
                            target="https://hooks.example.com/services/T0/B1/xyz")
    client.force_login(role_user("Managers"))

    body = client.get(MATRIX).content.decode()

    assert "https://hooks.example.com/services/T0/B1/xyz" in body


def test_the_schema_describes_the_matrix_endpoints_and_preview_parameters(agent_client):
    response = agent_client.get(SCHEMA, {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/matrix/", "/api/v1/route-preview/"} <= set(schema["paths"])
    operation = schema["paths"]["/api/v1/route-preview/"]["get"]
    parameters = {p["name"]: p.get("required", False) for p in operation["parameters"]}
    assert parameters == {"product_area": True, "impact": True, "urgency": True, "title": True,
                          "description": False, "customer_segment": False, "channel": False}  # as filing

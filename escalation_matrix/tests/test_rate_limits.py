"""Rate limits: the API per user or token, inbound hooks per integration; a 429 says when to retry. Behind a
trusted proxy, login throttling counts the client's own address, so one shared address locks nobody else out."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.throttling import SimpleRateThrottle

from incidents.models import Incident, Integration
from incidents.tests.factories import incident_matrix
from incidents.tests.test_hooks import alert, send

pytestmark = pytest.mark.django_db
MATRIX = "/api/v1/matrix/"
MAPPING = {"title": "alert.summary", "product_area": "labels.area", "impact": "labels.impact",
           "urgency": "labels.urgency", "external_ref": "alert.id", "details.order_id": "labels.order"}


@pytest.fixture
def rates(monkeypatch):
    """Low rates (DRF reads them once, at import), and counts from zero."""
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": "3/min", "anon": "2/min", "hook": "2/min"})
    cache.clear()
    yield
    cache.clear()


def test_a_token_past_its_rate_gets_a_429_saying_when_to_retry(rates, role_user):
    headers = {"authorization": f"Token {Token.objects.create(user=role_user('Support agents')).key}"}
    answers = [Client().get(MATRIX, headers=headers) for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert 0 < int(refused["Retry-After"]) <= 60
    assert refused.json()["detail"].startswith("Request was throttled. Expected available in")
    other = Token.objects.create(user=role_user("Support agents", username="other")).key
    assert Client().get(MATRIX, headers={"authorization": f"Token {other}"}).status_code == 200  # per user


def test_an_integration_past_its_rate_is_refused_and_files_nothing_more(rates):
    incident_matrix()
    Integration.objects.create(key="alerts", name="Alerts", secret="hook-secret", mapping=MAPPING)

    answers = []
    for n in range(3):
        payload = alert()
        payload["alert"]["id"] = f"A-{n}"
        answers.append(send(payload))

    assert [a.status_code for a in answers] == [201, 201, 429]
    assert "Retry-After" in answers[-1] and Incident.objects.count() == 2


def test_a_cache_that_cannot_be_reached_lets_requests_through(rates, monkeypatch, role_user):
    def down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(SimpleRateThrottle, "cache", type("Down", (), {"get": down, "set": down})())
    client = Client()
    client.force_login(role_user("Support agents"))

    assert [client.get(MATRIX).status_code for _ in range(4)] == [200] * 4


def test_behind_a_trusted_proxy_a_locked_out_address_is_the_clients_not_the_proxys(settings, role_user):
    settings.TRUSTED_PROXY_COUNT = 1
    user = role_user("Support agents", username="sue")
    user.set_password("right-password-123")
    user.save()
    login = reverse("login")
    # The proxy (10.0.0.1) appends the address it received from; what a client wrote there itself is ignored.
    attacker = {"HTTP_X_FORWARDED_FOR": "198.51.100.7, 203.0.113.9", "REMOTE_ADDR": "10.0.0.1"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client().post(login, {"username": "sue", "password": "wrong"}, **attacker)

    locked = Client().post(login, {"username": "sue", "password": "right-password-123"}, **attacker)
    colleague = Client().post(login, {"username": "sue", "password": "right-password-123"},
                              HTTP_X_FORWARDED_FOR="198.51.100.7", REMOTE_ADDR="10.0.0.1")

    assert locked.status_code == 429
    assert colleague.status_code == 302  # signed in: through the same proxy, from another address


def test_without_a_trusted_proxy_forwarded_addresses_are_not_believed(settings, role_user):
    role_user("Support agents", username="sue")
    for n in range(settings.AXES_FAILURE_LIMIT):  # a new made-up address each time
        Client().post(reverse("login"), {"username": "sue", "password": "wrong"}, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")

    assert Client().post(reverse("login"), {"username": "sue", "password": "x"},
                         HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429

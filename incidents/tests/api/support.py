"""What the incident API tests share: the endpoints, one valid filing, and clients."""

import datetime as dt

from django.test import Client
from rest_framework.authtoken.models import Token

from incidents import services
from incidents.models import Incident

INCIDENTS = "/api/v1/incidents/"
SCHEMA = "/api/v1/schema/"
NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)  # a Monday: inside every rotation of incident_matrix()


def token_client(user) -> Client:
    return Client(headers={"authorization": f"Token {Token.objects.create(user=user).key}"})


def filing(**overrides) -> dict:
    return {"title": "Checkout fails at the payment step", "description": "Every card payment returns 500.",
            "product_area": "checkout", "impact": "significant", "urgency": "high",
            "details": {"order_id": "ORD-1001"}, **overrides}


def file_incident(reporter, **overrides) -> Incident:
    return services.incident_file(reporter=reporter, channel="api", **filing(**overrides))


def post(client, url, data=None, **kwargs):
    return client.post(url, data or {}, content_type="application/json", **kwargs)


def action_url(incident, name: str) -> str:
    return f"{INCIDENTS}{incident.pk}/{name}/"

"""The Procfile's web process, as in production, after PostgreSQL dropped every connection (a failover, a
restart, a pooler): the next filing, read and health check succeed on fresh connections."""

import json
import socket
import urllib.error
import urllib.request

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token

from incidents.models import Incident
from incidents.tests.factories import incident_matrix

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

FILING = {"title": "Checkout fails at the payment step", "description": "Every card payment returns 500.",
          "product_area": "checkout", "impact": "significant", "urgency": "high", "details": {"order_id": "ORD-1"}}


def free_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return str(s.getsockname()[1])


def call(url: str, *, token: str = "", body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json",
                                              **({"Authorization": f"Token {token}"} if token else {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, {}


def drop_every_connection() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        return cursor.fetchone()[0]


def test_a_filing_right_after_the_database_dropped_every_connection_answers_201(celery_processes):
    objects = incident_matrix()
    token = Token.objects.create(user=objects["agent"]).key
    celery_processes.env["PORT"] = port = free_port()
    celery_processes.start("web")
    base = f"http://127.0.0.1:{port}"
    celery_processes.wait_for(lambda: _answers(base), what="gunicorn to answer")
    for _ in range(9):  # every gunicorn worker now holds a pooled connection
        assert call(f"{base}/api/v1/incidents/", token=token)[0] == 200

    assert drop_every_connection() >= 1
    answers = [call(f"{base}/api/v1/incidents/", token=token, body=FILING)[0] for _ in range(6)]
    reads = [call(f"{base}/api/v1/incidents/", token=token)[0] for _ in range(3)]
    health = call(f"{base}/healthz")

    assert answers == [201] * 6
    assert Incident.objects.count() == 6
    assert reads == [200] * 3
    assert health[1]["database"] == {"ok": True}


def _answers(base: str) -> bool:
    try:
        call(f"{base}/healthz")
    except OSError:
        return False
    return True

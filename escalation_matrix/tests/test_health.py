import datetime as dt

import pytest
from django.utils import timezone

from escalation_matrix.health import heartbeat_record


@pytest.mark.django_db
def test_healthz_answers_without_login_and_reports_each_part(client):
    heartbeat_record(name="worker")
    heartbeat_record(name="beat", at=timezone.now() - dt.timedelta(minutes=5))

    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["database"]["ok"] is True
    assert body["worker"]["ok"] is True
    assert body["beat"]["ok"] is False  # five minutes old: beat is not running
    assert body["ok"] is False


@pytest.mark.django_db
def test_healthz_says_when_no_worker_has_ever_run(client):
    body = client.get("/healthz").json()
    assert body["worker"] == {"ok": False, "last": None, "error": "no worker heartbeat yet"}

"""The background half of `make run`: a real worker and beat on real Redis."""

import pytest

from escalation_matrix.models import Heartbeat


@pytest.mark.services
def test_beat_schedules_work_that_a_real_worker_runs(celery_processes, client):
    celery_processes.start("worker")
    celery_processes.start("beat")

    celery_processes.wait_for(lambda: Heartbeat.objects.filter(name="worker").exists(), what="a worker heartbeat")

    body = client.get("/healthz").json()
    assert body["worker"]["ok"] and body["beat"]["ok"] and body["broker"]["ok"]
    assert body["ok"] is True

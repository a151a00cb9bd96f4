"""/healthz against the Procfile's real processes: all well when they run, and a killed one told within 15 s."""

import signal
import time

import pytest

pytestmark = pytest.mark.services


def health(client) -> dict:
    return client.get("/healthz").json()


def all_well(client) -> bool:
    return health(client)["ok"]


def test_healthz_is_ok_while_the_procfiles_processes_run(celery_processes, client):
    celery_processes.start_all()

    celery_processes.wait_for(lambda: all_well(client), what="/healthz to be ok")

    body = health(client)
    assert set(body["worker"]["queues"]) == {"timers", "notifications", "celery"}
    assert body["beat"]["published_age_seconds"] < 5
    assert body["timers"]["oldest_due_seconds"] == 0 and body["notifications"]["oldest_unsent_seconds"] == 0


def test_healthz_reports_each_killed_process_within_15_seconds(celery_processes, client):
    celery_processes.start_all()
    celery_processes.wait_for(lambda: all_well(client), what="/healthz to be ok")

    for name in ("clock", "sender", "beat"):
        celery_processes.kill(name, signal.SIGKILL)
    killed_at = time.monotonic()

    def all_three_missed() -> bool:
        body = health(client)
        queues = body["worker"]["queues"]
        return not queues["timers"]["ok"] and not queues["notifications"]["ok"] and not body["beat"]["ok"]

    celery_processes.wait_for(all_three_missed, timeout=20, what="/healthz to miss the clock, the sender and beat")
    assert time.monotonic() - killed_at <= 15
    body = health(client)
    assert body["ok"] is False and body["worker"]["queues"]["celery"]["ok"] is True  # the one left running
    assert body["worker"]["error"] == "no live worker consumes: notifications, timers"


def test_healthz_says_beat_cannot_publish_while_the_broker_is_down(celery_processes, client):
    redis = celery_processes.private_redis()
    celery_processes.start("beat")
    celery_processes.wait_for(lambda: health(client)["beat"]["ok"], what="beat to publish")

    redis.stop()
    celery_processes.wait_for(lambda: not health(client)["beat"]["ok"], timeout=20, what="/healthz to see beat stuck")

    beat = health(client)["beat"]
    assert beat["age_seconds"] < 5  # alive: its loop still beats
    assert "broker" in beat["error"]

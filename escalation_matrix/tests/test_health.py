"""What /healthz says about each part, from heartbeat, timer and outbox rows."""

import datetime as dt

import pytest
from django.utils import timezone

from escalation_matrix.models import Heartbeat
from incidents.models import Timer, TimerKind, TimerState
from incidents.tests.factories import IncidentFactory, incident_matrix
from notifications.models import Status
from notifications.tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db


def beating(name: str, *, kind: str = "worker", queues: str = "", seconds_ago: float = 1,
            published: float | None = None):
    now = timezone.now()
    Heartbeat.objects.create(
        name=name, kind=kind, queues=queues, beat_at=now - dt.timedelta(seconds=seconds_ago),
        published_at=None if published is None else now - dt.timedelta(seconds=published),
    )


def every_process_beating() -> None:
    beating("h:1:a", queues="timers")
    beating("h:2:b", queues="notifications")
    beating("h:3:c", queues="celery")
    beating("h:4:d", kind="beat", published=1)


def test_healthz_answers_without_login_and_is_ok_when_every_queue_has_a_live_worker(client):
    every_process_beating()

    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True, body
    assert {queue: part["live"] for queue, part in body["worker"]["queues"].items()} == {
        "timers": 1, "notifications": 1, "celery": 1}


def test_a_queue_whose_worker_stopped_beating_is_named(client):
    every_process_beating()
    Heartbeat.objects.filter(queues="notifications").update(beat_at=timezone.now() - dt.timedelta(seconds=11))

    body = client.get("/healthz").json()

    assert body["ok"] is False
    assert body["worker"]["queues"]["notifications"]["ok"] is False
    assert body["worker"]["error"] == "no live worker consumes: notifications"
    assert body["worker"]["queues"]["timers"]["ok"] is True


def test_beat_alive_but_not_publishing_is_not_ok(client):
    every_process_beating()
    Heartbeat.objects.filter(kind="beat").update(published_at=timezone.now() - dt.timedelta(seconds=30))

    beat = client.get("/healthz").json()["beat"]

    assert beat["ok"] is False and beat["age_seconds"] < 5 and beat["published_age_seconds"] >= 30


def test_healthz_says_when_no_process_has_ever_run(client):
    body = client.get("/healthz").json()

    assert body["beat"] == {"ok": False, "error": "no live beat"}
    assert body["worker"]["ok"] is False


def test_healthz_reports_how_long_the_oldest_due_timer_and_notification_have_waited(client):
    every_process_beating()
    incident_matrix()
    IncidentFactory(now=timezone.now() - dt.timedelta(minutes=1))  # its first escalation step is a minute overdue
    NotificationFactory(next_attempt_at=timezone.now() - dt.timedelta(minutes=3))
    NotificationFactory(next_attempt_at=timezone.now() + dt.timedelta(hours=1))  # backing off: not due
    NotificationFactory(status=Status.SENT, next_attempt_at=timezone.now() - dt.timedelta(days=1))

    body = client.get("/healthz").json()

    assert body["timers"]["oldest_due_seconds"] == pytest.approx(60, abs=5)
    assert body["timers"]["ok"] is False
    assert body["notifications"]["oldest_unsent_seconds"] == pytest.approx(180, abs=5)  # the due one, not the rest
    assert body["notifications"]["ok"] is False
    assert Timer.objects.filter(kind=TimerKind.ESCALATION, state=TimerState.ARMED).exists()


def test_heartbeats_of_processes_silent_for_a_day_are_forgotten_and_the_rest_kept():
    from escalation_matrix.liveness import heartbeats_prune

    beating("h:9:gone", seconds_ago=25 * 3600)
    beating("h:8:quiet", seconds_ago=3600)  # dead, but recent enough to explain a claim it left

    assert heartbeats_prune() == 1
    assert list(Heartbeat.objects.values_list("name", flat=True)) == ["h:8:quiet"]

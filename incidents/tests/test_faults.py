"""Escalations under faults, counted where a person would feel them: at a real receiver.

The Procfile's processes run as in production (``celery_processes``: prefork clock, threaded sender,
production settings), and a real HTTP and SMTP receiver in a process of its own logs every message the
moment it accepts it. Faults are injected *during* the sends — the receiver answers after a second, so
messages are in flight — and each test waits past the window in which a dead worker's claims are taken
back. The bar: nothing lost, nothing repeated; the one exception is a kill between a receiver's acceptance
and the database write, where each message then in flight may arrive once more, with the same identity,
within 30 s of the worker being back. How late escalations fire is measured by ``make bench``.
"""

import datetime as dt
import signal
import time
from collections import Counter
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from escalation_matrix.celery import app
from escalation_matrix.models import Heartbeat
from incidents.models import Incident, Timer, TimerKind, TimerState
from incidents.tests.factories import IncidentFactory, incident_matrix
from matrix import models as m
from notifications.channels import delivery_id, message_id
from notifications.models import Channel, Notification, Status

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

SLOW = 1.0  # seconds the receiver takes to accept each message, as real SMTP often does
REPEAT_WITHIN = 30  # seconds after the worker is back


@pytest.fixture
def receiver(celery_processes):
    return celery_processes.receiver(delay=SLOW)


@pytest.fixture
def matrix(receiver):
    """incident_matrix(), with payments told by e-mail (to the receiver's SMTP server) and by a signed webhook
    to the receiver instead of Slack: every message goes to the receiver."""
    objects = incident_matrix()
    m.ContactChannel.objects.filter(team=objects["payments"], kind=m.ChannelKind.SLACK).update(
        kind=m.ChannelKind.WEBHOOK, target=f"{receiver.http_url}/payments", secret="s3cret"
    )
    m.ContactChannel.objects.exclude(kind__in=[m.ChannelKind.EMAIL, m.ChannelKind.WEBHOOK]).delete()
    return objects


def file_escalating(count: int, *, first_in: float = 2.0, spread: float = 4.0) -> list[Incident]:
    """Incidents whose step 1 is due now and whose step 2 (10 minutes) falls due from ``first_in`` s on."""
    start = timezone.now() - dt.timedelta(minutes=10)
    return [IncidentFactory(now=start + dt.timedelta(seconds=first_in + spread * n / max(count - 1, 1)))
            for n in range(count)]


def identity(notification: Notification) -> str:
    return message_id(notification) if notification.channel == Channel.EMAIL else delivery_id(notification)


def received(receiver) -> Counter:
    return Counter(message.get("message_id") or message.get("idempotency_key") for message in receiver.messages())


def all_sent() -> bool:
    return Notification.objects.exists() and not Notification.objects.exclude(status=Status.SENT).exists()


def steps_fired_and_all_sent() -> bool:
    return not Timer.objects.filter(kind=TimerKind.ESCALATION, state=TimerState.ARMED).exists() and all_sent()


def settle(processes, *, timeout: float = 90, done=steps_fired_and_all_sent) -> None:
    processes.wait_for(done, timeout=timeout, what="every step fired and every notification sent")


def assert_every_step_fired_once(incidents: list[Incident]) -> None:
    steps = Timer.objects.filter(kind=TimerKind.ESCALATION, incident__in=incidents)
    assert steps.count() == 2 * len(incidents) == steps.filter(state=TimerState.FIRED).count()
    for step in steps:
        assert Notification.objects.filter(dedupe_key__startswith=f"timer:{step.pk}:").exists()


def assert_each_message_arrived_once(receiver) -> None:
    expected = {identity(n) for n in Notification.objects.all()}
    got = received(receiver)
    assert set(got) == expected, f"lost: {expected - set(got)}; unknown: {set(got) - expected}"
    assert {key: n for key, n in got.items() if n > 1} == {}


def test_every_escalation_reaches_a_slow_receiver_exactly_once(celery_processes, matrix, receiver):
    incidents = file_escalating(10)
    celery_processes.start_all()

    settle(celery_processes)

    assert_every_step_fired_once(incidents)
    assert_each_message_arrived_once(receiver)
    assert {m["kind"] for m in receiver.messages()} == {"smtp", "http"}


def test_a_sender_killed_mid_send_repeats_only_what_was_in_flight_and_within_30_s(celery_processes, matrix, receiver):
    incidents = file_escalating(20, first_in=2, spread=6)
    celery_processes.start_all()
    celery_processes.wait_for(lambda: len(receiver.messages()) >= 5, what="the first deliveries")

    celery_processes.kill("sender", signal.SIGKILL)
    in_flight = {identity(n) for n in Notification.objects.filter(status=Status.SENDING)}
    time.sleep(2)
    celery_processes.start("sender")
    back = time.time()
    settle(celery_processes, timeout=120)

    assert_every_step_fired_once(incidents)
    got = received(receiver)
    assert set(got) == {identity(n) for n in Notification.objects.all()}  # none lost
    repeated = {key for key, n in got.items() if n > 1}
    assert repeated <= in_flight and max(got.values()) <= 2
    late = [m for m in receiver.messages() if m["at"] > back + REPEAT_WITHIN]
    assert late == []
    print(f"in flight at the kill: {len(in_flight)}; repeated: {len(repeated)}")


@pytest.mark.parametrize("killed", ["clock", "beat"])
def test_a_clock_or_beat_killed_while_steps_fall_due_loses_none_and_doubles_none(
    celery_processes, matrix, receiver, killed
):
    celery_processes.start_all()
    # Steps fall due relative to running processes, however slowly the machine starts them.
    celery_processes.wait_for(lambda: Heartbeat.objects.filter(queues__contains="timers").exists()
                              and Heartbeat.objects.filter(kind="beat").exists(), what="the clock and beat running")
    incidents = file_escalating(10, first_in=2, spread=6)
    celery_processes.wait_for(
        lambda: Timer.objects.filter(kind=TimerKind.ESCALATION, step=2, state=TimerState.FIRED).exists(),
        what="the first second steps",
    )

    celery_processes.kill(killed, signal.SIGKILL)
    time.sleep(4)  # steps fall due with nothing firing them
    assert Timer.objects.filter(kind=TimerKind.ESCALATION, state=TimerState.ARMED, due_at__lte=timezone.now()).exists()
    celery_processes.start(killed)
    settle(celery_processes)

    assert_every_step_fired_once(incidents)
    assert_each_message_arrived_once(receiver)


def test_a_database_that_drops_every_connection_mid_send_costs_no_message_and_repeats_none(
    celery_processes, matrix, receiver
):
    incidents = file_escalating(10, first_in=2, spread=4)
    celery_processes.start_all()
    celery_processes.wait_for(lambda: Notification.objects.filter(status=Status.SENDING).exists(),
                              what="deliveries in flight")

    for _ in range(2):  # a failover: every other connection to this database is cut, twice
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        time.sleep(1)
    settle(celery_processes)

    assert_every_step_fired_once(incidents)
    assert_each_message_arrived_once(receiver)


def test_two_of_each_process_fire_and_send_each_message_once(celery_processes, matrix, receiver):
    incidents = file_escalating(20, first_in=3, spread=6)
    for name in ("clock", "sender", "beat"):
        celery_processes.start(name)
        celery_processes.start(name, instance=2)
    celery_processes.start("worker")

    settle(celery_processes)

    assert_every_step_fired_once(incidents)
    assert_each_message_arrived_once(receiver)


def test_a_redis_outage_of_a_minute_while_filing_loses_nothing_and_doubles_nothing(celery_processes, matrix, receiver):
    redis = celery_processes.private_redis()
    celery_processes.start_all()
    agent = Client(headers={"authorization": f"Token {Token.objects.create(user=matrix['agent']).key}"})
    filing = {"title": "Checkout fails", "description": "Every card payment returns 500.", "product_area": "checkout",
              "impact": "significant", "urgency": "high", "details": {"order_id": "ORD-1"}}

    redis.stop()
    with mock.patch.object(app.amqp, "send_task_message", wraps=app.amqp.send_task_message) as publish:
        for pause in (29, 29, 2):  # filed at the start, the middle and the end of a minute without Redis
            assert agent.post("/api/v1/incidents/", filing, content_type="application/json").status_code == 201
            time.sleep(pause)
    assert publish.call_count == 3  # each filing waited on the dead broker once, not once per notification
    assert not Notification.objects.exclude(status=Status.PENDING).exists()
    redis.start()
    settle(celery_processes, timeout=120, done=all_sent)

    assert Incident.objects.count() == 3
    assert_each_message_arrived_once(receiver)
    assert set(Notification.objects.values_list("attempts", flat=True)) == {1}  # none sent, failed and retried
    assert all(process.poll() is None for process in celery_processes.running.values())

"""The broker going away: a hung one holds up no filing; ticks never pile up; `make run`'s background
processes run on either broker and stop with it. (A minute without Redis while filing: ``test_faults``.)

A real worker and beat run on a Redis of the test's own, which the test stops (gone: connections refused)
or freezes (hung: connections accepted, nothing answers); incidents are filed through the API. How long a
filing waits on a broker that is down is measured, not asserted here: under 0.1 s when Redis is gone, about
1.6 s when it hangs (the socket timeouts in settings, and the matrix cache's).
"""

import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from incidents.models import Incident, Timer, TimerKind, TimerState
from incidents.tests.factories import IncidentFactory, incident_matrix
from matrix import models as m
from notifications.models import Notification, Status
from notifications.tests.factories import NotificationFactory

BACKGROUND = ("clock", "worker", "beat")  # Procfile.dev without its web line

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

INCIDENTS = "/api/v1/incidents/"
FILING = {"title": "Checkout fails at the payment step", "description": "Every card payment returns 500.",
          "product_area": "checkout", "impact": "significant", "urgency": "high", "details": {"order_id": "ORD-1"}}


def api(user) -> Client:
    return Client(headers={"authorization": f"Token {Token.objects.create(user=user).key}"})


def broker_ok() -> bool:
    return Client().get("/healthz").json()["broker"]["ok"]


def test_a_hung_redis_does_not_hold_up_filing_and_healthz_reports_the_broker_down(celery_processes):
    matrix = incident_matrix()
    redis = celery_processes.private_redis()
    redis.freeze()
    outcome: dict = {}

    def file_incident() -> None:
        try:
            outcome["response"] = api(matrix["agent"]).post(INCIDENTS, FILING, content_type="application/json")
        finally:
            connection.close()  # this thread's connection; the test database is dropped at the end

    filing = threading.Thread(target=file_incident, daemon=True)
    filing.start()
    # Without socket timeouts a publish to a hung Redis waits forever, and so would the request.
    celery_processes.wait_for(lambda: not filing.is_alive(), timeout=60, what="the filing to finish")

    assert outcome["response"].status_code == 201, outcome["response"].content
    assert Incident.objects.filter(pk=outcome["response"].json()["id"]).exists()
    assert Notification.objects.exists()
    assert not Notification.objects.exclude(status=Status.PENDING).exists()  # left for the sweep
    assert broker_ok() is False


def queued_ticks(queue) -> list[dt.datetime]:
    """When each timer tick waiting in the filesystem broker's queue expires."""
    expiries = []
    for message in queue.glob("*.msg"):
        try:
            headers = json.loads(message.read_text())["headers"]
        except FileNotFoundError:  # taken by a worker meanwhile
            continue
        if headers["task"] == "incidents.tasks.timers_tick":
            expiries.append(dt.datetime.fromisoformat(headers["expires"]))
    return expiries


def test_ticks_queued_while_no_worker_runs_expire_instead_of_firing_in_a_burst(celery_processes):
    queue = celery_processes.filesystem_broker()  # `make run` without Redis
    incident_matrix()
    m.ContactChannel.objects.exclude(kind=m.ChannelKind.EMAIL).delete()
    IncidentFactory(now=timezone.now() - dt.timedelta(minutes=1))
    step = Timer.objects.get(kind=TimerKind.ESCALATION, step=1, state=TimerState.ARMED, due_at__lte=timezone.now())

    celery_processes.start("beat")
    celery_processes.wait_for(lambda: len(queued_ticks(queue)) >= 5, what="beat to queue ticks with no worker running")
    celery_processes.kill("beat")
    celery_processes.wait_for(lambda: timezone.now() > max(queued_ticks(queue)), what="every queued tick to expire")
    celery_processes.start("clock")
    celery_processes.wait_for(lambda: not any(queue.glob("*.msg")), what="the worker to take every queued message")

    step.refresh_from_db()
    assert step.state == TimerState.ARMED  # none of the old ticks ran, though the step was due all along
    fresh = timezone.now()
    celery_processes.start("beat")
    celery_processes.wait_for(lambda: Timer.objects.filter(pk=step.pk, state=TimerState.FIRED).exists(),
                              what="a fresh tick to fire the step")
    step.refresh_from_db()
    assert step.fired_at >= fresh


def honcho_children(log) -> list[int]:
    """The pids honcho logged ("worker.1 started (pid=123)"): each leads a process group of its own."""
    return [int(pid) for pid in re.findall(r"started \(pid=(\d+)\)", log.read_text(errors="replace"))]


def running(process_group: int) -> list[int]:
    """The live processes of a process group (a zombie has exited: it only waits for init to reap it)."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # "pid (comm) state ppid pgrp …": comm may hold spaces, so split after its closing parenthesis
            state, _, group = stat.read_text().rpartition(")")[2].split()[:3]
        except (OSError, ValueError):
            continue  # it ended while we looked
        if int(group) == process_group and state != "Z":
            alive.append(int(stat.parent.name))
    return alive


@pytest.mark.parametrize("broker", ["filesystem", "redis"])
def test_make_runs_worker_and_beat_work_on_its_broker_and_stop_together_on_ctrl_c(celery_processes, tmp_path, broker):
    """The background lines of Procfile.dev, run by honcho as `make run` does (the web line needs port 8000):
    beat sends the outbox sweep to the clock, which hands a lost notification to the worker, which sends it."""
    server = celery_processes.private_redis() if broker == "redis" else None
    if server is None:
        celery_processes.filesystem_broker()
    lost = NotificationFactory(next_attempt_at=timezone.now() - dt.timedelta(minutes=5))  # its message was lost
    log = tmp_path / "honcho.log"
    with log.open("wb") as output:
        honcho = subprocess.Popen(
            [os.path.join(os.path.dirname(sys.executable), "honcho"), "start", "-f", "Procfile.dev", *BACKGROUND],
            cwd=settings.BASE_DIR, env=celery_processes.env, stdout=output, stderr=subprocess.STDOUT,
        )
    try:
        sent = Notification.objects.filter(pk=lost.pk, status=Status.SENT).exists
        celery_processes.wait_for(lambda: sent() or honcho.poll() is not None, timeout=60,
                                  what="the sweep beat sent to hand the lost notification to the worker")
        assert honcho.poll() is None, log.read_text()
        if server is not None:
            assert redis.Redis(port=server.port).exists("_kombu.binding.celery"), log.read_text()
        assert len(honcho_children(log)) == len(BACKGROUND), log.read_text()

        honcho.send_signal(signal.SIGINT)  # Ctrl-C in the terminal: honcho's process group gets it
        celery_processes.wait_for(lambda: honcho.poll() is not None, what="honcho to stop")
        assert not [pid for group in honcho_children(log) for pid in running(group)], log.read_text()
    finally:
        if honcho.poll() is None:
            honcho.kill()
            honcho.wait()
        for group in honcho_children(log):
            if running(group):
                os.killpg(group, signal.SIGKILL)

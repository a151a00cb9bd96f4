"""The broker going away: filings are saved and notified once it is back; ticks never pile up; `make run`'s
worker and beat run on either broker and stop with it.

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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from unittest import mock

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from escalation_matrix.celery import app
from escalation_matrix.models import Heartbeat
from incidents.models import Incident, Timer, TimerKind, TimerState
from incidents.tests.factories import IncidentFactory, incident_matrix
from matrix import models as m
from notifications.models import Channel, Notification, Status

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

INCIDENTS = "/api/v1/incidents/"
FILING = {"title": "Checkout fails at the payment step", "description": "Every card payment returns 500.",
          "product_area": "checkout", "impact": "significant", "urgency": "high", "details": {"order_id": "ORD-1"}}


@pytest.fixture
def webhook_receiver():
    """A JSON webhook receiver on 127.0.0.1 that keeps the dedupe key of every delivery it gets."""
    received: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            received.append(json.loads(body)["dedupe_key"])
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            """Quiet: the test reads what it needs from the captured requests."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    server.received = received
    server.url = f"http://127.0.0.1:{server.server_port}/hooks/payments"
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def matrix(webhook_receiver):
    """incident_matrix(), with payments told by email (the worker's test backend) and a signed JSON webhook
    to ``webhook_receiver`` instead of Slack, so that every delivery is counted."""
    objects = incident_matrix()
    m.ContactChannel.objects.filter(team=objects["payments"], kind=m.ChannelKind.SLACK).update(
        kind=m.ChannelKind.WEBHOOK, target=webhook_receiver.url, secret="s3cret"
    )
    return objects


def api(user) -> Client:
    return Client(headers={"authorization": f"Token {Token.objects.create(user=user).key}"})


def broker_ok() -> bool:
    return Client().get("/healthz").json()["broker"]["ok"]


def test_an_incident_filed_while_redis_is_down_is_saved_and_each_notification_goes_out_once_it_is_back(
    celery_processes, matrix, webhook_receiver
):
    redis = celery_processes.private_redis()
    celery_processes.start("worker")
    celery_processes.start("beat")
    celery_processes.wait_for(lambda: Heartbeat.objects.filter(name="worker").exists(), what="a running worker")

    redis.stop()
    assert broker_ok() is False
    with mock.patch.object(app.amqp, "send_task_message", wraps=app.amqp.send_task_message) as publish:
        response = api(matrix["agent"]).post(INCIDENTS, FILING, content_type="application/json")

    assert response.status_code == 201, response.content
    assert Incident.objects.filter(pk=response.json()["id"]).exists()
    filed = list(Notification.objects.values_list("pk", flat=True))
    assert len(filed) >= 2 and Notification.objects.filter(pk__in=filed, status=Status.PENDING).count() == len(filed)
    assert Notification.objects.filter(pk__in=filed, channel=Channel.WEBHOOK).exists()
    assert publish.call_count == 1  # the filing waited on the dead broker once, not once per notification

    redis.start()
    celery_processes.wait_for(broker_ok, what="/healthz to see the broker again")
    celery_processes.wait_for(
        lambda: not Notification.objects.exclude(status=Status.SENT).exists()
        and Notification.objects.filter(pk__in=filed, status=Status.SENT).count() == len(filed),
        timeout=90, what="the sweep to send what the filing left pending",
    )

    sent = Notification.objects.all()
    assert set(sent.values_list("attempts", flat=True)) == {1}  # each claimed and sent once, none retried
    webhooks = sorted(sent.filter(channel=Channel.WEBHOOK).values_list("dedupe_key", flat=True))
    assert sorted(webhook_receiver.received) == webhooks  # one POST per webhook notification, no more
    assert celery_processes.running["worker"].poll() is None and celery_processes.running["beat"].poll() is None


def test_a_hung_redis_does_not_hold_up_filing_and_healthz_reports_the_broker_down(celery_processes, matrix):
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
    celery_processes.start("worker")
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
    """The two background lines of Procfile.dev, run by honcho as `make run` does (the web line needs port 8000)."""
    server = celery_processes.private_redis() if broker == "redis" else None
    if server is None:
        celery_processes.filesystem_broker()
    log = tmp_path / "honcho.log"
    with log.open("wb") as output:
        honcho = subprocess.Popen(
            [os.path.join(os.path.dirname(sys.executable), "honcho"), "start", "-f", "Procfile.dev", "worker", "beat"],
            cwd=settings.BASE_DIR, env=celery_processes.env, stdout=output, stderr=subprocess.STDOUT,
        )
    try:
        worker_ran = Heartbeat.objects.filter(name="worker").exists  # a task only beat sends
        celery_processes.wait_for(lambda: worker_ran() or honcho.poll() is not None, timeout=60,
                                  what="the worker to run a task that beat sent")
        assert honcho.poll() is None, log.read_text()
        if server is not None:
            assert redis.Redis(port=server.port).exists("_kombu.binding.celery"), log.read_text()
        assert len(honcho_children(log)) == 2, log.read_text()

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

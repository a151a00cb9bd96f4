"""Timers with a real Celery worker and beat on real Redis: escalations happen, and survive crashes.

Each test files incidents whose second escalation step (10 minutes after filing) falls due a few
seconds from now, runs beat (a tick per second) and a worker, and checks that every step fired exactly
once — also when the worker is killed with ``kill -9`` or Redis restarts while steps are due.
How late they fire is measured by the benchmarks (``make bench``), not asserted here.
"""

import datetime as dt
import signal
import socket
import subprocess
import time

import pytest
from django.utils import timezone

from incidents.models import TimelineKind, Timer, TimerKind, TimerState
from incidents.tests.factories import IncidentFactory, incident_matrix
from matrix import models as m
from notifications.models import Notification

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def file_incidents_escalating_soon(count: int, *, first_in: float = 2.0, spread: float = 4.0) -> list:
    """Incidents whose step 1 is already due and whose step 2 falls due from ``first_in`` seconds on."""
    incident_matrix()
    # Webhook deliveries would try the network from the worker; email goes to the test backend.
    m.ContactChannel.objects.exclude(kind=m.ChannelKind.EMAIL).delete()
    start = timezone.now() - dt.timedelta(minutes=10)
    return [
        IncidentFactory(now=start + dt.timedelta(seconds=first_in + spread * n / max(count - 1, 1)))
        for n in range(count)
    ]


def steps(state: str | None = None):
    timers = Timer.objects.filter(kind=TimerKind.ESCALATION)
    return timers.filter(state=state) if state else timers


def assert_each_step_fired_exactly_once(incidents: list) -> None:
    assert steps().count() == 2 * len(incidents)
    assert steps(TimerState.FIRED).count() == 2 * len(incidents)
    for incident in incidents:
        assert incident.timeline.filter(kind=TimelineKind.ESCALATED).count() == 2
    for timer in steps():
        assert Notification.objects.filter(dedupe_key__startswith=f"timer:{timer.pk}:").count() == 1


def all_steps_fired() -> bool:
    return not steps(TimerState.ARMED).exists()


def test_a_live_worker_fires_each_escalation_step_once(celery_processes):
    incidents = file_incidents_escalating_soon(3)

    celery_processes.start("worker")
    celery_processes.start("beat")
    celery_processes.wait_for(all_steps_fired, timeout=60, what="every escalation step to fire")

    assert_each_step_fired_exactly_once(incidents)
    late = [(t.fired_at - t.due_at).total_seconds() for t in steps(TimerState.FIRED).filter(step=2)]
    print(f"step 2 lateness with a live worker: {', '.join(f'{s:.2f}s' for s in sorted(late))}")


def test_a_worker_killed_while_escalations_are_due_loses_none_and_doubles_none(celery_processes):
    incidents = file_incidents_escalating_soon(20, first_in=2, spread=6)
    celery_processes.start("beat")
    celery_processes.start("worker")
    celery_processes.wait_for(lambda: steps(TimerState.FIRED).filter(step=2).count() >= 2, timeout=60,
                              what="the first escalations")

    celery_processes.kill("worker", signal.SIGKILL)
    time.sleep(3)  # steps fall due with no worker running
    assert steps(TimerState.ARMED).filter(due_at__lte=timezone.now()).exists()
    celery_processes.start("worker")
    celery_processes.wait_for(all_steps_fired, timeout=60, what="the rest after the restart")

    assert_each_step_fired_exactly_once(incidents)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def private_redis(tmp_path, monkeypatch):
    """A Redis server of this test's own (restarting the shared one would disturb everybody else).

    Request it before ``celery_processes``: the worker and beat read ``REDIS_URL`` when they start.
    """
    port = _free_port()
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
               "--dir", str(tmp_path)]

    class Server:
        process = None

        def start(self):
            self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    return
                except OSError:
                    time.sleep(0.05)
            raise AssertionError("the private Redis did not start")

        def stop(self):
            if self.process and self.process.poll() is None:
                self.process.kill()
                self.process.wait()

    server = Server()
    server.start()
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{port}/0")
    yield server
    server.stop()


def test_a_redis_restart_while_escalations_are_due_loses_none_and_doubles_none(private_redis, celery_processes):
    incidents = file_incidents_escalating_soon(10, first_in=3, spread=4)
    celery_processes.start("beat")
    celery_processes.start("worker")
    celery_processes.wait_for(lambda: steps(TimerState.FIRED).filter(step=1).count() == len(incidents),
                              timeout=60, what="the first steps")

    private_redis.stop()
    time.sleep(5)  # the second steps fall due while the broker is gone (queued ticks are lost with it)
    assert steps(TimerState.ARMED).filter(due_at__lte=timezone.now()).exists()
    private_redis.start()
    celery_processes.wait_for(all_steps_fired, timeout=90, what="the second steps after Redis came back")

    assert_each_step_fired_exactly_once(incidents)
    # The same processes did it: neither the worker nor beat exited when the broker went away.
    assert celery_processes.running["worker"].poll() is None
    assert celery_processes.running["beat"].poll() is None

"""Escalation lateness with the Procfile's processes running as in production (``escalation_matrix.testing``),
and every message going to a real receiver in a process of its own (HTTP and SMTP).

Three runs against the same live processes:
- **quiet**: 50 incidents whose step 2 falls due over 20 s, the receiver answering at once;
- **slow receiver**: the same while every delivery takes 1 s (as real SMTP often does);
- **burst**: 500 incidents whose step 2 falls due within 10 s, every delivery taking 1 s.

Lateness is ``fired_at − due_at`` of each step; for the burst also how long the receiver took to get every
message after the last step fell due (the drain). Unlike the other benchmarks this one commits (the processes
must see the rows), so it runs last; the bench database is dropped at the end. Without PostgreSQL and Redis it
is reported as not run.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from escalation_matrix.models import Heartbeat
from escalation_matrix.testing import BackgroundProcesses, production_env
from incidents.models import Incident, Timer, TimerKind, TimerState
from incidents.services import incident_file
from notifications.models import Notification, Status
from notifications.tests.receiver import ReceiverProcess

from . import data

BAR_P99_S = 1.5
STEP = 2  # the step measured: due 15 minutes after filing (step 1 is due at filing, so it fires in a burst)
STEP_DELAY = dt.timedelta(minutes=15)
FILING_ALLOWANCE_S = 0.05  # seconds of filing per incident allowed for before the first step falls due
RUNS = (  # name, incidents, seconds over which their steps fall due, seconds each delivery takes
    ("quiet", 50, 20.0, 0.0),
    ("slow receiver", 50, 20.0, 1.0),
    ("burst", 500, 10.0, 1.0),
)


def _reachable(url: str, default_port: int) -> bool:
    parts = urlparse(url)
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=1).close()
    except OSError:
        return False
    return True


def why_not() -> str | None:
    """Why this benchmark cannot run here, or None."""
    redis_url = os.environ.get("REDIS_URL", "")
    if connection.vendor != "postgresql":
        return "needs PostgreSQL (a worker cannot share an in-memory SQLite database)"
    if not redis_url or not _reachable(redis_url, 6379):
        return f"needs Redis (REDIS_URL={redis_url!r} is not set or not reachable)"
    return None


def _wait(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _summary(seconds: list[float]) -> dict:
    if not seconds:
        return {"count": 0}
    return {"count": len(seconds), "p50_s": round(_percentile(seconds, 0.5), 3),
            "p99_s": round(_percentile(seconds, 0.99), 3), "max_s": round(max(seconds), 3),
            "min_s": round(min(seconds), 3)}


def run(first_in: float = 4.0) -> dict:
    reason = why_not()
    if reason:
        return {"not_run": reason}
    from escalation_matrix.celery import app

    matrix = data.build_base(tier_count=5)
    data.add_areas(matrix, 20)
    app.control.purge()  # messages a previous run left in this Redis database
    with tempfile.TemporaryDirectory(prefix="bench-lateness-") as folder:
        receiver = ReceiverProcess(Path(folder)).start()
        env = production_env(settings.DATABASES["default"], Path(folder), EMAIL_HOST="127.0.0.1",
                             EMAIL_PORT=str(receiver.smtp_port))
        processes = BackgroundProcesses(Path(folder), env)
        results: dict = {"bar_p99_s": BAR_P99_S}
        try:
            processes.start_all()
            if not _wait(lambda: Heartbeat.objects.filter(kind="worker").count() >= 3, timeout=45):
                return {"not_run": "the processes did not start within 45 s", "logs": processes.logs()}
            for name, incidents, spread, delay in RUNS:
                receiver.set_delay(delay)
                results[name] = _measure(matrix, receiver, incidents=incidents, spread=spread, first_in=first_in)
                results[name]["delivery_s"] = delay
        finally:
            processes.stop_all()
            receiver.stop()
        if not all(results[name]["done"] for name, *_ in RUNS):
            results["logs"] = processes.logs()
    results["pass"] = all(results[name]["pass"] for name, *_ in RUNS)
    return results


def _measure(matrix, receiver, *, incidents: int, spread: float, first_in: float) -> dict:
    """File ``incidents`` whose step 2 falls due over ``spread`` seconds from ``first_in`` s on; wait for every
    step to fire and every message to reach the receiver."""
    before = set(Incident.objects.values_list("pk", flat=True))
    received_before = len(receiver.messages())
    now = timezone.now()
    first_in += FILING_ALLOWANCE_S * incidents  # every step is committed before the first falls due
    with transaction.atomic():  # one commit: the processes see them all at once, like an outage's backlog
        for n in range(incidents):
            due = now + dt.timedelta(seconds=first_in + spread * n / max(incidents - 1, 1))
            # Minor × low is the lowest tier (acknowledge 25 min): step 2 (15 min) is the only target due.
            incident_file(reporter=None, title=f"Lateness {n}", description="Nobody acknowledges this.",
                          product_area=matrix.areas[n % len(matrix.areas)].key, impact="minor", urgency="low",
                          now=due - STEP_DELAY)
    filed_in = (timezone.now() - now).total_seconds()
    mine = Incident.objects.exclude(pk__in=before)
    steps = Timer.objects.filter(kind=TimerKind.ESCALATION, step=STEP, incident__in=mine)
    last_due = now + dt.timedelta(seconds=first_in + spread)
    fired_all = _wait(lambda: not steps.filter(state=TimerState.ARMED).exists(), timeout=first_in + spread + 60)
    unsent = Notification.objects.exclude(status__in=[Status.SENT, Status.DEAD])
    sent_all = _wait(lambda: not unsent.exists(), timeout=300)
    fired = list(steps.filter(state=TimerState.FIRED))
    lateness = [(t.fired_at - t.due_at).total_seconds() for t in fired]
    arrivals = [message["at"] for message in receiver.messages()[received_before:]]
    summary = _summary(lateness)
    return {
        "incidents": incidents,
        "spread_s": spread,
        "filing_s": round(filed_in, 1),
        "committed_before_first_due": filed_in < first_in,
        "steps_due": steps.count(),
        "steps_fired": len(fired),
        "fired_minus_due": summary,
        "messages_received": len(arrivals),
        "messages_dead": Notification.objects.filter(status=Status.DEAD).count(),
        "drain_after_last_due_s": round(max(arrivals) - last_due.timestamp(), 1) if arrivals else None,
        "done": fired_all and sent_all,
        "pass": bool(fired_all and fired and summary["p99_s"] <= BAR_P99_S),
    }


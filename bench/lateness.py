"""Escalation lateness with a live worker: a real Celery worker and beat (subprocesses, on Redis, against the
bench database) fire the escalation steps of ~50 incidents that fall due over ~20 s; lateness is
``fired_at − due_at`` of each step (and, for what a person sees, the outbox row's ``created_at − due_at``).

Unlike the other benchmarks this one commits (the worker must see the rows), so it runs last; the
bench database is dropped at the end. Without PostgreSQL and Redis it is reported as not run.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

from django.conf import settings
from django.db import connection
from django.utils import timezone

from escalation_matrix.models import Heartbeat
from incidents.models import Timer, TimerKind, TimerState
from incidents.services import incident_file
from notifications.models import Notification

from . import data

BAR_P99_S = 1.5
STEP = 2  # the step measured: due 15 minutes after filing (step 1 is due at filing, so it fires in a burst)
STEP_DELAY = dt.timedelta(minutes=15)
ROOT = Path(__file__).resolve().parent.parent


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


class Processes:
    """A worker and beat, as ``conftest.celery_processes`` runs them, logging into a temporary folder."""

    def __init__(self, folder: Path) -> None:
        db = settings.DATABASES["default"]
        self.folder = folder
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "escalation_matrix.test_settings",
            "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:"
                            f"{db['PORT'] or 5432}/{db['NAME']}",
            "VAR_DIR": str(folder),
            "HEARTBEAT_SECONDS": "1",
        }
        celery = [sys.executable, "-m", "celery", "-A", "escalation_matrix"]
        self.commands = {
            "worker": [*celery, "worker", "--loglevel", "WARNING", "--concurrency", "2", "--pool", "threads",
                       "--without-gossip", "--without-mingle", "-n", f"bench-{os.getpid()}@%h"],
            "beat": [*celery, "beat", "--loglevel", "WARNING", "--schedule", str(folder / "beat-schedule")],
        }
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name: str) -> None:
        with open(self.folder / f"{name}.log", "ab") as log:  # the child has its own copy of the file
            self.running[name] = subprocess.Popen(self.commands[name], env=self.env, cwd=ROOT, stdout=log,
                                                  stderr=log)

    def stop_all(self) -> None:
        for proc in self.running.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.running.values():
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def log_tail(self, lines: int = 15) -> dict[str, str]:
        return {name: "\n".join((self.folder / f"{name}.log").read_text(errors="replace").splitlines()[-lines:])
                for name in self.running if (self.folder / f"{name}.log").exists()}


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


def run(incidents: int = 50, spread: float = 20.0, first_in: float = 4.0) -> dict:
    reason = why_not()
    if reason:
        return {"not_run": reason}
    from escalation_matrix.celery import app

    matrix = data.build_base(tier_count=5)
    data.add_areas(matrix, 20)
    app.control.purge()  # messages a previous run left in this Redis database
    with tempfile.TemporaryDirectory(prefix="bench-lateness-") as folder:
        processes = Processes(Path(folder))
        try:
            processes.start("worker")
            processes.start("beat")
            # Beat sends the worker heartbeat every second: once it is recorded, both are running.
            if not _wait(lambda: Heartbeat.objects.filter(name="worker").exists(), timeout=45):
                return {"not_run": "the worker and beat did not start within 45 s", "logs": processes.log_tail()}

            # Minor × low is the lowest tier (acknowledge 25 min): step 2 (15 min) is the only target due.
            now = timezone.now()
            for n in range(incidents):
                due = now + dt.timedelta(seconds=first_in + spread * n / max(incidents - 1, 1))
                incident_file(reporter=None, title=f"Lateness {n}", description="Nobody acknowledges this.",
                              product_area=matrix.areas[n % len(matrix.areas)].key, impact="minor", urgency="low",
                              now=due - STEP_DELAY)
            steps = Timer.objects.filter(kind=TimerKind.ESCALATION, step=STEP)
            done = _wait(lambda: not steps.filter(state=TimerState.ARMED).exists(), timeout=first_in + spread + 30)
        finally:
            processes.stop_all()
        logs = processes.log_tail() if not done else {}

    fired = list(steps.filter(state=TimerState.FIRED))
    lateness = [(t.fired_at - t.due_at).total_seconds() for t in fired]
    outbox = _outbox_lateness(fired)
    summary = _summary(lateness)
    return {
        "incidents": incidents,
        "steps_due": steps.count(),
        "steps_fired": len(fired),
        "steps_left_armed": steps.filter(state=TimerState.ARMED).count(),
        "spread_s": spread,
        "fired_minus_due": summary,
        "outbox_written_minus_due": _summary(outbox),
        "bar_p99_s": BAR_P99_S,
        "pass": bool(done and fired and summary["p99_s"] <= BAR_P99_S),
        "logs": logs,
    }


def _outbox_lateness(fired: list[Timer]) -> list[float]:
    """Seconds from each step's due time to its first outbox row (dedupe keys are ``timer:<id>:…``)."""
    due = {t.pk: t.due_at for t in fired}
    first: dict[int, dt.datetime] = {}
    for key, at in Notification.objects.filter(dedupe_key__startswith="timer:").values_list("dedupe_key", "created_at"):
        pk = int(key.split(":")[1])
        if pk in due and (pk not in first or at < first[pk]):
            first[pk] = at
    return [(at - due[pk]).total_seconds() for pk, at in first.items()]

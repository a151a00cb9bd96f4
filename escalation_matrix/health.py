"""What /healthz reports: the database, the broker, a live worker for each queue, beat alive and publishing,
and the two numbers an operator must watch — how long the oldest due timer and the oldest due
notification have been waiting.

A process is dead when its heartbeat (``liveness``) is older than ``HEARTBEAT_DEAD_SECONDS`` (10 s), so a
killed worker or beat shows within that plus one beat of the monitor's poll.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection
from django.db.models import Max, Min
from django.utils import timezone

from . import liveness

# Past these, the sweep or the deliveries are not keeping up (either bar is met in about a second).
TIMER_LAG_OK = dt.timedelta(seconds=30)
NOTIFICATION_LAG_OK = dt.timedelta(seconds=120)


def queues() -> list[str]:
    """Every queue some task is sent to: each needs a live worker (docs/operations.md)."""
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    return sorted(routed | {settings.CELERY_TASK_DEFAULT_QUEUE})


def _database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True}
    except Exception as exc:
        return {"ok": False, "error": str(exc)}


def _broker() -> dict:
    from .celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2, interval_start=0, interval_step=0)
        return {"ok": True}
    except Exception as exc:
        return {"ok": False, "error": str(exc)}


def _age(now: dt.datetime, at: dt.datetime | None) -> float | None:
    return None if at is None else round(max((now - at).total_seconds(), 0.0), 1)


def _workers(now: dt.datetime) -> dict:
    rows = list(liveness.live(kind="worker", now=now).values("queues", "beat_at"))
    per_queue = {}
    for queue in queues():
        serving = [row["beat_at"] for row in rows if queue in row["queues"].split(",")]
        newest = max(serving, default=None)
        per_queue[queue] = {"ok": bool(serving), "live": len(serving), "age_seconds": _age(now, newest)}
    report = {"ok": all(part["ok"] for part in per_queue.values()), "queues": per_queue}
    if not report["ok"]:
        idle = ", ".join(q for q, part in per_queue.items() if not part["ok"])
        report["error"] = f"no live worker consumes: {idle}"
    return report


def _beat(now: dt.datetime) -> dict:
    latest = liveness.live(kind="beat", now=now).aggregate(beat_at=Max("beat_at"), published_at=Max("published_at"))
    if latest["beat_at"] is None:
        return {"ok": False, "error": "no live beat"}
    published = latest["published_at"]
    publishing = published is not None and now - published <= liveness.dead_after()
    report = {"ok": publishing, "age_seconds": _age(now, latest["beat_at"]),
              "published_age_seconds": _age(now, published)}
    if not publishing:
        report["error"] = "beat is running but has not published a task lately (is the broker reachable?)"
    return report


def _timers(now: dt.datetime) -> dict:
    from incidents.models import Timer, TimerState

    oldest = Timer.objects.filter(state=TimerState.ARMED, due_at__lt=now).aggregate(at=Min("due_at"))["at"]
    age = _age(now, oldest) or 0.0
    return {"ok": age <= TIMER_LAG_OK.total_seconds(), "oldest_due_seconds": age}


def _notifications(now: dt.datetime) -> dict:
    from notifications.models import Notification, Status

    # Both through the outbox's partial indexes: pending rows by their due time, claims by their age.
    pending = Notification.objects.filter(status=Status.PENDING, next_attempt_at__lte=now)
    sending = Notification.objects.filter(status=Status.SENDING)
    oldest = [pending.aggregate(at=Min("next_attempt_at"))["at"], sending.aggregate(at=Min("claimed_at"))["at"]]
    age = max((_age(now, at) for at in oldest if at is not None), default=0.0)
    return {"ok": age <= NOTIFICATION_LAG_OK.total_seconds(), "oldest_unsent_seconds": age}


def health_report() -> dict:
    now = timezone.now()
    report = {"database": _database(), "broker": _broker()}
    if report["database"]["ok"]:
        report["worker"] = _workers(now)
        report["beat"] = _beat(now)
        report["timers"] = _timers(now)
        report["notifications"] = _notifications(now)
    report["ok"] = all(part["ok"] for part in report.values())
    return report

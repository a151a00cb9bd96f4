"""Liveness of the parts: database, broker, worker and beat (``GET /healthz`` and the heartbeat task)."""

import datetime as dt

from django.db import connection
from django.utils import timezone

from .models import Heartbeat

# A heartbeat older than this means the process is not running.
STALE_AFTER = dt.timedelta(seconds=60)


def heartbeat_record(*, name: str, at: dt.datetime | None = None) -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"beat_at": at or timezone.now()})


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


def _heartbeat(name: str, now: dt.datetime) -> dict:
    beat = Heartbeat.objects.filter(name=name).first()
    if beat is None:
        return {"ok": False, "last": None, "error": f"no {name} heartbeat yet"}
    age = now - beat.beat_at
    return {"ok": age <= STALE_AFTER, "last": beat.beat_at.isoformat(), "age_seconds": round(age.total_seconds(), 1)}


def health_report() -> dict:
    now = timezone.now()
    report = {"database": _database(), "broker": _broker()}
    if report["database"]["ok"]:
        report["worker"] = _heartbeat("worker", now)
        report["beat"] = _heartbeat("beat", now)
    report["ok"] = all(part["ok"] for part in report.values())
    return report

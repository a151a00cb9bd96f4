from celery import shared_task

from .health import heartbeat_record


@shared_task(ignore_result=True, expires=30)
def worker_heartbeat() -> None:
    """Proves a worker is consuming tasks (beat sends it every few seconds)."""
    heartbeat_record(name="worker")

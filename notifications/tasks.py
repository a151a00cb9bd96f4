"""The worker's doors into the outbox: thin, each calls one function of ``delivery``.

Deliveries go to the "notifications" queue and the sweep to "timers" (settings: ``CELERY_TASK_ROUTES``),
so a slow receiver never holds up the clock.
"""

from celery import shared_task

from .delivery import notification_deliver_many, notifications_sweep, send_threads


@shared_task(ignore_result=True)
def deliver_notifications(notification_ids: list[int]) -> dict[int, str]:
    """These, and whatever else is due up to a full batch (a burst drains on every slot)."""
    return notification_deliver_many(notification_ids=notification_ids, fill_to=send_threads())


# Beat sends it every few seconds; an old one waiting behind a busy queue is pointless, so it expires.
@shared_task(ignore_result=True, expires=3)
def sweep_notifications() -> dict[str, int]:
    return notifications_sweep()

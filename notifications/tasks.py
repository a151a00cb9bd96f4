"""The worker's doors into the outbox: thin, each calls one function of ``delivery``."""

from celery import shared_task

from .delivery import notification_deliver, notifications_sweep


@shared_task(ignore_result=True)
def deliver_notification(notification_id: int) -> str:
    return notification_deliver(notification_id=notification_id)


# Beat sends it every few seconds; an old one waiting behind a busy queue is pointless, so it expires.
@shared_task(ignore_result=True, expires=10)
def sweep_notifications() -> dict[str, int]:
    return notifications_sweep()

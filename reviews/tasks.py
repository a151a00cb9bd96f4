"""The worker's door into reviews: thin, calls one function."""

from celery import shared_task

from .reminders import reminders_send


# Beat sends it once a day; if a worker picks it up hours late it still sends that day's reminders once.
@shared_task(ignore_result=True, expires=6 * 3600)
def send_review_reminders() -> dict[str, int]:
    return reminders_send()

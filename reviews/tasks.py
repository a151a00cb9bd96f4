"""The worker's door into reviews: thin, calls one function."""

from celery import shared_task

from .drills.tasks import *  # noqa: F403  (Celery discovers tasks in reviews.tasks only)
from .matrix_reviews.tasks import *  # noqa: F403
from .reminders import reminders_send
from .training.tasks import *  # noqa: F403


# Beat sends it once a day; if a worker picks it up hours late it still sends that day's reminders once.
@shared_task(ignore_result=True, expires=6 * 3600)
def send_review_reminders() -> dict[str, int]:
    return reminders_send()

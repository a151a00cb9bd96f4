"""The worker's door into this part: thin tasks that call one function each."""

from celery import shared_task

from .services import drills_start_due

__all__ = ["start_due_drills"]


# Beat sends it every minute; a late one is worthless (the next comes soon), so it expires.
@shared_task(name="reviews.start_due_drills", ignore_result=True, expires=60)
def start_due_drills() -> dict[str, int]:
    return drills_start_due()

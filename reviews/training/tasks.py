"""The worker's door into this part: thin tasks that call one function each."""

from celery import shared_task

from .reminders import training_reminders_send

__all__ = ["send_training_reminders"]


# Beat sends it once a day; if a worker picks it up hours late it still sends that day's reminders once.
@shared_task(name="reviews.send_training_reminders", ignore_result=True, expires=6 * 3600)
def send_training_reminders() -> dict[str, int]:
    return training_reminders_send()

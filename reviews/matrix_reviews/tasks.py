"""The worker's door into this part: thin tasks that call one function each."""

from celery import shared_task

from .reminders import matrix_review_daily

__all__ = ["send_matrix_review_reminders"]


# Beat sends it once a day (settings.CELERY_BEAT_SCHEDULE); run late or twice, it still tells each person once.
@shared_task(name="reviews.send_matrix_review_reminders", ignore_result=True, expires=6 * 3600)
def send_matrix_review_reminders() -> dict[str, int]:
    return matrix_review_daily()

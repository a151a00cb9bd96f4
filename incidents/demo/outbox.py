"""The demo's history in the outbox: delivered long ago, never delivered again.

The runner marks each notification of the story sent at its simulated moment, in the load's own
transaction. Two things remain for the commit:

- The outbox queues a delivery prompt per row for after the commit (``notification_enqueue``). For
  the demo's ~1,200 rows a worker would only find each one sent and skip it, so the load drops those
  prompts, and only those (``notifications.history.delivery_prompts_dropped``, shared with the matrix's
  demo, which may not import this app).
- Those reactions may tell people about a demo incident (a review's lead is assigned). That is
  history too, marked sent the same way, by a callback queued after theirs.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from notifications.history import delivery_prompts_dropped
from notifications.models import Notification
from notifications.models import Status as Delivery

__all__ = ["delivery_prompts_dropped", "history_told_after_commit"]


def history_told_after_commit(*, watermark: int, incident_ids: list[int]) -> None:
    """Queue, last, the marking of what the commit's other reactions told about these incidents."""

    def mark_sent() -> None:
        Notification.objects.filter(
            pk__gt=watermark, status=Delivery.PENDING, payload__incident__in=incident_ids
        ).update(status=Delivery.SENT, attempts=1, sent_at=F("created_at"))

    transaction.on_commit(mark_sent, robust=True)

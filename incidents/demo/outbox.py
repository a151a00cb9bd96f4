"""The demo's history in the outbox: delivered long ago, never delivered again.

The runner marks each notification of the story sent at its simulated moment, in the load's own
transaction. Two things remain for the commit:

- The outbox queues a delivery prompt per row for after the commit (``notification_enqueue``). For
  the demo's ~1,200 rows a worker would only find each one sent and skip it — but with the
  filesystem broker of ``make run`` that is half a minute of "skipped" lines scrolling past on the
  console the new user watches, ahead of the open incidents' real notifications. So the load drops
  those prompts, and only those: any other after-commit reaction (the reviews app's, on resolve)
  runs as usual.
- Those reactions may tell people about a demo incident (a review's lead is assigned). That is
  history too, marked sent the same way, by a callback queued after theirs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from django.db.models import F

from notifications import services as outbox
from notifications.models import Notification
from notifications.models import Status as Delivery


def _is_delivery_prompt(callback) -> bool:
    # The outbox's prompts are the after-commit callbacks its own module queues. Anything else (or a
    # prompt in a shape this does not recognise) is kept: at worst the worker skips a row it finds sent.
    return getattr(callback, "__module__", None) == outbox.__name__


@contextmanager
def delivery_prompts_dropped() -> Iterator[None]:
    """Inside an atomic block: the outbox's delivery prompts queued in the block are not sent at commit.

    Django keeps the block's after-commit callbacks in ``connection.run_on_commit`` as
    (savepoint ids, callback, robust) — the list its own ``captureOnCommitCallbacks`` reads.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("delivery_prompts_dropped() needs a transaction: outside one, prompts go at once.")
    before = len(connection.run_on_commit)
    yield
    connection.run_on_commit[before:] = [
        entry for entry in connection.run_on_commit[before:] if not _is_delivery_prompt(entry[1])
    ]


def history_told_after_commit(*, watermark: int, incident_ids: list[int]) -> None:
    """Queue, last, the marking of what the commit's other reactions told about these incidents."""

    def mark_sent() -> None:
        Notification.objects.filter(
            pk__gt=watermark, status=Delivery.PENDING, payload__incident__in=incident_ids
        ).update(status=Delivery.SENT, attempts=1, sent_at=F("created_at"))

    transaction.on_commit(mark_sent, robust=True)

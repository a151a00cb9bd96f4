"""Notifications that are history: written for something that happened in the past, delivered back then.

Demo data is played through the real services, which write to the outbox as they always do. What they
write tells of the past, so it must read as delivered at the time and never go out now. Two helpers, for
any app's demo (the matrix's past, the incidents' 90 days, the reviews):

- ``delivery_prompts_dropped()``: the outbox queues a delivery prompt per row for after the commit
  (``notification_enqueue``). A worker would only find each row sent and skip it — but with the
  filesystem broker of ``make run`` that is a long run of "skipped" lines on the console the new user
  watches. So the demo drops those prompts, and only those: any other after-commit reaction runs as usual.
- ``notifications_mark_sent()``: rows written at a moment of the story, delivered a moment later.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from django.db.models import QuerySet

from . import services as outbox
from .models import Notification
from .models import Status as Delivery

# A message reaches its receiver a moment after its cause (what the outbox shows as "sent").
DELIVERY_DELAY = dt.timedelta(seconds=3)


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


def notifications_mark_sent(*, notifications: QuerySet[Notification], at: dt.datetime) -> int:
    """The pending ones of ``notifications`` were written at ``at`` and delivered just after; how many.

    A ``QuerySet.update()``: the caller chooses the rows (by payload, by a watermark) in one query."""
    return notifications.filter(status=Delivery.PENDING).update(
        status=Delivery.SENT, attempts=1, created_at=at, next_attempt_at=at, sent_at=at + DELIVERY_DELAY,
    )

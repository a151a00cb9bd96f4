"""Handing notifications to a worker through the broker, without ever failing the caller."""

from __future__ import annotations

import logging
from collections.abc import Iterable

logger = logging.getLogger(__name__)

# One quick retry for a blip; a broker that is down must not hold up the request that filed an
# incident (the sweep sends what could not be handed over).
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# Ids per delivery task: a task sends its batch at once (``delivery.notification_deliver_many``), so a
# burst spreads over the sender worker's pool slots in batches this size.
BATCH = 20


def notifications_dispatch(notification_ids: Iterable[int], *, countdown: float | None = None) -> int:
    """Queue delivery tasks for the ids (after ``countdown`` seconds); returns how many ids were queued.

    A broker error is logged, not raised. The message only prompts a worker: the row is the truth, and
    the sweep re-dispatches any row whose message was lost.
    """
    from .tasks import deliver_notifications  # tasks → delivery → dispatch: a top-level import would be circular

    ids = list(notification_ids)
    for start in range(0, len(ids), BATCH):
        try:
            deliver_notifications.apply_async(
                (ids[start:start + BATCH],), countdown=countdown, retry=True, retry_policy=PUBLISH_RETRY_POLICY
            )
        except Exception as exc:
            # The rows stay pending and the sweep re-dispatches them once the broker is back.
            logger.warning(
                "Broker unavailable (%s): %d notification(s) left pending for the sweep (ids %s)",
                exc, len(ids) - start, ids[start:],
            )
            return start
    return len(ids)

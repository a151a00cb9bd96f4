"""Delivering the outbox: claim a row, send it, record the outcome; and the sweep that misses nothing.

Like a timer, a notification's truth is its row. A worker claims it with a conditional update
(pending → sending, "did exactly one row change?"), so two workers, or a redelivered message, never
send it twice. A failure puts it back to pending with an exponential back-off until the last attempt
dead-letters it. The sweep re-dispatches rows whose message was lost and frees claims left by a
worker that died mid-send.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .channels import DeliveryError, channel_send
from .dispatch import notifications_dispatch
from .models import Notification, Status

logger = logging.getLogger(__name__)

# Wait before attempt n+1 after n failed attempts (the last one repeats if the maximum is raised).
BACKOFF = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
    timedelta(hours=2),
)
# A pending row this far past its due time lost its broker message (a worker picks a live one up in
# milliseconds); the sweep re-dispatches it, then leaves it alone for as long again.
LOST_AFTER = timedelta(seconds=30)
# No send takes this long (HTTP and SMTP time out in seconds): the worker holding the claim died.
STALE_CLAIM_AFTER = timedelta(minutes=5)
SWEEP_LIMIT = 500
DIED_ON_LAST_ATTEMPT = "The worker stopped during the last attempt: it may or may not have been sent."

SENT, RETRY, DEAD, SKIPPED = "sent", "retry", "dead", "skipped"


def max_attempts() -> int:
    return int(getattr(settings, "NOTIFICATION_MAX_ATTEMPTS", 6))


def backoff(failed_attempts: int) -> timedelta:
    return BACKOFF[min(max(failed_attempts, 1), len(BACKOFF)) - 1]


def notification_deliver(*, notification_id: int, now: datetime | None = None) -> str:
    """Send one notification if it is pending: "sent", "retry" (failed, back off), "dead" or "skipped".

    Runs outside any transaction on purpose: the claim commits at once, and no row lock is held
    while a slow receiver answers.
    """
    started = now or timezone.now()
    claimed = Notification.objects.filter(pk=notification_id, status=Status.PENDING).update(
        status=Status.SENDING, claimed_at=started, attempts=F("attempts") + 1
    )
    if claimed != 1:
        return SKIPPED  # sent, being sent by another worker, dead, or gone
    notification = Notification.objects.get(pk=notification_id)
    try:
        channel_send(notification)
    except Exception as exc:
        if not isinstance(exc, DeliveryError):
            logger.exception("Notification %s: unexpected error while sending", notification_id)
        return _record_failure(notification, error=str(exc) or exc.__class__.__name__, now=started)
    Notification.objects.filter(pk=notification_id, status=Status.SENDING).update(
        status=Status.SENT, sent_at=now or timezone.now(), claimed_at=None, last_error=""
    )
    logger.info("Notification %s sent by %s: %s", notification_id, notification.channel, notification.subject)
    return SENT


def notifications_sweep(*, now: datetime | None = None, limit: int = SWEEP_LIMIT) -> dict[str, int]:
    """Free stale claims and re-dispatch pending rows whose message was lost. Returns counts."""
    now = now or timezone.now()
    with transaction.atomic():
        stale = Notification.objects.filter(status=Status.SENDING, claimed_at__lt=now - STALE_CLAIM_AFTER)
        dead = stale.filter(attempts__gte=max_attempts()).update(
            status=Status.DEAD, claimed_at=None, last_error=DIED_ON_LAST_ATTEMPT
        )
        freed = stale.update(status=Status.PENDING, claimed_at=None, next_attempt_at=now - LOST_AFTER)
        # SKIP LOCKED: a second sweep running at the same time takes other rows, not these.
        lost = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(status=Status.PENDING, next_attempt_at__lte=now - LOST_AFTER)
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
        # Their due time moves to now: re-dispatched again only if this message is lost too.
        Notification.objects.filter(pk__in=lost).update(next_attempt_at=now)
    if dead or freed:
        logger.warning("Notification sweep: %d stale claim(s) freed, %d dead-lettered", freed, dead)
    dispatched = notifications_dispatch(lost)
    return {"freed": freed, "dead": dead, "lost": len(lost), "dispatched": dispatched}


def _record_failure(notification: Notification, *, error: str, now: datetime) -> str:
    error = error[:2000]
    still_ours = Notification.objects.filter(pk=notification.pk, status=Status.SENDING)
    if notification.attempts >= max_attempts():
        still_ours.update(status=Status.DEAD, claimed_at=None, last_error=error)
        logger.error("Notification %s is dead after %d attempts: %s", notification.pk, notification.attempts, error)
        return DEAD
    wait = backoff(notification.attempts)
    still_ours.update(status=Status.PENDING, claimed_at=None, last_error=error, next_attempt_at=now + wait)
    logger.warning("Notification %s failed (attempt %d), retrying in %s: %s",
                   notification.pk, notification.attempts, wait, error)
    notifications_dispatch([notification.pk], countdown=wait.total_seconds())
    return RETRY

"""Delivering the outbox: claim rows, send them, record each outcome; and the sweep that misses nothing.

Like a timer, a notification's truth is its row. A worker claims it (pending → sending, under ``SKIP
LOCKED``, naming the claiming process), so two workers, or a redelivered message, never send it twice.
A delivery task sends its rows at once on a few connections (a burst to a slow receiver drains in
seconds) and records each outcome as soon as the receiver answers; a failure puts the row back to
pending with an exponential back-off until the last attempt dead-letters it. A permanent failure (the
outbound policy refused the receiver's address) dead-letters it at once.

The sweep re-dispatches rows whose broker message was lost, and takes back claims whose process died:
a worker that stops beating (``escalation_matrix.liveness``) for ``HEARTBEAT_DEAD_SECONDS`` is dead, so
its claims are sent again within seconds. That is the one window for a repeat (docs/operations.md):
a process killed after the receiver took a message and before the row says so. The repeat carries the
same identity (``channels.delivery_id``) so a receiver can drop it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import datetime, timedelta
from typing import TypeVar

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from escalation_matrix import liveness

from .channels import DeliveryError, channel_send
from .dispatch import notifications_dispatch
from .models import Notification, Status

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Wait before attempt n+1 after n failed attempts (the last one repeats if the maximum is raised).
BACKOFF = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
    timedelta(hours=2),
)
# A pending row this far past its due time lost its broker message (a worker picks a live one up in
# milliseconds, or the worker that had prefetched it died); the sweep re-dispatches it, then leaves it
# alone for as long again.
LOST_AFTER = timedelta(seconds=15)
# The last resort for a claim whose process still beats: no send takes this long (every channel times out
# in seconds), so the process is stuck. A dead process's claims are taken back far sooner (see above).
STALE_CLAIM_AFTER = timedelta(minutes=5)
SWEEP_LIMIT = 500
DIED_ON_LAST_ATTEMPT = "The worker stopped during the last attempt: it may or may not have been sent."
# Recording an outcome outlives a database blip (a dropped connection, a failover): the message was sent,
# and a row left "sending" would be sent again once this process stops.
RECORD_RETRY_WAITS = (0.1, 0.5, 1, 2, 4, 8)

SENT, RETRY, DEAD, SKIPPED = "sent", "retry", "dead", "skipped"


def max_attempts() -> int:
    return int(getattr(settings, "NOTIFICATION_MAX_ATTEMPTS", 6))


def backoff(failed_attempts: int) -> timedelta:
    return BACKOFF[min(max(failed_attempts, 1), len(BACKOFF)) - 1]


def send_threads() -> int:
    return int(getattr(settings, "NOTIFICATION_SEND_THREADS", 20))


def notification_deliver(*, notification_id: int, now: datetime | None = None) -> str:
    """Send one notification if it is pending: "sent", "retry" (failed, back off), "dead" or "skipped"."""
    return notification_deliver_many(notification_ids=[notification_id], now=now)[notification_id]


def notification_deliver_many(*, notification_ids: Iterable[int], fill_to: int = 0,
                               now: datetime | None = None) -> dict[int, str]:
    """Send those of ``notification_ids`` that are pending — and, up to ``fill_to`` in all, the longest-waiting
    other due ones — at once on up to ``NOTIFICATION_SEND_THREADS`` connections; the outcome of each id
    ("skipped" for one sent, being sent, dead or gone).

    Filling up is what drains a burst: each cause prompts a task with its own one or two ids, and every
    task takes a full batch, so the sender's slots keep ``slots × fill_to`` messages in flight.
    Runs outside any transaction on purpose: the claim commits at once, and no row lock is held while a
    slow receiver answers. Only this thread touches the database; the sending threads only send.
    """
    ids = list(dict.fromkeys(notification_ids))
    started = now or timezone.now()
    outcomes = dict.fromkeys(ids, SKIPPED)
    claimed, me = _claim(ids, started, fill_to=fill_to)
    if len(claimed) == 1:
        outcomes[claimed[0].pk] = _finish(claimed[0], _send(claimed[0]), me=me, started=started, now=now)
    elif claimed:
        with ThreadPoolExecutor(max_workers=min(len(claimed), send_threads()), thread_name_prefix="send") as pool:
            sending = {pool.submit(_send, notification): notification for notification in claimed}
            for done in as_completed(sending):  # recorded as each receiver answers, not when the slowest does
                notification = sending[done]
                outcomes[notification.pk] = _finish(notification, done.result(), me=me, started=started, now=now)
    return outcomes


def notifications_sweep(*, now: datetime | None = None, limit: int = SWEEP_LIMIT) -> dict[str, int]:
    """Take back claims of dead processes and re-dispatch pending rows whose message was lost. Returns counts."""
    now = now or timezone.now()
    claimer_alive = Exists(liveness.live(now=now).filter(name=OuterRef("claimed_by")))
    with transaction.atomic():
        abandoned = Notification.objects.filter(status=Status.SENDING).filter(
            (Q(claimed_at__lt=now - liveness.dead_after()) & ~claimer_alive) | Q(claimed_at__lt=now - STALE_CLAIM_AFTER)
        )
        dead = abandoned.filter(attempts__gte=max_attempts()).update(
            status=Status.DEAD, claimed_at=None, claimed_by="", last_error=DIED_ON_LAST_ATTEMPT
        )
        freed = abandoned.update(
            status=Status.PENDING, claimed_at=None, claimed_by="", next_attempt_at=now - LOST_AFTER
        )
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
        logger.warning("Notification sweep: %d claim(s) of stopped workers taken back, %d dead-lettered", freed, dead)
    dispatched = notifications_dispatch(lost)
    return {"freed": freed, "dead": dead, "lost": len(lost), "dispatched": dispatched}


def _claim(ids: list[int], started: datetime, *, fill_to: int) -> tuple[list[Notification], str]:
    """Claim and read the rows in one transaction: a connection lost half-way leaves them pending for the
    next try, never claimed by a task that cannot send them. Tried again on a fresh connection."""
    me = _on_fresh_connection(liveness.heartbeat_ensure, what="the heartbeat", waits=RECORD_RETRY_WAITS[:3])
    # Beating before it claims: a claim is never mistaken for a dead process's.
    rows = _on_fresh_connection(lambda: _claim_once(ids, started, fill_to=fill_to, me=me),
                                what=f"claiming {ids}", waits=RECORD_RETRY_WAITS[:3])
    return rows, me


def _claim_once(ids: list[int], started: datetime, *, fill_to: int, me: str) -> list[Notification]:
    pending = Notification.objects.select_for_update(skip_locked=True).filter(status=Status.PENDING)
    with transaction.atomic():
        rows = list(pending.filter(pk__in=ids))
        if len(rows) < fill_to:  # through the partial index of pending rows by due time
            rows += pending.filter(next_attempt_at__lte=started).exclude(pk__in=[r.pk for r in rows]).order_by(
                "next_attempt_at")[:fill_to - len(rows)]
        Notification.objects.filter(pk__in=[r.pk for r in rows]).update(
            status=Status.SENDING, claimed_at=started, claimed_by=me, attempts=F("attempts") + 1
        )
    for row in rows:  # as the update left them
        row.status, row.claimed_at, row.claimed_by, row.attempts = Status.SENDING, started, me, row.attempts + 1
    return rows


def _send(notification: Notification) -> DeliveryError | None:
    """Send it; why it failed, or None."""
    try:
        channel_send(notification)
    except DeliveryError as exc:
        return exc
    except Exception as exc:
        logger.exception("Notification %s: unexpected error while sending", notification.pk)
        return DeliveryError(str(exc) or exc.__class__.__name__)
    return None


def _finish(notification: Notification, error: DeliveryError | None, *, me: str, started: datetime,
            now: datetime | None) -> str:
    if error is not None:
        return _record_failure(notification, error=str(error) or error.__class__.__name__,
                               permanent=error.permanent, me=me, now=started)
    # Still ours, or taken back by a sweep that thought us dead but not yet claimed again: either way it
    # was sent, and saying so now spares the receiver a repeat.
    unsent = Q(status=Status.SENDING, claimed_by=me) | Q(status=Status.PENDING)
    _record(notification.pk, unsent, status=Status.SENT, sent_at=now or timezone.now(), claimed_at=None,
            claimed_by="", last_error="")
    logger.info("Notification %s sent by %s: %s", notification.pk, notification.channel, notification.subject)
    return SENT


def _record_failure(notification: Notification, *, error: str, permanent: bool = False, me: str,
                    now: datetime) -> str:
    error = error[:2000]
    still_ours = Q(status=Status.SENDING, claimed_by=me)
    if permanent or notification.attempts >= max_attempts():
        _record(notification.pk, still_ours, status=Status.DEAD, claimed_at=None, claimed_by="", last_error=error)
        logger.error("Notification %s is dead after %d attempt(s)%s: %s", notification.pk, notification.attempts,
                     " (a permanent failure)" if permanent else "", error)
        return DEAD
    wait = backoff(notification.attempts)
    _record(notification.pk, still_ours, status=Status.PENDING, claimed_at=None, claimed_by="", last_error=error,
            next_attempt_at=now + wait)
    logger.warning("Notification %s failed (attempt %d), retrying in %s: %s",
                   notification.pk, notification.attempts, wait, error)
    notifications_dispatch([notification.pk], countdown=wait.total_seconds())
    return RETRY


def _record(pk: int, condition: Q, **fields) -> bool:
    """Write an outcome, through a dropped connection if need be; whether the row was still ours."""
    return _on_fresh_connection(lambda: Notification.objects.filter(condition, pk=pk).update(**fields) == 1,
                                what=f"recording notification {pk}", waits=RECORD_RETRY_WAITS)


def _on_fresh_connection(action: Callable[[], T], *, what: str, waits: tuple[float, ...]) -> T:
    """``action()``, tried again on a fresh connection after each wait when the database dropped ours."""
    for wait in (*waits, None):
        try:
            return action()
        except (OperationalError, InterfaceError):
            if wait is None or connection.in_atomic_block:
                raise
            logger.warning("The database connection was lost while %s; retrying in %s s", what, wait)
            connection.close()  # the next query opens a new one
            time.sleep(wait)
    raise AssertionError("unreachable: the last wait re-raises")

"""Writing to the outbox, and putting dead letters back in line.

``notification_enqueue`` is the one way the rest of the project sends anything (``notification_enqueue_many``
when a cause tells many at once): it writes the row in the caller's transaction and hands it to a worker
only after that transaction commits, so a rolled-back cause never notifies and a committed one always
does (the sweep covers a broker that was down).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.db import connections, router, transaction
from django.db.models import Q
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery
from django.utils import timezone

from .dispatch import notifications_dispatch
from .models import Channel, Notification, Status

DRILL_PREFIX = "DRILL: "
WEBHOOK_CHANNELS = (Channel.SLACK, Channel.TEAMS, Channel.WEBHOOK)


def notification_enqueue(
    *,
    channel: str,
    target: str,
    subject: str,
    body: str,
    dedupe_key: str,
    payload: dict | None = None,
    user=None,
    secret: str = "",
    is_drill: bool = False,
) -> Notification | None:
    """Write one notification to the outbox; ``None`` when ``dedupe_key`` was already used.

    Runs in the caller's transaction and never breaks it: a duplicate is skipped by the database
    (``ON CONFLICT DO NOTHING``), not by a failed insert. Delivery is scheduled for after the commit.
    Bad arguments are a programming error of the caller: ``ValueError``.
    """
    notification = notification_prepare(
        channel=channel, target=target, subject=subject, body=body, dedupe_key=dedupe_key, payload=payload,
        user=user, secret=secret, is_drill=is_drill,
    )
    if not _insert_unless_duplicate(notification):
        return None
    transaction.on_commit(lambda: notifications_dispatch([notification.pk]), robust=True)
    return notification


def notification_enqueue_many(items: Iterable[Mapping[str, Any] | Notification]) -> list[Notification | None]:
    """``notification_enqueue`` for many messages in ONE ``INSERT … ON CONFLICT DO NOTHING``.

    ``items`` are ``notification_enqueue``'s keyword arguments, one mapping per message (or what
    ``notification_prepare`` made of them). Returns, in their order, each written notification or
    ``None`` for a duplicate (its dedupe key used before, or earlier in ``items``). The same semantics:
    the caller's transaction, never broken by a duplicate, one dispatch after the commit. Any bad item
    raises ``ValueError`` before anything is written.
    """
    prepared = [item if isinstance(item, Notification) else notification_prepare(**item) for item in items]
    first: dict[str, Notification] = {}
    for notification in prepared:
        first.setdefault(notification.dedupe_key, notification)
    written = _insert_many_unless_duplicate(list(first.values()))
    result = [n if first[n.dedupe_key] is n and n.dedupe_key in written else None for n in prepared]
    ids = [n.pk for n in result if n is not None]
    if ids:
        transaction.on_commit(lambda: notifications_dispatch(ids), robust=True)
    return result


def notification_prepare(
    *,
    channel: str,
    target: str,
    subject: str,
    body: str,
    dedupe_key: str,
    payload: dict | None = None,
    user=None,
    secret: str = "",
    is_drill: bool = False,
) -> Notification:
    """The notification ``notification_enqueue`` would write, checked and unsaved (``ValueError`` when
    an argument is bad): lets a caller collecting many messages skip a bad one before writing them."""
    if channel == Channel.EMAIL and not target and user is not None:
        target = user.email
    _check(channel=channel, target=target, dedupe_key=dedupe_key)
    payload = dict(payload or {})
    # Newlines in a subject are refused by email (header injection) and look broken in chat.
    subject = " ".join(subject.split())
    if is_drill:
        # A drill must never be mistaken for the real thing, whoever reads it and wherever.
        subject, body = _drill(subject), _drill(body)
        payload["drill"] = True
    return Notification(
        channel=channel, target=target, user=user, subject=subject[:255], body=body, payload=payload,
        secret=secret, dedupe_key=dedupe_key, is_drill=is_drill,
    )


def notification_retry(*, notification_ids: Iterable[int], now: datetime | None = None) -> list[int]:
    """Put dead letters, and failed ones waiting for their next attempt, back in line now.

    Attempts are kept (they tell the story); a retried dead letter gets one more attempt before it
    is dead again. Returns the ids retried; rows that are sent or being sent are left alone.
    """
    now = now or timezone.now()
    retryable = Q(status=Status.DEAD) | Q(status=Status.PENDING, attempts__gt=0)
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update()
            .filter(retryable, pk__in=list(notification_ids))
            .values_list("pk", flat=True)
        )
        Notification.objects.filter(pk__in=ids).update(status=Status.PENDING, next_attempt_at=now, claimed_at=None)
        transaction.on_commit(lambda: notifications_dispatch(ids), robust=True)
    return ids


def _drill(text: str) -> str:
    return text if text.startswith(DRILL_PREFIX) else DRILL_PREFIX + text


def _check(*, channel: str, target: str, dedupe_key: str) -> None:
    if channel not in Channel.values:
        raise ValueError(f"Unknown notification channel {channel!r}; use one of {', '.join(Channel.values)}.")
    if not target:
        raise ValueError(f"A {channel} notification needs a target.")
    if channel == Channel.EMAIL and not re.fullmatch(r"[^@\s]+@[^@\s]+", target):
        raise ValueError(f"{target!r} is not an email address.")
    url = urlsplit(target)
    if channel in WEBHOOK_CHANNELS and (url.scheme not in ("http", "https") or not url.netloc):
        # Only http(s): urllib would happily open file:// and other schemes.
        raise ValueError(f"{target!r} is not an http(s) URL.")
    if not dedupe_key or len(dedupe_key) > Notification._meta.get_field("dedupe_key").max_length:
        raise ValueError("A notification needs a dedupe key of at most 255 characters.")


def _insert_unless_duplicate(notification: Notification) -> bool:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id: one query, no savepoint, no error to recover from.

    ``bulk_create(ignore_conflicts=True)`` does the same but cannot tell whether the row was new. On
    PostgreSQL a concurrent insert of the same key waits for the other transaction, then skips (or
    inserts, if that one rolled back). SQLite spells it ``INSERT OR IGNORE … RETURNING``.
    """
    return bool(_insert_many_unless_duplicate([notification]))


def _insert_many_unless_duplicate(notifications: list[Notification]) -> set[str]:
    """One INSERT of rows with distinct dedupe keys, skipping those already taken; the keys written
    (each written notification gets its id). Rows come back keyed by dedupe key, not by position: the
    database returns only the rows it inserted."""
    if not notifications:
        return set()
    using = router.db_for_write(Notification)
    connection = connections[using]
    opts = Notification._meta
    query = InsertQuery(Notification, on_conflict=OnConflict.IGNORE)
    query.insert_values([f for f in opts.concrete_fields if not f.primary_key], notifications)
    compiler = query.get_compiler(using=using)
    compiler.returning_fields = [opts.pk, opts.get_field("dedupe_key")]
    [(sql, params)] = compiler.as_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = {key: pk for pk, key in cursor.fetchall()}
    for notification in notifications:
        if notification.dedupe_key in ids:
            notification.pk = ids[notification.dedupe_key]
            notification._state.adding = False
            notification._state.db = using
    return set(ids)

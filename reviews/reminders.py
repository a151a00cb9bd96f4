"""Reminders, sent by a daily beat task (``reviews.tasks.send_review_reminders``), and ``reminder_kind``, the
one rule of which reminder is due on a day that every reminder of reviews follows (post-incident reviews,
action items, matrix reviews, training).

Reviews remind their lead: once in the two days before the due day (sent on the first run in that
window, so a missed run is caught up the next day), on the due day, and every day once overdue, until
published. Action items remind their owner on the due day and every day once overdue, until done or
won't do. Each reminder's dedupe key names its due day and kind (``notify.reminder_key``; an overdue one
today too), so running the task twice on one day tells nobody twice. Days are counted in the project's
time zone (``TIME_ZONE``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.utils import timezone

from . import notify
from .models import ACTIVE_STATUSES, ActionItem, PostIncidentReview

SOON_DAYS = 2  # the first reminder: this many days before the due day


def reminder_kind(due_on: dt.date, today: dt.date, *, soon_days: int) -> str | None:
    """``soon`` anywhere in the ``soon_days`` before the due day — a window, not one day, so a day the task
    did not run is caught up the next; sending it once per due day is the dedupe key's job (or the
    caller's) —, ``due`` on the due day, ``overdue`` after it, None before the window."""
    days_left = (due_on - today).days
    if days_left < 0:
        return "overdue"
    if days_left == 0:
        return "due"
    return "soon" if days_left <= soon_days else None


def reminders_send(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Send today's reminders; returns how many of each kind were written to the outbox."""
    today = timezone.localdate(now or timezone.now())
    sent: Counter[str] = Counter()
    reviews = (
        PostIncidentReview.objects.filter(
            published_at__isnull=True, lead__isnull=False, due_on__lte=today + dt.timedelta(days=SOON_DAYS)
        )
        .select_related("lead", "incident__tier")
        .order_by("due_on", "pk")
    )
    for review in reviews:
        kind = reminder_kind(review.due_on, today, soon_days=SOON_DAYS)
        if kind and notify.notify_review_reminder(review, kind=kind, today=today):
            sent[f"review_{kind}"] += 1
    items = (
        ActionItem.objects.filter(status__in=ACTIVE_STATUSES, due_on__lte=today)
        .select_related("owner", "review__incident__tier")
        .order_by("due_on", "pk")
    )
    for item in items:
        kind = reminder_kind(item.due_on, today, soon_days=0)  # no early reminder: due or overdue
        if kind and notify.notify_action_item_reminder(item, kind=kind, today=today):
            sent[f"action_item_{kind}"] += 1
    return dict(sent)

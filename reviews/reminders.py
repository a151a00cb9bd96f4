"""Reminders, sent by a daily beat task (``reviews.tasks.send_review_reminders``).

Reviews remind their lead: once in the two days before the due day (sent on the first run in that
window, so a missed run is caught up the next day), on the due day, and every day once overdue, until
published. Action items remind their owner on the due day and every day once overdue, until done or
won't do. Each reminder's dedupe key names its day (or its kind), so running the task twice on one day
tells nobody twice. Days are counted in the project's time zone (``TIME_ZONE``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.utils import timezone

from . import notify
from .models import ACTIVE_STATUSES, ActionItem, PostIncidentReview

SOON_DAYS = 2  # the first reminder: this many days before the due day


def review_reminder_kind(due_on: dt.date, today: dt.date) -> str | None:
    days_left = (due_on - today).days
    if days_left > SOON_DAYS:
        return None
    if days_left > 0:
        return "soon"
    return "due" if days_left == 0 else "overdue"


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
        kind = review_reminder_kind(review.due_on, today)
        if kind and notify.notify_review_reminder(review, kind=kind, today=today):
            sent[f"review_{kind}"] += 1
    items = (
        ActionItem.objects.filter(status__in=ACTIVE_STATUSES, due_on__lte=today)
        .select_related("owner", "review__incident__tier")
        .order_by("due_on", "pk")
    )
    for item in items:
        kind = "due" if item.due_on == today else "overdue"
        if notify.notify_action_item_reminder(item, kind=kind, today=today):
            sent[f"action_item_{kind}"] += 1
    return dict(sent)

"""Training reminders, sent by a daily beat task (``reviews.send_training_reminders``).

An assignment never completed is reminded once in the 7 days before its due day (on the first run in that
window, so a day the task did not run is caught up the next), on the due day, and every day once overdue,
until completed. A completed one whose module has a refresher is reminded the same way about its refresher
day. Each person gets at most one message a day, listing all of theirs (its dedupe key names the day); so
that the early reminder goes once, the assignment keeps the day it was sent for (``reminded_soon_for``).
Days are counted in the project's time zone (``TIME_ZONE``). Retired modules and inactive people are never
reminded.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..models import TrainingAssignment
from ..reminders import reminder_kind as base_kind
from . import notify

SOON_DAYS = 7


def reminder_kind(assignment: TrainingAssignment, today: dt.date) -> str | None:
    """soon, due or overdue (prefixed ``refresher_`` for a refresher), or None: nothing to say today."""
    due = assignment.effective_due_on()
    if due is None:
        return None
    kind = base_kind(due, today, soon_days=SOON_DAYS)
    if kind == "soon" and assignment.reminded_soon_for == due:
        return None  # sent on an earlier day of the window
    if kind and assignment.completed_at is not None:
        kind = f"refresher_{kind}"
    return kind


def training_reminders_send(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Send today's reminders; returns how many people were told and how many items of each kind."""
    today = timezone.localdate(now or timezone.now())
    soon = today + dt.timedelta(days=SOON_DAYS)
    never_done = Q(completed_at__isnull=True, due_on__lte=soon)
    refresher = Q(refresher_due_on__lte=soon)
    assignments = (
        TrainingAssignment.objects.filter(never_done | refresher, module__active=True, user__is_active=True)
        .select_related("module", "user").order_by("user_id", "due_on", "pk")
    )
    by_person: dict[int, list] = defaultdict(list)
    people = {}
    for assignment in assignments:
        kind = reminder_kind(assignment, today)
        if kind:
            by_person[assignment.user_id].append((assignment, kind))
            people[assignment.user_id] = assignment.user
    sent: Counter[str] = Counter()
    for pk, items in by_person.items():
        if _remind(people[pk], items, today=today):
            sent["people"] += 1
            sent.update(kind for _, kind in items)
    return dict(sent)


def _remind(user, items: list[tuple[TrainingAssignment, str]], *, today: dt.date) -> bool:
    """One person's message, and the early reminders in it marked sent — both or neither."""
    with transaction.atomic():
        if not notify.notify_reminder(user, items, today=today):
            return False
        early = [assignment for assignment, kind in items if kind.endswith("soon")]
        for assignment in early:
            assignment.reminded_soon_for = assignment.effective_due_on()
        TrainingAssignment.objects.bulk_update(early, ["reminded_soon_for"])
    return True

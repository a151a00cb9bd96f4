"""The daily run of the quarterly review (beat: ``reviews.send_matrix_review_reminders``).

Each morning it opens the review if none is open (the first one, after the first deploy), draws its
checklist again from the matrix (ticks kept), and sends that day's reminder: 14, 7 and 1 days before the
due day, and every day once overdue, until it is signed off.

A reminder that a day's run missed (beat was down) is caught up by the next run in its window: the
"7 days" reminder goes out on the first run 7 days or fewer before, unless the "1 day" window has come.
Each is sent once per person (its dedupe key names the due day and the kind; an overdue one names the day
too), so a second run on one day tells nobody twice, and each person gets one message a day at most.

Recipients: the review's owner and every area owner (the issue's words), each with the list of their
areas still to attest; an owner whose areas are all attested is told so, and when the review is due.
Days are counted in the project's time zone (``TIME_ZONE``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter

from django.db import transaction
from django.utils import timezone

from matrix.models import ProductArea

from ..models import AreaAttestation, MatrixReview
from ..reminders import reminder_kind as base_kind
from . import notify
from .access import area_owners
from .services import matrix_review_open, matrix_review_refresh_checklist

logger = logging.getLogger(__name__)

REMINDER_DAYS = (14, 7, 1)  # before the due day


def reminder_kind(due_on: dt.date, today: dt.date) -> str | None:
    """d14, d7, d1 (the window of the nearest threshold not yet passed — the due day itself is in the one
    day's: it was sent the day before), overdue, or None (too early). ``reviews.reminders.reminder_kind``'s
    windows, one per threshold."""
    kind = base_kind(due_on, today, soon_days=max(REMINDER_DAYS))
    if kind in (None, "overdue"):
        return kind
    days_left = (due_on - today).days
    return f"d{min(days for days in REMINDER_DAYS if days_left <= days)}"


def reminder_recipients(review: MatrixReview) -> dict:
    """Person → names of the areas they still have to attest (empty once all are attested): every area
    owner, and the review's owner (four queries)."""
    attested = set(AreaAttestation.objects.filter(review=review).values_list("area_id", flat=True))
    areas = list(ProductArea.objects.order_by("name"))
    owners = area_owners(areas)
    people: dict = {}
    for area in areas:
        for user in owners[area.pk]:
            to_attest = people.setdefault(user, [])
            if area.pk not in attested:
                to_attest.append(area.name)
    if review.owner is not None and review.owner.is_active:
        people.setdefault(review.owner, [])
    return people


def reminders_send(*, review: MatrixReview, now: dt.datetime) -> dict[str, int]:
    today = timezone.localdate(now)
    kind = reminder_kind(review.due_on, today)
    if kind is None or review.is_signed_off:
        return {}
    with transaction.atomic():
        sent = notify.notify_reminder(review, kind=kind, today=today, recipients=reminder_recipients(review))
    return {f"reminder_{kind}": sent} if sent else {}


def matrix_review_daily(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Open the review if needed, redraw its checklist, send today's reminders; what was done, by kind."""
    now = now or timezone.now()
    done: Counter[str] = Counter()
    existed = MatrixReview.objects.filter(signed_off_at__isnull=True).exists()
    review = matrix_review_open(now=now)  # opening draws the checklist, guarded like the refresh below
    if not existed:
        done["opened"] += 1
        if review.checklist_drawn_at is None:
            done["checklist_failed"] += 1
    else:
        try:
            matrix_review_refresh_checklist(review=review, now=now)
        except Exception:  # a checklist that cannot be drawn today must not silence the reminders
            logger.exception("The matrix review's checklist could not be drawn again; sending its reminders anyway.")
            done["checklist_failed"] += 1
    review = MatrixReview.objects.select_related("owner").get(pk=review.pk)
    done.update(reminders_send(review=review, now=now))
    return dict(done)

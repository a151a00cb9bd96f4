"""Who is told what about the quarterly matrix review, written to the outbox in the caller's transaction.

With ``reviews.notify``'s helpers: email to each person, a dedupe key naming the cause and the person, so a
cause never tells anyone twice (the daily task run twice, a sign-off clicked twice). A person without an
email address is logged and skipped, never fatal.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ..models import MatrixReview, MatrixReviewItem
from ..notify import day, message_to, reminder_key, site_url, tell_all

__all__ = ["day", "notify_change_needed", "notify_opened", "notify_reminder", "notify_signed_off", "review_url"]


def review_url(review: MatrixReview, anchor: str = "") -> str:
    return site_url("reviews:matrix_review_detail", review.pk) + anchor


def _name(user) -> str:
    return user.get_full_name() or user.username if user is not None else "someone"


def _send(messages: list[tuple[object, str, str, str, dict]]) -> int:
    """[(user, key, subject, body, payload)] → how many were written (``reviews.notify.tell_all``)."""
    return tell_all(message_to(user, key=key, subject=subject, body=body, payload=payload)
                    for user, key, subject, body, payload in messages)


def _payload(review: MatrixReview, event: str, **extra) -> dict:
    return {"event": event, "matrix_review": review.pk, "url": review_url(review),
            "due_on": review.due_on.isoformat(), **extra}


def notify_opened(review: MatrixReview) -> int:
    """The owner of a newly opened review."""
    subject = f"You own the next quarterly matrix review, due {day(review.due_on)}"
    body = "\n".join([
        f"The quarterly matrix review due {day(review.due_on)} is open and you run it.",
        "Its checklist is drawn from the matrix's gaps; each area owner attests their area, and a manager",
        "signs it off. Reminders go out 14, 7 and 1 days before it is due.", "", review_url(review),
    ])
    return _send([(review.owner, f"matrix_review:{review.pk}:opened", subject, body,
                   _payload(review, "matrix_review_opened"))])


def reminder_subject(review: MatrixReview, *, days_left: int) -> str:
    if days_left < 0:
        return f"Quarterly matrix review overdue (was due {day(review.due_on)})"
    when = "tomorrow" if days_left == 1 else "today" if days_left == 0 else f"in {days_left} days"
    return f"Quarterly matrix review due {when} ({day(review.due_on)})"


def notify_reminder(review: MatrixReview, *, kind: str, today: dt.date, recipients: dict) -> int:
    """``recipients``: person → the names of the areas they still have to attest (empty for the owner).
    ``kind`` (d14, d7, d1, overdue) is in the dedupe key; overdue ones also name the day."""
    days_left = (review.due_on - today).days
    subject = reminder_subject(review, days_left=days_left)
    key = reminder_key(f"matrix_review:{review.pk}", kind=kind, due_on=review.due_on, today=today)
    messages = []
    for user, areas in recipients.items():
        lines = [subject + "."]
        if areas:
            lines += ["", "Please attest your areas (\"ownership and contacts confirmed\"), or ask for a change:",
                      *[f"- {name}" for name in areas]]
        elif user.pk != review.owner_id:
            lines += ["", "Your areas are attested: thank you. If something changes before the sign-off, withdraw "
                          "the attestation or ask for a change on the review."]
        if user.pk == review.owner_id:
            lines += ["", "You run this review: work through its checklist and get it signed off."]
        lines += ["", review_url(review, "#areas")]
        messages.append((user, key, subject, "\n".join(lines),
                         _payload(review, f"matrix_review_{kind}", areas=list(areas))))
    return _send(messages)


def notify_signed_off(review: MatrixReview, *, next_review: MatrixReview, people) -> int:
    """The owner and the area owners: it is signed off, and when the next one is due."""
    subject = f"Quarterly matrix review signed off; the next is due {day(next_review.due_on)}"
    body = "\n".join([
        f"{_name(review.signed_off_by)} signed off the quarterly matrix review on "
        f"{day(timezone.localdate(review.signed_off_at))}.",
        *(["", review.notes] if review.notes else []),
        "", f"The next review is due {day(next_review.due_on)}.", "", review_url(review),
    ])
    payload = _payload(review, "matrix_review_signed_off", next_review=next_review.pk)
    return _send([(user, f"matrix_review:{review.pk}:signed_off", subject, body, payload) for user in people])


def notify_change_needed(item: MatrixReviewItem, *, people) -> int:
    """Whoever runs the review: an area owner asks for a change to their area."""
    review = item.review
    subject = f"Matrix change asked for: {item.subject_label}"
    body = "\n".join([
        f"{_name(item.raised_by)} asks for a change to {item.subject_label} in the quarterly matrix review:",
        "", item.text, "", "Raise it as a change request from the review's checklist:",
        review_url(review, f"#item-{item.pk}"),
    ])
    return _send([(user, f"matrix_review_item:{item.pk}:change_needed", subject, body,
                   _payload(review, "matrix_review_change_needed", item=item.pk))
                  for user in people if user.pk != item.raised_by_id])

"""Who is told what about reviews: every review notification is decided here and written to the outbox.

Same rules as ``incidents.notify``: one notification per person or channel, with a dedupe key naming
the cause and the recipient (a cause never tells anyone twice — the daily reminder task run twice, a
publish retried), written in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.urls import reverse

from incidents.notify import Recipients, executives
from incidents.timeline import person
from matrix.models import AreaRosterEntry, ContactChannel
from notifications.services import notification_enqueue

from .models import ActionItem, PostIncidentReview

logger = logging.getLogger(__name__)


def _url(name: str, *args) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=args)


def review_url(review: PostIncidentReview) -> str:
    return _url("reviews:detail", review.pk)


def _day(day: dt.date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def _headline(review: PostIncidentReview) -> str:
    incident = review.incident
    return f"{incident.tier.name} #{incident.pk} {incident.title}"


def _payload(review: PostIncidentReview, event: str, **extra) -> dict:
    return {"event": event, "review": review.pk, "incident": review.incident_id, "url": review_url(review), **extra}


def _tell(user, *, key: str, subject: str, body: str, payload: dict) -> bool:
    """One email to one person; a person without an address is logged and skipped, never fatal."""
    if user is None or not user.is_active:
        return False
    if not user.email:
        logger.warning("%s has no email address; not told: %s", user, subject)
        return False
    return notification_enqueue(channel="email", target=user.email, user=user, subject=subject, body=body,
                                payload=payload, dedupe_key=f"{key}:user:{user.pk}") is not None


# --- the lead ---------------------------------------------------------------------------------------

def notify_lead_assigned(review: PostIncidentReview) -> bool:
    subject = f"Post-incident review to lead: {_headline(review)}"
    body = "\n".join([
        f"You lead the post-incident review of {_headline(review)}.",
        f"It is due {_day(review.due_on)}: fill it in, add action items and publish it.",
        "", review_url(review),
    ])
    return _tell(review.lead, key=f"review:{review.pk}:lead", subject=subject, body=body,
                 payload=_payload(review, "review_assigned"))


REMINDER_WORDS = {
    "soon": ("due in {days} days", "is due {due}"),
    "due": ("due today", "is due today"),
    "overdue": ("overdue", "was due {due} and is not published yet"),
}


def notify_review_reminder(review: PostIncidentReview, *, kind: str, today: dt.date) -> bool:
    """``kind``: soon (before the due day), due (on it), overdue (daily after it; keyed by the day)."""
    short, long = REMINDER_WORDS[kind]
    days = (review.due_on - today).days
    subject = f"Review {short.format(days=days)}: {_headline(review)}"
    body = "\n".join([
        f"The post-incident review of {_headline(review)} {long.format(due=_day(review.due_on))}.",
        "", review_url(review),
    ])
    key = f"review:{review.pk}:reminder:{kind}" + (f":{today.isoformat()}" if kind == "overdue" else "")
    return _tell(review.lead, key=key, subject=subject, body=body,
                 payload=_payload(review, f"review_{kind}", due_on=review.due_on.isoformat()))


# --- action items -----------------------------------------------------------------------------------

def notify_action_item_assigned(item: ActionItem) -> bool:
    review = item.review
    subject = f"Action item for you: {item.title}"
    body = "\n".join([
        f"{person(item.created_by)} gave you an action item from the review of {_headline(review)}:",
        f"“{item.title}”, due {_day(item.due_on)}.", "", _url("reviews:my_action_items"),
    ])
    return _tell(item.owner, key=f"action_item:{item.pk}:assigned:{item.owner_id}", subject=subject, body=body,
                 payload=_payload(review, "action_item_assigned", action_item=item.pk))


def notify_action_item_reminder(item: ActionItem, *, kind: str, today: dt.date) -> bool:
    """``kind``: due (on its due day) or overdue (daily after it; keyed by the day)."""
    review = item.review
    when = "is due today" if kind == "due" else f"was due {_day(item.due_on)}"
    subject = f"Action item {'due today' if kind == 'due' else 'overdue'}: {item.title}"
    body = "\n".join([
        f"Your action item “{item.title}” (review of {_headline(review)}) {when}.",
        "Mark it done, in progress or won't do:", "", _url("reviews:my_action_items"),
    ])
    key = f"action_item:{item.pk}:reminder:{kind}" + (f":{today.isoformat()}" if kind == "overdue" else "")
    return _tell(item.owner, key=key, subject=subject, body=body,
                 payload=_payload(review, f"action_item_{kind}", action_item=item.pk))


# --- publishing -------------------------------------------------------------------------------------

def notify_published(review: PostIncidentReview) -> Recipients:
    """Stakeholders: the owning team's channels, the area's roster, executives when the tier notifies them."""
    incident = review.incident
    subject = f"Post-incident review published: {_headline(review)}"
    summary = next((s["body"] for s in review.sections if s.get("body")), "")
    body = "\n".join([
        f"{person(review.published_by)} published the post-incident review of {_headline(review)}.",
        *(["", summary] if summary else []),
        "", review_url(review),
    ])
    key = f"review:{review.pk}:published"
    payload = _payload(review, "review_published")
    for channel in ContactChannel.objects.filter(team_id=incident.team_id):
        try:
            notification_enqueue(channel=channel.kind, target=channel.target, secret=channel.secret, subject=subject,
                                 body=body, payload=payload, dedupe_key=f"{key}:{channel.pk}")
        except ValueError as exc:  # a broken contact must not stop the publish
            logger.warning("review notification to %r skipped: %s", channel.target, exc)
    recipients = Recipients()
    for entry in AreaRosterEntry.objects.filter(area_id=incident.product_area_id).select_related("user"):
        recipients.add(entry.user, entry.get_role_display().lower())
    if incident.tier.notifies_executives:
        for user in executives():
            recipients.add(user, "executive")
    for user in recipients:
        _tell(user, key=key, subject=subject, body=body, payload=payload)
    return recipients


def notify_feedback_wanted(review: PostIncidentReview, people) -> int:
    """Each participant gets the link to the short feedback form."""
    subject = f"How useful was the review of {_headline(review)}?"
    body = "\n".join([
        f"The post-incident review of {_headline(review)} is published. You took part in the incident:",
        "tell us in a minute how useful the review is (a rating and a comment).",
        "", _url("reviews:feedback", review.pk),
    ])
    return sum(_tell(user, key=f"review:{review.pk}:feedback_wanted", subject=subject, body=body,
                     payload=_payload(review, "review_feedback_wanted")) for user in people)

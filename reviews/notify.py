"""Who is told what about reviews: every review notification is decided here and written to the outbox.

Same rules as ``incidents.notify``: one notification per person or channel, with a dedupe key naming
the cause and the recipient (a cause never tells anyone twice — the daily reminder task run twice, a
publish retried), written in the caller's transaction.

The helpers every part of reviews writes its email with (drills, matrix reviews, training) live here too:
``message_to`` (one person: skip the inactive and those without an address, dedupe per person), ``tell``
and ``tell_all`` (write one, or many in one INSERT), ``site_url`` and ``day``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.urls import reverse

from incidents.notify import Recipients, executives
from incidents.timeline import person
from matrix.models import AreaRosterEntry, ContactChannel
from notifications.services import notification_enqueue, notification_enqueue_many

from .models import ActionItem, PostIncidentReview

logger = logging.getLogger(__name__)


# --- shared by every part of reviews ----------------------------------------------------------------

def site_url(name: str, *args) -> str:
    """The absolute link to a page, for messages read outside the site."""
    return settings.SITE_URL.rstrip("/") + reverse(name, args=args)


def day(value: dt.date) -> str:
    """ "Mon 6 Apr 2026": how messages and pages name a day."""
    return f"{value:%a} {value.day} {value:%b %Y}"


def message_to(user, *, key: str, subject: str, body: str, payload: dict, is_drill: bool = False) -> dict | None:
    """One email to one person, as ``notification_enqueue``'s arguments; its dedupe key is ``key`` plus the
    person. None for nobody or an inactive person, and for a person without an address (logged, never fatal)."""
    if user is None or not user.is_active:
        return None
    if not user.email:
        logger.warning("%s has no email address; not told: %s", user, subject)
        return None
    return {"channel": "email", "target": user.email, "user": user, "subject": subject, "body": body,
            "payload": payload, "dedupe_key": f"{key}:user:{user.pk}", "is_drill": is_drill}


def tell(user, *, key: str, subject: str, body: str, payload: dict, is_drill: bool = False) -> bool:
    """Email one person (``message_to``); False when skipped or already told of ``key``."""
    message = message_to(user, key=key, subject=subject, body=body, payload=payload, is_drill=is_drill)
    return message is not None and notification_enqueue(**message) is not None


def tell_all(messages: Iterable[dict | None]) -> int:
    """Write many ``message_to`` messages in one INSERT (the Nones skipped); how many were new."""
    items = [message for message in messages if message is not None]
    return sum(n is not None for n in notification_enqueue_many(items)) if items else 0


def reminder_key(cause: str, *, kind: str, due_on: dt.date, today: dt.date) -> str:
    """A reminder's dedupe key (``reviews.reminders.reminder_kind``'s kinds): it names the due day, so each
    kind goes once per due day (a moved due day is reminded afresh), and an overdue one names today too."""
    key = f"{cause}:due:{due_on.isoformat()}:{kind}"
    return f"{key}:{today.isoformat()}" if kind == "overdue" else key


# --- post-incident reviews ---------------------------------------------------------------------------

def review_url(review: PostIncidentReview) -> str:
    return site_url("reviews:detail", review.pk)


def _headline(review: PostIncidentReview) -> str:
    incident = review.incident
    return f"{incident.tier.name} #{incident.pk} {incident.title}"


def _payload(review: PostIncidentReview, event: str, **extra) -> dict:
    return {"event": event, "review": review.pk, "incident": review.incident_id, "url": review_url(review), **extra}


# --- the lead ---------------------------------------------------------------------------------------

def notify_lead_assigned(review: PostIncidentReview) -> bool:
    subject = f"Post-incident review to lead: {_headline(review)}"
    body = "\n".join([
        f"You lead the post-incident review of {_headline(review)}.",
        f"It is due {day(review.due_on)}: fill it in, add action items and publish it.",
        "", review_url(review),
    ])
    return tell(review.lead, key=f"review:{review.pk}:lead", subject=subject, body=body,
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
        f"The post-incident review of {_headline(review)} {long.format(due=day(review.due_on))}.",
        "", review_url(review),
    ])
    key = reminder_key(f"review:{review.pk}:reminder", kind=kind, due_on=review.due_on, today=today)
    return tell(review.lead, key=key, subject=subject, body=body,
                payload=_payload(review, f"review_{kind}", due_on=review.due_on.isoformat()))


# --- action items -----------------------------------------------------------------------------------

def notify_action_item_assigned(item: ActionItem) -> bool:
    review = item.review
    subject = f"Action item for you: {item.title}"
    body = "\n".join([
        f"{person(item.created_by)} gave you an action item from the review of {_headline(review)}:",
        f"“{item.title}”, due {day(item.due_on)}.", "", site_url("reviews:my_action_items"),
    ])
    return tell(item.owner, key=f"action_item:{item.pk}:assigned:{item.owner_id}", subject=subject, body=body,
                payload=_payload(review, "action_item_assigned", action_item=item.pk))


def notify_action_item_reminder(item: ActionItem, *, kind: str, today: dt.date) -> bool:
    """``kind``: due (on its due day) or overdue (daily after it; keyed by the day)."""
    review = item.review
    when = "is due today" if kind == "due" else f"was due {day(item.due_on)}"
    subject = f"Action item {'due today' if kind == 'due' else 'overdue'}: {item.title}"
    body = "\n".join([
        f"Your action item “{item.title}” (review of {_headline(review)}) {when}.",
        "Mark it done, in progress or won't do:", "", site_url("reviews:my_action_items"),
    ])
    key = reminder_key(f"action_item:{item.pk}:reminder", kind=kind, due_on=item.due_on, today=today)
    return tell(item.owner, key=key, subject=subject, body=body,
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
        tell(user, key=key, subject=subject, body=body, payload=payload)
    return recipients


def notify_feedback_wanted(review: PostIncidentReview, people) -> int:
    """Each participant gets the link to the short feedback form."""
    subject = f"How useful was the review of {_headline(review)}?"
    body = "\n".join([
        f"The post-incident review of {_headline(review)} is published. You took part in the incident:",
        "tell us in a minute how useful the review is (a rating and a comment).",
        "", site_url("reviews:feedback", review.pk),
    ])
    return sum(tell(user, key=f"review:{review.pk}:feedback_wanted", subject=subject, body=body,
                    payload=_payload(review, "review_feedback_wanted")) for user in people)

"""Who may do what to a review, beyond the role's model permissions.

The lead may write and publish their own review whatever their role; Incident leads and Managers (the
roles with ``change`` on reviews) may write any. A published review is read-only for everyone: the same
people correct it with an addendum, signed and dated, never by editing it. An action item's owner may
move its status; so may whoever may write its review, also after publishing (work on action items goes
on after the review is out).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from .models import ActionItem, PostIncidentReview

VIEW = "reviews.view_postincidentreview"
CHANGE = "reviews.change_postincidentreview"


def may_write(review: PostIncidentReview, user) -> bool:
    """May change the review's content (sections, answers, action items) or publish it: never once published."""
    return not review.is_published and _writer(review, user)


def may_add_addendum(review: PostIncidentReview, user) -> bool:
    """May add a correction to a published review (a draft is simply edited)."""
    return review.is_published and _writer(review, user)


def may_update_item(item: ActionItem, review: PostIncidentReview, user) -> bool:
    return user.is_authenticated and (item.owner_id == user.pk or _writer(review, user))


def _writer(review: PostIncidentReview, user) -> bool:
    return user.is_authenticated and user.is_active and (review.lead_id == user.pk or user.has_perm(CHANGE))


def participants(review: PostIncidentReview) -> QuerySet:
    """The people who took part: everyone who acted on the incident's timeline, everyone its escalation steps,
    warnings and breaches paged, its assignee, its commander and the review's lead."""
    incident = review.incident
    paged = {pk for told in incident.timeline.exclude(data__told=None).values_list("data__told", flat=True)
             for pk in told or ()}
    took_part = (Q(timelineentry__incident_id=incident.pk) | Q(pk__in=paged)
                 | Q(pk__in=[incident.assignee_id, incident.commander_id, review.lead_id]))
    return (
        get_user_model().objects.filter(is_active=True)
        .filter(took_part)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def is_participant(review: PostIncidentReview, user) -> bool:
    return user.is_authenticated and participants(review).filter(pk=user.pk).exists()

"""Every write to reviews: keyword-only functions, each in one transaction.

Bad input raises ``ReviewInputError`` (per field); a move that is not possible now (publishing twice,
editing a published review) raises ``ReviewStateError``; a person who may not act gets ``PermissionDenied``.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from incidents.clock import MAX_DAYS, BusinessCalendar
from incidents.models import Incident
from incidents.timeline import hhmm, person
from matrix.models import Membership, MembershipRole, Team, Tier

from . import notify
from .access import is_participant, may_add_addendum, may_update_item, may_write, participants
from .models import ActionItem, ActionItemStatus, PostIncidentReview, ReviewAddendum, ReviewFeedback
from .sections import sections_from_template


class ReviewInputError(Exception):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


class ReviewStateError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- creation ---------------------------------------------------------------------------------------

def review_due_on(*, team: Team, resolved_at: dt.datetime, business_days: int | None = None) -> dt.date:
    """The ``business_days``-th working day of the team's calendar after the day it was resolved (its time zone)."""
    days = settings.REVIEW_DUE_BUSINESS_DAYS if business_days is None else business_days
    calendar = BusinessCalendar(team)
    day = resolved_at.astimezone(calendar.tz).date()
    counted = 0
    for _ in range(MAX_DAYS):
        if counted >= days:
            return day
        day += dt.timedelta(days=1)
        counted += calendar.is_working_day(day)
    raise ValueError(f"{team.name}'s calendar has no working day in the next three years.")


def review_lead_for(incident: Incident, resolved_by=None):
    """The incident's commander, else the owning team's lead, else its assignee, else whoever resolved it."""
    if incident.commander is not None and incident.commander.is_active:
        return incident.commander
    lead = (
        Membership.objects.filter(team_id=incident.team_id, role=MembershipRole.LEAD, user__is_active=True)
        .select_related("user").order_by("pk").first()
    )
    if lead is not None:
        return lead.user
    if incident.assignee is not None and incident.assignee.is_active:
        return incident.assignee
    return resolved_by


def review_create(*, incident: Incident | int, resolved_by=None, now: dt.datetime | None = None
                  ) -> PostIncidentReview | None:
    """The review of a resolved incident whose tier requires one; None when it needs none.

    Drills get none here (their debrief comes with drills). Idempotent: an incident reopened and resolved
    again keeps its one review (the one-to-one column makes a race create it once, too).
    """
    pk = incident.pk if isinstance(incident, Incident) else incident
    incident = Incident.objects.select_related("tier", "team", "playbook", "commander", "assignee").get(pk=pk)
    if incident.is_drill or not incident.tier.requires_review:
        return None
    resolved_at = incident.resolved_at or now or timezone.now()
    with transaction.atomic():
        review, created = PostIncidentReview.objects.get_or_create(incident=incident, defaults={
            "lead": review_lead_for(incident, resolved_by),
            "due_on": review_due_on(team=incident.team, resolved_at=resolved_at),
            "sections": sections_from_template(incident.playbook.review_template if incident.playbook else ""),
            # Never flagged misrouted nor handed off as the wrong team: right first time, until the lead says not.
            "routed_right": incident.routing_correct is not False,
        })
        if created:
            notify.notify_lead_assigned(review)
    return review


# --- writing and publishing -------------------------------------------------------------------------

def _lock(review: PostIncidentReview | int) -> PostIncidentReview:
    pk = review.pk if isinstance(review, PostIncidentReview) else review
    PostIncidentReview.objects.select_for_update().filter(pk=pk).values_list("pk").first()
    return PostIncidentReview.objects.select_related("incident__tier", "incident__team", "lead", "published_by").get(
        pk=pk
    )


def _refuse_unless_writer(review: PostIncidentReview, user, now: dt.datetime) -> None:
    if review.is_published:
        raise ReviewStateError(
            f"Published by {person(review.published_by)} at {hhmm(review.published_at, now)}; it is read-only now."
        )
    if not may_write(review, user):
        raise PermissionDenied("Only the review's lead, Incident leads and Managers may write it.")


def review_save(*, review: PostIncidentReview | int, user, sections: dict[str, str], routed_right: bool | None,
                tier_right: bool | None, right_tier: Tier | None = None, contributing_factors: list[str] = (),
                went_well: str = "", to_improve: str = "", now: dt.datetime | None = None) -> PostIncidentReview:
    """Keep the draft: the sections' text (by key), the two answers, the factors and the lessons."""
    now = now or timezone.now()
    with transaction.atomic():
        review = _lock(review)
        _refuse_unless_writer(review, user, now)
        if tier_right is False and (right_tier is None or right_tier.pk == review.incident.tier_id):
            raise ReviewInputError({"tier": ["Say which tier it should have been."]})
        review.sections = [{**section, "body": (sections.get(section["key"]) or "").strip()}
                           for section in review.sections]
        review.routed_right, review.tier_right = routed_right, tier_right
        review.right_tier = right_tier if tier_right is False else None
        review.contributing_factors = [f.strip() for f in contributing_factors if f.strip()]
        review.went_well, review.to_improve = went_well.strip(), to_improve.strip()
        review._history_user = user  # also outside a request (simple-history's middleware sees only those)
        review.save()
    return review


def review_publish(*, review: PostIncidentReview | int, user, now: dt.datetime | None = None) -> PostIncidentReview:
    """Publish: the review becomes read-only, stakeholders are told and participants asked for feedback."""
    now = now or timezone.now()
    with transaction.atomic():
        review = _lock(review)
        _refuse_unless_writer(review, user, now)
        errors = {}
        if review.sections and not review.sections[0].get("body"):
            errors[f"section_{review.sections[0]['key']}"] = [f"Write the {review.sections[0]['heading'].lower()} "
                                                              "before publishing."]
        if review.routed_right is None:
            errors["routed_right"] = ["Answer whether it was routed right the first time."]
        if review.tier_right is None:
            errors["tier"] = ["Answer whether the tier was right."]
        if errors:
            raise ReviewInputError(errors)
        review.published_at, review.published_by = now, user
        review._history_user = user
        review.save()
        notify.notify_published(review)
        notify.notify_feedback_wanted(review, participants(review))
    return review


def review_add_addendum(*, review: PostIncidentReview | int, user, text: str, now: dt.datetime | None = None
                        ) -> ReviewAddendum:
    """Correct a published review, or add what was learnt since: the review stays as published (its answers
    were told and are counted), the addendum is shown after it with its author and time."""
    now = now or timezone.now()
    text = (text or "").strip()
    if not text:
        raise ReviewInputError({"text": ["Write the correction or what was learnt since."]})
    with transaction.atomic():
        review = _lock(review)
        if not review.is_published:
            raise ReviewStateError("This review is still a draft: change it directly. Addenda correct published "
                                   "reviews.")
        if not may_add_addendum(review, user):
            raise PermissionDenied("Only the review's lead, Incident leads and Managers may add an addendum.")
        return ReviewAddendum.objects.create(review=review, author=user, created_at=now, text=text)


# --- action items -----------------------------------------------------------------------------------

def action_item_add(*, review: PostIncidentReview | int, user, title: str, owner, due_on: dt.date,
                    now: dt.datetime | None = None) -> ActionItem:
    """A follow-up with an owner and a due day; the owner is told (unless they added it themselves)."""
    now = now or timezone.now()
    title = (title or "").strip()
    errors = {}
    if not title:
        errors["title"] = ["Say what needs doing."]
    if owner is None or not owner.is_active:
        errors["owner"] = ["Choose an active person to own it."]
    if due_on is None or due_on < timezone.localdate(now):
        errors["due_on"] = ["Pick today or a later day."]
    if errors:
        raise ReviewInputError(errors)
    with transaction.atomic():
        review = _lock(review)
        _refuse_unless_writer(review, user, now)
        item = ActionItem.objects.create(review=review, title=title, owner=owner, due_on=due_on, created_by=user)
        if owner.pk != getattr(user, "pk", None):
            notify.notify_action_item_assigned(item)
    return item


def action_item_set_status(*, item: ActionItem | int, user, status: str, now: dt.datetime | None = None
                           ) -> ActionItem:
    if status not in ActionItemStatus.values:
        raise ReviewInputError({"status": [f"Choose one of: {', '.join(ActionItemStatus.values)}."]})
    now = now or timezone.now()
    pk = item.pk if isinstance(item, ActionItem) else item
    with transaction.atomic():
        item = ActionItem.objects.select_for_update().select_related("review").get(pk=pk)
        if not may_update_item(item, item.review, user):
            raise PermissionDenied("Only the action item's owner and those who may write its review may change it.")
        finished = status in (ActionItemStatus.DONE, ActionItemStatus.WONT_DO)
        item.status = status
        item.finished_at = (item.finished_at or now) if finished else None
        item._history_user = user
        item.save()
    return item


# --- feedback ---------------------------------------------------------------------------------------

def feedback_submit(*, review: PostIncidentReview | int, user, rating: int, comment: str = "") -> ReviewFeedback:
    """A participant's rating (1–5) and comment on a published review; sending again replaces their answer."""
    pk = review.pk if isinstance(review, PostIncidentReview) else review
    review = PostIncidentReview.objects.select_related("incident").get(pk=pk)
    if not review.is_published:
        raise ReviewStateError("Feedback opens once the review is published.")
    if not is_participant(review, user):
        raise PermissionDenied("Feedback is asked of the incident's participants.")
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ReviewInputError({"rating": ["Rate it from 1 to 5."]})
    feedback, _ = ReviewFeedback.objects.update_or_create(
        review=review, user=user, defaults={"rating": rating, "comment": (comment or "").strip()}
    )
    return feedback


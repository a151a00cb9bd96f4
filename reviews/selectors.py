"""Reads of reviews, with what their pages need loaded up front."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Avg, Case, Count, F, Prefetch, Q, QuerySet, Value, When

from incidents.models import TARGETS, Incident, TimelineEntry, TimerKind
from matrix.models import Clock

from .models import ACTIVE_STATUSES, ActionItem, PostIncidentReview, ReviewAddendum, ReviewFeedback, ReviewStatus


def reviews_for_list(*, today: dt.date, status: str = "", team: str = "", lead=None) -> QuerySet[PostIncidentReview]:
    """Reviews, the most pressing first (unpublished by due day, then published newest first), with
    their incident and a count of open action items. ``status`` is draft, overdue or published."""
    queryset = (
        PostIncidentReview.objects.select_related("incident__tier", "incident__team", "lead")
        .annotate(open_items=Count("action_items", filter=Q(action_items__status__in=ACTIVE_STATUSES)))
        .order_by(F("published_at").desc(nulls_first=True), "due_on", "-pk")
    )
    if status == ReviewStatus.PUBLISHED:
        queryset = queryset.filter(published_at__isnull=False)
    elif status == ReviewStatus.OVERDUE:
        queryset = queryset.filter(published_at__isnull=True, due_on__lt=today)
    elif status == ReviewStatus.DRAFT:
        queryset = queryset.filter(published_at__isnull=True, due_on__gte=today)
    if team:
        queryset = queryset.filter(incident__team__key=team)
    if lead is not None:
        queryset = queryset.filter(lead=lead)
    return queryset


def review_detail(pk: int) -> PostIncidentReview | None:
    """One review with its incident (and what its page shows of it), action items, addenda and feedback."""
    return (
        PostIncidentReview.objects.select_related(
            "incident__tier", "incident__team", "incident__product_area", "incident__assignee",
            "incident__commander", "incident__playbook", "lead", "published_by", "right_tier",
        )
        .prefetch_related(
            Prefetch("action_items", queryset=ActionItem.objects.select_related("owner").order_by("due_on", "pk")),
            Prefetch("feedback", queryset=ReviewFeedback.objects.select_related("user")),
            Prefetch("addenda", queryset=ReviewAddendum.objects.select_related("author").order_by("created_at", "pk")),
        )
        .filter(pk=pk)
        .first()
    )


def review_of_incident(incident_id: int) -> PostIncidentReview | None:
    return PostIncidentReview.objects.select_related("lead").filter(incident_id=incident_id).first()


def review_timeline(incident: Incident) -> QuerySet[TimelineEntry]:
    """The incident's timeline, as the review imports it (read-only)."""
    return TimelineEntry.objects.filter(incident=incident).select_related("actor").order_by("at", "id")


@dataclass(frozen=True)
class TargetRow:
    kind: str
    label: str
    target_minutes: int
    business_hours: bool
    due: dt.datetime | None
    reached_at: dt.datetime | None
    took: dt.timedelta | None  # wall-clock time from filing
    met: bool | None  # None: never reached


def review_targets(incident: Incident) -> list[TargetRow]:
    """Time to acknowledge, contain and resolve against the tier's targets: met when reached by its due
    time (which counts pauses and business hours) and never breached."""
    breached = set(incident.breaches.values_list("target", flat=True))
    reached = {
        TimerKind.ACKNOWLEDGE: incident.acknowledged_at,
        TimerKind.CONTAIN: incident.contained_at,
        TimerKind.RESOLVE: incident.resolved_at,
    }
    rows = []
    for kind in TARGETS:
        at, due = reached[kind], getattr(incident, f"{kind}_by")
        met = None
        if at is not None:
            met = str(kind) not in breached and (due is None or at <= due)
        rows.append(TargetRow(
            kind=str(kind), label=str(kind.label).replace(" target", ""),
            target_minutes=getattr(incident.tier, f"{kind}_minutes"),
            business_hours=incident.tier.clock == Clock.BUSINESS_HOURS, due=due, reached_at=at,
            took=(at - incident.filed_at) if at is not None else None, met=met,
        ))
    return rows


def feedback_summary(review: PostIncidentReview) -> dict:
    return review.feedback.aggregate(average=Avg("rating"), answers=Count("pk"))


def action_items_of(user, *, include_finished: bool = False) -> QuerySet[ActionItem]:
    """"My action items": what is still to do first, by due day, with their review's incident."""
    queryset = ActionItem.objects.filter(owner=user).select_related("review__incident__tier", "owner")
    if not include_finished:
        queryset = queryset.filter(status__in=ACTIVE_STATUSES)
    finished_last = Case(When(status__in=ACTIVE_STATUSES, then=Value(0)), default=Value(1))
    return queryset.order_by(finished_last, "due_on", "pk")


def possible_owners() -> QuerySet:
    """Who may own an action item: active people, by name."""
    return get_user_model().objects.filter(is_active=True).order_by("first_name", "last_name", "username")

"""Reads of training, with what its pages need loaded up front."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from ..models import TrainingAssignment, TrainingCompletion, TrainingModule, TrainingStatus


def status_filter(status: str, today: dt.date) -> Q:
    """The assignments in one derived status on ``today`` (``TrainingAssignment.status_on``, in SQL)."""
    never_done = Q(completed_at__isnull=True)
    return {
        TrainingStatus.DUE: never_done & Q(due_on__gte=today),
        TrainingStatus.OVERDUE: never_done & Q(due_on__lt=today),
        TrainingStatus.REFRESHER_DUE: Q(refresher_due_on__lte=today),
        TrainingStatus.COMPLETED: Q(completed_at__isnull=False) & (Q(refresher_due_on__isnull=True)
                                                                  | Q(refresher_due_on__gt=today)),
    }.get(status, Q())


def _most_pressing_first(today: dt.date) -> Case:
    return Case(
        When(status_filter(TrainingStatus.OVERDUE, today), then=Value(0)),
        When(status_filter(TrainingStatus.REFRESHER_DUE, today), then=Value(1)),
        When(status_filter(TrainingStatus.DUE, today), then=Value(2)),
        default=Value(3), output_field=IntegerField(),
    )


def assignments_of(user, today: dt.date) -> QuerySet[TrainingAssignment]:
    """A person's training: overdue, refresher due, due, then completed; by day within each."""
    return (
        TrainingAssignment.objects.filter(user=user, module__active=True).select_related("module")
        .annotate(urgency=_most_pressing_first(today)).order_by("urgency", "due_on", "module__title")
    )


def modules_offered(user, *, exclude: set[int]) -> list[TrainingModule]:
    """Active modules written for one of the person's roles, or for everyone, that are not theirs yet."""
    roles = list(user.groups.values_list("name", flat=True))
    return list(TrainingModule.objects.filter(Q(role="") | Q(role__in=roles), active=True)
                .exclude(pk__in=exclude).order_by("title"))


def assignments_for_list(*, today: dt.date, status: str = "", module: str = "", role: str = ""
                         ) -> QuerySet[TrainingAssignment]:
    """Everyone's assignments (the managers' view), the most pressing first."""
    queryset = (
        TrainingAssignment.objects.filter(status_filter(status, today))
        .select_related("module", "user", "assigned_by")
        .annotate(urgency=_most_pressing_first(today))
        .order_by("urgency", "due_on", "user__last_name", "user__first_name", "pk")
    )
    if module:
        queryset = queryset.filter(module__key=module)
    if role:
        queryset = queryset.filter(user__groups__name=role)
    return queryset


def module_by_key(key: str) -> TrainingModule | None:
    return TrainingModule.objects.filter(key=key).first()


def assignment_of(module: TrainingModule, user) -> TrainingAssignment | None:
    return TrainingAssignment.objects.filter(module=module, user=user).select_related("assigned_by").first()


def completions_of(assignment: TrainingAssignment | None) -> list[TrainingCompletion]:
    if assignment is None:
        return []
    return list(assignment.completions.all())


def training_of_person(person) -> list[TrainingAssignment]:
    """The person page: each module of theirs with its status (active modules only)."""
    return list(
        TrainingAssignment.objects.filter(user=person, module__active=True).select_related("module")
        .order_by("module__title")
    )

"""Training: modules per role (Markdown), assigned to people, completed by them, refreshed when due.

An assignment is one (module, person) pair for good: a refresher re-opens the same assignment rather than
adding a second one, and every completion is kept in ``TrainingCompletion`` (the history a person's page
and an audit read). Whether an assignment is due, overdue or due a refresher is derived from its dates,
never stored, so nothing has to sweep it from one state to the next.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q

from escalation_matrix.models import TimeStampedModel
from escalation_matrix.roles import ROLES

__all__ = ["TrainingAssignment", "TrainingCompletion", "TrainingModule", "TrainingStatus"]


class TrainingModule(TimeStampedModel):
    key = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    role = models.CharField(
        max_length=60, blank=True, choices=[(role, role) for role in ROLES],
        help_text="The role it is written for; empty = everyone.",
    )
    summary = models.CharField(max_length=300, blank=True, help_text="One line for lists.")
    body = models.TextField(help_text="Markdown. Sanitized when shown.")
    refresher_months = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Take it again this many months after completing it; empty = once is enough."
    )
    active = models.BooleanField(default=True, help_text="Inactive modules are not offered and not reminded.")

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(condition=Q(refresher_months__isnull=True) | Q(refresher_months__gte=1),
                                   name="training_refresher_at_least_a_month"),
        ]

    def __str__(self) -> str:
        return self.title


class TrainingStatus(models.TextChoices):
    """Derived from an assignment's dates on a given day."""

    DUE = "due", "Due"
    OVERDUE = "overdue", "Overdue"
    COMPLETED = "completed", "Completed"
    REFRESHER_DUE = "refresher_due", "Refresher due"


class TrainingAssignment(TimeStampedModel):
    module = models.ForeignKey(TrainingModule, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_assignments")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assigned_at = models.DateTimeField()
    due_on = models.DateField(help_text="Complete it by this day.")
    completed_at = models.DateTimeField(null=True, blank=True, help_text="The latest completion.")
    refresher_due_on = models.DateField(
        null=True, blank=True, help_text="The latest completion plus the module's refresher months."
    )
    # Reminder bookkeeping, not a state: the due (or refresher) day the early reminder went out for, so
    # that the daily task sends it once, on its first run in the week before (``training.reminders``).
    reminded_soon_for = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["module", "user"], name="one_training_assignment_per_person"),
            models.CheckConstraint(condition=Q(refresher_due_on__isnull=True) | Q(completed_at__isnull=False),
                                   name="training_refresher_only_after_completion"),
        ]
        indexes = [
            # The reminder sweep: never completed, by due day; completed, by refresher day.
            models.Index(fields=["due_on"], name="training_open_due", condition=Q(completed_at__isnull=True)),
            models.Index(fields=["refresher_due_on"], name="training_refresher_due",
                         condition=Q(refresher_due_on__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.module} for {self.user}"

    def effective_due_on(self) -> dt.date | None:
        """The day it must be (re)done by: its due day until completed, then its refresher day (None: done)."""
        return self.due_on if self.completed_at is None else self.refresher_due_on

    def status_on(self, today: dt.date) -> TrainingStatus:
        if self.completed_at is None:
            return TrainingStatus.OVERDUE if self.due_on < today else TrainingStatus.DUE
        if self.refresher_due_on is not None and self.refresher_due_on <= today:
            return TrainingStatus.REFRESHER_DUE
        return TrainingStatus.COMPLETED


class TrainingCompletion(models.Model):
    """One completion of an assignment: the history a refresher does not erase."""

    assignment = models.ForeignKey(TrainingAssignment, on_delete=models.CASCADE, related_name="completions")
    completed_at = models.DateTimeField()
    refresher_due_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-completed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.assignment} completed {self.completed_at:%Y-%m-%d}"

"""Drills: a simulated incident run through the real routing, timers and notifications, scored and debriefed.

A drill is scheduled from a playbook: its scenario (copied at scheduling, editable) and the incident to
file (area, impact × urgency, title, description, triage answers) come from the playbook. When it
starts, ``incident_file(is_drill=True)`` files its drill incident; the incident's own ``is_drill`` is
what keeps it out of every real metric. The score is columns, not text, so that the quarterly review's
evidence pack can list drill results without reading prose.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q

from escalation_matrix.models import TimeStampedModel

__all__ = ["Drill", "DrillStatus"]


class DrillStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    RUNNING = "running", "Running"
    FINISHED = "finished", "Finished"
    CANCELLED = "cancelled", "Cancelled"


class Drill(TimeStampedModel):
    playbook = models.ForeignKey("matrix.Playbook", on_delete=models.PROTECT, related_name="drills")
    title = models.CharField(max_length=200)
    scenario = models.TextField(blank=True, help_text="Markdown, copied from the playbook when scheduled.")
    # The incident the drill files when it starts.
    product_area = models.ForeignKey("matrix.ProductArea", on_delete=models.PROTECT, related_name="+")
    impact = models.ForeignKey("matrix.Impact", on_delete=models.PROTECT, related_name="+")
    urgency = models.ForeignKey("matrix.Urgency", on_delete=models.PROTECT, related_name="+")
    incident_title = models.CharField(max_length=200)
    incident_description = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True,
                               help_text="The triage answers the drill incident is filed with.")

    scheduled_for = models.DateTimeField()
    participants = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="drills", blank=True)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="facilitated_drills",
        help_text="Files the drill incident (as its reporter), runs the drill and writes its debrief.",
    )
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=16, choices=DrillStatus.choices, default=DrillStatus.SCHEDULED)
    incident = models.OneToOneField(
        "incidents.Incident", on_delete=models.PROTECT, null=True, blank=True, related_name="drill"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True, help_text="When it finished or was cancelled.")
    start_error = models.TextField(
        blank=True, help_text="Why the last start failed; the beat task does not retry until someone starts it."
    )

    # The score, set when it finishes.
    time_to_acknowledge = models.PositiveIntegerField(
        null=True, blank=True, help_text="Seconds from filing to acknowledgement; empty = never acknowledged."
    )
    right_team_first = models.BooleanField(null=True, blank=True, help_text="Did the first routing hold?")
    checklist_done = models.PositiveSmallIntegerField(null=True, blank=True)
    checklist_total = models.PositiveSmallIntegerField(null=True, blank=True)

    # [{"key", "heading", "hint", "body"}, …] like a post-incident review's sections (reviews.sections).
    debrief = models.JSONField(default=list, blank=True)
    debrief_published_at = models.DateTimeField(null=True, blank=True)
    debrief_published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-scheduled_for", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["scheduled", "cancelled"])
                | Q(incident__isnull=False, started_at__isnull=False),
                name="drill_started_has_incident",
            ),
            models.CheckConstraint(
                condition=Q(checklist_done__isnull=True) | Q(checklist_done__lte=models.F("checklist_total")),
                name="drill_checklist_done_within_total",
            ),
            models.CheckConstraint(
                condition=Q(debrief_published_at__isnull=True) | Q(status="finished"),
                name="drill_debrief_only_when_finished",
            ),
        ]
        indexes = [
            # The beat task's query: scheduled drills by start time. Partial: nothing else is ever started.
            models.Index(fields=["scheduled_for"], name="drill_scheduled_for",
                         condition=Q(status="scheduled")),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_scored(self) -> bool:
        return self.status == DrillStatus.FINISHED and self.checklist_total is not None

    @property
    def acknowledged_after(self) -> dt.timedelta | None:
        """The score's time to acknowledge as a duration (None: never acknowledged, or not scored yet)."""
        return dt.timedelta(seconds=self.time_to_acknowledge) if self.time_to_acknowledge is not None else None

    @property
    def debrief_published(self) -> bool:
        return self.debrief_published_at is not None

from django.conf import settings
from django.db import models

from .choices import HandoffKind, HandoffState, TimerKind, TimerState
from .incidents import Incident


class Timer(models.Model):
    """One deadline of one incident. The database row is the truth; it fires at most once."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timers")
    kind = models.CharField(max_length=24, choices=TimerKind.choices)
    step = models.PositiveIntegerField(
        default=0, help_text="Escalation step position, update number or handoff id; 0 for the targets."
    )
    due_at = models.DateTimeField()
    state = models.CharField(max_length=12, choices=TimerState.choices, default=TimerState.ARMED)
    armed_at = models.DateTimeField()
    fired_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, help_text="When it was met or cancelled.")
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["due_at"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "kind", "step"], name="one_timer_per_incident_kind_step"),
        ]
        indexes = [
            # The sweep's only query: armed timers by due time. Partial, so it stays small as history grows.
            models.Index(fields=["due_at"], name="timer_armed_due", condition=models.Q(state="armed")),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.step} of incident {self.incident_id} due {self.due_at:%H:%M:%S}"


class Breach(models.Model):
    """A missed target, counted in metrics (drills excluded there)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="breaches")
    timer = models.OneToOneField(Timer, on_delete=models.CASCADE, related_name="breach")
    target = models.CharField(max_length=24, choices=TimerKind.choices)
    team = models.ForeignKey("matrix.Team", on_delete=models.PROTECT, related_name="breaches")
    due_at = models.DateTimeField()
    breached_at = models.DateTimeField()

    class Meta:
        ordering = ["-breached_at"]
        verbose_name_plural = "breaches"

    def __str__(self) -> str:
        return f"Incident {self.incident_id} missed its {self.get_target_display().lower()}"


class Handoff(models.Model):
    """Moving an incident to another team: a handoff (must be accepted in time) or a misroute."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="handoffs")
    kind = models.CharField(max_length=12, choices=HandoffKind.choices, default=HandoffKind.HANDOFF)
    from_team = models.ForeignKey("matrix.Team", on_delete=models.PROTECT, related_name="+")
    to_team = models.ForeignKey("matrix.Team", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    wrong_team = models.BooleanField(default=False, help_text="The first routing was wrong (counts against accuracy).")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField()
    state = models.CharField(max_length=12, choices=HandoffState.choices, default=HandoffState.PENDING)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of incident {self.incident_id} to team {self.to_team_id}"

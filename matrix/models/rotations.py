from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from escalation_matrix.models import TimeStampedModel

from .teams import Team
from .validators import validate_time_zone


class Rotation(TimeStampedModel):
    """Who is on call for a team: members take shifts in order from ``starts_on`` at ``handoff_time``."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="rotations")
    name = models.CharField(max_length=120, default="Primary")
    order = models.PositiveSmallIntegerField(default=1, help_text="1 = primary on-call, 2 = secondary, …")
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    shift_hours = models.PositiveIntegerField(default=168, help_text="168 = weekly, 24 = daily, 12 = follow the sun.")
    handoff_time = models.TimeField(default="09:00", help_text="Local time, in the rotation's time zone.")
    starts_on = models.DateField(help_text="The first shift starts on this day at the handoff time.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["team", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="unique_rotation_name"),
            models.CheckConstraint(condition=models.Q(shift_hours__gte=1), name="rotation_shift_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.team} — {self.name}"


class RotationMember(TimeStampedModel):
    rotation = models.ForeignKey(Rotation, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rotation_slots")
    position = models.PositiveSmallIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["rotation", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["rotation", "position"], name="unique_rotation_position")]

    def __str__(self) -> str:
        return f"{self.position}. {self.user}"


class RotationOverride(TimeStampedModel):
    """``user`` is on call for the rotation between ``starts_at`` and ``ends_at`` (cover, swaps, leave)."""

    rotation = models.ForeignKey(Rotation, on_delete=models.CASCADE, related_name="overrides")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rotation_overrides")
    covers = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["rotation", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="override_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} covers {self.rotation} {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%Y-%m-%d %H:%M}"

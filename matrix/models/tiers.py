from django.db import models
from simple_history.models import HistoricalRecords

from escalation_matrix.models import TimeStampedModel

from .choices import Clock


class RankedChoice(TimeStampedModel):
    """An ordered triage answer; rank 1 is the most severe."""

    key = models.SlugField(unique=True)
    name = models.CharField(max_length=60)
    question = models.CharField(max_length=200, blank=True, help_text="The plain question an agent answers.")
    description = models.TextField(blank=True, help_text="What this answer means, in words an agent understands.")
    rank = models.PositiveSmallIntegerField(unique=True, help_text="1 = the most severe.")

    class Meta:
        abstract = True
        ordering = ["rank"]

    def __str__(self) -> str:
        return self.name


class Impact(RankedChoice):
    history = HistoricalRecords()


class Urgency(RankedChoice):
    history = HistoricalRecords()

    class Meta(RankedChoice.Meta):
        verbose_name_plural = "urgencies"


class Tier(TimeStampedModel):
    """A severity level with its time targets."""

    key = models.SlugField(unique=True)
    name = models.CharField(max_length=60)
    rank = models.PositiveSmallIntegerField(unique=True, help_text="1 = the most severe.")
    description = models.TextField(blank=True)
    acknowledge_minutes = models.PositiveIntegerField()
    contain_minutes = models.PositiveIntegerField()
    resolve_minutes = models.PositiveIntegerField()
    update_cadence_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="How often stakeholders get an update; empty = no cadence."
    )
    opens_war_room = models.BooleanField(default=False)
    notifies_executives = models.BooleanField(default=False)
    requires_review = models.BooleanField(default=False, help_text="A post-incident review is required.")
    clock = models.CharField(max_length=16, choices=Clock.choices, default=Clock.ALWAYS)
    history = HistoricalRecords()

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(acknowledge_minutes__lte=models.F("contain_minutes"))
                & models.Q(contain_minutes__lte=models.F("resolve_minutes")),
                name="tier_targets_in_order",
                violation_error_message="Targets must be in order: acknowledge ≤ contain ≤ resolve.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class PriorityCell(TimeStampedModel):
    """One cell of the priority matrix: impact × urgency → tier."""

    impact = models.ForeignKey(Impact, on_delete=models.CASCADE, related_name="cells")
    urgency = models.ForeignKey(Urgency, on_delete=models.CASCADE, related_name="cells")
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="cells")
    history = HistoricalRecords()

    class Meta:
        ordering = ["impact__rank", "urgency__rank"]
        constraints = [models.UniqueConstraint(fields=["impact", "urgency"], name="unique_priority_cell")]

    def __str__(self) -> str:
        return f"{self.impact} × {self.urgency} → {self.tier}"

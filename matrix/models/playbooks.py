from django.db import models
from simple_history.models import HistoricalRecords

from escalation_matrix.models import TimeStampedModel

from .areas import ProductArea
from .choices import ChecklistKind, TriageFieldType
from .tiers import Tier


class Playbook(TimeStampedModel):
    """Scenario-based guidance for an area and/or tier; the most specific one applies."""

    key = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    area = models.ForeignKey(
        ProductArea, on_delete=models.CASCADE, null=True, blank=True, related_name="playbooks",
        help_text="Applies to this area and its children; empty = every area.",
    )
    tier = models.ForeignKey(Tier, on_delete=models.CASCADE, null=True, blank=True, related_name="playbooks")
    scenario = models.TextField(blank=True, help_text="Markdown. Sanitized when shown.")
    incident_note_template = models.TextField(blank=True)
    customer_update_template = models.TextField(blank=True)
    review_template = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ChecklistItem(TimeStampedModel):
    playbook = models.ForeignKey(Playbook, on_delete=models.CASCADE, related_name="checklist")
    position = models.PositiveSmallIntegerField(default=1)
    kind = models.CharField(max_length=16, choices=ChecklistKind.choices)
    text = models.CharField(max_length=300)
    history = HistoricalRecords()

    class Meta:
        ordering = ["playbook", "position", "id"]

    def __str__(self) -> str:
        return self.text


class TriageField(TimeStampedModel):
    """One piece of information the filing form must collect for the playbook's area/tier."""

    playbook = models.ForeignKey(Playbook, on_delete=models.CASCADE, related_name="triage_fields")
    key = models.SlugField()
    label = models.CharField(max_length=120)
    field_type = models.CharField(max_length=16, choices=TriageFieldType.choices, default=TriageFieldType.TEXT)
    choices = models.CharField(max_length=500, blank=True, help_text="Comma-separated, for the choice type.")
    required = models.BooleanField(default=True)
    help_text = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["playbook", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["playbook", "key"], name="unique_triage_field_key")]

    def __str__(self) -> str:
        return self.label

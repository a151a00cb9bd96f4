from django.conf import settings
from django.db import models

from escalation_matrix.models import TimeStampedModel
from matrix.models import (
    ChecklistItem,
    Impact,
    IntakeChannel,
    Playbook,
    ProductArea,
    RoutingRule,
    Team,
    Tier,
    Urgency,
    Vendor,
)

from .choices import PauseReason, Status, TimelineKind, UpdateAudience


class Incident(TimeStampedModel):
    """A filed issue, with the routing decision and escalation policy frozen at filing."""

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="reported_incidents"
    )
    product_area = models.ForeignKey(ProductArea, on_delete=models.PROTECT, related_name="incidents")
    impact = models.ForeignKey(Impact, on_delete=models.PROTECT, related_name="+")
    urgency = models.ForeignKey(Urgency, on_delete=models.PROTECT, related_name="+")
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="incidents")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="incidents", help_text="The owning team now.")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="assigned_incidents"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW, db_index=True)

    # What triage asked.
    customer_segment = models.CharField(max_length=60, blank=True)
    channel = models.CharField(max_length=16, choices=IntakeChannel.choices, default=IntakeChannel.WEB_FORM)
    affected_customers = models.TextField(blank=True, help_text="Customer IDs or names, one per line.")
    suspected_vendor = models.ForeignKey(
        Vendor, on_delete=models.PROTECT, null=True, blank=True, related_name="incidents"
    )
    details = models.JSONField(default=dict, blank=True, help_text="Triage fields by key.")
    external_ref = models.CharField(max_length=200, blank=True, help_text="The ticket or alert it came from.")
    submission_key = models.CharField(
        max_length=64, null=True, blank=True, unique=True, help_text="Makes a double submit file one incident."
    )
    is_drill = models.BooleanField(default=False, db_index=True)

    # The routing decision, as it was made (the accuracy loop and the matrix version it ran under).
    routed_team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    routing_rule = models.ForeignKey(
        RoutingRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="incidents"
    )
    routing_rule_key = models.SlugField(blank=True, help_text="Kept when the rule itself is later deleted.")
    routing_fallback = models.CharField(max_length=16, help_text="rule, area_owner or triage_team")
    routing_explanation = models.TextField()
    routing_correct = models.BooleanField(
        null=True, blank=True, help_text="False once flagged misrouted or handed off as the wrong team."
    )
    playbook = models.ForeignKey(Playbook, on_delete=models.SET_NULL, null=True, blank=True, related_name="incidents")
    # The escalation policy's steps as they stood at filing: a later matrix edit never derails them.
    escalation_snapshot = models.JSONField(default=dict, blank=True)

    # Clocks. Deadlines are computed from anchors (filed_at + target + paused time); these columns are
    # copies of the armed timers' due times, for lists and filters.
    filed_at = models.DateTimeField(db_index=True)
    acknowledge_by = models.DateTimeField(null=True, blank=True)
    contain_by = models.DateTimeField(null=True, blank=True)
    resolve_by = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledged_late = models.BooleanField(default=False)
    contained_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    pause_reason = models.CharField(max_length=32, choices=PauseReason.choices, blank=True)
    paused_seconds = models.PositiveIntegerField(default=0, help_text="Total time the clocks were stopped.")
    paused_credited_seconds = models.PositiveIntegerField(
        default=0, help_text="How much the pauses moved the deadlines: all of it round the clock, the working "
                             "time within them on business hours."
    )
    breached = models.BooleanField(default=False, db_index=True)

    # War room.
    commander = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="commanded_incidents"
    )
    war_room_channel = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-filed_at"]
        indexes = [
            models.Index(fields=["team", "status"], name="incident_team_status"),
            models.Index(fields=["product_area", "tier", "status"], name="incident_cell_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(pause_reason="") | models.Q(paused_at__isnull=True),
                name="paused_incident_has_reason",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in (Status.NEW, Status.ACKNOWLEDGED, Status.CONTAINED)

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None


class TimelineEntry(models.Model):
    """One line of an incident's story: who did what, when."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    kind = models.CharField(max_length=24, choices=TimelineKind.choices)
    text = models.TextField()
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name_plural = "timeline entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}: {self.text[:60]}"


class ChecklistTick(models.Model):
    """A playbook checklist item done for one incident."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="checklist_ticks")
    item = models.ForeignKey(ChecklistItem, on_delete=models.CASCADE, related_name="+")
    ticked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    ticked_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "item"], name="one_tick_per_item")]

    def __str__(self) -> str:
        return f"Item {self.item_id} of incident {self.incident_id} ticked at {self.ticked_at:%Y-%m-%d %H:%M}"


class StakeholderUpdate(models.Model):
    """An update sent to stakeholders or customers; the tier's cadence makes them due."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    audience = models.CharField(max_length=16, choices=UpdateAudience.choices, default=UpdateAudience.STAKEHOLDERS)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    body = models.TextField()
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["sent_at"]

    def __str__(self) -> str:
        return f"{self.get_audience_display()} update on incident {self.incident_id} at {self.sent_at:%Y-%m-%d %H:%M}"

from django.db import models
from simple_history.models import HistoricalRecords

from escalation_matrix.models import TimeStampedModel

from .areas import ProductArea
from .choices import IntakeChannel, LifecycleStage
from .playbooks import Playbook
from .teams import Team
from .tiers import Impact, Tier, Urgency


class RoutingRule(TimeStampedModel):
    """Ordered condition → team. Empty conditions match anything; the first active match wins."""

    key = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    order = models.PositiveIntegerField(unique=True, help_text="Rules are tried from the lowest order up.")
    active = models.BooleanField(default=True)
    area = models.ForeignKey(
        ProductArea, on_delete=models.CASCADE, null=True, blank=True, related_name="rules",
        help_text="Matches this area and its children.",
    )
    lifecycle_stage = models.CharField(max_length=16, choices=LifecycleStage.choices, blank=True)
    keywords = models.CharField(
        max_length=500, blank=True, help_text=(
            "Comma-separated; matches if any starts a word in the title or description ('refund' matches 'refunds')."
        ),
    )
    customer_segment = models.CharField(max_length=60, blank=True)
    channel = models.CharField(max_length=16, choices=IntakeChannel.choices, blank=True)
    impact = models.ForeignKey(Impact, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    urgency = models.ForeignKey(Urgency, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="rules", help_text="Route to this team.")
    tier_override = models.ForeignKey(Tier, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    playbook_override = models.ForeignKey(
        Playbook, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    description = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order"]

    def __str__(self) -> str:
        return f"#{self.order} {self.name}"

    @property
    def keyword_list(self) -> list[str]:
        return [k.strip().lower() for k in self.keywords.split(",") if k.strip()]

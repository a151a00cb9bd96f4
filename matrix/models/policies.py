from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from escalation_matrix.models import TimeStampedModel

from .areas import ProductArea
from .choices import LifecycleStage, MembershipRole
from .teams import Team
from .tiers import Tier


class EscalationPolicy(TimeStampedModel):
    """Ordered escalation steps for an area (or a team) and a tier.

    Every scope field is optional: an empty one matches anything, and the most specific policy wins
    (area, then team, then tier, then lifecycle stage) — see ``matrix.routing``.
    """

    key = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    area = models.ForeignKey(
        ProductArea, on_delete=models.CASCADE, null=True, blank=True, related_name="policies",
        help_text="Applies to this area and its children.",
    )
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="policies",
        help_text="Applies to incidents routed to this team.",
    )
    tier = models.ForeignKey(Tier, on_delete=models.CASCADE, null=True, blank=True, related_name="policies")
    lifecycle_stage = models.CharField(
        max_length=16, choices=LifecycleStage.choices, blank=True,
        help_text="Only for areas at this lifecycle stage (the lifecycle variant).",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "escalation policies"

    def __str__(self) -> str:
        return self.name


class EscalationStep(TimeStampedModel):
    """If the incident is not acknowledged ``delay_minutes`` after filing, notify these."""

    policy = models.ForeignKey(EscalationPolicy, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(default=1)
    delay_minutes = models.PositiveIntegerField(help_text="Minutes after filing, if still unacknowledged.")
    notify_on_call = models.BooleanField(default=True, help_text="The routed team's on-call person.")
    notify_team_lead = models.BooleanField(default=False, help_text="The routed team's lead(s).")
    notify_role = models.CharField(
        max_length=32, choices=MembershipRole.choices, blank=True,
        help_text="Everyone with this role in the routed team.",
    )
    notify_users = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    notify_vendor_owner = models.BooleanField(default=False, help_text="The suspected vendor's relationship owner.")
    notify_executives = models.BooleanField(default=False, help_text="Members of the Executives group.")
    history = HistoricalRecords(m2m_fields=[notify_users])

    class Meta:
        ordering = ["policy", "position"]
        constraints = [models.UniqueConstraint(fields=["policy", "position"], name="unique_step_position")]

    def __str__(self) -> str:
        return f"Step {self.position} (+{self.delay_minutes} min)"

    def recipient_labels(self, users=None) -> list[str]:
        """Who this step notifies, in words; ``users`` lets a caller pass prefetched named people."""
        labels = []
        if self.notify_on_call:
            labels.append("on-call")
        if self.notify_team_lead:
            labels.append("team lead")
        if self.notify_role:
            labels.append(f"all {self.get_notify_role_display().lower()}s")
        for user in self.notify_users.all() if users is None else users:
            labels.append(user.get_full_name() or user.username)
        if self.notify_vendor_owner:
            labels.append("vendor relationship owner")
        if self.notify_executives:
            labels.append("executives")
        return labels

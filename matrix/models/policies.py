from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from escalation_matrix.models import TimeStampedModel

from .areas import ProductArea
from .choices import CountedFrom, LifecycleStage, MembershipRole, Phase
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


def step_order(step: "EscalationStep") -> tuple[int, int, int]:
    """Phase by phase (acknowledge, contain, resolve), each phase's steps by position."""
    return Phase.values.index(step.phase), step.position, step.pk or 0


class EscalationStep(TimeStampedModel):
    """One rung of a phase's ladder: if the incident has not left ``phase`` ``delay_minutes`` after the phase
    began (or after its target), notify these.

    The phases begin at filing (acknowledge), at the acknowledgement (contain) and at the containment
    (resolve); meeting a phase cancels its remaining steps, and a pause holds them.
    """

    policy = models.ForeignKey(EscalationPolicy, on_delete=models.CASCADE, related_name="steps")
    phase = models.CharField(max_length=12, choices=Phase.choices, default=Phase.ACKNOWLEDGE,
                             help_text="The phase this step escalates: it stops once the incident leaves it.")
    position = models.PositiveSmallIntegerField(default=1)
    delay_minutes = models.PositiveIntegerField(help_text="Minutes after the phase began (or its target).")
    counted_from = models.CharField(
        max_length=8, choices=CountedFrom.choices, default=CountedFrom.START,
        help_text="The phase's start (filing, acknowledgement, containment) or its target (acknowledge-by, "
                  "contain-by, resolve-by).",
    )
    notify_team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="Whose on-call, lead(s) and role this step pages; empty: the routed team's.",
    )
    notify_on_call = models.BooleanField(default=True, help_text="The team's on-call person.")
    notify_team_lead = models.BooleanField(default=False, help_text="The team's lead(s).")
    notify_role = models.CharField(
        max_length=32, choices=MembershipRole.choices, blank=True,
        help_text="Everyone with this role in the team.",
    )
    notify_users = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    notify_vendor_owner = models.BooleanField(default=False, help_text="The suspected vendor's relationship owner.")
    notify_executives = models.BooleanField(default=False, help_text="Members of the Executives group.")
    history = HistoricalRecords(m2m_fields=[notify_users])

    class Meta:
        ordering = ["policy", "phase", "position"]
        constraints = [models.UniqueConstraint(fields=["policy", "phase", "position"], name="unique_step_position")]

    def __str__(self) -> str:
        phase = "" if self.phase == Phase.ACKNOWLEDGE else f"{self.get_phase_display()} s"
        return f"{phase or 'S'}tep {self.position} (+{self.delay_minutes} min)"

    def recipient_labels(self, users=None) -> list[str]:
        """Who this step notifies, in words; ``users`` lets a caller pass prefetched named people."""
        labels = []
        whose = f"{self.notify_team.name} " if self.notify_team_id else ""
        if self.notify_on_call:
            labels.append(f"{whose}on-call")
        if self.notify_team_lead:
            labels.append(f"{whose}team lead")
        if self.notify_role:
            labels.append(f"all {whose}{self.get_notify_role_display().lower()}s")
        for user in self.notify_users.all() if users is None else users:
            labels.append(user.get_full_name() or user.username)
        if self.notify_vendor_owner:
            labels.append("vendor relationship owner")
        if self.notify_executives:
            labels.append("executives")
        return labels

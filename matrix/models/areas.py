from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from escalation_matrix.models import TimeStampedModel

from .choices import LifecycleStage, RosterRole
from .teams import Team


class Vendor(TimeStampedModel):
    """A third party an area depends on."""

    key = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    contract_sla = models.TextField(blank=True, help_text="What the contract promises (response and resolution times).")
    support_url = models.URLField(blank=True)
    relationship_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="owned_vendors"
    )
    engagement_policy = models.TextField(blank=True, help_text="Who may engage the vendor's engineers, and how.")
    fallback_plan = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class VendorContact(TimeStampedModel):
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=120)
    role = models.CharField(max_length=120, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["vendor", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.vendor})"


class ProductArea(TimeStampedModel):
    """A fault domain customers meet problems in."""

    key = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    lifecycle_stage = models.CharField(max_length=16, choices=LifecycleStage.choices, default=LifecycleStage.GA)
    owner_team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="owned_areas"
    )
    depends_on_areas = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="dependents")
    depends_on_vendors = models.ManyToManyField(Vendor, blank=True, related_name="dependent_areas")
    history = HistoricalRecords(m2m_fields=[depends_on_areas, depends_on_vendors])

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(parent=models.F("id")), name="area_not_own_parent")
        ]

    def __str__(self) -> str:
        return self.name


class AreaRosterEntry(TimeStampedModel):
    """A person accountable for an area, by role."""

    area = models.ForeignKey(ProductArea, on_delete=models.CASCADE, related_name="roster")
    role = models.CharField(max_length=32, choices=RosterRole.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="area_roles")
    history = HistoricalRecords()

    class Meta:
        ordering = ["area", "role", "user__username"]
        verbose_name_plural = "area roster entries"
        constraints = [models.UniqueConstraint(fields=["area", "role", "user"], name="unique_roster_entry")]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} for {self.area}"

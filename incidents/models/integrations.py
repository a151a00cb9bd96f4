from django.db import models
from simple_history.models import HistoricalRecords

from escalation_matrix.models import TimeStampedModel
from matrix.models import Impact, ProductArea, Urgency


class Integration(TimeStampedModel):
    """An inbound source (ticketing or alerting tool) posting to /api/v1/hooks/<key>/, signed with ``secret``."""

    key = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    secret = models.CharField(
        max_length=200, help_text="Shared secret of the HMAC-SHA256 signature over each hook's timestamp and body."
    )
    active = models.BooleanField(default=True)
    mapping = models.JSONField(
        default=dict, blank=True,
        help_text='Where each incident field is in the payload, as dotted paths: {"title": "alert.summary", …}.',
    )
    default_area = models.ForeignKey(ProductArea, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    default_impact = models.ForeignKey(Impact, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    default_urgency = models.ForeignKey(Urgency, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # Who changed what, and when its secret was last set (the admin shows that, never the secret).
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

from django.db import models

from .integrations import Integration


class HookDelivery(models.Model):
    """A signed hook delivery received recently: the same signature again is a replay, and is refused.

    The unique constraint is the check: two copies of one request racing each other cannot both insert.
    A row is needed only while its timestamp is inside the accepted window (outside it the timestamp
    check refuses the copy anyway), so rows older than that are deleted as new ones arrive
    (``incidents.integrations.record_delivery``).
    """

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="+")
    signature = models.CharField(max_length=64, help_text="The delivery's HMAC-SHA256, in lower-case hex.")
    signed_at = models.DateTimeField(help_text="Its X-Escalation-Timestamp.")
    received_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["integration", "signature"], name="one_hook_delivery_per_signature"),
        ]
        indexes = [models.Index(fields=["signed_at"], name="hook_delivery_signed_at")]  # the pruning's DELETE
        verbose_name_plural = "hook deliveries"

    def __str__(self) -> str:
        return f"{self.integration_id}: {self.signature[:12]}… at {self.received_at:%Y-%m-%d %H:%M:%S}"

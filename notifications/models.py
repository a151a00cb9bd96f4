"""The outbox: one row per message to one channel or person, written in its cause's transaction."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SLACK = "slack", "Slack-compatible webhook"
    TEAMS = "teams", "Teams-compatible webhook"
    WEBHOOK = "webhook", "Signed JSON webhook"


class Status(models.TextChoices):
    PENDING = "pending", "Pending"  # waiting for its (next) attempt
    SENDING = "sending", "Sending"  # claimed by a worker
    SENT = "sent", "Sent"
    DEAD = "dead", "Dead letter"  # gave up after the last attempt; an admin may retry it


class Notification(models.Model):
    """One message to one channel or person. Delivered by a worker with retries (``delivery``)."""

    channel = models.CharField(max_length=12, choices=Channel.choices)
    target = models.CharField(max_length=500, help_text="Email address, or the webhook's URL.")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="notifications",
        help_text="The person told, when it is one person.",
    )
    subject = models.CharField(max_length=255)
    body = models.TextField()
    payload = models.JSONField(default=dict, blank=True, help_text="Structured data for webhooks.")
    # Signs generic webhooks. Never shown in the admin or in logs.
    secret = models.CharField(max_length=255, blank=True)
    dedupe_key = models.CharField(
        max_length=255, unique=True, help_text="One cause never notifies twice: a second enqueue with it is ignored."
    )
    is_drill = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now, help_text="When the next attempt is due.")
    claimed_at = models.DateTimeField(
        null=True, blank=True, help_text="When a worker started sending it."
    )
    claimed_by = models.CharField(
        max_length=200, blank=True, help_text="The process sending it (its heartbeat says whether it is alive)."
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        indexes = [
            # The sweep's query: pending rows by due time. Partial, so sent history never slows it.
            models.Index(
                fields=["next_attempt_at"], name="notification_pending_due", condition=models.Q(status="pending")
            ),
            # The sweep's other query: claims left behind by a worker that died mid-send.
            models.Index(
                fields=["claimed_at"], name="notification_sending_claimed", condition=models.Q(status="sending")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} to {self.target}: {self.subject}"

import factory
from django.utils import timezone

from notifications.models import Channel, Notification, Status


class NotificationFactory(factory.django.DjangoModelFactory):
    """A row as a worker would find it; tests of the enqueue itself go through ``notification_enqueue``."""

    class Meta:
        model = Notification

    channel = Channel.EMAIL
    target = factory.Sequence(lambda n: f"person{n}@example.com")
    subject = factory.Sequence(lambda n: f"Incident {n} needs you")
    body = "Checkout is down. Acknowledge within 15 minutes."
    dedupe_key = factory.Sequence(lambda n: f"test:{n}")
    status = Status.PENDING
    next_attempt_at = factory.LazyFunction(timezone.now)

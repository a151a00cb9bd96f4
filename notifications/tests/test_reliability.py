"""The outbox against a broker that goes away: publishing gives up fast, and the worker outlives it.

Celery 5.7 with kombu 5.7 exited ("Unrecoverable error: AttributeError … 'hostname'") as soon as the
connection was lost while the worker held unacknowledged messages, such as a delivery waiting out its
back-off (see ``escalation_matrix.celery.RedisChannel``).
"""

import datetime as dt
from unittest import mock

import pytest
import redis
from django.db import transaction
from django.utils import timezone

from escalation_matrix.celery import app
from escalation_matrix.models import Heartbeat
from notifications.models import Channel, Notification, Status
from notifications.services import notification_enqueue
from notifications.tasks import deliver_notifications
from notifications.tests.factories import NotificationFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_a_worker_holding_a_delayed_delivery_survives_a_redis_restart(celery_processes, real_broker):
    server = celery_processes.private_redis()
    celery_processes.start_all()
    # A notification that failed once and waits for its next attempt: the worker holds the delivery message,
    # unacknowledged, until its countdown ends.
    retry_at = timezone.now() + dt.timedelta(hours=1)
    notification = NotificationFactory(attempts=1, next_attempt_at=retry_at, last_error="receiver said 503")
    deliver_notifications.apply_async(([notification.pk],), countdown=3600)
    held = redis.Redis(port=server.port)
    celery_processes.wait_for(lambda: held.hlen("unacked") > 0, what="the worker to hold the delayed delivery")
    held.close()

    server.stop()
    server.start()
    back = timezone.now()

    celery_processes.wait_for(lambda: Heartbeat.objects.filter(kind="worker", beat_at__gt=back).count() == 3,
                              timeout=60, what="the same worker to run tasks again once Redis was back")
    assert all(process.poll() is None for process in celery_processes.running.values())
    notification.refresh_from_db()
    assert notification.status == Status.PENDING and notification.attempts == 1  # its next attempt still to come


def test_with_the_broker_gone_notifications_of_separate_causes_wait_on_it_once(celery_processes, real_broker):
    celery_processes.private_redis().stop()

    with mock.patch.object(app.amqp, "send_task_message", wraps=app.amqp.send_task_message) as publish:
        for n in range(3):
            with transaction.atomic():  # three causes, each handing its notification over after its commit
                notification_enqueue(channel=Channel.EMAIL, target=f"oncall{n}@example.com", subject="Checkout down",
                                     body="Acknowledge within 15 minutes.", dedupe_key=f"cause:{n}")

    # The first publish found the broker gone; the publish breaker refused the next two at once.
    assert publish.call_count == 1
    assert Notification.objects.filter(status=Status.PENDING, attempts=0).count() == 3  # for the sweep

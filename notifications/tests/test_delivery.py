"""notification_deliver: claim, send, and on failure back off until the last attempt dead-letters it."""

import datetime as dt
import threading
import time
from unittest import mock

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from notifications.delivery import notification_deliver, notification_deliver_many
from notifications.models import Status
from notifications.tasks import deliver_notifications

from .factories import NotificationFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def failing_email():
    return mock.patch("django.core.mail.EmailMessage.send", side_effect=ConnectionRefusedError("SMTP refused"))


def test_a_pending_notification_is_sent_once_and_marked_sent():
    notification = NotificationFactory()

    assert notification_deliver(notification_id=notification.pk, now=NOW) == "sent"
    assert notification_deliver(notification_id=notification.pk, now=NOW) == "skipped"

    notification.refresh_from_db()
    assert (notification.status, notification.attempts, notification.sent_at) == (Status.SENT, 1, NOW)
    assert notification.claimed_at is None
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("status", [Status.SENDING, Status.SENT, Status.DEAD])
def test_only_pending_notifications_are_sent(status):
    notification = NotificationFactory(status=status)

    assert notification_deliver(notification_id=notification.pk) == "skipped"
    assert mail.outbox == []


def test_a_missing_notification_is_skipped():
    assert notification_deliver(notification_id=424242) == "skipped"


def test_failures_back_off_exponentially_then_dead_letter(broker, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 6
    notification = NotificationFactory()
    waits = []
    now = NOW
    with failing_email():
        for _ in range(5):
            assert notification_deliver(notification_id=notification.pk, now=now) == "retry"
            notification.refresh_from_db()
            assert notification.status == Status.PENDING
            waits.append(notification.next_attempt_at - now)
            now = notification.next_attempt_at
        assert notification_deliver(notification_id=notification.pk, now=now) == "dead"

    assert waits == [dt.timedelta(seconds=30), dt.timedelta(minutes=2), dt.timedelta(minutes=10),
                     dt.timedelta(minutes=30), dt.timedelta(hours=2)]
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Status.DEAD, 6)
    assert "SMTP refused" in notification.last_error
    # Each retry was handed to the broker to run when due; the dead letter was not.
    assert broker.call_count == 5
    assert [call.kwargs["countdown"] for call in broker.call_args_list] == [w.total_seconds() for w in waits]


def test_max_attempts_comes_from_settings(settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    notification = NotificationFactory()
    with failing_email():
        assert notification_deliver(notification_id=notification.pk, now=NOW) == "retry"
        assert notification_deliver(notification_id=notification.pk, now=NOW) == "dead"


def test_a_retry_after_failures_can_succeed_and_clears_the_error():
    notification = NotificationFactory()
    with failing_email():
        notification_deliver(notification_id=notification.pk, now=NOW)

    assert notification_deliver(notification_id=notification.pk, now=NOW + dt.timedelta(seconds=30)) == "sent"

    notification.refresh_from_db()
    assert (notification.status, notification.attempts, notification.last_error) == (Status.SENT, 2, "")


def test_an_unexpected_error_is_recorded_and_never_leaves_the_row_sending():
    notification = NotificationFactory()
    with mock.patch("notifications.delivery.channel_send", side_effect=KeyError("boom")):
        assert notification_deliver(notification_id=notification.pk, now=NOW) == "retry"

    notification.refresh_from_db()
    assert notification.status == Status.PENDING
    assert "boom" in notification.last_error


def test_the_row_is_claimed_before_the_send_starts():
    notification = NotificationFactory()
    seen = {}

    def look(sent):
        sent.refresh_from_db()
        seen["status"], seen["claimed_at"] = sent.status, sent.claimed_at

    with mock.patch("notifications.delivery.channel_send", side_effect=look):
        notification_deliver(notification_id=notification.pk, now=NOW)

    assert seen == {"status": Status.SENDING, "claimed_at": NOW}


def test_sent_at_is_the_real_time_when_no_time_is_given():
    notification = NotificationFactory()
    before = timezone.now()

    notification_deliver(notification_id=notification.pk)

    notification.refresh_from_db()
    assert notification.sent_at >= before


def test_a_delivery_task_fills_its_batch_with_the_longest_waiting_due_messages(mailoutbox, settings):
    settings.NOTIFICATION_SEND_THREADS = 3
    asked = NotificationFactory()
    oldest, older, newer = (NotificationFactory(next_attempt_at=timezone.now() - dt.timedelta(seconds=s))
                            for s in (30, 20, 10))
    backing_off = NotificationFactory(attempts=1, next_attempt_at=timezone.now() + dt.timedelta(minutes=2))

    outcomes = deliver_notifications.run([asked.pk])

    assert outcomes == {asked.pk: "sent", oldest.pk: "sent", older.pk: "sent"}
    assert len(mailoutbox) == 3
    newer.refresh_from_db()
    backing_off.refresh_from_db()
    assert newer.status == backing_off.status == Status.PENDING


@pytest.mark.django_db(transaction=True)  # the sending thread must see the rows
def test_a_batch_is_sent_at_once_not_one_after_another(receiver, settings):
    """All ten messages reach a receiver that holds each one unanswered: they were sent side by side."""
    receiver.hold = threading.Event()
    batch = [NotificationFactory(channel="webhook", target=receiver.url, dedupe_key=f"k{n}") for n in range(10)]
    outcomes = {}
    def send() -> None:
        try:
            outcomes.update(notification_deliver_many(notification_ids=[n.pk for n in batch]))
        finally:
            connection.close()  # this thread's own; the test database is dropped at the end

    sending = threading.Thread(target=send)
    sending.start()
    try:
        deadline = time.monotonic() + 5
        while len(receiver.requests) < 10 and time.monotonic() < deadline:
            time.sleep(0.02)
        in_flight_together = len(receiver.requests)
    finally:
        receiver.hold.set()
        sending.join(10)

    assert in_flight_together == 10
    assert set(outcomes.values()) == {"sent"}

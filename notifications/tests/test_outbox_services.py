"""The outbox under real concurrency and a real worker: PostgreSQL and Redis (``services`` tests)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction

from notifications.delivery import notification_deliver
from notifications.models import Notification, Status
from notifications.services import notification_enqueue

from .factories import NotificationFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def in_own_connection(function):
    def run(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        finally:
            connection.close()

    return run


def enqueue(target: str = "https://hooks.example.com/x"):
    return notification_enqueue(
        channel="slack", target=target, subject="SEV1: Checkout is down", body="Acknowledge now.",
        dedupe_key="incident:1:filed:slack",
    )


def test_two_workers_delivering_one_notification_send_it_once(receiver):
    notification = NotificationFactory(channel="slack", target=receiver.url)
    receiver.hold = threading.Event()  # the first send is still in flight when the second worker claims
    start = threading.Barrier(2)

    @in_own_connection
    def deliver():
        start.wait(5)
        outcome = notification_deliver(notification_id=notification.pk)
        receiver.hold.set()
        return outcome

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(lambda _: deliver(), range(2)))

    assert outcomes == ["sent", "skipped"]
    assert len(receiver.requests) == 1
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Status.SENT, 1)


@pytest.mark.parametrize("first_commits", [True, False])
def test_concurrent_enqueues_of_one_cause_write_one_row(first_commits, broker):
    inserted, finish = threading.Event(), threading.Event()

    @in_own_connection
    def first():
        try:
            with transaction.atomic():
                enqueue()
                inserted.set()
                finish.wait(10)
                if not first_commits:
                    raise RuntimeError("the cause rolled back")
        except RuntimeError:
            return "rolled back"
        return "committed"

    @in_own_connection
    def second():
        inserted.wait(10)
        with transaction.atomic():
            # Waits on the first transaction's uncommitted row, then skips it or takes its place.
            threading.Timer(0.2, finish.set).start()
            return enqueue()

    with ThreadPoolExecutor(2) as pool:
        first_outcome, second_outcome = pool.submit(first), pool.submit(second)
        first_outcome.result()
        second_enqueued = second_outcome.result()

    assert Notification.objects.count() == 1
    # A committed first cause wins (the second is a duplicate); a rolled-back one leaves the key free.
    assert (second_enqueued is None) is first_commits


def test_a_live_worker_delivers_what_a_committed_transaction_enqueued(celery_processes, receiver, real_broker):
    celery_processes.start("sender")

    with transaction.atomic():
        notification = enqueue(target=receiver.url)

    celery_processes.wait_for(
        lambda: Notification.objects.filter(pk=notification.pk, status=Status.SENT).exists(),
        what="the worker to deliver the notification",
    )
    assert len(receiver.requests) == 1
    assert receiver.requests[0].json()["text"].startswith("*SEV1: Checkout is down*")

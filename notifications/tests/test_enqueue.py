"""notification_enqueue: one row per cause, written in the caller's transaction, delivered after commit."""

import logging

import pytest
from django.db import transaction
from kombu.exceptions import OperationalError

from notifications.delivery import LOST_AFTER, notifications_sweep
from notifications.models import Notification, Status
from notifications.services import notification_enqueue

pytestmark = pytest.mark.django_db


def enqueue(**overrides):
    arguments = {
        "channel": "email",
        "target": "ann@example.com",
        "subject": "SEV1: Checkout is down",
        "body": "Acknowledge within 15 minutes.",
        "dedupe_key": "incident:1:filed:ann",
    }
    return notification_enqueue(**{**arguments, **overrides})


def test_enqueue_writes_one_pending_row():
    notification = enqueue(payload={"incident": 1})

    row = Notification.objects.get()
    assert row.pk == notification.pk
    assert (row.status, row.attempts, row.channel, row.target) == (Status.PENDING, 0, "email", "ann@example.com")
    assert row.payload == {"incident": 1}
    assert row.next_attempt_at is not None and row.sent_at is None


def test_second_enqueue_with_the_same_dedupe_key_returns_none_and_writes_nothing():
    first = enqueue()
    second = enqueue(subject="Something else", target="bob@example.com")

    assert first is not None and second is None
    assert list(Notification.objects.values_list("subject", "target")) == [
        ("SEV1: Checkout is down", "ann@example.com")
    ]


def test_a_duplicate_does_not_break_the_callers_transaction(django_user_model):
    with transaction.atomic():
        enqueue()
        assert enqueue() is None
        # The transaction is still usable: a broken one would raise TransactionManagementError here.
        django_user_model.objects.create_user("after-the-duplicate")

    assert django_user_model.objects.filter(username="after-the-duplicate").exists()
    assert Notification.objects.count() == 1


def test_enqueue_costs_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        enqueue()
    with django_assert_num_queries(1):
        enqueue()  # the duplicate, skipped by the database


def test_rows_of_a_rolled_back_cause_disappear_with_it():
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue()
        raise RuntimeError("the incident could not be filed")

    assert not Notification.objects.exists()
    assert enqueue() is not None  # its dedupe key is free again


def test_delivery_is_dispatched_only_after_the_commit(broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification = enqueue()
    assert broker.ids() == []

    for callback in callbacks:
        callback()
    assert broker.ids() == [notification.pk]


def test_a_duplicate_is_not_dispatched_again(broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        enqueue()
        enqueue()

    assert len(broker.ids()) == 1


def test_broker_down_leaves_the_row_pending_for_the_sweep(broker, django_capture_on_commit_callbacks, caplog):
    broker.side_effect = OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    with caplog.at_level(logging.WARNING, logger="notifications"), django_capture_on_commit_callbacks(execute=True):
        notification = enqueue()

    assert Notification.objects.get().status == Status.PENDING
    assert "left pending for the sweep" in caplog.text

    broker.side_effect = None
    notifications_sweep(now=notification.next_attempt_at + LOST_AFTER)
    assert broker.ids()[-1] == notification.pk


def test_drill_notifications_say_so_first_in_subject_body_and_payload():
    notification = enqueue(is_drill=True, channel="webhook", target="https://hooks.example.com/x", payload={"a": 1})

    assert notification.subject == "DRILL: SEV1: Checkout is down"
    assert notification.body == "DRILL: Acknowledge within 15 minutes."
    assert notification.payload == {"a": 1, "drill": True}
    assert Notification.objects.get().is_drill is True


def test_drill_prefix_is_not_doubled():
    notification = enqueue(is_drill=True, subject="DRILL: SEV2 exercise")

    assert notification.subject == "DRILL: SEV2 exercise"


def test_subject_line_breaks_are_flattened():
    assert enqueue(subject="SEV1:\nCheckout\r\n down").subject == "SEV1: Checkout down"


def test_email_without_target_goes_to_the_users_address(django_user_model):
    user = django_user_model.objects.create_user("ann", email="ann@corp.example")

    notification = enqueue(target="", user=user)

    assert notification.target == "ann@corp.example"
    assert Notification.objects.get().user == user


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"channel": "pager"}, "Unknown notification channel"),
        ({"target": ""}, "needs a target"),
        ({"target": "not-an-address"}, "not an email address"),
        ({"channel": "slack", "target": "file:///etc/passwd"}, r"not an http\(s\) URL"),
        ({"channel": "webhook", "target": "hooks.example.com/x"}, r"not an http\(s\) URL"),
        ({"dedupe_key": ""}, "dedupe key"),
        ({"dedupe_key": "k" * 256}, "dedupe key"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_written(overrides, message):
    with pytest.raises(ValueError, match=message):
        enqueue(**overrides)

    assert not Notification.objects.exists()

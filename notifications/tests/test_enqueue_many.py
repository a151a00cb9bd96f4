"""notification_enqueue_many: many messages in one INSERT, with notification_enqueue's promises — one row
per dedupe key, the caller's transaction, delivery after the commit, nothing written for a bad item."""

import pytest
from django.db import transaction

from notifications.models import Notification
from notifications.services import notification_enqueue, notification_enqueue_many, notification_prepare

pytestmark = pytest.mark.django_db


def item(key: str, **overrides) -> dict:
    return {"channel": "email", "target": f"{key}@example.com", "subject": "SEV1: Checkout is down",
            "body": "Acknowledge within 15 minutes.", "dedupe_key": f"incident:1:filed:{key}", **overrides}


def test_many_messages_cost_one_query_and_come_back_in_order(django_assert_num_queries):
    with django_assert_num_queries(1):
        written = notification_enqueue_many([item("ann"), item("bob"), item("cy")])

    assert [n.target for n in written] == ["ann@example.com", "bob@example.com", "cy@example.com"]
    assert sorted(Notification.objects.values_list("pk", flat=True)) == sorted(n.pk for n in written)


def test_a_key_used_before_or_twice_in_one_call_is_written_once():
    notification_enqueue(**item("ann"))

    written = notification_enqueue_many([item("ann"), item("bob"), item("bob", target="other@example.com")])

    assert written[0] is None and written[2] is None
    assert written[1].target == "bob@example.com"
    assert sorted(Notification.objects.values_list("target", flat=True)) == ["ann@example.com", "bob@example.com"]


def test_prepared_messages_are_written_as_prepared():
    written = notification_enqueue_many([notification_prepare(**item("ann", is_drill=True))])

    assert Notification.objects.get().subject == "DRILL: SEV1: Checkout is down" == written[0].subject


def test_delivery_of_all_of_them_is_dispatched_once_after_the_commit(broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        written = notification_enqueue_many([item("ann"), item("bob")])
    assert broker.ids() == [] and len(callbacks) == 1

    callbacks[0]()
    assert broker.ids() == [n.pk for n in written]


def test_one_bad_item_writes_nothing():
    with pytest.raises(ValueError, match="not an email address"):
        notification_enqueue_many([item("ann"), item("bob", target="not-an-address")])

    assert not Notification.objects.exists()


def test_rows_of_a_rolled_back_cause_disappear_with_it():
    with pytest.raises(RuntimeError), transaction.atomic():
        notification_enqueue_many([item("ann"), item("bob")])
        raise RuntimeError("the timer could not fire")

    assert not Notification.objects.exists()
    assert all(notification_enqueue_many([item("ann"), item("bob")]))
